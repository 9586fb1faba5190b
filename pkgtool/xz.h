/* xz.h - xz in memory (Packages.xz); xz.c is the only user of liblzma
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_XZ_H
#define PKGTOOL_XZ_H

#include "buf.h"

/* Appends the xz stream of data (preset 6, CRC64, one thread: the bytes
 * depend only on the input and the liblzma version). */
int xz_compress(struct buf *out, const void *data, size_t len);

#endif
