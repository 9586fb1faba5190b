#!/bin/sh
# t1620 - the block cache stays bounded and holds no secrets: entries not
# used for 30 days go when a build starts (each use touches its entry),
# stale temporary files too, and blocks holding the config (passkeys) are
# never stored; digests remembered over compressed bytes follow those
# bytes, not the input they were made from.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
printf 'komodo_binary_path: %s\nkomodo_passkeys: [t1620-secret-passkey]\npackage_compression: gzip\n' \
	"$BIN" >"$TMP/s.yml"

build() { # build OUT: the summary line to OUT.sum
	"$PKGTOOL" build s.yml --out "$1" --cache-dir cache 2>"$1.log" &&
		grep '^compression:' "$1.log" >"$1.sum"
}
agent_blocks() {
	sed -n 's/.*bytes, \([0-9]*\) of them from the agent binary.*/\1/p' "$1.sum"
}
# The entry holding the binary's block: the largest.
biggest() { ls -S cache/blocks/* | head -n 1; }
# Every cached gzip member, decompressed, one file each under plain/.
unpack_cache() {
	rm -rf plain && mkdir plain &&
	$PY -c '
import os, sys, zlib
for n in os.listdir("cache/blocks"):
    d = open(os.path.join("cache/blocks", n), "rb").read()[112:]
    if d[:2] == b"\x1f\x8b":
        open(os.path.join("plain", n), "wb").write(zlib.decompressobj(31).decompress(d))
'
}

test_expect_success 'blocks holding the config are never cached' '
	build a && test -s a/*.deb &&
	unpack_cache && test -n "$(ls plain)" &&
	for f in plain/*; do cmp -s "$f" "$BIN" && echo "$f"; done | grep -q . &&
	! grep -l -F "t1620-secret-passkey" plain/* &&
	build b && test "$(agent_blocks b)" = 0 &&
	unpack_cache && ! grep -l -F "t1620-secret-passkey" plain/*
'
test_expect_success 'an entry not used for 30 days goes when a build starts' '
	e=$(biggest) && touch -d "40 days ago" "$e" &&
	: >cache/blocks/.tmp-left-by-a-killed-build &&
	touch -d "40 days ago" cache/blocks/.tmp-left-by-a-killed-build &&
	: >cache/blocks/.tmp-fresh && n=$(ls cache/blocks | wc -l) &&
	build c && test "$(agent_blocks c)" = 1 &&
	test ! -e cache/blocks/.tmp-left-by-a-killed-build &&
	test -e cache/blocks/.tmp-fresh && test -e "$e" &&
	test "$(find "$e" -mtime -1)" = "$e" &&
	cmp a/*.deb c/*.deb && cmp a/*.rpm c/*.rpm &&
	test -z "$(ls -A cache/blocks | grep "^\.tmp-prune")"
'
test_expect_success 'reuse touches an entry, so a used one stays' '
	e=$(biggest) && touch -d "20 days ago" "$e" &&
	build d && test "$(agent_blocks d)" = 0 &&
	test "$(find "$e" -mtime -1)" = "$e"
'
# An entry another pkgtool or zlib made: the same input, other valid bytes
# of the same length (here the binary's gzip member with another OS byte
# in its header, which readers ignore). The rpm's digests over the
# payload must be taken over what it ships, not recalled from the build
# that shipped the other bytes.
test_expect_success 'a cached block with other bytes: the digests follow them' '
	build e && rpm -K e/*.rpm | grep -q "digests OK" &&
	$PY -c "
import hashlib, sys
p = sys.argv[1]
d = bytearray(open(p, \"rb\").read())
assert d[112:114] == b\"\\x1f\\x8b\"
d[112 + 9] ^= 0x80
d[80:112] = hashlib.sha256(bytes(d[112:])).digest()
open(p, \"wb\").write(bytes(d))
" "$(biggest)" &&
	build f && test "$(agent_blocks f)" = 0 && ! grep -q damaged f.log &&
	! cmp -s e/*.rpm f/*.rpm &&
	rpm -K f/*.rpm | grep -q "digests OK" &&
	rpm2cpio f/*.rpm | cpio -i --quiet --to-stdout ./usr/bin/periphery | cmp - "$BIN"
'
test_done
