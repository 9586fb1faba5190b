#!/bin/sh
# t1600 - the compression stage: one xz stream of independent blocks with
# the agent binary's data in blocks of its own, compressed once per build
# and reused from the block cache; the same bytes for any thread count,
# cache state or fleet size; packages whose bytes did not change are left
# alone; a damaged cache entry is compressed again, never shipped.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
# A binary of more than one 12 MiB block: the test double and 13 MiB of a
# pattern that compresses fast.
BIG="$TMP/big-periphery"
{ cat "$BIN"; yes 'periphery test padding' | head -c 13631488; } >"$BIG"
# The same program claiming to be AArch64 (ELF e_machine 183).
ARM="$TMP/arm-periphery"
cp "$BIN" "$ARM" && printf '\267\000' | dd of="$ARM" bs=1 seek=18 conv=notrunc 2>/dev/null

site() { # site FILE BINARY [COMPRESSION]
	printf 'komodo_binary_path: %s\nkomodo_passkeys: [k]\npackage_compression: %s\n' \
		"$2" "${3:-xz}" >"$1"
}
site "$TMP/s.yml" "$BIN"
site "$TMP/big.yml" "$BIG"

# xz -lvv's "Streams:" and "Blocks:" summary lines of one xz file.
xz_shape() {
	xz -lvv "$1" | sed -n 's/^  \(Streams\|Blocks\): *\([0-9][0-9]*\)$/\1 \2/p' | tr '\n' ' '
}
# The rpm payload (from the first xz magic on; rpm headers never hold one).
rpm_payload() {
	$PY -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(d[d.find(b"\xfd7zXZ\x00"):])' "$1"
}
build() { # build SITE OUT [ARGS...]: the summary line to OUT.log
	s=$1 o=$2
	shift 2
	"$PKGTOOL" build "$s" --out "$o" --cache-dir cache "$@" 2>"$o.log" &&
		grep '^compression:' "$o.log" >"$o.sum"
}
# How many blocks of the agent binary this build compressed.
agent_blocks() {
	sed -n 's/.*bytes, \([0-9]*\) of them from the agent binary.*/\1/p' "$1.sum"
}
# A warm cache: the binary's blocks all came from it (the small blocks
# holding the config are compressed again: never cached).
warm() {
	test "$(agent_blocks "$1")" = 0 &&
	grep -q " [1-9][0-9]* from the block cache)\$" "$1.sum"
}

test_expect_success 'data.tar and rpm payload: one xz stream of several blocks' '
	build big.yml o -j 2 &&
	mkdir d && (cd d && ar x ../o/*.deb) &&
	test "$(xz_shape d/data.tar.xz)" = "Streams 1 Blocks 4 " &&
	xz -t d/data.tar.xz &&
	rpm_payload o/*.rpm >p.xz &&
	test "$(xz_shape p.xz)" = "Streams 1 Blocks 4 " && xz -t p.xz
'
test_expect_success 'dpkg-deb, md5sums, rpm -K and rpm2cpio read them' '
	dpkg-deb -x o/*.deb x && cmp x/usr/bin/periphery "$BIG" &&
	dpkg-deb -e o/*.deb ctl && (cd x && md5sum -c --quiet ../ctl/md5sums) &&
	rpm -K o/*.rpm | grep -q "digests OK" &&
	rpm2cpio o/*.rpm | cpio -t --quiet | grep -qx ./usr/bin/periphery &&
	rpm2cpio o/*.rpm | cpio -i --quiet --to-stdout ./usr/bin/periphery | cmp - "$BIG" &&
	test "$(agent_blocks o)" = 2
'
test_expect_success 'the same bytes with 1 and 4 threads, cold and warm cache' '
	rm -rf cache && build big.yml one -j 1 && build big.yml four -j 4 &&
	warm four &&
	rm -rf cache && build big.yml cold -j 4 &&
	grep -q " 0 from the block cache" cold.sum &&
	for f in o/*; do
		b=${f#o/} && cmp o/$b one/$b && cmp o/$b four/$b && cmp o/$b cold/$b || return 1
	done
'
# How many gzip members a file holds.
gz_members() {
	$PY -c 'import sys, zlib
d = open(sys.argv[1], "rb").read(); n = 0
while d:
    z = zlib.decompressobj(31); z.decompress(d); d = z.unused_data; n += 1
print(n)' "$1"
}
test_expect_success 'gzip: multi-member, read by dpkg-deb and rpm' '
	site gz.yml "$BIG" gzip && build gz.yml g -j 2 &&
	test "$(agent_blocks g)" = 2 &&
	mkdir gd && (cd gd && ar x ../g/*.deb) &&
	test "$(gz_members gd/data.tar.gz)" = 4 &&
	dpkg-deb -x g/*.deb gx && cmp gx/usr/bin/periphery "$BIG" &&
	rpm -K g/*.rpm | grep -q "digests OK" &&
	rpm2cpio g/*.rpm | cpio -i --quiet --to-stdout ./usr/bin/periphery | cmp - "$BIG"
'
test_expect_success 'zstd: one frame in the deb, frames reused in the rpm' '
	site zs.yml "$BIN" zstd && build zs.yml z -j 2 &&
	test "$(agent_blocks z)" = 1 &&
	rm -rf cache && build zs.yml z1 -j 1 &&
	cmp z/*.deb z1/*.deb && cmp z/*.rpm z1/*.rpm &&
	mkdir zd && (cd zd && ar x ../z/*.deb) && zstd -t -q zd/data.tar.zst &&
	dpkg-deb -x z/*.deb zx && cmp zx/usr/bin/periphery "$BIN" &&
	rpm -K z/*.rpm | grep -q "digests OK" &&
	rpm2cpio z/*.rpm | cpio -i --quiet --to-stdout ./usr/bin/periphery | cmp - "$BIN"
'
# Real machine code (20 MiB of gcc's cc1), as the agent is: every block
# boundary restarts xz's dictionary, and 8 MiB blocks cost +1.2 % here.
test_expect_success 'the payload is within 1 % of one xz block over the same bytes' '
	head -c 20971520 "$(gcc -print-prog-name=cc1)" >cc1 && test -s cc1 &&
	site real.yml "$TMP/cc1" && build real.yml real -j 2 &&
	rpm_payload real/*.rpm >r.xz &&
	rpm2cpio real/*.rpm | xz -6 -T1 >r1.xz &&
	ours=$(wc -c <r.xz) one=$(wc -c <r1.xz) &&
	echo "payload $ours bytes, one block $one" &&
	test $((ours * 100)) -le $((one * 101))
'
test_expect_success 'an unchanged rebuild writes nothing (inode and mtime kept)' '
	build s.yml u && stat -c "%n %i %Y %y" u/* >before &&
	sleep 1 && build s.yml u && stat -c "%n %i %Y %y" u/* >after &&
	test_cmp before after &&
	test "$(grep -c "^unchanged " u.log)" = 2 && ! grep -q "^wrote " u.log &&
	warm u
'
test_expect_success 'a config change rewrites, reusing the cached binary' '
	sed "s/\[k\]/[other]/" s.yml >s2.yml && cp -a u u2 &&
	build s2.yml u2 && test "$(grep -c "^wrote " u2.log)" = 2 &&
	test "$(agent_blocks u2)" = 0 &&
	! cmp -s u/*.deb u2/*.deb
'
hosts_site() { # hosts_site FILE N
	{
		printf "komodo_binary_path: %s\nkomodo_passkeys: [k]\nhosts:\n" "$BIN"
		i=1
		while [ $i -le "$2" ]; do
			printf "  h%03d:\n    komodo_periphery_port: %d\n" $i $((8000 + i))
			i=$((i + 1))
		done
	} >"$1"
}
test_expect_success 'a 100-host fleet compresses the binary once' '
	hosts_site fleet.yml 100 && hosts_site solo.yml 1 && rm -rf cache &&
	build fleet.yml f && test "$(ls f | wc -l)" = 100 &&
	test "$(agent_blocks f)" = 1 &&
	grep -q " 0 from the block cache" f.sum
'
test_expect_success 'a host alone and inside the fleet: the same bytes' '
	rm -rf cache && build solo.yml s1 &&
	cmp s1/h001/*.deb f/h001/*.deb && cmp s1/h001/*.rpm f/h001/*.rpm
'
test_expect_success 'two architectures: the binary once per architecture' '
	printf "komodo_binary_path: {amd64: %s, arm64: %s}\npackage_architectures: [amd64, arm64]\nkomodo_passkeys: [k]\n" \
		"$BIN" "$ARM" >two.yml &&
	rm -rf cache && build two.yml t && test "$(ls t | wc -l)" = 4 &&
	test "$(agent_blocks t)" = 2
'
# The largest entry holds the binary's block.
biggest() { ls -S cache/blocks/* | head -n 1; }
test_expect_success 'a corrupted cache entry is found and compressed again' '
	rm -rf cache && build s.yml c0 && e=$(biggest) &&
	printf "X" | dd of="$e" bs=1 seek=200 conv=notrunc 2>/dev/null &&
	build s.yml c1 && grep -q "block cache entry .*is damaged" c1.log &&
	test "$(agent_blocks c1)" = 1 &&
	cmp c0/*.deb c1/*.deb && cmp c0/*.rpm c1/*.rpm &&
	build s.yml c2 && ! grep -q damaged c2.log && test "$(agent_blocks c2)" = 0
'
test_expect_success 'a truncated cache entry is found and compressed again' '
	e=$(biggest) && truncate -s 150 "$e" &&
	build s.yml c3 && grep -q "block cache entry .*is damaged (truncated)" c3.log &&
	cmp c0/*.deb c3/*.deb && cmp c0/*.rpm c3/*.rpm
'
test_expect_success 'the block cache is private, and refused when others can write it' '
	test "$(stat -c %a cache/blocks)" = 700 &&
	test "$(stat -c %a "$(biggest)")" = 600 &&
	chmod 770 cache/blocks &&
	test_must_fail "$PKGTOOL" build s.yml --out r --cache-dir cache 2>err &&
	grep -q "refusing cache directory .*cache/blocks" err && test ! -e r &&
	chmod 700 cache/blocks
'
test_expect_success 'two builds at once share one cold cache safely' '
	rm -rf cache &&
	{ build big.yml p1 -j 1 & build big.yml p2 -j 1; wait $!; } &&
	wait && build big.yml p3 &&
	warm p3 &&
	for f in p1/*; do
		b=${f#p1/} && cmp o/$b p1/$b && cmp o/$b p2/$b && cmp o/$b p3/$b || return 1
	done &&
	test -z "$(ls -A cache/blocks | grep "^\.tmp-")"
'
test_expect_success '--jobs takes a number' '
	test_must_fail "$PKGTOOL" build s.yml --out j --cache-dir cache -j 0 2>err &&
	grep -q -- "--jobs must be a number" err && test ! -e j
'
test_done
