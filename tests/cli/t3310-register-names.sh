#!/bin/sh
# t3310 - server names as Komodo Core stores them (trimmed, newline -> _,
# no 24-hex ObjectIds: errors at the site location in check), and a Core
# holding more servers than one ListServers page (v2.3 paging, the fake's
# page/limit and hex-names-as-ids behaviour).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakecore.sh"
fakecore_start v2 --default-limit 30 || exit 1

# site NAME_YAML: a one-server v2 site named so
site() {
	fakecore_site s.yml && cat >>s.yml <<-EOS
	enable_server_management: true
	komodo_version: v2.3.2
	server_address: https://10.4.0.1:8120
	server_name: $1
	EOS
}

test_expect_success 'padded name: registered trimmed, the second run finds it' '
	site "\"  padded \"" && "$PKGTOOL" check s.yml >out &&
	"$PKGTOOL" register s.yml >out 2>err &&
	grep -qx "padded: created (address https://10.4.0.1:8120, enabled, public key)" out &&
	test -n "$(fakecore_get padded address)" &&
	"$PKGTOOL" register s.yml >out 2>err && grep -qx "padded: unchanged" out
'
test_expect_success 'a newline in the name becomes _ as in Core' '
	site "\"two\\nlines\"" && "$PKGTOOL" check s.yml >out &&
	"$PKGTOOL" register s.yml >out 2>err &&
	grep -qx "two_lines: created (address https://10.4.0.1:8120, enabled, public key)" out &&
	"$PKGTOOL" register s.yml >out 2>err && grep -qx "two_lines: unchanged" out
'
test_expect_success '24 hex digits: an error at the name in check and register' '
	site 65aB0123456789abcdef0123 && : >"$CORELOG" &&
	test_must_fail "$PKGTOOL" check s.yml 2>err &&
	grep -qx "s.yml:8:14: error: .server_name. is .65aB0123456789abcdef0123.: 24 hex digits are a Komodo id (ObjectId), which Core refuses as a name; use another name, e.g. .server-65aB0123456789abcdef0123." err &&
	test_must_fail "$PKGTOOL" register s.yml >out 2>err &&
	grep -q "^s.yml:8:14: error: .server_name." err &&
	test ! -s "$CORELOG"
'
test_expect_success 'a host named with 24 hex digits needs a server_name' '
	fakecore_site h.yml && cat >>h.yml <<-EOS &&
	komodo_version: v2.3.2
	hosts:
	  0123456789abcdef01234567: {}
	EOS
	test_must_fail "$PKGTOOL" check h.yml 2>err &&
	grep -q "h.yml: host .0123456789abcdef01234567.: its name is the default server_name, and 24 hex digits" err &&
	sed -i "s/{}/{server_name: hex-host}/" h.yml && "$PKGTOOL" check h.yml
'
test_expect_success 'only white space is no name' '
	site "\"   \"" && test_must_fail "$PKGTOOL" check s.yml 2>err &&
	grep -q "s.yml:8:14: error: .server_name. is only white space" err
'
test_expect_success 'the fake pages ListServers (limit 30 default, 0 = all) and takes hex names as ids' '
	fakecore_ctl seed "{\"count\": 101, \"prefix\": \"srv\"}" &&
	"$PY" - "$CORE" "$KEY" "$SECRET" <<-EOP
	import json, sys, urllib.request as u
	core, key, secret = sys.argv[1:4]
	def ls(params):
	    r = u.Request(core + "/read", data=json.dumps({"type": "ListServers", "params": params}).encode(),
	                  headers={"Content-Type": "application/json", "X-Api-Key": key, "X-Api-Secret": secret})
	    return json.load(u.urlopen(r))
	assert len(ls({})) == 30
	assert len(ls({"page": 3})) == 103 - 90, len(ls({"page": 3}))
	assert len(ls({"limit": 0})) == 103
	first = ls({})[0]
	assert first["name"] == "padded" and first["info"]["alerting_thresholds"]["cpu_warning"] == 90.0, first
	for k in ("state", "region", "send_unreachable_alerts", "send_cpu_alerts", "send_mem_alerts",
	          "send_disk_alerts", "send_version_mismatch_alerts", "terminals_disabled",
	          "container_terminals_disabled", "alerting_thresholds"):
	    assert k in first["info"], k
	by_id = ls({"query": {"names": [first["id"].upper()]}})
	assert [s["name"] for s in by_id] == ["padded"], by_id
	assert ls({"query": {"names": ["srv100"]}})[0]["name"] == "srv100"
	EOP
'
test_expect_success 'register with 101 servers in Core: found past the first page' '
	fakecore_site many.yml && cat >>many.yml <<-EOS &&
	enable_server_management: true
	komodo_version: v2.3.2
	hosts:
	  srv000: {ansible_host: 10.4.1.1}
	  srv100: {ansible_host: 10.4.1.2}
	  new-1: {ansible_host: 10.4.1.3}
	EOS
	: >"$CORELOG" && "$PKGTOOL" register many.yml >out 2>err &&
	grep -qx "srv000: updated: address, enabled, auto_rotate_keys, public_key" out &&
	grep -qx "srv100: updated: address, enabled, auto_rotate_keys, public_key" out &&
	grep -qx "new-1: created (address https://10.4.1.3:8120, enabled, public key)" out &&
	test "$(fakecore_count CreateServer)" -eq 1 &&
	grep -q "\"limit\": 50, \"page\": 0, \"query\": {\"names\": \[\"srv100\"\]}" "$CORELOG" &&
	"$PKGTOOL" register many.yml >out && test "$(grep -c ": unchanged" out)" -eq 3
'
test_expect_success 'v1 fake: no paging, hex names are only names' '
	fakecore_start v1 && fakecore_ctl seed "{\"count\": 40, \"prefix\": \"v1-\"}" &&
	"$PY" - "$CORE" "$KEY" "$SECRET" <<-EOP
	import json, sys, urllib.request as u
	core, key, secret = sys.argv[1:4]
	r = u.Request(core + "/read/ListServers", data=json.dumps({}).encode(),
	              headers={"Content-Type": "application/json", "X-Api-Key": key, "X-Api-Secret": secret})
	items = json.load(u.urlopen(r))
	assert len(items) == 40
	info = items[0]["info"]
	assert info["version"] == "Unknown" and info["container_exec_disabled"] is False, info
	r = u.Request(core + "/read/ListServers", data=json.dumps({"query": {"names": [items[0]["id"]]}}).encode(),
	              headers={"Content-Type": "application/json", "X-Api-Key": key, "X-Api-Secret": secret})
	assert json.load(u.urlopen(r)) == []
	EOP
'
test_done
