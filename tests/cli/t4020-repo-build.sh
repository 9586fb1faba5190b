#!/bin/sh
# t4020 - pkgtool build --sign KEY / --publish DIR: rpms signed at build
# time, packages published straight into a repository (one suite per host
# for a fleet), and packages with secrets kept out of it.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
gpg_test_key 'Repo Test <repo@test.invalid>'
RPM=komodo-periphery-1.19.5-1.x86_64.rpm
DEB=komodo-periphery_1.19.5-1_amd64.deb
printf 'komodo_binary_path: %s\nkomodo_service_scope: system\n' "$BIN" >"$TMP/s.yml"
printf 'komodo_binary_path: %s\nkomodo_service_scope: system\npackage_formats: [deb]\nhosts:\n  web-01:\n  db-01:\n' \
	"$BIN" >"$TMP/fleet.yml"
printf 'komodo_binary_path: %s\nkomodo_passkeys: [s3cret]\n' "$BIN" >"$TMP/sec.yml"

test_expect_success 'build --sign: rpm -K reports the signature OK' '
	"$PKGTOOL" -q build s.yml --out o --sign "$KEY" &&
	mkdir db && rpm --dbpath "$TMP/db" --initdb &&
	gpg --export -a "$KEY" >k.asc && rpm --dbpath "$TMP/db" --import k.asc &&
	rpm --dbpath "$TMP/db" -K o/$RPM | grep -q "digests signatures OK" &&
	{ rpmlint o/$RPM >lint 2>&1 || :; } &&
	grep -q "1 packages and 0 specfiles checked" lint && ! grep -q no-signature lint
'
test_expect_success 'build --sign with an unknown key fails before writing' '
	test_must_fail "$PKGTOOL" -q build s.yml --out none --sign DEADBEEF 2>err &&
	grep -q "no secret key .DEADBEEF." err && test ! -e none
'
test_expect_success 'build --publish DIR: the packages land in the repository' '
	"$PKGTOOL" -q build s.yml --out o2 --sign "$KEY" --publish repo >src &&
	test -f repo/pool/stable/main/k/komodo-periphery/$DEB &&
	test -f repo/rpm/stable/Packages/$RPM &&
	grep -qx "Suites: stable" src &&
	gpgv --keyring "$TMP/repo/keys/repo.gpg" repo/dists/stable/InRelease 2>/dev/null
'
test_expect_success 'build --publish for hosts: one suite per host' '
	"$PKGTOOL" -q build fleet.yml --out fo --publish repo >src &&
	"$PKGTOOL" repo list repo >list &&
	grep -q "^web-01	komodo-periphery	1.19.5-1	amd64	deb$" list &&
	grep -q "^db-01	komodo-periphery	1.19.5-1	amd64	deb$" list &&
	test -f repo/dists/web-01/InRelease && test -f repo/dists/db-01/InRelease
'
test_expect_success 'build --publish refuses packages with secrets; out/ keeps them' '
	test_must_fail "$PKGTOOL" -q build sec.yml --out so --format deb --publish repo 2>err &&
	grep -q "holds secrets" err && grep -q "not in the repository" err &&
	test "$(stat -c %a so/$DEB)" = 600 &&
	"$PKGTOOL" repo list repo --suite stable >list && test "$(wc -l <list)" = 2
'
test_expect_success 'a key with a passphrase: refused without, signs with --passphrase-file' '
	umask 077 && echo "pass phrase 42" >pw &&
	gpg --batch --pinentry-mode loopback --passphrase-file pw \
		--quick-gen-key "Locked <locked@test.invalid>" default sign never 2>/dev/null &&
	gpgconf --kill gpg-agent &&
	test_must_fail "$PKGTOOL" repo add lk o/$RPM --key locked@test.invalid </dev/null 2>err &&
	grep -q "passphrase-file" err && test "$(grep -c error: err)" = 1 && test ! -e lk &&
	gpgconf --kill gpg-agent &&
	"$PKGTOOL" repo add lk o/$RPM --key locked@test.invalid --passphrase-file pw </dev/null >/dev/null 2>&1 &&
	gpg --export -a locked@test.invalid >l.asc && mkdir db2 &&
	rpm --dbpath "$TMP/db2" --initdb && rpm --dbpath "$TMP/db2" --import l.asc &&
	rpm --dbpath "$TMP/db2" -K lk/rpm/stable/Packages/$RPM | grep -q "digests signatures OK" &&
	gpgv --keyring "$TMP/lk/keys/repo.gpg" lk/dists/stable/InRelease 2>/dev/null
'
test_done
