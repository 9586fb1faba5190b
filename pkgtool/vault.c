/* vault.c - Ansible Vault 1.1/1.2 AES256 decryption, with our own AES
 * SPDX-License-Identifier: MIT
 *
 * Layout and parameters follow Ansible's VaultAES256 (see vault.h). The
 * crypto is written for clarity, not speed: vault values are a few
 * hundred bytes, and PBKDF2's 10000 rounds dominate anyway.
 *
 * AES computes its S-box arithmetically (inverse in GF(2^8) by
 * exponentiation, then the affine map) instead of indexing a table, so no
 * memory access depends on key or plaintext bytes: no cache-timing leak,
 * and no 256-entry table to mistype. The HMAC comparison is constant
 * time. Every buffer that held key material or plaintext is wiped with
 * explicit_bzero() before it is freed or goes out of scope.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "digest.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

#define PBKDF2_ROUNDS	 10000
#define HMAC_BLOCK_LEN	 64 /* SHA-256 block size */
#define AES256_ROUNDS	 14
#define VAULT_HEADER	 "$ANSIBLE_VAULT;"
#define VAULT_HEADER_LEN (sizeof(VAULT_HEADER) - 1)

/* ---- AES-256 (FIPS-197), forward cipher only: CTR needs no more ---- */

struct aes256 {
	uint8_t rk[(AES256_ROUNDS + 1) * VAULT_AES_BLOCK_LEN];
};

/* Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, with a
 * mask instead of a branch on the top bit. */
static uint8_t gf_xtime(uint8_t a)
{
	return (uint8_t)((a << 1) ^ (0x1b & (0 - (a >> 7))));
}

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	int i;

	for (i = 0; i < 8; i++) {
		r ^= a & (uint8_t)(0 - (b & 1)); /* a or 0 */
		a = gf_xtime(a);
		b >>= 1;
	}
	return r;
}

static uint8_t rotl8(uint8_t x, int n)
{
	return (uint8_t)((x << n) | (x >> (8 - n)));
}

static uint8_t aes_sbox(uint8_t x)
{
	/* x^254 is the multiplicative inverse (and 0 for 0, as AES wants):
	 * multiply x^2, x^4, ..., x^128 together. */
	uint8_t inv = 1, sq = x;
	int i;

	for (i = 0; i < 7; i++) {
		sq = gf_mul(sq, sq);
		inv = gf_mul(inv, sq);
	}
	return inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^
	       rotl8(inv, 4) ^ 0x63;
}

/* FIPS-197 §5.2 key expansion, on bytes: 60 four-byte words. */
static void aes256_init(struct aes256 *a, const uint8_t key[32])
{
	uint8_t *w, t[4], t0, rcon = 1;
	size_t i;
	int k;

	/* Taking the array's address reads nothing (cppcheck 2.10 thinks it
	 * reads the caller's uninitialised struct). */
	/* cppcheck-suppress ctuuninitvar */
	w = a->rk;
	memcpy(w, key, VAULT_AES256_KEY_LEN);
	for (i = VAULT_AES256_KEY_LEN; i < sizeof(a->rk); i += 4) {
		memcpy(t, w + i - 4, 4);
		if (i % VAULT_AES256_KEY_LEN == 0) {
			t0 = t[0];
			t[0] = aes_sbox(t[1]) ^ rcon;
			t[1] = aes_sbox(t[2]);
			t[2] = aes_sbox(t[3]);
			t[3] = aes_sbox(t0);
			rcon = gf_xtime(rcon);
		} else if (i % VAULT_AES256_KEY_LEN == 16) {
			for (k = 0; k < 4; k++)
				t[k] = aes_sbox(t[k]);
		}
		for (k = 0; k < 4; k++)
			w[i + k] = w[i - VAULT_AES256_KEY_LEN + k] ^ t[k];
	}
	explicit_bzero(t, sizeof(t));
}

/* The state is kept in input byte order: byte 4 * column + row. */
static void aes256_encrypt(const struct aes256 *a, const uint8_t in[16],
			   uint8_t out[16])
{
	uint8_t s[16], t[16], a0, a1, a2, a3, all;
	size_t i, r, c, row;

	for (i = 0; i < 16; i++)
		s[i] = in[i] ^ a->rk[i];
	for (r = 1; r <= AES256_ROUNDS; r++) {
		/* SubBytes and ShiftRows at once: row `row` moves left by
		 * `row` columns. */
		for (c = 0; c < 4; c++)
			for (row = 0; row < 4; row++)
				t[4 * c + row] =
					aes_sbox(s[4 * ((c + row) % 4) + row]);
		/* MixColumns, skipped in the last round; b0 = 2a0 ^ 3a1 ^
		 * a2 ^ a3 = a0 ^ (a0 ^ a1 ^ a2 ^ a3) ^ 2(a0 ^ a1), etc. */
		for (c = 0; r < AES256_ROUNDS && c < 4; c++) {
			a0 = t[4 * c];
			a1 = t[4 * c + 1];
			a2 = t[4 * c + 2];
			a3 = t[4 * c + 3];
			all = a0 ^ a1 ^ a2 ^ a3;
			t[4 * c] = a0 ^ all ^ gf_xtime(a0 ^ a1);
			t[4 * c + 1] = a1 ^ all ^ gf_xtime(a1 ^ a2);
			t[4 * c + 2] = a2 ^ all ^ gf_xtime(a2 ^ a3);
			t[4 * c + 3] = a3 ^ all ^ gf_xtime(a3 ^ a0);
		}
		for (i = 0; i < 16; i++)
			s[i] = t[i] ^ a->rk[VAULT_AES_BLOCK_LEN * r + i];
	}
	memcpy(out, s, sizeof(s));
	explicit_bzero(s, sizeof(s));
	explicit_bzero(t, sizeof(t));
}

static void aes256_ctr(const struct aes256 *a, uint8_t ctr[16],
		       const uint8_t *in, uint8_t *out, size_t n)
{
	uint8_t ks[VAULT_AES_BLOCK_LEN];
	size_t i, m;

	while (n) {
		aes256_encrypt(a, ctr, ks);
		m = n < sizeof(ks) ? n : sizeof(ks);
		for (i = 0; i < m; i++)
			out[i] = in[i] ^ ks[i];
		/* The whole 128-bit block is the counter (big-endian), as
		 * in Python's cryptography modes.CTR, which Ansible uses. */
		for (i = VAULT_AES_BLOCK_LEN; i-- > 0;)
			if (++ctr[i])
				break;
		in += m;
		out += m;
		n -= m;
	}
	explicit_bzero(ks, sizeof(ks));
}

void vault_aes256_ctr(const uint8_t key[VAULT_AES256_KEY_LEN],
		      const uint8_t iv[VAULT_AES_BLOCK_LEN], const void *in,
		      void *out, size_t n)
{
	struct aes256 a;
	uint8_t ctr[VAULT_AES_BLOCK_LEN];

	aes256_init(&a, key);
	memcpy(ctr, iv, sizeof(ctr));
	aes256_ctr(&a, ctr, in, out, n);
	explicit_bzero(&a, sizeof(a));
	explicit_bzero(ctr, sizeof(ctr));
}

/* ---- HMAC-SHA256 (RFC 2104) and PBKDF2 (RFC 8018) ---- */

/* The contexts after absorbing key ^ ipad and key ^ opad; PBKDF2 copies
 * them instead of rehashing the key 20000 times. */
struct hmac {
	struct sha256_ctx inner, outer;
};

static void hmac_init(struct hmac *h, const void *key, size_t keylen)
{
	uint8_t k[HMAC_BLOCK_LEN] = { 0 }, pad[HMAC_BLOCK_LEN];
	struct sha256_ctx c;
	size_t i;

	if (keylen > HMAC_BLOCK_LEN) {
		sha256_init(&c);
		sha256_update(&c, key, keylen);
		sha256_final(&c, k);
		explicit_bzero(&c, sizeof(c));
	} else if (keylen) {
		memcpy(k, key, keylen);
	}
	for (i = 0; i < HMAC_BLOCK_LEN; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&h->inner);
	sha256_update(&h->inner, pad, sizeof(pad));
	for (i = 0; i < HMAC_BLOCK_LEN; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&h->outer);
	sha256_update(&h->outer, pad, sizeof(pad));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
}

static void hmac_update(struct hmac *h, const void *msg, size_t n)
{
	sha256_update(&h->inner, msg, n);
}

static void hmac_final(struct hmac *h, uint8_t mac[VAULT_HMAC_LEN])
{
	uint8_t d[SHA256_DIGEST_LEN];

	sha256_final(&h->inner, d);
	sha256_update(&h->outer, d, sizeof(d));
	sha256_final(&h->outer, mac);
	explicit_bzero(d, sizeof(d));
	explicit_bzero(h, sizeof(*h));
}

void vault_hmac_sha256(const void *key, size_t keylen, const void *msg,
		       size_t n, uint8_t mac[VAULT_HMAC_LEN])
{
	struct hmac h;

	hmac_init(&h, key, keylen);
	hmac_update(&h, msg, n);
	hmac_final(&h, mac);
}

void vault_pbkdf2_sha256(const void *password, size_t pwlen, const void *salt,
			 size_t saltlen, unsigned rounds, uint8_t *out,
			 size_t outlen)
{
	struct hmac base, h;
	uint8_t u[VAULT_HMAC_LEN], t[VAULT_HMAC_LEN], be[4];
	uint32_t block;
	unsigned i;
	size_t j, n;

	hmac_init(&base, password, pwlen);
	for (block = 1; outlen; block++) {
		/* T_block = U_1 ^ ... ^ U_rounds, U_1 = PRF(salt || block) */
		be[0] = (uint8_t)(block >> 24);
		be[1] = (uint8_t)(block >> 16);
		be[2] = (uint8_t)(block >> 8);
		be[3] = (uint8_t)block;
		h = base;
		hmac_update(&h, salt, saltlen);
		hmac_update(&h, be, sizeof(be));
		hmac_final(&h, u);
		memcpy(t, u, sizeof(t));
		for (i = 1; i < rounds; i++) {
			h = base;
			hmac_update(&h, u, sizeof(u));
			hmac_final(&h, u);
			for (j = 0; j < sizeof(t); j++)
				t[j] ^= u[j];
		}
		n = outlen < sizeof(t) ? outlen : sizeof(t);
		memcpy(out, t, n);
		out += n;
		outlen -= n;
	}
	explicit_bzero(&base, sizeof(base));
	explicit_bzero(u, sizeof(u));
	explicit_bzero(t, sizeof(t));
}

/* ---- The vault envelope ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict hex (the inner fields): returns the byte count or -1. */
static long unhex(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t i;
	int hi, lo;

	if (n % 2)
		return -1;
	for (i = 0; i < n; i += 2) {
		hi = hex_digit((char)s[i]);
		lo = hex_digit((char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static int str_is(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(p, s, n);
}

/*
 * Checks the header line and sets *body to what follows it. Like Ansible,
 * accepts format 1.1 or 1.2 with an optional label (ignored), and
 * surrounding whitespace.
 */
static int parse_header(const char *text, size_t len, const char *what,
			const char **body)
{
	const char *p = text, *end = text + len, *eol, *f, *semi;

	while (p < end && is_space(*p))
		p++;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	*body = eol;
	while (eol > p && is_space(eol[-1]))
		eol--;
	if ((size_t)(eol - p) < VAULT_HEADER_LEN ||
	    memcmp(p, VAULT_HEADER, VAULT_HEADER_LEN) != 0)
		return error("%s: not Ansible Vault data (no '%s' header)",
			     what, VAULT_HEADER);
	f = p + VAULT_HEADER_LEN;
	semi = memchr(f, ';', (size_t)(eol - f));
	if (!semi || !(str_is(f, (size_t)(semi - f), "1.1") ||
		       str_is(f, (size_t)(semi - f), "1.2")))
		return error("%s: unsupported Ansible Vault header '%.*s' "
			     "(want 1.1 or 1.2 with AES256)",
			     what, (int)(eol - p), p);
	f = semi + 1;
	semi = memchr(f, ';', (size_t)(eol - f));
	if (!str_is(f, (size_t)((semi ? semi : eol) - f), "AES256"))
		return error("%s: unsupported Ansible Vault cipher '%.*s' "
			     "(only AES256 is supported)",
			     what, (int)((semi ? semi : eol) - f), f);
	return 0;
}

/* Returns the 1-based line of text that pos is on, for messages. */
static unsigned line_of(const char *text, const char *pos)
{
	unsigned line = 1;

	for (; text < pos; text++)
		line += *text == '\n';
	return line;
}

/* Decodes the outer hex of the body, skipping whitespace, into raw (which
 * has room for half the body); sets *rawlen. */
static int unhex_body(const char *text, const char *body, const char *end,
		      const char *what, uint8_t *raw, size_t *rawlen)
{
	const char *p;
	size_t n = 0;
	int d, hi = -1;
	unsigned char c;

	for (p = body; p < end; p++) {
		if (is_space(*p))
			continue;
		d = hex_digit(*p);
		if (d < 0) {
			c = (unsigned char)*p;
			if (c > ' ' && c < 0x7f)
				return error(
					"%s: malformed vault data: "
					"unexpected character '%c' on line %u",
					what, c, line_of(text, p));
			return error("%s: malformed vault data: unexpected "
				     "byte 0x%02x on line %u",
				     what, c, line_of(text, p));
		}
		if (hi < 0) {
			hi = d;
		} else {
			raw[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	if (hi >= 0)
		return error("%s: malformed vault data: odd number of hex "
			     "digits (truncated?)",
			     what);
	if (!n)
		return error("%s: malformed vault data: nothing after the "
			     "header",
			     what);
	*rawlen = n;
	return 0;
}

/* Constant time, so a forger cannot learn how many leading bytes of a
 * guessed HMAC were right. */
static int mac_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int vault_decrypt(const char *text, size_t len, const char *password,
		  size_t pwlen, const char *what, struct buf *out)
{
	uint8_t *raw = NULL, *salt = NULL, *ct = NULL, *nl1, *nl2;
	uint8_t dk[2 * VAULT_AES256_KEY_LEN + VAULT_AES_BLOCK_LEN];
	uint8_t mac[VAULT_HMAC_LEN], want[VAULT_HMAC_LEN];
	uint8_t *key1 = dk, *key2 = dk + VAULT_AES256_KEY_LEN;
	uint8_t *iv = key2 + VAULT_AES256_KEY_LEN;
	size_t rawlen = 0, ctcap = 0, ctlen = 0, pad, i;
	long saltlen, n;
	const char *body;
	struct aes256 a;
	int bad, r = -1;

	if (parse_header(text, len, what, &body) < 0)
		return -1;
	raw = xmalloc((size_t)(text + len - body) / 2 + 1);
	if (unhex_body(text, body, text + len, what, raw, &rawlen) < 0)
		goto out;

	/* The decoded body is hex(salt) "\n" hex(hmac) "\n" hex(ct). */
	nl1 = memchr(raw, '\n', rawlen);
	nl2 = nl1 ? memchr(nl1 + 1, '\n', rawlen - (size_t)(nl1 + 1 - raw))
		  : NULL;
	if (!nl2) {
		error("%s: malformed vault data: want salt, HMAC and "
		      "ciphertext separated by newlines",
		      what);
		goto out;
	}
	salt = xmalloc(rawlen / 2 + 1);
	saltlen = unhex(raw, (size_t)(nl1 - raw), salt);
	if (saltlen <= 0) {
		error("%s: malformed vault data: bad salt", what);
		goto out;
	}
	if ((size_t)(nl2 - nl1 - 1) != 2 * sizeof(want) ||
	    unhex(nl1 + 1, 2 * sizeof(want), want) < 0) {
		error("%s: malformed vault data: bad HMAC", what);
		goto out;
	}
	ctcap = rawlen / 2 + 1;
	ct = xmalloc(ctcap);
	n = unhex(nl2 + 1, rawlen - (size_t)(nl2 + 1 - raw), ct);
	/* CTR keeps the length, and the padded plaintext is whole blocks. */
	if (n <= 0 || n % VAULT_AES_BLOCK_LEN) {
		error("%s: malformed vault data: bad ciphertext", what);
		goto out;
	}
	ctlen = (size_t)n;

	if (!pwlen) {
		error("%s: empty vault password", what);
		goto out;
	}
	vault_pbkdf2_sha256(password, pwlen, salt, (size_t)saltlen,
			    PBKDF2_ROUNDS, dk, sizeof(dk));
	/* Encrypt-then-MAC: authenticate before decrypting anything. */
	vault_hmac_sha256(key2, VAULT_AES256_KEY_LEN, ct, ctlen, mac);
	if (!mac_equal(mac, want, sizeof(mac))) {
		error("%s: cannot decrypt vault data: wrong password or "
		      "corrupted data (HMAC mismatch)",
		      what);
		goto out;
	}
	aes256_init(&a, key1);
	aes256_ctr(&a, iv, ct, ct, ctlen);
	explicit_bzero(&a, sizeof(a));

	/* PKCS#7; with a good HMAC a bad pad means a broken encrypter. */
	pad = ct[ctlen - 1];
	bad = !pad || pad > VAULT_AES_BLOCK_LEN;
	for (i = 1; !bad && i <= pad; i++)
		bad = ct[ctlen - i] != pad;
	if (bad) {
		error("%s: cannot decrypt vault data: bad padding", what);
		goto out;
	}
	buf_add(out, ct, ctlen - pad);
	r = 0;
out:
	explicit_bzero(dk, sizeof(dk));
	explicit_bzero(mac, sizeof(mac));
	if (ct)
		explicit_bzero(ct, ctcap);
	free(raw);
	free(salt);
	free(ct);
	return r;
}
