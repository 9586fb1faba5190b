/* periphery_keys.c - v2 private key handling and `periphery key ...`
 * SPDX-License-Identifier: MIT
 *
 * v2 Periphery authenticates with an X25519 key pair (Noise handshake).
 * What packaging cares about is the file side (komodo-periphery.md §4,
 * §9.1): with private_key = "file:<path>" (the default,
 * file:${root_directory}/keys/periphery.key) a missing file is generated
 * at every start, mode 0600, with periphery.pub next to it, and startup
 * panics if that cannot be written.
 *
 * Encoding as mogh_pki 1.1.3 (moghtech/lib crates/pki): private keys as
 * base64 PKCS#8 DER, public keys as base64 SPKI DER (what Core stores and
 * compares as a string, and what core_public_keys accepts). A key file
 * must be PEM or exactly the 64 base64 characters, as the real loader
 * wants; `key compute` also accepts a raw 32-byte base64 key.
 */
#include "periphery.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../../pkgtool/banned.h"

static char *b64_der_private(EVP_PKEY *pk)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	unsigned char *der = NULL;
	char *out = NULL;
	int n;

	if (!p8)
		return NULL;
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	if (n > 0)
		out = base64_encode(der, (size_t)n);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return out;
}

static char *b64_der_public(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	char *out = NULL;
	int n = i2d_PUBKEY(pk, &der);

	if (n > 0)
		out = base64_encode(der, (size_t)n);
	OPENSSL_free(der);
	return out;
}

int key_generate(char **priv, char **pub)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");

	*priv = *pub = NULL;
	if (!pk)
		return -1;
	*priv = b64_der_private(pk);
	*pub = b64_der_public(pk);
	EVP_PKEY_free(pk);
	if (!*priv || !*pub) {
		free(*priv);
		free(*pub);
		*priv = *pub = NULL;
		return -1;
	}
	return 0;
}

static EVP_PKEY *load_private(const char *text)
{
	EVP_PKEY *pk = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t n;

	if (!strncmp(text, "-----BEGIN", 10)) {
		BIO *bio = BIO_new_mem_buf(text, -1);

		if (bio)
			pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else if (base64_decode(text, &der, &n) == 0) {
		if (n == 32) {
			pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519,
							  NULL, der, n);
		} else {
			p = der;
			pk = d2i_AutoPrivateKey(NULL, &p, (long)n);
		}
		free(der);
	}
	ERR_clear_error();
	if (pk && EVP_PKEY_get_id(pk) != EVP_PKEY_X25519) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

int key_compute(const char *priv, char **pub)
{
	EVP_PKEY *pk = load_private(priv);

	*pub = NULL;
	if (!pk)
		return -1;
	*pub = b64_der_public(pk);
	EVP_PKEY_free(pk);
	return *pub ? 0 : -1;
}

/* Writes a key as mogh_pki's write_pem_sync does: PEM, mode 0600. */
static int write_private(const char *path, const char *label,
			 const char *body)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char *text = xasprintf("-----BEGIN %s-----\n%s\n-----END %s-----",
			       label, body, label);
	size_t n = strlen(text);

	if (fd < 0) {
		free(text);
		return -1;
	}
	/* open() honours an existing file's mode; the key must be 0600. */
	if (fchmod(fd, 0600) < 0 || write(fd, text, n) != (ssize_t)n ||
	    write(fd, "\n", 1) != 1) {
		int e = errno;

		close(fd);
		free(text);
		errno = e;
		return -1;
	}
	free(text);
	return close(fd);
}

int key_ensure(const char *setting)
{
	char *data = NULL, *pub = NULL, *priv = NULL, *dir = NULL;
	char *pubpath = NULL;
	const char *path;
	size_t len;
	int r = -1;

	if (strncmp(setting, "file:", 5)) {
		if (key_compute(setting, &pub) < 0) {
			perr("Error: private_key is not a valid X25519 "
			     "private key");
			return -1;
		}
		free(pub);
		return 0;
	}
	path = setting + 5;
	if (read_file(path, &data, &len) == 0) {
		/* mogh_pki Pkcs8PrivateKey::from_file: PEM, or exactly the 64
		 * characters of base64 PKCS#8 (a trailing newline is 65), or
		 * up to 32 raw bytes; nothing is trimmed */
		if (strncmp(data, "-----BEGIN", 10) && len != 64 && len > 32)
			perr("Error: Failed to read private key at \"%s\": "
			     "Private key must be 32 characters or less, or "
			     "pkcs8 encoded.", path);
		else if (key_compute(data, &pub) < 0)
			perr("Error: %s does not hold a valid X25519 private "
			     "key", path);
		else
			r = 0;
		goto out;
	}
	if (errno != ENOENT) {
		perr("Error: cannot read private key %s: %s", path,
		     strerror(errno));
		goto out;
	}
	dir = path_parent(path);
	pubpath = xasprintf("%s/periphery.pub", dir);
	if (mkdir_all(dir, 0777) < 0 || key_generate(&priv, &pub) < 0 ||
	    write_private(path, "PRIVATE KEY", priv) < 0 ||
	    write_private(pubpath, "PUBLIC KEY", pub) < 0) {
		/* The real agent panics here (§9.1). */
		perr("thread 'main' panicked:\nFailed to write private key "
		     "to %s: %s", path, strerror(errno));
		r = -2;
		goto out;
	}
	plog(PL_INFO, "Generated private key at %s (public key %s)", path,
	     pubpath);
	r = 0;
out:
	free(data);
	free(pub);
	free(priv);
	free(dir);
	free(pubpath);
	return r;
}

static void print_pair(const char *fmt, const char *priv, const char *pub)
{
	struct sbuf b = SBUF_INIT;

	if (!strcmp(fmt, "standard")) {
		if (priv)
			sbuf_addf(&b, "Private Key: %s\n", priv);
		sbuf_addf(&b, "Public Key: %s\n", pub);
	} else {
		bool pretty = !strcmp(fmt, "json-pretty");

		sbuf_adds(&b, pretty ? "{\n  " : "{");
		if (priv) {
			sbuf_adds(&b, "\"private_key\":");
			sbuf_adds(&b, pretty ? " " : "");
			sbuf_add_json_str(&b, priv);
			sbuf_adds(&b, pretty ? ",\n  " : ",");
		}
		sbuf_adds(&b, "\"public_key\":");
		sbuf_adds(&b, pretty ? " " : "");
		sbuf_add_json_str(&b, pub);
		sbuf_adds(&b, pretty ? "\n}\n" : "}\n");
	}
	fputs(b.p, stdout);
	sbuf_release(&b);
}

int cmd_key(int argc, char **argv)
{
	const char *fmt = "standard", *sub, *arg = NULL;
	char *priv = NULL, *pub = NULL;
	int i, r;

	if (argc < 2) {
		perr("error: 'periphery key' requires a subcommand "
		     "(generate, compute)");
		return EXIT_CONFIG;
	}
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--format")) {
			if (++i >= argc) {
				perr("error: a value is required for "
				     "'--format <FORMAT>'");
				return EXIT_CONFIG;
			}
			fmt = argv[i];
		} else if (!strncmp(argv[i], "--format=", 9)) {
			fmt = argv[i] + 9;
		} else if (argv[i][0] != '-' && !arg) {
			arg = argv[i];
		} else {
			perr("error: unexpected argument '%s' found", argv[i]);
			return EXIT_CONFIG;
		}
	}
	if (strcmp(fmt, "standard") && strcmp(fmt, "json") &&
	    strcmp(fmt, "json-pretty")) {
		perr("error: invalid value '%s' for '--format <FORMAT>' "
		     "[possible values: standard, json, json-pretty]", fmt);
		return EXIT_CONFIG;
	}
	if (!strcmp(sub, "generate") || !strcmp(sub, "gen") ||
	    !strcmp(sub, "g")) {
		if (arg) {
			perr("error: unexpected argument '%s' found", arg);
			return EXIT_CONFIG;
		}
		if (key_generate(&priv, &pub) < 0) {
			perr("Error: failed to generate key pair");
			return 1;
		}
		print_pair(fmt, priv, pub);
	} else if (!strcmp(sub, "compute") || !strcmp(sub, "comp") ||
		   !strcmp(sub, "c")) {
		if (!arg) {
			perr("error: the following required arguments were "
			     "not provided: <PRIVATE_KEY>");
			return EXIT_CONFIG;
		}
		if (key_compute(arg, &pub) < 0) {
			perr("Error: invalid private key");
			return 1;
		}
		print_pair(fmt, NULL, pub);
	} else {
		perr("error: unrecognized subcommand '%s'", sub);
		return EXIT_CONFIG;
	}
	r = fflush(stdout) ? 1 : 0;
	free(priv);
	free(pub);
	return r;
}
