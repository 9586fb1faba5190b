/* digest.h - MD5 and SHA-256 by type, over crypto.c (OpenSSL's EVP)
 * SPDX-License-Identifier: MIT
 *
 * Streaming contexts: <alg>_init(), then <alg>_update() any number of times
 * with any split of the input (the digest only depends on the concatenated
 * bytes), then <alg>_final(), which writes the raw digest and frees the
 * context. A context that is abandoned before _final (an error path) is
 * freed with <alg>_release(), which is a no-op after _final, so error
 * paths may call it unconditionally. Separate contexts may be used from
 * separate threads.
 *
 * The types keep an MD5 context from being finished into a SHA-256
 * buffer. MD5 exists only for dpkg's md5sums (a check against
 * corruption, not against an attacker); anything that must resist
 * tampering uses SHA-256.
 */
#ifndef PKGTOOL_DIGEST_H
#define PKGTOOL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_LEN	  16
#define SHA256_DIGEST_LEN 32
/* Hex string sizes including the terminating NUL. */
#define MD5_HEX_SIZE	(2 * MD5_DIGEST_LEN + 1)
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_LEN + 1)

struct crypto_hash;

struct md5_ctx {
	struct crypto_hash *h;
};

struct sha256_ctx {
	struct crypto_hash *h;
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t n);
void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_LEN]);
void md5_release(struct md5_ctx *c);

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
void sha256_release(struct sha256_ctx *c);

/* Writes n bytes of d as 2 * n lowercase hex digits plus a NUL to out. */
void digest_hex(const uint8_t *d, size_t n, char *out);

/* SHA-256 of a file's contents as lowercase hex (what sha256sum prints).
 * Follows symlinks. Reports an unreadable file with error() and returns -1. */
int digest_file_sha256(const char *path, char hex[SHA256_HEX_SIZE]);
/* The same for a file already open (read from its current offset to the
 * end), so a caller that checked the fd hashes exactly that file; name is
 * for messages. */
int digest_fd_sha256(int fd, const char *name, char hex[SHA256_HEX_SIZE]);

#endif
