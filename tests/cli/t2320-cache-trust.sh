#!/bin/sh
# t2320 - trust in the download cache (issue 9 item 7): the cache tree is
# made 0700 and refused when anyone else could write it; a cached binary is
# shipped only when it hashes to the pinned komodo_binary_sha256 or to the
# release digest looked up again, never because a .verified note beside it
# says so. Offline without a pin is an error that says to pin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakegh.sh"
fakegh_start || { echo "not ok - fake GitHub did not start"; exit 1; }
DEB=komodo-periphery_1.19.5-1_amd64.deb
REAL="$ASSETS/v1.19.5/periphery-x86_64"
SHA=$(sha256sum <"$REAL" | cut -c1-64)
EVIL=$(sha256sum </bin/true | cut -c1-64)
fakegh_site "$TMP/site.yml" "komodo_version: v1.19.5" "package_formats: [deb]"
# the same site with GitHub out of reach (nothing listens on port 1)
GH_SAVED=$GH && GH=https://127.0.0.1:1 &&
	fakegh_site "$TMP/offline.yml" "komodo_version: v1.19.5" \
		"package_formats: [deb]" && GH=$GH_SAVED
cp "$TMP/offline.yml" "$TMP/pinned.yml" &&
	echo "komodo_binary_sha256: $SHA" >>"$TMP/pinned.yml"

plant() { # plant CACHE: /bin/true as the asset, with a note vouching for it
	d="$1/periphery/v1.19.5"
	mkdir -p "$d" && chmod -R 700 "$1" && cp /bin/true "$d/periphery-x86_64" &&
		printf 'sha256 %s\nverified github-digest\nurl %s\n' "$EVIL" \
			"$GH/moghtech/komodo/releases/download/v1.19.5/periphery-x86_64" \
			>"$d/periphery-x86_64.verified"
}
shipped() { # shipped OUT: the agent binary inside the deb
	rm -rf x && mkdir x && dpkg-deb -x "$1/$DEB" x && echo x/usr/bin/periphery
}

test_expect_success 'a planted note and /bin/true in the cache: checked against the release digest, downloaded again' '
	plant p && : >"$GHLOG" &&
	"$PKGTOOL" -q build site.yml --cacert "$CA" --cache-dir p --out o1 2>err &&
	grep -q "warning: cached .p/periphery/v1.19.5/periphery-x86_64. does not match the GitHub release digest (sha256 $EVIL, want $SHA); downloading it again" err &&
	cmp "$(shipped o1)" "$REAL" &&
	cmp p/periphery/v1.19.5/periphery-x86_64 "$REAL" &&
	grep -qx "sha256 $SHA" p/periphery/v1.19.5/periphery-x86_64.verified &&
	test "$(fakegh_count "GET /_objects/v1.19.5/periphery-x86_64 ")" -eq 1
'
test_expect_success 'the cached asset as a symlink to /bin/true is not followed' '
	plant s && rm s/periphery/v1.19.5/periphery-x86_64 &&
	ln -s /bin/true s/periphery/v1.19.5/periphery-x86_64 &&
	"$PKGTOOL" -q fetch site.yml --cacert "$CA" --cache-dir s >out &&
	test ! -L s/periphery/v1.19.5/periphery-x86_64 &&
	cmp s/periphery/v1.19.5/periphery-x86_64 "$REAL" &&
	grep -q "^$SHA " out
'
test_expect_success 'offline without a pin: refused, saying to pin; with the pin fetch printed: built without a request' '
	plant n &&
	test_must_fail "$PKGTOOL" -q build offline.yml --cache-dir n --out o2 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	grep -q "^pkgtool: error: .*; without the release digest the cached .n/periphery/v1.19.5/periphery-x86_64. cannot be trusted: to build offline, pin .komodo_binary_sha256. (pkgtool fetch prints it where the network is)$" err &&
	test ! -e o2 &&
	"$PKGTOOL" -q fetch site.yml --cacert "$CA" --cache-dir good >out &&
	pin=$(cut -c1-64 out) && test "$pin" = "$SHA" &&
	: >"$GHLOG" &&
	"$PKGTOOL" -q build pinned.yml --cache-dir good --out o3 &&
	cmp "$(shipped o3)" "$REAL" && test ! -s "$GHLOG"
'
test_expect_success 'offline with a pin and a planted binary: refused, never shipped' '
	plant q &&
	test_must_fail "$PKGTOOL" -q build pinned.yml --cache-dir q --out o4 2>err &&
	grep -q "does not match komodo_binary_sha256 (sha256 $EVIL, want $SHA)" err &&
	test ! -e o4
'
test_expect_success 'offline with --allow-unverified: shipped only with the loud warning' '
	plant u &&
	"$PKGTOOL" -q build offline.yml --cache-dir u --out o5 --allow-unverified 2>err &&
	grep -q "(going on without a digest: --allow-unverified)$" err &&
	grep -q "warning: using .u/periphery/v1.19.5/periphery-x86_64., which NOTHING VERIFIED (sha256 $EVIL)" err &&
	grep -qx "verified unverified" u/periphery/v1.19.5/periphery-x86_64.verified
'
test_expect_success 'a new cache tree is made 0700, every level' '
	XDG_CACHE_HOME="$TMP/fresh/xdg" "$PKGTOOL" -q fetch site.yml --cacert "$CA" >/dev/null &&
	for d in fresh/xdg fresh/xdg/pkgtool fresh/xdg/pkgtool/periphery \
		fresh/xdg/pkgtool/periphery/v1.19.5; do
		test "$(stat -c %a "$d")" = 700 || { echo "$d: $(stat -c %a "$d")"; exit 1; }
	done &&
	"$PKGTOOL" -q fetch site.yml --cacert "$CA" --cache-dir c1/deep >/dev/null &&
	test "$(stat -c %a c1)" = 700 && test "$(stat -c %a c1/deep/periphery/v1.19.5)" = 700
'
# refused CACHE PATTERN: fetch and build refuse before any download
refused() {
	: >"$GHLOG" &&
		test_must_fail "$PKGTOOL" -q fetch site.yml --cacert "$CA" --cache-dir "$1" 2>err &&
		test "$(wc -l <err)" -eq 1 &&
		grep -q "^pkgtool: error: refusing cache directory $2" err &&
		test_must_fail "$PKGTOOL" -q build site.yml --cacert "$CA" --cache-dir "$1" --out "$1.out" 2>/dev/null &&
		test ! -e "$1.out" && test "$(fakegh_count /_objects/)" -eq 0
}
test_expect_success 'a world-writable cache directory is refused, with the fix' '
	plant w && chmod 777 w &&
	refused w ".w.: mode 0777 lets others write it, and whoever can write it chooses the agent binary in your packages. Fix: chmod 700 .w."
'
test_expect_success 'a group-writable per-version directory is refused' '
	plant g && chmod 770 g/periphery/v1.19.5 &&
	refused g ".g/periphery/v1.19.5.: mode 0770 lets others write it"
'
test_expect_success 'a cache directory owned by another user is refused' '
	plant f && chown nobody f/periphery &&
	refused f ".f/periphery.: owned by uid 65534 (nobody), not by you, uid $(id -u) ($(id -un))"
'
test_expect_success 'a per-version directory that is a symlink elsewhere is refused' '
	plant l && mv l/periphery/v1.19.5 elsewhere &&
	ln -s "$TMP/elsewhere" l/periphery/v1.19.5 &&
	refused l ".l/periphery/v1.19.5.: not a directory (a symbolic link?)"
'
test_done
