/* deb.h - write a binary .deb from the package model
 * SPDX-License-Identifier: MIT
 *
 * The .deb is what dpkg-deb --build would make from the same tree: an ar
 * archive of debian-binary, control.tar.<ext> and data.tar.<ext>, both tars
 * in GNU format compressed with p->deb_comp, everything owned root:root
 * with mtime p->mtime. Same pkg and same input bytes give the same .deb
 * bytes on any machine with the same libarchive/liblzma/libzstd/zlib.
 *
 * deb_write() reads the pkg and the files its src fields name; it does not
 * modify the pkg. It relies on pkg_sort() order and on the sizes set by
 * pkg_stat_files(), and fails if a src file's size differs from f->size or
 * changes while it is read.
 *
 * path is created with mode 0644 (umask ignored) or, if it exists, truncated
 * with its mode left alone (the build command's private mkstemp file). No
 * fsync: the caller syncs, renames on success and unlinks on failure, since
 * a failed write may leave a partial file. While it runs, deb_write keeps
 * the compressed data.tar in an unlinked scratch file in path's directory.
 */
#ifndef PKGTOOL_DEB_H
#define PKGTOOL_DEB_H

struct pkg;

/* Writes the .deb; 0 on success, -1 after reporting the error. */
int deb_write(const struct pkg *p, const char *path);

#endif

/* ---- reading (pkgtool repo) ---- */
/* Appends the control file of the .deb at path (any .deb, not only ours)
 * to control. -1 after reporting a file that is not a binary package. */
struct buf;
int deb_read_control(const char *path, struct buf *control);
