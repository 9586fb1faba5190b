#!/usr/bin/python3
"""roundtrip.py SITE.yml CONFIG.toml - the strings in the site file arrive
unchanged in the parsed TOML (escaping of quotes, backslashes, controls,
non-ASCII, secret names that are not bare keys)."""
import sys
import tomllib
import yaml

site = yaml.safe_load(open(sys.argv[1])) or {}
with open(sys.argv[2], "rb") as f:
    cfg = tomllib.load(f)
bad = 0
def same(what, want, got):
    global bad
    if want != got:
        print(f"{what}: want {want!r}, got {got!r}")
        bad = 1
for i, p in enumerate(site.get("komodo_git_providers", [])):
    for j, a in enumerate(p["accounts"]):
        got = cfg["git_provider"][i]["accounts"][j]
        same("git username", a["username"], got["username"])
        same("git token", a.get("token", ""), got["token"])
for i, p in enumerate(site.get("komodo_registry_providers", [])):
    for j, a in enumerate(p["accounts"]):
        same("registry token", a["token"], cfg["docker_registry"][i]["accounts"][j]["token"])
for s in site.get("komodo_agent_secrets", []):
    same("secret " + s["name"], s["value"], cfg["secrets"].get(s["name"]))
want = []
for k in site.get("komodo_passkeys", []) + [site.get("server_passkey"), site.get("passkey")]:
    if k and k not in want:
        want.append(k)
if want:
    same("passkeys", want, cfg["passkeys"])
sys.exit(bad)
