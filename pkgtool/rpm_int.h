/* rpm_int.h - the .rpm writer's parts, shared by its files
 * SPDX-License-Identifier: MIT
 *
 * rpm.c is the only file that talks to librpm (header tags, the cpio
 * writer, signing); rpm_make.c runs the writer (checks, file list, layout,
 * lead, digests) and rpm_payload.c hands the cpio to the compression
 * stage. They share struct rpm_writer, in which librpm's types appear
 * only as the incomplete structs behind Header and FD_t.
 */
#ifndef PKGTOOL_RPM_INT_H
#define PKGTOOL_RPM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cstage.h"

#define LEAD_SIZE 96
#define SHA256_HEX 64
#define SHA1_HEX 40

struct headerToken_s;
struct _FD_s;

struct rpm_dep {
	char *name, *evr;	/* evr "" when unversioned */
	uint32_t flags;		/* RPMSENSE_* */
};

struct rpm_deps {
	struct rpm_dep *v;
	size_t nr, alloc;
};

struct rpm_arch {
	const char *name;
	const char *isa;	/* %{_isa} without parentheses; NULL: noarch */
	unsigned archnum;	/* lead arch number from rpmrc arch_canon */
};

struct rpm_comp {
	const char *name;	/* PAYLOADCOMPRESSOR */
	const char *feature, *feature_evr; /* rpmlib() needed to read it */
};

/* One payload entry; index i is the header's file index i. */
struct rpm_file {
	const struct pkg_file *f;
	const struct cstage_src *src; /* for f->src */
	uint32_t size;
	char digest[SHA256_HEX + 1]; /* "" unless regular */
};

/* Where a region's placeholder bytes would have been in the memory file. */
struct rpm_hole {
	uint64_t at;
	const struct cstage_src *src;
};

struct rpm_writer {
	const struct pkg *p;
	const char *path;
	const struct rpm_arch *arch;
	const struct rpm_comp *comp;
	struct cstage *stage;
	int level_nr;
	char level[8];
	const char *evr;	/* version-release */
	struct headerToken_s *h; /* librpm's Header */
	struct rpm_file *files;
	size_t nr_files;
	int mfd;		/* memory file: the cpio without regions */
	struct _FD_s *cfd;	/* librpm's stream (FD_t) over it while writing */
	struct rpm_hole *holes;
	size_t nr_holes, alloc_holes;
	struct cstream cpio;	/* the uncompressed payload */
	struct cout payload;	/* compressed */
	unsigned sig_len, hdr_len; /* exported blob sizes, no magic or pad */
	uint64_t payload_off, payload_size, archive_size;
	char payload_digest[SHA256_HEX + 1], alt_digest[SHA256_HEX + 1];
};

/* ---- rpm.c: librpm ---- */

/* librpm set up once; its error messages collected from now on, and the
 * ones that made nothing fail given as one warning at the end. */
int rpm_lib_init(void);
void rpm_lib_begin(void);
void rpm_lib_end(void);
/* The main header from w->p and w->files, digests as placeholders of
 * their final width; -1 reported. */
int rpm_header_build(struct rpm_writer *w);
void rpm_header_free(struct rpm_writer *w);
/* The on-disk main header, with w's digests, minus its 8-byte magic;
 * the caller frees it. */
void *rpm_header_export(struct rpm_writer *w, unsigned *len);
/* The on-disk signature header minus its magic; the caller frees it. */
void *rpm_sig_export(char *sha1, char *sha256, unsigned char *md5,
		     uint32_t size, uint32_t payload_size, unsigned *len);
/* librpm's cpio writer over w->mfd, the agent binary's data as holes;
 * -1 reported. */
int rpm_cpio_write(struct rpm_writer *w);

/* ---- rpm_deps.c ---- */

/* flags: RPMSENSE_* (rpm.c knows them); evr NULL: unversioned */
void rpm_deps_add(struct rpm_deps *d, const char *name, const char *evr,
		  uint32_t flags);
void rpm_deps_release(struct rpm_deps *d);
/* 1 when some version contains the character c */
int rpm_deps_have(const struct rpm_deps *d, int c);
/* rpmbuild's order (name, version, flags), without duplicates */
void rpm_deps_sort(struct rpm_deps *d);

/* ---- rpm_payload.c ---- */

/* The cpio, compressed by the stage, and its digests; -1 reported. */
int rpm_payload_make(struct rpm_writer *w);

#endif
