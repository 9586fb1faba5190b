/* vault_test.c - AES-256, HMAC-SHA256, PBKDF2 and Ansible Vault payloads
 * SPDX-License-Identifier: MIT
 *
 * The primitives are libcrypto's, reached through crypto.h; the wrappers
 * (lengths, IV handling, counter width, key sizes) are checked against
 * published vectors (FIPS-197,
 * SP 800-38A, RFC 4231, RFC 7914) and against openssl/python for what no
 * standard covers (CTR counter wrap, PBKDF2 with Ansible's parameters).
 * The payloads in tests/golden/vault/ were made by ansible-vault itself
 * (see the README there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "buf.h"
#include "crypto.h"
#include "digest.h"
#include "util.h"
#include "vault.h"

#define FIXTURES "tests/golden/vault/"
#define PASSWORD "correct horse battery staple"

static size_t from_hex(const char *hex, uint8_t *out)
{
	size_t i, n = strlen(hex) / 2;
	char pair[3] = { 0 }, *end;

	for (i = 0; i < n; i++) {
		memcpy(pair, hex + 2 * i, 2);
		out[i] = (uint8_t)strtoul(pair, &end, 16);
		if (*end)
			abort();
	}
	return n;
}

/* Hex of n bytes into a static buffer, for CHECK_STR_EQ messages. */
static const char *to_hex(const uint8_t *p, size_t n)
{
	static char hex[2 * 128 + 1];

	if (n > 128)
		abort();
	digest_hex(p, n, hex);
	return hex;
}

TEST(crypto_aes256_fips197)
{
	/* FIPS-197 appendix C.3: one block, as CTR over a zero block. */
	uint8_t key[32], pt[16], zero[16] = { 0 }, ct[16];

	from_hex("000102030405060708090a0b0c0d0e0f"
		 "101112131415161718191a1b1c1d1e1f",
		 key);
	from_hex("00112233445566778899aabbccddeeff", pt);
	CHECK(crypto_aes256_ctr(key, pt, zero, ct, sizeof(ct)) == 0);
	CHECK_STR_EQ(to_hex(ct, 16), "8ea2b7ca516745bfeafc49904b496089");
}

TEST(crypto_aes256_ctr_sp800_38a)
{
	/* NIST SP 800-38A F.5.5 CTR-AES256.Encrypt, and in place. */
	uint8_t key[32], iv[16], buf[64];
	static const char want[] = "601ec313775789a5b7a7f504bbf3d228"
				   "f443e3ca4d62b59aca84e990cacaf5c5"
				   "2b0930daa23de94ce87017ba2d84988d"
				   "dfc9c58db67aada613c2dd08457941a6";

	from_hex("603deb1015ca71be2b73aef0857d7781"
		 "1f352c073b6108d72d9810a30914dff4",
		 key);
	from_hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv);
	from_hex("6bc1bee22e409f96e93d7e117393172a"
		 "ae2d8a571e03ac9c9eb76fac45af8e51"
		 "30c81c46a35ce411e5fbc1191a0a52ef"
		 "f69f2445df4f9b17ad2b417be66c3710",
		 buf);
	CHECK(crypto_aes256_ctr(key, iv, buf, buf, sizeof(buf)) == 0);
	CHECK_STR_EQ(to_hex(buf, 64), want);
	/* A partial last block uses a prefix of the key stream. */
	from_hex("6bc1bee22e409f96e93d7e117393172a"
		 "ae2d8a571e03ac9c9eb76fac45af8e51"
		 "30c81c46a35ce411e5fbc1191a0a52ef"
		 "f69f2445df4f9b17ad2b417be66c3710",
		 buf);
	CHECK(crypto_aes256_ctr(key, iv, buf, buf, 37) == 0);
	CHECK(!memcmp(to_hex(buf, 37), want, 74));
}

TEST(crypto_aes256_ctr_counter_wraps)
{
	/* The whole 128-bit block counts, carrying across the 64-bit halves
	 * and wrapping at 2^128; expected bytes from
	 * `openssl enc -aes-256-ctr -nopad` over zeros. */
	uint8_t key[32], iv[16], zero[48] = { 0 }, ks[48];

	from_hex("000102030405060708090a0b0c0d0e0f"
		 "101112131415161718191a1b1c1d1e1f",
		 key);
	memset(iv, 0xff, sizeof(iv));
	CHECK(crypto_aes256_ctr(key, iv, zero, ks, sizeof(ks)) == 0);
	CHECK_STR_EQ(to_hex(ks, 48), "e999e41d4ca770da5387117b5d8f57ee"
				     "f29000b62a499fd0a9f39a6add2e7780"
				     "f05d76ae4ab99fe5a6f69b3148c2363d");
	from_hex("0000000000000000ffffffffffffffff", iv);
	CHECK(crypto_aes256_ctr(key, iv, zero, ks, sizeof(ks)) == 0);
	CHECK_STR_EQ(to_hex(ks, 48), "a6fbdb5cfde07d1b58fd362177bcffdf"
				     "511dd5ef9a682b7da49f91c86c4f7ac3"
				     "40c53cef92ef2d643f638b8222db1e85");
}

TEST(crypto_hmac_sha256_rfc4231)
{
	static const struct {
		const char *key, *msg, *mac; /* hex; NULL key: 131 x 0xaa */
	} v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		  "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b"
		  "881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665",
		  "7768617420646f2079612077616e7420"
		  "666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c7"
		  "5a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "dddddddddddddddddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a7"
		  "2959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a"
		  "85f0faa3e578f8077a2e3ff46729665b" },
		/* case 5: the MAC truncated to 128 bits */
		{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		  "546573742057697468205472756e636174696f6e",
		  "a3b6167473100ee06e0c796c2955552b" },
		/* cases 6 and 7: a 131-byte key, hashed first */
		{ NULL,
		  "54657374205573696e67204c61726765722054686"
		  "16e20426c6f636b2d53697a65204b6579202d2048"
		  "617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f"
		  "8e0bc6213728c5140546040f0ee37f54" },
		{ NULL,
		  "5468697320697320612074657374207573696e672061206c6172676572"
		  "207468616e20626c6f636b2d73697a65206b657920616e642061206c61"
		  "72676572207468616e20626c6f636b2d73697a6520646174612e205468"
		  "65206b6579206e6565647320746f20626520686173686564206265666f"
		  "7265206265696e6720757365642062792074686520484d414320616c67"
		  "6f726974686d2e",
		  "9b09ffa71b942fcb27635fbcd5b0e944"
		  "bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t key[131], msg[256], mac[CRYPTO_HMAC_SHA256_LEN];
	size_t i, klen, mlen;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		if (v[i].key) {
			klen = from_hex(v[i].key, key);
		} else {
			klen = sizeof(key);
			memset(key, 0xaa, klen);
		}
		mlen = from_hex(v[i].msg, msg);
		CHECK(crypto_hmac_sha256(key, klen, msg, mlen, mac) == 0);
		CHECK_STR_EQ(to_hex(mac, strlen(v[i].mac) / 2), v[i].mac);
	}
}

TEST(crypto_pbkdf2_sha256_vectors)
{
	static const struct {
		const char *pw;
		size_t pwlen;
		const char *salt;
		size_t saltlen;
		unsigned rounds;
		const char *dk;
	} v[] = {
		/* RFC 7914 section 11 */
		{ "passwd", 6, "salt", 4, 1,
		  "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
		  "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783" },
		{ "Password", 8, "NaCl", 4, 80000,
		  "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
		  "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d" },
		/* python3 hashlib.pbkdf2_hmac('sha256', ...) */
		{ "password", 8, "salt", 4, 2,
		  "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43" },
		{ "passwordPASSWORDpassword", 24,
		  "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
		  "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
		  "c635518c7dac47e9" },
		{ "pass\0word", 9, "sa\0lt", 5, 4096,
		  "89b69d0516f829893c696226650a8687" },
		/* Ansible's parameters: 10000 rounds, 80 bytes (3 blocks) */
		{ "password", 8, "salt", 4, 10000,
		  "5ec02b91a4b59c6f59dd5fbe4ca649ece4fa8568cdb8ba36cf41426e8805522b"
		  "a4e2aeac19a4821501cf609126ab01df25661083bf66f95e5217fee3198504b1"
		  "f776af5b88f09b3157d3c29eb580ff30" },
	};
	uint8_t dk[80];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		n = strlen(v[i].dk) / 2;
		CHECK(crypto_pbkdf2_sha256(v[i].pw, v[i].pwlen, v[i].salt,
					   v[i].saltlen, v[i].rounds, dk,
					   n) == 0);
		CHECK_STR_EQ(to_hex(dk, n), v[i].dk);
	}
}

static void read_fixture(struct buf *b, const char *name)
{
	struct buf path = BUF_INIT;

	buf_addf(&path, FIXTURES "%s", name);
	if (buf_read_file(b, path.data) < 0) {
		fprintf(stderr, "cannot read %s\n", path.data);
		unit_failed_checks++;
	}
	buf_release(&path);
}

/* Decrypts a fixture and checks the exact bytes (length included, so a
 * missing or extra trailing newline or padding byte fails). */
static void check_decrypts(const char *name, const char *password,
			   const char *want, size_t wantlen)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	int r;

	read_fixture(&text, name);
	r = vault_decrypt(text.data, text.len, password, strlen(password), name,
			  &out);
	CHECK(r == 0);
	CHECK(out.len == wantlen);
	CHECK_STR_EQ(out.data, want);
	CHECK(out.len == wantlen && !memcmp(out.data, want, wantlen));
	if (r)
		fprintf(stderr, "  (fixture %s)\n", name);
	buf_wipe(&out);
	buf_release(&text);
}

TEST(vault_decrypt_ansible_payloads)
{
	static const char utf8[] = "p\xc3\xa4ssw\xc3\xb6rd \xe2\x80\x93 "
				   "\xe7\xa7\x98\xe5\xaf\x86 \xf0\x9f\x94\x91";
	char longpw[101];

	check_decrypts("hello.vault", PASSWORD, "s3cret-token", 12);
	check_decrypts("newline.vault", PASSWORD, "line one\nline two\n", 18);
	check_decrypts("utf8.vault", PASSWORD, utf8, sizeof(utf8) - 1);
	/* 16 bytes: a whole block of padding to strip */
	check_decrypts("block16.vault", PASSWORD, "0123456789abcdef", 16);
	/* format 1.2 with a vault-id label */
	check_decrypts("label.vault", PASSWORD, "s3cret-token", 12);
	/* YAML indentation left on every line */
	check_decrypts("indented.vault", PASSWORD, "s3cret-token", 12);
	/* made without Ansible, by python3 + openssl */
	check_decrypts("openssl.vault", PASSWORD,
		       "made by openssl, 40 bytes long + padding", 40);
	memset(longpw, 'p', 100);
	longpw[100] = '\0';
	check_decrypts("longpw.vault", longpw, "long password", 13);
}

TEST(vault_decrypt_appends_and_tolerates_crlf)
{
	struct buf text = BUF_INIT, crlf = BUF_INIT, out = BUF_INIT;
	size_t i;

	read_fixture(&text, "hello.vault");
	for (i = 0; i < text.len; i++) {
		if (text.data[i] == '\n')
			buf_addch(&crlf, '\r');
		buf_addch(&crlf, text.data[i]);
	}
	buf_addstr(&out, "token=");
	CHECK(vault_decrypt(crlf.data, crlf.len, PASSWORD, strlen(PASSWORD),
			    "crlf", &out) == 0);
	CHECK_STR_EQ(out.data, "token=s3cret-token");
	buf_wipe(&out);
	buf_release(&crlf);
	buf_release(&text);
}

/*
 * Expects vault_decrypt to fail with exactly one diagnostic line, want,
 * and to leave out untouched.
 */
static void check_fails(const char *text, size_t len, const char *password,
			const char *want)
{
	struct buf out = BUF_INIT;
	char *msg = NULL;
	size_t msglen = 0;
	FILE *diag = open_memstream(&msg, &msglen);
	int r;

	buf_addstr(&out, "before");
	diag_set_stream(diag);
	r = vault_decrypt(text, len, password, strlen(password), "site.yml:3:8",
			  &out);
	diag_set_stream(NULL);
	fclose(diag);
	CHECK(r == -1);
	CHECK_STR_EQ(out.data, "before");
	CHECK(out.len == 6);
	CHECK_STR_EQ(msg, want);
	free(msg);
	buf_release(&out);
}

#define ERR "pkgtool: error: site.yml:3:8: "

/* A vault text whose once-decoded body is inner (the second hex layer). */
static void build_vault(struct buf *t, const char *inner)
{
	char hex[3];
	size_t i;

	buf_reset(t);
	buf_addstr(t, "$ANSIBLE_VAULT;1.1;AES256\n");
	for (i = 0; inner[i]; i++) {
		digest_hex((const uint8_t *)inner + i, 1, hex);
		buf_addstr(t, hex);
	}
	buf_addch(t, '\n');
}

TEST(vault_decrypt_wrong_password_or_tampered)
{
	struct buf text = BUF_INIT;
	static const char want[] = ERR "cannot decrypt vault data: wrong "
				       "password or corrupted data (HMAC "
				       "mismatch)\n";

	read_fixture(&text, "hello.vault");
	check_fails(text.data, text.len, "correct horse battery stapl", want);
	/* The password is used byte for byte: the file's newline counts. */
	check_fails(text.data, text.len, PASSWORD "\n", want);
	check_fails(text.data, text.len, "", ERR "empty vault password\n");
	buf_reset(&text);
	read_fixture(&text, "tampered.vault");
	check_fails(text.data, text.len, PASSWORD, want);
	buf_release(&text);
}

TEST(vault_decrypt_malformed)
{
	struct buf text = BUF_INIT, t = BUF_INIT;
	size_t hdr;

	check_fails("", 0, PASSWORD,
		    ERR "not Ansible Vault data (no '$ANSIBLE_VAULT;' "
			"header)\n");
	check_fails("s3cret", 6, PASSWORD,
		    ERR "not Ansible Vault data (no '$ANSIBLE_VAULT;' "
			"header)\n");
	check_fails("$ANSIBLE_VAULT;1.0;AES\n00\n", 26, PASSWORD,
		    ERR "unsupported Ansible Vault header "
			"'$ANSIBLE_VAULT;1.0;AES' (want 1.1 or 1.2 with "
			"AES256)\n");
	check_fails("$ANSIBLE_VAULT;1.1;AES128\n00\n", 29, PASSWORD,
		    ERR "unsupported Ansible Vault cipher 'AES128' (only "
			"AES256 is supported)\n");
	check_fails("$ANSIBLE_VAULT;1.1;AES256\n", 26, PASSWORD,
		    ERR "malformed vault data: nothing after the header\n");

	read_fixture(&text, "hello.vault");
	hdr = strlen("$ANSIBLE_VAULT;1.1;AES256\n");

	/* the first line only: part of the salt, no separators */
	check_fails(text.data, hdr + 81, PASSWORD,
		    ERR "malformed vault data: want salt, HMAC and ciphertext "
			"separated by newlines\n");
	/* cut in the middle of a byte */
	check_fails(text.data, text.len - 2, PASSWORD,
		    ERR "malformed vault data: odd number of hex digits "
			"(truncated?)\n");
	/* cut on a byte boundary: the ciphertext hex becomes odd */
	check_fails(text.data, text.len - 3, PASSWORD,
		    ERR "malformed vault data: bad ciphertext\n");
	/* ... or short of a whole AES block */
	check_fails(text.data, text.len - 1 - 4 - 1 - 16, PASSWORD,
		    ERR "malformed vault data: bad ciphertext\n");

	/* a non-hex character on line 3 */
	buf_add(&t, text.data, text.len);
	t.data[hdr + 81 + 10] = 'g';
	check_fails(t.data, t.len, PASSWORD,
		    ERR "malformed vault data: unexpected character 'g' on "
			"line 3\n");
	t.data[hdr + 81 + 10] = '\x01';
	check_fails(t.data, t.len, PASSWORD,
		    ERR "malformed vault data: unexpected byte 0x01 on line "
			"3\n");

	buf_release(&t);
	buf_release(&text);
}

TEST(vault_decrypt_malformed_fields)
{
#define MAC "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define CT  "00112233445566778899aabbccddeeff"
	static const struct {
		const char *inner, *msg;
	} v[] = {
		{ "00\n" MAC, "want salt, HMAC and ciphertext separated by "
			      "newlines" },
		{ "zz\n" MAC "\n" CT, "bad salt" },
		{ "\n" MAC "\n" CT, "bad salt" },
		{ "0\n" MAC "\n" CT, "bad salt" },
		{ "00\n" MAC "00\n" CT, "bad HMAC" },
		{ "00\n00\n" CT, "bad HMAC" },
		{ "00\n" MAC "\n", "bad ciphertext" },
		{ "00\n" MAC "\n00112233445566778899aabbccddee",
		  "bad ciphertext" },
		{ "00\n" MAC "\n" CT "\n", "bad ciphertext" },
		{ "00\n" MAC "\n" CT "0g", "bad ciphertext" },
	};
	struct buf t = BUF_INIT, want = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		build_vault(&t, v[i].inner);
		buf_reset(&want);
		buf_addf(&want, ERR "malformed vault data: %s\n", v[i].msg);
		check_fails(t.data, t.len, PASSWORD, want.data);
	}
	/* the same shape with valid fields gets as far as the HMAC */
	build_vault(&t, "00\n" MAC "\n" CT);
	check_fails(t.data, t.len, PASSWORD,
		    ERR "cannot decrypt vault data: wrong password or "
			"corrupted data (HMAC mismatch)\n");
	buf_release(&want);
	buf_release(&t);
#undef MAC
#undef CT
}

/*
 * Seals padded (padding included, so it can be wrong) the way Ansible
 * does, with the primitives checked above, so the padding checks can be
 * reached: they run only after a good HMAC. flip_mac spoils the HMAC's
 * last byte.
 */
static void seal(struct buf *t, const uint8_t *padded, size_t n, int flip_mac)
{
	static const uint8_t salt[4] = { 's', 'a', 'l', 't' };
	uint8_t dk[80], ct[64], mac[CRYPTO_HMAC_SHA256_LEN];
	struct buf inner = BUF_INIT;
	char hex[2 * 64 + 1];

	if (n > sizeof(ct))
		abort();
	if (crypto_pbkdf2_sha256(PASSWORD, strlen(PASSWORD), salt,
				 sizeof(salt), 10000, dk, sizeof(dk)) < 0 ||
	    crypto_aes256_ctr(dk, dk + 64, padded, ct, n) < 0 ||
	    crypto_hmac_sha256(dk + 32, 32, ct, n, mac) < 0)
		abort();
	if (flip_mac)
		mac[CRYPTO_HMAC_SHA256_LEN - 1] ^= 0x80;
	digest_hex(salt, sizeof(salt), hex);
	buf_addf(&inner, "%s\n", hex);
	digest_hex(mac, sizeof(mac), hex);
	buf_addf(&inner, "%s\n", hex);
	digest_hex(ct, n, hex);
	buf_addstr(&inner, hex);
	build_vault(t, inner.data);
	buf_release(&inner);
}

TEST(vault_decrypt_padding)
{
	static const char bad[] = ERR "cannot decrypt vault data: bad "
				      "padding\n";
	struct buf t = BUF_INIT, out = BUF_INIT;
	uint8_t p[32];

	/* good: "abc" + 13 x 13, and 16 x 16 (empty plaintext) */
	memset(p, 13, 16);
	p[0] = 'a';
	p[1] = 'b';
	p[2] = 'c';
	seal(&t, p, 16, 0);
	CHECK(vault_decrypt(t.data, t.len, PASSWORD, strlen(PASSWORD), "t",
			    &out) == 0);
	CHECK_STR_EQ(out.data, "abc");
	memset(p, 16, 16);
	seal(&t, p, 16, 0);
	CHECK(vault_decrypt(t.data, t.len, PASSWORD, strlen(PASSWORD), "t",
			    &out) == 0);
	CHECK(out.len == 3);
	/* the whole HMAC is compared, not a prefix */
	seal(&t, p, 16, 1);
	check_fails(t.data, t.len, PASSWORD,
		    ERR "cannot decrypt vault data: wrong password or "
			"corrupted data (HMAC mismatch)\n");

	/* bad: pad byte 0; pad byte 17 (more than a block, though 32 bytes
	 * of 17 would cover it); a pad run broken one byte early */
	memset(p, 0, 16);
	seal(&t, p, 16, 0);
	check_fails(t.data, t.len, PASSWORD, bad);
	memset(p, 17, 32);
	seal(&t, p, 32, 0);
	check_fails(t.data, t.len, PASSWORD, bad);
	memset(p, 4, 16);
	p[12] = 'x';
	seal(&t, p, 16, 0);
	check_fails(t.data, t.len, PASSWORD, bad);
	buf_wipe(&out);
	buf_release(&t);
}
