#!/bin/sh
# t1520 - secrets never reach a file that is not secret-mode (issue 9 item
# 6): a custom unit template (0644, ExecStart= visible in ps) cannot use
# one, the config template (0640) still can; weak passkeys are warned
# about, since the packages' digests of the config are world-readable.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
LONG=0123456789abcdef-long

unit_tmpl() { # site file, template line
	printf '[Service]\nExecStart=/usr/bin/periphery %s\n' "$2" >"$TMP/$1.tmpl"
	printf 'komodo_service_file_template: %s.tmpl\nkomodo_passkeys: [%s]\nserver_passkey: %s\n' \
		"$1" "$LONG" "$LONG-server" >"$TMP/$1.yml"
}

for v in server_passkey komodo_passkeys merged_passkeys; do
	test_expect_success "a unit template cannot use {{ $v }}" '
		unit_tmpl '$v' "--passkey {{ '$v' }}" &&
		test_must_fail "$PKGTOOL" render '$v'.yml unit >out 2>err &&
		cat err &&
		grep -q "^./'$v'.tmpl:2:40: error: .{{ '$v' }}. names no variable" err &&
		grep -q "^'$v'.yml:1:31: note: .'$v'. holds a secret and this file is world-readable" err &&
		! grep -q "$LONG" out
	'
done
test_expect_success 'a unit template cannot use an !env value or komodo_extra_env' '
	printf "[Service]\nEnvironment=X={{ komodo_onboarding_key }}\n" >env.tmpl &&
	printf "komodo_service_file_template: env.tmpl\nkomodo_onboarding_key: !env OB_KEY\n" >env.yml &&
	OB_KEY=$LONG test_must_fail "$PKGTOOL" render env.yml unit 2>err &&
	grep -q "holds a secret" err &&
	printf "[Service]\nEnvironment={{ komodo_extra_env }}\n" >ee.tmpl &&
	printf "komodo_service_file_template: ee.tmpl\nkomodo_extra_env: [{name: TOKEN, value: $LONG}]\n" >ee.yml &&
	test_must_fail "$PKGTOOL" render ee.yml unit 2>err &&
	grep -q "holds a secret" err
'
test_expect_success 'build fails too, and writes nothing' '
	unit_tmpl b "{{ server_passkey }}" &&
	printf "komodo_binary_path: %s\n" "$BIN" >>b.yml &&
	test_must_fail "$PKGTOOL" build b.yml --out o 2>err &&
	test ! -e o
'
test_expect_success 'a unit template may use what is not secret' '
	unit_tmpl ok "--config-path {{ komodo_config_path }} # {{ komodo_user }}" &&
	"$PKGTOOL" render ok.yml unit >out &&
	grep -q "periphery.config.toml # komodo" out
'
test_expect_success 'the config template (0640) may still use passkeys' '
	printf "passkeys = {{ merged_passkeys | toml }}\n" >c.tmpl &&
	printf "komodo_config_file_template: c.tmpl\nkomodo_passkeys: [%s]\n" "$LONG" >c.yml &&
	"$PKGTOOL" render c.yml >out && grep -q "$LONG" out
'
test_expect_success 'a passkey shorter than 16 characters is warned about, once' '
	printf "komodo_binary_path: %s\nkomodo_passkeys: [short1, %s]\nserver_passkey: fifteen-chars-x\n" \
		"$BIN" "$LONG" >weak.yml &&
	"$PKGTOOL" build weak.yml --out w 2>err && cat err &&
	test "$(grep -c "warning: a passkey of" err)" = 2 &&
	grep -q "^weak.yml:2:19: warning: a passkey of 6 characters is weak" err &&
	grep -q "^weak.yml:3:17: warning: a passkey of 15 characters is weak" err &&
	test -f w/komodo-periphery_1.19.5-1_amd64.deb
'
test_expect_success 'a weak passkey shared by every host: one warning' '
	printf "komodo_passkeys: [short1]\nhosts:\n  a: {}\n  b: {}\n" >hw.yml &&
	"$PKGTOOL" check hw.yml 2>err && cat err &&
	test "$(grep -c "^hw.yml:1:19: warning: a passkey of 6" err)" = 1
'
test_expect_success '16 characters or a generated passkey: no warning' '
	printf "komodo_passkeys: [0123456789abcdef]\n" >strong.yml &&
	"$PKGTOOL" render strong.yml >/dev/null 2>err && ! grep -q warning err &&
	printf "generate_server_passkey: true\n" >gen.yml &&
	"$PKGTOOL" render gen.yml >/dev/null 2>err && ! grep -q warning err
'
test_done
