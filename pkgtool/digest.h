/* digest.h - MD5 and SHA-256, written here so the tool needs no crypto library
 * SPDX-License-Identifier: MIT
 *
 * Streaming contexts: <alg>_init(), then <alg>_update() any number of times
 * with any split of the input (the digest only depends on the concatenated
 * bytes), then <alg>_final(), which writes the raw digest. After _final the
 * context must be _init'ed again before reuse. Contexts own no memory, so
 * there is no _release: keep them on the stack or inside another struct.
 * Nothing here is shared between contexts, so separate contexts may be used
 * from separate threads.
 *
 * MD5 exists only for dpkg's md5sums (a check against corruption, not
 * against an attacker); anything that must resist tampering uses SHA-256.
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

struct md5_ctx {
	uint32_t state[4];
	uint64_t len;	   /* bytes hashed so far */
	uint8_t block[64]; /* partial block, len % 64 bytes used */
};

struct sha256_ctx {
	uint32_t state[8];
	uint64_t len;
	uint8_t block[64];
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t n);
void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_LEN]);

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);

/* Writes n bytes of d as 2 * n lowercase hex digits plus a NUL to out. */
void digest_hex(const uint8_t *d, size_t n, char *out);

/* SHA-256 of a file's contents as lowercase hex (what sha256sum prints).
 * Follows symlinks. Reports an unreadable file with error() and returns -1. */
int digest_file_sha256(const char *path, char hex[SHA256_HEX_SIZE]);

#endif
