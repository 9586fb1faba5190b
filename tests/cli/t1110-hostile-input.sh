#!/bin/sh
# t1110 - hostile site input: wrong shapes for every key, bounded memory
# for aliases, streams, !file and "{{ }}" chains, paths stored normalised,
# escaped diagnostics. Every case is an error at a location, exit status 1,
# never a crash (test_must_fail fails on a signal).
. "$(dirname "$0")/lib.sh"

KEYS=$(sed -n 's/^\([a-z_0-9]*\): !.*/\1/p' "$TOP/config/defaults.yml")

# Each shape is wrong for every key: mappings where lists or strings
# belong (site_types.c once walked a mapping as a list), lists of lists.
test_expect_success 'every key refuses every wrong shape (no crash)' '
	bad= &&
	for shape in "{a: {b: c}}" "[{a: {b: c}}]" "[[a, b]]" "{a: [b]}"; do
		for k in $KEYS; do
			printf "%s: %s\n" "$k" "$shape" >s.yml &&
			if [ "$k" != komodo_binary_path ]; then
				echo "komodo_binary_path: /bin/true" >>s.yml
			fi &&
			test_must_fail "$PKGTOOL" check s.yml 2>err >/dev/null &&
			grep -q "^s.yml:[0-9]*:[0-9]*: error: " err ||
			bad="$bad $k=$shape"
		done
	done &&
	echo "failed:$bad" && test -z "$bad"
'

test_expect_success 'every key refuses a NUL byte' '
	bad= &&
	for k in $KEYS; do
		printf "%s: \"x\\\\0y\"\n" "$k" >s.yml &&
		test_must_fail "$PKGTOOL" check s.yml 2>err >/dev/null &&
		grep -q "^s.yml:1:[0-9]*: error: a NUL byte" err ||
		bad="$bad $k"
	done &&
	echo "failed:$bad" && test -z "$bad"
'

test_expect_success '{{ komodo_extra_env }} in a custom template is an error' '
	printf "x = \"{{ komodo_extra_env }}\"\n" >c.tmpl &&
	printf "[Service]\nX={{ komodo_extra_env | sh }}\n" >u.tmpl &&
	cat >t.yml <<-EOF &&
	komodo_config_file_template: c.tmpl
	komodo_service_file_template: u.tmpl
	komodo_extra_env: [{name: A, value: b}]
	EOF
	test_must_fail "$PKGTOOL" render t.yml 2>err &&
	grep "c.tmpl:1:6: error: .komodo_extra_env. is a list of mappings" err &&
	test_must_fail "$PKGTOOL" render t.yml unit 2>err &&
	grep "u.tmpl:2:3: error: " err &&
	grep "note: .komodo_extra_env. holds a secret and this file is world-readable" err
'

# 9^8 values from a few hundred bytes: refused after a bounded number.
test_expect_success 'alias bomb: an error, peak RSS below 64 MiB' '
	{
		echo "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]" &&
		for n in b c d e f g h; do
			p=$(echo "$n" | tr b-h a-g) &&
			echo "$n: &$n [*$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p]"
		done &&
		echo "komodo_passkeys: [*h, *h, *h, *h, *h, *h, *h, *h, *h]"
	} >bomb.yml &&
	test_must_fail /usr/bin/time -o rss -f %M "$PKGTOOL" check bomb.yml \
		2>err &&
	grep "^bomb.yml:[0-9]*:1: error: more than 100000 values" err &&
	echo "peak RSS $(tail -n 1 rss) KiB" &&
	test "$(tail -n 1 rss)" -lt 65536
'

test_expect_success 'a site file that never ends: bounded, clear error' '
	yes "# padding padding padding padding" |
		test_must_fail "$PKGTOOL" check /dev/stdin 2>err &&
	grep "site file ./dev/stdin. is larger than 4 MiB" err
'

test_expect_success '!file: a FIFO is refused without waiting for a writer' '
	mkfifo fifo &&
	echo "komodo_passkeys: !file fifo" >f.yml &&
	test_must_fail "$PKGTOOL" check f.yml 2>err &&
	grep "^f.yml:1:18: error: !file .fifo. is not a regular file" err
'

test_expect_success '!file: larger than 1 MiB is refused' '
	head -c 1048577 /dev/zero | tr "\\0" a >big &&
	echo "komodo_passkeys: !file big" >f.yml &&
	test_must_fail "$PKGTOOL" check f.yml 2>err &&
	grep "^f.yml:1:18: error: !file .big. is larger than 1024 KiB" err &&
	head -c 1048576 /dev/zero | tr "\\0" a >big &&
	"$PKGTOOL" check f.yml
'

test_expect_success 'a custom template larger than 1 MiB is refused' '
	head -c 1048577 /dev/zero | tr "\\0" "#" >big.tmpl &&
	echo "komodo_config_file_template: big.tmpl" >t.yml &&
	test_must_fail "$PKGTOOL" check t.yml 2>err &&
	grep "^t.yml:1:30: error: .komodo_config_file_template.: .*big.tmpl. is larger than 1024 KiB" err
'

test_expect_success '!file: a NUL byte in the file is refused' '
	printf "ab\\0cd" >nul &&
	echo "komodo_passkeys: !file nul" >f.yml &&
	test_must_fail "$PKGTOOL" check f.yml 2>err &&
	grep "^f.yml:1:18: error: !file .nul. contains a NUL byte" err
'

test_expect_success 'a vault password file that never ends: bounded' '
	printf "komodo_passkeys: !vault |\n  \$ANSIBLE_VAULT;1.1;AES256\n  00\n" \
		>v.yml &&
	test_must_fail "$PKGTOOL" --vault-password-file /dev/zero check v.yml \
		2>err &&
	grep "vault password file ./dev/zero. is larger than 1024 KiB" err
'

# Each variable doubles the one before: 2^20 copies without a bound.
test_expect_success '"{{ name }}" chains cannot blow up a value' '
	prev= &&
	for k in komodo_download_base_url komodo_github_api_url \
		komodo_api_delegate_to komodo_core_http_address \
		komodo_core_url komodo_private_key komodo_connect_as \
		komodo_onboarding_key komodo_ssl_key_file komodo_ssl_cert_file \
		passkey server_passkey komodo_default_terminal_command \
		komodo_logging_otlp_endpoint \
		komodo_logging_opentelemetry_service_name komodo_core_api_key \
		komodo_core_api_secret server_name server_address; do
		if [ -z "$prev" ]; then
			echo "$k: abcdefgh"
		else
			echo "$k: \"{{ $prev }}{{ $prev }}\""
		fi
		prev=$k
	done >x.yml &&
	test_must_fail /usr/bin/time -o rss -f %M "$PKGTOOL" check x.yml \
		2>err &&
	grep "error: .{{ [a-z_]* }}. makes the value longer than 64 KiB" err &&
	test "$(tail -n 1 rss)" -lt 65536
'

test_expect_success 'nesting deeper than 64 levels: error, not a long parse' '
	$PY -c "print(\"komodo_passkeys: \" + \"[\" * 200000 + \"]\" * 200000)" \
		>deep.yml &&
	test_must_fail "$PKGTOOL" check deep.yml 2>err &&
	grep "^deep.yml:1:81: error: values nest deeper than 64 levels" err
'

test_expect_success 'a key of a megabyte: one error of bounded length' '
	$PY -c "print(\"? \" + \"k\" * 1000000 + \"\n: 1\")" >long.yml &&
	test_must_fail "$PKGTOOL" check long.yml 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	test "$(wc -c <err)" -lt 5000 &&
	grep -q "^long.yml:1:3: error: unknown key .kkkk*\.\.\.$" err
'

test_expect_success 'many unknown keys: reported up to a bound' '
	seq 1 30000 | sed "s/.*/unknown_&: 1/" >many.yml &&
	test_must_fail "$PKGTOOL" check many.yml 2>err &&
	test "$(grep -c "error: unknown key" err)" -eq 20 &&
	grep "^many.yml:21:1: error: too many unknown keys" err
'

test_expect_success 'more than 10000 hosts: refused' '
	{ echo "hosts:" && seq 1 10001 | sed "s/.*/  h&: {}/"; } >fleet.yml &&
	test_must_fail "$PKGTOOL" check fleet.yml 2>err &&
	grep "^fleet.yml:2:3: error: more than 10000 hosts" err
'

test_expect_success 'a huge list is refused before quadratic checks' '
	{ echo "komodo_allowed_ips:" && seq 1 5000 | sed "s/.*/- 10.0.0.1/"; } \
		>list.yml &&
	test_must_fail "$PKGTOOL" check list.yml 2>err &&
	grep "^list.yml:2:1: error: .komodo_allowed_ips. has more than 4096" err
'

test_expect_success 'paths reach the scripts normalised' '
	cat >n.yml <<-EOF &&
	komodo_home: //srv//komodo/./
	komodo_config_dir: /etc/komodo/
	EOF
	"$PKGTOOL" render n.yml postinst >post &&
	grep -x "KP_HOME=./srv/komodo." post &&
	grep -x "KP_ROOT=./srv/komodo/.komodo." post &&
	grep -x "KP_CONFIG_DIR=./etc/komodo." post
'

test_expect_success 'control characters in a file name are escaped' '
	f=$(printf "a\\033[2Jb.yml") &&
	echo "komodo_user: 1x" >"$f" &&
	test_must_fail "$PKGTOOL" check "$f" 2>err &&
	grep -q "^a\\\\x1b\\[2Jb.yml:1:14: error: " err &&
	! grep -q "$(printf "\\033")" err
'
test_expect_success 'progress lines are escaped too' '
	o=$(printf "o\\033[2J") &&
	"$PKGTOOL" build "$TOP/tests/golden/custom/site.yml" --out "$o" \
		--binary "$(fake_binary)" --format deb 2>err &&
	grep -q "^wrote o\\\\x1b\\[2J/" err &&
	! grep -q "$(printf "\\033")" err
'
test_done
