#!/bin/sh
# t1260 - package relations and directories a Debian/Fedora maintainer would
# choose (issue 8.5), and `build --out a/b/c` (issue 8.7). The booted-root
# half (install with no git, no Docker, no apt lists) is tests/e2e.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)

cat >"$TMP/s.yml" <<EOF
komodo_binary_path: $BIN
komodo_service_scope: system
komodo_config_dir: /etc/komodo-a
komodo_config_path: /etc/komodo-a/b/periphery.config.toml
package_maintainer: "Test Ops <ops@example.com>"
EOF

test_expect_success 'build --out makes a path whose parents are missing' '
	"$PKGTOOL" -q build s.yml --out new/deeper/out &&
	ls new/deeper/out/*.deb new/deeper/out/*.rpm
'
test_expect_success 'deb: git only Recommended, docker only Suggested' '
	d=$(ls new/deeper/out/*.deb) &&
	! dpkg-deb -f "$d" Depends | grep -qw git &&
	test "$(dpkg-deb -f "$d" Recommends)" = git &&
	test "$(dpkg-deb -f "$d" Suggests)" = "docker.io | docker-ce" &&
	! dpkg-deb -f "$d" Depends | grep -q docker
'
test_expect_success 'rpm: git and docker are weak dependencies only' '
	r=$(ls new/deeper/out/*.rpm) &&
	! rpm -qp --requires "$r" | grep -e git -e docker &&
	test "$(rpm -qp --recommends "$r")" = git &&
	rpm -qp --suggests "$r" | sort >sug &&
	printf "docker\ndocker-ce\n" >expect && test_cmp expect sug
'
test_expect_success 'rpm owns every directory the config brings below /etc' '
	rpm -qlp new/deeper/out/*.rpm | grep "^/etc" >etc &&
	printf "/etc/komodo-a\n/etc/komodo-a/b\n/etc/komodo-a/b/periphery.config.toml\n" >expect &&
	test_cmp expect etc
'
test_done
