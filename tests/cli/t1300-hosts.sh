#!/bin/sh
# t1300 - a site with hosts: one complete package set per host under
# out/<host>/, host values override the site's, errors point into the host.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)

cat >"$TMP/fleet.yml" <<EOS
komodo_binary_path: $BIN
komodo_passkeys: [fleet-key]
package_formats: [deb]
hosts:
  web-01:
    ansible_host: 10.0.0.11
    komodo_periphery_port: 8199
  db-01:
    komodo_service_scope: system
    server_passkey: db-only
  bare:
EOS

test_expect_success 'check validates every host' '
	"$PKGTOOL" check fleet.yml >out && grep -q "ok (3 hosts)" out
'
test_expect_success 'build writes one package set per host' '
	"$PKGTOOL" -q build fleet.yml --out o &&
	test -f o/web-01/komodo-periphery_1.19.5-1_amd64.deb &&
	test -f o/db-01/komodo-periphery_1.19.5-1_amd64.deb &&
	test -f o/bare/komodo-periphery_1.19.5-1_amd64.deb &&
	test "$(ls o | wc -l)" -eq 3
'
test_expect_success 'host values override the site' '
	mkdir w d && dpkg-deb -x o/web-01/*.deb w && dpkg-deb -x o/db-01/*.deb d &&
	grep -qx "port = 8199" w/etc/komodo/periphery.config.toml &&
	grep -qx "port = 8120" d/etc/komodo/periphery.config.toml &&
	grep -qx "passkeys = \[\"fleet-key\", \"db-only\"\]" d/etc/komodo/periphery.config.toml &&
	test -f d/usr/lib/systemd/system/periphery.service &&
	test -f w/usr/lib/systemd/user/periphery.service
'
test_expect_success '--host builds just that host' '
	"$PKGTOOL" -q build fleet.yml --host db-01 --out one &&
	test "$(ls one)" = db-01
'
test_expect_success 'render --host shows the host view' '
	"$PKGTOOL" render --host web-01 fleet.yml | grep -qx "port = 8199"
'
test_expect_success 'an unknown host is an error and writes nothing' '
	test_must_fail "$PKGTOOL" build fleet.yml --host nope --out none 2>err &&
	grep -q "no host .nope." err && test ! -e none
'
test_expect_success 'a bad value inside a host points at its line' '
	cp fleet.yml bad.yml && printf "  x1:\n    komodo_periphery_port: 0\n" >>bad.yml &&
	test_must_fail "$PKGTOOL" build bad.yml --out bo 2>err &&
	grep -q "^bad.yml:13:28: error: .komodo_periphery_port." err &&
	test ! -e bo
'
test_expect_success 'a failing host leaves earlier hosts unwritten' '
	mkdir keep && cp fleet.yml late.yml &&
	printf "  zz:\n    komodo_binary_path: /nonexistent\n" >>late.yml &&
	test_must_fail "$PKGTOOL" build late.yml --out keep 2>err &&
	test -z "$(ls -A keep)"
'
test_done
