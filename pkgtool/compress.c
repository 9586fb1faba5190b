/* compress.c - xz blocks, gzip members, zstd frames (liblzma, zlib, libzstd)
 * SPDX-License-Identifier: MIT
 *
 * The only file that includes <lzma.h>, <zlib.h> and <zstd.h>.
 */
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "compress.h"
#include "util.h"
#include "banned.h"

/* xz's own default: what xz(1) and dpkg-deb write. */
#define XZ_CHECK LZMA_CHECK_CRC64

static const struct {
	const char *name, *ext;
	int def, min, max;
} codecs[] = {
	[COMP_XZ] = { "xz", ".xz", 6, 0, 9 },
	/* 19 and not the "ultra" levels, which need up to 128 MiB of memory
	 * on every host that unpacks the package */
	[COMP_ZSTD] = { "zstd", ".zst", 19, 1, 19 },
	[COMP_GZIP] = { "gzip", ".gz", 9, 1, 9 },
};

static void check_codec(enum pkg_compression c)
{
	if ((unsigned)c >= ARRAY_SIZE(codecs) || !codecs[c].name)
		BUG("bad compression %d", (int)c);
}

int compress_default_level(enum pkg_compression c)
{
	check_codec(c);
	return codecs[c].def;
}

int compress_check_level(enum pkg_compression c, int level)
{
	check_codec(c);
	if (level < codecs[c].min || level > codecs[c].max)
		return error("%s compression level %d is out of range (%d-%d)",
			     codecs[c].name, level, codecs[c].min,
			     codecs[c].max);
	return 0;
}

const char *compress_ext(enum pkg_compression c)
{
	check_codec(c);
	return codecs[c].ext;
}

/* ---- xz ------------------------------------------------------------------ */

static int xz_block(int level, const void *in, size_t len, struct buf *out,
		    uint64_t *aux)
{
	lzma_options_lzma opt;
	lzma_filter filters[2];
	lzma_block b;
	size_t pos = 0, bound = lzma_block_buffer_bound(len);
	lzma_ret rc;

	if (!bound)
		return error("xz: a block of %zu bytes is too large", len);
	if (lzma_lzma_preset(&opt, (uint32_t)level))
		return error("xz: no preset %d", level);
	/* A dictionary larger than the block finds nothing more, but the
	 * encoder sets up tables for all of it (and a decoder reserves it):
	 * ~10 ms for each few-KiB block of config, unit and docs, which are
	 * compressed again on every build (their blocks hold secrets, see
	 * cstream.secret). The smallest power of two >= 4 KiB that holds
	 * the block; a block as large as the preset's keeps the preset. */
	while (opt.dict_size / 2 >= len && opt.dict_size / 2 >= 4096)
		opt.dict_size /= 2;
	filters[0].id = LZMA_FILTER_LZMA2;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	memset(&b, 0, sizeof(b));
	b.version = 0;
	b.check = XZ_CHECK;
	b.filters = filters;
	buf_grow(out, bound);
	rc = lzma_block_buffer_encode(&b, NULL, in, len,
				      (uint8_t *)out->data + out->len, &pos,
				      bound);
	if (rc == LZMA_MEM_ERROR)
		die("out of memory");
	if (rc != LZMA_OK)
		return error("xz: cannot compress a block (liblzma error %d)",
			     (int)rc);
	out->len += pos;
	out->data[out->len] = '\0';
	*aux = lzma_block_unpadded_size(&b);
	return 0;
}

static void xz_flags(lzma_stream_flags *f, lzma_vli backward)
{
	memset(f, 0, sizeof(*f));
	f->version = 0;
	f->check = XZ_CHECK;
	f->backward_size = backward;
}

static int xz_tail(const uint64_t *usize, const uint64_t *aux, size_t n,
		   struct buf *out)
{
	lzma_index *idx = lzma_index_init(NULL);
	lzma_stream_flags flags;
	size_t i, pos = 0, isize;
	int r = -1;

	if (!idx)
		die("out of memory");
	for (i = 0; i < n; i++)
		if (lzma_index_append(idx, NULL, aux[i], usize[i]) != LZMA_OK) {
			error("xz: cannot index block %zu", i);
			goto out;
		}
	isize = (size_t)lzma_index_size(idx);
	buf_grow(out, isize + LZMA_STREAM_HEADER_SIZE);
	if (lzma_index_buffer_encode(idx, (uint8_t *)out->data + out->len,
				     &pos, isize) != LZMA_OK) {
		error("xz: cannot write the index");
		goto out;
	}
	out->len += pos;
	xz_flags(&flags, isize);
	if (lzma_stream_footer_encode(&flags,
				      (uint8_t *)out->data + out->len) !=
	    LZMA_OK) {
		error("xz: cannot write the stream footer");
		goto out;
	}
	out->len += LZMA_STREAM_HEADER_SIZE;
	out->data[out->len] = '\0';
	r = 0;
out:
	lzma_index_end(idx, NULL);
	return r;
}

/* ---- gzip ---------------------------------------------------------------- */

static int gz_member(int level, const void *in, size_t len, struct buf *out)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper, for which zlib writes mtime 0 and no
	 * name; memLevel 9 as gzip -9 */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return error("zlib: cannot initialise deflate");
	buf_grow(out, deflateBound(&z, (uLong)len) + 64);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)out->data + out->len;
	z.avail_out = (uInt)(out->alloc - out->len - 1);
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		return error("zlib: deflate failed (%d)", rc);
	}
	out->len += z.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&z);
	return 0;
}

/* ---- zstd ---------------------------------------------------------------- */

static int zstd_set(ZSTD_CCtx *z, int level, unsigned workers)
{
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel,
						level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag,
						1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_nbWorkers,
						(int)workers)))
		return error("zstd: cannot set level %d with %u workers",
			     level, workers);
	return 0;
}

static int zstd_frame(int level, const void *in, size_t len, struct buf *out)
{
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t bound = ZSTD_compressBound(len), n;
	int r = -1;

	if (!z)
		die("out of memory");
	if (zstd_set(z, level, 0))
		goto out;
	buf_grow(out, bound);
	n = ZSTD_compress2(z, out->data + out->len, bound, in, len);
	if (ZSTD_isError(n)) {
		error("zstd: %s", ZSTD_getErrorName(n));
		goto out;
	}
	out->len += n;
	out->data[out->len] = '\0';
	r = 0;
out:
	ZSTD_freeCCtx(z);
	return r;
}

struct compress_frame {
	ZSTD_CCtx *z;
};

struct compress_frame *compress_frame_new(int level, unsigned threads,
					  uint64_t total)
{
	struct compress_frame *f = xcalloc(1, sizeof(*f));

	f->z = ZSTD_createCCtx();
	if (!f->z)
		die("out of memory");
	if (zstd_set(f->z, level, threads ? threads : 1) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(f->z, total))) {
		compress_frame_free(f);
		return NULL;
	}
	return f;
}

static int frame_run(struct compress_frame *f, const void *in, size_t len,
		     struct buf *out, ZSTD_EndDirective end)
{
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t left;

	do {
		ZSTD_outBuffer ob;

		buf_grow(out, ZSTD_CStreamOutSize());
		ob.dst = out->data + out->len;
		ob.size = out->alloc - out->len - 1;
		ob.pos = 0;
		left = ZSTD_compressStream2(f->z, &ob, &ib, end);
		if (ZSTD_isError(left))
			return error("zstd: %s", ZSTD_getErrorName(left));
		out->len += ob.pos;
		out->data[out->len] = '\0';
	} while (end == ZSTD_e_end ? left != 0 : ib.pos < ib.size);
	return 0;
}

int compress_frame_add(struct compress_frame *f, const void *in, size_t len,
		       struct buf *out)
{
	return frame_run(f, in, len, out, ZSTD_e_continue);
}

int compress_frame_end(struct compress_frame *f, struct buf *out)
{
	return frame_run(f, NULL, 0, out, ZSTD_e_end);
}

void compress_frame_free(struct compress_frame *f)
{
	if (!f)
		return;
	ZSTD_freeCCtx(f->z);
	free(f);
}

/* ---- by codec ------------------------------------------------------------ */

int compress_block(enum pkg_compression c, int level, const void *in,
		   size_t len, struct buf *out, uint64_t *aux)
{
	*aux = 0;
	switch (c) {
	case COMP_XZ:
		return xz_block(level, in, len, out, aux);
	case COMP_GZIP:
		return gz_member(level, in, len, out);
	case COMP_ZSTD:
		return zstd_frame(level, in, len, out);
	}
	BUG("bad compression %d", (int)c);
}

void compress_head(enum pkg_compression c, struct buf *out)
{
	lzma_stream_flags flags;

	if (c != COMP_XZ)
		return;
	xz_flags(&flags, 0);
	buf_grow(out, LZMA_STREAM_HEADER_SIZE);
	if (lzma_stream_header_encode(&flags,
				      (uint8_t *)out->data + out->len) !=
	    LZMA_OK)
		BUG("xz: cannot encode a stream header");
	out->len += LZMA_STREAM_HEADER_SIZE;
	out->data[out->len] = '\0';
}

int compress_tail(enum pkg_compression c, const uint64_t *usize,
		  const uint64_t *aux, size_t n, struct buf *out)
{
	if (c != COMP_XZ)
		return 0;
	return xz_tail(usize, aux, n, out);
}

int compress_buf(enum pkg_compression c, int level, const void *in,
		 size_t len, struct buf *out)
{
	uint64_t usize = len, aux;

	compress_head(c, out);
	if (compress_block(c, level, in, len, out, &aux) < 0)
		return -1;
	return compress_tail(c, &usize, &aux, 1, out);
}
