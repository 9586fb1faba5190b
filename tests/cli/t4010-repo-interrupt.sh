#!/bin/sh
# t4010 - a publish killed (SIGKILL or SIGTERM) at any point leaves a
# repository that apt and dnf metadata checks accept as a whole: every index
# signed and every file it names present with its hash. Killed at a spread
# of moments; whatever the moment, the checks are the same.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
gpg_test_key 'Repo Test <repo@test.invalid>'
for r in 1 2 3 4 5 6 7 8; do
	printf 'komodo_binary_path: %s\nkomodo_service_scope: system\npackage_release: "%s"\n' \
		"$BIN" $r >"$TMP/r$r.yml"
	"$PKGTOOL" -q build "$TMP/r$r.yml" --out "$TMP/r$r" || exit 1
done

# Every file an index names exists with the hash the index gives, and
# every index is signed by the repository key (gpgv, no apt needed).
consistent() {
	R=$TMP/repo
	gpgv --keyring "$R/keys/repo.gpg" "$R/dists/stable/InRelease" 2>/dev/null || {
		echo "InRelease does not verify"; return 1; }
	sed -n 's/^ \([0-9a-f]\{64\}\) \([0-9]*\) \(.*\)$/\1 \3/p' "$R/dists/stable/InRelease" |
	while read -r h f; do
		d=$(dirname "$f")
		[ "$(sha256sum <"$R/dists/stable/$d/by-hash/SHA256/$h" | cut -d" " -f1)" = "$h" ] || {
			echo "by-hash $f $h missing or wrong"; exit 1; }
	done || return 1
	h=$(sed -n 's/^ \([0-9a-f]\{64\}\) [0-9]* main\/binary-amd64\/Packages$/\1/p' "$R/dists/stable/InRelease")
	awk '/^Filename:/ { f = $2 } /^SHA256:/ { print $2, f }' \
		"$R/dists/stable/main/binary-amd64/by-hash/SHA256/$h" |
	while read -r sum f; do
		[ "$(sha256sum <"$R/$f" | cut -d" " -f1)" = "$sum" ] || {
			echo "pool file $f missing or wrong"; exit 1; }
	done || return 1
	gpg --dearmor <"$R/keys/repo.asc" >"$TMP/asc.gpg"
	M=$R/rpm/stable/repodata
	gpgv --keyring "$TMP/asc.gpg" "$M/repomd.xml.asc" "$M/repomd.xml" 2>/dev/null || {
		echo "repomd.xml does not verify"; return 1; }
	"$PY" - "$R/rpm/stable" <<'EOPY' || return 1
import gzip, hashlib, os, re, sys
d = sys.argv[1]
md = open(os.path.join(d, "repodata/repomd.xml")).read()
for m in re.finditer(r'<data type="(\w+)">.*?<checksum type="sha256">([0-9a-f]+)</checksum>.*?<location href="([^"]+)"', md, re.S):
    body = open(os.path.join(d, m.group(3)), "rb").read()
    if hashlib.sha256(body).hexdigest() != m.group(2):
        sys.exit("metadata %s does not match repomd.xml" % m.group(3))
    if m.group(1) == "primary":
        prim = gzip.decompress(body).decode()
for m in re.finditer(r'<checksum type="sha256" pkgid="YES">([0-9a-f]+)</checksum>.*?<location href="([^"]+)"', prim, re.S):
    p = os.path.join(d, m.group(2))
    if hashlib.sha256(open(p, "rb").read()).hexdigest() != m.group(1):
        sys.exit("package %s does not match primary" % m.group(2))
EOPY
}

test_expect_success 'first publish' '
	"$PKGTOOL" repo add repo r1/*.deb r1/*.rpm --key "$KEY" >/dev/null 2>&1 &&
	consistent
'
# A publish takes ~25 ms here: the kills spread over it.
n=2
for sig in KILL TERM KILL TERM; do
	for delay in 0.001 0.005 0.01 0.015 0.02 0.03; do
		test_expect_success "publish killed by SIG$sig after ${delay}s leaves a whole repository" "
			( exec \"\$PKGTOOL\" repo add repo r$n/*.deb r$n/*.rpm --keep 3 >/dev/null 2>&1 ) &
			pid=\$! && sleep $delay && kill -$sig \$pid 2>/dev/null; wait \$pid;
			echo \$? >>\"\$TMP/rcs\" && consistent
		"
	done
	n=$((n % 7 + 2))
done
# not a check (timing decides it): how many kills landed mid-publish
echo "# $(grep -c -v '^0$' "$TMP/rcs") of $(wc -l <"$TMP/rcs") publishes were cut short"
test_expect_success 'the next publish completes and cleans up after the killed ones' '
	: what a kill leaves, planted so that the check never depends on timing &&
	echo x >repo/dists/stable/InRelease.AbC123 &&
	echo x >repo/dists/stable/main/binary-amd64/Packages.xz.q1W2e3 &&
	echo x >"repo/pool/stable/main/k/komodo-periphery/.new-k.deb.Zz9xYw" &&
	echo x >"repo/rpm/stable/Packages/.new-k.rpm.Zz9xYw" &&
	"$PKGTOOL" repo add repo r8/*.deb r8/*.rpm >/dev/null 2>&1 &&
	find repo -type f \( -name ".new-*" -o -regex ".*\.[A-Za-z0-9]\{6\}" \) \
		! -name "*.sha256" >left &&
	test_cmp /dev/null left &&
	consistent &&
	"$PKGTOOL" repo list repo | grep -q "1.19.5-8	amd64	deb" &&
	test "$(ls -d repo/rpm/stable/.repodata-* | wc -l)" -le 2
'
test_done
