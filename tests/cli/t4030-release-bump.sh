#!/bin/sh
# t4030 - a changed site must reach the hosts: a rebuild whose content
# changed while the Periphery version stayed gets the next release (kept
# per host, format and architecture in the state file); an unchanged
# rebuild keeps release and bytes; a package_release in the site wins.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
D=komodo-periphery_1.19.5
R=komodo-periphery-1.19.5
printf 'komodo_binary_path: %s\nkomodo_service_scope: system\n' "$BIN" >"$TMP/s.yml"

test_expect_success 'first build: release 1, remembered in the state file' '
	"$PKGTOOL" -q build s.yml --out o &&
	test -f o/${D}-1_amd64.deb && test -f o/${R}-1.x86_64.rpm &&
	grep -q "^  _site/deb/amd64/1.19.5: \"[0-9a-f]\{64\} 1\"$" s.state.yml &&
	grep -q "^  _site/rpm/amd64/1.19.5: \"[0-9a-f]\{64\} 1\"$" s.state.yml &&
	test "$(stat -c %a s.state.yml)" = 600
'
test_expect_success 'an unchanged rebuild keeps release and bytes' '
	sha256sum o/* >before && cp s.state.yml state.before &&
	"$PKGTOOL" build s.yml --out o 2>err &&
	! grep -q "release is now" err &&
	sha256sum o/* >after && test_cmp before after &&
	test_cmp state.before s.state.yml
'
test_expect_success 'a site edit raises the release and says so' '
	echo "komodo_logging_level: debug" >>s.yml &&
	"$PKGTOOL" build s.yml --out o 2>err &&
	grep -q "deb amd64: the content changed, so the release is now 2 (version 1.19.5-2)" err &&
	grep -q "rpm amd64: the content changed, so the release is now 2 (version 1.19.5-2)" err &&
	dpkg-deb -f o/${D}-2_amd64.deb Version | grep -qx 1.19.5-2 &&
	rpm -qp --qf "%{RELEASE}" o/${R}-2.x86_64.rpm | grep -qx 2 &&
	dpkg --compare-versions 1.19.5-2 gt 1.19.5-1
'
test_expect_success 'the next unchanged rebuild stays at 2' '
	"$PKGTOOL" build s.yml --out o2 2>err && ! grep -q "release is now" err &&
	test -f o2/${D}-2_amd64.deb && cmp o/${D}-2_amd64.deb o2/${D}-2_amd64.deb
'
test_expect_success 'a format built alone is raised alone' '
	sed -i "s/^komodo_logging_level: debug$/komodo_logging_level: warn/" s.yml &&
	"$PKGTOOL" -q build s.yml --out o3 --format deb 2>err &&
	test -f o3/${D}-3_amd64.deb &&
	grep -q "^  _site/rpm/amd64/1.19.5: \"[0-9a-f]\{64\} 2\"$" s.state.yml
'
test_expect_success 'a package_release in the site wins' '
	echo "package_release: \"7\"" >>s.yml &&
	"$PKGTOOL" -q build s.yml --out o4 &&
	test -f o4/${D}-7_amd64.deb && test -f o4/${R}-7.x86_64.rpm
'
test_expect_success 'hosts keep their own releases' '
	printf "komodo_binary_path: %s\nkomodo_service_scope: system\npackage_formats: [deb]\nhosts:\n  a:\n  b:\n" "$BIN" >f.yml &&
	"$PKGTOOL" -q build f.yml --out fo &&
	sed -i "s/^  b:$/  b:\n    komodo_periphery_port: 8555/" f.yml &&
	"$PKGTOOL" build f.yml --out fo 2>err &&
	grep -q "^b: deb amd64: the content changed, so the release is now 2" err &&
	! grep -q "^a: " err &&
	test -f fo/b/${D}-2_amd64.deb && test ! -e fo/a/${D}-2_amd64.deb
'
test_expect_success 'a broken releases entry is an error with its location' '
	printf "releases:\n  _site/deb/amd64/1.19.5: \"nonsense\"\n" >b.state.yml &&
	cp s.yml b.yml && test_must_fail "$PKGTOOL" -q build b.yml --out bo 2>err &&
	grep -q "b.state.yml:2:.*error: release of ._site/deb/amd64/1.19.5. is not" err &&
	test ! -e bo
'
test_done
