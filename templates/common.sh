# common.sh - shared by every maintainer script of {{ package }} ({{ format }})
# Values below were fixed when the package was built.
KP_USER={{ komodo_user | sh }}
KP_GROUP={{ komodo_group | sh }}
KP_HOME={{ komodo_home | sh }}
KP_ROOT={{ komodo_root_directory | sh }}
KP_CONFIG={{ komodo_config_path | sh }}
KP_SCOPE={{ komodo_service_scope | sh }}
KP_UNIT={{ unit | sh }}
KP_SYSUSERS={{ sysusers_file | sh }}
KP_UID={{ komodo_uid | sh }}
KP_GID={{ komodo_gid | sh }}
KP_ALLOW_CREATE={{ allow_create_komodo_user | sh }}
KP_ALLOW_MODIFY={{ allow_modify_komodo_user | sh }}
KP_DELETE_DEFAULT={{ delete_user_default | sh }}
KP_ENV_FILE={{ env_file | sh }}
KP_KEYS_DIR={{ keys_dir | sh }}
KP_STATE=/var/lib/{{ package }}

kp_systemd_running() {
	[ -d /run/systemd/system ] && [ -z "${DPKG_ROOT:-}" ]
}

kp_user_exists() {
	getent passwd "$KP_USER" >/dev/null 2>&1
}

# Creates group and user when allowed; an existing user is never changed.
kp_ensure_user() {
	if kp_user_exists; then
		return 0
	fi
	if [ "$KP_ALLOW_CREATE" != true ]; then
		echo "{{ package }}: user '$KP_USER' does not exist and this package was built with allow_create_komodo_user: false; create the user first or rebuild with allow_create_komodo_user: true" >&2
		return 1
	fi
	if command -v systemd-sysusers >/dev/null 2>&1 && [ -f "$KP_SYSUSERS" ]; then
		systemd-sysusers "$KP_SYSUSERS" >/dev/null 2>&1 || true
	fi
	if ! getent group "$KP_GROUP" >/dev/null 2>&1; then
		groupadd --system ${KP_GID:+--gid "$KP_GID"} "$KP_GROUP"
	fi
	if ! kp_user_exists; then
		useradd --system --gid "$KP_GROUP" ${KP_UID:+--uid "$KP_UID"} \
			--home-dir "$KP_HOME" --no-create-home \
			--shell /usr/sbin/nologin --comment "Komodo Periphery" \
			"$KP_USER"
	fi
}

kp_ensure_dirs() {
	if [ ! -d "$KP_HOME" ]; then
		mkdir -p "$KP_HOME"
		chown "$KP_USER:$KP_GROUP" "$KP_HOME"
		chmod 0750 "$KP_HOME"
	fi
	for d in "$KP_ROOT" "$KP_ROOT/keys" "$KP_ROOT/ssl"; do
		[ -d "$d" ] || install -d -m 0750 -o "$KP_USER" -g "$KP_GROUP" "$d"
	done
	mkdir -p "$KP_STATE"
	for f in "$KP_CONFIG" "$KP_ENV_FILE" "$KP_KEYS_DIR/periphery.key"; do
		if [ -f "$f" ]; then
			chown "root:$KP_GROUP" "$f"
			chmod 0640 "$f"
		fi
	done
}
