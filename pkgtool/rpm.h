/* rpm.h - the .rpm writer
 * SPDX-License-Identifier: MIT
 *
 * rpm_write() turns a struct pkg into a binary v4 .rpm (lead, signature
 * header with SHA1/SHA256/MD5 digests, immutable main header, cpio payload
 * compressed per p->comp by the compression stage). It only reads the
 * pkg; regular files with a src are read by the stage. The bytes depend only on the pkg, the
 * src contents and the librpm/compression library versions: no clock, no
 * host name, no host macro files. The package is unsigned; sign it later
 * with rpmsign, for which room is reserved in the signature header.
 *
 * Payload files are the regular files and symlinks of p plus the
 * directories marked PKG_OWNED; implicit parents are left to the
 * filesystem package. p->files must be sorted (pkg_sort()).
 *
 * librpm is initialised on first use, and its log output is routed
 * through our diagnostics. Not thread-safe: librpm's state is global.
 */
#ifndef PKGTOOL_RPM_H
#define PKGTOOL_RPM_H

struct cout;
struct cstage;
struct pkg;

/* The .rpm's bytes appended to out, compressed blocks borrowed from the
 * stage; 0, or -1 after reporting the cause with error(). */
int rpm_make(const struct pkg *p, struct cstage *stage, struct cout *out);
/* rpm_make() with a stage of its own (no block cache). Writes the complete .rpm to path, creating or truncating it. Returns 0,
 * or -1 after reporting the cause with error(); the file may then hold
 * partial output, which the caller removes. */
int rpm_write(const struct pkg *p, const char *path);

#endif

/* ---- signing (pkgtool repo, build --sign) ---- */
/* Adds an OpenPGP header signature to the .rpm at path, in place, made by
 * gpg (through librpmsign) with the key of fingerprint fpr from
 * $GNUPGHOME. rpm -K then reports it once the public key is imported. */
int rpm_sign(const char *path, const char *fpr);
