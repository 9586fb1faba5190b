/* digest.c - typed MD5 and SHA-256 over crypto.c, and file hashing
 * SPDX-License-Identifier: MIT
 *
 * The hashing itself is libcrypto's (SHA-NI/AVX2 code paths where the CPU
 * has them); this file only gives it types and a file reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "digest.h"
#include "util.h"
#include "banned.h"

/* Large reads: at several GB/s the syscall count starts to matter. */
#define FILE_CHUNK (256 * 1024)

void md5_init(struct md5_ctx *c)
{
	c->h = crypto_hash_new(CRYPTO_MD5);
}

void md5_update(struct md5_ctx *c, const void *data, size_t n)
{
	crypto_hash_update(c->h, data, n);
}

void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_LEN])
{
	crypto_hash_final(c->h, out);
	c->h = NULL;
}

void md5_release(struct md5_ctx *c)
{
	crypto_hash_free(c->h);
	c->h = NULL;
}

void sha256_init(struct sha256_ctx *c)
{
	c->h = crypto_hash_new(CRYPTO_SHA256);
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	crypto_hash_update(c->h, data, n);
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN])
{
	crypto_hash_final(c->h, out);
	c->h = NULL;
}

void sha256_release(struct sha256_ctx *c)
{
	crypto_hash_free(c->h);
	c->h = NULL;
}

void digest_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int digest_fd_sha256(int fd, const char *name, char hex[SHA256_HEX_SIZE])
{
	struct sha256_ctx c;
	uint8_t *chunk = xmalloc(FILE_CHUNK), d[SHA256_DIGEST_LEN];
	int r = -1;

	sha256_init(&c);
	for (;;) {
		ssize_t n = read(fd, chunk, FILE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error("cannot read '%s': %s", name, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		sha256_update(&c, chunk, (size_t)n);
	}
	sha256_final(&c, d);
	digest_hex(d, sizeof(d), hex);
	r = 0;
out:
	sha256_release(&c);
	free(chunk);
	return r;
}

int digest_file_sha256(const char *path, char hex[SHA256_HEX_SIZE])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	r = digest_fd_sha256(fd, path, hex);
	close(fd);
	return r;
}
