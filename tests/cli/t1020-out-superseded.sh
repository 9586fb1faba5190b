#!/bin/sh
# t1020 - out/ holds one package per name, format and architecture: when a
# build raises the release (a changed site), the file it supersedes is
# removed ("removed PATH"), so `apt install ./out/komodo-periphery_*.deb`
# names one file. Files of hosts not in the build, other names, formats
# and architectures, and anything else in out/ stay; a failed build
# removes nothing.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
D=komodo-periphery_1.19.5
R=komodo-periphery-1.19.5
printf 'komodo_binary_path: %s\nkomodo_service_scope: system\n' "$BIN" >"$TMP/s.yml"

# what no build of s.yml (amd64, this package name) may ever remove
foreign() {
	mkdir -p o/${D}-0_amd64.deb o/sub &&
	for f in ${D}-1_arm64.deb komodo-periphery-web_1.19.5-1_amd64.deb \
		komodo-periphery-web-1.19.5-1.x86_64.rpm ${R}-1.aarch64.rpm \
		komodo-periphery-2-1.19.5-1.x86_64.rpm \
		${D}-1_amd64.deb.bak .${D}-1_amd64.deb.a1b2c3 notes.txt \
		komodo-periphery_latest_amd64.deb sub/${D}-1_amd64.deb; do
		echo foreign >"o/$f" || return 1
	done &&
	ln -s /etc/hostname o/${D}-9_amd64.deb
}
foreign_intact() {
	for f in ${D}-1_arm64.deb komodo-periphery-web_1.19.5-1_amd64.deb \
		komodo-periphery-web-1.19.5-1.x86_64.rpm ${R}-1.aarch64.rpm \
		komodo-periphery-2-1.19.5-1.x86_64.rpm \
		${D}-1_amd64.deb.bak .${D}-1_amd64.deb.a1b2c3 notes.txt \
		komodo-periphery_latest_amd64.deb sub/${D}-1_amd64.deb; do
		test "$(cat "o/$f")" = foreign || { echo "o/$f is gone"; return 1; }
	done &&
	test -d o/${D}-0_amd64.deb && test -L o/${D}-9_amd64.deb
}

test_expect_success 'a release bump removes the release it supersedes, nothing else' '
	"$PKGTOOL" build s.yml --out o >out 2>&1 &&
	test -f o/${D}-1_amd64.deb && test -f o/${R}-1.x86_64.rpm &&
	! grep -q "^removed" out && foreign &&
	"$PKGTOOL" -q build s.yml --out clean &&
	echo "komodo_logging_level: debug" >>s.yml &&
	"$PKGTOOL" build s.yml --out o >out 2>&1 &&
	grep -q "release is now 2" out &&
	test -f o/${D}-2_amd64.deb && test -f o/${R}-2.x86_64.rpm &&
	test ! -e o/${D}-1_amd64.deb && test ! -e o/${R}-1.x86_64.rpm &&
	grep -x "removed o/${D}-1_amd64.deb" out &&
	grep -x "removed o/${R}-1.x86_64.rpm" out &&
	test "$(grep -c "^removed" out)" = 2 &&
	foreign_intact
'
test_expect_success 'the documented glob names one package per format; a rebuild removes nothing more' '
	"$PKGTOOL" -q build s.yml --out clean &&
	(cd clean && set -- ./komodo-periphery_*.deb &&
		test "$*" = "./${D}-2_amd64.deb" &&
		set -- ./komodo-periphery-*.rpm &&
		test "$*" = "./${R}-2.x86_64.rpm") &&
	"$PKGTOOL" build s.yml --out o >out 2>&1 &&
	! grep -q "^removed" out && grep -q "^unchanged o/${D}-2_amd64.deb" out &&
	foreign_intact
'
test_expect_success 'a build of one format leaves the other format alone' '
	sed -i "s/^komodo_logging_level: debug$/komodo_logging_level: warn/" s.yml &&
	"$PKGTOOL" build s.yml --out o --format deb >out 2>&1 &&
	test -f o/${D}-3_amd64.deb && test ! -e o/${D}-2_amd64.deb &&
	test -f o/${R}-2.x86_64.rpm &&
	grep -x "removed o/${D}-2_amd64.deb" out &&
	test "$(grep -c "^removed" out)" = 1 && foreign_intact
'
test_expect_success 'a failed build removes nothing; the next one does' '
	sed -i "s/^komodo_logging_level: warn$/komodo_logging_level: error/" s.yml &&
	mkdir o/${D}-4_amd64.deb &&
	ls -A o >before &&
	test_must_fail "$PKGTOOL" build s.yml --out o >out 2>&1 &&
	! grep -q "^removed" out &&
	ls -A o >after && test_cmp before after &&
	test -f o/${D}-3_amd64.deb && test -f o/${R}-2.x86_64.rpm &&
	rmdir o/${D}-4_amd64.deb &&
	"$PKGTOOL" build s.yml --out o >out 2>&1 &&
	test -f o/${D}-4_amd64.deb && test -f o/${R}-3.x86_64.rpm &&
	grep -x "removed o/${D}-3_amd64.deb" out &&
	grep -x "removed o/${R}-2.x86_64.rpm" out &&
	test "$(grep -c "^removed" out)" = 2 && foreign_intact
'
test_expect_success 'hosts: --host b prunes b only; a and the site-level files stay' '
	printf "komodo_binary_path: %s\nkomodo_service_scope: system\npackage_formats: [deb]\nhosts:\n  a:\n  b:\n" "$BIN" >f.yml &&
	mkdir fo && echo site >fo/${D}-1_amd64.deb &&
	"$PKGTOOL" -q build f.yml --out fo &&
	cp fo/a/${D}-1_amd64.deb fo/a/${D}-0_amd64.deb &&
	sed -i "s/^  b:$/  b:\n    komodo_periphery_port: 8555/" f.yml &&
	sed -i "s/^  a:$/  a:\n    komodo_periphery_port: 8556/" f.yml &&
	"$PKGTOOL" build f.yml --out fo --host b >out 2>&1 &&
	test -f fo/b/${D}-2_amd64.deb && test ! -e fo/b/${D}-1_amd64.deb &&
	grep -x "removed fo/b/${D}-1_amd64.deb" out &&
	test "$(grep -c "^removed" out)" = 1 &&
	test -f fo/a/${D}-1_amd64.deb && test -f fo/a/${D}-0_amd64.deb &&
	test "$(cat fo/${D}-1_amd64.deb)" = site
'
test_expect_success 'hosts: a build of every host prunes each host directory' '
	"$PKGTOOL" build f.yml --out fo >out 2>&1 &&
	test -f fo/a/${D}-2_amd64.deb &&
	test ! -e fo/a/${D}-1_amd64.deb && test ! -e fo/a/${D}-0_amd64.deb &&
	grep -x "removed fo/a/${D}-1_amd64.deb" out &&
	grep -x "removed fo/a/${D}-0_amd64.deb" out &&
	test "$(grep -c "^removed" out)" = 2 &&
	test -f fo/b/${D}-2_amd64.deb &&
	test "$(cat fo/${D}-1_amd64.deb)" = site
'
test_done
