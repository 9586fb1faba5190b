#!/bin/sh
# t1700 - pkgtool init: a commented starter site that check accepts and
# build turns into packages, for each scope, version family and with hosts;
# never replaces anything at its path (also when the path appears between
# the check and the write: strace injects that race); hostile --hosts and
# bad values are refused and write nothing.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
DEFAULTS="$TOP/config/defaults.yml"
unset KOMODO_API_KEY KOMODO_API_SECRET
# what the starter names; only ever in the environment
API_ENV="KOMODO_API_KEY=test-key KOMODO_API_SECRET=test-secret"

# test_exit N CMD...: CMD exits with status N exactly
test_exit() {
	_want=$1
	shift
	"$@"
	_rc=$?
	[ "$_rc" = "$_want" ] || { echo "exit $_rc, want $_want: $*"; return 1; }
}

# traced STRACE-ARGS... CMD...: CMD under strace (fault injection).
# LeakSanitizer cannot run under ptrace, so a sanitizer build skips only
# the leak check here (the same paths run untraced above).
traced() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -o /dev/null "$@"
}

# nothing_written DIR: DIR holds only the file "before"
nothing_written() {
	test "$(ls -A "$1")" = before
}

test_expect_success 'init without arguments writes site.yml that check accepts' '
	mkdir d0 && cd d0 && "$PKGTOOL" init >out 2>err &&
	test "$(ls -A | tr "\n" " ")" = "err out site.yml " && test ! -s err &&
	grep -q "^wrote site.yml: Komodo Periphery 1.19.5, user scope" out &&
	env $API_ENV "$PKGTOOL" check site.yml >c && grep -q "site.yml: ok (0 hosts)" c
'

test_expect_success 'the starter names the important keys, no secret inline' '
	f=d0/site.yml &&
	grep -qx "komodo_version: \"v1.19.5\"" $f &&
	grep -qx "komodo_service_scope: user" $f &&
	grep -qx "komodo_user: komodo" $f &&
	grep -qx "komodo_core_http_address: \"https://komodo.example.com\"" $f &&
	grep -qx "generate_server_passkey: true" $f &&
	grep -qx "enable_server_management: true" $f &&
	grep -qx "komodo_core_api_key: !env KOMODO_API_KEY" $f &&
	grep -qx "komodo_core_api_secret: !env KOMODO_API_SECRET" $f &&
	grep -qx "server_name: \"periphery-1\"" $f &&
	! grep -Eq "^(komodo_passkeys|server_passkey|passkey|komodo_private_key|komodo_onboarding_key):" $f
'

test_expect_success 'each key is a defaults.yml key, described by its defaults.yml comment' '
	keys=$(sed -n "s/^\([a-z_]*\):.*/\1/p" d0/site.yml) && test -n "$keys" &&
	for k in $keys; do
		doc=$(sed -n "s/^$k: .*  # //p" "$DEFAULTS" | sed "s/ \[in: [^]]*\]\$//") && test -n "$doc" &&
		grep -B3 "^$k:" d0/site.yml | grep -qxF "# $doc" || {
			echo "key $k: no comment \"$doc\""; exit 1; }
	done
'

test_expect_success 'check fails without the environment the starter names' '
	test_must_fail "$PKGTOOL" check d0/site.yml 2>err &&
	grep -q "KOMODO_API_KEY" err
'

# One check per scope x version (default, a v1 tag, a v2 tag) x hosts.
for scope in user system; do
	for ver in "" v1.18.0 v2.1.1; do
		for hosts in "" web-01,db-01.example.com,n_3; do
			name="init-$scope-${ver:-default}-${hosts:+hosts}"
			test_expect_success "check accepts: --scope $scope ${ver:+--komodo-version $ver }${hosts:+--hosts $hosts}" '
				want=${ver:-v1.19.5} &&
				"$PKGTOOL" init $name.yml --scope $scope ${ver:+--komodo-version $ver} ${hosts:+--hosts $hosts} >out &&
				grep -qx "komodo_service_scope: $scope" $name.yml &&
				grep -qx "komodo_version: \"$want\"" $name.yml &&
				n=0 && if [ -n "$hosts" ]; then n=3; fi &&
				env $API_ENV "$PKGTOOL" check $name.yml >c &&
				grep -qx "$name.yml: ok ($n host$(test $n = 1 || echo s))" c &&
				env $API_ENV "$PKGTOOL" render ${hosts:+--host n_3} $name.yml unit >unit &&
				if [ $scope = system ]; then grep -qx "User=komodo" unit; else ! grep -q "^User=" unit; fi &&
				env $API_ENV "$PKGTOOL" render ${hosts:+--host n_3} $name.yml config >conf &&
				case $want in
				v2*) grep -qx "core_addresses = \[\"wss://komodo.example.com\"\]" conf &&
				     who=periphery-1 && if [ -n "$hosts" ]; then who=n_3; fi &&
				     grep -qx "connect_as = \"$who\"" conf;;
				*) grep -qx "port = 8120" conf && ! grep -q core_addresses conf;;
				esac
			'
		done
	done
done

test_expect_success 'build turns the v1 starter into the packages init named' '
	mkdir b1 && cd b1 && "$PKGTOOL" init >steps &&
	env $API_ENV "$PKGTOOL" -q build site.yml --binary "$BIN" &&
	deb=$(sed -n "s|^ *apt install \(\./out/.*\.deb\)$|\1|p" steps) &&
	rpm=$(sed -n "s|^ *dnf install \(\./out/.*\.rpm\)$|\1|p" steps) &&
	test -n "$deb" && test -f "$deb" && test -n "$rpm" && test -f "$rpm" &&
	dpkg-deb -x "$deb" x &&
	grep -Eqx "passkeys = \[\"[A-Za-z0-9]{32}\"\]" x/etc/komodo/periphery.config.toml &&
	test -f x/usr/lib/systemd/user/periphery.service &&
	test "$(stat -c %a site.state.yml)" = 600
'

test_expect_success 'build turns a v2 system starter with hosts into one package set per host' '
	mkdir b2 && cd b2 &&
	"$PKGTOOL" init fleet.yml --scope system --komodo-version v2.1.1 --hosts web-01,db-01 >steps &&
	env $API_ENV "$PKGTOOL" -q build fleet.yml --binary "$BIN" 2>err &&
	deb=$(sed -n "s|^ *apt install \(\./out/.*\.deb\)$|\1|p" steps) &&
	test "$deb" = ./out/web-01/komodo-periphery_2.1.1-1_amd64.deb && test -f "$deb" &&
	test -f out/db-01/komodo-periphery-2.1.1-1.x86_64.rpm &&
	dpkg-deb -x "$deb" x && test -f x/usr/lib/systemd/system/periphery.service &&
	grep -qx "connect_as = \"web-01\"" x/etc/komodo/periphery.config.toml
'

test_expect_success 'next steps: edit, environment, then build/install/register (v1) in order' '
	s=b1/steps &&
	grep -n "" $s >numbered &&
	b=$(grep -n "^     pkgtool build site.yml$" $s | cut -d: -f1) &&
	i=$(grep -n "apt install ./out/komodo-periphery_1.19.5-1_amd64.deb" $s | cut -d: -f1) &&
	r=$(grep -n "^     pkgtool register site.yml$" $s | cut -d: -f1) &&
	test "$b" -lt "$i" && test "$i" -lt "$r" &&
	grep -q "read -rs KOMODO_API_KEY" $s && grep -q "komodo_core_http_address" $s
'

test_expect_success 'next steps for v2: register before build (it pins Core'"'"'s key)' '
	s=b2/steps &&
	r=$(grep -n "^     pkgtool register fleet.yml$" $s | cut -d: -f1) &&
	b=$(grep -n "^     pkgtool build fleet.yml$" $s | cut -d: -f1) &&
	test "$r" -lt "$b"
'

test_expect_success 'printed commands are quoted for the shell and run as printed' '
	mkdir q && cd q && "$PKGTOOL" init "my site'"'"'s \$x.yml" >steps &&
	line=$(sed -n "s/^ *\(pkgtool check .*\)$/\1/p" steps) &&
	grep -qF "pkgtool check '"'"'my site'"'"'\\'"'"''"'"'s \$x.yml'"'"'" steps &&
	env $API_ENV sh -c "pkgtool() { \"$PKGTOOL\" \"\$@\"; }; $line" >c &&
	grep -q ": ok (0 hosts)" c
'

test_expect_success 'a file name never reaches the file (newline in the name)' '
	mkdir nl && cd nl &&
	"$PKGTOOL" init "$(printf "x\nkomodo_user: root\n.yml")" >/dev/null &&
	f=$(ls) && test "$(grep -c "^komodo_user:" "$f")" = 1 &&
	grep -qx "komodo_user: komodo" "$f" && ! grep -q root "$f"
'

test_expect_success 'the mode follows the umask (no secrets in the file)' '
	mkdir m && (umask 022 && "$PKGTOOL" init m/a.yml >/dev/null) &&
	(umask 077 && "$PKGTOOL" init m/b.yml >/dev/null) &&
	test "$(stat -c %a m/a.yml)" = 644 && test "$(stat -c %a m/b.yml)" = 600
'

test_expect_success 'refuses an existing file: exit 1, file untouched' '
	mkdir o1 && cd o1 && echo mine >before && cp before site.yml &&
	test_exit 1 "$PKGTOOL" init 2>err &&
	grep -q "error: .site.yml. already exists" err &&
	test "$(cat site.yml)" = mine && test "$(ls -A)" = "before
err
site.yml"
'

test_expect_success 'refuses a symlink to a file: link and target untouched' '
	mkdir o2 && cd o2 && echo mine >before && ln -s before s.yml &&
	test_exit 1 "$PKGTOOL" init s.yml 2>err &&
	grep -q "already exists" err && test "$(readlink s.yml)" = before &&
	test "$(cat before)" = mine && test "$(ls -A | wc -l)" = 3
'

test_expect_success 'refuses a dangling symlink: its target is not created' '
	mkdir o3 && cd o3 && ln -s target d.yml &&
	test_exit 1 "$PKGTOOL" init d.yml 2>err &&
	grep -q "already exists" err && test ! -e target &&
	test "$(readlink d.yml)" = target && test "$(ls -A | wc -l)" = 2
'

test_expect_success 'refuses a directory at the path' '
	mkdir o4 && cd o4 && mkdir site.yml &&
	test_exit 1 "$PKGTOOL" init 2>err && test -z "$(ls -A site.yml)"
'

# The path appears after init looked (lstat answers ENOENT): the final
# link(), and the RENAME_NOREPLACE used where hard links fail, must still
# refuse, leaving no temp file.
for how in link rename; do
	for kind in file symlink dangling; do
		test_expect_success "refuses a $kind that appears before the $how" '
			mkdir r-$how-$kind && cd r-$how-$kind && echo mine >before &&
			case $kind in
			file) cp before t.yml;;
			symlink) ln -s before t.yml;;
			dangling) ln -s nowhere t.yml;;
			esac &&
			snap() { for f in before t.yml; do stat -c "%n %F %s %i %Y" $f; readlink $f; done; ls -A; } &&
			snap >../l1-$how-$kind &&
			inject="-e inject=newfstatat:error=ENOENT" &&
			if [ $how = rename ]; then inject="$inject -e inject=link:error=EPERM"; fi &&
			test_exit 1 traced -P t.yml \
				-e trace=newfstatat,link $inject \
				"$PKGTOOL" init t.yml 2>err &&
			grep -q "already exists (created meanwhile)" err &&
			rm err && snap >../l2-$how-$kind && test_cmp ../l1-$how-$kind ../l2-$how-$kind &&
			test "$(cat before)" = mine && test ! -e nowhere
		'
	done
done

test_expect_success 'where hard links fail, the no-replace rename writes the file' '
	mkdir nolink && cd nolink &&
	traced -e trace=link -e inject=link:error=EPERM \
		"$PKGTOOL" init >/dev/null &&
	test "$(ls -A)" = site.yml &&
	env $API_ENV "$PKGTOOL" check site.yml
'

test_expect_success 'a write error leaves nothing behind' '
	mkdir wr && cd wr && echo x >before &&
	test_exit 1 traced -e trace=fsync \
		-e inject=fsync:error=EIO "$PKGTOOL" init 2>err &&
	grep -q "Input/output error" err && rm err && nothing_written .
'

test_expect_success 'a missing directory is an error (exit 1)' '
	test_exit 1 "$PKGTOOL" init no/such/dir.yml 2>err &&
	grep -q "cannot create .no/such/dir.yml." err && test ! -e no
'

# hostile or malformed --hosts: exit 2 (usage), nothing written
n=0
for h in "a,b;rm -rf x" "$(printf "a\nkomodo_user: root")" "web 01" "a,\$(id)" \
	'"q"' "../x" ".hidden" "-x" "" "a,,b" "a," "a,a" "x/y" "a:b" "é" \
	"0123456789abcdef01234567" "$(printf "a\tb")"; do
	n=$((n + 1))
	test_expect_success "--hosts refuses #$n: $(printf "%s" "$h" | tr "\n\t" "NT")" '
		mkdir h$n && cd h$n && echo x >before &&
		test_exit 2 "$PKGTOOL" init --hosts "$h" 2>err &&
		grep -q "^pkgtool: error: --hosts: " err && rm err && nothing_written .
	'
done

test_expect_success '--hosts takes 253 characters, refuses 254' '
	mkdir long && cd long &&
	a=$(printf "%0253d" 0 | tr 0 a) &&
	"$PKGTOOL" init --hosts "$a" >/dev/null &&
	env $API_ENV "$PKGTOOL" check site.yml &&
	test_exit 2 "$PKGTOOL" init b.yml --hosts "${a}b" 2>err && test ! -e b.yml
'

n=0
for v in "--scope=bogus" "--scope=USER" "--scope=" "--komodo-version=1.2" \
	"--komodo-version=latest" "--komodo-version=core" \
	"--komodo-version=v1.19.5/../x" "--komodo-version=" "--bogus" \
	"one.yml two.yml"; do
	n=$((n + 1))
	test_expect_success "usage error #$n: $v (exit 2, nothing written)" '
		mkdir u$n && cd u$n && echo x >before &&
		test_exit 2 "$PKGTOOL" init $v 2>err &&
		case $v in
		--scope*) grep -q "^pkgtool: error: --scope: " err;;
		--komodo-version*) grep -q "^pkgtool: error: --komodo-version: " err;;
		--bogus) grep -q "unrecognized option" err;;
		*) grep -q "^pkgtool: error: usage: pkgtool init " err;;
		esac &&
		rm err && nothing_written .
	'
done

test_expect_success '--help: exit 0 on stdout, names every option' '
	"$PKGTOOL" init --help >out 2>err && test ! -s err &&
	for o in --scope --komodo-version --hosts --help; do
		grep -q -- "$o" out || exit 1; done && test ! -e site.yml
'

test_done
