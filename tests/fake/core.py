#!/usr/bin/python3
# core.py - a fake Komodo Core for the register tests (python3 stdlib only).
# SPDX-License-Identifier: MIT
#
# Behaves like the real Core as described in
# shared/reference/komodo-core-api.md, as far as register needs it:
#  - POST /read, /write with {"type","params"} (body-tagged) and
#    POST /read/<Type>, /write/<Type> with the params as body (path-style);
#    an unknown type is 422 (body-tagged) but 500 (path-style);
#  - content-type must be application/json (415), the body valid JSON (400);
#  - X-Api-Key + X-Api-Secret; an Authorization header is taken as a JWT
#    (v1) and fails; failures are 401 with Core's messages; v2 answers 429
#    after 5 failed attempts;
#  - errors are {"error": ..., "trace": [...]}; "not found" is a 500;
#  - CreateServer fills the v1/v2 defaults (enabled false), 409 on a taken
#    name, 400 on an empty one; UpdateServer merges only the given fields;
#  - GetVersion in both flavours, GET /version (plain text) only in v2;
#  - reply shapes are those of the official client's types.d.ts
#    (komodo_client 1.19.1 and 2.3.2): ListServers items carry every
#    required info field, GetCoreInfo its v1 or v2 fields (v2: Core's
#    public key, a real X25519 SPKI key);
#  - v2: CreateServer takes a top-level public_key (stored as
#    info.public_key), UpdateServerPublicKey sets it (returns an Update);
#    ListServers is paged (page, limit; default --default-limit, 50 as in
#    Core's code, "30" in its docs; limit 0 = all), sorted by name, and a
#    24-hex name in query.names selects by id (split_names);
#  - names: empty (before trimming) is a 400, then trimmed with newlines
#    turned into "_", a valid ObjectId (any case) is a 400 "Valid ObjectIds
#    cannot be used as names"; GetServer/UpdateServer take an id when the
#    reference is a valid ObjectId, else a name (id_or_name_filter).
#
# Test-only endpoints under /_fake/ (no auth, not logged): GET state (the
# stored servers, passkeys included: for comparisons in tests), POST seed
# (store servers; {"count": N, "prefix": P} seeds N of them), POST inject
# (make the next calls fail), POST core_key ({"public_key": K}: Core's key
# rotated).
#
# Every other request is appended to --log as one JSON line with the API
# key, the secret and every passkey replaced by "***".
import argparse
import os
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

READ = {"GetVersion", "ListServers", "GetServer", "GetCoreInfo"}
WRITE = {"CreateServer", "UpdateServer", "DeleteServer",
         "UpdateServerPublicKey"}
V2_ONLY = {"UpdateServerPublicKey"}
# Core's public key: a real X25519 key (base64 SPKI), as GetCoreInfo gives
CORE_KEY = ["MCowBQYDK2VuAyEAc4IBNQ1h5zTratdmGK4Gd3tNjWr1/OCRWL2Ar4FkIUY="]
OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
SECRET_FIELDS = {"passkey"}

lock = threading.Lock()
servers = []  # dicts in the shape of the Server resource
injections = []  # {"call", "status", "count", ...}
auth_failures = []  # times of failed auth attempts (v2 rate limit)
next_id = [0x650000000000000000000000]
args = None


def redact(v):
    if isinstance(v, dict):
        return {k: ("***" if k in SECRET_FIELDS and isinstance(x, str)
                    and x else redact(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [redact(x) for x in v]
    return v


def default_config():
    if args.flavour == "v1":
        return {"address": "https://periphery:8120", "external_address": "",
                "region": "", "enabled": False, "timeout_seconds": 3,
                "passkey": "", "ignore_mounts": [], "stats_monitoring": True,
                "auto_prune": True, "links": [],
                "send_unreachable_alerts": True, "send_cpu_alerts": True,
                "send_mem_alerts": True, "send_disk_alerts": True,
                "send_version_mismatch_alerts": True, "cpu_warning": 90.0,
                "cpu_critical": 99.0, "mem_warning": 75.0,
                "mem_critical": 95.0, "disk_warning": 75.0,
                "disk_critical": 95.0, "maintenance_windows": []}
    return {"address": "", "insecure_tls": True, "external_address": "",
            "region": "", "enabled": False, "passkey": "",
            "auto_rotate_keys": True, "ignore_mounts": [],
            "stats_monitoring": True, "auto_prune": True, "links": [],
            "send_unreachable_alerts": True, "send_cpu_alerts": True,
            "send_mem_alerts": True, "send_disk_alerts": True,
            "send_version_mismatch_alerts": True, "cpu_warning": 90.0,
            "cpu_critical": 99.0, "mem_warning": 75.0, "mem_critical": 95.0,
            "disk_warning": 75.0, "disk_critical": 95.0,
            "maintenance_windows": []}


def new_server(name, config, public_key=None):
    next_id[0] += 1
    c = default_config()
    c.update(config or {})
    return {"_id": {"$oid": "%024x" % next_id[0]}, "name": name,
            "description": "", "template": False, "tags": [],
            "info": None if args.flavour == "v1" else
            {"attempted_public_key": "", "public_key": public_key or ""},
            "config": c, "base_permission": "None",
            "updated_at": int(time.time() * 1000)}


def is_object_id(ref):
    return isinstance(ref, str) and OBJECT_ID.fullmatch(ref) is not None


def find(ref):
    # id_or_name_filter: a valid ObjectId is only ever an id
    for s in servers:
        if is_object_id(ref):
            if s["_id"]["$oid"] == ref.lower():
                return s
        elif s["name"] == ref:
            return s
    return None


def list_item(s):
    c = s["config"]
    info = {"state": "Ok" if c["enabled"] else "Disabled",
            "region": c["region"], "address": c["address"],
            "external_address": c["external_address"],
            "send_unreachable_alerts": c["send_unreachable_alerts"],
            "send_cpu_alerts": c["send_cpu_alerts"],
            "send_mem_alerts": c["send_mem_alerts"],
            "send_disk_alerts": c["send_disk_alerts"],
            "send_version_mismatch_alerts":
            c["send_version_mismatch_alerts"]}
    if args.flavour == "v1":
        info.update({"version": "Unknown", "terminals_disabled": False,
                     "container_exec_disabled": False})
    else:
        # optional_string(): empty strings are left out
        for k in ("address", "external_address"):
            if not info[k]:
                del info[k]
        info["alerting_thresholds"] = {
            k: c[k] for k in ("cpu_warning", "cpu_critical", "mem_warning",
                              "mem_critical", "disk_warning",
                              "disk_critical")}
        info.update({"terminals_disabled": True,
                     "container_terminals_disabled": True})
        if s["info"]["attempted_public_key"]:
            info["attempted_public_key"] = s["info"]["attempted_public_key"]
    return {"id": s["_id"]["$oid"], "type": "Server", "name": s["name"],
            "template": s["template"], "tags": s["tags"], "info": info}


def list_servers(params):
    params = params or {}
    q = params.get("query") or {}
    names = q.get("names") or []
    if isinstance(names, str):
        names = [n for n in re.split(r"[,\n]", names) if n.strip()]
    ids, plain = [], names
    if args.flavour == "v2":
        # split_names(): valid ObjectIds select by _id
        ids = [n.lower() for n in names if is_object_id(n)]
        plain = [n for n in names if not is_object_id(n)]
    out = [list_item(s) for s in sorted(servers, key=lambda x: x["name"])
           if (not ids or s["_id"]["$oid"] in ids)
           and (not plain or s["name"] in plain)]
    if args.flavour == "v1" or tuple(
            int(x) for x in args.version.split(".")[:2]) < (2, 3):
        return out  # no paging before 2.3.0
    limit = params.get("limit")
    if limit is None:
        limit = args.default_limit
    page = params.get("page") or 0
    if limit == 0:
        return out
    return out[page * limit:(page + 1) * limit]


def core_info():
    if args.flavour == "v1":
        return {"title": "Komodo", "monitoring_interval": "15-sec",
                "webhook_base_url": "", "transparent_mode": False,
                "ui_write_disabled": False,
                "disable_non_admin_create": False,
                "disable_confirm_dialog": False,
                "github_webhook_owners": [],
                "disable_websocket_reconnect": False,
                "enable_fancy_toml": False, "timezone": ""}
    return {"title": "Komodo", "monitoring_interval": "15-sec",
            "webhook_base_url": "", "transparent_mode": False,
            "ui_write_disabled": False, "disable_non_admin_create": False,
            "disable_confirm_dialog": False,
            "disable_websocket_reconnect": False,
            "enable_fancy_toml": False, "timezone": "",
            "public_key": CORE_KEY[0],
            "default_pagination_limit": args.default_limit}


def update_of(s, operation, log):
    now = int(time.time() * 1000)
    return {"_id": {"$oid": "%024x" % (next_id[0] + 0x1000)},
            "operation": operation, "start_ts": now, "success": True,
            "operator": "fake-user",
            "target": {"type": "Server", "id": s["_id"]["$oid"]},
            "logs": [{"stage": log, "command": "", "stdout": "",
                      "stderr": "", "success": True, "start_ts": now,
                      "end_ts": now}],
            "end_ts": now, "status": "Complete"}


class ApiError(Exception):
    def __init__(self, status, error, trace=None):
        Exception.__init__(self, error)
        self.status, self.error, self.trace = status, error, trace or []


def not_found(ref):
    word = "did not find" if args.flavour == "v1" else "Did not find"
    return ApiError(500, "%s any Server matching %s" % (word, ref))


def need(params, field, body_tagged):
    if not isinstance(params, dict) or field not in params:
        if body_tagged:
            raise ApiError(422, "Failed to deserialize the JSON body into "
                           "the target type: params: missing field `%s`"
                           % field)
        raise ApiError(500, "failed to parse request",
                       ["missing field `%s`" % field])
    return params[field]


def call(kind, params, body_tagged):
    if kind == "GetVersion":
        return {"version": args.version}
    if kind == "GetCoreInfo":
        return core_info()
    if kind == "ListServers":
        return list_servers(params)
    if kind == "GetServer":
        ref = need(params, "server", body_tagged)
        s = find(ref)
        if not s:
            raise not_found(ref)
        return s
    if kind == "CreateServer":
        name = need(params, "name", body_tagged)
        if not name:
            raise ApiError(400, "Must provide non-empty name for resource")
        name = str(name).strip().replace("\n", "_")
        if is_object_id(name):
            raise ApiError(400, "Valid ObjectIds cannot be used as names")
        if find(name):
            raise ApiError(409, "Resource with name '%s' already exists"
                           % name)
        s = new_server(name, params.get("config"),
                       params.get("public_key") if args.flavour == "v2"
                       else None)
        servers.append(s)
        return s
    if kind == "UpdateServerPublicKey":
        ref = need(params, "server", body_tagged)
        key = need(params, "public_key", body_tagged)
        s = find(ref)
        if not s:
            raise not_found(ref)
        s["info"]["public_key"] = key
        return update_of(s, "UpdateServerKey",
                         "Update Server Public Key")
    if kind == "UpdateServer":
        ref = need(params, "id", body_tagged)
        config = need(params, "config", body_tagged)
        s = find(ref)
        if not s:
            raise not_found(ref)
        s["config"].update(config)
        s["updated_at"] = int(time.time() * 1000)
        return s
    if kind == "DeleteServer":
        ref = need(params, "id", body_tagged)
        s = find(ref)
        if not s:
            raise not_found(ref)
        servers.remove(s)
        return s
    raise AssertionError(kind)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def send(self, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else \
            json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def fail(self, e, extra=None):
        self.send(e.status, {"error": e.error, "trace": e.trace},
                  extra=extra)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def log(self, entry):
        with open(args.log, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")

    def do_GET(self):
        if self.path == "/_fake/state":
            with lock:
                return self.send(200, servers)
        self.log({"method": "GET", "path": self.path,
                  "headers": self.logged_headers()})
        if self.path == "/version" and args.flavour == "v2":
            if self.injected("version"):
                return
            return self.send(200, args.version.encode(), "text/plain")
        self.send(404, b"", "text/plain")

    def logged_headers(self):
        h = {}
        for k in ("X-Api-Key", "X-Api-Secret", "Authorization",
                  "Content-Type"):
            v = self.headers.get(k)
            if v is not None:
                h[k.lower()] = v if k == "Content-Type" else "***"
        return h

    # Applies the first matching injection; True when it answered.
    def injected(self, kind):
        with lock:
            inj = None
            for i in injections:
                if i["call"] in (kind, "*") and i.get("count", 1) != 0:
                    inj = i
                    break
            if not inj:
                return False
            if inj.get("count", 1) > 0:
                inj["count"] = inj.get("count", 1) - 1
            st = inj["status"]
            if st == 409 and kind == "CreateServer" and inj.get("race"):
                # someone else created it just now
                servers.append(new_server(inj["race"], {
                    "address": "https://someone-else:8120"}))
        if st == "stall":
            time.sleep(inj.get("seconds", 5))
            return True
        extra = {}
        if "retry_after" in inj:
            extra["Retry-After"] = str(inj["retry_after"])
        self.fail(ApiError(st, inj.get("error", "injected"),
                           inj.get("trace", [])), extra)
        return True

    def do_POST(self):
        raw = self.body()
        if self.path.startswith("/_fake/"):
            return self.control(json.loads(raw or b"{}"))
        entry = {"method": "POST", "path": self.path,
                 "headers": self.logged_headers()}
        try:
            entry["body"] = redact(json.loads(raw))
        except ValueError:
            entry["body"] = "<invalid JSON>"
        self.log(entry)
        parts = self.path.strip("/").split("/")
        group = parts[0]
        if group not in ("read", "write") or len(parts) > 2:
            return self.send(404, b"", "text/plain")
        if "application/json" not in (self.headers.get("Content-Type")
                                      or ""):
            return self.send(415, b"Expected request with `Content-Type: "
                             b"application/json`", "text/plain")
        try:
            req = json.loads(raw)
        except ValueError:
            return self.send(400, b"Failed to parse the request body as "
                             b"JSON", "text/plain")
        if not self.authenticate():
            return
        body_tagged = len(parts) == 1
        if body_tagged:
            if not isinstance(req, dict) or "type" not in req:
                return self.fail(ApiError(422, "Failed to deserialize the "
                                          "JSON body into the target type: "
                                          "missing field `type`"))
            kind, params = req["type"], req.get("params")
        else:
            kind, params = parts[1], req
        known = READ if group == "read" else WRITE
        if args.flavour == "v1":
            known = known - V2_ONLY
        if kind not in known:
            if body_tagged:
                return self.fail(ApiError(422, "Failed to deserialize the "
                                          "JSON body into the target type: "
                                          "type: unknown variant `%s`"
                                          % kind))
            return self.fail(ApiError(500, "failed to parse request",
                                      ["unknown variant `%s`" % kind]))
        if self.injected(kind):
            return
        try:
            with lock:
                out = call(kind, params, body_tagged)
        except ApiError as e:
            return self.fail(e)
        self.send(200, out)

    def authenticate(self):
        h = self.headers
        e = None
        if args.flavour == "v2":
            with lock:
                now = time.time()
                auth_failures[:] = [t for t in auth_failures if now - t < 15]
                if len(auth_failures) >= 5:
                    self.fail(ApiError(429, "Too many attempts | Try again "
                                       "in 15s"))
                    return False
        if h.get("Authorization") is not None:
            e = ApiError(401, "failed to authenticate jwt",
                         ["invalid jwt"])
        elif h.get("X-Api-Key") is None or h.get("X-Api-Secret") is None:
            e = ApiError(401, "must attach either AUTHORIZATION header with "
                         "jwt OR pass X-API-KEY and X-API-SECRET")
        elif h.get("X-Api-Key") != args.key:
            e = ApiError(401, "failed to authenticate api key",
                         ["no api key matching key"])
        elif h.get("X-Api-Secret") != args.secret:
            e = ApiError(401, "failed to authenticate api key",
                         ["invalid api secret"])
        if e is None:
            return True
        if args.flavour == "v2":
            with lock:
                auth_failures.append(time.time())
            e = ApiError(401, "Invalid client credentials")
        self.fail(e)
        return False

    def control(self, req):
        with lock:
            if self.path == "/_fake/seed":
                if isinstance(req, dict):
                    req = [{"name": "%s%03d" % (req["prefix"], i)}
                           for i in range(req["count"])]
                for s in req:
                    servers.append(new_server(s["name"], s.get("config"),
                                              s.get("public_key")))
            elif self.path == "/_fake/core_key":
                CORE_KEY[0] = req["public_key"]
            elif self.path == "/_fake/inject":
                injections.append(req)
            elif self.path == "/_fake/reset":
                injections.clear()
            else:
                return self.send(404, b"", "text/plain")
        self.send(200, {})


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--flavour", choices=["v1", "v2"], default="v1")
    p.add_argument("--version", default=None)
    p.add_argument("--key", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--default-limit", type=int, default=50)
    args = p.parse_args()
    if args.version is None:
        args.version = "1.19.5" if args.flavour == "v1" else "2.3.2"
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
