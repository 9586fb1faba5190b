# tests/e2e/repo.sh - pkgtool repo, proven with apt-get and dnf in booted
# containers (issue 11). Sourced by run.sh, which calls run_repo_scenarios
# with its helpers (x, check, check_not, check_wait, wait_health, ...).
# The repository is served inside the container by python3's http.server
# on loopback; keys are throwaway ones in a temporary GNUPGHOME.
# shellcheck shell=sh disable=SC2154

REPO_URL=http://127.0.0.1:8080

# the fleet's package has no secrets: each host has its own
# /etc/komodo/periphery.env (README "Fleet packages without secrets")
repo_site() { # name version extra...
	_n=$1
	_v=$2
	shift 2
	SITE_VERSION=$_v SITE_PASSKEYS="[]" site "$_n" \
		"komodo_service_scope: system" "$@"
}

repo_prepare() {
	export GNUPGHOME="$W/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --passphrase '' --quick-gen-key 'E2E Repo <repo@e2e.invalid>' \
		default sign never 2>/dev/null &&
		gpg --batch --passphrase '' --quick-gen-key 'Intruder <x@e2e.invalid>' \
			default sign never 2>/dev/null || return 1
	RKEY=$(gpg --list-secret-keys --with-colons 'E2E Repo' 2>/dev/null |
		awk -F: '/^fpr/ { print $10; exit }')
	mkdir -p "$W/rpk"
	repo_site r1 v1.19.5
	repo_site r6 v1.19.6
	repo_site rfleet v1.19.5 "package_formats: [deb]" "hosts:" \
		"  web-01:" "    komodo_periphery_port: 8199" "  db-01:"
	for s in r1 rfleet; do
		"$PKGTOOL" -q build "$W/sites/$s.yml" --out "$W/rpk/$s" \
			--binary "$W/bin/periphery" >"$W/build-$s.log" 2>&1 || return 1
	done
	"$PKGTOOL" -q build "$W/sites/r6.yml" --out "$W/rpk/r6" \
		--binary "$W/bin/periphery-new" >"$W/build-r6.log" 2>&1 || return 1
	"$PKGTOOL" repo add "$W/repo" "$W/rpk/r1/"*.deb "$W/rpk/r1/"*.rpm \
		--key "$RKEY" >"$W/repo-add.log" 2>&1 &&
		"$PKGTOOL" repo add "$W/repo" "$W/rpk/rfleet/"*/*.deb --per-host \
			>>"$W/repo-add.log" 2>&1
}

repo_boot() { # name
	boot "$1" --bind-ro="$W/repo":/repo || return 1
	fs_baseline "$1"
	# no network in here: only our repository as a source
	x sh -c 'mkdir -p /root/apt-off && mv /etc/apt/sources.list.d/* /etc/apt/sources.list /root/apt-off/ 2>/dev/null; true'
	x systemd-run -q --unit=repohttp python3 -m http.server --bind 127.0.0.1 \
		--directory /repo 8080
	waitfor curl -sf -o /dev/null "$REPO_URL/keys/repo.asc" ||
		notok "$1: the repository is served on loopback"
	# the host-local secret (system scope: systemd reads it as root)
	printf 'PERIPHERY_PASSKEYS=%s\n' "$PASSKEY" |
		x sh -c 'mkdir -p /etc/komodo && umask 077 && cat >/etc/komodo/periphery.env'
}

# stanza SUITE apt|dnf: what `pkgtool repo sources` prints for it
repo_stanza() {
	"$PKGTOOL" repo sources "$W/repo" --suite "$1" --url "$REPO_URL" |
		awk -v k="$2" '$0 ~ "^# suite .*: " k { f = 1; next } /^$/ { f = 0 } f'
}

apt_clean_update() { # fails unless apt-get update is clean
	x sh -c 'rm -rf /var/lib/apt/lists/*; apt-get update >/tmp/u 2>&1; rc=$?; cat /tmp/u;
		[ $rc = 0 ] && ! grep -E "^(W|E|Err):" /tmp/u'
}

agent_still_up() { # label
	if x systemctl is-active --quiet periphery.service && wait_health 200; then
		ok "$1: the installed agent keeps running"
	else
		notok "$1: the installed agent keeps running"
	fi
}

repo_tamper_apt() {
	R=$W/repo
	cp -a "$R/dists" "$W/dists.bak"
	for f in "$R"/dists/stable/main/binary-amd64/Packages* \
		"$R"/dists/stable/main/binary-amd64/by-hash/SHA256/*; do
		printf 'X' >>"$f"
	done
	if apt_clean_update >"$W/t.out" 2>&1; then
		notok "repo tamper: a modified Packages file is refused"
	elif grep -qi "hash sum mismatch\|File has unexpected size" "$W/t.out"; then
		ok "repo tamper: a modified Packages file is refused (hash mismatch)"
	else
		notok "repo tamper: a modified Packages file is refused with a hash error"
		sed 's/^/#   /' "$W/t.out" | tail -n 5
	fi
	rm -rf "$R/dists" && cp -a "$W/dists.bak" "$R/dists"
	agent_still_up "repo tamper (Packages)"

	gpg --batch --yes -u Intruder --clearsign -o "$R/dists/stable/InRelease" \
		"$R/dists/stable/Release" 2>/dev/null
	gpg --batch --yes -u Intruder -a --detach-sign -o "$R/dists/stable/Release.gpg" \
		"$R/dists/stable/Release" 2>/dev/null
	if apt_clean_update >"$W/t.out" 2>&1; then
		notok "repo tamper: a Release signed by another key is refused"
	elif grep -q "NO_PUBKEY\|not signed\|couldn't be verified" "$W/t.out"; then
		ok "repo tamper: a Release signed by another key is refused (signature error)"
	else
		notok "repo tamper: a Release signed by another key is refused with a signature error"
		sed 's/^/#   /' "$W/t.out" | tail -n 5
	fi
	rm -rf "$R/dists" && cp -a "$W/dists.bak" "$R/dists"
	agent_still_up "repo tamper (Release key)"

	apt_clean_update >/dev/null 2>&1
	P=$(find "$R/pool/stable" -name '*1.19.6*.deb')
	cp "$P" "$W/pool.bak"
	cp "$W/rpk/r1/"*.deb "$P"
	if x sh -c 'apt-get clean && apt-get install --reinstall -y komodo-periphery' >"$W/t.out" 2>&1; then
		notok "repo tamper: a replaced .deb in the pool is refused"
	elif grep -qi "hash sum mismatch\|size mismatch\|unexpected size" "$W/t.out"; then
		ok "repo tamper: a replaced .deb in the pool is refused (hash mismatch)"
	else
		notok "repo tamper: a replaced .deb in the pool is refused with a hash error"
		sed 's/^/#   /' "$W/t.out" | tail -n 5
	fi
	cp "$W/pool.bak" "$P"
	agent_still_up "repo tamper (pool .deb)"
	rm -rf "$W/dists.bak"
}

main_pid() {
	x systemctl show -p MainPID --value periphery.service
}

# A site edit without a new Periphery version: build raises the release,
# and the hosts apply it (from the repository, and with apt install ./x.deb).
repo_bump_scenario() {
	sed -i 's/^komodo_bind_ip: 127.0.0.1$/&\nkomodo_logging_level: debug/' "$W/sites/r6.yml"
	mkdir -p "$W/pkgs/bump"
	"$PKGTOOL" build "$W/sites/r6.yml" --out "$W/pkgs/bump" --format deb \
		--binary "$W/bin/periphery-new" >"$W/bump.log" 2>&1
	if grep -q "the content changed, so the release is now 2 (version 1.19.6-2)" "$W/bump.log"; then
		ok "repo bump: the edited site builds as 1.19.6-2"
	else
		notok "repo bump: the edited site builds as 1.19.6-2"
		sed 's/^/#   /' "$W/bump.log"
	fi
	"$PKGTOOL" repo add "$W/repo" "$W/pkgs/bump/"*.deb >>"$W/repo-add.log" 2>&1
	pid=$(main_pid)
	check "repo bump: apt-get upgrade applies the edited config" sh -c \
		'apt-get update -q && apt-get upgrade -y &&
		dpkg-query -W -f="\${Version}" komodo-periphery | grep -qx 1.19.6-2 &&
		grep -qx "logging.level = \"debug\"" /etc/komodo/periphery.config.toml'
	if waitfor sh -c "[ \"\$(systemctl show -p MainPID --value periphery.service)\" != $pid ]" &&
		wait_health 200; then
		ok "repo bump: the agent was restarted on the new config"
	else
		notok "repo bump: the agent was restarted on the new config"
	fi
	sed -i 's/^komodo_logging_level: debug$/komodo_logging_level: warn/' "$W/sites/r6.yml"
	# into the same out/ as 1.19.6-2: the documented glob must name one
	"$PKGTOOL" build "$W/sites/r6.yml" --out "$W/pkgs/bump" --format deb \
		--binary "$W/bin/periphery-new" >>"$W/bump.log" 2>&1
	chmod -R a+rX "$W/pkgs/bump"
	check "repo bump: apt install ./out/NAME_*.deb applies the next edit (1.19.6-3)" sh -c \
		'set -- /pkgs/bump/komodo-periphery_*.deb && [ $# = 1 ] &&
		apt-get install -y "$1" &&
		dpkg-query -W -f="\${Version}" komodo-periphery | grep -qx 1.19.6-3 &&
		grep -qx "logging.level = \"warn\"" /etc/komodo/periphery.config.toml'
	check_wait "repo bump: the agent is active after it" systemctl is-active --quiet periphery.service
}

repo_apt_scenario() {
	repo_boot repo-apt || return
	repo_stanza stable apt | x sh -c 'cat >/etc/apt/sources.list.d/komodo.sources'
	x sh -c "install -d /etc/apt/keyrings && curl -sf -o /etc/apt/keyrings/komodo.gpg $REPO_URL/keys/repo.gpg"
	check "repo apt: the source uses signed-by, never trusted=yes" sh -c \
		'grep -q "^Signed-By: /etc/apt/keyrings/komodo.gpg" /etc/apt/sources.list.d/komodo.sources &&
		! grep -rq "trusted=yes" /etc/apt/sources.list.d'
	check "repo apt: apt-get update prints no W:/E: line" sh -c \
		'apt-get update >/tmp/u 2>&1; rc=$?; cat /tmp/u; [ $rc = 0 ] && ! grep -E "^(W|E|Err):" /tmp/u'
	check "repo apt: apt-get install komodo-periphery" apt-get install -y komodo-periphery
	check_wait "repo apt: the agent is active" systemctl is-active --quiet periphery.service
	if wait_health 200 && [ "$(health "")" = 401 ]; then
		ok "repo apt: secret-free package + host-local periphery.env: passkey 200, none 401"
	else
		notok "repo apt: secret-free package + host-local periphery.env: passkey 200, none 401"
	fi

	"$PKGTOOL" repo add "$W/repo" "$W/rpk/r6/"*.deb "$W/rpk/r6/"*.rpm >>"$W/repo-add.log" 2>&1 ||
		notok "repo: publish 1.19.6"
	check "repo apt: apt-get update && apt-get upgrade" sh -c \
		'apt-get update -q && apt-get upgrade -y'
	check_running_version "repo apt: the upgrade restarted the agent on 1.19.6" 1.19.6
	check "repo apt: config and host secrets kept" sh -c \
		'test -f /etc/komodo/periphery.config.toml && grep -q PERIPHERY_PASSKEYS /etc/komodo/periphery.env'
	check "repo apt: apt-cache policy lists both versions" sh -c \
		'apt-cache policy komodo-periphery | tee /dev/stderr | grep -q " 1.19.5-1 500" &&
		apt-cache policy komodo-periphery | grep -q "Installed: 1.19.6-1"'

	repo_tamper_apt
	repo_bump_scenario

	repo_stanza web-01 apt | x sh -c 'cat >/etc/apt/sources.list.d/komodo.sources'
	check "repo apt: a host on its own suite gets its own package" sh -c \
		'apt-get update -q >/dev/null && cd /tmp && apt-get download komodo-periphery=1.19.5-1 &&
		dpkg-deb --fsys-tarfile komodo-periphery_1.19.5-1_amd64.deb |
		tar -xOf - ./etc/komodo/periphery.config.toml | grep -qx "port = 8199"'
	check "repo apt: purge with KOMODO_DELETE_USER=yes" \
		env KOMODO_DELETE_USER=yes apt-get purge -y komodo-periphery
	repo_check_clean repo-apt
	halt
}

# After the purge nothing of the package may stay; what the test itself
# set up (apt and dnf sources and keys, their state) is left out.
repo_check_clean() {
	check_not "$1: no agent left running" pgrep -x periphery
	fs_check_clean "$1" /root/apt-off /etc/apt /etc/yum.repos.d /var/lib/dnf \
		/etc/dnf /etc/pki /var/log/dnf.log /var/log/dnf.librepo.log \
		/var/log/dnf.rpm.log /var/log/hawkey.log
}

repo_dnf_scenario() {
	repo_boot repo-dnf || return
	repo_stanza stable dnf | x sh -c 'mkdir -p /etc/yum.repos.d && cat >/etc/yum.repos.d/komodo.repo'
	check "repo dnf: gpgcheck=1 and repo_gpgcheck=1" sh -c \
		'grep -qx gpgcheck=1 /etc/yum.repos.d/komodo.repo && grep -qx repo_gpgcheck=1 /etc/yum.repos.d/komodo.repo'
	x rpm -i --dbpath /var/lib/rpm /pkgs/shim/shim.rpm
	# skip_if_unavailable=False: a repository that fails its checks is an
	# error, not a warning
	DNF="dnf -y -q --releasever=1 --setopt=reposdir=/etc/yum.repos.d --setopt=skip_if_unavailable=False"
	check "repo dnf: dnf install komodo-periphery-1.19.5 (key imported from gpgkey=)" \
		sh -c "$DNF install komodo-periphery-1.19.5-1"
	check_wait "repo dnf: the agent is active" systemctl is-active --quiet periphery.service
	check "repo dnf: rpm -K reports the signature OK with the key imported" sh -c \
		'rpm -K --dbpath /var/lib/rpm /repo/rpm/stable/Packages/komodo-periphery-1.19.5-1.x86_64.rpm | grep -q "signatures OK"'
	check "repo dnf: dnf upgrade" sh -c "$DNF upgrade --refresh"
	check_running_version "repo dnf: the upgrade restarted the agent on 1.19.6" 1.19.6

	M=$W/repo/rpm/stable/repodata/repomd.xml
	cp "$M" "$W/repomd.bak"
	sed -i 's|<revision>|<revision>9|' "$M"
	if x sh -c "$DNF clean all >/dev/null; $DNF makecache --refresh" >"$W/t.out" 2>&1; then
		notok "repo dnf tamper: a modified repomd.xml is refused"
	elif grep -qi "gpg\|signature\|verif" "$W/t.out"; then
		ok "repo dnf tamper: a modified repomd.xml is refused (signature)"
	else
		notok "repo dnf tamper: a modified repomd.xml is refused with a signature error"
		sed 's/^/#   /' "$W/t.out" | tail -n 5
	fi
	cp "$W/repomd.bak" "$M"
	agent_still_up "repo dnf tamper (repomd.xml)"
	P=$W/repo/rpm/stable/Packages/komodo-periphery-1.19.6-1.x86_64.rpm
	cp "$P" "$W/rpm.bak"
	cp "$W/rpk/r6/"*.rpm "$P"
	check_not "repo dnf tamper: a replaced rpm is refused" sh -c \
		"$DNF clean all >/dev/null; $DNF reinstall komodo-periphery"
	cp "$W/rpm.bak" "$P"
	agent_still_up "repo dnf tamper (rpm)"
	check "repo dnf: dnf remove with KOMODO_DELETE_USER=yes" \
		env KOMODO_DELETE_USER=yes $DNF remove komodo-periphery
	repo_check_clean repo-dnf
	halt
}

run_repo_scenarios() {
	if ! repo_prepare; then
		cat "$W"/build-r*.log "$W/repo-add.log" 2>/dev/null | sed 's/^/#   /'
		notok "repo: keys, packages and the repository are made"
		return
	fi
	ok "repo: keys, packages and the repository are made"
	repo_apt_scenario
	repo_dnf_scenario
	gpgconf --kill gpg-agent 2>/dev/null
}
