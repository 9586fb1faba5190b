# tests/e2e/scenarios.sh - sourced by run.sh; one function per container.
# Numbers refer to issue 3, "What it must show". Every scenario ends with
# a purge and fs_check_clean (issue 8.1); lifecycle.sh and hostile.sh hold
# the scenarios of issues 8 and 9.
# shellcheck shell=sh

# state of the host that postinst may touch, for "changes nothing more"
snapshot() {
	x sh -c 'getent passwd komodo; getent group komodo; id komodo
		ls -la --time-style=full-iso /var/lib/systemd/linger /var/lib/komodo-periphery 2>&1
		stat -c "%n %U:%G %a" /home/komodo /home/komodo/.komodo /home/komodo/.komodo/* \
			/etc/komodo /etc/komodo/periphery.config.toml 2>&1
		find /home/komodo/.config /etc/systemd/system -name periphery.service -printf "%p -> %l %u\n" 2>&1 | sort
		md5sum /etc/komodo/periphery.config.toml'
}

common_user_checks() { # scenario tag
	s=$1
	check "$s: system user komodo (uid < 1000), shell nologin" \
		sh -c 'e=$(getent passwd komodo) && u=$(echo "$e" | cut -d: -f3) && [ "$u" -lt 1000 ] && [ "$(echo "$e" | cut -d: -f7)" = /usr/sbin/nologin ]'
	check "$s: home /home/komodo 0750 owned by komodo" \
		sh -c '[ "$(stat -c %a:%U /home/komodo)" = 750:komodo ]'
	check "$s: root directory and subdirectories owned by komodo" \
		sh -c 'for d in .komodo .komodo/repos .komodo/stacks .komodo/build .komodo/ssl .komodo/keys; do [ "$(stat -c %U /home/komodo/$d)" = komodo ] || { echo $d; exit 1; }; done'
	check "$s: config root:komodo 0640" \
		sh -c '[ "$(stat -c %U:%G:%a /etc/komodo/periphery.config.toml)" = root:komodo:640 ]'
}

user_scope_checks() {
	s=$1
	common_user_checks "$s"
	check "$s: linger on" sh -c '[ "$(loginctl show-user komodo -P Linger)" = yes ]'
	check_wait "$s: user@UID.service active" sh -c 'systemctl is-active --quiet user@$(id -u komodo).service'
	check_wait "$s: agent active in komodo's user manager" usctl is-active --quiet periphery.service
	check "$s: enable link in ~komodo/.config owned by komodo" \
		sh -c 'l=/home/komodo/.config/systemd/user/default.target.wants/periphery.service; [ "$(readlink $l)" = /usr/lib/systemd/user/periphery.service ] && [ "$(stat -c %U $l)" = komodo ]'
	check "$s: agent runs as komodo with the packaged config" \
		sh -c 'p=$(usctl show -P MainPID periphery.service) && [ "$p" -gt 0 ] && [ "$(ps -o user= -p $p)" = komodo ] && tr "\0" " " </proc/$p/cmdline | grep -q -- "--config-path /etc/komodo/periphery.config.toml"'
	check_not "$s: no system unit enabled" test -e /etc/systemd/system/multi-user.target.wants/periphery.service
}

sys_scope_checks() {
	s=$1
	common_user_checks "$s"
	check_wait "$s: agent active (system unit)" systemctl is-active --quiet periphery.service
	check "$s: User=komodo, running as komodo" \
		sh -c '[ "$(systemctl show -P User periphery.service)" = komodo ] && p=$(systemctl show -P MainPID periphery.service) && [ "$(ps -o user= -p $p)" = komodo ]'
	check "$s: enabled" systemctl is-enabled --quiet periphery.service
	check_not "$s: no linger" test -e /var/lib/systemd/linger/komodo
	check_not "$s: no user-scope enable link" test -e /home/komodo/.config/systemd/user/default.target.wants/periphery.service
}

# 1, 11, 12, 3, 4, 5: deb in user scope through its whole life
scenario_deb_user() {
	boot deb-user || return
	fs_baseline deb-user
	install_timed user dpkg -i "$DEB_USER"
	# dpkg's own lines aside: one line of news, plus real warnings only
	if [ "$(grep "^$PKG: " "$W/install.out" | grep -vc "^$PKG: warning: ")" -eq 1 ]; then
		ok "1: the scripts print one line of news"
	else
		notok "1: the scripts print one line of news"
		sed 's/^/#   /' "$W/install.out"
	fi
	grep "^$PKG" "$W/install.out" | sed 's/^/# news: /'
	user_scope_checks 1
	check_health 1
	check "12: systemd-analyze --user verify of the user unit passes" \
		sh -c 'u=$(id -u komodo); cd /tmp && runuser -u komodo -- env XDG_RUNTIME_DIR=/run/user/$u systemd-analyze --user verify /usr/lib/systemd/user/periphery.service'

	# 11: postinst twice, abort-upgrade
	snapshot >"$W/snap1"
	pid1=$(x usctl show -P MainPID periphery.service)
	check "11: postinst configure again succeeds" env DPKG_MAINTSCRIPT_PACKAGE=$PKG DPKG_MAINTSCRIPT_NAME=postinst \
		/var/lib/dpkg/info/$PKG.postinst configure ""
	check "11: postinst abort-upgrade succeeds" env DPKG_MAINTSCRIPT_PACKAGE=$PKG DPKG_MAINTSCRIPT_NAME=postinst \
		/var/lib/dpkg/info/$PKG.postinst abort-upgrade 1.19.5-1
	check "11: postinst with an unknown argument succeeds" env DPKG_MAINTSCRIPT_PACKAGE=$PKG DPKG_MAINTSCRIPT_NAME=postinst \
		/var/lib/dpkg/info/$PKG.postinst frobnicate
	check "11: prerm/postrm abort and failed-upgrade paths exit 0" sh -c "
		export DPKG_MAINTSCRIPT_PACKAGE=$PKG
		/var/lib/dpkg/info/$PKG.prerm failed-upgrade 1.19.5-1 1.19.5-1 &&
		/var/lib/dpkg/info/$PKG.postrm abort-upgrade 1.19.5-1 1.19.5-1 &&
		/var/lib/dpkg/info/$PKG.postrm failed-upgrade 1.19.5-1 &&
		/var/lib/dpkg/info/$PKG.preinst abort-upgrade 1.19.5-1"
	snapshot >"$W/snap2"
	if cmp -s "$W/snap1" "$W/snap2"; then
		ok "11: the repeated calls changed nothing"
	else
		notok "11: the repeated calls changed nothing"
		diff "$W/snap1" "$W/snap2" | sed 's/^/#   /'
	fi
	if [ "$(x usctl show -P MainPID periphery.service)" = "$pid1" ]; then
		ok "11: the agent was not restarted"
	else
		notok "11: the agent was not restarted"
	fi

	# 3: upgrade to the next release, with a local config edit and some
	# data; no --force-conf* and no terminal (issue 8.2: unattended
	# upgrades must not stop at the conffile prompt)
	x sh -c 'echo "# local edit" >>/etc/komodo/periphery.config.toml && runuser -u komodo -- touch /home/komodo/.komodo/repos/data-kept'
	uid1=$(x id -u komodo)
	install_timed user sh -c "dpkg -i $DEB_USER2 </dev/null"
	check "3: package state ii after the upgrade" sh -c \
		"[ \"\$(dpkg-query -W -f '\${db:Status-Abbrev}' $PKG)\" = 'ii ' ]"
	check_not "3: no .dpkg-dist/.dpkg-old beside the config" sh -c 'ls /etc/komodo/*.dpkg-*' 
	check "3: packaged binary is the new one" sh -c '[ "$(periphery --version)" = "periphery 1.19.6" ]'
	check_running_version "3: the running agent is the new binary" 1.19.6
	check_wait "3: agent active after upgrade" usctl is-active --quiet periphery.service
	check "3: locally edited config kept" grep -q '^# local edit' /etc/komodo/periphery.config.toml
	check "3: data kept" test -e /home/komodo/.komodo/repos/data-kept
	check "3: user kept (same uid)" sh -c "[ \"\$(id -u komodo)\" = $uid1 ]"

	# 4: remove, then reinstall
	check "4: dpkg -r succeeds" dpkg -r $PKG
	check_not "4: agent stopped" usctl is-active --quiet periphery.service
	check_not "4: agent disabled (no enable link)" test -e /home/komodo/.config/systemd/user/default.target.wants/periphery.service
	check "4: linger off" sh -c '[ ! -e /var/lib/systemd/linger/komodo ] && [ "$(loginctl show-user komodo -P Linger 2>/dev/null || echo no)" != yes ]'
	check "4: user, home, data and config kept" sh -c 'id komodo && test -d /home/komodo/.komodo/repos && test -e /home/komodo/.komodo/repos/data-kept && test -f /etc/komodo/periphery.config.toml'
	check_not "4: no agent process left" pgrep -u komodo -x periphery
	install_timed user dpkg -i "$DEB_USER2"
	check_wait "4: reinstall: agent active again" usctl is-active --quiet periphery.service
	check "4: reinstall: linger on again" test -e /var/lib/systemd/linger/komodo

	# 5: purge keeps the user...
	check "5: dpkg -P succeeds" dpkg -P $PKG
	check_not "5: purge: config gone" test -e /etc/komodo/periphery.config.toml
	check_not "5: purge: package state gone" test -e /var/lib/$PKG
	check "5: purge: user and home kept" sh -c 'id komodo && test -d /home/komodo'
	# ...unless KOMODO_DELETE_USER=yes (for an account the package made:
	# after the purge above it is the admin's, so start afresh)
	x userdel -r komodo 2>/dev/null
	x dpkg -i "$DEB_USER" >/dev/null 2>&1
	waitfor usctl is-active --quiet periphery.service
	check "5: KOMODO_DELETE_USER=yes dpkg -P succeeds" env KOMODO_DELETE_USER=yes dpkg -P $PKG
	check_not "5: KOMODO_DELETE_USER=yes: user gone" getent passwd komodo
	check_not "5: KOMODO_DELETE_USER=yes: group gone" getent group komodo
	check_not "5: KOMODO_DELETE_USER=yes: home gone" test -e /home/komodo
	check "5: KOMODO_DELETE_USER=yes: nothing of the package left" sh -c \
		"! test -e /var/lib/systemd/linger/komodo && ! test -e /var/lib/$PKG && ! test -e /etc/komodo/periphery.config.toml && ! dpkg -s $PKG >/dev/null 2>&1 && ! pgrep -x periphery"
	fs_check_clean deb-user
	halt
}

# 2 and 9: system scope, then scope switch system -> user -> system
scenario_deb_system() {
	boot deb-system || return
	fs_baseline deb-system
	install_timed system dpkg -i "$DEB_SYS"
	sys_scope_checks 2
	check_health 2
	# 9: switch to user scope by installing the other package
	install_timed user dpkg -i "$DEB_USER"
	check_not "9: system -> user: system unit stopped" systemctl is-active --quiet periphery.service
	check_not "9: system -> user: system unit disabled" test -L /etc/systemd/system/multi-user.target.wants/periphery.service
	user_scope_checks 9
	check_health 9
	# and back
	install_timed system dpkg -i "$DEB_SYS2"
	check_not "9: user -> system: user unit stopped" usctl is-active --quiet periphery.service
	check_not "9: user -> system: linger the package enabled is off" test -e /var/lib/systemd/linger/komodo
	sys_scope_checks 9
	check_health 9
	check "9: KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P $PKG
	fs_check_clean deb-system
	halt
}

# 5 (build-time deletion)
scenario_deb_delete() {
	boot deb-delete || return
	x groupadd --system docker
	fs_baseline deb-delete
	install_timed user dpkg -i "$DEB_DEL"
	check "7 (allowed): komodo added to an existing docker group" sh -c 'id -nG komodo | grep -qw docker'
	if grep -q "group 'docker' does not exist" "$W/install.out"; then
		notok "7 (allowed): no docker warning when the group exists"
	else
		ok "7 (allowed): no docker warning when the group exists"
	fi
	check_wait "5: allow_delete_komodo_user: agent active" usctl is-active --quiet periphery.service
	check "5: allow_delete_komodo_user: dpkg -r keeps the user" sh -c "dpkg -r $PKG >/dev/null && id komodo && test -d /home/komodo"
	check "5: allow_delete_komodo_user: dpkg -P succeeds" dpkg -P $PKG
	check_not "5: allow_delete_komodo_user: user gone" getent passwd komodo
	check_not "5: allow_delete_komodo_user: home gone" test -e /home/komodo
	check_not "5: allow_delete_komodo_user: no process of the user left" pgrep -x periphery
	fs_check_clean deb-delete
	halt
}

# 6: komodo_action: update
scenario_deb_update() {
	boot deb-update || return
	fs_baseline deb-update-fail
	if x dpkg -i "$DEB_UPDATE" >"$W/u.out" 2>&1; then
		notok "6: update without the user fails"
	else
		ok "6: update without the user fails"
	fi
	if grep -q 'allow_create_komodo_user' "$W/u.out" && grep -q 'komodo_action' "$W/u.out"; then
		ok "6: the message names allow_create_komodo_user and komodo_action"
	else
		notok "6: the message names allow_create_komodo_user and komodo_action"
	fi
	sed -n '/does not exist/s/^/# message: /p' "$W/u.out"
	check "6: nothing unpacked, package not (half-)installed" sh -c \
		"! test -e /usr/bin/periphery && ! test -e /etc/komodo/periphery.config.toml && st=\$(dpkg-query -W -f '\${db:Status-Status}' $PKG 2>/dev/null); [ -z \"\$st\" ] || [ \"\$st\" = not-installed ]"
	check_not "6: no user created" getent passwd komodo
	x dpkg -P $PKG >/dev/null 2>&1
	fs_check_clean deb-update-fail
	# with an existing (differently set up) user: installs, user untouched
	x sh -c 'groupadd komodo && useradd -g komodo -s /bin/bash -d /srv/komodo-home -m komodo'
	fs_baseline deb-update
	x sh -c 'getent passwd komodo; id -nG komodo' >"$W/u1"
	check "6: update with the user present installs" dpkg -i "$DEB_UPDATE"
	x sh -c 'getent passwd komodo; id -nG komodo' >"$W/u2"
	if cmp -s "$W/u1" "$W/u2"; then
		ok "6: existing user not modified (shell, home, groups)"
	else
		notok "6: existing user not modified"
		diff "$W/u1" "$W/u2" | sed 's/^/#   /'
	fi
	check_wait "6: agent active" systemctl is-active --quiet periphery.service
	check "6: KOMODO_DELETE_USER=yes dpkg -P keeps the admin's own user" sh -c \
		"KOMODO_DELETE_USER=yes dpkg -P $PKG 2>&1 | grep 'existed before' && id komodo && test -d /srv/komodo-home"
	# the site's komodo_home (made by postinst) holds the kept user's data
	fs_check_clean deb-update /home/komodo
	halt
}

# 7: allow_modify_komodo_user: false
scenario_deb_nomod() {
	boot deb-nomod || return
	x groupadd docker
	fs_baseline deb-nomod
	check "7: install succeeds" sh -c "dpkg -i $DEB_NOMOD >/tmp/out 2>&1; rc=\$?; cat /tmp/out; exit \$rc"
	if grep -q 'allow_modify_komodo_user is false' "$W/check.out" && grep -q 'linger' "$W/check.out"; then
		ok "7: warning says what allow_modify_komodo_user: false means"
		grep 'allow_modify' "$W/check.out" | sed 's/^/# warning: /'
	else
		notok "7: warning says what allow_modify_komodo_user: false means"
		sed 's/^/#   /' "$W/check.out"
	fi
	check_not "7: no linger" test -e /var/lib/systemd/linger/komodo
	check_not "7: not added to docker" sh -c 'id -nG komodo | grep -qw docker'
	check "7: enable link made (starts when komodo logs in)" test -L /home/komodo/.config/systemd/user/default.target.wants/periphery.service
	check "7: warning printed once" sh -c "DPKG_MAINTSCRIPT_PACKAGE=$PKG /var/lib/dpkg/info/$PKG.postinst configure 1.19.5-1 2>&1 | grep -c allow_modify | grep -qx 0"
	check "7: dpkg -P" dpkg -P $PKG
	# the user (made by the package, not deleted) keeps its home
	fs_check_clean deb-nomod /home/komodo
	halt
}

# 8: install with no running systemd, then boot
scenario_offline() {
	# the baseline from a boot of the same image (the offline root is
	# installed into before it ever boots)
	boot offline-base || return
	fs_baseline offline
	halt
	o=$W/offline
	mkdir -p "$o/upper" "$o/work" "$o/merged"
	if ! mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$o/upper,workdir=$o/work" "$o/merged"; then
		notok "8: overlay mount for the offline root"
		return
	fi
	if "$CT" run "$o/merged" --bind-ro="$W/pkgs":/pkgs -- dpkg -i "$DEB_USER" >"$W/off.out" 2>&1; then
		ok "8: dpkg -i without systemd running succeeds"
	else
		notok "8: dpkg -i without systemd running succeeds"
		sed 's/^/#   /' "$W/off.out"
	fi
	grep "^$PKG" "$W/off.out" | sed 's/^/# news: /'
	if [ -e "$o/merged/var/lib/systemd/linger/komodo" ] && [ -L "$o/merged/home/komodo/.config/systemd/user/default.target.wants/periphery.service" ]; then
		ok "8: linger flag file and enable link made offline"
	else
		notok "8: linger flag file and enable link made offline"
	fi
	CURRENT_CT=offline
	t=$(now)
	if "$CT" start "$o/merged" offline --bind-ro="$W/pkgs":/pkgs >"$W/boot-offline.log" 2>&1; then
		x sh -c 'cat >/usr/local/bin/usctl && chmod 755 /usr/local/bin/usctl' <<'EOS'
#!/bin/sh
u=$(id -u komodo) || exit 1
exec runuser -u komodo -- env XDG_RUNTIME_DIR=/run/user/$u systemctl --user "$@"
EOS
		check_wait "8: after boot the agent is active in komodo's user manager" usctl is-active --quiet periphery.service
		echo "# boot -> agent active: $(elapsed "$t") s"
		check_health 8
		check "8: KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P $PKG
		fs_check_clean offline
	else
		cat "$W/boot-offline.log"
		notok "8: offline-installed root boots"
	fi
	halt
	umount "$o/merged"
}

# 10: rpm (Debian's rpm, --dbpath /var/lib/rpm)
scenario_rpm() {
	boot rpm || return
	check "10: provides shim installs" rpm -i --dbpath /var/lib/rpm /pkgs/shim/shim.rpm
	fs_baseline rpm
	install_timed user rpm -i --dbpath /var/lib/rpm "$RPM_USER"
	user_scope_checks "10 (1, rpm -i)"
	check_health "10 (1)"
	x sh -c 'echo "# local edit" >>/etc/komodo/periphery.config.toml && runuser -u komodo -- touch /home/komodo/.komodo/repos/data-kept'
	install_timed user rpm -U --dbpath /var/lib/rpm "$RPM_USER2"
	check "10 (3, rpm -U): packaged binary is the new one" sh -c '[ "$(periphery --version)" = "periphery 1.19.6" ]'
	check_running_version "10 (3): the running agent is the new binary" 1.19.6
	check_wait "10 (3): agent active after rpm -U" usctl is-active --quiet periphery.service
	check "10 (3): edited config kept, data kept" sh -c 'grep -q "^# local edit" /etc/komodo/periphery.config.toml && test -e /home/komodo/.komodo/repos/data-kept'
	check_not "10 (3, issue 8.2): no .rpmnew: the site did not change the config" \
		sh -c 'ls /etc/komodo/*.rpmnew'
	check "10 (3): linger still on" test -e /var/lib/systemd/linger/komodo
	check "10 (4): rpm -e succeeds" rpm -e --dbpath /var/lib/rpm $PKG
	check_not "10 (4): agent stopped" pgrep -x periphery
	check_not "10 (4): enable link gone" test -e /home/komodo/.config/systemd/user/default.target.wants/periphery.service
	check_not "10 (4): linger off" test -e /var/lib/systemd/linger/komodo
	check "10 (4/5): user and home kept; edited config kept as .rpmsave" sh -c 'id komodo && test -d /home/komodo/.komodo && test -e /etc/komodo/periphery.config.toml.rpmsave'
	# the kept account is now the admin's: start afresh for the deletion
	x userdel -r komodo 2>/dev/null
	# system scope, erase with deletion
	install_timed system rpm -i --dbpath /var/lib/rpm "$RPM_SYS"
	sys_scope_checks "10 (2)"
	check_health "10 (2)"
	check "10 (5): KOMODO_DELETE_USER=yes rpm -e succeeds" env KOMODO_DELETE_USER=yes rpm -e --dbpath /var/lib/rpm $PKG
	check_not "10 (5): agent stopped" pgrep -x periphery
	check_not "10 (5): user gone" getent passwd komodo
	check_not "10 (5): home gone" test -e /home/komodo
	check_not "10 (5): unit disabled" test -e /etc/systemd/system/multi-user.target.wants/periphery.service
	# rpm keeps an edited config as .rpmsave (and so its directory)
	fs_check_clean rpm /etc/komodo/periphery.config.toml.rpmsave /etc/komodo
	halt
}

run_scenarios() {
	for sc in ${E2E_SCENARIOS:-deb_user deb_system deb_delete deb_update \
		deb_nomod offline rpm conffile paths_out docker_late no_git \
		delete_user ids hostile symlink purge_guard v2_key taken_dir}; do
		echo "# --- scenario $sc"
		t=$(now)
		"scenario_$sc"
		if [ -n "$CURRENT_CT" ]; then
			halt
		fi
		echo "# scenario $sc: $(elapsed "$t") s"
	done
}
