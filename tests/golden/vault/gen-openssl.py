#!/usr/bin/python3
# gen-openssl.py - writes an Ansible Vault 1.1 payload without Ansible
# SPDX-License-Identifier: MIT
#
# An oracle independent of both Ansible and our C code: python3 stdlib for
# PBKDF2, HMAC, PKCS#7 and the double hex, `openssl enc -aes-256-ctr` for
# AES. The salt is fixed so the output is reproducible.
#   usage: gen-openssl.py PASSWORD PLAINTEXT > openssl.vault
import hashlib
import hmac
import subprocess
import sys

password = sys.argv[1].encode()
plain = sys.argv[2].encode()
salt = bytes(range(32))
dk = hashlib.pbkdf2_hmac("sha256", password, salt, 10000, 80)
key1, key2, iv = dk[:32], dk[32:64], dk[64:]
pad = 16 - len(plain) % 16
ct = subprocess.run(
    ["openssl", "enc", "-aes-256-ctr", "-K", key1.hex(), "-iv", iv.hex(),
     "-nopad"],
    input=plain + bytes([pad]) * pad, capture_output=True, check=True).stdout
mac = hmac.new(key2, ct, hashlib.sha256).hexdigest().encode()
body = b"\n".join([salt.hex().encode(), mac, ct.hex().encode()]).hex()
print("$ANSIBLE_VAULT;1.1;AES256")
for i in range(0, len(body), 80):
    print(body[i:i + 80])
