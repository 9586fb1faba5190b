#!/bin/sh
# t1510 - the sandbox: systemd-analyze security --offline exposure of the
# packaged units at most 2.0 (system) and 5.0 (user) (issue 9 item 11), and
# none of the directives that stop a user manager from starting the unit.
# The same scores on Debian 13's systemd are checked in tests/e2e/sandbox.sh.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
MAX_SYSTEM=2.0
MAX_USER=5.0

score() { # unit file -> prints the exposure
	systemd-analyze security --offline=yes "$@" >sec.out 2>&1
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' sec.out
}

# fails (and shows what costs most) above the limit
at_most() { # score limit label
	echo "# $3: exposure $1 (limit $2, $(systemctl --version | head -n 1))" >&3
	if [ -n "$1" ] && awk -v s="$1" -v m="$2" 'BEGIN { exit !(s <= m) }'; then
		return 0
	fi
	grep "✗" sec.out
	return 1
}
exec 3>&1

printf 'komodo_binary_path: %s\nkomodo_service_scope: system\n' "$BIN" >"$TMP/sys.yml"
printf 'komodo_binary_path: %s\nkomodo_service_scope: user\n' "$BIN" >"$TMP/user.yml"

test_expect_success "system unit: exposure <= $MAX_SYSTEM" '
	"$PKGTOOL" -q build sys.yml --out s --format deb && mkdir r &&
	dpkg-deb -x s/*.deb r &&
	at_most "$(score --root="$TMP/r" periphery.service)" $MAX_SYSTEM "system unit" 3>&3
'
test_expect_success "user unit: exposure <= $MAX_USER" '
	"$PKGTOOL" -q build user.yml --out u --format deb && mkdir ru &&
	dpkg-deb -x u/*.deb ru &&
	at_most "$(score "$TMP/ru/usr/lib/systemd/user/periphery.service")" $MAX_USER "user unit" 3>&3
'
test_expect_success 'the score fails a unit above the limit (the test can fail)' '
	printf "[Service]\nExecStart=/bin/true\n" >bare.service &&
	! at_most "$(score "$TMP/bare.service")" $MAX_USER "bare unit" 3>/dev/null
'
test_expect_success 'user unit: no directive a user manager cannot apply' '
	"$PKGTOOL" render user.yml unit >uu &&
	! grep -E "^(CapabilityBoundingSet|AmbientCapabilities|PrivateDevices|DevicePolicy|DeviceAllow|ProtectKernelLogs|User|Group)=" uu
'
test_expect_success 'the sandbox keeps every directory the agent writes writable' '
	printf "komodo_service_scope: system\nkomodo_home: /var/lib/komodo\nkomodo_root_directory: /srv/komodo\nkomodo_build_dir: /data/build\nkomodo_stack_dir: /srv/komodo/stacks\n" >dirs.yml &&
	"$PKGTOOL" render dirs.yml unit >du &&
	grep -qx "ReadWritePaths=-/var/lib/komodo -/srv/komodo -/data/build" du &&
	grep -qx "ProtectSystem=strict" du
'
test_done
