#!/usr/bin/python3
"""keys.py CONFIG.toml - print the config's keys, one per line, sorted:
top-level keys, and logging.* as dotted names (how the role writes them).
Fails if the file is not valid TOML."""
import sys
import tomllib

with open(sys.argv[1], "rb") as f:
    doc = tomllib.load(f)
keys = []
for k, v in doc.items():
    if k == "logging":
        keys += ["logging." + s for s in v]
    else:
        keys.append(k)
print("\n".join(sorted(keys)))
