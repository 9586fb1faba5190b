#!/bin/sh
# shellcheck disable=SC2086 # $CLEANENV is split into words on purpose
# ct.sh - boot a Debian root with systemd-nspawn and run commands in it
# (reference/testbed.md §7-§9). The host needs no systemd of its own.
#
#   ct.sh start ROOT NAME [nspawn args...]  boot (add --volatile=overlay to
#                                           keep ROOT untouched); waits until
#                                           the container's systemd is up
#   ct.sh exec NAME cmd...                  run cmd inside (clean environment;
#                                           VAR=value words before cmd are
#                                           passed through env)
#   ct.sh stop NAME                         orderly halt, then wait for exit
#   ct.sh run ROOT [nspawn args...] -- cmd  one command, systemd NOT running
#                                           (chroot-like, e.g. image builds)
#   ct.sh console NAME                      print the boot console log
#
# State (nspawn PID, leader PID, console log) lives in $CT_STATE (default
# tests/tmp/ct). Only PIDs this script started are ever signalled.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=${CT_STATE:-$TOP/tests/tmp/ct}
CLEANENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb"

die() {
	echo "ct: $*" >&2
	exit 2
}

leader() {
	[ -f "$STATE/$1.leader" ] || die "container '$1' is not running"
	cat "$STATE/$1.leader"
}

alive() {
	kill -0 "$1" 2>/dev/null
}

cmd_start() {
	[ $# -ge 2 ] || die "usage: ct.sh start ROOT NAME [nspawn args...]"
	root=$1
	name=$2
	shift 2
	[ -d "$root" ] || die "no root directory '$root'"
	command -v systemd-nspawn >/dev/null 2>&1 ||
		die "systemd-nspawn is missing: apt-get install -y systemd-container"
	mkdir -p "$STATE"
	if [ -f "$STATE/$name.pid" ] && alive "$(cat "$STATE/$name.pid")"; then
		die "container '$name' is already running"
	fi
	rm -f "$STATE/$name.pid" "$STATE/$name.leader"
	# --register=no --keep-unit: no machined/D-Bus on the host;
	# --private-network: only a loopback of its own, so concurrent test
	# runs never meet on a port and nothing inside reaches the network
	setsid systemd-nspawn -q -D "$root" -M "$name" --boot --register=no \
		--keep-unit --private-network --console=read-only "$@" \
		>"$STATE/$name.console" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$STATE/$name.pid"
	i=0
	l=
	while [ $i -lt 300 ]; do
		if ! alive "$pid"; then
			cat "$STATE/$name.console" >&2
			rm -f "$STATE/$name.pid"
			die "systemd-nspawn exited during boot"
		fi
		l=$(pgrep -P "$pid" -x systemd 2>/dev/null | head -n 1)
		[ -n "$l" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$l" ] || {
		cmd_stop "$name"
		die "no systemd in container '$name' after 30 s"
	}
	echo "$l" >"$STATE/$name.leader"
	i=0
	st=
	while [ $i -lt 300 ]; do
		# prints nothing until PID 1's private socket exists
		st=$(nsenter -t "$l" -a -- /usr/bin/env -i $CLEANENV \
			systemctl is-system-running --wait 2>/dev/null)
		case $st in
		running | degraded | maintenance | stopping) break ;;
		esac
		alive "$pid" || die "container '$name' died during boot"
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$st" != running ]; then
		echo "ct: container '$name' is '$st'" >&2
		nsenter -t "$l" -a -- /usr/bin/env -i $CLEANENV \
			systemctl --failed --no-pager >&2
	fi
	case $st in
	running | degraded) return 0 ;;
	*) return 1 ;;
	esac
}

cmd_exec() {
	[ $# -ge 2 ] || die "usage: ct.sh exec NAME cmd..."
	l=$(leader "$1") || exit 2
	shift
	exec nsenter -t "$l" -a -- /usr/bin/env -i $CLEANENV "$@"
}

cmd_stop() {
	[ $# -eq 1 ] || die "usage: ct.sh stop NAME"
	f=$STATE/$1.pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if alive "$pid"; then
		# forwarded to the container's init as SIGRTMIN+3: orderly halt
		kill -TERM "$pid" 2>/dev/null
		i=0
		while alive "$pid" && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if alive "$pid"; then
			echo "ct: '$1' did not halt in 30 s, killing" >&2
			kill -KILL "$pid" 2>/dev/null
			sleep 0.5
		fi
	fi
	rm -f "$f" "$STATE/$1.leader"
}

case ${1:-} in
start)
	shift
	cmd_start "$@"
	;;
exec)
	shift
	cmd_exec "$@"
	;;
stop)
	shift
	cmd_stop "$@"
	;;
run)
	shift
	[ $# -ge 1 ] || die "usage: ct.sh run ROOT [nspawn args...] -- cmd..."
	root=$1
	shift
	# nspawn args up to "--", then the command; without a running systemd
	exec systemd-nspawn -q -D "$root" --register=no --keep-unit --pipe "$@"
	;;
console)
	cat "$STATE/${2:?usage: ct.sh console NAME}.console"
	;;
*)
	die "usage: ct.sh start|exec|stop|run|console ..."
	;;
esac
