#!/bin/sh
# t2200 - komodo_version: core against a fake Komodo Core: v2 (GET
# /version), v1 (only POST /read GetVersion, API key required), missing
# and wrong credentials, a plain-http Core on the LAN; no secret in any
# output, even with --verbose.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakegh.sh"
fakegh_start --plain || { echo "not ok - fake Core did not start"; exit 1; }
PLAIN=$GH PLAINCTL=$CTL PLAINLOG=$GHLOG
fakegh_start || { echo "not ok - fake GitHub did not start"; exit 1; }
export CORE_KEY=K-core-key CORE_SECRET=S-must-not-leak
for c in "$CTL" "$PLAINCTL"; do
	echo "$CORE_KEY" >"$c/core-key" && echo "$CORE_SECRET" >"$c/core-secret"
done
fakegh_site "$TMP/core.yml" "komodo_version: core" \
	"komodo_core_url: $GH" \
	"komodo_core_api_key: !env CORE_KEY" \
	"komodo_core_api_secret: !env CORE_SECRET"
fakegh_site "$TMP/nokey.yml" "komodo_version: core" "komodo_core_url: $GH/"
fakegh_site "$TMP/nosecret.yml" "komodo_version: core" "komodo_core_url: $GH" \
	"komodo_core_api_key: !env CORE_KEY"
fakegh_site "$TMP/lan.yml" "komodo_version: core" \
	"komodo_core_address: ws://127.0.0.1:${PLAIN##*:}" \
	"komodo_core_api_key: !env CORE_KEY" \
	"komodo_core_api_secret: !env CORE_SECRET"
fakegh_site "$TMP/noaddr.yml" "komodo_version: core"

test_expect_success 'v2 Core: GET /version, no credentials sent' '
	echo "v2 2.3.2" >"$CTL/core" &&
	"$PKGTOOL" build nokey.yml --cacert "$CA" --out o1 2>err &&
	grep -qx "komodo_version core: 2.3.2 (the version of Komodo Core)" err &&
	test -f o1/komodo-periphery_2.3.2-1_amd64.deb &&
	grep -qx "GET /version host=127.0.0.1:$PORT" "$GHLOG" &&
	! grep -q "x-api" "$GHLOG"
'
test_expect_success 'v1 Core: falls back to POST /read GetVersion with the API key' '
	echo "v1 1.19.5" >"$CTL/core" && : >"$GHLOG" &&
	"$PKGTOOL" -v build core.yml --cacert "$CA" --out o2 >out 2>err &&
	grep -qx "komodo_version core: 1.19.5 (the version of Komodo Core)" err &&
	test -f o2/komodo-periphery_1.19.5-1_amd64.deb &&
	grep -qx "GET /version host=127.0.0.1:$PORT" "$GHLOG" &&
	grep -qx "POST /read host=127.0.0.1:$PORT x-api-key=set x-api-secret=set body={\"type\":\"GetVersion\",\"params\":{}}" "$GHLOG"
'
test_expect_success 'no secret in any output, log or package, even with -v' '
	! grep -rq -e "$CORE_SECRET" out err "$GHLOG" o2 "$XDG_CACHE_HOME"
'
test_expect_success 'v1 Core without credentials: the missing ones are named' '
	test_must_fail "$PKGTOOL" -q build nokey.yml --cacert "$CA" --out o3 2>err &&
	grep -q "^nokey.yml:5:17: error: .komodo_version: core.: Komodo Core at $GH has no GET /version (HTTP 404, a v1 Core?), and GetVersion needs an API key: set .komodo_core_api_key. and .komodo_core_api_secret.$" err &&
	test "$(wc -l <err)" -eq 1 && test ! -e o3 &&
	test_must_fail "$PKGTOOL" -q build nosecret.yml --cacert "$CA" --out o3 2>err &&
	grep -q "needs an API key: set .komodo_core_api_secret.$" err
'
test_expect_success 'v1 Core, wrong secret: the 401 explained' '
	CORE_SECRET=S-wrong-secret test_must_fail "$PKGTOOL" -q build core.yml --cacert "$CA" --out o4 2>err &&
	grep -q "^pkgtool: error: Komodo Core at $GH rejected the API key (GetVersion: HTTP 401: failed to authenticate api key: invalid api secret); check .komodo_core_api_key. and .komodo_core_api_secret." err &&
	test "$(wc -l <err)" -eq 1 && test ! -e o4 &&
	! grep -q S-wrong-secret err "$GHLOG"
'
test_expect_success 'core needs an address' '
	test_must_fail "$PKGTOOL" -q build noaddr.yml --cacert "$CA" --out o5 2>err &&
	grep -q "^noaddr.yml:5:17: error: .komodo_version: core. needs the address of Komodo Core" err
'
test_expect_success 'a plain-http Core from komodo_core_address (ws:// -> http://)' '
	echo "v2 2.3.2" >"$PLAINCTL/core" &&
	"$PKGTOOL" build lan.yml --cacert "$CA" --out o6 2>err &&
	grep -qx "komodo_version core: 2.3.2 (the version of Komodo Core)" err &&
	grep -qx "GET /version host=127.0.0.1:${PLAIN##*:}" "$PLAINLOG" &&
	test -f o6/komodo-periphery_2.3.2-1_amd64.deb
'
test_expect_success 'Core answering garbage on /version' '
	echo "v2 <html>" >"$PLAINCTL/core" &&
	test_must_fail "$PKGTOOL" -q build lan.yml --cacert "$CA" --out o7 2>err &&
	grep -q "^pkgtool: error: Komodo Core at $PLAIN: GET /version gave .<html>., which is no version$" err &&
	test "$(wc -l <err)" -eq 1
'
test_done
