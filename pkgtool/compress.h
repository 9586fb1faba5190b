/* compress.h - xz, gzip and zstd codecs: the one file with liblzma, zlib, libzstd
 * SPDX-License-Identifier: MIT
 *
 * The unit of work is an independent block, which the stage (cstage.h)
 * compresses once and reuses wherever the same bytes recur:
 *   xz:   one block (header, LZMA2 data, CRC64) of a single xz stream; the
 *         stream header and the index + footer around the blocks come from
 *         compress_head() and compress_tail(). dpkg and rpm read one xz
 *         stream of many blocks (they stop after the first of several
 *         concatenated streams).
 *   gzip: one gzip member (no name, mtime 0); members concatenate.
 *   zstd: one frame with content size and checksum; frames concatenate.
 * Every function gives the same bytes for the same input on any machine
 * with the same library versions: nothing depends on the thread count,
 * the clock or the host.
 */
#ifndef PKGTOOL_COMPRESS_H
#define PKGTOOL_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pkg.h"

/* The level used for -1, and the accepted range, per codec. */
int compress_default_level(enum pkg_compression c);
/* Reports a level out of range for c; 0 when it is fine. */
int compress_check_level(enum pkg_compression c, int level);
const char *compress_ext(enum pkg_compression c); /* ".xz" */

/* Appends one independent block of in to out. For xz, *aux gets the
 * block's unpadded size (for the index); for the others 0. */
int compress_block(enum pkg_compression c, int level, const void *in,
		   size_t len, struct buf *out, uint64_t *aux);
/* What goes before the first and after the last block: the xz stream
 * header; the xz index and footer over n blocks of usize[i] uncompressed
 * bytes and aux[i] unpadded bytes. Nothing for gzip and zstd. */
void compress_head(enum pkg_compression c, struct buf *out);
int compress_tail(enum pkg_compression c, const uint64_t *usize,
		  const uint64_t *aux, size_t n, struct buf *out);
/* A whole small buffer as one stream of one block (control.tar, a
 * changelog.gz). */
int compress_buf(enum pkg_compression c, int level, const void *in,
		 size_t len, struct buf *out);

/*
 * One zstd frame over input that arrives in pieces (a deb's data.tar, as
 * dpkg reads only the first frame). threads >= 1 worker threads: zstd's
 * output is the same for every worker count from 1 up (not for 0, which
 * is never used). total is the exact input size, stored in the frame.
 */
struct compress_frame;
struct compress_frame *compress_frame_new(int level, unsigned threads,
					  uint64_t total);
int compress_frame_add(struct compress_frame *f, const void *in, size_t len,
		       struct buf *out);
int compress_frame_end(struct compress_frame *f, struct buf *out);
void compress_frame_free(struct compress_frame *f);

#endif
