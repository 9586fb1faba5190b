#!/bin/sh
# t2100 - every way a download can fail gives one error line naming what
# failed, exit status 1, and leaves no file in the cache and no out/; a
# transient failure is retried.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakegh.sh"
fakegh_start || { echo "not ok - fake GitHub did not start"; exit 1; }
URL="https://127.0.0.1:$PORT/moghtech/komodo/releases/download/v1.19.5/periphery-x86_64"
OBJ="https://localhost:$PORT/_objects/v1.19.5/periphery-x86_64"
fakegh_site "$TMP/site.yml" "komodo_version: v1.19.5"
fakegh_site "$TMP/latest.yml" "komodo_version: latest"
sed "s#https://#http://#" "$TMP/site.yml" >"$TMP/http.yml"

# fails_cleanly SITE PATTERN [ARGS...]: build fails with exactly one line,
# "pkgtool: error: PATTERN...", and nothing is left behind.
fails_cleanly() {
	site=$1 pat=$2
	shift 2
	rm -rf c o
	test_must_fail "$PKGTOOL" -q build "$site" --cache-dir c --out o "$@" \
		2>err || return 1
	cat err
	test "$(wc -l <err)" -eq 1 && grep -q "^pkgtool: error: $pat" err &&
		test -z "$(find c -type f 2>/dev/null)" && test ! -e o
}
mode() { echo "$*" >"$CTL/mode" && : >"$GHLOG"; }

test_expect_success 'wrong digest' '
	mode wrongdigest &&
	fails_cleanly site.yml "sha256 mismatch for .periphery-x86_64. from $URL: got [0-9a-f]\{64\}, the GitHub release digest says [0-9a-f]\{64\}$" --cacert "$CA"
'
test_expect_success '404 for the asset' '
	mode 404 &&
	fails_cleanly site.yml "GET $URL: HTTP 404 from $OBJ$" --cacert "$CA" &&
	test "$(fakegh_count /_objects/)" -eq 1
'
test_expect_success '500 three times: three tries, then an error' '
	mode 500x3 &&
	fails_cleanly site.yml "GET $URL: HTTP 500 from $OBJ (3 attempts)$" --cacert "$CA" &&
	test "$(fakegh_count /_objects/)" -eq 3
'
test_expect_success '500 once, then 200: the build succeeds after a retry' '
	mode 500x1 && rm -rf c o &&
	"$PKGTOOL" build site.yml --cache-dir c --out o --cacert "$CA" 2>err &&
	grep -q "GET $URL: HTTP 500; trying again (2 of 3)" err &&
	test "$(fakegh_count /_objects/)" -eq 2 &&
	mkdir x && dpkg-deb -x o/komodo-periphery_1.19.5-1_amd64.deb x &&
	cmp x/usr/bin/periphery "$ASSETS/v1.19.5/periphery-x86_64"
'
test_expect_success 'a body cut short' '
	mode truncate &&
	fails_cleanly site.yml "GET $URL: transfer closed with [0-9]* bytes remaining to read (curl error 18) from $OBJ (3 attempts)$" --cacert "$CA"
'
test_expect_success 'a stalled server (low-speed timeout)' '
	mode stall &&
	PKGTOOL_HTTP_TIMEOUT=1 fails_cleanly site.yml "GET $URL: Operation too slow.* (curl error 28) from $OBJ (3 attempts)$" --cacert "$CA"
'
test_expect_success 'interrupted download: no temp file stays in the cache' '
	mode stall && rm -rf ic &&
	"$PKGTOOL" -q fetch site.yml --cacert "$CA" --cache-dir ic 2>/dev/null &
	pid=$! && i=0 &&
	while [ -z "$(find ic -name ".periphery-x86_64.*" 2>/dev/null)" ]; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1 || exit 1
	done &&
	kill -TERM $pid && ! wait $pid &&
	test -z "$(find ic -type f)"
'
test_expect_success 'an unknown CA (no --cacert)' '
	mode &&
	fails_cleanly site.yml "GET https://127.0.0.1:$PORT/repos/moghtech/komodo/releases/tags/v1.19.5: .*certificate.* (curl error 60)$" &&
	test "$(fakegh_count .)" -eq 0
'
test_expect_success 'CURL_CA_BUNDLE and SSL_CERT_FILE are honoured' '
	rm -rf c1 c2 &&
	CURL_CA_BUNDLE="$CA" "$PKGTOOL" -q fetch site.yml --cache-dir c1 >/dev/null &&
	SSL_CERT_FILE="$CA" "$PKGTOOL" -q fetch site.yml --cache-dir c2 >/dev/null &&
	test -f c1/periphery/v1.19.5/periphery-x86_64 &&
	test -f c2/periphery/v1.19.5/periphery-x86_64
'
test_expect_success 'rate limit (403) while reading the digest' '
	mode ratelimit &&
	fails_cleanly site.yml "GitHub API rate limit exceeded (HTTP 403, the limit resets in [0-9]* s) at https://127.0.0.1:$PORT/repos/moghtech/komodo/releases/tags/v1.19.5 while looking up release v1.19.5; set GITHUB_TOKEN for a higher limit, or pin komodo_binary_sha256$" --cacert "$CA"
'
test_expect_success 'rate limit (429) while resolving latest, with a token' '
	mode ratelimit429 &&
	GITHUB_TOKEN=ghp_secret-token fails_cleanly latest.yml "GitHub API rate limit exceeded (HTTP 429, retry after 30 s) at .*/releases/latest while looking up latest release; the limit of GITHUB_TOKEN is used up" --cacert "$CA" &&
	! grep -q secret-token err "$GHLOG"
'
test_expect_success 'a release that does not exist' '
	mode && sed "s/v1.19.5/v9.9.9/" site.yml >nope.yml &&
	fails_cleanly nope.yml "GitHub API https://127.0.0.1:$PORT/repos/moghtech/komodo/releases/tags/v9.9.9: HTTP 404: no release v9.9.9$" --cacert "$CA"
'
test_expect_success 'plain http is refused for GitHub and downloads' '
	fails_cleanly http.yml "refusing .http://127.0.0.1:$PORT/repos/moghtech/komodo/releases/tags/v1.19.5.: only https:// URLs are allowed here$" --cacert "$CA"
'
test_expect_success 'a failed digest lookup with --allow-unverified is a warning' '
	mode ratelimit &&
	"$PKGTOOL" -q fetch site.yml --cacert "$CA" --cache-dir au \
		--allow-unverified 2>err &&
	grep -q "^pkgtool: warning: GitHub API rate limit exceeded .* (going on without a digest: --allow-unverified)$" err &&
	grep -q "NOT VERIFIED" err && ! grep -q "error:" err
'
test_expect_success 'nothing was ever left in the default cache' '
	test -z "$(find "$XDG_CACHE_HOME" -type f 2>/dev/null)"
'
test_done
