# tests/e2e/v2.sh - sourced by run.sh after the other scenarios: a Komodo
# v2 site (issue 12). register pins the fake Core's key and gives it the
# server's public key; the package built afterwards installs in a booted
# Debian root; the key files have the right owner and mode; the agent (the
# test double, as `periphery key compute`) derives from the shipped key the
# public key the fake Core was given; no private key in the journal, the
# unit, the scripts or any world-readable file; a second register writes
# nothing.
# shellcheck shell=sh

V2_PORT_FILE=
v2_core_stop() {
	[ -s "$W/v2core.pid" ] && kill "$(cat "$W/v2core.pid")" 2>/dev/null
	rm -f "$W/v2core.pid"
}

# Starts the fake Core (v2) on the host's loopback; sets V2_CORE.
v2_core_start() {
	V2_PORT_FILE=$W/v2core.port
	/usr/bin/python3 "$TOP/tests/fake/core.py" --flavour v2 \
		--key e2e-key --secret e2e-api-secret --log "$W/v2core.log" \
		--port-file "$V2_PORT_FILE" 2>"$W/v2core.err" &
	echo $! >"$W/v2core.pid"
	i=0
	while [ ! -s "$V2_PORT_FILE" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
	V2_CORE=http://127.0.0.1:$(cat "$V2_PORT_FILE")
}

# info.FIELD of server NAME in the fake Core
v2_core_info() {
	/usr/bin/python3 - "$V2_CORE/_fake/state" "$1" "$2" <<'EOP'
import json, sys, urllib.request
for s in json.load(urllib.request.urlopen(sys.argv[1])):
    if s["name"] == sys.argv[2]:
        print((s["info"] or {}).get(sys.argv[3], ""))
EOP
}

scenario_v2_keys() {
	v2_core_start || { notok "v2: fake Core starts"; return; }
	cp "$W/bin/periphery" "$W/bin/periphery-v2"
	printf 'FAKEVER=2.3.2\n' >>"$W/bin/periphery-v2"
	mkdir -p "$W/v2"
	cat >"$W/v2/site.yml" <<EOS
komodo_version: v2.3.2
komodo_service_scope: system
komodo_periphery_port: $PORT
komodo_bind_ip: 127.0.0.1
package_formats: [deb]
package_maintainer: "E2E Tests <e2e@example.com>"
komodo_core_url: $V2_CORE
komodo_core_api_key: e2e-key
komodo_core_api_secret: !env E2E_V2_SECRET
enable_server_management: true
server_name: e2e-v2
server_address: https://127.0.0.1:$PORT
EOS
	export E2E_V2_SECRET=e2e-api-secret
	if "$PKGTOOL" register "$W/v2/site.yml" >"$W/v2/reg1.out" 2>&1 &&
		grep -qx "e2e-v2: created (address https://127.0.0.1:$PORT, enabled, public key)" "$W/v2/reg1.out"; then
		ok "v2: register creates the server with its public key and pins Core's key"
	else
		notok "v2: register creates the server with its public key and pins Core's key"
		sed 's/^/#   /' "$W/v2/reg1.out"
	fi
	if "$PKGTOOL" -q build "$W/v2/site.yml" --out "$W/pkgs/v2" \
		--binary "$W/bin/periphery-v2" >"$W/v2/build.log" 2>&1 &&
		! grep -q "not pinned" "$W/v2/build.log"; then
		ok "v2: build with the kept key pair and the pinned Core key"
	else
		notok "v2: build with the kept key pair and the pinned Core key"
		sed 's/^/#   /' "$W/v2/build.log"
		v2_core_stop
		return
	fi
	chmod -R a+rX "$W/pkgs/v2"
	deb=$(cd "$W/pkgs/v2" && ls ./*.deb | sed 's,^\./,/pkgs/v2/,')
	want=$(v2_core_info e2e-v2 public_key)
	priv=$(sed -n 's/^  "_site": "\(.*\)"$/\1/p' "$W/v2/site.state.yml")

	boot v2-keys || { v2_core_stop; return; }
	fs_baseline v2-keys
	install_timed system dpkg -i "$deb"
	check_wait "v2: agent active (system unit)" systemctl is-active --quiet periphery.service
	check "v2: packaged key root:komodo 0640, Core key root 0644" \
		sh -c '[ "$(stat -c %U:%G:%a /etc/komodo/keys/periphery.key)" = root:komodo:640 ] &&
			[ "$(stat -c %U:%a /etc/komodo/keys/core.1.pub)" = root:644 ]'
	check "v2: the agent's copy komodo:komodo 0600, the packaged key, not a new one" \
		sh -c 'k=/home/komodo/.komodo/keys/periphery.key; [ "$(stat -c %U:%G:%a $k)" = komodo:komodo:600 ] &&
			cmp $k /etc/komodo/keys/periphery.key'
	check "v2: config names the key file and the pinned Core key" \
		sh -c 'grep -qx "private_key = \"file:/home/komodo/.komodo/keys/periphery.key\"" /etc/komodo/periphery.config.toml &&
			grep -qx "core_public_keys = \[\"file:/etc/komodo/keys/core.1.pub\"\]" /etc/komodo/periphery.config.toml'
	if x runuser -u komodo -- sh -c 'periphery key compute "$(sed -n 2p /home/komodo/.komodo/keys/periphery.key)" -f json' \
		>"$W/v2/compute.out" 2>&1 &&
		grep -qF "\"public_key\":\"$want\"" "$W/v2/compute.out" && [ -n "$want" ]; then
		ok "v2: the agent derives from the shipped key the public key Core was given"
	else
		notok "v2: the agent derives from the shipped key the public key Core was given"
		echo "#   Core has '$want'"
		sed 's/^/#   /' "$W/v2/compute.out"
	fi
	check "v2: the pinned key file holds Core's GetCoreInfo key" \
		sh -c "sed -n 2p /etc/komodo/keys/core.1.pub | grep -qxF '$(v2_core_key)'"
	if [ -n "$priv" ] && x sh -c 'journalctl -b --no-pager; systemctl cat periphery.service;
		cat /var/lib/dpkg/info/komodo-periphery.*;
		find / -xdev -type f -perm -o=r -size -1M 2>/dev/null | xargs cat 2>/dev/null' \
		>"$W/v2/world.out" 2>&1 && ! grep -qF "$priv" "$W/v2/world.out"; then
		ok "v2: no private key in the journal, unit, scripts or world-readable files"
	else
		notok "v2: no private key in the journal, unit, scripts or world-readable files"
	fi
	check "v2: purge with KOMODO_DELETE_USER=yes" \
		env KOMODO_DELETE_USER=yes dpkg --purge "$PKG"
	check_not "v2: no key file left" test -e /etc/komodo/keys/periphery.key
	fs_check_clean v2-keys
	halt
	: >"$W/v2core.log"
	if "$PKGTOOL" register "$W/v2/site.yml" >"$W/v2/reg2.out" 2>&1 &&
		grep -qx "e2e-v2: unchanged" "$W/v2/reg2.out" &&
		! grep -q '"/write' "$W/v2core.log"; then
		ok "v2: a second register writes nothing"
	else
		notok "v2: a second register writes nothing"
		sed 's/^/#   /' "$W/v2/reg2.out"
	fi
	if [ -n "$priv" ] && ! cat "$W/v2"/*.out "$W/v2"/*.log "$W/v2core.log" | grep -qF "$priv"; then
		ok "v2: no private key in pkgtool's output or Core's log"
	else
		notok "v2: no private key in pkgtool's output or Core's log"
	fi
	v2_core_stop
}

# Core's public key as the fake gives it (GetCoreInfo)
v2_core_key() {
	/usr/bin/python3 - "$V2_CORE" <<'EOP'
import json, sys, urllib.request as u
r = u.Request(sys.argv[1] + "/read/GetCoreInfo", data=b"{}",
              headers={"Content-Type": "application/json",
                       "X-Api-Key": "e2e-key", "X-Api-Secret": "e2e-api-secret"})
print(json.load(u.urlopen(r))["public_key"])
EOP
}

# run.sh calls this after run_scenarios; E2E_SCENARIOS=v2_keys runs the
# scenario alone through run_scenarios instead.
run_v2_scenarios() {
	[ -n "${E2E_SCENARIOS:-}" ] && return
	echo "# --- scenario v2_keys"
	t=$(now)
	scenario_v2_keys
	if [ -n "$CURRENT_CT" ]; then
		halt
	fi
	v2_core_stop
	echo "# scenario v2_keys: $(elapsed "$t") s"
}
