/* vault.h - decrypting Ansible Vault values (format 1.1/1.2, AES256)
 * SPDX-License-Identifier: MIT
 *
 * The site file is a set of Ansible role variables, so secrets in it may be
 * `!vault |` values. vault.c parses the envelope; the primitives
 * (AES-256-CTR, HMAC-SHA256, PBKDF2-HMAC-SHA256) are libcrypto's, through
 * crypto.h.
 *
 * The format (Ansible's VaultAES256): a header line
 * "$ANSIBLE_VAULT;1.1;AES256" (1.2 appends ";<vault-id label>"), then hex
 * lines which decode to hex(salt) "\n" hex(hmac) "\n" hex(ciphertext).
 * PBKDF2-HMAC-SHA256(password, salt, 10000 rounds) gives 80 bytes: the
 * AES-256 key, the HMAC key and the initial 128-bit CTR counter. The HMAC
 * covers the ciphertext; the plaintext carries PKCS#7 padding.
 */
#ifndef PKGTOOL_VAULT_H
#define PKGTOOL_VAULT_H

#include <stddef.h>

struct buf;

/*
 * Decrypts one vault payload: text (len bytes, not necessarily
 * NUL-terminated) is the header line and the hex lines; whitespace and
 * line breaks around and inside the hex are ignored, as a YAML literal
 * block keeps them. A 1.2 label is accepted and ignored (there is one
 * password). The password is used byte for byte: stripping the newline at
 * the end of a password file, as ansible does, is the caller's job.
 *
 * Appends the plaintext to out (it may contain any bytes, NUL included)
 * and returns 0. On an empty password, a wrong password or tampered data
 * (HMAC mismatch), or malformed input, reports one line
 * "<what>: ..." with error() and returns -1, appending nothing.
 * Key material and the plaintext copies made here are wiped; out belongs
 * to the caller, who should buf_wipe() it when done.
 */
int vault_decrypt(const char *text, size_t len, const char *password,
		  size_t pwlen, const char *what, struct buf *out);

#endif
