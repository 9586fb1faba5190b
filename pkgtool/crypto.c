/* crypto.c - the tool's only user of OpenSSL's libcrypto
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "crypto.h"
#include "util.h"
#include "banned.h"

/* ---- comparison and wiping ------------------------------------------------ */

int crypto_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

/* Reports what failed with libcrypto's own reason, and empties its error
 * queue so a later failure is not blamed on this one. */
static int crypto_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char why[256] = "unknown error";

	if (e)
		ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	return error("libcrypto: %s failed: %s", what, why);
}

/* ---- digests (SHA-256, MD5) ---------------------------------------------- */

struct crypto_hash {
	EVP_MD_CTX *ctx;
};

/* Fetched once: an implicit fetch per context would look the algorithm
 * up in the provider for every file hashed. Never freed (process-wide). */
static const EVP_MD *md_get(enum crypto_md md)
{
	static EVP_MD *cache[3];
	static const char *const names[3] = { "MD5", "SHA1", "SHA2-256" };

	if ((unsigned)md >= ARRAY_SIZE(cache))
		BUG("bad digest %d", (int)md);
	if (!cache[md]) {
		cache[md] = EVP_MD_fetch(NULL, names[md], NULL);
		if (!cache[md]) {
			crypto_error(names[md]);
			die("cannot hash without %s", names[md]);
		}
	}
	return cache[md];
}

size_t crypto_hash_size(enum crypto_md md)
{
	return md == CRYPTO_MD5 ? 16 : md == CRYPTO_SHA1 ? 20 : 32;
}

struct crypto_hash *crypto_hash_new(enum crypto_md md)
{
	struct crypto_hash *h = xmalloc(sizeof(*h));

	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx)
		die("out of memory");
	if (!EVP_DigestInit_ex2(h->ctx, md_get(md), NULL)) {
		crypto_error("EVP_DigestInit_ex2");
		die("cannot start a digest");
	}
	return h;
}

void crypto_hash_update(struct crypto_hash *h, const void *data, size_t n)
{
	if (n && !EVP_DigestUpdate(h->ctx, data, n)) {
		crypto_error("EVP_DigestUpdate");
		die("cannot hash");
	}
}

void crypto_hash_final(struct crypto_hash *h, uint8_t *out)
{
	if (!EVP_DigestFinal_ex(h->ctx, out, NULL)) {
		crypto_error("EVP_DigestFinal_ex");
		die("cannot finish a digest");
	}
	crypto_hash_free(h);
}

void crypto_hash_final_hex(struct crypto_hash *h, enum crypto_md md,
			   char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[EVP_MAX_MD_SIZE];
	size_t i, n = crypto_hash_size(md);

	if ((size_t)EVP_MD_CTX_get_size(h->ctx) != n)
		BUG("digest %d is not %zu bytes", (int)md, n);
	crypto_hash_final(h, d);
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void crypto_hash_free(struct crypto_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

/* ---- ciphers/KDF (Ansible Vault) ----------------------------------------- */

int crypto_aes256_ctr(const uint8_t key[CRYPTO_AES256_KEY_LEN],
		      const uint8_t iv[CRYPTO_AES_BLOCK_LEN], const void *in,
		      void *out, size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const uint8_t *src = in;
	uint8_t *dst = out;
	int r = -1, len;

	if (!c)
		die("out of memory");
	if (!EVP_EncryptInit_ex2(c, EVP_aes_256_ctr(), key, iv, NULL)) {
		crypto_error("AES-256-CTR init");
		goto out;
	}
	/* EVP lengths are int: feed large inputs in pieces (CTR keeps
	 * its counter across calls). */
	while (n) {
		int chunk = n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;

		if (!EVP_EncryptUpdate(c, dst, &len, src, chunk) ||
		    len != chunk) {
			crypto_error("AES-256-CTR");
			goto out;
		}
		src += chunk;
		dst += chunk;
		n -= (size_t)chunk;
	}
	r = 0;
out:
	EVP_CIPHER_CTX_free(c); /* wipes the key schedule */
	return r;
}

int crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
		       size_t n, uint8_t mac[CRYPTO_HMAC_SHA256_LEN])
{
	static const uint8_t none;
	static char digest[] = "SHA2-256"; /* OSSL_PARAM wants it mutable */
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[2];
	size_t len = 0;
	int r = -1;

	if (!c) {
		crypto_error("HMAC");
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* an empty key is a valid HMAC key; EVP wants a pointer anyway */
	if (!EVP_MAC_init(c, keylen ? key : &none, keylen, params) ||
	    !EVP_MAC_update(c, msg, n) ||
	    !EVP_MAC_final(c, mac, &len, CRYPTO_HMAC_SHA256_LEN) ||
	    len != CRYPTO_HMAC_SHA256_LEN) {
		crypto_error("HMAC-SHA256");
		crypto_wipe(mac, CRYPTO_HMAC_SHA256_LEN);
		goto out;
	}
	r = 0;
out:
	EVP_MAC_CTX_free(c); /* wipes the keyed state */
	EVP_MAC_free(m);
	return r;
}

int crypto_pbkdf2_sha256(const void *password, size_t pwlen,
			 const void *salt, size_t saltlen, unsigned rounds,
			 uint8_t *out, size_t outlen)
{
	if (pwlen > INT_MAX || saltlen > INT_MAX || rounds > INT_MAX ||
	    outlen > INT_MAX || !rounds)
		return error("PBKDF2: parameters out of range");
	if (!PKCS5_PBKDF2_HMAC(password, (int)pwlen, salt, (int)saltlen,
			       (int)rounds, md_get(CRYPTO_SHA256), (int)outlen,
			       out)) {
		crypto_wipe(out, outlen);
		return crypto_error("PBKDF2-HMAC-SHA256");
	}
	return 0;
}

/* ---- key pairs (Komodo v2 Periphery keys) --------------------------------- */

/* Standard base64 of n bytes, one line, appended to out (the bytes may
 * be a private key: the scratch copy is wiped). */
static void b64_add(struct buf *out, const unsigned char *der, int n)
{
	size_t cap = 4 * (((size_t)n + 2) / 3) + 1;
	unsigned char *t = xmalloc(cap);
	int len = EVP_EncodeBlock(t, der, n);

	buf_add(out, t, (size_t)len);
	OPENSSL_cleanse(t, cap);
	free(t);
}

/* Decodes canonical base64 (padding included) into *der (malloc'd). */
static int b64_decode(const char *text, unsigned char **der, int *n)
{
	size_t len = strlen(text);
	int pad = 0, got;

	if (!len || len % 4 || len > 4096)
		return -1;
	if (text[len - 1] == '=')
		pad++;
	if (len > 1 && text[len - 2] == '=')
		pad++;
	*der = xmalloc(len / 4 * 3 + 1);
	got = EVP_DecodeBlock(*der, (const unsigned char *)text, (int)len);
	if (got < pad) {
		free(*der);
		*der = NULL;
		return -1;
	}
	*n = got - pad;
	return 0;
}

static EVP_PKEY *x25519_private(const char *priv)
{
	EVP_PKEY *pk = NULL;

	if (starts_with(priv, "-----BEGIN")) {
		BIO *bio = BIO_new_mem_buf(priv, -1);

		if (bio)
			pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		unsigned char *der = NULL;
		const unsigned char *p;
		int n;

		if (b64_decode(priv, &der, &n) == 0) {
			p = der;
			pk = d2i_AutoPrivateKey(NULL, &p, n);
			OPENSSL_cleanse(der, (size_t)n);
			free(der);
		}
	}
	ERR_clear_error();
	if (pk && EVP_PKEY_get_id(pk) != EVP_PKEY_X25519) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

static int public_of(EVP_PKEY *pk, struct buf *out)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der);

	if (n <= 0) {
		ERR_clear_error();
		return error("cannot encode an X25519 public key");
	}
	b64_add(out, der, n);
	OPENSSL_free(der);
	return 0;
}

int crypto_x25519_generate(struct buf *out)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	PKCS8_PRIV_KEY_INFO *p8 = pk ? EVP_PKEY2PKCS8(pk) : NULL;
	unsigned char *der = NULL;
	int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
	int r = 0;

	if (n <= 0) {
		ERR_clear_error();
		r = error("cannot make an X25519 key pair (OpenSSL)");
	} else {
		b64_add(out, der, n);
		OPENSSL_cleanse(der, (size_t)n);
	}
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pk);
	return r;
}

int crypto_x25519_public(const char *priv, struct buf *out)
{
	EVP_PKEY *pk = x25519_private(priv);
	int r;

	if (!pk)
		return error("not an X25519 private key (base64 PKCS#8 or "
			     "PEM expected)");
	r = public_of(pk, out);
	EVP_PKEY_free(pk);
	return r;
}

int crypto_x25519_public_valid(const char *pub)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	struct buf again = BUF_INIT;
	EVP_PKEY *pk = NULL;
	int n, ok = 0;

	if (b64_decode(pub, &der, &n) < 0)
		return 0;
	p = der;
	pk = d2i_PUBKEY(NULL, &p, n);
	ERR_clear_error();
	/* canonical: the whole input, re-encoded to the same text */
	if (pk && EVP_PKEY_get_id(pk) == EVP_PKEY_X25519 && p == der + n &&
	    public_of(pk, &again) == 0)
		ok = !strcmp(again.data, pub);
	EVP_PKEY_free(pk);
	free(der);
	buf_release(&again);
	return ok;
}
