/* rpm_make.c - the .rpm writer: checks, file list, layout, lead, digests
 * SPDX-License-Identifier: MIT
 *
 * rpm_make() checks the pkg, picks the payload entries, has rpm.c build
 * the main header with placeholder digests (their width is fixed, so the
 * layout is known before the payload exists), has the payload made
 * (rpm_payload.c), then puts the digests in and writes lead, signature
 * header and main header in front of the payload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "crypto.h"
#include "cstage.h"
#include "digest.h"
#include "pkg.h"
#include "rpm.h"
#include "rpm_int.h"
#include "util.h"
#include "banned.h"

static const unsigned char header_magic[8] = { 0x8e, 0xad, 0xe8, 0x01,
					       0,    0,    0,    0 };

/* Only the architectures rpm's own platform files know. */
static const struct rpm_arch arches[] = {
	{ "x86_64", "x86-64", 1 },	{ "aarch64", "aarch-64", 19 },
	{ "i686", "x86-32", 1 },	{ "ppc64le", "ppc-64", 16 },
	{ "s390x", "s390-64", 15 },	{ "riscv64", "riscv-64", 22 },
	{ "armv7hl", "armv7hl-32", 12 }, { "noarch", NULL, 0 },
};

/* rpm reads an xz stream of many blocks, concatenated gzip members and
 * concatenated zstd frames, so every codec reuses blocks here. */
static const struct rpm_comp comps[] = {
	[COMP_XZ] = { "xz", "rpmlib(PayloadIsXz)", "5.2-1" },
	[COMP_ZSTD] = { "zstd", "rpmlib(PayloadIsZstd)", "5.4.18-1" },
	[COMP_GZIP] = { "gzip", NULL, NULL },
};

/* Every digest in an rpm comes from libcrypto (crypto.c), like the
 * deb's: librpm's own rpmDigest* would pull in a second crypto library. */
static void hash_mem_hex(const void *data, size_t len, char *out)
{
	struct crypto_hash *h = crypto_hash_new(CRYPTO_SHA256);

	crypto_hash_update(h, data, len);
	crypto_hash_final_hex(h, CRYPTO_SHA256, out);
}

static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* rpmLeadWrite() takes the arch number from the build host; we use the
 * package's so that the bytes do not depend on the host. */
static void make_lead(const struct rpm_writer *w, unsigned char *lead)
{
	static const unsigned char magic[4] = { 0xed, 0xab, 0xee, 0xdb };

	memset(lead, 0, LEAD_SIZE);
	memcpy(lead, magic, sizeof(magic));
	lead[4] = 3;				/* major */
	lead[8] = (unsigned char)(w->arch->archnum >> 8);
	lead[9] = (unsigned char)w->arch->archnum;
	snprintf((char *)lead + 10, 66, "%s-%s", w->p->name, w->evr);
	lead[77] = 1;				/* osnum: Linux */
	lead[79] = 5;				/* signature type: header */
}

/* Fills in lead, signature and header in front of the payload. */
/* What the signature holds for MD5 until the digest is known: found
 * again by its bytes (any 16 bytes would do; these never occur in a
 * signature header by chance). */
static const unsigned char md5_mark[16] = {
	0x70, 0x6b, 0x67, 0x74, 0x6f, 0x6f, 0x6c, 0x2d,
	0x6d, 0x64, 0x35, 0x2d, 0xa5, 0x5a, 0xc3, 0x3c
};

/* Where the placeholder MD5 sits in front, which must hold it once. */
static size_t md5_at(const struct buf *front)
{
	const char *at = memmem(front->data, front->len, md5_mark,
				sizeof(md5_mark));

	if (!at || memmem(at + 1, front->len - (size_t)(at - front->data) - 1,
			  md5_mark, sizeof(md5_mark)))
		BUG("rpm signature MD5 placeholder not found once");
	return (size_t)(at - front->data);
}

static int write_headers(struct rpm_writer *w, struct cout *out)
{
	struct crypto_hash *ctx[2];
	unsigned char lead[LEAD_SIZE], md5[16], pad[8] = { 0 };
	char sha1[SHA1_HEX + 1], sha256[SHA256_HEX + 1];
	struct buf front = BUF_INIT, signed_part = BUF_INIT;
	void *hdr = NULL, *sig = NULL;
	unsigned hdr_len, sig_len;
	size_t i, first;

	hdr = rpm_header_export(w, &hdr_len);
	if (hdr_len != w->hdr_len)
		BUG("rpm header changed size (%u, was %u)", hdr_len,
		    w->hdr_len);

	/* SHA1 and SHA256 cover the header, MD5 header and payload */
	ctx[0] = crypto_hash_new(CRYPTO_SHA1);
	ctx[1] = crypto_hash_new(CRYPTO_SHA256);
	for (i = 0; i < 2; i++) {
		crypto_hash_update(ctx[i], header_magic, sizeof(header_magic));
		crypto_hash_update(ctx[i], hdr, hdr_len);
	}
	crypto_hash_final_hex(ctx[0], CRYPTO_SHA1, sha1);
	crypto_hash_final_hex(ctx[1], CRYPTO_SHA256, sha256);
	buf_add(&signed_part, header_magic, sizeof(header_magic));
	buf_add(&signed_part, hdr, hdr_len);
	memcpy(md5, md5_mark, sizeof(md5));

	sig = rpm_sig_export(sha1, sha256, md5,
			(uint32_t)(8 + hdr_len + w->payload_size),
			(uint32_t)w->archive_size, &sig_len);
	if (sig_len != w->sig_len)
		BUG("rpm signature changed size (%u, was %u)", sig_len,
		    w->sig_len);
	make_lead(w, lead);
	buf_add(&front, lead, LEAD_SIZE);
	buf_add(&front, header_magic, sizeof(header_magic));
	buf_add(&front, sig, sig_len);
	buf_add(&front, pad, (size_t)(pad8(front.len) - front.len));
	buf_add(&front, signed_part.data, signed_part.len);
	if (front.len != w->payload_off)
		BUG("rpm headers end at %zu, payload starts at %ju", front.len,
		    (uintmax_t)w->payload_off);
	first = out->nr;
	cout_add(out, front.data, front.len);
	cout_append(out, &w->payload);
	/* the MD5 over 9 MB per host: now, or on the writer's thread */
	cstage_digest_defer(w->stage, CRYPTO_MD5, signed_part.data,
			    signed_part.len, out, first + 1, first,
			    md5_at(&front));
	buf_release(&signed_part);
	buf_release(&front);
	free(hdr);
	free(sig);
	return 0;
}

/* Sizes the headers, which do not depend on digest values, and so places
 * the payload. */
static void plan_layout(struct rpm_writer *w)
{
	char sha1[SHA1_HEX + 1], sha256[SHA256_HEX + 1];
	unsigned char md5[16] = { 0 };

	free(rpm_header_export(w, &w->hdr_len));
	memset(sha1, '0', SHA1_HEX);
	sha1[SHA1_HEX] = '\0';
	memset(sha256, '0', SHA256_HEX);
	sha256[SHA256_HEX] = '\0';
	free(rpm_sig_export(sha1, sha256, md5, 0, 0, &w->sig_len));
	w->payload_off = pad8(LEAD_SIZE + 8 + (uint64_t)w->sig_len) + 8 +
			 w->hdr_len;
}

static int valid_chars(const char *s, const char *extra)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr(extra, *s))
			return 0;
	return 1;
}

static int setup(struct rpm_writer *w)
{
	const struct pkg *p = w->p;
	size_t i;
	int level;

	if (!p->name || !p->version || !p->release || !p->arch ||
	    !p->summary || !p->description || !p->license)
		BUG("incomplete package for rpm_write()");
	/* rpmbuild's ALLOWED_CHARS_NAME and _VERREL, minus macro syntax */
	if (!valid_chars(p->name, "._+-"))
		return error("'%s' is not a valid rpm package name", p->name);
	if (!valid_chars(p->version, "._+~^") ||
	    !valid_chars(p->release, "._+~^"))
		return error("'%s-%s' is not a valid rpm version-release",
			     p->version, p->release);
	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (!strcmp(arches[i].name, p->arch))
			w->arch = &arches[i];
	if (!w->arch)
		return error("unsupported rpm architecture '%s'", p->arch);
	if ((unsigned)p->comp >= ARRAY_SIZE(comps))
		BUG("bad compression %d", (int)p->comp);
	w->comp = &comps[p->comp];
	level = p->comp_level >= 0 ? p->comp_level
				   : compress_default_level(p->comp);
	if (compress_check_level(p->comp, level) < 0)
		return -1;
	w->level_nr = level;
	snprintf(w->level, sizeof(w->level), "%d", level);
	if (p->mtime < 0 || p->mtime > UINT32_MAX)
		return error("timestamp %jd is outside rpm's range",
			     (intmax_t)p->mtime);
	for (i = 0; i < p->nr_requires; i++) {
		const struct pkg_dep *d = &p->requires[i];
		int cmp = !!(d->flags & (DEP_LESS | DEP_GREATER | DEP_EQUAL));

		if (cmp != !!d->version)
			return error("requirement '%s' needs both a version "
				     "and a comparison, or neither", d->name);
	}
	return 0;
}

/* Picks the payload entries and their sizes; in-memory contents are
 * digested now, src files by the stage, once per build. */
static int collect_files(struct rpm_writer *w)
{
	const struct pkg *p = w->p;
	size_t i;

	w->files = xcalloc(p->nr_files ? p->nr_files : 1, sizeof(*w->files));
	for (i = 0; i < p->nr_files; i++) {
		const struct pkg_file *f = &p->files[i];
		struct rpm_file *e = &w->files[w->nr_files];
		uint64_t size = 0;

		/* rpm finds files by binary search over the sorted list */
		if (i && strcmp(p->files[i - 1].path, f->path) >= 0)
			BUG("pkg files not sorted at '%s'", f->path);
		if (f->path[0] != '/' || !*(strrchr(f->path, '/') + 1))
			BUG("bad payload path '%s'", f->path);
		if (f->type == PKG_DIR && !(f->flags & PKG_OWNED))
			continue;
		if (f->type == PKG_SYMLINK) {
			size = strlen(f->target);
		} else if (f->type == PKG_REG && f->src) {
			if (cstage_src(w->stage, f->src, &e->src) < 0)
				return -1;
			size = e->src->size;
			memcpy(e->digest, e->src->sha256, SHA256_HEX + 1);
		} else if (f->type == PKG_REG) {
			size = f->content.len;
			hash_mem_hex(f->content.data, f->content.len,
				     e->digest);
		}
		/* cpio "newc" and the 32-bit size tags stop below 4 GiB */
		if (size >= UINT32_MAX)
			return error("'%s' is too large for an rpm payload",
				     f->src ? f->src : f->path);
		e->f = f;
		e->size = (uint32_t)size;
		w->nr_files++;
	}
	if (!w->nr_files)
		return error("package '%s' has no files for the rpm payload",
			     p->name);
	return 0;
}

int rpm_make(const struct pkg *p, struct cstage *stage, struct cout *out)
{
	struct rpm_writer w;
	struct buf evr = BUF_INIT;
	int r = -1;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.stage = stage;
	w.path = p->name;
	w.mfd = -1;
	cstream_init(&w.cpio);
	w.cpio.secret = cstream_pkg_secret(p);
	cout_init(&w.payload);
	if (rpm_lib_init())
		return -1;
	rpm_lib_begin();
	if (setup(&w) || collect_files(&w))
		goto out;
	buf_addf(&evr, "%s-%s", p->version, p->release);
	w.evr = evr.data;
	if (rpm_header_build(&w))
		goto out;
	plan_layout(&w);
	if (rpm_payload_make(&w))
		goto out;
	/* SIGTAG_SIZE is 32-bit; LONGSIZE would need the large-file format */
	if (8 + w.hdr_len + w.payload_size >= UINT32_MAX) {
		error("'%s' would exceed 4 GiB", w.path);
		goto out;
	}
	if (write_headers(&w, out))
		goto out;
	rpm_lib_end();
	r = 0;
out:
	if (w.mfd >= 0)
		close(w.mfd);
	rpm_header_free(&w);
	buf_release(&evr);
	free(w.files);
	free(w.holes);
	cstream_release(&w.cpio);
	cout_release(&w.payload);
	return r;
}

int rpm_write(const struct pkg *p, const char *path)
{
	struct cstage *st = cstage_new(NULL, 1);
	struct cout out;
	int fd, r = -1;

	cout_init(&out);
	if (rpm_make(p, st, &out) < 0)
		goto out;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		error("cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	r = cout_write(&out, fd, path);
	if (close(fd) < 0 && !r)
		r = error("cannot write '%s': %s", path, strerror(errno));
out:
	cout_release(&out);
	cstage_free(st);
	return r;
}
