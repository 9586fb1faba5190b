/* fsutil.h - small file-system helpers with the error contract of util.h
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_FSUTIL_H
#define PKGTOOL_FSUTIL_H

#include <stddef.h>

/* mkdir -p with mode 0755 for every directory it creates. */
int fs_mkdir_p(const char *path);
/* Writes data to path through a temp file in the same directory (created
 * 0600, then chmod to mode), fsync and rename: readers see the old or the
 * new file, never a part of it. */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    unsigned mode);

#endif
