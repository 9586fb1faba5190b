/* vault.c - Ansible Vault 1.1/1.2 AES256 decryption
 * SPDX-License-Identifier: MIT
 *
 * Layout and parameters follow Ansible's VaultAES256 (see vault.h). This
 * file parses the envelope; every primitive (PBKDF2, HMAC-SHA256,
 * AES-256-CTR, the constant-time compare) is libcrypto's, through
 * crypto.h. Every buffer that held key material or plaintext is wiped
 * with crypto_wipe() before it is freed or goes out of scope.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

#define PBKDF2_ROUNDS	 10000
#define VAULT_HEADER	 "$ANSIBLE_VAULT;"
#define VAULT_HEADER_LEN (sizeof(VAULT_HEADER) - 1)
#define AES_KEY_LEN	 CRYPTO_AES256_KEY_LEN
#define AES_BLOCK_LEN	 CRYPTO_AES_BLOCK_LEN
#define HMAC_LEN	 CRYPTO_HMAC_SHA256_LEN

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

/* The decoded body, split: hex(salt) "\n" hex(hmac) "\n" hex(ct). */
struct fields {
	uint8_t *salt, *ct; /* malloc'd */
	size_t saltlen, ctlen, ctcap;
	uint8_t want[HMAC_LEN];
};

static int split_fields(const uint8_t *raw, size_t rawlen, const char *what,
			struct fields *f)
{
	const uint8_t *nl1, *nl2;
	long n;

	nl1 = memchr(raw, '\n', rawlen);
	nl2 = nl1 ? memchr(nl1 + 1, '\n', rawlen - (size_t)(nl1 + 1 - raw))
		  : NULL;
	if (!nl2)
		return error("%s: malformed vault data: want salt, HMAC and "
			     "ciphertext separated by newlines",
			     what);
	f->salt = xmalloc(rawlen / 2 + 1);
	n = unhex(raw, (size_t)(nl1 - raw), f->salt);
	if (n <= 0)
		return error("%s: malformed vault data: bad salt", what);
	f->saltlen = (size_t)n;
	if ((size_t)(nl2 - nl1 - 1) != 2 * sizeof(f->want) ||
	    unhex(nl1 + 1, 2 * sizeof(f->want), f->want) < 0)
		return error("%s: malformed vault data: bad HMAC", what);
	f->ctcap = rawlen / 2 + 1;
	f->ct = xmalloc(f->ctcap);
	n = unhex(nl2 + 1, rawlen - (size_t)(nl2 + 1 - raw), f->ct);
	/* CTR keeps the length, and the padded plaintext is whole blocks. */
	if (n <= 0 || n % AES_BLOCK_LEN)
		return error("%s: malformed vault data: bad ciphertext", what);
	f->ctlen = (size_t)n;
	return 0;
}

int vault_decrypt(const char *text, size_t len, const char *password,
		  size_t pwlen, const char *what, struct buf *out)
{
	struct fields f = { 0 };
	uint8_t *raw = NULL, *ct;
	uint8_t dk[2 * AES_KEY_LEN + AES_BLOCK_LEN], mac[HMAC_LEN];
	uint8_t *key1 = dk, *key2 = dk + AES_KEY_LEN;
	uint8_t *iv = key2 + AES_KEY_LEN;
	size_t rawlen = 0, pad, i;
	const char *body;
	int bad, r = -1;

	if (parse_header(text, len, what, &body) < 0)
		return -1;
	raw = xmalloc((size_t)(text + len - body) / 2 + 1);
	if (unhex_body(text, body, text + len, what, raw, &rawlen) < 0 ||
	    split_fields(raw, rawlen, what, &f) < 0)
		goto out;
	if (!pwlen) {
		error("%s: empty vault password", what);
		goto out;
	}
	if (crypto_pbkdf2_sha256(password, pwlen, f.salt, f.saltlen,
				 PBKDF2_ROUNDS, dk, sizeof(dk)) < 0)
		goto out;
	/* Encrypt-then-MAC: authenticate before decrypting anything, and
	 * in constant time, so a forger learns nothing from how many
	 * leading bytes of a guessed HMAC were right. */
	ct = f.ct;
	if (crypto_hmac_sha256(key2, AES_KEY_LEN, ct, f.ctlen, mac) < 0)
		goto out;
	if (!crypto_memeq(mac, f.want, sizeof(mac))) {
		error("%s: cannot decrypt vault data: wrong password or "
		      "corrupted data (HMAC mismatch)",
		      what);
		goto out;
	}
	if (crypto_aes256_ctr(key1, iv, ct, ct, f.ctlen) < 0)
		goto out;

	/* PKCS#7; with a good HMAC a bad pad means a broken encrypter. */
	pad = ct[f.ctlen - 1];
	bad = !pad || pad > AES_BLOCK_LEN;
	for (i = 1; !bad && i <= pad; i++)
		bad = ct[f.ctlen - i] != pad;
	if (bad) {
		error("%s: cannot decrypt vault data: bad padding", what);
		goto out;
	}
	buf_add(out, ct, f.ctlen - pad);
	r = 0;
out:
	crypto_wipe(dk, sizeof(dk));
	crypto_wipe(mac, sizeof(mac));
	crypto_wipe(f.ct, f.ctcap);
	free(raw);
	free(f.salt);
	free(f.ct);
	return r;
}
