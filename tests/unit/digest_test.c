/* digest_test.c - MD5 and SHA-256 against published vectors and sha256sum
 * SPDX-License-Identifier: MIT
 *
 * The hashes are libcrypto's (crypto.c); these check the typed wrappers:
 * streaming with any split, the context lifetime (final frees, release
 * frees an abandoned one: ASan's leak check sees a mistake) and files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "buf.h"
#include "crypto.h"
#include "digest.h"
#include "util.h"

static void md5_hex(const void *data, size_t n, char hex[MD5_HEX_SIZE])
{
	struct md5_ctx c;
	uint8_t d[MD5_DIGEST_LEN];

	md5_init(&c);
	md5_update(&c, data, n);
	md5_final(&c, d);
	digest_hex(d, sizeof(d), hex);
}

static void sha256_hex(const void *data, size_t n, char hex[SHA256_HEX_SIZE])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_LEN];

	sha256_init(&c);
	sha256_update(&c, data, n);
	sha256_final(&c, d);
	digest_hex(d, sizeof(d), hex);
}

TEST(digest_md5_vectors)
{
	/* RFC 1321 appendix A.5 */
	static const struct {
		const char *in, *md5;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		  "abcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "12345678901234567890123456789012"
		  "34567890123456789012345678901234"
		  "5678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	char hex[MD5_HEX_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		md5_hex(v[i].in, strlen(v[i].in), hex);
		CHECK_STR_EQ(hex, v[i].md5);
	}
}

TEST(digest_sha256_vectors)
{
	/* FIPS 180-2 appendix B and the NIST example values */
	static const struct {
		const char *in, *sha256;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		      "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039"
		  "a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b049237"
		  "0b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[SHA256_HEX_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		sha256_hex(v[i].in, strlen(v[i].in), hex);
		CHECK_STR_EQ(hex, v[i].sha256);
	}
}

TEST(digest_million_a)
{
	struct sha256_ctx s;
	struct md5_ctx m;
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_SIZE], chunk[1000];
	int i;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	md5_init(&m);
	/* 1000-byte updates straddle block boundaries at varying offsets */
	for (i = 0; i < 1000; i++) {
		sha256_update(&s, chunk, sizeof(chunk));
		md5_update(&m, chunk, sizeof(chunk));
	}
	sha256_final(&s, d);
	digest_hex(d, SHA256_DIGEST_LEN, hex);
	CHECK_STR_EQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
			  "f1809a48a497200e046d39ccc7112cd0");
	md5_final(&m, d);
	digest_hex(d, MD5_DIGEST_LEN, hex);
	CHECK_STR_EQ(hex, "7707d6ae4e027c70eea2a935c2296f21");
}

/* Every split of the input around the padding boundaries (55/56/64 bytes)
 * must give the one-shot digest. */
TEST(digest_split_updates)
{
	uint8_t data[200];
	size_t len, cut, i;
	int bad = 0;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (len = 0; len <= 130; len++) {
		char want_md5[MD5_HEX_SIZE], want_sha[SHA256_HEX_SIZE];

		md5_hex(data, len, want_md5);
		sha256_hex(data, len, want_sha);
		for (cut = 0; cut <= len; cut++) {
			struct md5_ctx m;
			struct sha256_ctx s;
			uint8_t d[SHA256_DIGEST_LEN];
			char hex[SHA256_HEX_SIZE];

			md5_init(&m);
			md5_update(&m, data, cut);
			md5_update(&m, data + cut, len - cut);
			md5_final(&m, d);
			digest_hex(d, MD5_DIGEST_LEN, hex);
			bad += strcmp(hex, want_md5) != 0;
			sha256_init(&s);
			sha256_update(&s, data, cut);
			sha256_update(&s, data + cut, len - cut);
			sha256_final(&s, d);
			digest_hex(d, SHA256_DIGEST_LEN, hex);
			bad += strcmp(hex, want_sha) != 0;
		}
	}
	CHECK(bad == 0);
}

TEST(digest_hex_format)
{
	static const uint8_t d[] = { 0x00, 0x0f, 0xa5, 0xff };
	char hex[9];

	digest_hex(d, sizeof(d), hex);
	CHECK_STR_EQ(hex, "000fa5ff");
	digest_hex(d, 0, hex);
	CHECK_STR_EQ(hex, "");
}

TEST(digest_file_matches_sha256sum)
{
	const char *path = "tests/tmp/digest/file.bin";
	char hex[SHA256_HEX_SIZE], line[128] = "";
	uint32_t x = 12345;
	FILE *f;
	size_t i;

	CHECK(system("mkdir -p tests/tmp/digest") == 0);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	/* ~300 KB of pseudo-random bytes: several read() chunks plus a tail */
	for (i = 0; i < 300 * 1024 + 77; i++) {
		x = x * 1103515245 + 12345;
		fputc((int)(x >> 16) & 0xff, f);
	}
	CHECK(fclose(f) == 0);

	CHECK(digest_file_sha256(path, hex) == 0);
	f = popen("sha256sum tests/tmp/digest/file.bin", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK(pclose(f) == 0);
	line[64] = '\0';
	CHECK_STR_EQ(hex, line);
}

TEST(digest_file_missing)
{
	char hex[SHA256_HEX_SIZE], *msg = NULL;
	size_t len = 0;
	FILE *diag = open_memstream(&msg, &len);

	diag_set_stream(diag);
	CHECK(digest_file_sha256("tests/tmp/digest/no-such-file", hex) == -1);
	diag_set_stream(NULL);
	fclose(diag);
	CHECK_STR_EQ(msg, "pkgtool: error: cannot open "
			  "'tests/tmp/digest/no-such-file': "
			  "No such file or directory\n");
	free(msg);
}

TEST(digest_abandoned_and_finished_contexts)
{
	struct sha256_ctx s;
	struct md5_ctx m;
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_SIZE];

	/* an error path gives up half way: release frees, twice is fine */
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_release(&s);
	sha256_release(&s);
	md5_init(&m);
	md5_update(&m, "abc", 3);
	md5_release(&m);
	/* after final, release is a no-op and the context can start over */
	sha256_init(&s);
	sha256_final(&s, d);
	sha256_release(&s);
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, d);
	digest_hex(d, SHA256_DIGEST_LEN, hex);
	CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223"
			  "b00361a396177a9cb410ff61f20015ad");
	CHECK(crypto_hash_size(CRYPTO_MD5) == MD5_DIGEST_LEN);
	CHECK(crypto_hash_size(CRYPTO_SHA256) == SHA256_DIGEST_LEN);
}

TEST(digest_fd_hashes_from_the_offset)
{
	const char *path = "tests/tmp/digest/fd.txt";
	char hex[SHA256_HEX_SIZE];
	FILE *f;
	int fd;

	CHECK(system("mkdir -p tests/tmp/digest") == 0);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("xyzabc", f);
	CHECK(fclose(f) == 0);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(lseek(fd, 3, SEEK_SET) == 3);
	CHECK(digest_fd_sha256(fd, path, hex) == 0);
	close(fd);
	CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223"
			  "b00361a396177a9cb410ff61f20015ad");
}

TEST(crypto_memeq_and_wipe)
{
	uint8_t a[33], b[33];
	size_t i;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(crypto_memeq(a, b, sizeof(a)));
	b[32] ^= 1;
	CHECK(!crypto_memeq(a, b, sizeof(a)));
	CHECK(crypto_memeq(a, b, 32));
	crypto_wipe(a, sizeof(a));
	for (i = 0; i < sizeof(a); i++)
		CHECK(a[i] == 0);
	crypto_wipe(NULL, 0);
}
