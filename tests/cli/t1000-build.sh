#!/bin/sh
# t1000 - pkgtool build: packages inspected with the real tools (dpkg-deb,
# rpm, lintian, rpmlint, systemd-analyze) and built reproducibly.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
DEB=komodo-periphery_1.19.5-1_amd64.deb
RPM=komodo-periphery-1.19.5-1.x86_64.rpm

cat >"$TMP/user.yml" <<EOS
komodo_binary_path: $BIN
komodo_passkeys: [s3cret-passkey]
package_maintainer: "Test Ops <ops@example.com>"
EOS
cat >"$TMP/system.yml" <<EOS
komodo_binary_path: $BIN
komodo_service_scope: system
package_maintainer: "Test Ops <ops@example.com>"
EOS

test_expect_success 'build the user-scope site (deb + rpm)' '
	"$PKGTOOL" build user.yml --out u 2>err &&
	test -f u/$DEB && test -f u/$RPM &&
	test "$(ls u | wc -l)" -eq 2 &&
	grep -q "wrote u/$DEB" err
'
test_expect_success 'build the system-scope site' '
	"$PKGTOOL" -q build system.yml --out s && test -f s/$DEB && test -f s/$RPM
'
test_expect_success 'packages with secrets are 0600, others 0644' '
	test "$(stat -c %a u/$DEB)" = 600 && test "$(stat -c %a u/$RPM)" = 600 &&
	test "$(stat -c %a s/$DEB)" = 644 && test "$(stat -c %a s/$RPM)" = 644
'
test_expect_success 'deb: ar members and control fields' '
	ar t u/$DEB >members &&
	printf "debian-binary\ncontrol.tar.xz\ndata.tar.xz\n" >expect &&
	test_cmp expect members &&
	dpkg-deb -f u/$DEB Package Version Architecture >fields &&
	printf "Package: komodo-periphery\nVersion: 1.19.5-1\nArchitecture: amd64\n" >expect &&
	test_cmp expect fields &&
	dpkg-deb -f u/$DEB Depends | grep -q "libpam-systemd" &&
	dpkg-deb -f u/$DEB Depends | grep -q "libc6 (>= 2.31)" &&
	test -n "$(dpkg-deb -f u/$DEB Installed-Size)"
'
test_expect_success 'deb: file list, owners and modes' '
	dpkg-deb -c u/$DEB >list &&
	grep -E "^-rwxr-xr-x root/root .* \./usr/bin/periphery$" list &&
	grep -E "^-rw-r----- root/root .* \./etc/komodo/periphery.config.toml$" list &&
	grep -E "^-rw-r--r-- root/root .* \./usr/lib/systemd/user/periphery.service$" list &&
	grep -E "^-rw-r--r-- root/root .* \./usr/lib/sysusers.d/komodo-periphery.conf$" list &&
	grep -E "\./usr/share/doc/komodo-periphery/copyright$" list &&
	! grep -v " root/root " list &&
	! grep -q "/home/" list &&
	dpkg-deb -c s/$DEB | grep -q "\./usr/lib/systemd/system/periphery.service$"
'
test_expect_success 'deb: conffiles, md5sums and scripts' '
	mkdir ctl && dpkg-deb -e u/$DEB ctl &&
	echo /etc/komodo/periphery.config.toml >expect &&
	test_cmp expect ctl/conffiles &&
	for s in preinst postinst prerm postrm; do
		test -x ctl/$s && head -n 1 ctl/$s | grep -q "^#!/bin/sh" || exit 1
	done &&
	mkdir root && dpkg-deb -x u/$DEB root &&
	(cd root && md5sum --quiet -c ../ctl/md5sums) &&
	test "$(wc -l <ctl/md5sums)" -ge 5 &&
	! grep -q periphery.config.toml ctl/md5sums
'
test_expect_success 'deb: the shipped binary is the given one' '
	mkdir r2 && dpkg-deb -x u/$DEB r2 && cmp r2/usr/bin/periphery "$BIN" &&
	grep -q "$(sha256sum <"$BIN" | cut -c1-64)" r2/usr/share/doc/komodo-periphery/periphery.sha256
'
test_expect_success 'deb: no secret outside the 0640 config' '
	mkdir r3 && dpkg-deb -x u/$DEB r3 && dpkg-deb -e u/$DEB r3/DEBIAN &&
	grep -rl s3cret-passkey r3 >hits &&
	echo r3/etc/komodo/periphery.config.toml >expect && test_cmp expect hits
'
test_expect_success 'lintian: 0 errors, 0 warnings (deb, both scopes)' '
	lintian --fail-on error,warning u/$DEB s/$DEB >lint 2>&1 ||
		{ cat lint; exit 1; }
	! grep -E "^[EW]: " lint
'
test_expect_success 'rpm -K: digests OK' '
	rpm -K u/$RPM | grep -q "digests OK" && rpm -K s/$RPM | grep -q "digests OK"
'
test_expect_success 'rpm: metadata, files, config, scripts, requires' '
	rpm -qp --qf "%{NAME} %{VERSION} %{RELEASE} %{ARCH}\n" u/$RPM >got &&
	echo "komodo-periphery 1.19.5 1 x86_64" >expect && test_cmp expect got &&
	rpm -qlvp u/$RPM >list &&
	grep -E "^-rwxr-xr-x .* root +root .* /usr/bin/periphery$" list &&
	grep -E "^-rw-r----- .* root +root .* /etc/komodo/periphery.config.toml$" list &&
	! grep -E " /usr/bin$| /usr$| /etc$" list &&
	rpm -qcp u/$RPM | grep -qx /etc/komodo/periphery.config.toml &&
	rpm -qp --scripts u/$RPM >scripts &&
	grep -q "^preinstall scriptlet (using /bin/sh)" scripts &&
	grep -q "^postinstall scriptlet (using /bin/sh)" scripts &&
	rpm -qp --requires u/$RPM >req &&
	grep -q "^rpmlib(PayloadIsXz)" req && grep -q "^/bin/sh" req &&
	grep -q "^rpmlib(FileDigests)" req &&
	rpm -qp --qf "[%{FILEFLAGS:fflags} %{FILENAMES}\n]" u/$RPM |
		grep -q "^cn /etc/komodo/periphery.config.toml"
'
test_expect_success 'rpmlint: 0 errors' '
	rpmlint -c "$TOP/tests/rpmlint.toml" u/$RPM s/$RPM >lint 2>&1;
	cat lint; grep -q " 0 errors" lint
'
test_expect_success 'systemd-analyze verify the system unit in the unpacked package' '
	mkdir sys && dpkg-deb -x s/$DEB sys &&
	systemd-analyze verify --recursive-errors=no --root="$TMP/sys" \
		periphery.service
'
for c in xz zstd gzip; do
	test_expect_success "reproducible with $c (deb and rpm)" '
		sed "s/^package_maintainer/package_compression: '$c'\npackage_maintainer/" \
			system.yml >'$c'.yml &&
		"$PKGTOOL" -q build '$c'.yml --out a'$c' &&
		sleep 1 &&
		"$PKGTOOL" -q build '$c'.yml --out b'$c' &&
		cmp a'$c'/$DEB b'$c'/$DEB && cmp a'$c'/$RPM b'$c'/$RPM &&
		dpkg-deb -I a'$c'/$DEB >/dev/null && rpm -K a'$c'/$RPM | grep -q "digests OK"
	'
done
test_expect_success 'different SOURCE_DATE_EPOCH gives different bytes' '
	SOURCE_DATE_EPOCH=1700000001 "$PKGTOOL" -q build system.yml --out later &&
	! cmp -s s/$DEB later/$DEB
'
test_expect_success '--format and --binary select what is built' '
	sed "/komodo_binary_path/d" system.yml >nobin.yml &&
	"$PKGTOOL" -q build nobin.yml --format rpm --binary "amd64=$BIN" --out f &&
	test "$(ls f)" = "$RPM"
'
test_expect_success 'arm64 packages are named by both conventions' '
	cat >arm.yml <<-EOS &&
	package_architectures: [arm64]
	EOS
	cp "$BIN" notarm &&
	test_must_fail "$PKGTOOL" build arm.yml --binary arm64=notarm --out arm 2>err &&
	grep -q "is not an arm64 binary" err && test ! -e arm/x
'
test_done
