#!/bin/sh
# t1630 - how build writes packages (issue 10, P2: a fleet costs little
# more than one host): each package goes to its temp file on a writer
# thread, through O_DIRECT (the page cache cost the build machine 4 s of
# kernel time for 100 hosts), while the main thread makes the next one;
# the bytes are those of a build that writes nothing in parallel, and a
# write that fails is reported once, leaving no temp file and no package.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
# LeakSanitizer cannot run under strace (ptrace): off for that run only
# shellcheck disable=SC2034 # used in the eval of a check
NOLEAK="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fleet() { # fleet FILE N: a site of N hosts
	{
		printf 'komodo_binary_path: %s\nkomodo_passkeys: [t1630-passkey-0123456789]\n' "$BIN"
		printf 'package_formats: [deb, rpm]\nhosts:\n'
		i=1
		while [ "$i" -le "$2" ]; do
			printf '  h%d:\n    komodo_periphery_port: %d\n' "$i" $((8000 + i))
			i=$((i + 1))
		done
	} >"$1"
}
# The temp files' creations: "PID FLAGS" per package (strace -f).
creations() {
	sed -n 's/^\([0-9]*\) *openat(AT_FDCWD, "[^"]*\/\.komodo-periphery[^"]*", \([A-Z_|]*O_CREAT[A-Z_|]*\).*/\1 \2/p' "$1"
}

test_expect_success 'each package is written on a writer thread with O_DIRECT' '
	fleet s.yml 3 &&
	ASAN_OPTIONS=$NOLEAK strace -f -qq -e trace=openat -o trace \
		"$PKGTOOL" -q build s.yml \
		--out out --cache-dir cache &&
	main=$(sed -n "1s/^\([0-9]*\).*/\1/p" trace) && test -n "$main" &&
	creations trace >made && cat made &&
	test "$(wc -l <made)" = 6 &&
	test "$(ls out/*/* | wc -l)" = 6 &&
	! grep "^$main " made &&
	test "$(grep -c "O_DIRECT" made)" = 6
'

test_expect_success 'the same bytes as one host built alone, cold and warm' '
	fleet one.yml 1 &&
	"$PKGTOOL" -q build one.yml --out one --cache-dir cache1 &&
	for f in one/h1/*; do cmp "$f" "out/h1/${f##*/}" || exit 1; done &&
	"$PKGTOOL" -q build s.yml --out again --cache-dir cache &&
	for f in out/*/*; do cmp "$f" "again/${f#out/}" || exit 1; done
'

# O_DIRECT writes whole blocks; the rest of a file goes through the page
# cache: every package here ends in such a rest, and reads back whole.
test_expect_success 'packages that end in part of a block verify' '
	for f in out/*/*; do
		test $(($(stat -c %s "$f") % 4096)) != 0 || exit 1
		case $f in
		*.rpm) rpm -K "$f" | grep -q "digests OK" || exit 1 ;;
		*.deb)
			rm -rf x && mkdir x && dpkg-deb -x "$f" x &&
			dpkg-deb --ctrl-tarfile "$f" | tar -xO ./md5sums >sums &&
			(cd x && md5sum --quiet -c ../sums) || exit 1 ;;
		esac
	done
'

test_expect_success 'a write that fails is reported once, nothing left behind' '
	mkdir full &&
	mount -t tmpfs -o size=96k tmpfs full &&
	{
		test_must_fail "$PKGTOOL" build s.yml --out full/out \
			--cache-dir cache 2>err
		rc=$?
		ls -A full/out 2>/dev/null >left
		find full -type f >files
		umount full
		test $rc = 0
	} &&
	cat err &&
	test "$(grep -c "error:" err)" = 1 &&
	grep "cannot write .*No space left on device" err &&
	test ! -s files
'

test_done
