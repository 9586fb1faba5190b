# lib.sh - git-style vocabulary for shell tests; source it, then call
# test_expect_success 'title' 'commands' ... and finally test_done.
# shellcheck shell=sh disable=SC2034
set -u
: "${PKGTOOL:=$(cd "$(dirname "$0")/../.." && pwd)/pkgtool/pkgtool}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FAKE="$TOP/tests/fake/fake-periphery"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pkgtool-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export SOURCE_DATE_EPOCH=1700000000
PY=/usr/bin/python3
test_passed=0
test_failed=0

test_expect_success() {
	if (cd "$TMP" && eval "$2") >"$TMP/.log" 2>&1; then
		test_passed=$((test_passed + 1))
		echo "ok - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok - $1"
		sed 's/^/#   /' "$TMP/.log" | tail -n 40
	fi
}

# Fails unless the command fails with exit status 1..125 (not a crash).
test_must_fail() {
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "expected failure, got success: $*"
		return 1
	elif [ "$rc" -gt 125 ]; then
		echo "died of signal/crash ($rc): $*"
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

test_done() {
	echo "$test_passed passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}

# A stripped copy of the test double, standing in for the real agent.
fake_binary() {
	cp "$FAKE" "$TMP/periphery" && strip "$TMP/periphery" &&
		echo "$TMP/periphery"
}

# gpg_test_key NAME...: a throwaway GnuPG home in $TMP (its agent killed
# at exit) with one signing key per NAME; KEY is the first one's
# fingerprint. Never the user's own keyring.
gpg_test_key() {
	export GNUPGHOME="$TMP/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$TMP"' EXIT
	for _n in "$@"; do
		gpg --batch --passphrase '' --quick-gen-key "$_n" \
			default sign never 2>/dev/null
	done
	KEY=$(gpg --list-secret-keys --with-colons "$1" 2>/dev/null |
		awk -F: '/^fpr/ { print $10; exit }')
}
