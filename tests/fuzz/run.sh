#!/bin/sh
# run.sh TARGET SECONDS - fuzz one target (make fuzz): new inputs go into
# its corpus, a crash into tests/tmp/fuzz/crash-TARGET-*; exit status is
# libFuzzer's (non-zero on a finding).
set -u
cd "$(dirname "$0")/../.." || exit 2
t=$1
secs=$2
bin=tests/tmp/fuzz/fuzz-$t
corpus=tests/fuzz/corpus/$t
[ -x "$bin" ] || { echo "run.sh: $bin is not built (make fuzz-build)" >&2; exit 2; }
mkdir -p "$corpus"
exec "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 \
	-artifact_prefix="tests/tmp/fuzz/crash-$t-" "$corpus"
