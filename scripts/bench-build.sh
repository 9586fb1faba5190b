#!/bin/sh
# bench-build.sh [BINARY] - what a build costs, in one run (a benchmark, not
# a test: nothing here asserts on time):
#   P1  deb + rpm x amd64 + arm64, xz 6, cold block cache, against
#       dpkg-deb -b + rpmbuild -bb on the same four trees, the rpms with
#       the same scriptlets (time ratio and package sizes)
#   P2  a 100-host site against a one-host site (cold cache each), with
#       peak RSS of both
#   P3  an unchanged rebuild, and a config-only change with a warm cache
# BINARY is a ~30 MB ELF standing in for the agent; its arm64 twin is a copy
# with e_machine set to AArch64 (183), which only the first block (12 MiB)
# tells apart: the stage compresses the other blocks once for both
# architectures, as it would for any two binaries sharing those bytes.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${PKGTOOL:=$TOP/pkgtool/pkgtool}"
BIN=${1:-/usr/bin/x86_64-linux-gnu-lto-dump-12}
[ -f "$BIN" ] || { echo "no binary $BIN (apt-get install gcc-12)" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1700000000
cp "$BIN" "$W/amd64" && cp "$BIN" "$W/arm64"
printf '\267\000' | dd of="$W/arm64" bs=1 seek=18 conv=notrunc 2>/dev/null

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }
size() { stat -c %s "$1"; }
# The compressed payload alone: data.tar.* of a deb, what follows an rpm's
# headers.
payload() {
	case $1 in
	*.deb) ar p "$1" "$(ar t "$1" | grep ^data.tar)" | wc -c ;;
	*) python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(len(d)-d.find(b"\xfd7zXZ\x00"))' "$1" ;;
	esac
}
# timed LABEL CMD...: runs CMD, sets T (seconds) and RSS (peak KB)
timed() {
	/usr/bin/time -f '%e %M' -o "$W/time" "$@"
	T=$(cut -d' ' -f1 "$W/time") RSS=$(cut -d' ' -f2 "$W/time")
}
build() { # build SITE OUT: pkgtool build with the bench's cache
	timed "$PKGTOOL" -q build "$1" --out "$2" --cache-dir "$W/cache"
}

printf 'machine: %s, %s cores, %s\n' "$(uname -m)" "$(nproc)" \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
printf 'binary: %s (%s bytes)\n' "$BIN" "$(size "$BIN")"

# ---- P1 ----
cat >"$W/p1.yml" <<EOS
komodo_binary_path: {amd64: $W/amd64, arm64: $W/arm64}
package_architectures: [amd64, arm64]
package_formats: [deb, rpm]
komodo_service_scope: system
komodo_passkeys: [bench-passkey-0123456789]
EOS
rm -rf "$W/cache"
build "$W/p1.yml" "$W/p1"
ours=$T
ref=0
printf '\nP1 %-40s %10s %10s %7s %10s %10s %7s\n' package pkgtool_B reference_B size_x \
	payload_B ref_payl_B payl_x
for deb in "$W"/p1/*.deb; do
	arch=$(dpkg-deb -f "$deb" Architecture)
	rpmarch=$([ "$arch" = amd64 ] && echo x86_64 || echo aarch64)
	rpm=$(ls "$W"/p1/*."$rpmarch".rpm)
	rm -rf "$W/tree" "$W/rpmb" && mkdir -p "$W/tree" "$W/rpmb"
	dpkg-deb -x "$deb" "$W/tree" && dpkg-deb -e "$deb" "$W/tree/DEBIAN"
	t0=$(now)
	dpkg-deb --root-owner-group -Zxz -z6 -b "$W/tree" "$W/ref.deb" >/dev/null
	t1=$(now)
	rm -rf "$W/tree/DEBIAN"
	# The same package as ours: the scriptlets are most of an rpm header
	# (5 x ~25 KB, uncompressed); "%" doubled, the spec expands macros.
	{
		echo "Name: komodo-periphery"; echo "Version: 1.19.5"; echo "Release: 1"
		echo "Summary: bench"; echo "License: GPL-3.0-only"
		echo "%description"; echo "bench"
		echo "%install"; echo "cp -a $W/tree/. %{buildroot}/"
		for s in pre:PREIN post:POSTIN preun:PREUN postun:POSTUN \
			posttrans:POSTTRANS; do
			echo "%${s%%:*}"
			rpm -qp --qf "%{${s#*:}}\n" "$rpm" | sed 's/%/%%/g'
		done
		echo "%files"; echo "%defattr(-,root,root)"; echo "/usr"; echo "/etc/komodo"
	} >"$W/b.spec"
	t2=$(now)
	rpmbuild -bb --quiet --target "$rpmarch" --define "_topdir $W/rpmb" \
		--define "_binary_payload w6.xzdio" \
		--define "__spec_install_post %{nil}" \
		--define "debug_package %{nil}" "$W/b.spec" >/dev/null 2>&1
	t3=$(now)
	ref=$(echo "$ref + $(secs "$t0" "$t1") + $(secs "$t2" "$t3")" | bc -l)
	refrpm=$(ls "$W"/rpmb/RPMS/*/*.rpm)
	for pair in "$deb $W/ref.deb" "$rpm $refrpm"; do
		set -- $pair
		printf 'P1 %-40s %10s %10s %7.4f %10s %10s %7.4f\n' "$(basename "$1")" \
			"$(size "$1")" "$(size "$2")" \
			"$(echo "$(size "$1") / $(size "$2")" | bc -l)" \
			"$(payload "$1")" "$(payload "$2")" \
			"$(echo "$(payload "$1") / $(payload "$2")" | bc -l)"
	done
done
printf 'P1 time: pkgtool %.2f s, dpkg-deb + rpmbuild %.2f s, ratio %.3f\n' \
	"$ours" "$ref" "$(echo "$ours / $ref" | bc -l)"

# ---- P2 ----
hosts() { # hosts FILE N
	{
		printf 'komodo_binary_path: %s\nkomodo_service_scope: system\nkomodo_passkeys: [bench-passkey-0123456789]\nhosts:\n' "$W/amd64"
		i=1
		while [ "$i" -le "$2" ]; do
			printf '  h%03d:\n    komodo_periphery_port: %d\n' "$i" $((8000 + i))
			i=$((i + 1))
		done
	} >"$1"
}
hosts "$W/one.yml" 1
hosts "$W/fleet.yml" 100
rm -rf "$W/cache"
build "$W/one.yml" "$W/one"
t_one=$T rss_one=$RSS
rm -rf "$W/cache" "$W/one"
build "$W/fleet.yml" "$W/fleet"
t_fleet=$T rss_fleet=$RSS
printf '\nP2 1 host: %.2f s, %s KB peak RSS; 100 hosts: %.2f s, %s KB; ratio %.2f (time), %.2f (RSS)\n' \
	"$t_one" "$rss_one" "$t_fleet" "$rss_fleet" \
	"$(echo "$t_fleet / $t_one" | bc -l)" "$(echo "$rss_fleet / $rss_one" | bc -l)"
rm -rf "$W/fleet"

# ---- P3 ----
hosts "$W/p3.yml" 1
build "$W/p3.yml" "$W/p3"
build "$W/p3.yml" "$W/p3"
t_same=$T
sed 's/bench-passkey/other-passkey/' "$W/p3.yml" >"$W/p3b.yml"
build "$W/p3b.yml" "$W/p3"
t_conf=$T
printf '\nP3 unchanged rebuild: %.3f s; config-only change, warm cache: %.3f s\n' \
	"$t_same" "$t_conf"
