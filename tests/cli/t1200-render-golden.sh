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
	FAKEV=$(sed -n "s/^# Komodo Periphery //p" v1-defaults.toml) &&
	test "$FAKEV" = 1.19.5 &&
	"$FAKE" --check-config --config-path v1-defaults.toml &&
	"$FAKE" --check-config --config-path v1-auth.toml &&
	"$FAKE" --check-config --config-path v1-providers.toml
'

test_expect_success 'check accepts the example site' '
	KOMODO_PASSKEY=example "$PKGTOOL" check "$TOP/config/site.yml"
'
test_done
