#!/bin/sh
# smoke.sh - the fuzz smoke run of `make check`: every target runs its
# whole corpus once, then a fixed number of mutations from a fixed seed
# (the same inputs every run, a few seconds each). New inputs go to a
# scratch directory, so the corpus in git does not change.
. "$(dirname "$0")/../cli/lib.sh"
RUNS=${FUZZ_SMOKE_RUNS:-1500}

for t in site json vault; do
	bin="$TOP/tests/tmp/fuzz/fuzz-$t"
	corpus="$TOP/tests/fuzz/corpus/$t"
	test_expect_success "fuzz $t: corpus ($(ls "$corpus" | wc -l) inputs)" '
		test -x "$bin" && test "$(ls "$corpus" | wc -l)" -gt 0 &&
		"$bin" -runs=0 -timeout=20 -artifact_prefix="$TMP/" "$corpus"
	'
	test_expect_success "fuzz $t: $RUNS mutations from seed 1" '
		mkdir -p "new-$t" &&
		"$bin" -runs="$RUNS" -seed=1 -timeout=20 -rss_limit_mb=2048 \
			-max_len=8192 -artifact_prefix="$TMP/" "new-$t" "$corpus"
	'
done
test_done
