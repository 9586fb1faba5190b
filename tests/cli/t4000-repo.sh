#!/bin/sh
# t4000 - pkgtool repo: one folder that is a signed apt and dnf repository,
# read back by apt-get (in a private apt root), gpgv, rpm -K and rpmlint.
# Keys are throwaway ones in a temporary GNUPGHOME.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
gpg_test_key 'Repo Test <repo@test.invalid>' 'Other <other@test.invalid>'
DEB=komodo-periphery_1.19.5-1_amd64.deb
RPM=komodo-periphery-1.19.5-1.x86_64.rpm

site() { # site NAME RELEASE [extra yaml]
	printf 'komodo_binary_path: %s\nkomodo_service_scope: system\npackage_release: "%s"\n%s\n' \
		"$BIN" "$2" "${3:-}" >"$TMP/$1.yml"
}
site v1 1
site v2 2
site v1b 1 'komodo_logging_level: debug'
"$PKGTOOL" -q build "$TMP/v1.yml" --out "$TMP/v1" &&
	"$PKGTOOL" -q build "$TMP/v2.yml" --out "$TMP/v2" &&
	"$PKGTOOL" -q build "$TMP/v1b.yml" --out "$TMP/v1b" || exit 1

# apt-get against the repository in a private apt root (no system state).
apt_root() { # apt_root SUITE KEYRING
	rm -rf aptroot
	mkdir -p aptroot/etc/apt/sources.list.d aptroot/etc/apt/preferences.d \
		aptroot/var/lib/apt/lists/partial aptroot/var/cache/apt/archives/partial \
		aptroot/var/lib/dpkg
	touch aptroot/var/lib/dpkg/status
	printf 'Types: deb\nURIs: file:%s/repo\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$TMP" "$1" "$2" >aptroot/etc/apt/sources.list.d/k.sources
}
apt_do() {
	"$@" -o Dir="$TMP/aptroot" -o Dir::State::status="$TMP/aptroot/var/lib/dpkg/status" \
		-o Dir::Etc::trusted=/dev/null -o Dir::Etc::TrustedParts=/nonexistent \
		-o APT::Architecture=amd64 -o APT::Sandbox::User=root
}
apt_update() { # prints apt's output; fails on any W:/E: line
	apt_do apt-get update >apt.out 2>&1
	rc=$?
	cat apt.out
	[ $rc -eq 0 ] && ! grep -E "^(W|E|Err):" apt.out
}
primary() { # the primary.xml.gz that repomd.xml names now
	gzip -dc "repo/rpm/stable/$(sed -n 's|.*href="\(repodata/[^"]*-primary.xml.gz\)".*|\1|p' \
		repo/rpm/stable/repodata/repomd.xml)"
}
tree_sum() {
	(cd "$1" && find . -type f ! -name .lock -print0 | sort -z |
		xargs -0 sha256sum)
}

test_expect_success 'repo add creates a repository with both formats' '
	"$PKGTOOL" repo add repo v1/$DEB v1/$RPM --key "$KEY" --url http://127.0.0.1:1 >src 2>err &&
	test -f repo/pool/stable/main/k/komodo-periphery/$DEB &&
	test -f repo/rpm/stable/Packages/$RPM &&
	for f in InRelease Release Release.gpg main/binary-amd64/Packages \
		main/binary-amd64/Packages.gz main/binary-amd64/Packages.xz; do
		test -f repo/dists/stable/$f || exit 1
	done &&
	test -f repo/rpm/stable/repodata/repomd.xml &&
	test -f repo/rpm/stable/repodata/repomd.xml.asc &&
	test -f repo/keys/repo.gpg && test -f repo/keys/repo.asc &&
	grep -q "added pool/stable" err
'
test_expect_success 'Release has the fields, SHA256 of every index and by-hash copies' '
	R=repo/dists/stable/Release &&
	for f in Origin Label Suite Codename Date Architectures Components; do
		grep -q "^$f: " $R || exit 1
	done &&
	grep -qx "Acquire-By-Hash: yes" $R &&
	for f in Packages Packages.gz Packages.xz; do
		h=$(sha256sum repo/dists/stable/main/binary-amd64/$f | cut -d" " -f1) &&
		s=$(stat -c %s repo/dists/stable/main/binary-amd64/$f) &&
		grep -qx " $h $s main/binary-amd64/$f" $R &&
		cmp repo/dists/stable/main/binary-amd64/$f \
			repo/dists/stable/main/binary-amd64/by-hash/SHA256/$h || exit 1
	done &&
	xz -dc repo/dists/stable/main/binary-amd64/Packages.xz | cmp - repo/dists/stable/main/binary-amd64/Packages &&
	gzip -dc repo/dists/stable/main/binary-amd64/Packages.gz | cmp - repo/dists/stable/main/binary-amd64/Packages
'
test_expect_success 'Packages stanza: control fields, Filename, Size and hashes' '
	P=repo/dists/stable/main/binary-amd64/Packages &&
	F=pool/stable/main/k/komodo-periphery/$DEB &&
	grep -qx "Package: komodo-periphery" $P &&
	grep -qx "Filename: $F" $P &&
	grep -qx "Size: $(stat -c %s repo/$F)" $P &&
	grep -qx "SHA256: $(sha256sum repo/$F | cut -d" " -f1)" $P &&
	grep -qx "MD5sum: $(md5sum repo/$F | cut -d" " -f1)" $P
'
test_expect_success 'InRelease, Release.gpg and repomd.xml.asc verify with the exported key' '
	gpgv --keyring "$TMP/repo/keys/repo.gpg" repo/dists/stable/InRelease &&
	gpgv --keyring "$TMP/repo/keys/repo.gpg" repo/dists/stable/Release.gpg repo/dists/stable/Release &&
	gpg --dearmor <repo/keys/repo.asc >asc.gpg &&
	gpgv --keyring "$TMP/asc.gpg" repo/rpm/stable/repodata/repomd.xml.asc repo/rpm/stable/repodata/repomd.xml
'
test_expect_success 'apt-get update with signed-by: no W:/E:, candidate from the repository' '
	apt_root stable "$TMP/repo/keys/repo.gpg" && apt_update &&
	apt_do apt-cache policy komodo-periphery >pol &&
	grep -q "Candidate: 1.19.5-1" pol
'
test_expect_success 'apt-get refuses the repository under another key' '
	gpg --export Other >other.gpg &&
	apt_root stable "$TMP/other.gpg" && ! apt_update >/dev/null &&
	grep -q "NO_PUBKEY\|not signed\|EXPKEYSIG\|is not signed" apt.out
'
test_expect_success 'rpm -K: the pooled rpm is signed, the input stays unsigned' '
	mkdir db && rpm --dbpath "$TMP/db" --initdb &&
	rpm --dbpath "$TMP/db" --import repo/keys/repo.asc &&
	rpm --dbpath "$TMP/db" -K repo/rpm/stable/Packages/$RPM >k &&
	grep -q "digests signatures OK" k &&
	rpm --dbpath "$TMP/db" -K v1/$RPM | grep -qv signatures
'
# plain rpmlint: tests/rpmlint.toml filters no-signature for unsigned builds
test_expect_success 'rpmlint no longer reports no-signature' '
	test -f repo/rpm/stable/Packages/$RPM &&
	{ rpmlint v1/$RPM >before 2>&1 || :; } &&
	grep -q no-signature before &&
	{ rpmlint repo/rpm/stable/Packages/$RPM >after 2>&1 || :; } &&
	grep -q "1 packages and 0 specfiles checked" after && ! grep -q no-signature after
'
test_expect_success 'repodata lists the package (createrepo_c metadata)' '
	primary | grep -q "<name>komodo-periphery</name>" &&
	primary | grep -q "href=\"Packages/$RPM\"" &&
	grep -q "primary.xml.gz" repo/rpm/stable/repodata/repomd.xml
'
test_expect_success 'adding the same files again changes nothing' '
	tree_sum repo >before &&
	"$PKGTOOL" repo add repo v1/$DEB v1/$RPM 2>err &&
	grep -q "unchanged pool/stable" err && grep -q "unchanged rpm/stable" err &&
	tree_sum repo >after && test_cmp before after
'
test_expect_success 'a different file under the same name-version-arch is refused' '
	tree_sum repo >before &&
	test_must_fail "$PKGTOOL" repo add repo v1b/$DEB 2>err &&
	grep -q "differs from the komodo-periphery 1.19.5-1 (amd64) already in suite .stable.; publish a new version or pass --replace" err &&
	test "$(grep -c error: err)" = 1 &&
	tree_sum repo >after && test_cmp before after
'
test_expect_success '--replace takes it' '
	"$PKGTOOL" repo add repo v1b/$DEB --replace 2>err &&
	grep -q "replaced pool/stable" err &&
	cmp v1b/$DEB repo/pool/stable/main/k/komodo-periphery/$DEB
'
test_expect_success 'a new version keeps the older one; apt-cache policy lists both' '
	"$PKGTOOL" repo add repo v2/komodo-periphery_1.19.5-2_amd64.deb \
		v2/komodo-periphery-1.19.5-2.x86_64.rpm >/dev/null 2>&1 &&
	apt_root stable "$TMP/repo/keys/repo.gpg" && apt_update &&
	apt_do apt-cache policy komodo-periphery >pol &&
	grep -q "Candidate: 1.19.5-2" pol && grep -q " 1.19.5-1 500" pol &&
	test "$(ls repo/rpm/stable/Packages/*.rpm | wc -l)" = 2 &&
	primary | grep -c "<package " >n &&
	test "$(cat n)" = 2
'
test_expect_success 'repo list shows every version of every format' '
	"$PKGTOOL" repo list repo >list &&
	printf "stable\tkomodo-periphery\t1.19.5-2\tamd64\tdeb\nstable\tkomodo-periphery\t1.19.5-1\tamd64\tdeb\nstable\tkomodo-periphery\t1.19.5-2\tamd64\trpm\nstable\tkomodo-periphery\t1.19.5-1\tamd64\trpm\n" >expect &&
	test_cmp expect list
'
test_expect_success '--keep 1 drops the older versions from pool and indices' '
	"$PKGTOOL" repo add repo v2/komodo-periphery_1.19.5-2_amd64.deb --keep 1 2>err &&
	grep -q "dropping pool/stable/main/k/komodo-periphery/$DEB" err &&
	test ! -e repo/pool/stable/main/k/komodo-periphery/$DEB &&
	test ! -e repo/rpm/stable/Packages/$RPM &&
	! grep -q "1.19.5-1" repo/dists/stable/main/binary-amd64/Packages &&
	primary | grep -c "<package " >n &&
	test "$(cat n)" = 1
'
test_expect_success 'repo remove NAME=VERSION, and an unknown one changes nothing' '
	"$PKGTOOL" repo add repo v1/$DEB 2>/dev/null &&
	tree_sum repo >before &&
	test_must_fail "$PKGTOOL" repo remove repo komodo-periphery=9.9 2>err &&
	grep -q "no package .komodo-periphery=9.9." err &&
	tree_sum repo >after && test_cmp before after &&
	"$PKGTOOL" repo remove repo komodo-periphery=1.19.5-1 &&
	test ! -e repo/pool/stable/main/k/komodo-periphery/$DEB &&
	! grep -q "Version: 1.19.5-1$" repo/dists/stable/main/binary-amd64/Packages &&
	grep -q "Version: 1.19.5-2$" repo/dists/stable/main/binary-amd64/Packages
'
test_expect_success 'sources prints the deb822 stanza and the .repo file' '
	"$PKGTOOL" repo sources repo --url http://10.0.0.1/k >s &&
	grep -qx "URIs: http://10.0.0.1/k" s &&
	grep -qx "Signed-By: /etc/apt/keyrings/komodo.gpg" s &&
	grep -qx "baseurl=http://10.0.0.1/k/rpm/stable" s &&
	grep -qx "repo_gpgcheck=1" s && grep -qx "gpgcheck=1" s &&
	grep -qx "gpgkey=http://10.0.0.1/k/keys/repo.asc" s &&
	! grep -q trusted=yes s
'
test_expect_success 'export-key prints the armored public key, never a secret one' '
	"$PKGTOOL" repo export-key repo >k.asc &&
	grep -q "BEGIN PGP PUBLIC KEY BLOCK" k.asc && ! grep -q PRIVATE k.asc &&
	! grep -rq "PRIVATE KEY" repo
'
test_expect_success 'an unknown key id: one error, nothing created' '
	test_must_fail "$PKGTOOL" repo add new v1/$DEB --key 0123456789ABCDEF 2>err &&
	grep -q "no secret key .0123456789ABCDEF." err &&
	test "$(grep -c error: err)" = 1 && test ! -e new
'
test_expect_success 'a file that is not a package: one error, repository unchanged' '
	tree_sum repo >before &&
	echo hello >not.deb &&
	test_must_fail "$PKGTOOL" repo add repo not.deb 2>err &&
	grep -q "not.deb. is not a package (neither a .deb nor an .rpm)" err &&
	printf "!<arch>\nbroken" >bad.deb &&
	test_must_fail "$PKGTOOL" repo add repo bad.deb 2>err2 &&
	grep -q "bad.deb" err2 && test "$(grep -c error: err2)" = 1 &&
	tree_sum repo >after && test_cmp before after
'
test_expect_success 'a folder that is not a repository is left alone' '
	mkdir other && echo x >other/file &&
	test_must_fail "$PKGTOOL" repo add other v1/$DEB --key "$KEY" 2>err &&
	grep -q "not a pkgtool repository" err &&
	test "$(ls -A other)" = file &&
	test_must_fail "$PKGTOOL" repo list other 2>err &&
	grep -q "not a pkgtool repository" err
'
test_expect_success 'a package for an architecture the suite lacks' '
	"$PKGTOOL" repo add a64 v1/$DEB --key "$KEY" --suite s1 --arch arm64 2>err;
	grep -q "architecture .amd64., which suite .s1. does not carry (it has: arm64" err &&
	test ! -e a64
'
test_expect_success 'a package holding secrets is refused unless --allow-secrets' '
	printf "komodo_binary_path: %s\nkomodo_passkeys: [s3cret-passkey]\n" "$BIN" >sec.yml &&
	"$PKGTOOL" -q build sec.yml --out sec --format deb &&
	tree_sum repo >before &&
	test_must_fail "$PKGTOOL" repo add repo sec/$DEB 2>err &&
	grep -q "holds secrets" err && grep -q "anyone who can read the repository" err &&
	grep -q "allow-secrets" err &&
	tree_sum repo >after && test_cmp before after &&
	"$PKGTOOL" repo add trusted sec/$DEB --key "$KEY" --allow-secrets 2>/dev/null >/dev/null &&
	test -f trusted/pool/stable/main/k/komodo-periphery/$DEB
'
test_expect_success '--per-host: each host folder becomes its own suite' '
	printf "komodo_binary_path: %s\nkomodo_service_scope: system\npackage_formats: [deb]\nhosts:\n  web-01:\n    komodo_periphery_port: 8199\n  db-01:\n" "$BIN" >fleet.yml &&
	"$PKGTOOL" -q build fleet.yml --out fl &&
	"$PKGTOOL" repo add fleet fl/*/*.deb --per-host --key "$KEY" >src 2>/dev/null &&
	grep -qx "Suites: web-01" src && grep -qx "Suites: db-01" src &&
	apt_root web-01 "$TMP/fleet/keys/repo.gpg" &&
	sed -i "s|/repo$|/fleet|" aptroot/etc/apt/sources.list.d/k.sources &&
	apt_update && apt_do apt-get download komodo-periphery 2>&1 &&
	dpkg-deb -x komodo-periphery_1.19.5-1_amd64.deb w &&
	grep -qx "port = 8199" w/etc/komodo/periphery.config.toml
'
test_expect_success '--valid-for DAYS writes Valid-Until after Date' '
	"$PKGTOOL" repo add vu v1/$DEB --key "$KEY" --valid-for 7 >/dev/null 2>&1 &&
	fmt="+%a, %d %b %Y %H:%M:%S UTC" &&
	grep -qx "Date: $(date -u -d @1700000000 "$fmt")" vu/dists/stable/Release &&
	grep -qx "Valid-Until: $(date -u -d @$((1700000000 + 7 * 86400)) "$fmt")" vu/dists/stable/Release &&
	gpgv --keyring "$TMP/vu/keys/repo.gpg" vu/dists/stable/InRelease 2>/dev/null &&
	test_must_fail "$PKGTOOL" repo add vu v1/$DEB --valid-for soon 2>err &&
	grep -q "valid-for wants a number" err
'
test_expect_success 'two concurrent publishes serialise on the lock' '
	"$PKGTOOL" repo add conc v1/$DEB --key "$KEY" >/dev/null 2>&1 &&
	flock conc/.lock sleep 2 &
	sleep 0.5 &&
	"$PKGTOOL" repo add conc v2/komodo-periphery_1.19.5-2_amd64.deb 2>err >/dev/null &&
	wait &&
	grep -q "waiting for another publish" err &&
	grep -c "^Package:" conc/dists/stable/main/binary-amd64/Packages >n &&
	test "$(cat n)" = 2
'
test_done
