/* gz.c - gzip for small shipped files (changelog.Debian.gz)
 * SPDX-License-Identifier: MIT
 */
#include "compress.h"
#include "gz.h"
#include "banned.h"

int gz_compress(struct buf *out, const void *data, size_t len)
{
	return compress_buf(COMP_GZIP, 9, data, len, out);
}
