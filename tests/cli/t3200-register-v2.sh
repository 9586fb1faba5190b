#!/bin/sh
# t3200 - register against a v2 Core (GET /version): inbound servers as in
# v1 plus their public key, outbound hosts by key with no address (t3300
# has the keys in detail), ws(s):// addresses taken as the same; a wrong key is not retried into v2's login rate limit. Also checks
# that the fake behaves like the reference says (request forms, codes).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakecore.sh"
fakecore_start v2 || exit 1

fakecore_site "$TMP/v2.yml"
cat >>"$TMP/v2.yml" <<EOS
enable_server_management: true
komodo_version: v2.3.2
hosts:
  in-1:
    ansible_host: 10.2.0.1
    server_passkey: v2-inbound-passkey
  out-1:
    komodo_core_address: wss://core.lan:9120
  both:
    komodo_core_address: wss://core.lan:9120
    komodo_server_enabled: true
EOS

test_expect_success 'v2: version from GET /version, no GetVersion' '
	"$PKGTOOL" register v2.yml >out 2>err &&
	grep -q "Komodo Core at $CORE: version 2.3.2" err &&
	test "$(fakecore_count "\"path\": \"/version\"")" -eq 1 &&
	test "$(fakecore_count GetVersion)" -eq 0 &&
	grep -q "\"path\": \"/version\"}" "$CORELOG"
'
test_expect_success 'v2: inbound servers are created as in v1, with their key' '
	grep -qx "in-1: created (address https://10.2.0.1:8120, enabled, public key, passkey)" out &&
	grep -qx "both: created (address https://both:8120, enabled, public key)" out &&
	test "$(fakecore_get in-1 enabled)" = true &&
	test "$(fakecore_get in-1 passkey)" = v2-inbound-passkey
'
test_expect_success 'v2: outbound hosts are created by key, no address' '
	grep -qx "out-1: created (no address (outbound), enabled, public key)" out &&
	test -z "$(fakecore_get out-1 address)" &&
	test "$(fakecore_count CreateServer)" -eq 3
'
test_expect_success 'v2: second run writes nothing' '
	: >"$CORELOG" && "$PKGTOOL" register v2.yml >out &&
	grep -qx "in-1: unchanged" out && grep -qx "both: unchanged" out &&
	grep -qx "out-1: unchanged" out &&
	test "$(fakecore_count "\"/write")" -eq 0
'
test_expect_success 'v2: a wss:// address in Core is the same as https://' '
	fakecore_ctl seed "[{\"name\": \"ws-1\", \"config\": {\"address\": \"wss://10.2.0.9:8120\", \"enabled\": true}}]" &&
	fakecore_site ws.yml && cat >>ws.yml <<-EOS &&
	enable_server_management: true
	hosts:
	  ws-1:
	    ansible_host: 10.2.0.9
	EOS
	: >"$CORELOG" && "$PKGTOOL" register ws.yml >out &&
	grep -qx "ws-1: updated: auto_rotate_keys, public_key" out &&
	"$PKGTOOL" register ws.yml >out && grep -qx "ws-1: unchanged" out
'
test_expect_success 'v1 Core and an outbound host: an error, not a skip' '
	fakecore_start v1 && fakecore_site v1.yml &&
	sed -n "/^enable_server/,\$p" v2.yml >>v1.yml &&
	test_must_fail "$PKGTOOL" register v1.yml >out 2>err &&
	grep -q "out-1: Periphery connects outbound .* Komodo Core at $CORE is 1.19.5" err &&
	grep -qx "in-1: created (address https://10.2.0.1:8120, enabled, passkey)" out
'
test_expect_success 'v2: a wrong key stops at the first 401 (rate limit)' '
	fakecore_start v2 && fakecore_site bad.yml &&
	sed -n "/^enable_server/,\$p" v2.yml >>bad.yml &&
	PKGTOOL_TEST_KEY=not-the-key test_must_fail "$PKGTOOL" register bad.yml >out 2>err &&
	grep -q "rejected the API key (GetCoreInfo: HTTP 401: Invalid client credentials)" err &&
	test "$(fakecore_count "\"path\": \"/read\"")" -eq 1 &&
	grep -qx "both: failed: Komodo Core could not be used (see above)" out
'
test_expect_success 'v2 fake: five failed logins, then 429' '
	for i in 1 2 3 4 5; do
		PKGTOOL_TEST_KEY=x test_must_fail "$PKGTOOL" register bad.yml --host in-1 >/dev/null 2>&1 || exit 1
	done &&
	test_must_fail "$PKGTOOL" register bad.yml --host in-1 >out 2>err &&
	grep -q "HTTP 429: Too many attempts" err
'
test_expect_success 'the fake: both request forms, the reference status codes' '
	fakecore_start v1 &&
	"$PY" - "$CORE" "$KEY" "$SECRET" <<-EOP
	import json, sys, urllib.request as u, urllib.error as e
	core, key, secret = sys.argv[1:4]
	def post(path, body, auth=True, ctype="application/json"):
	    h = {"Content-Type": ctype} if ctype else {}
	    if auth:
	        h.update({"X-Api-Key": key, "X-Api-Secret": secret})
	    r = u.Request(core + path, data=body.encode(), headers=h)
	    try:
	        with u.urlopen(r) as f:
	            return f.status, f.read()
	    except e.HTTPError as x:
	        return x.code, x.read()
	s, b = post("/write/CreateServer", json.dumps({"name": "p"}))
	assert s == 200 and json.loads(b)["config"]["enabled"] is False, b
	s, b = post("/read", json.dumps({"type": "GetServer", "params": {"server": "p"}}))
	assert s == 200 and "\$oid" in json.loads(b)["_id"], b
	s, b = post("/read/GetServer", json.dumps({"server": "nope"}))
	assert s == 500 and json.loads(b)["error"].startswith("did not find"), b
	assert post("/read", json.dumps({"type": "Nope", "params": {}}))[0] == 422
	assert post("/read/Nope", "{}")[0] == 500
	assert post("/read/GetVersion", "{}", ctype=None)[0] == 415
	assert post("/read/GetVersion", "{")[0] == 400
	s, b = post("/read/GetVersion", "{}", auth=False)
	assert s == 401 and json.loads(b)["trace"] == [], b
	assert post("/write/CreateServer", json.dumps({"name": "p"}))[0] == 409
	s, b = post("/read/ListServers", json.dumps({"query": {"names": ["zz"]}}))
	assert s == 200 and json.loads(b) == [], b
	try:
	    u.urlopen(core + "/version")
	    raise SystemExit("v1 has no GET /version")
	except e.HTTPError as x:
	    assert x.code == 404
	EOP
'
test_expect_success 'no secret in output or the log' '
	cat out err "$CORELOG" >all &&
	! grep -F -e "$KEY" -e "$SECRET" -e v2-inbound-passkey all
'
test_done
