# tests/e2e/lifecycle.sh - sourced by run.sh: the lifecycle defects of
# issue 8 (numbers "8.N" are its items), each in its own container, deb and
# rpm where it applies. Every scenario ends with fs_check_clean.
# shellcheck shell=sh

# a site change (terminals off) in the next release: with an admin's edit
# this is a real conffile conflict
SITE_VERSION=v1.19.6 site sysconf "komodo_service_scope: system" \
	"komodo_disable_terminals: true"
build sysconf "$W/bin/periphery-new"
DEB_SYSCONF=$(pkg_path sysconf deb)

pkg_state() { # -> dpkg's two-letter state, e.g. "ii", "iU", "rc"
	x dpkg-query -W -f '${db:Status-Abbrev}' "$PKG" 2>/dev/null |
		tr -d ' '
}

check_state() { # desc expected
	st=$(pkg_state)
	if [ "$st" = "$2" ]; then
		ok "$1"
	else
		notok "$1 (state '$st', not '$2')"
	fi
}

# 8.3: nothing of the agent left running or enabled, in either scope
check_no_agent() { # tag
	check_not "$1: no agent process" pgrep -x periphery
	check_not "$1: system unit not active" systemctl is-active --quiet periphery.service
	check "$1: no enable link, no drop-in, no deb-systemd-helper state" sh -c '
		! find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
			/var/lib/systemd/deb-systemd-user-helper-enabled \
			/home/komodo/.config -name "periphery*" 2>/dev/null | grep .'
	check_not "$1: no linger the package made" test -e /var/lib/systemd/linger/komodo
}

# 8.2: an edited config and a new release, upgraded as unattended-upgrades
# would: no --force-conf*, no terminal
scenario_conffile() {
	boot conffile || return
	fs_baseline conffile
	install_timed system apt-get install -y "$DEB_SYS"
	x sh -c 'echo "# admin edit" >>/etc/komodo/periphery.config.toml'
	if x sh -c "apt-get install -y $DEB_SYS2 </dev/null" >"$W/cf.out" 2>&1; then
		ok "8.2: apt-get install of the next release, no terminal, no --force-conf*"
	else
		notok "8.2: apt-get install of the next release, no terminal, no --force-conf*"
		grep -i -e conffile -e error "$W/cf.out" | sed 's/^/#   /' | head -n 5
	fi
	check_state "8.2: package state ii" ii
	check "8.2: the admin's edit is kept" grep -q '^# admin edit' /etc/komodo/periphery.config.toml
	check_not "8.2: no .dpkg-dist/.dpkg-old" sh -c 'ls /etc/komodo/*.dpkg-*'
	check_running_version "8.2: the agent runs the new binary" 1.19.6
	check "8.2: KOMODO_DELETE_USER=yes apt-get purge" env KOMODO_DELETE_USER=yes apt-get purge -y "$PKG"
	check_no_agent 8.2
	fs_check_clean conffile
	halt
}

# 8.3: every way out - from iU (a conffile prompt that failed), iF, rc, and
# the user scope's iU - stops, disables and purges everything
scenario_paths_out() {
	boot paths-out || return
	fs_baseline paths-out
	x apt-get install -y "$DEB_SYS" >/dev/null 2>&1
	waitfor systemctl is-active --quiet periphery.service
	x sh -c 'echo "# admin edit" >>/etc/komodo/periphery.config.toml'
	x sh -c "apt-get install -y $DEB_SYSCONF </dev/null" >"$W/po.out" 2>&1
	check_state "8.3: a site change meets an admin's edit: the upgrade stops half-way (iU)" iU
	check "8.3 (iU): apt-get remove" apt-get remove -y "$PKG"
	check_no_agent "8.3 (iU, removed)"
	check "8.3 (iU): KOMODO_DELETE_USER=yes apt-get purge" env KOMODO_DELETE_USER=yes apt-get purge -y "$PKG"
	check_no_agent "8.3 (iU, purged)"
	fs_check_clean paths-out

	# iF: the postinst of a configure failed (set in dpkg's database)
	x dpkg -i "$DEB_SYS" >/dev/null 2>&1
	waitfor systemctl is-active --quiet periphery.service
	x sed -i "/^Package: $PKG\$/,/^\$/s/^Status: install ok installed\$/Status: install ok half-configured/" /var/lib/dpkg/status
	check_state "8.3: package half-configured (iF)" iF
	check "8.3 (iF): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	check_no_agent "8.3 (iF, purged)"
	fs_check_clean paths-out

	# rc: removed, then purged
	x dpkg -i "$DEB_SYS" >/dev/null 2>&1
	waitfor systemctl is-active --quiet periphery.service
	check "8.3 (ii): dpkg -r" dpkg -r "$PKG"
	check_state "8.3: removed, config files left (rc)" rc
	check_no_agent "8.3 (rc)"
	check "8.3 (rc): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	fs_check_clean paths-out

	# user scope: unpacked over a running agent (iU), then removed
	x dpkg -i "$DEB_USER" >/dev/null 2>&1
	waitfor usctl is-active --quiet periphery.service
	x dpkg --unpack "$DEB_USER2" >/dev/null 2>&1
	check_state "8.3: user scope unpacked over a running agent (iU)" iU
	check "8.3 (user, iU): dpkg -r" dpkg -r "$PKG"
	check_no_agent "8.3 (user, iU, removed)"
	check "8.3 (user): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	fs_check_clean paths-out
	halt
}

# 8.4: a docker group that appears after install reaches the agent
scenario_docker_late() {
	boot docker-late || return
	fs_baseline docker-late
	install_timed user dpkg -i "$DEB_USER"
	if grep -q "group 'docker' does not exist.*reinstall $PKG" "$W/install.out"; then
		ok "8.4: the warning about the missing docker group names a step that works"
	else
		notok "8.4: the warning about the missing docker group names a step that works"
		sed 's/^/#   /' "$W/install.out"
	fi
	x groupadd --system docker
	check "8.4: reinstall after groupadd docker" apt-get install -y --reinstall "$DEB_USER"
	check "8.4: komodo is in the docker group" sh -c 'id -nG komodo | grep -qw docker'
	check_wait "8.4: the running agent has the docker group" sh -c '
		p=$(usctl show -P MainPID periphery.service) && [ "$p" -gt 0 ] &&
		g=$(getent group docker | cut -d: -f3) &&
		grep "^Groups:" /proc/$p/status | tr "\t" " " | grep -q " $g\( \|$\)"'
	check "8.4: KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	x groupdel docker
	fs_check_clean docker-late
	# the sibling in system scope: the restart on reinstall is enough
	x dpkg -i "$DEB_SYS" >/dev/null 2>&1
	x groupadd --system docker
	check "8.4 (system): reinstall after groupadd docker" apt-get install -y --reinstall "$DEB_SYS"
	check_wait "8.4 (system): the running agent has the docker group" sh -c '
		p=$(systemctl show -P MainPID periphery.service) && [ "$p" -gt 0 ] &&
		g=$(getent group docker | cut -d: -f3) &&
		grep "^Groups:" /proc/$p/status | tr "\t" " " | grep -q " $g\( \|$\)"'
	check "8.4 (system): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	x groupdel docker
	fs_check_clean docker-late
	halt
}

# 8.5: no git, no Docker, no apt lists, --no-install-recommends
scenario_no_git() {
	boot no-git || return
	x apt-get purge -y git >/dev/null 2>&1
	x sh -c 'rm -rf /var/lib/apt/lists/* && apt-get autoremove -y --purge >/dev/null 2>&1'
	check "8.5: host without git, docker.io, docker-ce or apt lists" sh -c '
		! [ -e /usr/bin/git ] && ! [ -e /usr/bin/docker ] &&
		! dpkg -s docker.io docker-ce 2>/dev/null | grep -q "^Status: install ok" &&
		[ -z "$(find /var/lib/apt/lists -type f ! -name lock 2>/dev/null)" ]'
	fs_baseline no-git
	check "8.5: apt-get install --no-install-recommends ./x.deb" \
		apt-get install -y --no-install-recommends "$DEB_USER"
	check_wait "8.5: agent active without git" usctl is-active --quiet periphery.service
	check_not "8.5: git was not pulled in" test -e /usr/bin/git
	check "8.5: KOMODO_DELETE_USER=yes apt-get purge" env KOMODO_DELETE_USER=yes apt-get purge -y "$PKG"
	fs_check_clean no-git
	halt
}

# 8.6: KOMODO_DELETE_USER values; only an account the package made; only
# what happened is said
scenario_delete_user() {
	boot delete-user || return
	fs_baseline delete-user
	for v in yes TRUE 1 Yes; do
		x dpkg -i "$DEB_SYS" >/dev/null 2>&1
		check "8.6: KOMODO_DELETE_USER=$v deletes the user the package made" sh -c "
			KOMODO_DELETE_USER=$v dpkg -P $PKG && ! getent passwd komodo && ! test -e /home/komodo"
	done
	x dpkg -i "$DEB_DEL" >/dev/null 2>&1
	check "8.6: KOMODO_DELETE_USER=maybe keeps the user, with a warning naming the value" sh -c "
		KOMODO_DELETE_USER=maybe dpkg -P $PKG 2>&1 | grep \"KOMODO_DELETE_USER='maybe'\" && id komodo"
	x userdel -r komodo 2>/dev/null
	for v in no FALSE 0 ''; do
		x dpkg -i "$DEB_DEL" >/dev/null 2>&1
		check "8.6: KOMODO_DELETE_USER='$v' overrides allow_delete_komodo_user: kept" sh -c "
			KOMODO_DELETE_USER='$v' dpkg -P $PKG && id komodo"
		x userdel -r komodo 2>/dev/null
	done
	x dpkg -i "$DEB_SYS" >/dev/null 2>&1
	x dpkg -r "$PKG" >/dev/null 2>&1
	x rm -rf /home/komodo
	check "8.6: purge says only what happened (no home to delete)" sh -c "
		KOMODO_DELETE_USER=yes dpkg -P $PKG >/tmp/p.out 2>&1; cat /tmp/p.out;
		grep -q 'did not exist' /tmp/p.out && ! grep -q 'and its home' /tmp/p.out && ! getent passwd komodo"
	fs_check_clean delete-user

	# an admin's own account, with files in its home
	x sh -c 'useradd -m -s /bin/sh komodo && runuser -u komodo -- touch /home/komodo/admin-file'
	fs_baseline delete-user-admin
	x dpkg -i "$DEB_SYS" >/dev/null 2>&1
	check "8.6: KOMODO_DELETE_USER=yes dpkg -P keeps an account that existed before, and says so" sh -c "
		KOMODO_DELETE_USER=yes dpkg -P $PKG 2>&1 | grep 'existed before' && id komodo && test -e /home/komodo/admin-file"
	fs_check_clean delete-user-admin /home/komodo
	check "8.6 (rpm): provides shim installs" rpm -i /pkgs/shim/shim.rpm
	x rpm -i "$RPM_SYS" >/dev/null 2>&1
	check "8.6 (rpm): KOMODO_DELETE_USER=yes rpm -e keeps an account that existed before" sh -c "
		KOMODO_DELETE_USER=yes rpm -e $PKG 2>&1 | grep 'existed before' && id komodo && test -e /home/komodo/admin-file"
	x rpm -e e2e-host-provides >/dev/null 2>&1
	fs_check_clean delete-user-admin /home/komodo
	halt
}

# 8.7: UID and GID in the agent's environment (system scope: a drop-in)
check_ids() { # tag
	check_wait "$1: the agent's environment has UID and GID of komodo" sh -c '
		p=$(systemctl show -P MainPID periphery.service) && [ "$p" -gt 0 ] &&
		tr "\0" "\n" </proc/$p/environ >/tmp/env &&
		grep -qx "UID=$(id -u komodo)" /tmp/env && grep -qx "GID=$(id -g komodo)" /tmp/env'
	check "$1: the drop-in is root's, 0644" sh -c '
		[ "$(stat -c %U:%a /etc/systemd/system/periphery.service.d/50-komodo-periphery-ids.conf)" = root:644 ]'
}

scenario_ids() {
	boot ids || return
	fs_baseline ids
	x dpkg -i "$DEB_SYS" >/dev/null 2>&1
	check_ids "8.7 (deb)"
	check "8.7 (deb): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	check_no_agent "8.7 (deb)"
	fs_check_clean ids
	x rpm -i /pkgs/shim/shim.rpm >/dev/null 2>&1
	fs_baseline ids-rpm
	x rpm -i "$RPM_SYS" >/dev/null 2>&1
	check_ids "8.7 (rpm)"
	check "8.7 (rpm): KOMODO_DELETE_USER=yes rpm -e" env KOMODO_DELETE_USER=yes rpm -e "$PKG"
	check_no_agent "8.7 (rpm)"
	fs_check_clean ids-rpm
	halt
}
