#!/bin/sh
# check.sh - run every test suite; print each suite's summary and a total.
# The last line is "N passed, N failed" (CI parses it). SKIP_E2E=1 skips
# the booted-container suite (used by check-asan, whose binaries cannot run
# inside the container).
set -u
cd "$(dirname "$0")/.." || exit 2
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {
	name=$1
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	last=$(tail -n 1 "$log")
	p=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
	f=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		echo "not ok - suite '$name' did not report a summary"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

run_suite unit ./tests/unit/unit
run_suite "fuzz smoke" sh tests/fuzz/smoke.sh
for t in tests/cli/t*.sh; do
	run_suite "$t" sh "$t"
done
if [ "${SKIP_E2E:-0}" != 1 ] && [ -x tests/e2e/run.sh ]; then
	run_suite "e2e (Debian 12)" env E2E_SUITE=bookworm tests/e2e/run.sh
	run_suite "e2e (Debian 13)" env E2E_SUITE=trixie tests/e2e/run.sh
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
