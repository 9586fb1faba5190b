#!/bin/sh
# deps.sh - install everything needed to build pkgtool and run all tests
# on Debian 12 (run as root). Used by README and .ci/run.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential pkg-config binutils \
	libarchive-dev libcurl4-openssl-dev libyaml-dev librpm-dev zlib1g-dev \
	libjansson-dev libssl-dev \
	dpkg-dev lintian rpm rpmlint systemd systemd-container mmdebstrap \
	python3 python3-yaml openssl curl ca-certificates xz-utils zstd \
	iproute2 procps
