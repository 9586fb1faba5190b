/* crypto.c - the tool's only user of OpenSSL's libcrypto
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "crypto.h"
#include "util.h"
#include "banned.h"

int crypto_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
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
