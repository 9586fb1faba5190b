/* sign.h - OpenPGP signatures with a key from the user's GnuPG home (gpgme)
 * SPDX-License-Identifier: MIT
 *
 * sign.c is the only file that includes <gpgme.h>. A signer is opened once
 * per command from a key id, fingerprint or user id; the key must have a
 * usable secret part in $GNUPGHOME (default ~/.gnupg). Secrets never pass
 * through this module: gpg-agent holds them. A passphrase, when the key has
 * one, comes from the file named by sign_set_passphrase_file() (loopback
 * pinentry), never from the command line or the environment.
 */
#ifndef PKGTOOL_SIGN_H
#define PKGTOOL_SIGN_H
#include <stddef.h>

#include "buf.h"

struct signer;

/* Opens a signer for key_id; -1 after reporting an unknown, ambiguous,
 * expired or secret-less key. */
int sign_open(struct signer **out, const char *key_id);
void sign_close(struct signer *s);
/* The key's full fingerprint (upper-case hex). */
const char *sign_fingerprint(const struct signer *s);
void sign_set_passphrase_file(const char *path);

/* InRelease-style inline clear signature of data, appended to out. */
int sign_clear(struct signer *s, const void *data, size_t len, struct buf *out);
/* Detached signature (Release.gpg, repomd.xml.asc), armored if armor. */
int sign_detach(struct signer *s, const void *data, size_t len, int armor,
		struct buf *out);
/* The public key, binary (apt signed-by=) or armored (dnf gpgkey=). */
int sign_export(struct signer *s, int armor, struct buf *out);
#endif
