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

#endif
