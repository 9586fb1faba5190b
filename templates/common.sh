# common.sh - shared by every maintainer script of {{ package }} ({{ format }}).
# Values below were fixed when the package was built. Functions never exit;
# they return non-zero only where the caller must fail (missing user).
KP_PKG={{ package | sh }}
KP_FORMAT={{ format | sh }}
KP_VERSION={{ komodo_version | sh }}
KP_USER={{ komodo_user | sh }}
KP_GROUP={{ komodo_group | sh }}
KP_HOME={{ komodo_home | sh }}
KP_ROOT={{ komodo_root_directory | sh }}
KP_SUBDIRS="{{ komodo_repo_dir | sh }} {{ komodo_stack_dir | sh }} {{ komodo_build_dir | sh }}"
KP_CONFIG={{ komodo_config_path | sh }}
KP_CONFIG_DIR={{ komodo_config_dir | sh }}
KP_SCOPE={{ komodo_service_scope | sh }}
KP_UNIT={{ unit | sh }}
KP_UNIT_PATH={{ unit_path | sh }}
KP_OTHER_UNIT_PATH={{ other_unit_path | sh }}
KP_SYSUSERS={{ sysusers_file | sh }}
KP_UID={{ komodo_uid | sh }}
KP_GID={{ komodo_gid | sh }}
KP_ACTION={{ komodo_action | sh }}
KP_ALLOW_CREATE={{ allow_create_komodo_user | sh }}
KP_ALLOW_MODIFY={{ allow_modify_komodo_user | sh }}
KP_DELETE_DEFAULT={{ delete_user_default | sh }}
KP_OVERWRITE_KEYS={{ allow_overwrite_key_files | sh }}
KP_ENV_FILE={{ env_file | sh }}
KP_KEYS_DIR={{ keys_dir | sh }}
KP_STATE=/var/lib/{{ package }}
KP_LINGER_DIR=/var/lib/systemd/linger
# the unit files of both scopes (only one is in this package)
KP_SYS_UNIT_PATH=$KP_OTHER_UNIT_PATH
KP_USER_UNIT_PATH=$KP_UNIT_PATH
if [ "$KP_SCOPE" = system ]; then
	KP_SYS_UNIT_PATH=$KP_UNIT_PATH
	KP_USER_UNIT_PATH=$KP_OTHER_UNIT_PATH
fi

kp_say() {
	echo "$KP_PKG: $*"
}

kp_warn() {
	echo "$KP_PKG: warning: $*" >&2
}

# Is a program installed? (no `command -v`: scripts are plain /bin/sh)
kp_have() {
	for _d in /usr/sbin /usr/bin /sbin /bin; do
		if [ -x "$_d/$1" ]; then
			return 0
		fi
	done
	return 1
}

# systemd as PID 1 of this system (not a chroot, image build or DPKG_ROOT)
kp_systemd_running() {
	[ -d /run/systemd/system ] && [ -z "${DPKG_ROOT:-}" ]
}

kp_user_exists() {
	getent passwd "$KP_USER" >/dev/null 2>&1
}

kp_group_exists() {
	getent group "$1" >/dev/null 2>&1
}

kp_uid() {
	id -u "$KP_USER" 2>/dev/null
}

# Runs a command as the service user (no login shell: its shell is nologin).
kp_as_user() {
	runuser -u "$KP_USER" -- "$@"
}

# ---- user and group ---------------------------------------------------------

# Fails (returns 1 with a message) when the account is missing and may not be
# created: called before anything is unpacked.
kp_check_user() {
	if kp_user_exists && kp_group_exists "$KP_GROUP"; then
		return 0
	fi
	if [ "$KP_ALLOW_CREATE" = true ]; then
		return 0
	fi
	if kp_user_exists; then
		echo "$KP_PKG: group '$KP_GROUP' (komodo_group) does not exist and this package may not create it (allow_create_komodo_user: false, komodo_action: $KP_ACTION). Create it first (groupadd $KP_GROUP), or rebuild the package with allow_create_komodo_user: true." >&2
	else
		echo "$KP_PKG: user '$KP_USER' (komodo_user) does not exist and this package may not create it (allow_create_komodo_user: false, komodo_action: $KP_ACTION). Create the user first, or rebuild the package with allow_create_komodo_user: true (or komodo_action: install)." >&2
	fi
	return 1
}

# Creates the group and a system user when allowed; an existing user's shell,
# groups and home are never changed.
kp_ensure_user() {
	kp_check_user || return 1
	if kp_user_exists && kp_group_exists "$KP_GROUP"; then
		return 0
	fi
	# sysusers first (its file may not be unpacked yet: give it on stdin)
	if kp_have systemd-sysusers && [ -z "${DPKG_ROOT:-}" ]; then
		if kp_user_exists; then
			printf 'g %s %s\n' "$KP_GROUP" "${KP_GID:--}"
		else
			printf 'g %s %s\nu %s %s:%s "Komodo Periphery" "%s" /usr/sbin/nologin\n' \
				"$KP_GROUP" "${KP_GID:--}" "$KP_USER" "${KP_UID:--}" \
				"$KP_GROUP" "$KP_HOME"
		fi | systemd-sysusers --replace="$KP_SYSUSERS" - >/dev/null 2>&1 || true
	fi
	if ! kp_group_exists "$KP_GROUP"; then
		groupadd --system ${KP_GID:+--gid "$KP_GID"} "$KP_GROUP" || true
	fi
	if ! kp_user_exists; then
		useradd --system --gid "$KP_GROUP" ${KP_UID:+--uid "$KP_UID"} \
			--home-dir "$KP_HOME" --no-create-home \
			--shell /usr/sbin/nologin --comment "Komodo Periphery" \
			"$KP_USER" || true
	fi
	if ! kp_user_exists || ! kp_group_exists "$KP_GROUP"; then
		echo "$KP_PKG: could not create user '$KP_USER' / group '$KP_GROUP'" >&2
		return 1
	fi
	return 0
}

# ---- directories, config, keys --------------------------------------------------

# mkdir owned by the user; inside a directory the user owns it is made by the
# user itself, so a planted symlink cannot redirect a chown done by root.
kp_user_dir() {
	if [ -L "$1" ]; then
		return 0
	fi
	if [ ! -d "$1" ]; then
		_p=$(dirname "$1")
		if [ -d "$_p" ] && [ "$(stat -c %U "$_p")" = "$KP_USER" ]; then
			kp_as_user mkdir -m "$2" "$1" || true
		else
			install -d -m "$2" -o "$KP_USER" -g "$KP_GROUP" "$1" || true
		fi
	elif [ "$(stat -c %U "$1")" != "$KP_USER" ]; then
		chown -h "$KP_USER:$KP_GROUP" "$1" || true
	fi
}

kp_ensure_dirs() {
	if [ ! -e "$KP_HOME" ]; then
		install -d -m 0750 -o "$KP_USER" -g "$KP_GROUP" "$KP_HOME"
	fi
	kp_user_dir "$KP_ROOT" 0750
	for _d in $KP_SUBDIRS "$KP_ROOT/ssl" "$KP_ROOT/keys"; do
		kp_user_dir "$_d" 0750
	done
	mkdir -p "$KP_STATE"
	if [ "$KP_CONFIG_DIR" != /etc ] && [ -d "$KP_CONFIG_DIR" ]; then
		chown "root:$KP_GROUP" "$KP_CONFIG_DIR"
		chmod 0750 "$KP_CONFIG_DIR"
	fi
	for _f in "$KP_CONFIG" "$KP_ENV_FILE" "$KP_KEYS_DIR/periphery.key"; do
		if [ -f "$_f" ]; then
			chown "root:$KP_GROUP" "$_f"
			chmod 0640 "$_f"
		fi
	done
	# v2 private key: the user's own copy, kept if Periphery rotated it
	_k=$KP_ROOT/keys/periphery.key
	if [ -f "$KP_KEYS_DIR/periphery.key" ] && [ ! -L "$_k" ] &&
		{ [ ! -e "$_k" ] || [ "$KP_OVERWRITE_KEYS" = true ]; }; then
		install -m 0600 -o "$KP_USER" -g "$KP_GROUP" \
			"$KP_KEYS_DIR/periphery.key" "$_k"
	fi
}

# ---- docker group and linger ------------------------------------------------------

kp_linger_on() {
	[ -e "$KP_LINGER_DIR/$KP_USER" ]
}

kp_enable_linger() {
	if kp_linger_on; then
		return 0
	fi
	if kp_systemd_running; then
		loginctl enable-linger "$KP_USER" >/dev/null 2>&1 || true
	fi
	if ! kp_linger_on; then
		# logind not running (chroot, image build): it reads this at boot
		mkdir -p "$KP_LINGER_DIR"
		: >"$KP_LINGER_DIR/$KP_USER"
	fi
	mkdir -p "$KP_STATE"
	: >"$KP_STATE/linger-enabled"
}

# Turns linger off only if this package turned it on.
kp_disable_linger() {
	if [ ! -e "$KP_STATE/linger-enabled" ]; then
		return 0
	fi
	if kp_systemd_running; then
		loginctl disable-linger "$KP_USER" >/dev/null 2>&1 || true
	fi
	rm -f "$KP_LINGER_DIR/$KP_USER" "$KP_STATE/linger-enabled"
}

kp_modify_user() {
	if [ "$KP_ALLOW_MODIFY" != true ]; then
		if [ ! -e "$KP_STATE/modify-warned" ]; then
			if [ "$KP_SCOPE" = user ]; then
				kp_warn "allow_modify_komodo_user is false: '$KP_USER' was not added to the docker group and linger was not enabled, so the agent runs only while '$KP_USER' is logged in (run 'loginctl enable-linger $KP_USER' and 'usermod -aG docker $KP_USER' yourself)"
			else
				kp_warn "allow_modify_komodo_user is false: '$KP_USER' was not added to the docker group, so the agent cannot use Docker (run 'usermod -aG docker $KP_USER' yourself)"
			fi
			mkdir -p "$KP_STATE"
			: >"$KP_STATE/modify-warned"
		fi
		return 0
	fi
	if kp_group_exists docker; then
		case " $(id -nG "$KP_USER" 2>/dev/null) " in
		*" docker "*) ;;
		*) usermod -aG docker "$KP_USER" || kp_warn "could not add '$KP_USER' to the docker group" ;;
		esac
	elif [ ! -e "$KP_STATE/docker-warned" ]; then
		kp_warn "group 'docker' does not exist: install Docker, then reinstall this package or run 'usermod -aG docker $KP_USER'"
		mkdir -p "$KP_STATE"
		: >"$KP_STATE/docker-warned"
	fi
	if [ "$KP_SCOPE" = user ]; then
		kp_enable_linger
	fi
}

# ---- the user-scope unit ----------------------------------------------------------

kp_user_systemctl() {
	_uid=$(kp_uid) || return 1
	kp_as_user env XDG_RUNTIME_DIR="/run/user/$_uid" systemctl --user "$@"
}

kp_user_link() {
	echo "$KP_HOME/.config/systemd/user/default.target.wants/$KP_UNIT"
}

# Enable link in the user's own config (made by the user: no root writes
# inside its home).
kp_user_enable() {
	for _d in "$KP_HOME/.config" "$KP_HOME/.config/systemd" \
		"$KP_HOME/.config/systemd/user" \
		"$KP_HOME/.config/systemd/user/default.target.wants"; do
		kp_user_dir "$_d" 0750
	done
	_l=$(kp_user_link)
	if [ "$(readlink "$_l" 2>/dev/null)" != "$KP_USER_UNIT_PATH" ]; then
		kp_as_user ln -sfn "$KP_USER_UNIT_PATH" "$_l" || true
	fi
}

kp_user_disable() {
	_l=$(kp_user_link)
	if [ -L "$_l" ]; then
		kp_as_user rm -f "$_l" 2>/dev/null || rm -f "$_l"
	fi
}

# Is the user's manager up? Starts it when linger is on (it would be started
# at boot anyway); without linger only a running manager is used.
kp_user_manager() {
	kp_systemd_running || return 1
	_uid=$(kp_uid) || return 1
	if systemctl is-active --quiet "user@$_uid.service"; then
		return 0
	fi
	kp_linger_on || return 1
	systemctl start "user@$_uid.service" >/dev/null 2>&1
}

# $1 = start|restart
kp_user_start() {
	kp_user_manager || return 1
	kp_user_systemctl daemon-reload >/dev/null 2>&1 || true
	kp_user_systemctl "$1" "$KP_UNIT" >/dev/null 2>&1
}

kp_user_stop() {
	kp_systemd_running || return 0
	_uid=$(kp_uid) || return 0
	systemctl is-active --quiet "user@$_uid.service" || return 0
	kp_user_systemctl stop "$KP_UNIT" >/dev/null 2>&1 || true
	kp_user_systemctl daemon-reload >/dev/null 2>&1 || true
}

# ---- the system-scope unit ---------------------------------------------------------

kp_sys_link() {
	echo "/etc/systemd/system/multi-user.target.wants/$KP_UNIT"
}

kp_sys_enable() {
	if [ "$KP_FORMAT" = deb ] && kp_have deb-systemd-helper; then
		deb-systemd-helper unmask "$KP_UNIT" >/dev/null 2>&1 || true
		deb-systemd-helper enable "$KP_UNIT" >/dev/null 2>&1 || true
	elif kp_systemd_running; then
		systemctl enable "$KP_UNIT" >/dev/null 2>&1 || true
	fi
	if [ ! -L "$(kp_sys_link)" ]; then
		mkdir -p /etc/systemd/system/multi-user.target.wants
		ln -sf "$KP_SYS_UNIT_PATH" "$(kp_sys_link)"
	fi
}

# Works whether or not the unit file still exists (scope switch, remove).
kp_sys_disable() {
	if kp_systemd_running; then
		systemctl stop "$KP_UNIT" >/dev/null 2>&1 || true
	fi
	if [ "$KP_FORMAT" = deb ] && kp_have deb-systemd-helper; then
		deb-systemd-helper purge "$KP_UNIT" >/dev/null 2>&1 || true
	elif kp_systemd_running && [ -e "$KP_SYS_UNIT_PATH" ]; then
		systemctl disable "$KP_UNIT" >/dev/null 2>&1 || true
	fi
	rm -f "$(kp_sys_link)"
	if kp_systemd_running; then
		systemctl daemon-reload >/dev/null 2>&1 || true
	fi
}

# ---- lifecycle steps used by the scripts ---------------------------------------------

# After unpack: user, dirs, modifications, enable links; leaves the other
# scope's unit stopped and disabled (scope switch). $1 = install|upgrade: on
# upgrade a unit the admin disabled stays disabled.
kp_configure() {
	kp_ensure_user || return 1
	kp_ensure_dirs
	kp_modify_user
	if [ "$KP_SCOPE" = user ]; then
		if [ -L "$(kp_sys_link)" ] || [ -e "$KP_STATE/scope-system" ]; then
			kp_sys_disable
		fi
		rm -f "$KP_STATE/scope-system"
		if [ "$1" = install ] || [ ! -e "$KP_STATE/scope-user" ]; then
			kp_user_enable
		fi
		: >"$KP_STATE/scope-user"
	else
		if [ -L "$(kp_user_link)" ] || [ -e "$KP_STATE/scope-user" ]; then
			kp_user_stop
			kp_user_disable
			kp_disable_linger
		fi
		rm -f "$KP_STATE/scope-user"
		if [ "$1" = install ] || [ ! -e "$KP_STATE/scope-system" ]; then
			kp_sys_enable
		elif [ "$KP_FORMAT" = deb ] && kp_have deb-systemd-helper; then
			# debhelper's rule: keep an admin's disable across upgrades
			if deb-systemd-helper --quiet was-enabled "$KP_UNIT"; then
				deb-systemd-helper enable "$KP_UNIT" >/dev/null 2>&1 || true
			else
				deb-systemd-helper update-state "$KP_UNIT" >/dev/null 2>&1 || true
			fi
		fi
		: >"$KP_STATE/scope-system"
	fi
	if kp_systemd_running; then
		systemctl daemon-reload >/dev/null 2>&1 || true
	fi
}

kp_enabled() {
	if [ "$KP_SCOPE" = user ]; then
		[ -L "$(kp_user_link)" ]
	else
		[ -L "$(kp_sys_link)" ]
	fi
}

kp_active() {
	if [ "$KP_SCOPE" = user ]; then
		kp_user_manager && kp_user_systemctl is-active --quiet "$KP_UNIT"
	else
		kp_systemd_running && systemctl is-active --quiet "$KP_UNIT"
	fi
}

# $1 = start|restart (restart: only an enabled or running agent, like
# deb-systemd-invoke); prints the one line of news.
kp_start() {
	if ! kp_enabled && ! kp_active; then
		kp_say "Periphery $KP_VERSION installed; $KP_UNIT is disabled, not started"
		return 0
	fi
	if [ "$KP_SCOPE" = user ]; then
		if kp_user_start "$1"; then
			kp_say "Periphery $KP_VERSION is running as '$KP_USER' in its user manager"
		elif kp_systemd_running && ! kp_linger_on; then
			kp_say "Periphery $KP_VERSION is enabled for '$KP_USER'; it starts when '$KP_USER' logs in (no linger)"
		elif kp_systemd_running; then
			kp_warn "Periphery $KP_VERSION did not start in the user manager of '$KP_USER': see 'journalctl _UID=$(kp_uid)'"
		else
			kp_say "Periphery $KP_VERSION is enabled for '$KP_USER'; it starts at next boot"
		fi
		return 0
	fi
	if ! kp_systemd_running; then
		kp_say "Periphery $KP_VERSION is enabled; it starts at next boot"
		return 0
	fi
	if [ "$KP_FORMAT" = deb ] && kp_have deb-systemd-invoke; then
		deb-systemd-invoke "$1" "$KP_UNIT" >/dev/null 2>&1 || true
	else
		systemctl "$1" "$KP_UNIT" >/dev/null 2>&1 || true
	fi
	if systemctl is-active --quiet "$KP_UNIT"; then
		kp_say "Periphery $KP_VERSION is running as '$KP_USER' (system unit $KP_UNIT)"
	else
		kp_warn "Periphery $KP_VERSION did not start: see 'systemctl status $KP_UNIT'"
	fi
}

# Before files are removed (not on upgrade): stop and disable this package's
# unit, turn linger off if the package turned it on.
kp_remove() {
	if [ "$KP_SCOPE" = user ]; then
		kp_user_stop
		kp_user_disable
		kp_disable_linger
		rm -f "$KP_STATE/scope-user"
	else
		kp_sys_disable
		rm -f "$KP_STATE/scope-system"
	fi
}

# After removal: config (rpm erases it itself), state, and - only when asked
# for - the user and its home, after stopping everything it runs.
kp_purge() {
	if [ "$KP_FORMAT" = deb ]; then
		# rpm removes its %config files itself (an edited one is kept
		# as .rpmsave)
		rm -f "$KP_CONFIG" "$KP_CONFIG.dpkg-old" "$KP_CONFIG.dpkg-dist" \
			"$KP_CONFIG.dpkg-new" "$KP_CONFIG.dpkg-bak" "$KP_ENV_FILE" \
			"$KP_KEYS_DIR/periphery.key"
		rmdir "$KP_KEYS_DIR" 2>/dev/null || true
		if [ "$KP_CONFIG_DIR" != /etc ]; then
			rmdir "$KP_CONFIG_DIR" 2>/dev/null || true
		fi
	fi
	_del=$KP_DELETE_DEFAULT
	if [ "${KOMODO_DELETE_USER:-}" = yes ]; then
		_del=yes
	fi
	if [ "$_del" = yes ] && kp_user_exists; then
		_uid=$(kp_uid)
		# never root, never a home that is a system directory
		case "$_uid:$KP_HOME" in
		0:* | *:/ | *:/root | *:/home | *:/usr | *:/usr/* | *:/etc | *:/etc/* | *:/var | *:/bin | *:/sbin | *:/lib*)
			kp_warn "not deleting user '$KP_USER' (uid $_uid, home $KP_HOME): too dangerous; delete it yourself"
			rm -rf "$KP_STATE"
			return 0
			;;
		esac
		if kp_systemd_running; then
			loginctl disable-linger "$KP_USER" >/dev/null 2>&1 || true
			systemctl stop "user@$_uid.service" >/dev/null 2>&1 || true
			loginctl terminate-user "$KP_USER" >/dev/null 2>&1 || true
		fi
		rm -f "$KP_LINGER_DIR/$KP_USER"
		# userdel refuses while the user still runs processes
		_n=0
		while [ "$_n" -lt 10 ]; do
			if kp_have pkill; then
				pkill -KILL -u "$_uid" >/dev/null 2>&1 || true
			fi
			if userdel -r "$KP_USER" >/dev/null 2>&1 || ! kp_user_exists; then
				break
			fi
			sleep 1
			_n=$((_n + 1))
		done
		if kp_user_exists; then
			kp_warn "could not delete user '$KP_USER'; delete it with 'userdel -r $KP_USER'"
		else
			# a per-user group left behind (USERGROUPS_ENAB no)
			if [ "$KP_GROUP" = "$KP_USER" ] && kp_group_exists "$KP_GROUP" &&
				[ -z "$(getent group "$KP_GROUP" | cut -d: -f4)" ]; then
				groupdel "$KP_GROUP" >/dev/null 2>&1 || true
			fi
			kp_say "deleted user '$KP_USER' and its home $KP_HOME"
		fi
	fi
	rm -rf "$KP_STATE"
}
