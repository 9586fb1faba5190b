/* crypto.h - every hash, cipher, KDF and key pair, from OpenSSL's libcrypto
 * SPDX-License-Identifier: MIT
 *
 * crypto.c is the only file that includes <openssl/...>; the rest of the
 * tool never implements a primitive of its own. Sections: comparison,
 * digests, ciphers/KDF (vault), key pairs (Komodo v2).
 */
#ifndef PKGTOOL_CRYPTO_H
#define PKGTOOL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Constant-time comparison: 1 when the n bytes are equal. */
int crypto_memeq(const void *a, const void *b, size_t n);
/* Overwrites n bytes at p with zeros in a way the compiler cannot drop
 * (OPENSSL_cleanse): for key material and plaintext before it is freed. */
void crypto_wipe(void *p, size_t n);

/* ---- digests (SHA-256; MD5 and SHA-1 where a format wants them) ------------------------------------------------
 *
 * A streaming hash: crypto_hash_new(), crypto_hash_update() any number of
 * times with any split of the input, crypto_hash_final() writes the raw
 * digest (crypto_hash_size() bytes) and frees the context. An abandoned
 * context is freed with crypto_hash_free() (NULL is fine). A context is
 * used by one thread at a time; separate contexts are independent.
 *
 * The underlying EVP calls only fail on allocation failure or a broken
 * library, so these die() rather than make every caller handle -1.
 * digest.h is the typed face of this section for the rest of the tool.
 */
enum crypto_md {
	CRYPTO_MD5,	/* dpkg's md5sums, rpm's legacy header digest */
	CRYPTO_SHA1,	/* rpm's legacy header digest only */
	CRYPTO_SHA256,
};

struct crypto_hash;

struct crypto_hash *crypto_hash_new(enum crypto_md md);
void crypto_hash_update(struct crypto_hash *h, const void *data, size_t n);
void crypto_hash_final(struct crypto_hash *h, uint8_t *out);
void crypto_hash_free(struct crypto_hash *h);
/* Digest length in bytes of md. */
size_t crypto_hash_size(enum crypto_md md);
/* Finishes h (freed) into lowercase hex: 2 * crypto_hash_size() digits
 * and a NUL at out. */
void crypto_hash_final_hex(struct crypto_hash *h, enum crypto_md md,
			   char *out);

/* ---- ciphers/KDF (Ansible Vault) -------------------------------------------
 *
 * Each returns 0, or reports the libcrypto failure once with error() and
 * returns -1 (with the output wiped). None keeps key material after it
 * returns.
 */
#define CRYPTO_AES256_KEY_LEN	 32
#define CRYPTO_AES_BLOCK_LEN	 16
#define CRYPTO_HMAC_SHA256_LEN	 32

/* AES-256-CTR (EVP) with a 128-bit big-endian counter starting at iv,
 * wrapping at 2^128; in and out may be the same buffer. */
int crypto_aes256_ctr(const uint8_t key[CRYPTO_AES256_KEY_LEN],
		      const uint8_t iv[CRYPTO_AES_BLOCK_LEN], const void *in,
		      void *out, size_t n);
/* HMAC-SHA256 (RFC 2104, EVP_MAC) of msg under key; any key length. */
int crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
		       size_t n, uint8_t mac[CRYPTO_HMAC_SHA256_LEN]);
/* PBKDF2-HMAC-SHA256 (RFC 8018, PKCS5_PBKDF2_HMAC): outlen bytes to out. */
int crypto_pbkdf2_sha256(const void *password, size_t pwlen,
			 const void *salt, size_t saltlen, unsigned rounds,
			 uint8_t *out, size_t outlen);

/* ---- key pairs (Komodo v2 Periphery keys) ---------------------------------
 *
 * Komodo v2 (mogh_pki) authenticates with X25519 keys. Private keys are
 * PKCS#8 DER in standard base64 on one line (64 characters, "MC4CAQAw..."),
 * public keys SPKI DER in base64 (60 characters, "MCowBQYDK2VuAyEA...");
 * Core compares public keys as these exact strings. */
struct buf;

/* A new private key (base64 PKCS#8) appended to out. */
int crypto_x25519_generate(struct buf *out);
/* The public key (base64 SPKI) of priv, a base64 PKCS#8 key or its PEM.
 * -1 (reported, without the key) when priv is no X25519 private key. */
int crypto_x25519_public(const char *priv, struct buf *out);
/* 1 when pub is exactly the canonical base64 SPKI of an X25519 key, the
 * form Core's GetCoreInfo gives; nothing is reported. */
int crypto_x25519_public_valid(const char *pub);

#endif
