# fakecore.sh - source after lib.sh: the fake Komodo Core of the register
# tests (tests/fake/core.py) on 127.0.0.1, plain http.
# shellcheck shell=sh disable=SC2034
#
#   fakecore_start [v1|v2 [ARGS]]  start it (ARGS go to core.py, e.g.
#                             --default-limit 30); sets CORE (base URL),
#                             CORELOG; a second call stops the first
#   fakecore_stop             stop it (done at exit, too)
#   fakecore_site FILE        writes the credentials part of a site file
#   fakecore_ctl WHAT [JSON]  POST /_fake/WHAT (seed, inject, reset)
#   fakecore_get NAME FIELD   config.FIELD of server NAME ("" if absent)
#   fakecore_info NAME FIELD  info.FIELD of server NAME (v2: public_key)
#   fakecore_count PATTERN    logged requests matching PATTERN (grep -E)
#
# KEY and SECRET are what the fake accepts; tests grep for them (and for
# passkeys) to show that no secret is printed or logged.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY \
	no_proxy NO_PROXY SSL_CERT_FILE CURL_CA_BUNDLE
KEY=K-4f1c2a9e-key
SECRET=S-b7d3e8f0-api-secret-value
# The pid goes into a file: a test may start a fake inside the subshell
# test_expect_success runs it in, where a variable would be lost.
fakecore_stop() {
	[ -s "$TMP/core.pid" ] && kill "$(cat "$TMP/core.pid")" 2>/dev/null
	rm -f "$TMP/core.pid"
}
trap 'fakecore_stop; rm -rf "$TMP"' EXIT

fakecore_start() {
	fakecore_stop
	CORELOG="$TMP/core.log"
	rm -f "$TMP/core.port" "$CORELOG"
	: >"$CORELOG"
	_flavour=${1:-v1}
	[ $# -gt 0 ] && shift
	"$PY" "$TOP/tests/fake/core.py" --flavour "$_flavour" --key "$KEY" \
		--secret "$SECRET" --log "$CORELOG" \
		--port-file "$TMP/core.port" "$@" 2>"$TMP/core.err" &
	echo $! >"$TMP/core.pid"
	i=0
	while [ ! -s "$TMP/core.port" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { cat "$TMP/core.err"; return 1; }
		sleep 0.1
	done
	CORE="http://127.0.0.1:$(cat "$TMP/core.port")"
}

fakecore_site() {
	cat >"$1" <<EOS
komodo_core_url: $CORE
komodo_core_api_key: !env PKGTOOL_TEST_KEY
komodo_core_api_secret: !env PKGTOOL_TEST_SECRET
package_formats: [deb]
EOS
}
export PKGTOOL_TEST_KEY="$KEY" PKGTOOL_TEST_SECRET="$SECRET"

fakecore_ctl() {
	"$PY" - "$CORE/_fake/$1" "${2:-{\}}" <<'EOP'
import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                           headers={"Content-Type": "application/json"})
urllib.request.urlopen(r).read()
EOP
}

fakecore_get() {
	"$PY" - "$CORE/_fake/state" "$1" "$2" <<'EOP'
import json, sys, urllib.request
for s in json.load(urllib.request.urlopen(sys.argv[1])):
    if s["name"] == sys.argv[2]:
        v = s["config"].get(sys.argv[3], "")
        print(json.dumps(v) if isinstance(v, bool) else v)
EOP
}

fakecore_info() {
	"$PY" - "$CORE/_fake/state" "$1" "$2" <<'EOP'
import json, sys, urllib.request
for s in json.load(urllib.request.urlopen(sys.argv[1])):
    if s["name"] == sys.argv[2]:
        print((s["info"] or {}).get(sys.argv[3], ""))
EOP
}

fakecore_count() {
	grep -cE "$1" "$CORELOG"
}
