#!/bin/sh
# t0100-fake-periphery.sh - the Periphery test double behaves like the agent
# SPDX-License-Identifier: MIT
#
# Self-contained (no lib.sh yet): prints "ok - ..." / "not ok - ..." lines
# and ends with "N passed, N failed"; exits 1 if anything failed.
# FAKE_PERIPHERY overrides the binary under test. Servers bind 127.0.0.1
# (and [::] for the dual-stack case) on ports from 18000 + $$ % 1000 up;
# every server is stopped by its recorded PID.

set -u

here=$(cd "$(dirname "$0")" && pwd)
FAKE=${FAKE_PERIPHERY:-$here/../fake/fake-periphery}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t0100.XXXXXX") || exit 1
pids=""
passed=0
failed=0

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The double reads these; a developer's environment must not leak in.
unset FAKE_PERIPHERY_VERSION FAKE_PERIPHERY_LENIENT
for v in $(env | sed -n 's/^\(PERIPHERY_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$v"
done

ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok - $1"
	if [ -s "$tmp/out" ]; then
		sed 's/^/#   /' "$tmp/out" | head -n 20
	fi
}

# run <cmd...>: runs with stdout+stderr in $tmp/out, status in $rc.
run() {
	"$@" >"$tmp/out" 2>&1
	rc=$?
}

# expect <desc> <want-rc> [<grep-pattern>]: checks the last run.
expect() {
	if [ "$rc" -ne "$2" ]; then
		echo "exit status $rc, want $2" >>"$tmp/out"
		not_ok "$1"
	elif [ $# -ge 3 ] && ! grep -q -e "$3" "$tmp/out"; then
		echo "output does not match: $3" >>"$tmp/out"
		not_ok "$1"
	else
		ok "$1"
	fi
}

if [ ! -x "$FAKE" ]; then
	echo "not ok - $FAKE is not built (make tests/fake/fake-periphery)"
	echo "0 passed, 1 failed"
	exit 1
fi

# Versioned copies via the trailing marker, so the tests do not depend on
# the compiled-in default.
make_version() {
	cp "$FAKE" "$tmp/$1" && printf 'FAKEVER=%s\n' "$2" >>"$tmp/$1"
}
make_version v1 1.19.5
make_version v2 2.3.2
make_version v22 2.2.0
make_version newer 1.19.6
cp "$FAKE" "$tmp/badmark" && printf 'FAKEVER=banana\n' >>"$tmp/badmark"
V1=$tmp/v1
V2=$tmp/v2

# ---- version -------------------------------------------------------------

run "$FAKE" --version
expect "--version prints 'periphery <x.y.z>'" 0 \
	'^periphery [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*$'
cp "$tmp/out" "$tmp/long"
run "$FAKE" -V
if cmp -s "$tmp/out" "$tmp/long"; then
	ok "-V prints the same as --version"
else
	not_ok "-V prints the same as --version"
fi
run "$tmp/newer" --version
expect "FAKEVER=1.19.6 marker makes a 'newer' binary" 0 '^periphery 1\.19\.6$'
run "$V2" -V
expect "FAKEVER=2.3.2 marker selects v2" 0 '^periphery 2\.3\.2$'
run "$tmp/badmark" --version
expect "malformed version marker is an error" 2 'malformed FAKEVER'

# ---- config validation (--check-config) ----------------------------------

cat >"$tmp/good.toml" <<'EOF'
# a v1.19.5 config as a package would write it
port = 8120
bind_ip = "[::]"
root_directory = "/var/lib/komodo"
disable_terminals = false
stats_polling_rate = "5-sec"
container_stats_polling_rate = "30-sec"
allowed_ips = ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]
passkeys = ["pk-do-not-print"]
include_disk_mounts = [
  "/",      # root
  "/data",
]
logging.level = "info"
logging.stdio = "standard"

[[git_provider]]
domain = "git.example.com"
accounts = [{ username = "bot", token = "tok-do-not-print" }]

[[docker_registry]]
domain = "registry.example.com"
accounts = [{ username = "ci", token = "tok2" }]
organizations = ["team"]

[secrets]
DB_PASSWORD = "s3cr\u00e9t-do-not-print"
EOF
run "$V1" --check-config -c "$tmp/good.toml"
expect "good v1 config passes --check-config" 0 '^config ok$'
if grep -q 'do-not-print' "$tmp/out"; then
	not_ok "passkeys, tokens and secrets are redacted"
else
	ok "passkeys, tokens and secrets are redacted"
fi

check_bad() {	# <desc> <version-binary> <grep-pattern> <toml>
	printf '%s\n' "$4" >"$tmp/bad.toml"
	run "$2" --check-config -c "$tmp/bad.toml"
	expect "$1" 2 "$3"
}

check_bad "unknown key is rejected with file:line:col" "$V1" \
	"bad.toml:2:1: error: unknown config key 'bogus'" \
	"port = 8120
bogus = 1"
check_bad "misspelt key gets a suggestion" "$V1" "did you mean 'passkeys'" \
	'paskeys = ["x"]'
check_bad "timelength '5s' is rejected" "$V1" "invalid timelength '5s'" \
	'stats_polling_rate = "5s"'
check_bad "v2-only timelength '2-sec' is rejected by v1" "$V1" \
	"invalid timelength '2-sec'" 'stats_polling_rate = "2-sec"'
printf 'stats_polling_rate = "2-sec"\n' >"$tmp/v2tl.toml"
run "$V2" --check-config -c "$tmp/v2tl.toml"
expect "timelength '2-sec' is accepted by v2" 0 '^config ok$'
check_bad "bad allowed_ips entry is rejected" "$V1" \
	"invalid IP or CIDR '10.0.0.0/33'" \
	'allowed_ips = ["10.0.0.0/8", "10.0.0.0/33"]'
check_bad "bracketed IPv6 in allowed_ips is rejected" "$V1" \
	"invalid IP or CIDR '\[::1\]'" 'allowed_ips = ["[::1]"]'
check_bad "v2 key private_key is rejected by v1" "$V1" \
	"unknown config key 'private_key' (only in Periphery 2.0.0" \
	'private_key = "file:/etc/komodo/keys/periphery.key"'
check_bad "v2 key core_address is rejected by v1" "$V1" \
	"unknown config key 'core_address'" 'core_address = "wss://core"'
check_bad "image_registry is rejected before v2.3" "$tmp/v22" \
	"only in Periphery 2.3.0" \
	'image_registry = [{ domain = "ghcr.io", accounts = [] }]'
check_bad "port as a string is a type error" "$V1" \
	"'port' must be an integer, found string" 'port = "8120"'
check_bad "port out of u16 range" "$V1" "out of range for a port" \
	'port = 70000'
check_bad "unbracketed IPv6 bind_ip is not a socket address" "$V1" \
	"is not a socket address" 'bind_ip = "::"'
check_bad "logging.level 'off' is not a level" "$V1" \
	"invalid value 'off' for 'logging.level'" 'logging.level = "off"'
check_bad "git_provider without accounts" "$V1" "missing field 'accounts'" \
	'[[git_provider]]
domain = "github.com"'
check_bad "name and alias of one field together" "$V1" "duplicate field" \
	'git_providers = []
git_provider = []'
check_bad "TOML syntax error is loud" "$V1" \
	"WARN failed to parse config at $tmp/bad.toml: 2:" "port = 8120
bind_ip = [::]"

run env FAKE_PERIPHERY_LENIENT=1 "$V1" --check-config -c "$tmp/bad.toml"
expect "FAKE_PERIPHERY_LENIENT skips an unparsable file like real" 0 \
	'^config ok$'
run "$V1" --check-config -c "$tmp/does-not-exist.toml"
expect "missing config path is skipped like real" 0 '^config ok$'
run env PERIPHERY_PORT=abc "$V1" --check-config -c "$tmp/good.toml"
expect "unparsable PERIPHERY_PORT panics like real (101)" 101 \
	'failed to parse periphery environment'
run "$V1" --log-level verbose --check-config
expect "bad --log-level value is a usage error" 2 "invalid value 'verbose'"
run "$V1" --no-such-option
expect "unknown option is a usage error" 2 "unexpected argument"

# ---- servers -------------------------------------------------------------

have_curl=true
command -v curl >/dev/null 2>&1 || have_curl=false

port_base=$((18000 + $$ % 1000))
next_port=$port_base

# start <name> <binary> <toml-body>: writes $tmp/<name>.toml with a free
# port prepended, starts the server, waits for it to listen. Sets $port,
# $pid, $log. Returns 1 if it never came up.
start() {
	tries=0
	while [ $tries -lt 10 ]; do
		port=$next_port
		next_port=$((next_port + 1))
		tries=$((tries + 1))
		{
			echo "port = $port"
			printf '%s\n' "$3"
		} >"$tmp/$1.toml"
		log=$tmp/$1.log
		: >"$log"	# the background job opens it too late for grep
		"$2" --config-path "$tmp/$1.toml" >"$log" 2>&1 &
		pid=$!
		pids="$pids $pid"
		i=0
		while [ $i -lt 100 ]; do
			if grep -q 'Komodo Periphery starting on' "$log"; then
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		grep -q 'Address already in use' "$log" || break
	done
	cp "$log" "$tmp/out"
	return 1
}

# stop_term: SIGTERM the current server, wait, set $rc.
stop_term() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
}

# post <scheme> <type> [curl args...]: POSTs a request, output "body code".
post() {
	scheme=$1
	type=$2
	shift 2
	curl -sS -k --max-time 10 -X POST "$scheme://127.0.0.1:$port/" \
		-H 'content-type: application/json' "$@" \
		-d "{\"type\":\"$type\",\"params\":{}}" -w ' %{http_code}\n' \
		>"$tmp/out" 2>&1
	rc=$?
}

if ! $have_curl; then
	echo "ok - # SKIP server tests: curl not installed"
elif start tls "$V1" "bind_ip = \"127.0.0.1\"
root_directory = \"$tmp/root1\"
passkeys = [\"let-me-in\"]"; then
	ok "v1 server starts with generated self-signed cert"
	if [ -s "$tmp/root1/ssl/cert.pem" ] && [ -s "$tmp/root1/ssl/key.pem" ]
	then
		ok "cert and key written under root_directory/ssl"
	else
		not_ok "cert and key written under root_directory/ssl"
	fi
	post https GetVersion -H 'authorization: let-me-in'
	expect "GetVersion over https with passkey" 0 \
		'^{"version":"1.19.5"} 200$'
	post https GetHealth -H 'authorization: let-me-in'
	expect "GetHealth over https returns {}" 0 '^{} 200$'
	post https GetVersion
	expect "no passkey -> 401" 0 ' 401$'
	post https GetVersion -H 'authorization: wrong'
	expect "wrong passkey -> 401 invalid passkey" 0 \
		'"invalid passkey".* 401$'
	curl -sS -k --max-time 10 -X POST "https://127.0.0.1:$port/" \
		-H 'authorization: let-me-in' \
		-d '{"type":"GetVersion","params":{}}' -w ' %{http_code}\n' \
		>"$tmp/out" 2>&1
	rc=$?
	expect "missing content-type -> 415 like axum" 0 ' 415$'
	# Garbage must not take the server down.
	head -c 3000 /dev/urandom >"$tmp/garbage"
	curl -sS -k --max-time 5 -X POST "https://127.0.0.1:$port/" \
		-H 'authorization: let-me-in' \
		-H 'content-type: application/json' \
		--data-binary @"$tmp/garbage" -o /dev/null 2>/dev/null
	curl -s --max-time 5 "http://127.0.0.1:$port/" -o /dev/null \
		2>/dev/null
	post https GetHealth -H 'authorization: let-me-in'
	expect "server survives garbage and plain HTTP on the TLS port" 0 \
		'^{} 200$'
	if grep -q 'let-me-in' "$log"; then
		cp "$log" "$tmp/out"
		not_ok "passkey never appears in the log"
	else
		ok "passkey never appears in the log"
	fi
	stop_term
	cp "$log" "$tmp/out"
	expect "SIGTERM exits 0 with the shutdown line" 0 \
		'Exiting all active Terminals for shutdown'
else
	not_ok "v1 server starts with generated self-signed cert"
fi

if $have_curl; then
	if start deny "$V1" "bind_ip = \"127.0.0.1\"
root_directory = \"$tmp/root2\"
ssl_enabled = false
allowed_ips = [\"10.0.0.0/8\"]"; then
		post http GetVersion
		expect "allowed_ips 10.0.0.0/8 refuses 127.0.0.1 with 403" 0 \
			'not allowed.* 403$'
		stop_term
	else
		not_ok "allowed_ips server starts"
	fi

	if start plain "$V1" "bind_ip = \"127.0.0.1\"
root_directory = \"$tmp/root3\"
ssl_enabled = false"; then
		post http GetVersion
		expect "plain http when ssl_enabled = false" 0 \
			'^{"version":"1.19.5"} 200$'
		if [ -e "$tmp/root3/ssl" ]; then
			not_ok "no certs generated when ssl_enabled = false"
		else
			ok "no certs generated when ssl_enabled = false"
		fi
		stop_term
		expect "plain server exits 0 on SIGTERM" 0
	else
		not_ok "plain http server starts"
	fi

	# [::] is dual-stack: 127.0.0.1 arrives as ::ffff:127.0.0.1 and must
	# still match an IPv4 allow-list entry.
	if [ -e /proc/net/if_inet6 ]; then
		if start dual "$V1" "bind_ip = \"[::]\"
root_directory = \"$tmp/root4\"
ssl_enabled = false
allowed_ips = [\"127.0.0.0/8\"]"; then
			post http GetHealth
			expect "IPv4-mapped peer matches an IPv4 allow-list" 0 \
				'^{} 200$'
			stop_term
		else
			not_ok "dual-stack server starts"
		fi
	else
		echo "ok - # SKIP dual-stack test: no IPv6"
	fi

	if start v2 "$V2" "bind_ip = \"127.0.0.1\"
root_directory = \"$tmp/root5\"
ssl_enabled = false"; then
		curl -sS --max-time 10 "http://127.0.0.1:$port/version" \
			-w ' %{http_code}\n' >"$tmp/out" 2>&1
		rc=$?
		expect "v2 GET /version returns plain text" 0 '^2\.3\.2 200$'
		post http GetVersion
		expect "v2 has no v1 POST API (405)" 0 ' 405$'
		mode=$(stat -c %a "$tmp/root5/keys/periphery.key" 2>/dev/null)
		if [ "$mode" = 600 ] && [ -s "$tmp/root5/keys/periphery.pub" ]
		then
			ok "v2 generates keys/periphery.key (0600) + .pub"
		else
			not_ok "v2 generates keys/periphery.key (0600) + .pub"
		fi
		stop_term
	else
		not_ok "v2 server starts"
	fi
fi

# openssl missing -> the real agent panics (exit 101).
mkdir -p "$tmp/bin"
ln -s "$(command -v sh)" "$tmp/bin/sh"
printf 'port = 1\nroot_directory = "%s/root6"\n' "$tmp" >"$tmp/nossl.toml"
run env PATH="$tmp/bin" "$V1" -c "$tmp/nossl.toml"
expect "no openssl: panics with 'Failed to generate SSL Certs' (101)" 101 \
	'Failed to generate SSL Certs'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
