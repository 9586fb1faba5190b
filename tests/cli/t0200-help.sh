#!/bin/sh
# t0200-help.sh - per-command help, --version, man pages, make install and
# the bash completion, each checked against the option tables in the code
# (pkgtool help --list-options) so that help, parser and docs cannot drift.
. "$(dirname "$0")/lib.sh"
P=$PKGTOOL
DOC=$TOP/doc

# every command path and its options, as the tables declare them
"$P" help --list-options > "$TMP/opts" 2>/dev/null
cut -f1 "$TMP/opts" | uniq | grep -vx pkgtool > "$TMP/cmds"

# a value each option accepts, for "is it parsed?" checks
sample() {
	case $1 in
	deb\|rpm) echo deb ;;
	N | DAYS) echo 1 ;;
	*) echo x ;;
	esac
}

test_expect_success 'the tables hold every command and repo subcommand' '
	for c in build check fetch register render repo "repo add" \
		"repo remove" "repo list" "repo sources" "repo export-key" \
		help version; do
		grep -qx "$c" cmds || { echo "missing: $c"; exit 1; }
	done
'

test_expect_success 'COMMAND --help, -h and help COMMAND: exit 0, stdout, every section' '
	test -s cmds && while read -r c; do
		# shellcheck disable=SC2086
		"$P" $c --help > a 2> err || { echo "$c --help failed"; exit 1; }
		test ! -s err || { echo "$c: stderr"; cat err; exit 1; }
		"$P" $c -h > b && "$P" help $c > h || exit 1
		test_cmp a b && test_cmp a h || exit 1
		grep -q "^Usage: pkgtool $c \[OPTIONS\]" a &&
			grep -qx "Options:" a && grep -qx "Exit status:" a &&
			grep -qx "Example:" a ||
			{ echo "$c: a section is missing"; cat a; exit 1; }
		! awk "length > 80" a | grep . || { echo "$c: line over 80"; exit 1; }
	done < cmds
'

test_expect_success 'each help names every option of its table, with its letter' '
	test "$(wc -l < opts)" -gt 40 && while IFS="	" read -r c s l arg; do
		[ "$c" = pkgtool ] && c=
		# shellcheck disable=SC2086
		"$P" $c --help > a || exit 1
		want="$l"; [ "$arg" = - ] || want="$l $arg"
		if [ "$s" = - ]; then want="    $want"; else want="$s, $want"; fi
		awk -v w="  $want" "index(\$0, w) == 1 &&
			(length(\$0) == length(w) ||
			 substr(\$0, length(w) + 1, 1) == \" \") { f = 1 }
			END { exit !f }" a ||
			{ echo "${c:-pkgtool} --help lacks \"$want\""; exit 1; }
	done < opts
'

test_expect_success 'the parser accepts every option its help names' '
	test -s opts && while IFS="	" read -r c s l arg; do
		[ "$c" = pkgtool ] && c=
		[ "$l" = --version ] && continue
		for o in $l $s; do
			[ "$o" = - ] && continue
			if [ "$arg" = - ]; then
				# shellcheck disable=SC2086
				"$P" $c $o --help >/dev/null
			else
				# shellcheck disable=SC2086
				"$P" $c $o "$(sample "$arg")" --help >/dev/null
			fi || { echo "${c:-pkgtool} $o refused"; exit 1; }
		done
	done < opts
'

test_expect_success 'an unknown option: exit 2, the command named in the hint' '
	for c in build check fetch register render "repo add" "repo list"; do
		# shellcheck disable=SC2086
		"$P" $c --no-such-option site.yml > out 2> err
		test $? = 2 || { echo "$c: not 2"; exit 1; }
		test ! -s out && grep -q "Try .pkgtool $c --help." err ||
			{ echo "$c:"; cat err; exit 1; }
	done
'

test_expect_success 'pkgtool --help lists every command and the global options' '
	"$P" --help > a && "$P" help > b && test_cmp a b &&
	for c in build check fetch register render repo help version; do
		grep -q "^  $c  *[A-Z]" a || { echo "no $c"; exit 1; }
	done &&
	grep -qF -- "-q, --quiet" a && grep -qF -- "-v, --verbose" a &&
	grep -qF -- "--vault-password-file FILE" a && grep -qF -- "--version" a
'

test_expect_success 'help of an unknown command: error, exit 2' '
	"$P" help nope > out 2> err; test $? = 2 &&
	test ! -s out && grep -q "error: .*nope" err &&
	"$P" help repo nope 2>/dev/null; test $? = 2 &&
	"$P" nope 2>/dev/null; test $? = 2
'

test_expect_success '--version and version print the VERSION file' '
	echo "pkgtool $(cat "$TOP/VERSION")" > expect &&
	"$P" --version > a && test_cmp expect a &&
	"$P" version > b && test_cmp expect b &&
	grep -q "^\.TH PKGTOOL 1 .* \"pkgtool $(cat "$TOP/VERSION")\"" \
		"$DOC/pkgtool.1" &&
	grep -q "^\.TH PKGTOOL-SITE 5 .* \"pkgtool $(cat "$TOP/VERSION")\"" \
		"$DOC/pkgtool-site.5"
'

test_expect_success 'mandoc -T lint: nothing to report on either page' '
	mandoc -T lint "$DOC/pkgtool.1" "$DOC/pkgtool-site.5" > lint 2>&1 &&
	test ! -s lint || { cat lint; exit 1; }
'

test_expect_success 'man -l renders both pages with an empty stderr' '
	for p in pkgtool.1 pkgtool-site.5; do
		MANWIDTH=80 man -l "$DOC/$p" > page 2> err &&
		test ! -s err && test -s page || { cat err; exit 1; }
	done
'

test_expect_success 'pkgtool(1) names every command and option of the tables' '
	MANWIDTH=200 man -l "$DOC/pkgtool.1" 2>/dev/null > page &&
	test -s cmds && while read -r c; do
		grep -qF "pkgtool $c [OPTIONS]" page || { echo "no $c"; exit 1; }
	done < cmds &&
	cut -f3 opts | sort -u | while read -r l; do
		grep -qF -- "$l" page || { echo "no $l"; exit 1; }
	done
'

test_expect_success 'pkgtool(1) ENVIRONMENT has every getenv() of the code' '
	MANWIDTH=200 man -l "$DOC/pkgtool.1" 2>/dev/null |
		sed -n "/^ENVIRONMENT/,/^FILES/p" > env &&
	grep -ho "getenv(\"[A-Z_]*\")" "$TOP"/pkgtool/*.c | sort -u |
		sed "s/getenv(\"\(.*\)\")/\1/" > names &&
	test -s names && while read -r n; do
		grep -qw "$n" env || { echo "no $n"; exit 1; }
	done < names &&
	grep -qw KOMODO_DELETE_USER env && grep -q "!env" env
'

test_expect_success 'pkgtool-site(5) has every key of config/defaults.yml' '
	MANWIDTH=200 man -l "$DOC/pkgtool-site.5" 2>/dev/null > page &&
	sed -n "s/^\([a-z_][a-z_]*\):.*/\1/p" "$TOP/config/defaults.yml" > keys &&
	test "$(wc -l < keys)" -gt 50 &&
	while read -r k; do
		grep -q "^ *$k (" page || { echo "no $k"; exit 1; }
	done < keys
'

test_expect_success 'pkgtool-site(5): where each key goes, versions, role names' '
	MANWIDTH=200 man -l "$DOC/pkgtool-site.5" 2>/dev/null > page &&
	test "$(grep -c "Default: .* In: .* Versions: .* Role: " page)" = \
		"$(wc -l < keys)" &&
	grep -A2 "^ *komodo_core_address (" page | grep -q "Komodo >= 2.0.0" &&
	grep -A2 "^ *komodo_disable_terminals (" page |
		grep -q "Komodo >= 1.17.4" &&
	grep -A3 "^ *komodo_extra_env (" page | grep -q "In: env\." &&
	grep -A3 "^ *package_name (" page | grep -q "Role: pkgtool only" &&
	grep -A3 "^ *komodo_user (" page | grep -q "Role: same name"
'

test_expect_success 'make install DESTDIR: binary, both pages, completion; uninstall' '
	make -s -C "$TOP" install DESTDIR="$TMP/d" PREFIX=/usr > log 2>&1 &&
	test -x d/usr/bin/pkgtool &&
	test -f d/usr/share/man/man1/pkgtool.1 &&
	test -f d/usr/share/man/man5/pkgtool-site.5 &&
	test -f d/usr/share/bash-completion/completions/pkgtool &&
	d/usr/bin/pkgtool --version | grep -qF "$(cat "$TOP/VERSION")" &&
	MANWIDTH=80 man -l d/usr/share/man/man5/pkgtool-site.5 >/dev/null &&
	make -s -C "$TOP" uninstall DESTDIR="$TMP/d" PREFIX=/usr > log 2>&1 &&
	test ! -e d/usr/bin/pkgtool && test ! -e d/usr/share/man/man1/pkgtool.1 &&
	test ! -e d/usr/share/man/man5/pkgtool-site.5 &&
	test ! -e d/usr/share/bash-completion/completions/pkgtool
'

# comp WORD...: what the completion offers for the last word, sorted
cat > "$TMP/drive.sh" <<'EOS'
[ -n "${WITH_BC:-}" ] && . /usr/share/bash-completion/bash_completion
. "$COMP"
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMPREPLY=()
_pkgtool
printf '%s\n' "${COMPREPLY[@]}" | sort
EOS
comp() {
	(cd "$TMP/ct" && COMP=$DOC/pkgtool.bash bash "$TMP/drive.sh" "$@")
}
mkdir -p "$TMP/ct/cache" "$TMP/ct/my dir" && : > "$TMP/ct/site.yml" && : > "$TMP/ct/b.yaml" &&
	: > "$TMP/ct/notes.txt" && : > "$TMP/ct/x.deb"

test_expect_success 'completion: commands, repo subcommands, help' '
	comp pkgtool "" > a &&
	printf "%s\n" build check fetch help init register render repo version > e &&
	test_cmp e a &&
	comp pkgtool repo "" > a &&
	printf "%s\n" add export-key list remove sources > e && test_cmp e a &&
	comp pkgtool help re > a && printf "%s\n" register render repo > e &&
	test_cmp e a &&
	comp pkgtool -q --vault-password-file notes.txt bu > a &&
	echo build > e && test_cmp e a
'

test_expect_success 'completion: every option of every command, from the tables' '
	test -s cmds && while read -r c; do
		if [ "$c" = pkgtool ]; then set -- pkgtool; else
			# shellcheck disable=SC2086
			set -- pkgtool $c
		fi
		comp "$@" "--" > got
		awk -F "\t" -v c="$c" "\$1 == c { print \$3 }" opts | sort > want
		grep -- "^--" got > got.long
		test_cmp want got.long || { echo "for $c"; exit 1; }
	done < cmds
'

test_expect_success 'completion: site files, directories, --format choices' '
	comp pkgtool build "" > a &&
	printf "b.yaml\ncache\nmy dir\nsite.yml\n" > e && test_cmp e a &&
	comp pkgtool check s > a && echo site.yml > e && test_cmp e a &&
	comp pkgtool build --out "" > a && printf "cache\nmy dir\n" > e &&
	test_cmp e a && comp pkgtool build --out my > a &&
	echo "my dir" > e && test_cmp e a &&
	comp pkgtool build site.yml --cache-dir c > a && echo cache > e &&
	test_cmp e a &&
	comp pkgtool build --format "" > a && printf "deb\nrpm\n" > e &&
	test_cmp e a &&
	comp pkgtool build --format=r > a && echo rpm > e && test_cmp e a &&
	comp pkgtool render site.yml un > a && echo unit > e && test_cmp e a &&
	comp pkgtool repo add cache "" > a && printf "cache\nmy dir\nx.deb\n" > e &&
	test_cmp e a
'

test_expect_success 'completion: the same with bash-completion loaded' '
	WITH_BC=1 comp pkgtool build --format "" > a &&
	printf "deb\nrpm\n" > e && test_cmp e a &&
	WITH_BC=1 comp pkgtool build "" > a &&
	printf "b.yaml\ncache\nmy dir\nsite.yml\n" > e && test_cmp e a
'

test_done
