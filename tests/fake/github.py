#!/usr/bin/python3
# github.py - a fake GitHub (releases API + downloads) and a fake Komodo
# Core (/version, /read GetVersion) on 127.0.0.1, for pkgtool's fetch tests.
# SPDX-License-Identifier: MIT
#
# python3 github.py --assets DIR --ctl CTL [--tls CERT KEY] [--port 0]
#                   [--portfile FILE] [--log FILE]
#
# DIR/LATEST names the latest tag; DIR/<tag>/<asset> are the release files.
# CTL is read on every request, so a test changes behaviour without a
# restart:
#   CTL/mode   words, any of:
#     404            downloads answer 404
#     500xN          the next N downloads answer 500 (then normal)
#     truncate       downloads send half the body, then close
#     stall          downloads send 1 KiB, then nothing
#     ratelimit      API answers 403 with x-ratelimit-remaining: 0
#     ratelimit429   API answers 429 with retry-after: 30
#     wrongdigest    release JSON digests are of other bytes
#     nodigest       release JSON has no digest fields
#   CTL/core   "v2 VERSION" (GET /version works) or "v1 VERSION" (only
#              POST /read GetVersion, with CTL/core-key and CTL/core-secret)
#
# Every request is logged (stderr, "fakegh: ", and --log) as
#   METHOD PATH host=HOST [auth=bearer] [x-api-key=set] [x-api-secret=set] [body=...]
# Credentials are never written, only whether they were sent.
import argparse
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import time

A = None
LOCK = threading.Lock()
COUNTERS = {}  # "500x3" -> times used, reset when the mode file changes
LAST_MODE = [None]


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def modes():
    text = read(os.path.join(A.ctl, "mode"))
    with LOCK:
        if text != LAST_MODE[0]:
            LAST_MODE[0] = text
            COUNTERS.clear()
    return text.split()


def take(mode):
    """For "500xN": True while fewer than N requests used it."""
    n = int(mode.split("x", 1)[1])
    with LOCK:
        used = COUNTERS.get(mode, 0)
        if used >= n:
            return False
        COUNTERS[mode] = used + 1
        return True


def log(line):
    sys.stderr.write("fakegh: " + line + "\n")
    sys.stderr.flush()
    if A.log:
        with LOCK, open(A.log, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakegh"

    def log_message(self, fmt, *args):
        pass

    def base(self, host=None):
        scheme = "https" if A.tls else "http"
        return "%s://%s" % (scheme, host or self.headers.get("Host", ""))

    def record(self, body=None):
        parts = [self.command, self.path,
                 "host=" + self.headers.get("Host", "")]
        auth = self.headers.get("Authorization")
        if auth:
            parts.append("auth=" + auth.split(" ", 1)[0].lower())
        for h in ("X-Api-Key", "X-Api-Secret"):
            if self.headers.get(h) is not None:
                parts.append(h.lower() + "=set")
        if body is not None:
            parts.append("body=" + body.decode("utf-8", "replace"))
        log(" ".join(parts))

    def send(self, code, body, ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def not_found(self):
        self.send(404, json.dumps({"message": "Not Found"}))

    # ---- GitHub -----------------------------------------------------------

    def release(self, tag):
        d = os.path.join(A.assets, tag)
        if not os.path.isdir(d):
            return None
        m = modes()
        assets = []
        for i, name in enumerate(sorted(os.listdir(d))):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            if "wrongdigest" in m:
                data += b"not the served bytes"
            a = {"name": name, "size": len(data),
                 "url": "%s/repos/moghtech/komodo/releases/assets/%d"
                        % (self.base(), i + 1),
                 "browser_download_url":
                        "%s/moghtech/komodo/releases/download/%s/%s"
                        % (self.base(), tag, name)}
            if "nodigest" not in m:
                a["digest"] = "sha256:" + hashlib.sha256(data).hexdigest()
            assets.append(a)
        return {"tag_name": tag, "name": tag, "draft": False,
                "prerelease": False, "assets": assets}

    def api(self, path):
        m = modes()
        if "ratelimit" in m:
            reset = int(time.time()) + 600
            return self.send(403, json.dumps({
                "message": "API rate limit exceeded for 127.0.0.1."}),
                headers=[("x-ratelimit-limit", "60"),
                         ("x-ratelimit-remaining", "0"),
                         ("x-ratelimit-reset", str(reset))])
        if "ratelimit429" in m:
            return self.send(429, json.dumps({
                "message": "You have exceeded a secondary rate limit."}),
                headers=[("retry-after", "30")])
        prefix = "/repos/moghtech/komodo/releases/"
        if path == prefix + "latest":
            tag = read(os.path.join(A.assets, "LATEST"))
        elif path.startswith(prefix + "tags/"):
            tag = path[len(prefix + "tags/"):]
        else:
            return self.not_found()
        rel = self.release(tag) if tag and "/" not in tag else None
        if rel is None:
            return self.not_found()
        self.send(200, json.dumps(rel))

    def download(self, tag, name):
        # like GitHub: a redirect to another host (the CDN); here the
        # other name of the same server
        host = self.headers.get("Host", "")
        port = host.rsplit(":", 1)[1]
        other = "localhost" if host.startswith("127.") else "127.0.0.1"
        self.send(302, "", "text/plain", [(
            "Location", "%s/_objects/%s/%s"
            % (self.base("%s:%s" % (other, port)), tag, name))])

    def obj(self, tag, name):
        path = os.path.join(A.assets, tag, name)
        if "/" in tag + name or tag.startswith(".") or not os.path.isfile(path):
            return self.not_found()
        m = modes()
        if "404" in m:
            return self.not_found()
        for w in m:
            if w.startswith("500x") and take(w):
                return self.send(500, "boom", "text/plain")
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with open(path, "rb") as f:
            if "truncate" in m:
                self.wfile.write(f.read(size // 2))
                self.wfile.flush()
                self.close_connection = True
                return
            if "stall" in m:
                self.wfile.write(f.read(1024))
                self.wfile.flush()
                time.sleep(120)
                self.close_connection = True
                return
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                self.wfile.write(chunk)

    # ---- Komodo Core ------------------------------------------------------

    def core(self):
        return (read(os.path.join(A.ctl, "core")) or "none 0").split()

    def core_version(self):
        kind, ver = self.core()[:2]
        if kind != "v2":
            return self.send(404, "", "text/plain")
        self.send(200, ver + "\n", "text/plain")

    def core_read(self, body):
        kind, ver = self.core()[:2]
        key = self.headers.get("X-Api-Key")
        secret = self.headers.get("X-Api-Secret")
        if key is None or secret is None:
            return self.send(401, json.dumps({
                "error": "must attach either AUTHORIZATION header with jwt "
                         "OR pass X-API-KEY and X-API-SECRET", "trace": []}))
        if key != read(os.path.join(A.ctl, "core-key")):
            return self.send(401, json.dumps({
                "error": "failed to authenticate api key",
                "trace": ["no api key matching key"]}))
        if secret != read(os.path.join(A.ctl, "core-secret")):
            return self.send(401, json.dumps({
                "error": "failed to authenticate api key",
                "trace": ["invalid api secret"]}))
        try:
            req = json.loads(body)
        except ValueError:
            return self.send(400, "Failed to parse the request body as JSON",
                             "text/plain")
        if req.get("type") != "GetVersion":
            return self.send(422, "unknown variant", "text/plain")
        self.send(200, json.dumps({"version": ver}))

    # ---- dispatch ---------------------------------------------------------

    def do_GET(self):
        self.record()
        p = self.path.split("?", 1)[0]
        parts = p.split("/")
        if p.startswith("/repos/"):
            return self.api(p)
        if p == "/version":
            return self.core_version()
        # /moghtech/komodo/releases/download/<tag>/<name>
        if len(parts) == 7 and parts[3:5] == ["releases", "download"]:
            return self.download(parts[5], parts[6])
        if len(parts) == 4 and parts[1] == "_objects":
            return self.obj(parts[2], parts[3])
        self.not_found()

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        self.record(body)
        if self.path == "/read":
            return self.core_read(body)
        self.not_found()


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    ap.add_argument("--log")
    A = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", A.port), Handler)
    srv.daemon_threads = True
    if A.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(A.tls[0], A.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    if A.portfile:
        with open(A.portfile + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(A.portfile + ".tmp", A.portfile)
    print("fakegh listening on 127.0.0.1:%d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
