#!/bin/sh
# t3300 - Komodo v2 keys: build and register agree on one X25519 key pair
# per server kept in the state file; Core gets the public key (CreateServer
# public_key, UpdateServerPublicKey), Core's own key is pinned from
# GetCoreInfo into core_public_keys; the package's key file is root-owned
# 0640; the agent derives from it the key Core was given; re-runs write
# nothing; --rotate-keys changes both sides once; outbound hosts are
# registered by key with no address; a v1 Core still gets passkeys; no
# private key or passkey in any output, log, unit, script or
# world-readable file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakecore.sh"
fakecore_start v2 || exit 1
BIN=$(fake_binary) || exit 1
export FAKE_PERIPHERY_VERSION=2.3.2

fakecore_site "$TMP/v2.yml"
cat >>"$TMP/v2.yml" <<EOS
enable_server_management: true
komodo_version: v2.3.2
komodo_service_scope: system
hosts:
  in-1:
    ansible_host: 10.3.0.1
  out-1:
    komodo_core_address: wss://core.lan:9120
EOS

# state_key HOST: the private key kept for HOST
state_key() {
	sed -n "/^private_keys:/,/^[a-z]/s/^  \"$1\": \"\(.*\)\"\$/\1/p" v2.state.yml
}
# shipped FILE HOST: a file of HOST's package, to stdout
shipped() {
	dpkg-deb --fsys-tarfile pkgs/"$2"/*.deb | tar -xO ".$1"
}
# derive KEY: the public key, as `periphery key compute KEY` prints it
# (KEY is the base64 body: a PEM would start like an option)
derive() {
	"$FAKE" key compute "$1" -f json |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)["public_key"])'
}

test_expect_success 'build before register: Core key not pinned (warned)' '
	"$PKGTOOL" build v2.yml --out pkgs --binary "$BIN" --host in-1 >out 2>err &&
	grep -q "in-1: Komodo Core.s public key is not pinned yet, so Periphery accepts any Core key" err &&
	test "$(stat -c %a v2.state.yml)" = 600 &&
	test -n "$(state_key in-1)" && cp v2.state.yml state.before
'
test_expect_success 'register: created with the kept public keys, Core key pinned' '
	"$PKGTOOL" register v2.yml >out 2>err &&
	grep -qx "in-1: created (address https://10.3.0.1:8120, enabled, public key)" out &&
	grep -qx "out-1: created (no address (outbound), enabled, public key)" out &&
	grep -qx "in-1: pinned Komodo Core.s public key; build this host.s packages again so Periphery accepts only this Core" out &&
	grep -q "^  \"$CORE\": \"MCowBQYDK2VuAyEA" v2.state.yml &&
	test "$(state_key in-1)" = "$(sed -n "s/^  \"in-1\": \"\(.*\)\"\$/\1/p" state.before)" &&
	test "$(derive "$(state_key in-1)")" = "$(fakecore_info in-1 public_key)" &&
	test "$(derive "$(state_key out-1)")" = "$(fakecore_info out-1 public_key)" &&
	test "$(fakecore_get in-1 auto_rotate_keys)" = false &&
	test "$(stat -c %a v2.state.yml)" = 600
'
test_expect_success 'build: private_key file:, core_public_keys pinned, key files' '
	"$PKGTOOL" build v2.yml --out pkgs --binary "$BIN" >out 2>err &&
	! grep -q "not pinned" err &&
	shipped /etc/komodo/periphery.config.toml in-1 >in.toml &&
	grep -qx "private_key = \"file:/home/komodo/.komodo/keys/periphery.key\"" in.toml &&
	grep -qx "core_public_keys = \[\"file:/etc/komodo/keys/core.1.pub\"\]" in.toml &&
	shipped /etc/komodo/keys/core.1.pub in-1 >core.pub &&
	test "$(sed -n 2p core.pub)" = "$(grep "^  \"$CORE\"" v2.state.yml | sed "s/.*: \"\(.*\)\"/\1/")" &&
	dpkg-deb -c pkgs/in-1/*.deb >list &&
	grep -q "^-rw-r----- root/root .* ./etc/komodo/keys/periphery.key\$" list &&
	grep -q "^-rw-r--r-- root/root .* ./etc/komodo/keys/core.1.pub\$" list &&
	test "$(stat -c %a pkgs/in-1/*.deb)" = 600 &&
	shipped /etc/komodo/periphery.config.toml out-1 >out1.toml &&
	grep -qx "core_public_keys = \[\"file:/etc/komodo/keys/core.1.pub\"\]" out1.toml &&
	! grep -q onboarding_key out1.toml
'
test_expect_success 'the agent derives from the shipped key what Core was given' '
	shipped /etc/komodo/keys/periphery.key in-1 >key.pem &&
	head -n1 key.pem | grep -qx -- "-----BEGIN PRIVATE KEY-----" &&
	test "$(derive "$(sed -n 2p key.pem)")" = "$(fakecore_info in-1 public_key)" &&
	test "$(openssl pkey -in key.pem -pubout -outform DER | base64 -w0)" = "$(fakecore_info in-1 public_key)" &&
	mkdir -p root && printf "root_directory = \"%s/root\"\nprivate_key = \"file:%s/key.pem\"\nserver_enabled = false\ncore_addresses = [\"wss://x\"]\nconnect_as = \"in-1\"\n" "$PWD" "$PWD" >agent.toml &&
	{ timeout 2 "$FAKE" --config-path agent.toml >agent.out 2>&1; test $? = 124; } &&
	! grep -q "Error" agent.out
'
test_expect_success 'a second register changes nothing' '
	: >"$CORELOG" && cp v2.state.yml state.2 &&
	"$PKGTOOL" register v2.yml >out 2>err &&
	grep -qx "in-1: unchanged" out && grep -qx "out-1: unchanged" out &&
	test "$(fakecore_count "\"/write")" -eq 0 &&
	cmp v2.state.yml state.2 && ! grep -q pinned out
'
test_expect_success '--rotate-keys: a new pair on both sides, once' '
	old=$(fakecore_info in-1 public_key) && : >"$CORELOG" &&
	"$PKGTOOL" register v2.yml --rotate-keys >out 2>err &&
	grep -qx "in-1: updated: public_key" out &&
	grep -qx "in-1: new key pair; Core has its public key: build and redeploy this host.s packages in out/in-1 (until then this Periphery cannot connect)" out &&
	test "$(fakecore_count UpdateServerPublicKey)" -eq 2 &&
	test "$(fakecore_count "\"/write")" -eq 2 &&
	test "$(fakecore_info in-1 public_key)" != "$old" &&
	test "$(derive "$(state_key in-1)")" = "$(fakecore_info in-1 public_key)" &&
	test "$(derive "$(state_key out-1)")" = "$(fakecore_info out-1 public_key)" &&
	: >"$CORELOG" && "$PKGTOOL" register v2.yml >out &&
	grep -qx "in-1: unchanged" out && test "$(fakecore_count "\"/write")" -eq 0 &&
	"$PKGTOOL" build v2.yml --out pkgs --binary "$BIN" >/dev/null 2>&1 &&
	shipped /etc/komodo/keys/periphery.key in-1 >key2.pem &&
	test "$(derive "$(sed -n 2p key2.pem)")" = "$(fakecore_info in-1 public_key)"
'
test_expect_success 'a key changed in Core is set back; Core rotated: re-pinned' '
	fakecore_ctl core_key "{\"public_key\": \"MCowBQYDK2VuAyEA2SIKf2w+/1gHnLrlmJtKDbHTP/pLkrJPmUOvyuOrMWA=\"}" &&
	"$PKGTOOL" register v2.yml --host in-1 >out 2>err &&
	grep -q "in-1: Komodo Core.s public key is not the one pinned before" err &&
	grep -q "MCowBQYDK2VuAyEA2SIKf2w+/1gHnLrlmJtKDbHTP/pLkrJPmUOvyuOrMWA=" v2.state.yml &&
	"$PKGTOOL" register v2.yml --host in-1 >out 2>err && ! grep -q pinned err
'
test_expect_success 'outbound: an address in Core is cleared once, as Core does' '
	fakecore_ctl seed "[{\"name\": \"out-2\", \"config\": {\"address\": \"wss://10.3.0.2:8120\", \"enabled\": true}}]" &&
	fakecore_site ob.yml && cat >>ob.yml <<-EOS &&
	enable_server_management: true
	komodo_version: v2.3.2
	hosts:
	  out-2:
	    komodo_core_address: wss://core.lan:9120
	EOS
	"$PKGTOOL" register ob.yml >out 2>err &&
	grep -qx "out-2: updated: address, auto_rotate_keys, public_key" out &&
	test -z "$(fakecore_get out-2 address)" &&
	: >"$CORELOG" && "$PKGTOOL" register ob.yml >out &&
	grep -qx "out-2: unchanged" out && test "$(fakecore_count "\"/write")" -eq 0
'
test_expect_success 'outbound: a connect_as other than the name is warned about' '
	cat >>ob.yml <<-EOS &&
	  out-3:
	    komodo_core_address: wss://core.lan:9120
	    komodo_connect_as: elsewhere
	EOS
	"$PKGTOOL" register ob.yml --host out-3 >out 2>err &&
	grep -q "out-3: Periphery connects as .elsewhere. (.komodo_connect_as.), but the server is registered as .out-3." err
'
test_expect_success 'dry run: shows UpdateServerPublicKey, saves and writes nothing' '
	cp v2.state.yml state.3 && : >"$CORELOG" &&
	"$PKGTOOL" register v2.yml --host in-1 --rotate-keys --dry-run >out 2>err &&
	grep -q "would send: POST $CORE/write {\"type\":\"UpdateServerPublicKey\",\"params\":{\"server\":\"[0-9a-f]*\",\"public_key\":\"MCowBQYDK2VuAyEA" out &&
	cmp v2.state.yml state.3 && test "$(fakecore_count "\"/write")" -eq 0
'
test_expect_success 'hostile input: a damaged kept key, a Core key that is no key' '
	cp v2.state.yml state.good &&
	sed -i "s|^  \"in-1\": \"MC4C.*|  \"in-1\": \"MC4CAQAwBQYDK2VwBCIEIAAA\"|" v2.state.yml &&
	test_must_fail "$PKGTOOL" register v2.yml --host in-1 >out 2>err &&
	grep -q "^v2.state.yml:[0-9]*:[0-9]*: error: the private key of .in-1. is damaged; delete the entry and run register again" err &&
	! grep -q MC4CAQAwBQYDK2VwBCIEIAAA err &&
	cp state.good v2.state.yml &&
	fakecore_ctl core_key "{\"public_key\": \"MCowBQYDK2VuAyEA\\u001b[31m\"}" && : >"$CORELOG" &&
	test_must_fail "$PKGTOOL" register v2.yml --host in-1 >out 2>err &&
	grep -q "GetCoreInfo gave a .public_key. that is no X25519 public key (base64 SPKI); is the URL that of a Komodo Core?" err &&
	! grep -q "\[31m" err && test "$(fakecore_count "\"/write")" -eq 0 &&
	cmp v2.state.yml state.good
'
test_expect_success 'a v1 Core still gets passkeys and no keys' '
	fakecore_start v1 && fakecore_site v1.yml && cat >>v1.yml <<-EOS &&
	enable_server_management: true
	komodo_version: v1.19.5
	generate_server_passkey: true
	hosts:
	  old-1:
	    ansible_host: 10.3.0.9
	EOS
	"$PKGTOOL" register v1.yml >out 2>err &&
	grep -qx "old-1: created (address https://10.3.0.9:8120, enabled, passkey)" out &&
	! grep -q public_key "$CORELOG" && ! grep -q GetCoreInfo "$CORELOG" &&
	! grep -q private_keys v1.state.yml &&
	"$PKGTOOL" render v1.yml --host old-1 config >v1.toml &&
	! grep -q -e private_key -e core_public_keys v1.toml &&
	cat out err >>all.out
'
test_expect_success 'no private key or passkey in output, log, unit, scripts or readable files' '
	keys=$(sed -n "/^private_keys:/,/^[a-z]/s/^  \"[^\"]*\": \"\(.*\)\"\$/\1/p" v2.state.yml) &&
	pk=$(sed -n "s/^  \"old-1\": \"\(.*\)\"\$/\1/p" v1.state.yml) &&
	test -n "$keys" && test -n "$pk" &&
	mkdir x && dpkg-deb -x pkgs/in-1/*.deb x && dpkg-deb -e pkgs/in-1/*.deb x/DEBIAN &&
	for w in unit postinst preinst prerm postrm; do
		"$PKGTOOL" render v2.yml --host in-1 $w >>all.out 2>&1 || true
	done &&
	cat out err "$CORELOG" >>all.out &&
	find x -type f -perm -o=r -exec cat {} + >>all.out &&
	for k in $keys $pk; do
		! grep -qF -e "$k" all.out || exit 1
	done &&
	test "$(find x -type f -name periphery.key -perm -o=r | wc -l)" -eq 0
'
test_done
