/* outdir.h - the packages a build superseded in its output directory
 * SPDX-License-Identifier: MIT
 *
 * A changed site raises a host's release, and the documented
 * `apt install ./out/komodo-periphery_*.deb` must then match one file, not
 * the new one and the one it replaces. So after a build has renamed all
 * its packages into place, each package's older siblings are removed:
 * same directory, package name, format and architecture, another
 * version-release, recognised by the exact file name the format writes.
 */
#ifndef PKGTOOL_OUTDIR_H
#define PKGTOOL_OUTDIR_H

#include "buf.h"
#include "pkgformat.h"

/* The file name of package name's files in format f for the site
 * architecture arch, with a single '\1' where "VERSION-RELEASE" goes. */
void outdir_pattern(const struct pkg_format *f, const char *name,
		    const char *arch, struct buf *out);

/* Removes every regular file beside final (a package this build wrote or
 * kept) whose name is pattern with another version-release, printing
 * "removed PATH" for each. Returns 0, or -1 after reporting a file or
 * the directory it could not handle (the others are still removed). */
int outdir_prune(const char *final, const char *pattern);

#endif
