/* digest.c - MD5 (RFC 1321) and SHA-256 (FIPS 180-4)
 * SPDX-License-Identifier: MIT
 *
 * Plain portable C: bytes are loaded and stored explicitly big- or
 * little-endian, so the code does not depend on the host byte order, and
 * gcc turns the loads into single instructions. The rounds are written as
 * straight loops the compiler unrolls; at -O2 this hashes well over
 * 200 MB/s, enough for the ~40 MB agent binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "util.h"
#include "banned.h"

#define ROL32(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Block buffering shared by both algorithms: both use 64-byte blocks and
 * a 64-bit message length in the final block (little-endian for MD5,
 * big-endian for SHA-256).
 */
typedef void block_fn(uint32_t *state, const uint8_t *blocks, size_t nr);

static void hash_update(uint32_t *state, uint64_t *len, uint8_t *block,
			block_fn *fn, const void *data, size_t n)
{
	const uint8_t *in = data;
	size_t used = (size_t)(*len % 64);

	*len += n;
	if (used) {
		size_t take = 64 - used < n ? 64 - used : n;

		memcpy(block + used, in, take);
		in += take;
		n -= take;
		if (used + take < 64)
			return;
		fn(state, block, 1);
	}
	/* Whole blocks straight from the caller's buffer: no copy. */
	if (n >= 64) {
		fn(state, in, n / 64);
		in += n - n % 64;
		n %= 64;
	}
	if (n)
		memcpy(block, in, n);
}

static void hash_pad(uint32_t *state, uint64_t len, uint8_t *block,
		     block_fn *fn, int big_endian)
{
	size_t used = (size_t)(len % 64);
	uint64_t bits = len * 8;
	int i;

	block[used++] = 0x80;
	if (used > 56) {
		memset(block + used, 0, 64 - used);
		fn(state, block, 1);
		used = 0;
	}
	memset(block + used, 0, 56 - used);
	for (i = 0; i < 8; i++) {
		int shift = big_endian ? 56 - 8 * i : 8 * i;

		block[56 + i] = (uint8_t)(bits >> shift);
	}
	fn(state, block, 1);
}

/* ---- MD5 ---- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
};

/* Per-round rotation amounts; each round repeats its four. */
static const unsigned md5_r[4][4] = { { 7, 12, 17, 22 },
				      { 5, 9, 14, 20 },
				      { 4, 11, 16, 23 },
				      { 6, 10, 15, 21 } };

/* One MD5 step: b' = b + ((a + f(b, c, d) + k + x) <<< s); the others
 * shift one place (a' = d, c' = b, d' = c). f is evaluated first. */
#define MD5_STEP(f)                                     \
	do {                                            \
		uint32_t t = a + (f) + md5_k[i] + x[g]; \
		a = d;                                  \
		d = c;                                  \
		c = b;                                  \
		b += ROL32(t, md5_r[i / 16][i % 4]);    \
	} while (0)

static void md5_blocks(uint32_t *state, const uint8_t *p, size_t nr)
{
	for (; nr--; p += 64) {
		uint32_t x[16], a = state[0], b = state[1], c = state[2],
				d = state[3];
		unsigned i, g;

		for (i = 0; i < 16; i++)
			x[i] = load_le32(p + 4 * i);
		/* Four loops rather than one with a switch keeps each round
		 * branch-free after unrolling. */
		for (i = 0; i < 16; i++) {
			g = i;
			MD5_STEP(d ^ (b & (c ^ d)));
		}
		for (; i < 32; i++) {
			g = (5 * i + 1) % 16;
			MD5_STEP(c ^ (d & (b ^ c)));
		}
		for (; i < 48; i++) {
			g = (3 * i + 5) % 16;
			MD5_STEP(b ^ c ^ d);
		}
		for (; i < 64; i++) {
			g = (7 * i) % 16;
			MD5_STEP(c ^ (b | ~d));
		}
		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
	}
}

void md5_init(struct md5_ctx *c)
{
	c->state[0] = 0x67452301;
	c->state[1] = 0xefcdab89;
	c->state[2] = 0x98badcfe;
	c->state[3] = 0x10325476;
	c->len = 0;
}

void md5_update(struct md5_ctx *c, const void *data, size_t n)
{
	hash_update(c->state, &c->len, c->block, md5_blocks, data, n);
}

void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_LEN])
{
	int i;

	hash_pad(c->state, c->len, c->block, md5_blocks, 0);
	for (i = 0; i < 4; i++)
		store_le32(out + 4 * i, c->state[i]);
}

/* ---- SHA-256 ---- */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static void sha256_blocks(uint32_t *state, const uint8_t *p, size_t nr)
{
	for (; nr--; p += 64) {
		uint32_t w[64], s[8];
		int i;

		for (i = 0; i < 16; i++)
			w[i] = load_be32(p + 4 * i);
		for (; i < 64; i++) {
			uint32_t s0 = ROR32(w[i - 15], 7) ^
				      ROR32(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ROR32(w[i - 2], 17) ^
				      ROR32(w[i - 2], 19) ^ (w[i - 2] >> 10);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		memcpy(s, state, sizeof(s));
		for (i = 0; i < 64; i++) {
			uint32_t e = s[4], a = s[0];
			uint32_t t1 =
				s[7] +
				(ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) +
				((e & s[5]) ^ (~e & s[6])) + sha256_k[i] + w[i];
			uint32_t t2 =
				(ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) +
				((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));

			s[7] = s[6];
			s[6] = s[5];
			s[5] = s[4];
			s[4] = s[3] + t1;
			s[3] = s[2];
			s[2] = s[1];
			s[1] = s[0];
			s[0] = t1 + t2;
		}
		for (i = 0; i < 8; i++)
			state[i] += s[i];
	}
}

void sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->state, iv, sizeof(iv));
	c->len = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	hash_update(c->state, &c->len, c->block, sha256_blocks, data, n);
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN])
{
	int i;

	hash_pad(c->state, c->len, c->block, sha256_blocks, 1);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->state[i]);
}

/* ---- helpers ---- */

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

int digest_file_sha256(const char *path, char hex[SHA256_HEX_SIZE])
{
	struct sha256_ctx c;
	uint8_t chunk[64 * 1024], d[SHA256_DIGEST_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	sha256_init(&c);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return error("cannot read '%s': %s", path, strerror(e));
		}
		if (!n)
			break;
		sha256_update(&c, chunk, (size_t)n);
	}
	close(fd);
	sha256_final(&c, d);
	digest_hex(d, sizeof(d), hex);
	return 0;
}
