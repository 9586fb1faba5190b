/* plan.h - decide what one package contains: site + version -> struct pkg
 * SPDX-License-Identifier: MIT
 *
 * plan_pkg() renders every file and script for one format and architecture
 * and fills a struct pkg (initialised by the caller, released by the
 * caller even on failure). It reads the site, the embedded templates and
 * nothing else; the binary is only referenced by path here.
 */
#ifndef PKGTOOL_PLAN_H
#define PKGTOOL_PLAN_H

#include <stdint.h>

#include "pkg.h"
#include "pkgformat.h"
#include "site.h"
#include "version.h"

struct plan_opts {
	const struct pkg_format *format;
	const char *arch;	/* deb name: amd64 / arm64 */
	const char *binary;	/* agent binary to ship */
	const char *binary_sha256; /* hex, recorded in the doc folder */
	int64_t mtime;		/* SOURCE_DATE_EPOCH */
	enum pkg_compression comp;
};

int plan_pkg(const struct site *s, const struct version *v,
	     const struct plan_opts *o, struct pkg *p);
/* 1 when the package will carry secrets (the output file is then 0600). */
int plan_has_secrets(const struct site *s);
/* Output file name, e.g. komodo-periphery_1.19.5-1_amd64.deb. */
void plan_filename(const struct site *s, const struct version *v,
		   const struct pkg_format *f, const char *arch,
		   struct buf *out);
/* The maintainer-script text for slot, as plan_pkg() would ship it. */
int plan_script(const struct site *s, const struct version *v,
		const struct pkg_format *f, enum pkg_script slot,
		struct buf *out);

#endif
