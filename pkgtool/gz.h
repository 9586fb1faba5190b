/* gz.h - gzip in memory, reproducibly (no name, no timestamp, like gzip -9n)
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_GZ_H
#define PKGTOOL_GZ_H

#include "buf.h"

int gz_compress(struct buf *out, const void *data, size_t len);

#endif
