/* cstage_int.h - the compression stage's parts, shared by its files
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_CSTAGE_INT_H
#define PKGTOOL_CSTAGE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "blockcache.h"
#include "buf.h"
#include "cstage.h"

#define READ_CHUNK ((size_t)1 << 20)
/* Memos (digests of large inputs, see memo_get()) share the block cache
 * under a codec number no codec has; level says which memo. */
#define MEMO_CODEC 0xffu
enum { MEMO_SRC = 1, MEMO_STREAM_SHA256, MEMO_DIGEST };

struct cblock {
	struct block_key key;
	uint64_t usize, aux;
	struct buf data;
	/* sha256 of data: what names these bytes to cstage_digest()'s
	 * memos. Not the key: the same input compresses to other bytes
	 * under another liblzma or pkgtool, and a digest remembered from
	 * those bytes would be wrong for these. */
	uint8_t csha[SHA256_DIGEST_LEN];
};

struct cstage {
	unsigned threads;
	int defer;			/* cstage_allow_defer() */
	struct blockcache *cache;	/* NULL: memory only */
	struct cstage_src **srcs;
	size_t nr_srcs, alloc_srcs;
	struct cblock **blocks;		/* every block compressed or loaded */
	size_t nr_blocks, alloc_blocks;
	struct memo **memos;
	size_t nr_memos, alloc_memos;
	/* counts in blocks and uncompressed bytes, for the summary */
	uint64_t comp_blocks, comp_bytes, comp_src_blocks;
	uint64_t reuse_blocks, reuse_bytes, disk_blocks;
};

static inline uint64_t cseg_len(const struct cseg *g)
{
	return g->src ? g->src->size : g->mem.len;
}

/* The block of data of length total that starts at off (a block start). */
static inline size_t cstage_block_len(uint64_t off, uint64_t total)
{
	uint64_t n = off ? CSTAGE_BLOCK_SIZE : CSTAGE_FIRST_BLOCK;

	return (size_t)(total - off < n ? total - off : n);
}

/* The index of the block that holds offset off. */
static inline size_t cstage_block_index(uint64_t off)
{
	return off < CSTAGE_FIRST_BLOCK
		       ? 0
		       : 1 + (size_t)((off - CSTAGE_FIRST_BLOCK) /
				      CSTAGE_BLOCK_SIZE);
}

/* How many blocks data of length size has (at least one). */
static inline size_t cstage_nr_blocks(uint64_t size)
{
	return size ? cstage_block_index(size - 1) + 1 : 1;
}

/* ---- cstage.c: memos (digests kept in memory and the block cache) ---- */
const struct buf *cstage_memo_get(struct cstage *st, unsigned kind,
				  const uint8_t *key);
void cstage_memo_put(struct cstage *st, unsigned kind, const uint8_t *key,
		     const void *val, size_t len);

/* ---- cstage_src.c ---- */

int64_t cstage_ns(const struct timespec *t);
/* 0 when the open fd is still the file cstage_src() read; -1 reported. */
int cstage_src_same(const struct cstage_src *s, int fd);

/* ---- cstage_walk.c ---- */

/* The identity of a whole stream, without reading its regions again. */
void cstage_stream_id(const struct cstream *s, uint8_t id[SHA256_DIGEST_LEN]);
typedef int (*stream_fn)(void *ctx, const void *data, size_t len);
/* Feeds every byte of s to fn, reading regions from their files. */
int cstage_stream_walk(const struct cstream *s, stream_fn fn, void *ctx);

#endif
