#!/bin/sh
# t1500 - the systemd units: golden text, and systemd itself reads every
# golden unit (system units offline with --root, user units with a user
# manager's search path) without a warning. The awkward cases hold every
# character systemd treats specially in some directive (issue 9 item 10).
. "$(dirname "$0")/lib.sh"
G="$TOP/tests/golden/unit"
BIN=$(fake_binary)
# user units are verified as nobody, who needs to read them
UV=$(mktemp -d /tmp/pkgtool-t1500.XXXXXX)
chmod 755 "$UV"
trap 'rm -rf "$TMP" "$UV"' EXIT

for d in "$G"/*/; do
	c=$(basename "$d")
	test_expect_success "unit $c: golden text" '
		"$PKGTOOL" render "$d/site.yml" unit >actual &&
		test_cmp "$d/expected.service" actual
	'
	if grep -q "scope: user" "$d/site.yml"; then
		test_expect_success "unit $c: systemd-analyze --user verify, no output" '
			mkdir -p "$UV/$c" "$UV/$c.run" && chmod 777 "$UV/$c.run" &&
			"$PKGTOOL" render "$d/site.yml" unit |
			sed "s,^ExecStart=/usr/bin/periphery ,ExecStart=/bin/true ," \
				>"$UV/$c/periphery.service" &&
			chmod -R a+rX "$UV/$c" &&
			(cd / && runuser -u nobody -- env XDG_RUNTIME_DIR="$UV/$c.run" \
				systemd-analyze --user verify --recursive-errors=no \
				"$UV/$c/periphery.service") >out 2>&1;
			rc=$?; cat out; test $rc = 0 && test ! -s out
		'
	else
		test_expect_success "unit $c: systemd-analyze verify --root, no output" '
			r=root-$c && mkdir -p $r/usr/lib/systemd/system $r/usr/bin &&
			cp "$BIN" $r/usr/bin/periphery &&
			"$PKGTOOL" render "$d/site.yml" unit \
				>$r/usr/lib/systemd/system/periphery.service &&
			if test -f "$d/expected.dropin"; then
				mkdir -p $r/usr/lib/systemd/system/periphery.service.d &&
				"$PKGTOOL" render "$d/site.yml" \
					/usr/lib/systemd/system/periphery.service.d/50-site-overrides.conf \
					>$r/usr/lib/systemd/system/periphery.service.d/50-site-overrides.conf
			fi &&
			systemd-analyze verify --recursive-errors=no --root="$TMP/$r" \
				periphery.service >out 2>&1;
			rc=$?; cat out; test $rc = 0 && test ! -s out
		'
	fi
done

test_expect_success 'awkward values: each directive quoted its own way' '
	"$PKGTOOL" render "$G/awkward-system/site.yml" unit >u &&
	grep -qxF "WorkingDirectory=/srv/a b%%c\$d'"'"'eü" u &&
	grep -qxF "Environment=\"HOME=/srv/a b%%c\$d'"'"'eü\"" u &&
	grep -qxF "ExecStart=/usr/bin/periphery --config-path \"/etc/komodo/p %%x\$\$y'"'"'ü.toml\"" u
'
test_expect_success 'UID/GID: user scope takes the manager'"'"'s own ids' '
	"$PKGTOOL" render "$G/user/site.yml" unit >user &&
	"$PKGTOOL" render "$G/system/site.yml" unit >sys &&
	"$PKGTOOL" render "$G/fixed-ids/site.yml" unit >ids &&
	grep -qx "Environment=UID=%U GID=%G" user &&
	! grep -q "UID=" sys &&
	grep -qx "Environment=UID=981" ids && grep -qx "Environment=GID=977" ids
'
test_expect_success 'a home ending in a blank cannot be a WorkingDirectory=' '
	printf "komodo_home: \"/srv/komodo \"\n" >blank.yml &&
	test_must_fail "$PKGTOOL" render blank.yml unit 2>err &&
	grep -q "^blank.yml:1:14: error: .komodo_home. is ./srv/komodo .; a unit" err
'
test_expect_success 'the sysusers home is quoted the same way (no $$)' '
	"$PKGTOOL" render "$G/awkward-system/site.yml" sysusers >su &&
	grep -qF " \"/srv/a b%%c\$d'"'"'eü\" /usr/sbin/nologin" su
'
test_done
