# tests/e2e/sandbox.sh - sourced by run.sh: the unit's systemd sandbox and
# quoting, in booted containers, for both scopes (issue 9 items 10 and 11,
# issue 8 item 7). Uses run.sh's helpers (site, boot, halt, x, check, ...).
#
# The test agent answers the test-only request FakeSandboxProbe from inside
# the running, sandboxed service (tests/fake/periphery_probe.c): it writes
# its root directory and home, reads its config, runs git and sh, opens a
# pty, connects to a root:docker 0660 unix socket and to TCP, and tries to
# write a directory under /etc and one under /usr that komodo owns, which
# only the read-only mounts of the sandbox can refuse (EROFS, not EACCES).
# shellcheck shell=sh

SBX_TCP=18555
# what a sandbox score may be at most (issue 9 item 11)
SBX_MAX_SYSTEM=2.0
SBX_MAX_USER=5.0
# awkward values: every character systemd treats specially in some directive
SBX_HOME="/srv/a b%c\$d'eü"
SBX_CONF="/etc/komodo/p %x\$y'ü.toml"

sandbox_build() {
	env_yaml="komodo_extra_env: [{name: FAKE_PROBE_SOCKET, value: /run/docker.sock}, {name: FAKE_PROBE_TCP, value: '127.0.0.1:$SBX_TCP'}, {name: FAKE_PROBE_RO, value: /etc/probe-w /usr/local/probe-w}]"
	site sbx-user "komodo_service_scope: user" "$env_yaml"
	site sbx-sys "komodo_service_scope: system" "$env_yaml"
	site sbx-ovr "komodo_service_scope: system" "$env_yaml" 'package_release: "2"' \
		'komodo_service_overrides: {Service: ["ProtectHome=no", "ReadWritePaths=/srv/extra"]}'
	for s in sbx-user sbx-sys sbx-ovr; do
		"$PKGTOOL" -q build "$W/sites/$s.yml" --out "$W/pkgs/$s" --format deb \
			--binary "$W/bin/periphery" >"$W/build-$s.log" 2>&1 ||
			{ cat "$W/build-$s.log"; notok "sandbox: pkgtool build $s"; return 1; }
	done
	# units with awkward values, run with an argument dumper as ExecStart
	mkdir -p "$W/pkgs/awk"
	for sc in user system; do
		site "awk-$sc" "komodo_service_scope: $sc" "komodo_home: \"$SBX_HOME\"" \
			"komodo_config_path: \"$SBX_CONF\"" 'komodo_repo_dir: "/srv/repos %h"'
		"$PKGTOOL" render "$W/sites/awk-$sc.yml" unit 2>"$W/awk.err" |
			sed 's,^ExecStart=/usr/bin/periphery ,ExecStart=/usr/local/bin/argdump ,' \
				>"$W/pkgs/awk/awk-$sc.service" ||
			{ cat "$W/awk.err"; notok "sandbox: render awk-$sc"; return 1; }
	done
	chmod -R a+rX "$W/pkgs"
}

# A unix socket like Docker's (root:docker 0660) and a TCP listener, both
# held by systemd in the container so no extra program is needed.
sandbox_listeners() {
	x groupadd --system docker
	x sh -c 'cat >/etc/systemd/system/fake-docker.socket' <<EOF
[Socket]
ListenStream=/run/docker.sock
SocketUser=root
SocketGroup=docker
SocketMode=0660
Accept=yes
EOF
	x sh -c "cat >/etc/systemd/system/fake-tcp.socket" <<EOF
[Socket]
ListenStream=127.0.0.1:$SBX_TCP
Accept=yes
EOF
	for u in fake-docker fake-tcp; do
		x sh -c "printf '[Service]\nExecStart=/bin/true\nStandardInput=socket\n' >/etc/systemd/system/$u@.service"
	done
	x systemctl daemon-reload
	check "sandbox $1: test listeners (docker socket root:docker 0660, TCP)" sh -c \
		'systemctl start fake-docker.socket fake-tcp.socket && [ "$(stat -c %U:%G:%a /run/docker.sock)" = root:docker:660 ]'
}

probe() {
	x curl -sk --max-time 20 -X POST -H 'content-type: application/json' \
		-H "authorization: $PASSKEY" -d '{"type":"FakeSandboxProbe","params":{}}' \
		"https://127.0.0.1:$PORT/"
}

score_check() { # label, unit path, limit
	x systemd-analyze security --offline=yes "$2" >"$W/score.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$W/score.out")
	echo "# $1: systemd-analyze security exposure $score (limit $3, $(x systemctl --version | head -n 1))"
	if [ -n "$score" ] && awk -v s="$score" -v m="$3" 'BEGIN { exit !(s <= m) }'; then
		ok "$1: exposure $score <= $3"
	else
		notok "$1: exposure ${score:-?} <= $3"
		grep '✗' "$W/score.out" | sed 's/^/#   /'
	fi
}

sandbox_scenario() { # user|system
	sc=$1
	s=sbx-sys
	[ "$sc" = user ] && s=sbx-user
	boot "sandbox-$sc" || return
	fs_baseline "sandbox-$sc"
	sandbox_listeners "$sc"
	deb=$(cd "$W/pkgs/$s" && ls ./*.deb | sed "s,^\./,/pkgs/$s/,")
	install_timed "$sc" dpkg -i "$deb" || { halt; return; }
	check_health "sandbox $sc"
	check "sandbox $sc: komodo is in group docker" sh -c 'id -nG komodo | grep -qw docker'
	x sh -c 'mkdir -p /etc/probe-w /usr/local/probe-w && chown komodo /etc/probe-w /usr/local/probe-w'
	probe >"$W/probe-$sc.out" 2>&1
	sed "s/^/# probe ($sc): /" "$W/probe-$sc.out"
	for what in write-root-directory git-config-home read-config spawn git pty docker-socket tcp-connect; do
		if grep -qx "ok $what" "$W/probe-$sc.out"; then
			ok "sandbox $sc: the agent can $what"
		else
			notok "sandbox $sc: the agent can $what ($(grep " $what" "$W/probe-$sc.out"))"
		fi
	done
	# UMask=0022 as the role: containers running as any uid can read the
	# compose files and repos the agent writes (the home stays 0750)
	if grep -qx "created-mode 644" "$W/probe-$sc.out"; then
		ok "sandbox $sc: files the agent creates are 0644"
	else
		notok "sandbox $sc: files the agent creates are 0644 ($(grep created-mode "$W/probe-$sc.out"))"
	fi
	for d in /etc/probe-w /usr/local/probe-w; do
		if grep -qx "denied $d: Read-only file system" "$W/probe-$sc.out"; then
			ok "sandbox $sc: the agent cannot write $d although komodo owns it (read-only)"
		else
			notok "sandbox $sc: the agent cannot write $d although komodo owns it ($(grep " $d" "$W/probe-$sc.out"))"
		fi
	done
	if [ "$sc" = user ]; then
		unit=/usr/lib/systemd/user/periphery.service
		check "sandbox user: systemd-analyze --user verify" sh -c \
			"u=\$(id -u komodo); cd /tmp && runuser -u komodo -- env XDG_RUNTIME_DIR=/run/user/\$u systemd-analyze --user verify $unit"
		score_check "sandbox user" "$unit" "$SBX_MAX_USER"
		user_manager_directives
	else
		unit=/usr/lib/systemd/system/periphery.service
		check "sandbox system: systemd-analyze verify" systemd-analyze verify "$unit"
		score_check "sandbox system" "$unit" "$SBX_MAX_SYSTEM"
	fi
	sandbox_readback "$sc"
	[ "$sc" = system ] && sandbox_overrides
	sandbox_purge "$sc"
	halt
}

# Purge with user deletion: besides what the test itself made (listeners,
# probe targets, the awkward-value units and their dirs), nothing of the
# package may stay.
sandbox_purge() {
	x systemctl stop awk.service fake-docker.socket fake-tcp.socket >/dev/null 2>&1
	[ "$1" = user ] && x usctl stop awk.service >/dev/null 2>&1
	check "sandbox $1: purge with KOMODO_DELETE_USER=yes" \
		env KOMODO_DELETE_USER=yes dpkg --purge "$PKG"
	check_not "sandbox $1: no agent left running" pgrep -x periphery
	fs_check_clean "sandbox-$1" /etc/probe-w /usr/local/probe-w \
		/usr/local/bin/argdump /srv /etc/systemd/system/awk.service \
		/etc/systemd/system/fake-docker.socket \
		/etc/systemd/system/fake-tcp.socket \
		/etc/systemd/system/fake-docker@.service \
		/etc/systemd/system/fake-tcp@.service \
		/etc/systemd/user/awk.service $(i=1; while [ $i -le 8 ]; do
			echo /etc/systemd/user/dtest$i.service; i=$((i + 1)); done)
}

# komodo_service_overrides: the packaged drop-in relaxes/extends the unit
sandbox_overrides() {
	x mkdir -p /srv/extra
	deb=$(cd "$W/pkgs/sbx-ovr" && ls ./*.deb | sed "s,^\./,/pkgs/sbx-ovr/,")
	install_timed system dpkg -i "$deb" || return
	check "sandbox overrides: the drop-in is installed and applied" sh -c \
		'test -f /usr/lib/systemd/system/periphery.service.d/50-site-overrides.conf &&
		[ "$(systemctl show -P ProtectHome periphery.service)" = no ] &&
		systemctl show -P ReadWritePaths periphery.service | grep -q "/srv/extra"'
	check_running_version "sandbox overrides: the agent runs with them" 1.19.5
}

# Why the user unit leaves out what the system unit has: each of those
# directives, added to the user unit's sandbox, in komodo's user manager.
# Printed for the record; a start that fails is what the unit must avoid.
user_manager_directives() {
	n=0
	for d in "CapabilityBoundingSet=" "AmbientCapabilities=" "PrivateDevices=yes" \
		"DevicePolicy=closed" "RemoveIPC=yes" "ProtectKernelLogs=yes" \
		"PrivateUsers=no CapabilityBoundingSet=" "PrivateUsers=no PrivateDevices=yes"; do
		n=$((n + 1))
		x sh -c "sed -e 's,^ExecStart=.*,ExecStart=/bin/true,' -e 's,^Type=simple,Type=oneshot,' -e '/^\[Install\]/,\$d' /usr/lib/systemd/user/periphery.service >/etc/systemd/user/dtest$n.service && echo '$d' | tr ' ' '\n' >>/etc/systemd/user/dtest$n.service && echo '# $d' >>/etc/systemd/user/dtest$n.service"
	done
	x usctl daemon-reload
	i=0
	while [ $i -lt $n ]; do
		i=$((i + 1))
		x usctl start dtest$i.service >/dev/null 2>&1
		echo "# user manager ($(x systemctl --version | head -n 1 | cut -d' ' -f1,2)): user sandbox + $(x tail -n 1 /etc/systemd/user/dtest$i.service | cut -c3-): $(x usctl show -P Result dtest$i.service) $(x usctl show -P ExecMainStatus dtest$i.service)"
	done
}

# The awkward unit runs a dumper in place of the agent: what it prints is
# what systemd made of each quoted value. It appears whole (renamed into
# place): waitfor sees a non-empty file, which must not be half written.
sandbox_readback() {
	sc=$1
	x sh -c 'cat >/usr/local/bin/argdump && chmod 755 /usr/local/bin/argdump' <<'EOF'
#!/bin/sh
{ printf 'arg=%s\n' "$@"; printf 'pwd=%s\n' "$(pwd)"; env | grep -E '^(HOME|UID|GID)=' | sort; } >"$HOME/dump.part"
mv "$HOME/dump.part" "$HOME/dump"
EOF
	x mkdir -p "$SBX_HOME" "/srv/repos %h"
	x chown komodo "$SBX_HOME" "/srv/repos %h"
	{
		echo "arg=--config-path"
		echo "arg=$SBX_CONF"
		echo "pwd=$SBX_HOME"
		if [ "$sc" = user ]; then
			echo "GID=$(x id -g komodo)"
		fi
		echo "HOME=$SBX_HOME"
		if [ "$sc" = user ]; then
			echo "UID=$(x id -u komodo)"
		fi
	} >"$W/dump.expect"
	if [ "$sc" = user ]; then
		x sh -c 'cat >/etc/systemd/user/awk.service' <"$W/pkgs/awk/awk-user.service"
		x usctl daemon-reload
		x usctl start awk.service
		rw=$(x usctl show -P ReadWritePaths awk.service)
	else
		x sh -c 'cat >/etc/systemd/system/awk.service' <"$W/pkgs/awk/awk-system.service"
		x systemctl daemon-reload
		x systemctl start awk.service
		rw=$(x systemctl show -P ReadWritePaths awk.service)
	fi
	waitfor test -s "$SBX_HOME/dump"
	x cat "$SBX_HOME/dump" >"$W/dump.got" 2>&1
	if diff -u "$W/dump.expect" "$W/dump.got" >"$W/dump.diff"; then
		ok "sandbox $sc: systemd reads back the exact argv, WorkingDirectory and Environment (space, %, \$, ', ü)"
	else
		notok "sandbox $sc: systemd reads back the exact argv, WorkingDirectory and Environment"
		sed 's/^/#   /' "$W/dump.diff"
	fi
	# systemctl prints the list quoted, with "$" escaped
	if [ "$rw" = "\"-/srv/a b%c\\\$d'eü\" \"-/srv/repos %h\"" ]; then
		ok "sandbox $sc: ReadWritePaths read back exactly"
	else
		notok "sandbox $sc: ReadWritePaths read back exactly (got '$rw')"
	fi
}

run_sandbox_scenarios() {
	echo "# --- sandbox scenarios"
	t=$(now)
	sandbox_build || return
	sandbox_scenario system
	sandbox_scenario user
	echo "# sandbox scenarios: $(elapsed "$t") s"
}
