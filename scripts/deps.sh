#!/bin/sh
# deps.sh [--list] - install (or with --list, print) every Debian 12 package
# needed to build pkgtool and run all its tests. Used by README and .ci/run.
set -eu
PKGS="build-essential pkg-config binutils
	libarchive-dev libcurl4-openssl-dev libyaml-dev librpm-dev zlib1g-dev
	libjansson-dev libssl-dev liblzma-dev libzstd-dev
	dpkg-dev lintian rpm rpmlint systemd systemd-container mmdebstrap
	python3 python3-yaml openssl curl ca-certificates xz-utils zstd
	iproute2 procps bc cpio util-linux strace time
	clang libclang-rt-14-dev
	libgpgme-dev libcreaterepo-c-dev gnupg gpg-agent gpgv
	createrepo-c reprepro apt
	mandoc man-db bash-completion"
if [ "${1:-}" = --list ]; then
	echo $PKGS
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PKGS
