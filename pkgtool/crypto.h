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

/* Constant-time comparison: 1 when the n bytes are equal. */
int crypto_memeq(const void *a, const void *b, size_t n);

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
