# common.sh - shared by every maintainer script of {{ package }} ({{ format }}).
# Values below were fixed when the package was built. Each one is a single
# shell word quoted by pkgtool (| sh) in a plain assignment: no value can
# end its quotes, and none is ever split into words or used as a printf
# format. Functions never exit; they return non-zero only where the caller
# must fail (missing user).
#
# Threat model: the service user runs commands for a remote Core, so it is
# treated as hostile. Root never creates, chowns, chmods or follows anything
# below a directory that user can write: that work is done as the user.
KP_PKG={{ package | sh }}
KP_FORMAT={{ format | sh }}
KP_VERSION={{ komodo_version | sh }}
KP_USER={{ komodo_user | sh }}
KP_GROUP={{ komodo_group | sh }}
KP_HOME={{ komodo_home | sh }}
KP_ROOT={{ komodo_root_directory | sh }}
KP_REPO_DIR={{ komodo_repo_dir | sh }}
KP_STACK_DIR={{ komodo_stack_dir | sh }}
KP_BUILD_DIR={{ komodo_build_dir | sh }}
KP_CONFIG={{ komodo_config_path | sh }}
KP_CONFIG_DIR={{ config_dir | sh }}
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
KP_STATE={{ state_dir | sh }}
# ":bin:boot:...:var/tmp:" (each without its leading "/"; "/" itself is
# implied): pkgtool's own list (sysdir.c), so the purge guard and the
# build-time check can never disagree
KP_SYSTEM_DIRS={{ system_dirs | sh }}
KP_LINGER_DIR=/var/lib/systemd/linger
KP_DROPIN_DIR=/etc/systemd/system/$KP_UNIT.d
KP_IDS_DROPIN=$KP_DROPIN_DIR/50-$KP_PKG-ids.conf
# the unit files of both scopes (only one is in this package)
KP_SYS_UNIT_PATH=$KP_OTHER_UNIT_PATH
KP_USER_UNIT_PATH=$KP_UNIT_PATH
if [ "$KP_SCOPE" = system ]; then
	KP_SYS_UNIT_PATH=$KP_UNIT_PATH
	KP_USER_UNIT_PATH=$KP_OTHER_UNIT_PATH
fi

# printf, not echo: dash's echo would interpret backslashes in values
kp_say() {
	printf '%s: %s\n' "$KP_PKG" "$*"
}

kp_warn() {
	printf '%s: warning: %s\n' "$KP_PKG" "$*" >&2
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

# The home the account really has (an existing user's may differ from
# komodo_home).
kp_passwd_home() {
	getent passwd "$KP_USER" 2>/dev/null | cut -d: -f6
}

# Runs a command as the service user with its own groups and a clean
# environment (setpriv: no PAM session, no login shell - it is nologin).
kp_as_user() {
	_g=$(id -g "$KP_USER" 2>/dev/null) || return 1
	setpriv --reuid="$KP_USER" --regid="$_g" --init-groups --reset-env \
		-- "$@"
}

# Is $1 (after normalising) a system directory, or above one? Checks the
# path as written and as resolved, so "/home/.", "//var/lib" or a symlink
# to /etc all count.
kp_sysdir() {
	[ -n "$1" ] || return 0
	for _how in -ms -m; do
		_n=$(realpath "$_how" -- "$1" 2>/dev/null) || return 0
		[ "$_n" = / ] && return 0
		case $KP_SYSTEM_DIRS in
		*":${_n#/}:"* | *":${_n#/}/"*) return 0 ;;
		esac
	done
	return 1
}

# Can only root change what lies below $1? True when $1 and every directory
# above it, as written, belong to root and nobody else may write them, and
# any symlink on the way is root's and leads to such a directory too: then
# no one can swap a path component under root's feet. A symlink the user
# made (its own .komodo in its home) makes the path unsafe.
kp_root_safe() {
	case /$1/ in
	*/./* | */../*) return 1 ;;
	esac
	_r=$1
	while :; do
		_st=$(stat -c '%u %f %F' -- "$_r" 2>/dev/null) || return 1
		[ "${_st%% *}" = 0 ] || return 1
		case $_st in
		*" symbolic link")
			kp_root_safe_resolved "$_r" || return 1
			;;
		*" directory")
			_m=${_st#* }
			# 0x12 = group and other write bits
			[ $((0x${_m%% *} & 18)) -eq 0 ] || return 1
			;;
		*) return 1 ;;
		esac
		[ "$_r" = / ] && return 0
		_r=${_r%/*}
		[ -n "$_r" ] || _r=/
	done
}

# The same for where a root-owned symlink leads (resolved: no symlinks).
kp_root_safe_resolved() {
	_t=$(realpath -e -- "$1" 2>/dev/null) || return 1
	while :; do
		_ts=$(stat -c '%u %f' -- "$_t" 2>/dev/null) || return 1
		[ "${_ts%% *}" = 0 ] || return 1
		[ $((0x${_ts#* } & 18)) -eq 0 ] || return 1
		[ "$_t" = / ] && return 0
		_t=${_t%/*}
		[ -n "$_t" ] || _t=/
	done
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
		printf '%s\n' "$KP_PKG: group '$KP_GROUP' (komodo_group) does not exist and this package may not create it (allow_create_komodo_user: false, komodo_action: $KP_ACTION). Create it first (groupadd $KP_GROUP), or rebuild the package with allow_create_komodo_user: true." >&2
	else
		printf '%s\n' "$KP_PKG: user '$KP_USER' (komodo_user) does not exist and this package may not create it (allow_create_komodo_user: false, komodo_action: $KP_ACTION). Create the user first, or rebuild the package with allow_create_komodo_user: true (or komodo_action: install)." >&2
	fi
	return 1
}

# sysusers expands %-specifiers in every field
kp_sysusers_word() {
	printf '%s' "$1" | sed 's/%/%%/g'
}

# Creates the group and a system user when allowed; an existing user's shell,
# groups and home are never changed. What it created is remembered in
# $KP_STATE until purge: only such an account may ever be deleted.
kp_ensure_user() {
	kp_check_user || return 1
	if kp_user_exists && kp_group_exists "$KP_GROUP"; then
		return 0
	fi
	_had_user=no
	_had_group=no
	kp_user_exists && _had_user=yes
	kp_group_exists "$KP_GROUP" && _had_group=yes
	# sysusers first (its file may not be unpacked yet: give it on stdin)
	if kp_have systemd-sysusers && [ -z "${DPKG_ROOT:-}" ]; then
		if [ $_had_user = yes ]; then
			printf 'g %s %s\n' "$KP_GROUP" "${KP_GID:--}"
		else
			printf 'g %s %s\nu %s %s:%s "Komodo Periphery" "%s" /usr/sbin/nologin\n' \
				"$KP_GROUP" "${KP_GID:--}" "$KP_USER" "${KP_UID:--}" \
				"$KP_GROUP" "$(kp_sysusers_word "$KP_HOME")"
		fi | systemd-sysusers --replace="$KP_SYSUSERS" - >/dev/null 2>&1 || true
	fi
	if ! kp_group_exists "$KP_GROUP"; then
		groupadd --system ${KP_GID:+--gid "$KP_GID"} -- "$KP_GROUP" || true
	fi
	if ! kp_user_exists; then
		useradd --system --gid "$KP_GROUP" ${KP_UID:+--uid "$KP_UID"} \
			--home-dir "$KP_HOME" --no-create-home \
			--shell /usr/sbin/nologin --comment "Komodo Periphery" \
			-- "$KP_USER" || true
	fi
	if ! kp_user_exists || ! kp_group_exists "$KP_GROUP"; then
		printf '%s\n' "$KP_PKG: could not create user '$KP_USER' / group '$KP_GROUP'" >&2
		return 1
	fi
	mkdir -p "$KP_STATE"
	if [ $_had_user = no ]; then
		: >"$KP_STATE/user-created"
	fi
	if [ $_had_group = no ]; then
		: >"$KP_STATE/group-created"
	fi
	return 0
}

# ---- directories, config, keys --------------------------------------------------

# Makes directory $1 (mode $2) owned by the service user. Where the nearest
# existing directory above it is root's alone, root makes it (parents root
# 0755) and hands over only the new directory itself; anywhere else the user
# makes it, so a symlink planted there can only lead the user where it could
# go anyway. An existing directory is handed over only under a root-safe
# parent; a symlink is never followed.
kp_user_mkdir() {
	if [ -L "$1" ]; then
		kp_warn "'$1' is a symbolic link; not following it (fix it, then reinstall $KP_PKG)"
		return 0
	fi
	if [ -d "$1" ]; then
		[ "$(stat -c %U -- "$1")" = "$KP_USER" ] && return 0
		# what it holds is someone else's (the site named a directory
		# another package or the admin uses, /var/lib/docker): its new
		# owner could rename or delete it, and purge would remove it
		if [ -n "$(ls -A -- "$1" 2>/dev/null)" ]; then
			kp_warn "'$1' is not owned by '$KP_USER' and is not empty; left as it is (give it to '$KP_USER' yourself if it is meant for the agent)"
			return 0
		fi
		if kp_root_safe "$(dirname -- "$1")"; then
			chown -h -- "$KP_USER:$(id -g "$KP_USER")" "$1" &&
				chmod -- "$2" "$1" && return 0
		fi
		kp_warn "'$1' is not owned by '$KP_USER' and root may not change it safely; left as it is"
		return 0
	fi
	if [ -e "$1" ]; then
		kp_warn "'$1' exists and is not a directory; left as it is"
		return 0
	fi
	_a=$1
	while [ ! -e "$_a" ] && [ ! -L "$_a" ]; do
		_a=$(dirname -- "$_a")
	done
	if kp_root_safe "$_a"; then
		_rest=${1#"$_a"}
		_rest=${_rest#/}
		_cur=${_a%/}
		while [ -n "$_rest" ]; do
			_cur=$_cur/${_rest%%/*}
			case $_rest in
			*/*) _rest=${_rest#*/} ;;
			*) _rest= ;;
			esac
			if [ -n "$_rest" ]; then
				mkdir -m 0755 -- "$_cur" || return 0
			fi
		done
		# the last one: made empty by root, then handed over
		mkdir -m "$2" -- "$1" &&
			chown -h -- "$KP_USER:$(id -g "$KP_USER")" "$1" && return 0
		kp_warn "could not create '$1'"
		return 0
	fi
	if ! kp_as_user mkdir -p -m "$2" -- "$1"; then
		kp_warn "'$KP_USER' could not create '$1'; create it for '$KP_USER' yourself"
	fi
	return 0
}

# The v2 private key: the user's own copy in its root directory, written by
# the user from the packaged file that root opens (kept if Periphery rotated
# it, unless allow_overwrite_key_files).
kp_copy_key() {
	[ -f "$KP_KEYS_DIR/periphery.key" ] || return 0
	# shellcheck disable=SC2016 # expanded by the user's shell
	kp_as_user sh -c '
		k=$1/keys/periphery.key
		if [ -e "$k" ] || [ -L "$k" ]; then
			[ "$2" = true ] || exit 0
		fi
		umask 077
		t=$(mktemp "$1/keys/.periphery.key.XXXXXX") || exit 1
		if cat >"$t" && mv -f -- "$t" "$k"; then
			exit 0
		fi
		rm -f -- "$t"
		exit 1' kp-key "$KP_ROOT" "$KP_OVERWRITE_KEYS" \
		<"$KP_KEYS_DIR/periphery.key" ||
		kp_warn "could not copy the private key into '$KP_ROOT/keys'"
}

kp_ensure_dirs() {
	kp_user_mkdir "$KP_HOME" 0750
	kp_user_mkdir "$KP_ROOT" 0750
	kp_user_mkdir "$KP_REPO_DIR" 0750
	kp_user_mkdir "$KP_STACK_DIR" 0750
	kp_user_mkdir "$KP_BUILD_DIR" 0750
	kp_user_mkdir "$KP_ROOT/ssl" 0750
	kp_user_mkdir "$KP_ROOT/keys" 0750
	mkdir -p "$KP_STATE"
	if [ "$KP_CONFIG_DIR" != /etc ] && [ -d "$KP_CONFIG_DIR" ] &&
		[ ! -L "$KP_CONFIG_DIR" ] && kp_root_safe "$KP_CONFIG_DIR"; then
		chown -- "root:$KP_GROUP" "$KP_CONFIG_DIR"
		chmod 0750 -- "$KP_CONFIG_DIR"
	fi
	for _f in "$KP_CONFIG" "$KP_ENV_FILE" "$KP_KEYS_DIR/periphery.key"; do
		if [ -f "$_f" ] && [ ! -L "$_f" ] &&
			kp_root_safe "$(dirname -- "$_f")"; then
			chown -- "root:$KP_GROUP" "$_f"
			chmod 0640 -- "$_f"
		fi
	done
	kp_copy_key
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
		*) usermod -aG docker -- "$KP_USER" || kp_warn "could not add '$KP_USER' to the docker group" ;;
		esac
	elif [ ! -e "$KP_STATE/docker-warned" ]; then
		# reinstalling adds the group and restarts whatever runs the
		# agent with stale groups (kp_user_start, kp_start)
		kp_warn "group 'docker' does not exist, so the agent cannot use Docker: install Docker, then reinstall $KP_PKG (it adds '$KP_USER' to the docker group and restarts the agent)"
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
	printf '%s\n' "$KP_HOME/.config/systemd/user/default.target.wants/$KP_UNIT"
}

# Enable link in the user's own config, made by the user (its home is its
# own: root does nothing in there).
kp_user_enable() {
	kp_as_user sh -c 'mkdir -p -m 0750 -- "${1%/*}" && ln -sfn -- "$2" "$1"' \
		kp-enable "$(kp_user_link)" "$KP_USER_UNIT_PATH" ||
		kp_warn "'$KP_USER' could not create $(kp_user_link)"
}

kp_user_disable() {
	kp_user_exists || return 0
	kp_as_user rm -f -- "$(kp_user_link)" 2>/dev/null || true
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

# Does the running user manager hold other groups than the account has now
# (docker added after it started)? Its services inherit its groups.
kp_user_manager_stale() {
	_uid=$(kp_uid) || return 1
	_pid=$(systemctl show -P MainPID "user@$_uid.service" 2>/dev/null)
	[ -n "$_pid" ] && [ "$_pid" != 0 ] || return 1
	_have=$(sed -n 's/^Groups:[[:space:]]*//p' "/proc/$_pid/status" |
		tr ' \t' '\n\n' | sed '/^$/d' | sort -n | tr '\n' ' ')
	_want=$(id -G "$KP_USER" | tr ' ' '\n' | sort -un | tr '\n' ' ')
	[ "$_have" != "$_want" ]
}

# $1 = start|restart
kp_user_start() {
	kp_user_manager || return 1
	if kp_user_manager_stale; then
		systemctl restart "user@$(kp_uid).service" >/dev/null 2>&1 || true
	fi
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
	printf '%s\n' "/etc/systemd/system/multi-user.target.wants/$KP_UNIT"
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

# The role's Environment=UID= and GID= (compose files use them): numeric
# ids are known only on the host, so system scope gets them from this
# root-owned drop-in (user scope uses %U/%G in the unit).
kp_ids_write() {
	_u=$(id -u "$KP_USER" 2>/dev/null) || return 0
	_g=$(id -g "$KP_USER" 2>/dev/null) || return 0
	_want=$(printf '%s\n' \
		"# Written by the maintainer scripts of $KP_PKG: the numeric ids of" \
		"# the service user, as the Ansible role sets them. Removed with the package." \
		'[Service]' "Environment=UID=$_u GID=$_g")
	if [ -f "$KP_IDS_DROPIN" ] && [ "$(cat "$KP_IDS_DROPIN")" = "$_want" ]; then
		return 0
	fi
	mkdir -p "$KP_DROPIN_DIR"
	printf '%s\n' "$_want" >"$KP_IDS_DROPIN.tmp"
	chmod 0644 "$KP_IDS_DROPIN.tmp"
	mv -f "$KP_IDS_DROPIN.tmp" "$KP_IDS_DROPIN"
}

kp_ids_remove() {
	rm -f "$KP_IDS_DROPIN" "$KP_IDS_DROPIN.tmp"
	rmdir "$KP_DROPIN_DIR" 2>/dev/null || true
}

# Works whether or not the unit file still exists (scope switch, remove, a
# package left unpacked whose prerm never ran).
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
	kp_ids_remove
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
		# a repeated configure changes nothing, not even an mtime
		[ -e "$KP_STATE/scope-user" ] || : >"$KP_STATE/scope-user"
	else
		if [ -e "$KP_STATE/scope-user" ]; then
			kp_user_stop
			kp_user_disable
			kp_disable_linger
		fi
		rm -f "$KP_STATE/scope-user"
		kp_ids_write
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
		[ -e "$KP_STATE/scope-system" ] || : >"$KP_STATE/scope-system"
	fi
	if kp_systemd_running; then
		systemctl daemon-reload >/dev/null 2>&1 || true
	fi
}

kp_enabled() {
	if [ "$KP_SCOPE" = user ]; then
		kp_as_user test -L "$(kp_user_link)" 2>/dev/null
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

# Stop and disable, in both scopes (a half-finished scope switch or upgrade
# may have left either), and turn linger off if the package turned it on.
# Idempotent: prerm runs it, and postrm again, because dpkg skips prerm for
# a package that is only unpacked (iU).
kp_remove() {
	kp_user_stop
	kp_user_disable
	kp_disable_linger
	kp_sys_disable
	rm -f "$KP_STATE/scope-user" "$KP_STATE/scope-system"
}

# KOMODO_DELETE_USER in the environment overrides the build-time default.
kp_delete_wanted() {
	if [ -z "${KOMODO_DELETE_USER+set}" ]; then
		[ "$KP_DELETE_DEFAULT" = yes ]
		return
	fi
	case $(printf '%s' "$KOMODO_DELETE_USER" | tr '[:upper:]' '[:lower:]') in
	yes | true | 1) return 0 ;;
	no | false | 0 | '') return 1 ;;
	esac
	kp_warn "KOMODO_DELETE_USER='$KOMODO_DELETE_USER' is not one of yes, true, 1, no, false, 0: keeping user '$KP_USER'"
	return 1
}

# Deletes the account (and its home, if the account owns it) only when asked
# for and only if this package created it; says what it did.
kp_delete_user() {
	kp_delete_wanted || return 0
	kp_user_exists || return 0
	if [ ! -e "$KP_STATE/user-created" ]; then
		kp_say "keeping user '$KP_USER': it existed before $KP_PKG was installed"
		return 0
	fi
	_uid=$(kp_uid)
	_home=$(kp_passwd_home)
	# never root, never a home that is (or holds) a system directory
	if [ "$_uid" = 0 ] || kp_sysdir "$_home" || kp_sysdir "$KP_HOME"; then
		kp_warn "not deleting user '$KP_USER' (uid $_uid, home $_home): too dangerous; delete it yourself"
		return 0
	fi
	_rm=-r
	if [ ! -e "$_home" ] && [ ! -L "$_home" ]; then
		_rm=
	elif [ -L "$_home" ] || [ ! -d "$_home" ] ||
		[ "$(stat -c %u -- "$_home")" != "$_uid" ]; then
		_rm=keep
	fi
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
		if [ "$_rm" = -r ]; then
			userdel -r -- "$KP_USER" >/dev/null 2>&1 || true
		else
			userdel -- "$KP_USER" >/dev/null 2>&1 || true
		fi
		kp_user_exists || break
		sleep 1
		_n=$((_n + 1))
	done
	if kp_user_exists; then
		kp_warn "could not delete user '$KP_USER'; delete it with 'userdel -r $KP_USER'"
		return 0
	fi
	if [ -e "$KP_STATE/group-created" ] && kp_group_exists "$KP_GROUP" &&
		[ -z "$(getent group "$KP_GROUP" | cut -d: -f4)" ]; then
		groupdel -- "$KP_GROUP" >/dev/null 2>&1 || true
	fi
	case $_rm in
	-r)
		if [ -e "$_home" ]; then
			kp_say "deleted user '$KP_USER'; its home $_home is still there"
		else
			kp_say "deleted user '$KP_USER' and its home $_home"
		fi
		;;
	keep) kp_say "deleted user '$KP_USER'; kept $_home (not a directory owned by '$KP_USER')" ;;
	*) kp_say "deleted user '$KP_USER' (its home $_home did not exist)" ;;
	esac
}

# After removal: stop/disable again (see kp_remove), config (rpm erases it
# itself), the user when asked for, then the package's state.
kp_purge() {
	kp_remove
	if [ "$KP_FORMAT" = deb ]; then
		# rpm removes its %config files itself (an edited one is kept
		# as .rpmsave)
		rm -f "$KP_CONFIG" "$KP_CONFIG.dpkg-old" "$KP_CONFIG.dpkg-dist" \
			"$KP_CONFIG.dpkg-new" "$KP_CONFIG.dpkg-bak" \
			"$KP_KEYS_DIR/periphery.key"
	fi
	# the env file may be the admin's own (a secret-free fleet package
	# ships none): it is the package's configuration all the same
	rm -f "$KP_ENV_FILE"
	rmdir "$KP_KEYS_DIR" 2>/dev/null || true
	if [ "$KP_CONFIG_DIR" != /etc ] && ! rmdir "$KP_CONFIG_DIR" 2>/dev/null &&
		[ -d "$KP_CONFIG_DIR" ] && [ ! -L "$KP_CONFIG_DIR" ] &&
		kp_root_safe "$KP_CONFIG_DIR"; then
		# what rpm kept (.rpmsave) must not point at a group that
		# kp_delete_user may remove; the directory is root's alone
		chgrp -h root "$KP_CONFIG_DIR" "$KP_CONFIG_DIR"/* 2>/dev/null || true
	fi
	kp_delete_user
	rm -rf "$KP_STATE"
}
