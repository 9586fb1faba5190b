#!/bin/sh
# tests/e2e/run.sh - the packages' lifecycle in a real, booted systemd
# (issue 3, "What it must show" 1-12). Builds packages with pkgtool and the
# test double as agent binary, boots a Debian root (scripts/mkimage.sh) with
# systemd-nspawn --volatile=overlay (scripts/ct.sh) and checks every step.
#
# Prints "ok - ..." / "not ok - ...", timings, and as last line
# "N passed, N failed"; exit 1 on any failure. It cannot be skipped: without
# root or systemd-nspawn it fails.
#
# Environment: PKGTOOL (default pkgtool/pkgtool), FAKE (default
# tests/fake/fake-periphery), E2E_SUITE (bookworm; trixie works too),
# E2E_IMAGE_DIR (root cache), E2E_KEEP=1 keeps the work directory.
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
		echo "komodo_version: v1.19.5"
		echo "komodo_passkeys: [$PASSKEY]"
		echo "komodo_periphery_port: $PORT"
		echo "komodo_bind_ip: 127.0.0.1"
		echo 'package_maintainer: "E2E Tests <e2e@example.com>"'
		for l in "$@"; do
			echo "$l"
		done
	} >"$W/sites/$n.yml"
}
site user "komodo_service_scope: user"
site user2 "komodo_service_scope: user" 'package_release: "2"'
site sys "komodo_service_scope: system"
site sys2 "komodo_service_scope: system" 'package_release: "2"'
site nomod "komodo_service_scope: user" "allow_modify_komodo_user: false"
site del "komodo_service_scope: user" "allow_delete_komodo_user: true"
site update "komodo_service_scope: system" "komodo_action: update"

t=$(now)
for s in user sys sys2 nomod del update; do
	"$PKGTOOL" -q build "$W/sites/$s.yml" --out "$W/pkgs/$s" \
		--binary "$W/bin/periphery" >"$W/build-$s.log" 2>&1 ||
		{ cat "$W/build-$s.log"; fatal "pkgtool build $s failed"; }
done
"$PKGTOOL" -q build "$W/sites/user2.yml" --out "$W/pkgs/user2" \
	--binary "$W/bin/periphery-new" >"$W/build-user2.log" 2>&1 ||
	{ cat "$W/build-user2.log"; fatal "pkgtool build user2 failed"; }
T_BUILD=$(elapsed "$t")
chmod -R a+rX "$W/pkgs"
for s in user user2 sys sys2 nomod del update; do
	ls "$W/pkgs/$s/"*.deb "$W/pkgs/$s/"*.rpm >/dev/null 2>&1 ||
		fatal "pkgtool build $s wrote no .deb/.rpm"
done

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
boot() { # name
	CURRENT_CT=$1
	t=$(now)
	if ! "$CT" start "$ROOT" "$1" --volatile=overlay --bind-ro="$W/pkgs":/pkgs >"$W/boot-$1.log" 2>&1; then
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
waitfor() {
	i=0
	while [ $i -lt 100 ]; do
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

T_BOOT=
T_ACTIVE_USER=
T_ACTIVE_SYS=
DEB_USER=$(cd "$W/pkgs/user" && ls ./*.deb | sed 's,^\./,/pkgs/user/,')
DEB_USER2=$(cd "$W/pkgs/user2" && ls ./*.deb | sed 's,^\./,/pkgs/user2/,')
DEB_SYS=$(cd "$W/pkgs/sys" && ls ./*.deb | sed 's,^\./,/pkgs/sys/,')
DEB_SYS2=$(cd "$W/pkgs/sys2" && ls ./*.deb | sed 's,^\./,/pkgs/sys2/,')
DEB_NOMOD=$(cd "$W/pkgs/nomod" && ls ./*.deb | sed 's,^\./,/pkgs/nomod/,')
DEB_DEL=$(cd "$W/pkgs/del" && ls ./*.deb | sed 's,^\./,/pkgs/del/,')
DEB_UPDATE=$(cd "$W/pkgs/update" && ls ./*.deb | sed 's,^\./,/pkgs/update/,')
RPM_USER=$(cd "$W/pkgs/user" && ls ./*.rpm | sed 's,^\./,/pkgs/user/,')
RPM_USER2=$(cd "$W/pkgs/user2" && ls ./*.rpm | sed 's,^\./,/pkgs/user2/,')
RPM_SYS=$(cd "$W/pkgs/sys" && ls ./*.rpm | sed 's,^\./,/pkgs/sys/,')

. "$TOP/tests/e2e/scenarios.sh"
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
run_repo_scenarios

echo "# timings: image ${T_IMAGE} s, build ${T_BUILD} s, boots${T_BOOT} s"
echo "# install -> agent active: user scope${T_ACTIVE_USER:- -} s; system scope${T_ACTIVE_SYS:- -} s"
echo "# total $(elapsed "$T0") s"
summary
