# fakegh.sh - source after lib.sh: a fake GitHub + Komodo Core
# (tests/fake/github.py) on 127.0.0.1 over TLS with a throwaway CA.
# shellcheck shell=sh disable=SC2034
#
#   fakegh_start [--plain]   start it; sets GH (base URL), PORT, CA, CTL,
#                            ASSETS, GHLOG; a second call starts another
#                            server (its values replace the first's)
#   fakegh_site FILE [YAML]  a site file pointing at the server
#   fakegh_count PATTERN     how many logged requests match PATTERN
#
# The tests must not depend on the caller's network set-up or cache.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY \
	no_proxy NO_PROXY SSL_CERT_FILE CURL_CA_BUNDLE GITHUB_TOKEN
export XDG_CACHE_HOME="$TMP/xdg-cache"
FAKEGH_PIDS=
trap 'for p in $FAKEGH_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# A throwaway CA and a server certificate for 127.0.0.1 and localhost.
fakegh_certs() {
	d="$TMP/tls"
	[ -f "$d/srv.crt" ] && return 0
	mkdir -p "$d" &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-subj '/CN=pkgtool test CA' -keyout "$d/ca.key" \
			-out "$d/ca.crt" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign \
			2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
			-keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/srv.ext" &&
		openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" \
			-CAkey "$d/ca.key" -CAcreateserial -days 2 \
			-extfile "$d/srv.ext" -out "$d/srv.crt" 2>/dev/null
}

# The release files: v1.19.5 and v2.3.2 (latest) for both architectures,
# v1.16.11 with the old x86_64 name. The aarch64 "binary" is the test
# double with its ELF machine patched to aarch64 (183): pkgtool only
# reads the header.
fakegh_assets() {
	a=$1
	bin=$(fake_binary) || return 1
	for v in v1.19.5 v2.3.2 v1.16.11; do
		mkdir -p "$a/$v" || return 1
		x=periphery-x86_64
		[ $v = v1.16.11 ] && x=periphery
		{ cat "$bin" && echo "$v"; } >"$a/$v/$x" &&
			cp "$a/$v/$x" "$a/$v/periphery-aarch64" &&
			printf '\267' | dd of="$a/$v/periphery-aarch64" bs=1 \
				seek=18 conv=notrunc 2>/dev/null || return 1
	done
	echo v2.3.2 >"$a/LATEST"
}

fakegh_start() {
	n=$(($(echo "$FAKEGH_PIDS" | wc -w) + 1))
	CTL="$TMP/ctl$n"
	ASSETS="$TMP/assets"
	GHLOG="$TMP/fakegh$n.log"
	CA="$TMP/tls/ca.crt"
	mkdir -p "$CTL" && : >"$CTL/mode" && : >"$GHLOG" || return 1
	[ -d "$ASSETS" ] || fakegh_assets "$ASSETS" || return 1
	if [ "${1:-}" = --plain ]; then
		tls=
		scheme=http
	else
		fakegh_certs || return 1
		tls="--tls $TMP/tls/srv.crt $TMP/tls/srv.key"
		scheme=https
	fi
	# shellcheck disable=SC2086
	$PY "$TOP/tests/fake/github.py" --assets "$ASSETS" --ctl "$CTL" \
		$tls --portfile "$CTL/port" --log "$GHLOG" \
		2>"$TMP/fakegh$n.err" >/dev/null &
	FAKEGH_PIDS="$FAKEGH_PIDS $!"
	i=0
	while [ ! -f "$CTL/port" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { cat "$TMP/fakegh$n.err"; return 1; }
		sleep 0.1
	done
	PORT=$(cat "$CTL/port")
	GH="$scheme://127.0.0.1:$PORT"
}

fakegh_site() {
	f=$1
	shift
	{
		echo "komodo_github_api_url: $GH"
		echo "komodo_download_base_url: $GH/moghtech/komodo/releases/download"
		echo "komodo_service_scope: system"
		echo 'package_maintainer: "Test Ops <ops@example.com>"'
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

fakegh_count() {
	grep -c -- "$1" "$GHLOG"
}
