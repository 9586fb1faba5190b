#!/bin/sh
# t1200 - rendered Periphery configs: golden text, valid TOML, exactly the
# keys the role's template writes, and strings that survive the trip.
. "$(dirname "$0")/lib.sh"
G="$TOP/tests/golden/config"

for d in "$G"/*/; do
	c=$(basename "$d")
	test_expect_success "config $c: golden text" '
		"$PKGTOOL" render "$d/site.yml" >actual &&
		test_cmp "$d/expected.toml" actual
	'
	test_expect_success "config $c: TOML keys match the role" '
		"$PKGTOOL" render "$d/site.yml" >cfg.toml &&
		$PY "$TOP/tests/cli/keys.py" cfg.toml >keys &&
		test_cmp "$d/expected.keys" keys
	'
	test_expect_success "config $c: strings round-trip" '
		"$PKGTOOL" render "$d/site.yml" >cfg.toml &&
		$PY "$TOP/tests/cli/roundtrip.py" "$d/site.yml" cfg.toml
	'
done

test_expect_success 'config accepted by the test double of that version' '
	for d in "$G"/*/; do
		"$PKGTOOL" render "$d/site.yml" >"$(basename "$d").toml" || exit 1
	done &&
	"$FAKE" --check-config --config-path v1-defaults.toml &&
	"$FAKE" --check-config --config-path v1-auth.toml &&
	"$FAKE" --check-config --config-path v1-providers.toml
'

# issue 8.2: a conffile whose bytes follow the release stops every upgrade
# of an edited config at dpkg's prompt
test_expect_success 'config bytes do not depend on the Periphery version' '
	for v in v1.19.4 v1.19.5 v1.19.6; do
		echo "komodo_version: $v" >ver.yml &&
		"$PKGTOOL" render ver.yml >"cfg-$v.toml" || exit 1
	done &&
	test_cmp cfg-v1.19.5.toml cfg-v1.19.4.toml &&
	test_cmp cfg-v1.19.5.toml cfg-v1.19.6.toml
'

test_expect_success 'check accepts the example site' '
	KOMODO_PASSKEY=example "$PKGTOOL" check "$TOP/config/site.yml"
'
C="$TOP/tests/golden/custom"
test_expect_success 'custom config and unit templates' '
	"$PKGTOOL" render "$C/site.yml" >cfg && test_cmp "$C/expected.toml" cfg &&
	"$PKGTOOL" render "$C/site.yml" unit >unit &&
	test_cmp "$C/expected.service" unit &&
	$PY -c "import tomllib,sys; tomllib.load(open(sys.argv[1],\"rb\"))" cfg
'
test_expect_success 'a template error points at the template line' '
	printf "port = 1\nx = {{ nope }}\n" >bad.tmpl &&
	printf "komodo_config_file_template: bad.tmpl\n" >bt.yml &&
	test_must_fail "$PKGTOOL" render bt.yml 2>err &&
	grep -q "bad.tmpl:2:5: error: .{{ nope }}. names no variable" err
'
test_expect_success 'scripts never receive a secret' '
	printf "komodo_passkeys: [hunter2]\n" >sec.yml &&
	for s in preinst postinst prerm postrm pre post preun postun; do
		"$PKGTOOL" render sec.yml $s || exit 1
	done >all && ! grep -q hunter2 all
'
test_done
