#!/bin/sh
# bench-build.sh [BINARY] - package size and build time of pkgtool build for
# a ~30 MB agent, per compression, next to dpkg-deb -b and rpmbuild -bb on
# the same tree in the same run, at the same compression levels (xz 6,
# zstd 19, gzip 9). Prints ratios (pkgtool / reference); a
# benchmark, not a test: nothing here asserts on time.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
PKGTOOL="$TOP/pkgtool/pkgtool"
BIN=${1:-/usr/bin/x86_64-linux-gnu-lto-dump-12}
[ -f "$BIN" ] || { echo "no binary $BIN (apt-get install gcc-12)" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1700000000

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
size() { stat -c %s "$1"; }

printf 'binary: %s (%s bytes), %s cores\n' "$BIN" "$(size "$BIN")" "$(nproc)"
printf '%-6s %-4s %10s %8s %12s %8s %7s %7s\n' comp fmt pkgtool_B secs reference_B secs size_x time_x
for c in xz zstd gzip; do
	cat >"$W/site.yml" <<EOS
komodo_binary_path: $BIN
komodo_service_scope: system
package_compression: $c
EOS
	for f in deb rpm; do
		t0=$(now)
		"$PKGTOOL" -q build "$W/site.yml" --format $f --out "$W/$c-$f"
		t1=$(now)
		p=$(ls "$W/$c-$f"/*)
		# the same tree through the reference tool
		rm -rf "$W/tree" && mkdir -p "$W/tree"
		dpkg-deb -x "$W/$c-deb"/*.deb "$W/tree" 2>/dev/null ||
			{ "$PKGTOOL" -q build "$W/site.yml" --format deb --out "$W/$c-deb" &&
			  dpkg-deb -x "$W/$c-deb"/*.deb "$W/tree"; }
		if [ $f = deb ]; then
			dpkg-deb -e "$W/$c-deb"/*.deb "$W/tree/DEBIAN"
			t2=$(now)
			case $c in xz) lv=6 ;; zstd) lv=19 ;; gzip) lv=9 ;; esac
			dpkg-deb --root-owner-group -Z$c -z$lv -b "$W/tree" "$W/ref.deb" >/dev/null
			t3=$(now)
			r="$W/ref.deb"
		else
			case $c in xz) io=w6.xzdio ;; zstd) io=w19.zstdio ;; gzip) io=w9.gzdio ;; esac
			mkdir -p "$W/rpmb"
			{
				echo "Name: komodo-periphery"; echo "Version: 1.19.5"; echo "Release: 1"
				echo "Summary: bench"; echo "License: GPL-3.0-only"
				echo "%description"; echo "bench"
				echo "%install"; echo "cp -a $W/tree/. %{buildroot}/"
				echo "%files"; echo "%defattr(-,root,root)"; echo "/usr"; echo "/etc/komodo"
			} >"$W/b.spec"
			t2=$(now)
			rpmbuild -bb --quiet --define "_topdir $W/rpmb" \
				--define "_binary_payload $io" \
				--define "__spec_install_post %{nil}" \
				--define "debug_package %{nil}" "$W/b.spec" >/dev/null 2>&1
			t3=$(now)
			r=$(ls "$W"/rpmb/RPMS/*/*.rpm)
		fi
		a=$(secs "$t0" "$t1"); b=$(secs "$t2" "$t3")
		printf '%-6s %-4s %10s %8s %12s %8s %7.3f %7.2f\n' $c $f \
			"$(size "$p")" "$a" "$(size "$r")" "$b" \
			"$(echo "$(size "$p") / $(size "$r")" | bc -l)" \
			"$(echo "$a / $b" | bc -l)"
		rm -rf "$W/rpmb" "$W/ref.deb"
	done
done
