#!/bin/sh
# t2000 - release acquisition against a fake GitHub on 127.0.0.1 over TLS
# with a throwaway CA: latest and pinned tags, per-architecture assets,
# digest verification, the cache (reuse, --refresh, concurrent runs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakegh.sh"
fakegh_start || { echo "not ok - fake GitHub did not start"; exit 1; }
DEB=komodo-periphery_1.19.5-1_amd64.deb
RPM=komodo-periphery-1.19.5-1.x86_64.rpm
CACHE="$XDG_CACHE_HOME/pkgtool/periphery"
fakegh_site "$TMP/pinned.yml" "komodo_version: v1.19.5"
fakegh_site "$TMP/latest.yml" "komodo_version: latest" \
	"package_architectures: [amd64, arm64]"
fakegh_site "$TMP/old.yml" "komodo_version: 1.16.11" "package_formats: [deb]"
fakegh_site "$TMP/bare.yml" "komodo_version: 1.19.5"

test_expect_success 'fetch fills the cache with the verified asset' '
	"$PKGTOOL" fetch pinned.yml --cacert "$CA" >out 2>err &&
	f="$CACHE/v1.19.5/periphery-x86_64" &&
	cmp "$f" "$ASSETS/v1.19.5/periphery-x86_64" &&
	echo "$(sha256sum <"$f" | cut -c1-64)  $f" >expect &&
	test_cmp expect out &&
	grep -qx "verified github-digest" "$f.verified" &&
	grep -qx "downloaded periphery-x86_64: [0-9.]* MB in [0-9.]* s" err &&
	test "$(wc -l <err)" -eq 1
'
test_expect_success 'the digest came from the tag JSON, the bytes via a redirect to the asset host' '
	grep -qx "GET /repos/moghtech/komodo/releases/tags/v1.19.5 host=127.0.0.1:$PORT" "$GHLOG" &&
	grep -qx "GET /moghtech/komodo/releases/download/v1.19.5/periphery-x86_64 host=127.0.0.1:$PORT" "$GHLOG" &&
	grep -qx "GET /_objects/v1.19.5/periphery-x86_64 host=localhost:$PORT" "$GHLOG"
'
test_expect_success 'build of a pinned tag ships exactly the served bytes (deb and rpm)' '
	: >"$GHLOG" &&
	"$PKGTOOL" build pinned.yml --cacert "$CA" --out o1 2>err &&
	mkdir x && dpkg-deb -x o1/$DEB x &&
	cmp x/usr/bin/periphery "$ASSETS/v1.19.5/periphery-x86_64" &&
	sha=$(sha256sum <"$ASSETS/v1.19.5/periphery-x86_64" | cut -c1-64) &&
	grep -q "^$sha " x/usr/share/doc/komodo-periphery/periphery.sha256 &&
	mkdir r && (cd r && rpm2cpio ../o1/$RPM | cpio -idm --quiet) &&
	cmp r/usr/bin/periphery "$ASSETS/v1.19.5/periphery-x86_64"
'
test_expect_success 'a second build downloads nothing: the cached file is checked against the release digest' '
	: >"$GHLOG" &&
	"$PKGTOOL" build pinned.yml --cacert "$CA" --out o2 &&
	test "$(fakegh_count "GET /repos/moghtech/komodo/releases/tags/v1.19.5 ")" -eq 1 &&
	test "$(fakegh_count .)" -eq 1 && test -f o2/$DEB
'
test_expect_success '--refresh downloads again, once' '
	: >"$GHLOG" &&
	"$PKGTOOL" build pinned.yml --cacert "$CA" --refresh --out o4 &&
	test "$(fakegh_count "GET /_objects/v1.19.5/periphery-x86_64 ")" -eq 1 &&
	test "$(fakegh_count .)" -eq 3
'
test_expect_success 'latest: resolved once and printed, both architectures built' '
	: >"$GHLOG" &&
	"$PKGTOOL" build latest.yml --cacert "$CA" --out o5 2>err &&
	grep -qx "komodo_version latest: 2.3.2 (GitHub.s latest release)" err &&
	test "$(fakegh_count "releases/latest ")" -eq 1 &&
	test "$(fakegh_count "releases/tags/v2.3.2 ")" -eq 1 &&
	ls o5 >list &&
	printf "%s\n" komodo-periphery-2.3.2-1.aarch64.rpm \
		komodo-periphery-2.3.2-1.x86_64.rpm \
		komodo-periphery_2.3.2-1_amd64.deb \
		komodo-periphery_2.3.2-1_arm64.deb >expect &&
	test_cmp expect list
'
test_expect_success 'arm64 gets the aarch64 asset, amd64 the x86_64 one' '
	mkdir a b &&
	dpkg-deb -x o5/komodo-periphery_2.3.2-1_arm64.deb a &&
	cmp a/usr/bin/periphery "$ASSETS/v2.3.2/periphery-aarch64" &&
	dpkg-deb -x o5/komodo-periphery_2.3.2-1_amd64.deb b &&
	cmp b/usr/bin/periphery "$ASSETS/v2.3.2/periphery-x86_64" &&
	test "$(fakegh_count "GET /_objects/v2.3.2/periphery-aarch64 ")" -eq 1
'
test_expect_success 'before 1.16.12 the x86_64 asset is called periphery' '
	: >"$GHLOG" &&
	"$PKGTOOL" -q build old.yml --cacert "$CA" --out o6 &&
	test "$(fakegh_count "GET /_objects/v1.16.11/periphery ")" -eq 1 &&
	mkdir c && dpkg-deb -x o6/komodo-periphery_1.16.11-1_amd64.deb c &&
	cmp c/usr/bin/periphery "$ASSETS/v1.16.11/periphery"
'
test_expect_success '--cache-dir is used instead of XDG_CACHE_HOME' '
	"$PKGTOOL" -q fetch bare.yml --cacert "$CA" --cache-dir cd >out &&
	test -f cd/periphery/v1.19.5/periphery-x86_64 &&
	grep -q " cd/periphery/v1.19.5/periphery-x86_64$" out
'
test_expect_success 'without a digest a pinned komodo_binary_sha256 verifies the download' '
	echo nodigest >"$CTL/mode" &&
	sha=$(sha256sum <"$ASSETS/v1.19.5/periphery-x86_64" | cut -c1-64) &&
	cp bare.yml pin.yml && echo "komodo_binary_sha256: {amd64: $sha}" >>pin.yml &&
	: >"$GHLOG" &&
	"$PKGTOOL" -q fetch pin.yml --cacert "$CA" --cache-dir pc &&
	grep -qx "verified pinned" pc/periphery/v1.19.5/periphery-x86_64.verified &&
	test "$(fakegh_count /repos/)" -eq 0
'
test_expect_success 'a wrong pin fails before anything enters the cache' '
	cp bare.yml badpin.yml &&
	echo "komodo_binary_sha256: $(printf %064d 0)" >>badpin.yml &&
	test_must_fail "$PKGTOOL" -q fetch badpin.yml --cacert "$CA" --cache-dir bp 2>err &&
	grep -q "sha256 mismatch for .periphery-x86_64. from https://127.0.0.1:$PORT/.*komodo_binary_sha256 says 0000" err &&
	test "$(wc -l <err)" -eq 1 &&
	test -z "$(find bp -type f)"
'
test_expect_success 'no digest and no pin: refused, naming the fix' '
	: >"$GHLOG" &&
	test_must_fail "$PKGTOOL" -q fetch bare.yml --cacert "$CA" --cache-dir nd 2>err &&
	grep -q "GitHub release has no digest for it; pin .komodo_binary_sha256. or pass --allow-unverified" err &&
	test "$(wc -l <err)" -eq 1 &&
	test "$(fakegh_count "/_objects/")" -eq 0 && test -z "$(find nd -type f)"
'
test_expect_success '--allow-unverified warns loudly, and again when the cache is reused' '
	"$PKGTOOL" -q fetch bare.yml --cacert "$CA" --cache-dir nd --allow-unverified 2>err &&
	grep -q "warning: .periphery-x86_64. v1.19.5 is NOT VERIFIED" err &&
	grep -qx "verified unverified" nd/periphery/v1.19.5/periphery-x86_64.verified &&
	"$PKGTOOL" -q build bare.yml --cache-dir nd --allow-unverified --out o7 2>err &&
	grep -q "NOTHING VERIFIED" err &&
	: >"$GHLOG" && echo >"$CTL/mode" &&
	"$PKGTOOL" -q fetch bare.yml --cacert "$CA" --cache-dir nd 2>err &&
	test ! -s err &&
	grep -qx "verified github-digest" nd/periphery/v1.19.5/periphery-x86_64.verified &&
	test "$(fakegh_count "/_objects/")" -eq 0
'
test_expect_success 'a cached file changed on disk is downloaded again' '
	echo tampered >>"$CACHE/v1.19.5/periphery-x86_64" &&
	: >"$GHLOG" &&
	"$PKGTOOL" fetch pinned.yml --cacert "$CA" 2>err &&
	grep -q "warning: cached .*periphery-x86_64. does not match the GitHub release digest (sha256 [0-9a-f]*, want [0-9a-f]*); downloading it again" err &&
	cmp "$CACHE/v1.19.5/periphery-x86_64" "$ASSETS/v1.19.5/periphery-x86_64" &&
	test "$(fakegh_count "/_objects/")" -eq 1
'
test_expect_success 'two fetches at once: both succeed, one download, no temp file left' '
	: >"$GHLOG" &&
	"$PKGTOOL" -q fetch pinned.yml --cacert "$CA" --cache-dir cc >o1.txt 2>e1 &
	p1=$! &&
	"$PKGTOOL" -q fetch pinned.yml --cacert "$CA" --cache-dir cc >o2.txt 2>e2 &&
	wait $p1 && test_cmp o1.txt o2.txt &&
	test "$(fakegh_count "/_objects/")" -eq 1 &&
	ls -A cc/periphery/v1.19.5 >list &&
	printf "periphery-x86_64\nperiphery-x86_64.verified\n" >expect &&
	test_cmp expect list
'
test_expect_success 'GITHUB_TOKEN goes to the API only, and is never printed' '
	: >"$GHLOG" &&
	GITHUB_TOKEN=ghp_t0ken-must-not-leak "$PKGTOOL" -v fetch latest.yml \
		--cacert "$CA" --cache-dir tk >out 2>err &&
	grep -q "^GET /repos/moghtech/komodo/releases/latest .* auth=bearer$" "$GHLOG" &&
	! grep "/_objects/\|/releases/download/" "$GHLOG" | grep -q auth= &&
	! grep -rq t0ken-must-not-leak out err "$GHLOG" tk
'
test_expect_success 'check and render still want a fixed tag' '
	test_must_fail "$PKGTOOL" check latest.yml 2>err &&
	grep -q "komodo_version: latest" err
'
test_done
