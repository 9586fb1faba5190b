#!/bin/sh
# t1210 - issue 10 item 2: site -> typed plan, read by every later stage.
# plan*.c and site*.c read the site by key (struct plan_unit, plan_config,
# plan_source, plan_server are filled there once); render, the writers,
# fetch, resolve, register, keypair and state read typed fields, never a
# site key by name. A custom template's own {{ name }} lookups are data
# (site_lookup() with the user's name in render.c), not keys in the code.
# SRC points at another tree to check it.
. "$(dirname "$0")/lib.sh"
SRC=${SRC:-$TOP/pkgtool}

# the C files other than plan*.c and site*.c
later_stages() {
	for f in "$SRC"/*.c; do
		case ${f##*/} in
		plan*.c | site*.c) ;;
		*) echo "$f" ;;
		esac
	done
}

no_literal_lookup() {
	! grep -nE 'site_(get|str|bool|int|is_set|loc|lookup)\([^,]*, *"' \
		"$SRC/$1"
}

test_expect_success 'unit.c looks up no site key by name' \
	'no_literal_lookup unit.c'
test_expect_success 'render.c looks up no site key by name' \
	'no_literal_lookup render.c'
# one filler per struct, in one of the plan's files
test_expect_success 'each typed struct has one filler in plan*.c' '
	for f in unit config package source server host; do
		test "$(cat "$SRC"/plan*.c |
			grep -c "^void plan_${f}_init(")" = 1 || exit 1
	done
'
test_expect_success 'no file but plan*.c and site*.c looks a key up by name' \
	'! grep -nE "site_(get|str|bool|int|is_set|loc|lookup)\([^,]*, *\"" \
		$(later_stages)'
# a key in a table or variable is still a key: only the plan reads the
# site; a custom template's names are looked up in render.c alone
test_expect_success 'no file but plan*.c and site*.c reads a site value' \
	'! grep -nE "site_(get|str|bool|int|is_set|loc)\(" $(later_stages) &&
	 ! grep -nE "site_lookup\(" $(later_stages) | grep -v "/render\.c:"'
# the state file's passkeys, keys and releases go into the plan
# (struct plan_state, plan_opts.release), never back into the site
test_expect_success 'nothing writes into a validated site (site_set_*)' \
	'! grep -n "site_set_\(secret\|value\|str\)\|plan_set_release" \
		"$SRC"/*.c "$SRC"/*.h'
test_done
