#!/bin/sh
# tests/e2e/run.sh - the packages' lifecycle in a real, booted systemd
# (issue 3, "What it must show" 1-12; issues 8 and 9). Builds packages with
# pkgtool and the test double as agent binary, boots a Debian root
# (scripts/mkimage.sh) with systemd-nspawn --volatile=overlay
# (scripts/ct.sh) and checks every step.
#
# Prints "ok - ..." / "not ok - ...", timings, and as last line
# "N passed, N failed"; exit 1 on any failure. It cannot be skipped: without
# root or systemd-nspawn it fails.
#
# Environment: PKGTOOL (default pkgtool/pkgtool), FAKE (default
# tests/fake/fake-periphery), E2E_SUITE (bookworm; trixie works too),
# E2E_IMAGE_DIR (root cache), E2E_KEEP=1 keeps the work directory,
# E2E_SCENARIOS (space-separated names, default: all).
#
# Scenario files: scenarios.sh, lifecycle.sh, hostile.sh (run_scenarios),
# then, if present, sandbox.sh (run_sandbox_scenarios) and v2.sh
# (run_v2_scenarios). They may use, and must not rename:
#   $W, $ROOT, $PKG, $PORT, $PASSKEY, $CT   work dir, image root, names
#   site NAME LINE...        write $W/sites/NAME.yml (+ the common lines;
#                            SITE_VERSION overrides komodo_version,
#                            SITE_PASSKEYS komodo_passkeys)
#   build NAME [BINARY]      pkgtool build it into $W/pkgs/NAME (/pkgs/NAME
#                            inside); pkg_path NAME deb|rpm prints the path
#                            inside the container
#   boot NAME [OPTS] / halt  start / stop a container (one at a time;
#                            OPTS: more systemd-nspawn options)
#   x CMD...                 run CMD inside (argv kept exactly)
#   check / check_not DESC CMD...   ok when CMD succeeds / fails
#   check_wait DESC CMD...   poll up to 10 s; waitfor CMD... (no output)
#   usctl ...                (inside) systemctl --user as komodo
#   check_health TAG, check_running_version DESC VERSION, install_timed
#   fs_baseline NAME         list the container's files (path, type,
#                            owner, mode) before a scenario installs
#   fs_check_clean NAME [PREFIX...]  after the final purge: ok only if the
#                            listing equals the baseline, except below
#                            the given prefixes (e.g. a kept home)
#   fs_diff NAME             print what changed since fs_baseline NAME
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
PKGTOOL=${PKGTOOL:-$TOP/pkgtool/pkgtool}
FAKE=${FAKE:-$TOP/tests/fake/fake-periphery}
SUITE=${E2E_SUITE:-bookworm}
CT=$TOP/scripts/ct.sh
export SOURCE_DATE_EPOCH=1700000000
PASSKEY=e2e-passkey-0123456789
PORT=18120
PKG=komodo-periphery
passed=0
failed=0
T0=$(date +%s.%N)

ok() {
	passed=$((passed + 1))
	echo "ok - $*"
}

notok() {
	failed=$((failed + 1))
	echo "not ok - $*"
}

summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

fatal() {
	notok "e2e: $*"
	summary
}

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

[ "$(id -u)" = 0 ] || fatal "must run as root (systemd-nspawn, mmdebstrap)"
for t in systemd-nspawn nsenter mmdebstrap rpmbuild lintian curl; do
	command -v "$t" >/dev/null 2>&1 ||
		fatal "'$t' is missing (apt-get install -y systemd-container mmdebstrap rpm lintian curl)"
done
[ -x "$PKGTOOL" ] || fatal "no $PKGTOOL (run make)"
[ -x "$FAKE" ] || fatal "no $FAKE (run make)"

W=$TOP/tests/tmp/e2e.$$
export CT_STATE=$W/ct
CURRENT_CT=
cleanup() {
	[ -n "$CURRENT_CT" ] && "$CT" stop "$CURRENT_CT"
	if mountpoint -q "$W/offline/merged" 2>/dev/null; then
		umount "$W/offline/merged"
	fi
	if [ "${E2E_KEEP:-0}" != 1 ]; then
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$W/pkgs" "$W/sites" "$W/bin"

# ---- image -------------------------------------------------------------------
t=$(now)
ROOT=$(sh "$TOP/scripts/mkimage.sh" "$SUITE") || fatal "could not build the $SUITE root"
T_IMAGE=$(elapsed "$t")

# ---- packages ----------------------------------------------------------------
# agent binaries: the test double (stripped: lintian), and an "upgrade"
# copy that reports a newer version
strip -o "$W/bin/periphery" "$FAKE" 2>/dev/null || cp "$FAKE" "$W/bin/periphery"
cp "$W/bin/periphery" "$W/bin/periphery-new"
printf 'FAKEVER=1.19.6\n' >>"$W/bin/periphery-new"
NEWVER=$("$W/bin/periphery-new" --version 2>/dev/null)
[ "$NEWVER" = "periphery 1.19.6" ] || fatal "upgrade binary reports '$NEWVER', not 'periphery 1.19.6'"
# it must run in the test root (a sanitizer build from `make check-asan`
# in the same tree does not: libasan is not there)
if ! "$CT" run "$ROOT" --volatile=overlay --bind-ro="$W/bin":/e2ebin -- \
	/e2ebin/periphery --version >"$W/bin.log" 2>&1; then
	cat "$W/bin.log"
	fatal "$FAKE does not run in the $SUITE root (sanitizer build? run make clean-bins all)"
fi

site() { # name, extra yaml lines...
	n=$1
	shift
	{
		echo "komodo_version: ${SITE_VERSION:-v1.19.5}"
		echo "komodo_passkeys: ${SITE_PASSKEYS:-[$PASSKEY]}"
		echo "komodo_periphery_port: $PORT"
		echo "komodo_bind_ip: 127.0.0.1"
		echo 'package_maintainer: "E2E Tests <e2e@example.com>"'
		for l in "$@"; do
			echo "$l"
		done
	} >"$W/sites/$n.yml"
}
# build NAME [BINARY]: $W/sites/NAME.yml -> $W/pkgs/NAME
build() {
	"$PKGTOOL" -q build "$W/sites/$1.yml" --out "$W/pkgs/$1" \
		--binary "${2:-$W/bin/periphery}" >"$W/build-$1.log" 2>&1 ||
		{ cat "$W/build-$1.log"; fatal "pkgtool build $1 failed"; }
	chmod -R a+rX "$W/pkgs/$1"
	ls "$W/pkgs/$1/"*.deb "$W/pkgs/$1/"*.rpm >/dev/null 2>&1 ||
		fatal "pkgtool build $1 wrote no .deb/.rpm"
}

# pkg_path NAME deb|rpm: the package's path inside the container
pkg_path() {
	(cd "$W/pkgs/$1" && ls ./*."$2") | sed "s,^\./,/pkgs/$1/,"
}

site user "komodo_service_scope: user"
SITE_VERSION=v1.19.6 site user2 "komodo_service_scope: user"
site sys "komodo_service_scope: system"
SITE_VERSION=v1.19.6 site sys2 "komodo_service_scope: system"
site nomod "komodo_service_scope: user" "allow_modify_komodo_user: false"
site del "komodo_service_scope: user" "allow_delete_komodo_user: true"
site update "komodo_service_scope: system" "komodo_action: update"

t=$(now)
for s in user sys nomod del update; do
	build $s
done
build user2 "$W/bin/periphery-new"
build sys2 "$W/bin/periphery-new"
T_BUILD=$(elapsed "$t")

# rpm: a shim that provides what the Debian root has through dpkg
# (reference/testbed.md §13.1), so rpm's dependency check stays on
mkdir -p "$W/rpmbuild/SPECS"
{
	echo "Name: e2e-host-provides"
	echo "Version: 1"
	echo "Release: 1"
	echo "Summary: what dpkg provides in the test root"
	echo "License: MIT"
	echo "BuildArch: noarch"
	rpm -qp --requires "$W/pkgs/user/"*.rpm "$W/pkgs/sys/"*.rpm 2>/dev/null |
		grep -v -e '^rpmlib(' -e '^config(' | sort -u | sed 's/^/Provides: /'
	echo "%description"
	echo "Provides for the e2e test root."
	echo "%files"
} >"$W/rpmbuild/SPECS/shim.spec"
rpmbuild -bb --quiet --define "_topdir $W/rpmbuild" \
	"$W/rpmbuild/SPECS/shim.spec" >"$W/shim.log" 2>&1 ||
	{ cat "$W/shim.log"; fatal "could not build the rpm provides shim"; }
mkdir -p "$W/pkgs/shim"
cp "$W/rpmbuild/RPMS/noarch/"*.rpm "$W/pkgs/shim/shim.rpm"

# ---- helpers -----------------------------------------------------------------
boot() { # name [more nspawn options]
	CURRENT_CT=$1
	t=$(now)
	if ! "$CT" start "$ROOT" "$@" --volatile=overlay --bind-ro="$W/pkgs":/pkgs >"$W/boot-$1.log" 2>&1; then
		cat "$W/boot-$1.log"
		notok "$1: container boots"
		return 1
	fi
	T_BOOT="$T_BOOT $(elapsed "$t")"
	# systemctl in komodo's user manager
	x sh -c 'cat >/usr/local/bin/usctl && chmod 755 /usr/local/bin/usctl' <<'EOS'
#!/bin/sh
u=$(id -u komodo) || exit 1
exec runuser -u komodo -- env XDG_RUNTIME_DIR=/run/user/$u systemctl --user "$@"
EOS
	return 0
}

halt() {
	"$CT" stop "$CURRENT_CT"
	CURRENT_CT=
}

# run inside; stdout+stderr to $OUT
x() {
	"$CT" exec "$CURRENT_CT" "$@"
}

check() { # description, command... (inside)
	d=$1
	shift
	if x "$@" >"$W/check.out" 2>&1; then
		ok "$d"
	else
		notok "$d"
		sed 's/^/#   /' "$W/check.out" | head -n 20
	fi
}

check_not() {
	d=$1
	shift
	if x "$@" >"$W/check.out" 2>&1; then
		notok "$d"
		sed 's/^/#   /' "$W/check.out" | head -n 20
	else
		ok "$d"
	fi
}

# poll up to 10 s (user managers start asynchronously)
# Up to 30 s: a restarted user manager on a loaded 2-core machine took over
# 10 s once (8.4 on Debian 13, "Failed to connect to user scope bus").
waitfor() {
	i=0
	while [ $i -lt 300 ]; do
		x "$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

check_wait() {
	d=$1
	shift
	if waitfor "$@"; then
		ok "$d"
	else
		notok "$d"
		x "$@" 2>&1 | sed 's/^/#   /' | head -n 20
	fi
}

user_active() {
	x usctl is-active --quiet periphery.service
}

health() { # [passkey] -> prints the HTTP status
	if [ -n "${1:-}" ]; then
		set -- -H "authorization: $1"
	else
		set --
	fi
	x curl -sk -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
		-H 'content-type: application/json' "$@" \
		-d '{"type":"GetHealth","params":{}}' "https://127.0.0.1:$PORT/"
}

running_version() {
	x curl -sk --max-time 5 -X POST -H 'content-type: application/json' \
		-H "authorization: $PASSKEY" -d '{"type":"GetVersion","params":{}}' \
		"https://127.0.0.1:$PORT/"
}

check_running_version() { # label version: the agent answers GetVersion with it
	i=0
	while [ $i -lt 50 ] && ! running_version | grep -q "$2"; do
		sleep 0.1
		i=$((i + 1))
	done
	if running_version | grep -q "$2"; then
		ok "$1"
	else
		notok "$1 (GetVersion: $(running_version))"
	fi
}

wait_health() { # expected code
	i=0
	while [ $i -lt 100 ]; do
		[ "$(health "$PASSKEY")" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

check_health() { # scenario
	if wait_health 200; then
		ok "$1: health check with the passkey answers 200"
	else
		notok "$1: health check with the passkey answers 200 (got $(health "$PASSKEY"))"
		x journalctl -b --no-pager -n 30 2>&1 | sed 's/^/#   /'
	fi
	c=$(health "")
	if [ "$c" = 401 ]; then
		ok "$1: health check without the passkey is refused ($c)"
	else
		notok "$1: health check without the passkey is refused (got '$c')"
	fi
}

# time from the install command to the agent active
install_timed() { # scope, command...
	_scope=$1
	shift
	t=$(now)
	if ! x "$@" >"$W/install.out" 2>&1; then
		notok "install: $*"
		sed 's/^/#   /' "$W/install.out"
		return 1
	fi
	if [ "$_scope" = user ]; then
		i=0
		while [ $i -lt 100 ] && ! user_active; do
			sleep 0.1
			i=$((i + 1))
		done
	else
		waitfor systemctl is-active --quiet periphery.service
	fi
	el=$(elapsed "$t")
	echo "# $* -> agent active: ${el} s"
	if [ "$_scope" = user ]; then
		T_ACTIVE_USER="$T_ACTIVE_USER $el"
	else
		T_ACTIVE_SYS="$T_ACTIVE_SYS $el"
	fi
	return 0
}

# ---- file-system listings (issue 8.1: nothing left outside the package) ----
# Volatile trees, and the package databases where the package is expected
# to appear, are left out; everything else must come back as it was.
fs_list() {
	x find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
		-o -path /tmp -o -path /var/tmp -o -path /var/log/journal \
		-o -path /var/cache -o -path /var/lib/dpkg -o -path /var/lib/rpm \
		-o -path /var/lib/apt -o -path /var/lib/systemd/timers \
		-o -path /var/lib/systemd/catalog -o -path /var/lib/private \
		-o -path /var/lib/systemd/random-seed -o -path /pkgs \
		-o -path /var/lib/systemd/coredump \) -prune \
		-o -printf '%y %U:%G %m %p\n' | sort -k 4
}

fs_baseline() { # name
	fs_list >"$W/fs-$1.base"
}

# Bookkeeping of the tools the scripts call, not leftovers of the package:
# shadow's backup files, dpkg's and apt's logs, systemd's empty state dirs.
FS_IGNORE='^. [0-9]+:[0-9]+ [0-7]+ (/etc/(passwd|group|shadow|gshadow|subuid|subgid)-|/etc/ld\.so\.cache|/var/log/(dpkg\.log|apt|apt/.*|alternatives\.log)|/var/lib/systemd/(linger|deb-systemd-helper-enabled|deb-systemd-helper-masked|deb-systemd-user-helper-enabled))$'

fs_diff() { # name
	fs_list >"$W/fs-$1.now"
	diff "$W/fs-$1.base" "$W/fs-$1.now" | sed -n 's/^[<>] //p' |
		grep -Ev "$FS_IGNORE"
}

fs_check_clean() { # name [prefix...]: after the final purge
	_n=$1
	shift
	fs_diff "$_n" >"$W/fs-$_n.diff"
	for _p in "$@"; do
		awk -v p="$_p" '{ f = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", f) }
			f != p && substr(f, 1, length(p) + 1) != p "/"' \
			"$W/fs-$_n.diff" >"$W/fs-$_n.diff2"
		mv "$W/fs-$_n.diff2" "$W/fs-$_n.diff"
	done
	if [ -s "$W/fs-$_n.diff" ]; then
		notok "$_n: file system as before install (nothing left, nothing stray)"
		sed 's/^/#   changed: /' "$W/fs-$_n.diff" | head -n 30
	else
		ok "$_n: file system as before install (nothing left, nothing stray)"
	fi
}

T_BOOT=
T_ACTIVE_USER=
T_ACTIVE_SYS=
DEB_USER=$(pkg_path user deb)
DEB_USER2=$(pkg_path user2 deb)
DEB_SYS=$(pkg_path sys deb)
DEB_SYS2=$(pkg_path sys2 deb)
DEB_NOMOD=$(pkg_path nomod deb)
DEB_DEL=$(pkg_path del deb)
DEB_UPDATE=$(pkg_path update deb)
RPM_USER=$(pkg_path user rpm)
RPM_USER2=$(pkg_path user2 rpm)
RPM_SYS=$(pkg_path sys rpm)
RPM_SYS2=$(pkg_path sys2 rpm)

. "$TOP/tests/e2e/scenarios.sh"
. "$TOP/tests/e2e/lifecycle.sh"
. "$TOP/tests/e2e/hostile.sh"
. "$TOP/tests/e2e/repo.sh"

# ---- 12 (static half): lintian on the built packages ------------------------
for s in user sys; do
	lintian --no-tag-display-limit "$W/pkgs/$s/"*.deb >"$W/lintian-$s.out" 2>&1
	grep -E '^[EWI]: ' "$W/lintian-$s.out" >"$W/lintian-$s.tags"
	if grep -E 'script|bashism|systemctl|adduser|passwd|command-' "$W/lintian-$s.tags" >"$W/lintian-$s.bad"; then
		notok "12: lintian: no tags on the maintainer scripts ($s scope)"
		sed 's/^/#   /' "$W/lintian-$s.bad"
	else
		ok "12: lintian: no tags on the maintainer scripts ($s scope)"
	fi
	# the rest of the package is checked by the package-inspection tests
	grep -E '^[EW]: ' "$W/lintian-$s.tags" | sed 's/^/# lintian (not from the scripts): /'
done

run_scenarios
# the sandbox (issue 9) and Komodo v2 key (issue 12) scenarios
. "$TOP/tests/e2e/sandbox.sh"
. "$TOP/tests/e2e/v2.sh"
run_sandbox_scenarios
run_v2_scenarios
run_repo_scenarios
[ -z "$CURRENT_CT" ] || halt

echo "# timings: image ${T_IMAGE} s, build ${T_BUILD} s, boots${T_BOOT} s"
echo "# install -> agent active: user scope${T_ACTIVE_USER:- -} s; system scope${T_ACTIVE_SYS:- -} s"
echo "# total $(elapsed "$T0") s"
summary
