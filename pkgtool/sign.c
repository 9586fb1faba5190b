/* sign.c - clear and detached OpenPGP signatures and key export (gpgme)
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <gpgme.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sign.h"
#include "util.h"
#include "banned.h"

struct signer {
	gpgme_ctx_t ctx;
	gpgme_key_t key;
	char *fpr;
};

static const char *passphrase_file;

void sign_set_passphrase_file(const char *path)
{
	passphrase_file = path;
}

/* gpg asks through the agent; the bytes go from our file straight to its
 * fd, so the passphrase is never in an argument or in the environment. */
static gpgme_error_t passphrase_cb(void *hook, const char *uid_hint,
				   const char *info, int prev_bad, int fd)
{
	struct buf pw = BUF_INIT;
	gpgme_error_t rc = GPG_ERR_NO_ERROR;
	size_t n;

	if (prev_bad || buf_read_file(&pw, passphrase_file) < 0)
		return gpg_error(GPG_ERR_CANCELED);
	n = strcspn(pw.data, "\r\n");
	if (gpgme_io_writen(fd, pw.data, n) || gpgme_io_writen(fd, "\n", 1))
		rc = gpg_error(GPG_ERR_CANCELED);
	buf_wipe(&pw);
	return rc;
}

static int gpg_fail(const char *what, gpgme_error_t err)
{
	return error("%s: %s", what, gpgme_strerror(err));
}

static int key_usable(gpgme_key_t key, const char *id)
{
	if (key->revoked)
		return error("key '%s' is revoked", id);
	if (key->expired)
		return error("key '%s' has expired", id);
	if (key->disabled || key->invalid || !key->can_sign)
		return error("key '%s' cannot sign", id);
	return 0;
}

static int sign_mode(struct signer *s, const void *data, size_t len,
		     gpgme_sig_mode_t mode, int armor, struct buf *out);

int sign_open(struct signer **out, const char *key_id)
{
	struct signer *s = xcalloc(1, sizeof(*s));
	gpgme_key_t other = NULL;
	gpgme_error_t err;

	gpgme_check_version(NULL);
	err = gpgme_new(&s->ctx);
	if (err) {
		free(s);
		return gpg_fail("cannot start gpgme", err);
	}
	gpgme_set_protocol(s->ctx, GPGME_PROTOCOL_OpenPGP);
	if (passphrase_file) {
		gpgme_set_pinentry_mode(s->ctx, GPGME_PINENTRY_MODE_LOOPBACK);
		gpgme_set_passphrase_cb(s->ctx, passphrase_cb, NULL);
	}
	/* a user id may match several keys: refuse to guess which one signs */
	err = gpgme_op_keylist_start(s->ctx, key_id, 1);
	if (!err)
		err = gpgme_op_keylist_next(s->ctx, &s->key);
	if (!err && gpgme_op_keylist_next(s->ctx, &other) == 0) {
		gpgme_key_unref(other);
		gpgme_op_keylist_end(s->ctx);
		sign_close(s);
		return error("key id '%s' matches several secret keys; "
			     "give its fingerprint", key_id);
	}
	gpgme_op_keylist_end(s->ctx);
	if (err) {
		const char *home = getenv("GNUPGHOME");

		sign_close(s);
		return error("no secret key '%s' in %s (list them with "
			     "'gpg --list-secret-keys')",
			     key_id, home ? home : "~/.gnupg");
	}
	if (key_usable(s->key, key_id) < 0 || !s->key->subkeys ||
	    !s->key->subkeys->fpr) {
		sign_close(s);
		return -1;
	}
	s->fpr = xstrdup(s->key->subkeys->fpr);
	gpgme_signers_clear(s->ctx);
	err = gpgme_signers_add(s->ctx, s->key);
	if (err) {
		sign_close(s);
		return gpg_fail("cannot use the signing key", err);
	}
	/* one signature now: a wrong passphrase or a broken agent shows up
	 * before anything is changed, and the agent then holds the unlocked
	 * key for gpg runs that cannot ask (rpmsign) */
	{
		struct buf probe = BUF_INIT;
		int r = sign_detach(s, "probe", 5, 0, &probe);

		buf_release(&probe);
		if (r < 0) {
			info("hint: a key with a passphrase needs "
			     "--passphrase-file FILE (or gpg-agent holding it)");
			sign_close(s);
			return -1;
		}
	}
	*out = s;
	return 0;
}

void sign_close(struct signer *s)
{
	if (!s)
		return;
	if (s->key)
		gpgme_key_unref(s->key);
	gpgme_release(s->ctx);
	free(s->fpr);
	free(s);
}

const char *sign_fingerprint(const struct signer *s)
{
	return s->fpr;
}

/* Moves a gpgme data object's bytes to out and releases it. */
static void take_data(gpgme_data_t d, struct buf *out)
{
	size_t n = 0;
	char *p = gpgme_data_release_and_get_mem(d, &n);

	if (p)
		buf_add(out, p, n);
	gpgme_free(p);
}

static int sign_mode(struct signer *s, const void *data, size_t len,
		     gpgme_sig_mode_t mode, int armor, struct buf *out)
{
	gpgme_data_t in, sig;
	gpgme_sign_result_t res;
	gpgme_error_t err;

	err = gpgme_data_new_from_mem(&in, data, len, 0);
	if (err)
		return gpg_fail("gpgme", err);
	err = gpgme_data_new(&sig);
	if (err) {
		gpgme_data_release(in);
		return gpg_fail("gpgme", err);
	}
	gpgme_set_armor(s->ctx, armor);
	gpgme_set_textmode(s->ctx, 0);
	err = gpgme_op_sign(s->ctx, in, sig, mode);
	gpgme_data_release(in);
	res = err ? NULL : gpgme_op_sign_result(s->ctx);
	if (err || !res || !res->signatures || res->invalid_signers) {
		gpgme_data_release(sig);
		return error("cannot sign with key %s: %s", s->fpr,
			     err ? gpgme_strerror(err) : "no signature made");
	}
	take_data(sig, out);
	return 0;
}

int sign_clear(struct signer *s, const void *data, size_t len, struct buf *out)
{
	return sign_mode(s, data, len, GPGME_SIG_MODE_CLEAR, 1, out);
}

int sign_detach(struct signer *s, const void *data, size_t len, int armor,
		struct buf *out)
{
	return sign_mode(s, data, len, GPGME_SIG_MODE_DETACH, armor, out);
}

int sign_export(struct signer *s, int armor, struct buf *out)
{
	gpgme_data_t d;
	gpgme_error_t err;
	size_t before = out->len;

	err = gpgme_data_new(&d);
	if (err)
		return gpg_fail("gpgme", err);
	gpgme_set_armor(s->ctx, armor);
	/* minimal: no third-party signatures leak into the repository */
	err = gpgme_op_export(s->ctx, s->fpr, GPGME_EXPORT_MODE_MINIMAL, d);
	if (err) {
		gpgme_data_release(d);
		return gpg_fail("cannot export the public key", err);
	}
	take_data(d, out);
	if (out->len == before)
		return error("gpg exported nothing for key %s", s->fpr);
	return 0;
}
