/* pkg.h - the package model shared by the .deb and .rpm writers
 * SPDX-License-Identifier: MIT
 *
 * struct pkg is what a build decided to ship: metadata, the payload file
 * list and the maintainer scripts, independent of the format. It is made
 * from the site by plan/build code; deb_write() and rpm_write() only read
 * it. The pkg owns every string and buffer in it; pkg_release() frees all.
 *
 * Payload paths are absolute ("/usr/bin/periphery") and unique. Files carry
 * their bytes either in memory (content) or as a path to read at write time
 * (src, used for the large agent binary). Ownership in the payload is always
 * root:root; who owns what on the target is the scripts' business.
 * pkg_sort() orders files by byte-wise strcmp of the path, which both
 * formats need for reproducible output; writers may rely on it.
 */
#ifndef PKGTOOL_PKG_H
#define PKGTOOL_PKG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum pkg_ftype { PKG_REG, PKG_DIR, PKG_SYMLINK };

enum pkg_fflags {
	PKG_CONFIG = 1 << 0, /* deb conffile, rpm %config(noreplace) */
	PKG_DOC = 1 << 1,    /* rpm %doc */
	PKG_LICENSE = 1 << 2, /* rpm %license */
	PKG_OWNED = 1 << 3    /* directory the package owns (rpm lists it);
			       * implicit parents like /usr/bin lack it */
};

enum pkg_compression { COMP_XZ, COMP_ZSTD, COMP_GZIP };

struct pkg_file {
	char *path;		/* absolute target path */
	enum pkg_ftype type;
	unsigned mode;		/* permission bits only, e.g. 0644 */
	unsigned flags;		/* enum pkg_fflags */
	struct buf content;	/* bytes when src is NULL */
	char *src;		/* regular file read from here when set */
	char *target;		/* symlink target */
	uint64_t size;		/* filled by pkg_stat_files() */
};

/* Maintainer script slots. deb uses the first four, rpm the rpm ones. */
enum pkg_script {
	SCRIPT_PREINST,
	SCRIPT_POSTINST,
	SCRIPT_PRERM,
	SCRIPT_POSTRM,
	SCRIPT_RPM_PRE,
	SCRIPT_RPM_POST,
	SCRIPT_RPM_PREUN,
	SCRIPT_RPM_POSTUN,
	SCRIPT_RPM_POSTTRANS,
	SCRIPT_MAX
};

/* A dependency: name (for deb, alternatives "a | b" too), optional
 * version and RPMSENSE-like flags. */
enum pkg_dep_flags {
	DEP_LESS = 1 << 1,
	DEP_GREATER = 1 << 2,
	DEP_EQUAL = 1 << 3,
	DEP_PRE = 1 << 9,	/* Requires(pre) */
	DEP_POST = 1 << 10,	/* Requires(post) */
	DEP_PREUN = 1 << 11,	/* Requires(preun) */
	DEP_POSTUN = 1 << 12,	/* Requires(postun) */
	DEP_RECOMMENDS = 1 << 20, /* weak: Recommends, not Requires */
	DEP_SUGGESTS = 1 << 21	/* weak: Suggests, not Requires */
};

struct pkg_dep {
	char *name;
	char *version; /* NULL when unversioned */
	unsigned flags;
};

struct pkg {
	char *name;		/* "komodo-periphery" */
	char *version;		/* upstream version without 'v': "1.19.5" */
	char *release;		/* "1" */
	char *arch;		/* the format's name: "amd64", "x86_64" */
	char *maintainer;	/* "Name <mail>" */
	char *summary;		/* one line, no trailing period */
	char *description;	/* paragraphs, '\n'-separated, no trailing \n */
	char *homepage;
	char *license;		/* SPDX id, e.g. "GPL-3.0-or-later" */
	char *category;		/* deb Section, rpm Group; may be NULL */
	/* in the format's own names (rpm adds its automatic ones); weak
	 * ones flagged DEP_RECOMMENDS or DEP_SUGGESTS */
	struct pkg_dep *requires;
	size_t nr_requires, alloc_requires;
	char *changelog_text;	/* rpm %changelog text of the one entry */
	char *changelog_name;	/* rpm changelog author "Name <mail>" */
	int64_t mtime;		/* SOURCE_DATE_EPOCH: clamp and build time */
	enum pkg_compression comp;
	int comp_level;		/* -1 = format default (xz 6, zstd 19, gzip 9) */
	struct pkg_file *files;
	size_t nr_files, alloc_files;
	struct buf scripts[SCRIPT_MAX]; /* empty = no such script */
};

void pkg_init(struct pkg *p);
void pkg_release(struct pkg *p);

/* Adds a file and returns it for further setup; path is copied. */
struct pkg_file *pkg_add_file(struct pkg *p, const char *path, unsigned mode,
			      const void *data, size_t len);
struct pkg_file *pkg_add_src(struct pkg *p, const char *path, unsigned mode,
			     const char *src);
struct pkg_file *pkg_add_dir(struct pkg *p, const char *path, unsigned mode);
struct pkg_file *pkg_add_symlink(struct pkg *p, const char *path,
				 const char *target);
void pkg_add_require(struct pkg *p, const char *name, const char *version,
		     unsigned flags);

/* pkg_add_dir() marks the directory PKG_OWNED. pkg_add_parents() adds every
 * missing parent directory (0755, not owned: deb lists it like dpkg-deb,
 * rpm leaves it to the filesystem package), then sorts. */
void pkg_add_parents(struct pkg *p);
void pkg_sort(struct pkg *p);
/* Sets size on every file (stat of src or content length); reports a
 * missing or unreadable src. */
int pkg_stat_files(struct pkg *p);

const char *pkg_compression_name(enum pkg_compression c);

/* SHA-256 (hex) of what the package does on a host: metadata, relations,
 * scripts and payload, with src files standing for their sha256 (src_sha,
 * one for every src) but without the release, the build time and the doc
 * folder (its changelog names the release). Two builds of one version
 * with equal digests install the same thing: pkgtool raises the release
 * only when the digest changes. */
void pkg_content_digest(const struct pkg *p, const char *src_sha,
			char out[65]);

#endif
