#!/bin/sh
# shellcheck disable=SC2016 # the hooks are expanded by mmdebstrap, not here
# mkimage.sh - build (once) a bootable Debian root for the end-to-end tests.
#
#   scripts/mkimage.sh [SUITE]        SUITE: bookworm (default) or trixie
#
# Prints the path of the root directory on stdout. The root is cached in
# $E2E_IMAGE_DIR (default tests/tmp/e2e-image) under a name derived from the
# suite and the package list, so changing the list builds a new root. The
# tree is only ever used as the read-only lower layer of
# systemd-nspawn --volatile=overlay (scripts/ct.sh), or copied.
#
# The mirror is read from the host's apt configuration at run time; no host
# name is written here (reference/testbed.md, rule 1).
set -eu

SUITE=${1:-bookworm}
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=${E2E_IMAGE_DIR:-$TOP/tests/tmp/e2e-image}

# What the package Depends on, what systemd needs to run user managers
# (libpam-systemd, dbus; dbus-user-session for `systemctl --user -M`), rpm
# for the rpm scenarios, and the few tools the checks use (curl, procps).
# libjansson4: the test double links it. git and python3: the sandbox
# scenarios run them as the agent (git is only Recommended: the no-git
# scenario removes it in its own volatile container).
PKGS=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,passwd
PKGS=$PKGS,rpm,openssl,ca-certificates,git,python3,curl,procps,libjansson4
case $SUITE in
bookworm) PKGS=$PKGS,libssl3 ;;
*) PKGS=$PKGS,libssl3t64 ;; # trixie: the 64-bit time_t rename
esac
# docker-less host: no docker group unless a scenario creates it.

die() {
	echo "mkimage: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap, systemd-nspawn)"
command -v mmdebstrap >/dev/null 2>&1 ||
	die "mmdebstrap is missing: apt-get install -y mmdebstrap"

MIRROR=${E2E_MIRROR:-}
if [ -z "$MIRROR" ]; then
	f=/etc/apt/sources.list.d/debian.sources
	[ -r "$f" ] && MIRROR=$(awk '/^URIs:/{print $2; exit}' "$f")
fi
if [ -z "$MIRROR" ] && [ -r /etc/apt/sources.list ]; then
	MIRROR=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$MIRROR" ] || die "no Debian mirror configured in /etc/apt"

KEY=$(printf '%s %s v4\n' "$SUITE" "$PKGS" | sha256sum | cut -c1-12)
ROOT=$DIR/$SUITE-$KEY
if [ -f "$ROOT/.e2e-complete" ]; then
	echo "$ROOT"
	exit 0
fi

mkdir -p "$DIR"
TMPROOT=$DIR/.build-$SUITE-$$
rm -rf "$TMPROOT"
trap 'rm -rf "$TMPROOT"' EXIT
start=$(date +%s)
# Customisations (inside the new root):
# - rpm's database where Fedora keeps it, for plain `rpm -i` too;
# - no rpm "unshare" plugin: Debian 13's rpm (4.20) runs scriptlets with a
#   private /home and /tmp (macros.transaction_unshare), so a home made by
#   %post would vanish; Fedora/RHEL do not configure it;
# - an empty machine-id so each boot gets a fresh transient one;
# - no getty on the console (nspawn runs without a TTY);
# - nothing in the tree that makes apt/dpkg refuse to start services.
mmdebstrap --quiet --variant=minbase --include="$PKGS" \
	--customize-hook='mkdir -p "$1/etc/rpm" && echo "%_dbpath /var/lib/rpm" > "$1/etc/rpm/macros.dbpath"' \
	--customize-hook='chroot "$1" rpm --initdb --dbpath /var/lib/rpm' \
	--customize-hook='echo "%__transaction_unshare %{nil}" > "$1/etc/rpm/macros.e2e-unshare"' \
	--customize-hook='rm -f "$1/usr/sbin/policy-rc.d"; : > "$1/etc/machine-id"' \
	--customize-hook='chroot "$1" systemctl mask console-getty.service getty@tty1.service >/dev/null 2>&1 || true' \
	--customize-hook='echo e2e > "$1/etc/hostname"' \
	"$SUITE" "$TMPROOT" "$MIRROR" >&2 ||
	die "mmdebstrap $SUITE failed"
touch "$TMPROOT/.e2e-complete"
rm -rf "$ROOT"
mv "$TMPROOT" "$ROOT"
trap - EXIT
echo "mkimage: built $ROOT in $(($(date +%s) - start)) s" >&2
echo "$ROOT"
