/* vault.h - decrypting Ansible Vault values (format 1.1/1.2, AES256)
 * SPDX-License-Identifier: MIT
 *
 * The site file is a set of Ansible role variables, so secrets in it may be
 * `!vault |` values. We decrypt them ourselves because none of our allowed
 * libraries does AES: vault.c holds AES-256 (forward cipher, CTR mode),
 * HMAC-SHA256 and PBKDF2-HMAC-SHA256 on top of digest.h.
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
#include <stdint.h>

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

/*
 * The building blocks, exported so the unit tests can check each against
 * published vectors. Nothing else should need them.
 */
#define VAULT_AES256_KEY_LEN 32
#define VAULT_AES_BLOCK_LEN  16
#define VAULT_HMAC_LEN	     32

/* AES-256-CTR with a 128-bit big-endian counter starting at iv (wrapping
 * at 2^128, as OpenSSL and Python's cryptography do); in and out may be
 * the same buffer. With n == 16 and in all zero this is one AES block
 * encryption of iv, which is how FIPS-197 vectors are checked. */
void vault_aes256_ctr(const uint8_t key[VAULT_AES256_KEY_LEN],
		      const uint8_t iv[VAULT_AES_BLOCK_LEN], const void *in,
		      void *out, size_t n);
/* HMAC-SHA256 (RFC 2104) of msg under key; any key length. */
void vault_hmac_sha256(const void *key, size_t keylen, const void *msg,
		       size_t n, uint8_t mac[VAULT_HMAC_LEN]);
/* PBKDF2 (RFC 8018) with HMAC-SHA256: writes outlen bytes to out. */
void vault_pbkdf2_sha256(const void *password, size_t pwlen, const void *salt,
			 size_t saltlen, unsigned rounds, uint8_t *out,
			 size_t outlen);

#endif
