#!/bin/sh
# t1210 - issue 10 item 2: the renderers read the typed plan (struct
# plan_unit / plan_config, filled once in plan.c), never a site key by
# name. A custom template's own {{ name }} lookups are data and are not
# literal keys in the code. SRC points at another tree to check it.
. "$(dirname "$0")/lib.sh"
SRC=${SRC:-$TOP/pkgtool}

no_literal_lookup() {
	! grep -nE 'site_(get|str|bool|int|is_set|loc|lookup)\([^,]*, *"' \
		"$SRC/$1"
}

test_expect_success 'unit.c looks up no site key by name' \
	'no_literal_lookup unit.c'
test_expect_success 'render.c looks up no site key by name' \
	'no_literal_lookup render.c'
test_expect_success 'the plan fills both structs in one place (plan.c)' \
	'grep -q "^void plan_unit_init" "$SRC/plan.c" &&
	 grep -q "^void plan_config_init" "$SRC/plan.c"'
# the state file's passkeys, keys and releases go into the plan
# (struct plan_state, plan_opts.release), never back into the site
test_expect_success 'nothing writes into a validated site (site_set_*)' \
	'! grep -n "site_set_\(secret\|value\|str\)\|plan_set_release" \
		"$SRC"/*.c "$SRC"/*.h'
test_done
