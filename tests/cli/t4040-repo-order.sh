#!/bin/sh
# t4040 - the order of a publish as a reader sees it (strace of the
# renames and unlinks): a package that --keep drops stays in place until
# the index that no longer names it has switched (InRelease for apt, the
# repodata symlink for dnf), so a host that read the old index can still
# fetch every file it names.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
gpg_test_key 'Repo Test <repo@test.invalid>'
for r in 1 2; do
	printf 'komodo_binary_path: %s\nkomodo_service_scope: system\npackage_release: "%s"\n' \
		"$BIN" $r >"$TMP/r$r.yml"
	"$PKGTOOL" -q build "$TMP/r$r.yml" --out "$TMP/r$r" || exit 1
done

# line number of the first trace line matching the pattern (0: none)
at() {
	grep -n -m1 -e "$1" trace | cut -d: -f1 | grep . || echo 0
}

test_expect_success '--keep 1: the dropped files go after both indices switched' '
	"$PKGTOOL" repo add repo r1/*.deb r1/*.rpm --key "$KEY" >/dev/null 2>&1 &&
	# LeakSanitizer (make check-asan) cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -o trace -e trace=rename,renameat,renameat2,unlink,unlinkat,symlink,symlinkat \
		"$PKGTOOL" repo add repo r2/*.deb r2/*.rpm --keep 1 >/dev/null 2>&1 &&
	test "$(ls repo/rpm/stable/Packages/)" = komodo-periphery-1.19.5-2.x86_64.rpm &&
	inrel=$(at "rename.*dists/stable/InRelease\"") &&
	repodata=$(at "rename.*rpm/stable/repodata\"") &&
	olddeb=$(at "unlink.*komodo-periphery_1.19.5-1_amd64.deb\"") &&
	oldrpm=$(at "unlink.*Packages/komodo-periphery-1.19.5-1.x86_64.rpm\"") &&
	echo "InRelease $inrel repodata $repodata deb $olddeb rpm $oldrpm" &&
	test "$inrel" -gt 0 && test "$repodata" -gt 0 &&
	test "$olddeb" -gt "$inrel" && test "$oldrpm" -gt "$repodata"
'
test_done
