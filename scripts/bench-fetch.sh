#!/bin/sh
# bench-fetch.sh [ASSET] [RUNS] - what pkgtool's download + verification
# costs for a ~30 MB release asset, next to a plain `curl -L -o` of the
# same file from the same fake GitHub (tests/fake/github.py, TLS, loopback)
# in the same run. pkgtool fetch --refresh does: the release JSON request
# (the digest), the download through the CDN redirect with SHA-256 on the
# way, fsync and rename into the cache. Also shown: a cache hit (re-hash
# only) and sha256sum of the file. Medians of RUNS (default 7). A benchmark,
# not a test: nothing here asserts on time.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
PKGTOOL="$TOP/pkgtool/pkgtool"
ASSET=${1:-/usr/bin/x86_64-linux-gnu-lto-dump-12}
RUNS=${2:-7}
[ -f "$ASSET" ] || { echo "no asset $ASSET (apt-get install gcc-12)" >&2; exit 1; }
W=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$W"' EXIT
unset https_proxy HTTPS_PROXY all_proxy ALL_PROXY GITHUB_TOKEN

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=bench CA' \
	-keyout "$W/ca.key" -out "$W/ca.crt" \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout "$W/srv.key" \
	-out "$W/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$W/srv.ext"
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.crt" -CAkey "$W/ca.key" \
	-CAcreateserial -days 1 -extfile "$W/srv.ext" -out "$W/srv.crt" 2>/dev/null
mkdir -p "$W/assets/v1.19.5" "$W/ctl"
cp "$ASSET" "$W/assets/v1.19.5/periphery-x86_64"
echo v1.19.5 >"$W/assets/LATEST"
: >"$W/ctl/mode"
/usr/bin/python3 "$TOP/tests/fake/github.py" --assets "$W/assets" --ctl "$W/ctl" \
	--tls "$W/srv.crt" "$W/srv.key" --portfile "$W/port" 2>/dev/null >/dev/null &
PID=$!
while [ ! -f "$W/port" ]; do sleep 0.1; done
GH="https://127.0.0.1:$(cat "$W/port")"
URL="$GH/moghtech/komodo/releases/download/v1.19.5/periphery-x86_64"
cat >"$W/site.yml" <<EOS
komodo_version: v1.19.5
komodo_github_api_url: $GH
komodo_download_base_url: $GH/moghtech/komodo/releases/download
EOS

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # run CMD...: RUNS wall times, one per line
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		echo "$t1 - $t0" | bc -l
		i=$((i + 1))
	done
}

# warm up the page cache and the server
curl -sS --cacert "$W/ca.crt" -L -o "$W/warm" "$URL"
"$PKGTOOL" -q fetch "$W/site.yml" --cacert "$W/ca.crt" --cache-dir "$W/cache" >/dev/null
cmp "$W/warm" "$W/cache/periphery/v1.19.5/periphery-x86_64"

c=$(run curl -sS --cacert "$W/ca.crt" -L -o "$W/curl.out" "$URL" | median)
p=$(run "$PKGTOOL" -q fetch "$W/site.yml" --cacert "$W/ca.crt" \
	--cache-dir "$W/cache" --refresh | median)
h=$(run "$PKGTOOL" -q fetch "$W/site.yml" --cacert "$W/ca.crt" \
	--cache-dir "$W/cache" | median)
s=$(run sha256sum "$ASSET" | median)

mb=$(stat -c %s "$ASSET" | awk '{printf "%.1f", $1 / 1e6}')
printf 'asset: %s (%s MB), %s runs, %s cores, medians\n' "$ASSET" "$mb" "$RUNS" "$(nproc)"
printf '%-44s %7.3f s\n' "curl -L -o (download only)" "$c"
printf '%-44s %7.3f s\n' "pkgtool fetch --refresh (digest+dl+verify)" "$p"
printf '%-44s %7.3f s  (%+.0f%%)\n' "overhead of pkgtool over curl" \
	"$(echo "$p - $c" | bc -l)" "$(echo "($p - $c) * 100 / $c" | bc -l)"
printf '%-44s %7.3f s\n' "pkgtool fetch, cache hit (re-hash only)" "$h"
printf '%-44s %7.3f s\n' "sha256sum of the asset (reference)" "$s"
