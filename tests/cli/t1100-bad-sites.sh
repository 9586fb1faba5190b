#!/bin/sh
# t1100 - every bad site file gives FILE:LINE:COL: error naming the key,
# exit status 1, and leaves the output directory exactly as it was.
. "$(dirname "$0")/lib.sh"
BAD="$TOP/tests/golden/bad"

mkdir -p "$TMP/out" && echo keep >"$TMP/out/previous.deb"
snapshot() { (cd "$TMP/out" && stat -c "%n %a %Y" . && ls -lA --time-style=+%s && sha256sum ./*); }
snapshot >"$TMP/before"

for f in "$BAD"/*.yml; do
	name=$(basename "$f" .yml)
	test_expect_success "bad site: $name" '
		sed "s#@BIN@#/bin/true#" "$f" >"$name.yml" &&
		test_must_fail "$PKGTOOL" build "$name.yml" --out "$TMP/out" \
			>stdout 2>stderr &&
		"$PKGTOOL" build "$name.yml" --out "$TMP/out" >/dev/null 2>&1;
		test $? -eq 1 &&
		test ! -s stdout &&
		sed "s#$TMP/##g" stderr >actual &&
		test_cmp "$BAD/$name.err" actual &&
		grep -q "^$name.yml:[0-9][0-9]*:[0-9][0-9]*: error: " actual &&
		snapshot >after && test_cmp before after
	'
done

test_expect_success 'at least 30 distinct bad site files' '
	test "$(ls "$BAD"/*.yml | wc -l)" -ge 30
'
test_done
