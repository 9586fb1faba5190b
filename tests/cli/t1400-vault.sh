#!/bin/sh
# t1400 - Ansible Vault values in the site file (!vault |), decrypted with
# --vault-password-file or ANSIBLE_VAULT_PASSWORD_FILE.
. "$(dirname "$0")/lib.sh"
V="$TOP/tests/golden/vault"
printf 'correct horse battery staple\n' >"$TMP/pw"
{
	echo "komodo_passkeys:"
	echo "  - !vault |"
	sed 's/^/      /' "$V/hello.vault"
	echo "komodo_git_providers:"
	echo "  - domain: github.com"
	echo "    accounts:"
	echo "      - username: bot"
	echo "        token: !vault |"
	sed 's/^/          /' "$V/utf8.vault"
} >"$TMP/v.yml"

test_expect_success 'vault values decrypt into the config' '
	"$PKGTOOL" --vault-password-file pw render v.yml >cfg &&
	grep -qx "passkeys = \[\"s3cret-token\"\]" cfg &&
	$PY -c "import tomllib,sys; c=tomllib.load(open(\"cfg\",\"rb\")); sys.exit(0 if c[\"git_provider\"][0][\"accounts\"][0][\"token\"] else 1)"
'
test_expect_success 'ANSIBLE_VAULT_PASSWORD_FILE works too, and a pipe' '
	ANSIBLE_VAULT_PASSWORD_FILE=pw "$PKGTOOL" check v.yml &&
	cat pw | "$PKGTOOL" --vault-password-file /dev/stdin check v.yml
'
test_expect_success 'no password: the value location is named' '
	test_must_fail "$PKGTOOL" check v.yml 2>err &&
	grep -q "^v.yml:2:5: error: !vault value, but no vault password: pass --vault-password-file" err
'
test_expect_success 'wrong password: one error at the value, exit 1' '
	echo wrong >bad && test_must_fail "$PKGTOOL" --vault-password-file bad check v.yml 2>err &&
	grep -q "^v.yml:2:5: error: !vault: cannot decrypt vault data: wrong password" err &&
	test "$(wc -l <err)" -le 2
'
test_expect_success 'decrypted secrets stay out of messages and scripts' '
	"$PKGTOOL" --vault-password-file pw render v.yml postinst >s &&
	! grep -q s3cret-token s &&
	"$PKGTOOL" --vault-password-file pw check v.yml >o 2>&1 && ! grep -q s3cret o
'
test_done
