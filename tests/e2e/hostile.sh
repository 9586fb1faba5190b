# tests/e2e/hostile.sh - sourced by run.sh: the service user and the site
# values as attackers (issue 9 items 1, 2 and the scripts' side of 3).
# shellcheck shell=sh disable=SC2016

# 9.1: every string a site gives for a path the scripts use, with what a
# shell would run or split: none of it may run, and each path must come
# out exactly as given. (pkgtool refuses '"', '\' and control characters in
# paths; the quoting itself is tested for every byte by the unit tests.)
H_HOME='/srv/h $(touch /canary/home) `touch /canary/bt`; * %s %n '"'"'q'"'"' &'
H_ROOT='/srv/r;$(touch /canary/root) '"'"'y'"'"' %% ?'
H_REPO="$H_ROOT/re \$(id >/canary/repo)*"
H_STACK='/srv/st `touch /canary/stack` | ~ [a] {b,c}'
H_BUILD='/srv/bu $((1+1)) ${HOME} %b'
H_CONF='/etc/komodo $(touch /canary/cfg);'"'"'c'"'"'/periphery.config.toml'
H_UHOME='/srv/u $(touch /canary/uhome) %n'"'"'x'
site hostile "komodo_service_scope: system" \
	"komodo_home: \"$H_HOME\"" "komodo_root_directory: \"$H_ROOT\"" \
	"komodo_repo_dir: \"$H_REPO\"" "komodo_stack_dir: \"$H_STACK\"" \
	"komodo_build_dir: \"$H_BUILD\"" "komodo_config_path: \"$H_CONF\"" \
	"komodo_config_dir: \"${H_CONF%/*}\"" \
	"allow_delete_komodo_user: true"
site hostile-user "komodo_service_scope: user" "komodo_home: \"$H_UHOME\"" \
	"allow_delete_komodo_user: true"
build hostile
build hostile-user
# A "/" inside "$(touch /canary/x)" makes nested directories: root makes
# the parents of a new home (0755, as `install -d` would) and they stay,
# like any directory the site asked for.

check_hostile() { # tag, then the paths that must exist, owned by komodo
	_tag=$1
	shift
	check "$_tag: no command from a site value ran (no canary)" sh -c '! ls -A /canary | grep .'
	for p in "$@"; do
		if x sh -c '[ -d "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %U "$1")" = komodo ]' \
			sh "$p" >"$W/check.out" 2>&1; then
			ok "$_tag: '$p' exists exactly, owned by komodo"
		else
			notok "$_tag: '$p' exists exactly, owned by komodo"
		fi
	done
	check "$_tag: no stray path starting with a quote" sh -c "! ls -d /\\'* /srv/\\'* 2>/dev/null | grep ."
}

scenario_hostile() {
	boot hostile || return
	x mkdir /canary
	fs_baseline hostile
	x dpkg -i "$(pkg_path hostile deb)" >"$W/hostile.out" 2>&1
	check "9.1 (deb): installed" sh -c "dpkg -s $PKG | grep -q '^Status: install ok installed'"
	check "9.1 (deb): config where the site says" test -f "$H_CONF"
	check_hostile "9.1 (deb, system)" "$H_HOME" "$H_ROOT" "$H_REPO" \
		"$H_STACK" "$H_BUILD" "$H_ROOT/ssl" "$H_ROOT/keys"
	check "9.1 (deb): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	check "9.1 (deb): no canary after purge" sh -c '! ls -A /canary | grep .'
	check_not "9.1 (deb): the hostile home went with the user" test -e "$H_HOME"
	# the user's data outside its home stays (as with the role)
	fs_check_clean hostile "$H_ROOT" "$H_STACK" "$H_BUILD" \
		'/srv/h $(touch ' '/srv/r;$(touch ' '/srv/st `touch '
	x rm -rf '/srv/h $(touch ' '/srv/r;$(touch ' '/srv/st `touch ' "$H_BUILD"

	x dpkg -i "$(pkg_path hostile-user deb)" >"$W/hostile.out" 2>&1
	check_hostile "9.1 (deb, user)" "$H_UHOME" "$H_UHOME/.komodo" \
		"$H_UHOME/.komodo/repos" "$H_UHOME/.config/systemd/user/default.target.wants"
	check "9.1 (deb, user): enable link made" test -L \
		"$H_UHOME/.config/systemd/user/default.target.wants/periphery.service"
	check "9.1 (deb, user): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	fs_check_clean hostile '/srv/u $(touch '
	x rm -rf '/srv/u $(touch '

	check "9.1 (rpm): provides shim installs" rpm -i /pkgs/shim/shim.rpm
	fs_baseline hostile-rpm
	x rpm -i "$(pkg_path hostile rpm)" >"$W/hostile.out" 2>&1
	check "9.1 (rpm): installed" rpm -q "$PKG"
	check_hostile "9.1 (rpm, system)" "$H_HOME" "$H_ROOT" "$H_REPO" \
		"$H_STACK" "$H_BUILD"
	check "9.1 (rpm): KOMODO_DELETE_USER=yes rpm -e" env KOMODO_DELETE_USER=yes rpm -e "$PKG"
	check "9.1 (rpm): no canary after erase" sh -c '! ls -A /canary | grep .'
	fs_check_clean hostile-rpm "$H_ROOT" "$H_STACK" "$H_BUILD" \
		'/srv/h $(touch ' '/srv/r;$(touch ' '/srv/st `touch '
	halt
}

# 9.2: the service user replaces each path the scripts touch in its home
# by a symlink; root must never follow it, for any operation
SYM_PATHS='.komodo .komodo/repos .komodo/stacks .komodo/build .komodo/ssl .komodo/keys .config .config/systemd .config/systemd/user .config/systemd/user/default.target.wants'

# what root may not change: a stand-in for /etc, and anything of komodo's
# outside its home (and the world-writable temp dirs, where its user
# manager makes the unit's PrivateTmp)
victim_state() {
	x sh -c 'find /victim -printf "%p %y %U:%G %m\n" | sort
		find / -xdev \( -path /proc -o -path /home/komodo -o -path /tmp \
			-o -path /var/tmp \) -prune \
			-o -user komodo -print | sort
		stat -c "%n %U:%G %a" /etc /etc/ssl /etc/systemd /etc/systemd/user'
}

plant() { # path below ~komodo -> symlink to $2, made by komodo
	x runuser -u komodo -- sh -c '
		cd /home/komodo || exit 1
		case $1 in */*) mkdir -p "${1%/*}" ;; esac
		rm -rf "$1" && ln -s "$2" "$1"' sh "$1" "$2"
}

scenario_symlink() {
	boot symlink || return
	# the account exists before (so the attack can precede the install)
	x sh -c 'useradd --system -d /home/komodo -s /usr/sbin/nologin komodo &&
		install -d -o komodo -g komodo -m 0750 /home/komodo
		mkdir -p /victim/ssl /victim/systemd/user /victim/keys /victim/repos
		echo keep >/victim/keep'
	fs_baseline symlink
	victim_state >"$W/victim.base"
	for p in $SYM_PATHS; do
		bad=
		for op in install upgrade reinstall remove purge; do
			plant "$p" /victim
			case $op in
			install) c="dpkg -i $DEB_USER" ;;
			upgrade | reinstall) c="dpkg -i $DEB_USER2" ;;
			remove) c="dpkg -r $PKG" ;;
			purge) c="dpkg -P $PKG" ;;
			esac
			x sh -c "$c" >"$W/sym.out" 2>&1 || bad="$bad $op(failed)"
			victim_state >"$W/victim.now"
			if ! cmp -s "$W/victim.base" "$W/victim.now"; then
				bad="$bad $op"
				diff "$W/victim.base" "$W/victim.now" | sed 's/^/#   /' | head -n 10
				victim_state >"$W/victim.base"
			fi
		done
		if [ -z "$bad" ]; then
			ok "9.2: ~/$p a symlink to a root-owned dir: install, upgrade, reinstall, remove, purge leave it alone"
		else
			notok "9.2: ~/$p a symlink to a root-owned dir:$bad"
		fi
		x runuser -u komodo -- rm -f "/home/komodo/$p"
	done
	# the issue's own case: ~/.komodo and ~/.config pointing at /etc
	x dpkg -i "$DEB_USER" >/dev/null 2>&1
	plant .komodo /etc
	plant .config /etc
	x dpkg -i "$DEB_USER2" >"$W/sym.out" 2>&1
	x dpkg -i "$DEB_USER2" >>"$W/sym.out" 2>&1
	check "9.2: ~/.komodo and ~/.config -> /etc: after upgrade and reinstall komodo owns nothing in /etc" sh -c '
		! find /etc -user komodo | grep . &&
		[ "$(stat -c %U /etc/ssl /etc/systemd /etc/systemd/user | sort -u)" = root ]'
	if grep -q 'symbolic link' "$W/sym.out"; then
		ok "9.2: the scripts say they did not follow the symlink"
	else
		notok "9.2: the scripts say they did not follow the symlink"
	fi
	x dpkg -P "$PKG" >/dev/null 2>&1
	x runuser -u komodo -- rm -f /home/komodo/.komodo /home/komodo/.config
	fs_check_clean symlink /home/komodo
	halt
}

# 9.3 (scripts): purge never deletes an account whose ACTUAL home (from
# getent passwd, normalised and resolved) is or holds a system directory
scenario_purge_guard() {
	boot purge-guard || return
	fs_baseline purge-guard
	for h in /var/lib/. //var/lib /srv/to-etc; do
		x dpkg -i "$DEB_SYS" >/dev/null 2>&1
		x systemctl stop periphery.service
		x ln -sfn /etc /srv/to-etc
		x usermod -d "$h" komodo
		check "9.3: KOMODO_DELETE_USER=yes purge refuses home '$h'" sh -c "
			KOMODO_DELETE_USER=yes dpkg -P $PKG 2>&1 | grep 'not deleting user' &&
			id komodo && test -d /var/lib/dpkg && test -f /etc/passwd"
		x rm -f /srv/to-etc
		x usermod -d /home/komodo komodo
		x userdel -r komodo 2>/dev/null
	done
	fs_check_clean purge-guard
	halt
}

# 9.2 (v2): the private key's copy in the root directory is written by the
# user (root only opens the packaged file): a symlink the user plants where
# the keys go leads nowhere root could write
SITE_VERSION=v2.1.1 site v2key "komodo_service_scope: system" \
	"komodo_server_enabled: true" \
	"komodo_private_key: MC4CAQAwBQYDK2VuBCIEIxyz"
build v2key

scenario_v2_key() {
	boot v2-key || return
	x sh -c 'mkdir -m 0755 /victim && echo keep >/victim/keep'
	fs_baseline v2-key
	x dpkg -i "$(pkg_path v2key deb)" >/dev/null 2>&1
	check "9.2 (v2): the key's copy is the user's, 0600, the packaged bytes" sh -c '
		k=/home/komodo/.komodo/keys/periphery.key
		[ "$(stat -c %U:%a $k)" = komodo:600 ] && cmp $k /etc/komodo/keys/periphery.key'
	x runuser -u komodo -- sh -c 'rm -rf /home/komodo/.komodo/keys && ln -s /victim /home/komodo/.komodo/keys'
	x dpkg -i "$(pkg_path v2key deb)" >"$W/v2.out" 2>&1
	check "9.2 (v2): keys dir a symlink to a root-owned dir: reinstall writes nothing there" sh -c '
		[ "$(ls -A /victim)" = keep ] && [ "$(stat -c %U:%a /victim)" = root:755 ]'
	x runuser -u komodo -- rm -f /home/komodo/.komodo/keys
	check "9.2 (v2): KOMODO_DELETE_USER=yes dpkg -P" env KOMODO_DELETE_USER=yes dpkg -P "$PKG"
	fs_check_clean v2-key
	halt
}

# A home or data directory the site names may already be another's
# (/var/lib/docker, an admin's /srv/shared): root hands over only an
# empty one; one with contents stays as it was, through purge with
# KOMODO_DELETE_USER too.
site taken "komodo_service_scope: system" "komodo_home: /srv/shared" \
	"komodo_root_directory: /srv/komodo-data" "allow_delete_komodo_user: true"
build taken

scenario_taken_dir() {
	boot taken-dir || return
	x sh -c 'mkdir -m 0755 /srv/shared /srv/komodo-data &&
		echo keep >/srv/shared/keep && chmod 0644 /srv/shared/keep'
	x dpkg -i "$(pkg_path taken deb)" >"$W/taken.out" 2>&1
	check "9.4: install hands over an empty directory, not one with another owner's files" sh -c "
		dpkg -s $PKG | grep -q '^Status: install ok installed' &&
		[ \"\$(stat -c %U:%a /srv/komodo-data)\" = komodo:750 ] &&
		[ \"\$(stat -c %U:%G:%a /srv/shared)\" = root:root:755 ] &&
		[ \"\$(stat -c %U:%a /srv/shared/keep)\" = root:644 ] &&
		[ \"\$(cat /srv/shared/keep)\" = keep ]"
	if grep -q "'/srv/shared' is not owned by 'komodo' and is not empty; left as it is" "$W/taken.out"; then
		ok "9.4: the install says why it left it"
	else
		notok "9.4: the install says why it left it"
		sed 's/^/#   /' "$W/taken.out" | tail -n 5
	fi
	check "9.4: KOMODO_DELETE_USER=yes dpkg -P deletes the user, not the other owner's directory" sh -c "
		KOMODO_DELETE_USER=yes dpkg -P $PKG && ! id komodo &&
		[ \"\$(stat -c %U:%G:%a /srv/shared)\" = root:root:755 ] &&
		[ \"\$(cat /srv/shared/keep)\" = keep ]"
	halt
}
