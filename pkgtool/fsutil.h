/* fsutil.h - small file-system helpers with the error contract of util.h
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_FSUTIL_H
#define PKGTOOL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* mkdir -p with the given mode for every directory it creates; when made
 * is not NULL and it was empty, it gets the first directory created (the
 * top of what to remove again if the caller fails later). */
int fs_mkdir_p(const char *path, unsigned mode, struct buf *made);
/* "uid 1000 (alice)", or "uid 1000" without a passwd entry: for messages
 * that refuse a file someone else owns. */
void fs_owner_name(uid_t uid, char *out, size_t n);
/* Writes data to path through a temp file in the same directory (created
 * 0600, then chmod to mode), fsync and rename: readers see the old or the
 * new file, never a part of it. */
/* read()/write() exactly len bytes, again after EINTR; -1 with errno set
 * (0 at a premature end of file) on failure, nothing reported. */
int fs_read_full(int fd, void *buf, size_t len);
int fs_write_full(int fd, const void *buf, size_t len);
int fs_write_atomic(const char *path, const void *data, size_t len,
		    unsigned mode);

#endif
