#!/bin/sh
# t3000 - register against a fake Komodo Core (v1): creates each server
# with address, enabled: true and passkey; re-runs write nothing; a change
# is one UpdateServer with just that field; a generated passkey is the one
# the package carries and stays until --rotate-passkeys; --dry-run only
# reads; no secret is printed or logged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakecore.sh"
fakecore_start v1 || exit 1
BIN=$(fake_binary)

fakecore_site "$TMP/fleet.yml"
cat >>"$TMP/fleet.yml" <<EOS
enable_server_management: true
generate_server_passkey: true
komodo_binary_path: $BIN
hosts:
  web-01:
    ansible_host: 10.0.0.11
    komodo_periphery_port: 8199
  db-01:
    server_passkey: db-fixed-passkey-1
    komodo_ssl_enabled: false
  named:
    address: named.lan
    server_name: core-name
    server_address: https://override.lan:9443
  off:
    enable_server_management: false
EOS
writes() { fakecore_count '"path": "/write'; }
passkey_of() { sed -n "s/^  \"$1\": \"\(.*\)\"$/\1/p" fleet.state.yml; }
cfg() { dpkg-deb --fsys-tarfile "$1"/*.deb | tar xO ./etc/komodo/periphery.config.toml; }

test_expect_success 'first run creates every managed server' '
	"$PKGTOOL" register fleet.yml >out 2>err &&
	grep -qx "web-01: created (address https://10.0.0.11:8199, enabled, passkey)" out &&
	grep -qx "db-01: created (address http://db-01:8120, enabled, passkey)" out &&
	grep -qx "core-name: created (address https://override.lan:9443, enabled, passkey)" out &&
	grep -qx "off: skipped: enable_server_management is not true" out &&
	test "$(writes)" -eq 3 && test "$(fakecore_count CreateServer)" -eq 3
'
test_expect_success 'Core holds address, enabled: true and the passkey' '
	test "$(fakecore_get web-01 address)" = https://10.0.0.11:8199 &&
	test "$(fakecore_get web-01 enabled)" = true &&
	test "$(fakecore_get db-01 enabled)" = true &&
	test "$(fakecore_get db-01 passkey)" = db-fixed-passkey-1 &&
	k=$(passkey_of web-01) && test ${#k} -eq 32 &&
	test "$(fakecore_get web-01 passkey)" = "$k" &&
	test "$(fakecore_get core-name passkey)" = "$(passkey_of named)" &&
	test -z "$(fakecore_get off address)" &&
	test "$(stat -c %a fleet.state.yml)" = 600
'
test_expect_success 'both API key headers were sent, no Authorization' '
	test "$(fakecore_count "\"x-api-key\": \"\*\*\*\", \"x-api-secret\": \"\*\*\*\"")" -eq "$(grep -c "\"POST\"" "$CORELOG")" &&
	! grep -q authorization "$CORELOG"
'
test_expect_success 'second run writes nothing and says unchanged' '
	: >"$CORELOG" && cp fleet.state.yml state.before &&
	"$PKGTOOL" register fleet.yml >out &&
	grep -qx "web-01: unchanged" out && grep -qx "db-01: unchanged" out &&
	grep -qx "core-name: unchanged" out &&
	test "$(writes)" -eq 0 && test "$(fakecore_count GetServer)" -eq 3 &&
	cmp state.before fleet.state.yml
'
test_expect_success 'a changed address is one UpdateServer with just it' '
	: >"$CORELOG" &&
	sed "s/10.0.0.11/10.0.0.99/" fleet.yml >moved.yml &&
	cp fleet.state.yml moved.state.yml &&
	"$PKGTOOL" register moved.yml >out &&
	grep -qx "web-01: updated: address" out &&
	test "$(writes)" -eq 1 &&
	grep "UpdateServer" "$CORELOG" >upd &&
	grep -q "\"config\": {\"address\": \"https://10.0.0.99:8199\"}" upd &&
	test "$(fakecore_get web-01 address)" = https://10.0.0.99:8199
'
test_expect_success 'a changed passkey is one UpdateServer with just it' '
	: >"$CORELOG" &&
	sed "s/db-fixed-passkey-1/db-fixed-passkey-2/" moved.yml >pk.yml &&
	cp fleet.state.yml pk.state.yml &&
	"$PKGTOOL" register pk.yml >out &&
	grep -qx "db-01: updated: passkey" out &&
	test "$(writes)" -eq 1 &&
	grep -q "\"config\": {\"passkey\": \"\*\*\*\"}" "$CORELOG" &&
	test "$(fakecore_get db-01 passkey)" = db-fixed-passkey-2
'
test_expect_success 'a server disabled in Core is enabled again, alone' '
	"$PKGTOOL" register fleet.yml >/dev/null &&
	: >"$CORELOG" &&
	"$PKGTOOL" register fleet.yml --host db-01 >/dev/null &&
	id=$(sed -n "s/.*\"server\": \"\([0-9a-f]*\)\".*/\1/p" "$CORELOG" | head -1) &&
	"$PY" - "$CORE" "$id" "$SECRET" "$KEY" <<-EOP &&
	import json, sys, urllib.request as u
	r = u.Request(sys.argv[1] + "/write/UpdateServer",
	              data=json.dumps({"id": sys.argv[2],
	                               "config": {"enabled": False}}).encode(),
	              headers={"Content-Type": "application/json",
	                       "X-Api-Key": sys.argv[4],
	                       "X-Api-Secret": sys.argv[3]})
	u.urlopen(r).read()
	EOP
	test "$(fakecore_get db-01 enabled)" = false &&
	: >"$CORELOG" &&
	"$PKGTOOL" register fleet.yml >out &&
	grep -qx "db-01: updated: enabled" out && test "$(writes)" -eq 1 &&
	grep -q "\"config\": {\"enabled\": true}" "$CORELOG"
'
test_expect_success 'build afterwards packages the passkey Core has' '
	k=$(passkey_of web-01) &&
	"$PKGTOOL" -q build fleet.yml --binary "$BIN" --out o &&
	test "$(passkey_of web-01)" = "$k" &&
	cfg o/web-01 | grep -qx "passkeys = \[\"$k\"\]" &&
	test "$(fakecore_get web-01 passkey)" = "$k" &&
	cfg o/named | grep -qx "passkeys = \[\"$(fakecore_get core-name passkey)\"\]"
'
test_expect_success 'build first, register after: the same passkey' '
	fakecore_site b.yml && cat >>b.yml <<-EOS &&
	enable_server_management: true
	generate_server_passkey: true
	hosts:
	  late:
	EOS
	"$PKGTOOL" -q build b.yml --binary "$BIN" --out ob &&
	"$PKGTOOL" register b.yml >out &&
	grep -qx "late: created (address https://late:8120, enabled, passkey)" out &&
	cfg ob/late | grep -qx "passkeys = \[\"$(fakecore_get late passkey)\"\]"
'
test_expect_success 'the passkey stays across runs until --rotate-passkeys' '
	old=$(passkey_of web-01) &&
	"$PKGTOOL" register fleet.yml >out && grep -qx "web-01: unchanged" out &&
	test "$(passkey_of web-01)" = "$old" &&
	: >"$CORELOG" &&
	"$PKGTOOL" register --rotate-passkeys fleet.yml >out &&
	new=$(passkey_of web-01) && test ${#new} -eq 32 && test "$new" != "$old" &&
	grep -qx "web-01: updated: passkey" out &&
	grep -qx "db-01: unchanged" out &&
	test "$(fakecore_get web-01 passkey)" = "$new" &&
	test "$(writes)" -eq 2 &&
	"$PKGTOOL" -q build fleet.yml --binary "$BIN" --out o2 &&
	cfg o2/web-01 | grep -qx "passkeys = \[\"$new\"\]"
'
test_expect_success '--dry-run sends only reads and shows the difference' '
	cp fleet.state.yml state.before &&
	sed "s/10.0.0.11/10.0.0.77/" fleet.yml >dry.yml &&
	cp fleet.state.yml dry.state.yml && cp dry.state.yml dry.before &&
	: >"$CORELOG" &&
	"$PKGTOOL" register --dry-run --rotate-passkeys dry.yml >out 2>err &&
	test "$(writes)" -eq 0 && test "$(fakecore_count CreateServer)" -eq 0 &&
	grep -qx "web-01: would update: address, passkey" out &&
	grep -qx "  address: .https://10.0.0.11:8199. -> .https://10.0.0.77:8199." out &&
	grep -qx "  passkey: \*\*\* -> \*\*\* (a different one)" out &&
	grep -q "^  would send: POST $CORE/write {\"type\":\"UpdateServer\",\"params\":{\"id\":\"[0-9a-f]*\",\"config\":{\"address\":\"https://10.0.0.77:8199\",\"passkey\":\"\*\*\*\"}}}$" out &&
	grep -q "^  sent: POST $CORE/read {\"type\":\"ListServers\",\"params\":{\"query\":{\"names\":\[\"web-01\"\]}}}$" out &&
	cmp dry.before dry.state.yml &&
	test "$(fakecore_get web-01 address)" != https://10.0.0.77:8199
'
test_expect_success '--dry-run of a new server shows the CreateServer' '
	fakecore_site new.yml && cat >>new.yml <<-EOS &&
	enable_server_management: true
	generate_server_passkey: true
	hosts:
	  fresh:
	EOS
	: >"$CORELOG" &&
	"$PKGTOOL" register -n new.yml >out &&
	grep -qx "fresh: would create (address https://fresh:8120, enabled, passkey)" out &&
	grep -q "^  would send: POST $CORE/write {\"type\":\"CreateServer\",\"params\":{\"name\":\"fresh\",\"config\":{\"address\":\"https://fresh:8120\",\"enabled\":true,\"passkey\":\"\*\*\*\"}}}$" out &&
	test "$(writes)" -eq 0 && test ! -e new.state.yml
'
test_expect_success '--host registers just that host' '
	: >"$CORELOG" &&
	"$PKGTOOL" register fleet.yml --host db-01 >out &&
	test "$(cat out)" = "db-01: unchanged" &&
	test "$(fakecore_count ListServers)" -eq 1 &&
	test_must_fail "$PKGTOOL" register fleet.yml --host nope 2>err &&
	grep -q "no host .nope." err
'
test_expect_success 'an unset passkey leaves Core'"'"'s alone; "" clears it' '
	fakecore_site keep.yml && cat >>keep.yml <<-EOS &&
	enable_server_management: true
	hosts:
	  keep:
	    server_passkey: set-by-hand-1
	EOS
	"$PKGTOOL" register keep.yml >/dev/null &&
	sed "/server_passkey/d" keep.yml >unset.yml &&
	: >"$CORELOG" && "$PKGTOOL" register unset.yml >out &&
	grep -qx "keep: unchanged" out && test "$(writes)" -eq 0 &&
	test "$(fakecore_get keep passkey)" = set-by-hand-1 &&
	sed "s/server_passkey: .*/server_passkey: \"\"/" keep.yml >clear.yml &&
	"$PKGTOOL" register clear.yml >out &&
	grep -qx "keep: updated: passkey" out &&
	test -z "$(fakecore_get keep passkey)"
'
test_expect_success 'a site without hosts is one server named server_name' '
	fakecore_site one.yml && cat >>one.yml <<-EOS &&
	enable_server_management: true
	server_address: https://solo.lan:8120
	EOS
	test_must_fail "$PKGTOOL" register one.yml 2>err &&
	grep -q "server_name. is empty" err &&
	echo "server_name: solo" >>one.yml &&
	"$PKGTOOL" register one.yml >out &&
	grep -qx "solo: created (address https://solo.lan:8120, enabled)" out &&
	test "$(fakecore_get solo enabled)" = true
'
test_expect_success 'no secret in output, state aside, or the fake'"'"'s log' '
	"$PKGTOOL" -v register --dry-run fleet.yml >so1 2>se1 &&
	"$PKGTOOL" -v register --rotate-passkeys fleet.yml >so2 2>se2 &&
	cat so1 se1 so2 se2 out err "$CORELOG" "$TMP"/core.err >all &&
	for s in "$KEY" "$SECRET" db-fixed-passkey set-by-hand-1 \
		$(sed -n "s/^  \"[^\"]*\": \"\(.*\)\"$/\1/p" *.state.yml); do
		if grep -F -- "$s" all; then echo "leaked: $s"; exit 1; fi
	done &&
	grep -q "sent: POST" se2
'
test_done
