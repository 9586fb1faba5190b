/* xz.c - xz for repository indices; liblzma
 * SPDX-License-Identifier: MIT
 */
#include <lzma.h>
#include <stdint.h>

#include "util.h"
#include "xz.h"
#include "banned.h"

int xz_compress(struct buf *out, const void *data, size_t len)
{
	size_t bound = lzma_stream_buffer_bound(len), pos = 0;
	lzma_ret rc;

	buf_grow(out, bound);
	rc = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
				     (const uint8_t *)data, len,
				     (uint8_t *)out->data + out->len, &pos,
				     bound);
	if (rc != LZMA_OK)
		return error("liblzma: cannot compress (code %d)", (int)rc);
	out->len += pos;
	out->data[out->len] = '\0';
	return 0;
}
