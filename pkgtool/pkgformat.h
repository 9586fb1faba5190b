/* pkgformat.h - the package formats, one table row each
 * SPDX-License-Identifier: MIT
 *
 * Everything the rest of the tool knows about a format is in its row:
 * its name (the site's package_formats value and --format), the output
 * file name, its names for the site's architectures, its maintainer
 * script slots, the extras its distributions expect and its writer. A new
 * format is one writer, its templates and one row in pkgformat.c.
 */
#ifndef PKGTOOL_PKGFORMAT_H
#define PKGTOOL_PKGFORMAT_H

#include <stddef.h>

#include "buf.h"
#include "pkg.h"

struct cout;
struct cstage;

/* Extras a format's distributions expect in the payload. */
enum pkg_format_flags {
	PKGF_DEBIAN_DOCS = 1 << 0,	/* changelog.Debian.gz, lintian overrides */
	PKGF_SYSTEMD_PRESET = 1 << 1	/* a preset enabling a system unit */
};

struct pkg_format_arch {
	const char *site;	/* package_architectures value: "amd64" */
	const char *own;	/* the format's name: "x86_64" */
};

struct pkg_format {
	const char *name;		/* "deb" */
	/* the output file name from name, version, release, own arch */
	void (*filename)(struct buf *out, const char *name, const char *version,
			 const char *release, const char *arch);
	const struct pkg_format_arch *arches;
	size_t nr_arches;
	/* its maintainer scripts: slots first..last of enum pkg_script,
	 * named (for pkgtool render) by script_names[slot - first] */
	enum pkg_script first_script, last_script;
	const char *const *script_names;
	unsigned flags;			/* enum pkg_format_flags */
	const char *category;		/* deb Section, rpm Group */
	/* the agent's dependencies in this format's names: Komodo major
	 * version, and whether the unit runs in the user's scope */
	void (*relations)(struct pkg *p, int major, int user_scope);
	/* the package's bytes, compressed blocks borrowed from the stage */
	int (*make)(const struct pkg *p, struct cstage *st, struct cout *out);
};

extern const struct pkg_format pkg_formats[];
extern const size_t pkg_nr_formats;

/* The row called name, or NULL. */
const struct pkg_format *pkg_format_find(const char *name);
/* The format's name for a site architecture, NULL when it has none. */
const char *pkg_format_arch(const struct pkg_format *f, const char *site);
/* The format whose script is called name (for render), and its slot. */
const struct pkg_format *pkg_format_script(const char *name,
					   enum pkg_script *slot);
/* "deb or rpm", for messages. */
void pkg_format_names(struct buf *out);

#endif
