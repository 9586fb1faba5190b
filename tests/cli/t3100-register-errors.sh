#!/bin/sh
# t3100 - register's failures: missing credentials stop it before any
# request; 401, 403, 409, 429, other 500s and timeouts each get their own
# message, exit 1, and leave the state file as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakecore.sh"
fakecore_start v1 || exit 1
export PKGTOOL_HTTP_TIMEOUT=1

fakecore_site "$TMP/s.yml"
cat >>"$TMP/s.yml" <<EOS
enable_server_management: true
generate_server_passkey: true
hosts:
  h1:
    ansible_host: 10.1.0.1
EOS
requests() { grep -c . "$CORELOG"; }
# every failure: exit 1, the state file unchanged (here: still absent)
fails() {
	: >"$CORELOG" && rm -f s.state.yml &&
		test_must_fail "$PKGTOOL" register s.yml >out 2>err &&
		test ! -e s.state.yml
}
inject() { fakecore_ctl reset && fakecore_ctl inject "$1"; }

test_expect_success 'missing credentials: named, before any request' '
	grep -v api_secret s.yml >nosecret.yml && : >"$CORELOG" &&
	test_must_fail "$PKGTOOL" register nosecret.yml 2>err &&
	grep -q "error: .*komodo_core_api_secret. is missing for .h1.: set it in the host.s entry or the site file (a value, !env NAME or !file PATH)" err &&
	! grep -q "komodo_core_api_key. is missing" err &&
	test "$(requests)" -eq 0 && test ! -e nosecret.state.yml &&
	grep -v -e api_key -e api_secret s.yml >none.yml &&
	test_must_fail "$PKGTOOL" register none.yml 2>err &&
	grep -q "komodo_core_api_key. is missing" err &&
	grep -q "komodo_core_api_secret. is missing" err &&
	test "$(requests)" -eq 0
'
test_expect_success 'an empty !env secret counts as missing' '
	: >"$CORELOG" &&
	PKGTOOL_TEST_SECRET= test_must_fail "$PKGTOOL" register s.yml 2>err &&
	grep -q "komodo_core_api_secret" err && test "$(requests)" -eq 0
'
test_expect_success 'no Core URL: named, before any request' '
	grep -v komodo_core_url s.yml >nourl.yml && : >"$CORELOG" &&
	test_must_fail "$PKGTOOL" register nourl.yml 2>err &&
	grep -q "no Komodo Core URL for .h1.: set .komodo_core_url." err &&
	test "$(requests)" -eq 0
'
test_expect_success 'a wrong key: 401 explained, Core'"'"'s error and trace shown' '
	fails_env() { : >"$CORELOG"; rm -f s.state.yml;
		PKGTOOL_TEST_SECRET=wrong-secret test_must_fail "$PKGTOOL" register s.yml >out 2>err; } &&
	fails_env && test ! -e s.state.yml &&
	grep -q "rejected the API key (GetVersion: HTTP 401: failed to authenticate api key: invalid api secret); check .komodo_core_api_key. and .komodo_core_api_secret." err &&
	grep -qx "h1: failed: Komodo Core could not be used (see above)" out &&
	test "$(fakecore_count "\"path\": \"/read\"")" -eq 1 &&
	! grep -q wrong-secret out err "$CORELOG"
'
test_expect_success '403 on create: the permission explained' '
	inject "{\"call\": \"CreateServer\", \"status\": 403, \"error\": \"user does not have permission to create servers\", \"trace\": []}" &&
	fails && grep -q "h1: Komodo Core at .* does not allow CreateServer for this API key.s user (HTTP 403: user does not have permission to create servers); creating servers needs an admin" err &&
	grep -qx "h1: failed" out
'
test_expect_success '409 on create (a race): looked up again and updated' '
	inject "{\"call\": \"CreateServer\", \"status\": 409, \"race\": \"h1\", \"error\": \"Resource with name '"'"'h1'"'"' already exists\"}" &&
	: >"$CORELOG" && rm -f s.state.yml &&
	"$PKGTOOL" register s.yml >out 2>err &&
	grep -q "created in Komodo Core by someone else meanwhile; updating it" err &&
	grep -qx "h1: updated: address, enabled, passkey" out &&
	test "$(fakecore_count CreateServer)" -eq 1 &&
	test "$(fakecore_count UpdateServer)" -eq 1 &&
	test "$(fakecore_count ListServers)" -eq 2 &&
	test "$(fakecore_get h1 address)" = https://10.1.0.1:8120 &&
	test "$(fakecore_get h1 enabled)" = true &&
	k=$(sed -n "s/^  \"h1\": \"\(.*\)\"$/\1/p" s.state.yml) &&
	test "$(fakecore_get h1 passkey)" = "$k" &&
	fakecore_ctl reset && "$PKGTOOL" register s.yml >out &&
	grep -qx "h1: unchanged" out
'
test_expect_success '429: waits as told (Retry-After), then goes on' '
	inject "{\"call\": \"ListServers\", \"status\": 429, \"count\": 1, \"retry_after\": 0, \"error\": \"Too many attempts | Try again in 0s\"}" &&
	: >"$CORELOG" &&
	"$PKGTOOL" register s.yml >out 2>err &&
	grep -q "too many requests; waiting 0 s as it asks (try 2 of 3)" err &&
	grep -qx "h1: unchanged" out &&
	test "$(fakecore_count ListServers)" -eq 2
'
test_expect_success '429 that persists: bounded tries, then its own message' '
	fakecore_ctl seed "[{\"name\": \"gone\"}]" &&
	inject "{\"call\": \"ListServers\", \"status\": 429, \"count\": -1, \"retry_after\": 0, \"error\": \"Too many attempts | Try again in 15s\"}" &&
	fails && grep -q "still answers .too many requests. after 3 tries (ListServers: HTTP 429: Too many attempts | Try again in 15s); wait a while" err &&
	test "$(fakecore_count ListServers)" -eq 3
'
test_expect_success '429 asking for a long wait: no waiting, an error' '
	inject "{\"call\": \"ListServers\", \"status\": 429, \"count\": -1, \"retry_after\": 3600, \"error\": \"slow down\"}" &&
	fails && grep -q "after 1 tries (ListServers: HTTP 429: slow down)" err &&
	test "$(fakecore_count ListServers)" -eq 1
'
test_expect_success 'another 500: an error with Core'"'"'s error and trace' '
	inject "{\"call\": \"GetServer\", \"status\": 500, \"error\": \"Server busy\", \"trace\": [\"db: connection reset\", \"while reading\"]}" &&
	fails && grep -q "h1: Komodo Core at .* failed GetServer (HTTP 500): Server busy: db: connection reset: while reading$" err
'
test_expect_success 'a 500 saying permission: the Write permission hinted' '
	inject "{\"call\": \"UpdateServer\", \"status\": 500, \"error\": \"User does not have required permissions on this Server\"}" &&
	fails_rot() { : >"$CORELOG"; cp s.state.yml st.before;
		test_must_fail "$PKGTOOL" register --rotate-passkeys s.yml >out 2>err; } &&
	fakecore_ctl reset && "$PKGTOOL" register s.yml >/dev/null &&
	inject "{\"call\": \"UpdateServer\", \"status\": 500, \"error\": \"User does not have required permissions on this Server\"}" &&
	fails_rot && cmp st.before s.state.yml &&
	grep -q "failed UpdateServer (HTTP 500): User does not have required permissions on this Server (the API key.s user needs Write permission on this server)" err
'
test_expect_success 'a 500 "did not find" is not found (create, 409, update)' '
	fakecore_ctl reset &&
	inject "{\"call\": \"GetServer\", \"status\": 500, \"count\": 1, \"error\": \"did not find any Server matching h1\"}" &&
	: >"$CORELOG" && "$PKGTOOL" register s.yml >out 2>err &&
	grep -qx "h1: unchanged" out &&
	test "$(fakecore_count CreateServer)" -eq 1 &&
	test "$(fakecore_count GetServer)" -eq 2
'
test_expect_success 'a timeout: bounded, its own message, state untouched' '
	inject "{\"call\": \"ListServers\", \"status\": \"stall\", \"seconds\": 4}" &&
	cp s.state.yml st.before &&
	: >"$CORELOG" &&
	test_must_fail "$PKGTOOL" register --rotate-passkeys s.yml >out 2>err &&
	grep -q "curl error 28" err &&
	grep -q "h1: no answer from Komodo Core to ListServers" err &&
	cmp st.before s.state.yml
'
test_expect_success 'a write that times out is not repeated' '
	inject "{\"call\": \"UpdateServer\", \"status\": \"stall\", \"seconds\": 3}" &&
	: >"$CORELOG" &&
	test_must_fail "$PKGTOOL" register --rotate-passkeys s.yml >out 2>err &&
	test "$(fakecore_count UpdateServer)" -eq 1 &&
	grep -q "no answer from Komodo Core to UpdateServer" err &&
	cmp st.before s.state.yml
'
test_expect_success 'nothing listens: a clear error, exit 1' '
	fakecore_ctl reset &&
	sed "s|komodo_core_url: .*|komodo_core_url: http://127.0.0.1:1|" s.yml >dead.yml &&
	test_must_fail "$PKGTOOL" register dead.yml >out 2>err &&
	grep -q "127.0.0.1:1/version" err
'
test_expect_success 'not a Komodo Core (no /read): explained' '
	sed "s|komodo_core_url: .*|komodo_core_url: $CORE/nothing|" s.yml >wrong.yml &&
	test_must_fail "$PKGTOOL" register wrong.yml >out 2>err &&
	grep -q "GetVersion: HTTP 404" err
'
test_expect_success 'no secret in any of this output or the log' '
	cat out err "$CORELOG" >all &&
	for s in "$KEY" "$SECRET" $(sed -n "s/^  \"[^\"]*\": \"\(.*\)\"$/\1/p" s.state.yml); do
		! grep -F -- "$s" all || exit 1
	done
'
test_done
