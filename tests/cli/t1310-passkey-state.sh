#!/bin/sh
# t1310 - generate_server_passkey: made once from the CSPRNG, kept in
# <site>.state.yml (0600), the same in every later build.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
cat >"$TMP/gen.yml" <<EOS
komodo_binary_path: $BIN
generate_server_passkey: true
package_formats: [deb]
hosts:
  a:
  b:
  c:
    server_passkey: fixed-passkey
EOS
cfg() { dpkg-deb --fsys-tarfile "$1"/*.deb | tar xO ./etc/komodo/periphery.config.toml; }

test_expect_success 'first build makes one passkey per generating host' '
	"$PKGTOOL" -q build gen.yml --out o1 &&
	test "$(stat -c %a gen.state.yml)" = 600 &&
	grep -q "^  \"a\": \"[A-Za-z0-9]\{32\}\"$" gen.state.yml &&
	grep -q "^  \"b\": " gen.state.yml && ! grep -q "\"c\"" gen.state.yml &&
	test "$(grep -c "^  \"" gen.state.yml)" -eq 2
'
test_expect_success 'the package carries the kept passkey' '
	k=$(sed -n "s/^  \"a\": \"\(.*\)\"$/\1/p" gen.state.yml) &&
	cfg o1/a | grep -qx "passkeys = \[\"$k\"\]" &&
	cfg o1/c | grep -qx "passkeys = \[\"fixed-passkey\"\]"
'
test_expect_success 'hosts get different passkeys' '
	a=$(sed -n "s/^  \"a\": //p" gen.state.yml) &&
	b=$(sed -n "s/^  \"b\": //p" gen.state.yml) && test "$a" != "$b"
'
test_expect_success 'later builds reuse it and leave the state file alone' '
	cp gen.state.yml before && sleep 1 &&
	"$PKGTOOL" -q build gen.yml --out o2 &&
	cmp before gen.state.yml && cfg o1/a >x1 && cfg o2/a >x2 && cmp x1 x2
'
test_expect_success 'render shows the kept passkey, never makes one' '
	"$PKGTOOL" render --host b gen.yml | grep -q "^passkeys = \[\"" &&
	sed "s/^package_formats.*/&/" gen.yml >fresh.yml &&
	"$PKGTOOL" render --host a fresh.yml | grep -qv "^passkeys" &&
	test ! -e fresh.state.yml
'
test_expect_success 'a broken state file is an error with its location' '
	printf "passkeys: [oops]\n" >gen.state.yml &&
	test_must_fail "$PKGTOOL" build gen.yml --out o3 2>err &&
	grep -q "gen.state.yml:1:1: error" err && test ! -e o3
'
test_done
