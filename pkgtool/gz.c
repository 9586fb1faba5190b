/* gz.c - gzip and xz of small files in memory (changelog.Debian.gz,
 * Packages.gz, Packages.xz), through the compression stage's module
 * SPDX-License-Identifier: MIT
 */
#include "compress.h"
#include "gz.h"
#include "banned.h"

int gz_compress(struct buf *out, const void *data, size_t len)
{
	return compress_buf(COMP_GZIP, 9, data, len, out);
}

int xz_compress(struct buf *out, const void *data, size_t len)
{
	return compress_buf(COMP_XZ, 6, data, len, out);
}
