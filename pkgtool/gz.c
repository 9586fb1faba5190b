/* gz.c - gzip for small shipped files (changelog.Debian.gz); zlib
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "gz.h"
#include "util.h"
#include "banned.h"

int gz_compress(struct buf *out, const void *data, size_t len)
{
	z_stream z;
	unsigned char chunk[16384];
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper; zlib writes mtime 0 and no file name */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return error("zlib: cannot initialise deflate");
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR) {
			deflateEnd(&z);
			return error("zlib: deflate failed");
		}
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return 0;
}
