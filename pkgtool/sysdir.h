/* sysdir.h - path normalisation and the one list of system directories
 * SPDX-License-Identifier: MIT
 *
 * Every path a site gives for something the service user will own (home,
 * root directory, repo/stack/build dirs) or that root will chmod (config
 * dir) is normalised first, so "/.", "//home" and "/home/." cannot slip past
 * a check, then compared with sysdir_list. The maintainer scripts get the
 * same list (template variable system_dirs), so the build-time check and
 * the purge-time guard never disagree.
 */
#ifndef PKGTOOL_SYSDIR_H
#define PKGTOOL_SYSDIR_H

#include "buf.h"

/* NULL-terminated; each entry normalised, absolute, no shell specials. */
extern const char *const sysdir_list[];

/* Lexically normalises an absolute path into out: "//" and "/./" collapse,
 * ".." removes the previous component (never above "/"), no trailing "/"
 * except for "/" itself. Returns -1 (nothing reported) if path is not
 * absolute or is empty. */
int path_normalise(const char *path, struct buf *out);

/* The system directory that the normalised path is, or lies above (e.g.
 * "/" is above "/etc"); NULL when there is none. A path below a system
 * directory ("/var/lib/komodo") is not matched. */
const char *sysdir_find(const char *norm);

/* The tree only root may own anything in (/etc, /usr, /boot, /dev, /proc,
 * /sys, /run, /root and the /bin-/lib links into /usr) that norm is or
 * lies in; NULL when there is none. */
const char *sysdir_root_tree(const char *norm);

/* Is norm equal to or below dir (both normalised)? */
int path_within(const char *norm, const char *dir);

#endif
