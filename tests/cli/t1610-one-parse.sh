#!/bin/sh
# t1610 - build and register read and parse the site file once, however
# many hosts it has: every host is a view of the one parsed file.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)

cat >"$TMP/fleet.yml" <<EOS
komodo_binary_path: $BIN
komodo_passkeys: [k]
package_formats: [deb]
hosts:
  a:
    komodo_periphery_port: 8201
  b:
    komodo_periphery_port: 8202
  c:
EOS
# LeakSanitizer cannot run under ptrace; leaks are checked by the other
# suites of make check-asan.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# How many times the command opened the site file itself.
opens() {
	grep -c 'open[a-z]*([^"]*"[^"]*/fleet\.yml"' "$1"
}

test_expect_success 'a 3-host build opens the site file once' '
	strace -f -e trace=open,openat -o trace "$PKGTOOL" -q build "$TMP/fleet.yml" \
		--out o --cache-dir cache &&
	test "$(opens trace)" = 1 && test "$(ls o | wc -l)" = 3 &&
	dpkg-deb -x o/a/*.deb xa && dpkg-deb -x o/c/*.deb xc &&
	grep -qx "port = 8201" xa/etc/komodo/periphery.config.toml &&
	grep -qx "port = 8120" xc/etc/komodo/periphery.config.toml
'
test_expect_success 'a bad value in one host: its line, from the one parse' '
	cp fleet.yml bad.yml && printf "  d:\n    komodo_periphery_port: 0\n" >>bad.yml &&
	strace -f -e trace=open,openat -o trace2 "$PKGTOOL" build "$TMP/bad.yml" \
		--out bo --cache-dir cache 2>err; test $? = 1 &&
	sed -i "s|^$TMP/||" err &&
	grep -q "^bad.yml:11:28: error: .komodo_periphery_port." err && test ! -e bo &&
	grep -c "open[a-z]*([^\"]*\"[^\"]*/bad\.yml\"" trace2 | grep -qx 1
'
test_expect_success 'register opens the site file once too' '
	strace -f -e trace=open,openat -o trace3 "$PKGTOOL" register "$TMP/fleet.yml" \
		--dry-run >out &&
	test "$(opens trace3)" = 1 && test "$(grep -c "skipped" out)" = 3
'
test_done
