/* deb.h - write a binary .deb from the package model
 * SPDX-License-Identifier: MIT
 *
 * The .deb is what dpkg-deb --build would make from the same tree: an ar
 * archive of debian-binary, control.tar.<ext> and data.tar.<ext>, both tars
 * in GNU format compressed with p->comp, everything owned root:root
 * with mtime p->mtime. Same pkg and same input bytes give the same .deb
 * bytes on any machine with the same libarchive/liblzma/libzstd/zlib.
 *
 * deb_make() reads the pkg and, through the compression stage, the files
 * its src fields name; it does not modify the pkg. It relies on pkg_sort()
 * order and on the sizes set by pkg_stat_files(), and fails if a src
 * file's size differs from f->size or changes while it is read. The
 * result borrows compressed blocks from the stage (cstage.h).
 *
 * deb_write() is deb_make() with a stage of its own and no block cache,
 * writing to path: created with mode 0644 (umask ignored) or, if it
 * exists, truncated with its mode left alone. No fsync.
 */
#ifndef PKGTOOL_DEB_H
#define PKGTOOL_DEB_H

struct cout;
struct cstage;
struct pkg;

/* The .deb's bytes appended to out; 0, or -1 after reporting. */
int deb_make(const struct pkg *p, struct cstage *stage, struct cout *out);
/* Writes the .deb; 0 on success, -1 after reporting the error. */
int deb_write(const struct pkg *p, const char *path);

#endif

/* ---- reading (pkgtool repo) ---- */
/* Appends the control file of the .deb at path (any .deb, not only ours)
 * to control. -1 after reporting a file that is not a binary package. */
struct buf;
int deb_read_control(const char *path, struct buf *control);
