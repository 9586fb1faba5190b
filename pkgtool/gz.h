/* gz.h - gzip in memory, reproducibly (no name, no timestamp, like gzip -9n)
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_GZ_H
#define PKGTOOL_GZ_H

#include "buf.h"

int gz_compress(struct buf *out, const void *data, size_t len);
/* One xz stream (preset 6, one block): the bytes depend only on the input
 * and the liblzma version. */
int xz_compress(struct buf *out, const void *data, size_t len);

#endif
