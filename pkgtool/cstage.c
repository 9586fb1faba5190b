/* cstage.c - the compression stage: blocks, their reuse, the thread pool
 * (large files: cstage_src.c; whole-stream walks: cstage_walk.c)
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "blockcache.h"
#include "compress.h"
#include "crypto.h"
#include "cstage.h"
#include "cstage_int.h"
#include "util.h"
#include "banned.h"

/* Set in a frame key's level: a whole-stream frame is not a block. */
#define FRAME_FLAG 0x100u

/* ---- memos ----------------------------------------------------------------
 *
 * Digests over the agent binary cost a read of it per package; an
 * unchanged rebuild would spend most of its time there. They are kept in
 * memory and in the block cache, under a key that is the sha256 of
 * everything the digest depends on, and checked like any cache entry.
 */
struct memo {
	uint8_t key[SHA256_DIGEST_LEN];
	unsigned kind;
	struct buf val;
};

const struct buf *cstage_memo_get(struct cstage *st, unsigned kind,
				  const uint8_t *key)
{
	struct block_key k;
	struct memo *m;
	size_t i;

	for (i = 0; i < st->nr_memos; i++)
		if (st->memos[i]->kind == kind &&
		    !memcmp(st->memos[i]->key, key, SHA256_DIGEST_LEN))
			return &st->memos[i]->val;
	if (!st->cache)
		return NULL;
	memset(&k, 0, sizeof(k));
	memcpy(k.sha, key, sizeof(k.sha));
	k.codec = MEMO_CODEC;
	k.level = kind;
	m = xcalloc(1, sizeof(*m));
	buf_init(&m->val);
	if (blockcache_get(st->cache, &k, 0, &m->val, &(uint64_t){ 0 },
			   NULL) != 1) {
		buf_release(&m->val);
		free(m);
		return NULL;
	}
	memcpy(m->key, key, SHA256_DIGEST_LEN);
	m->kind = kind;
	st->memos = xgrow(st->memos, st->nr_memos + 1, &st->alloc_memos,
			  sizeof(*st->memos));
	st->memos[st->nr_memos++] = m;
	return &m->val;
}

void cstage_memo_put(struct cstage *st, unsigned kind, const uint8_t *key,
		     const void *val, size_t len)
{
	struct block_key k;
	struct memo *m = xcalloc(1, sizeof(*m));

	buf_init(&m->val);
	buf_add(&m->val, val, len);
	memcpy(m->key, key, SHA256_DIGEST_LEN);
	m->kind = kind;
	st->memos = xgrow(st->memos, st->nr_memos + 1, &st->alloc_memos,
			  sizeof(*st->memos));
	st->memos[st->nr_memos++] = m;
	if (!st->cache)
		return;
	memset(&k, 0, sizeof(k));
	memcpy(k.sha, key, sizeof(k.sha));
	k.codec = MEMO_CODEC;
	k.level = kind;
	blockcache_put(st->cache, &k, 0, val, len, 0);
}

/* ---- the stage ------------------------------------------------------------ */

struct cstage *cstage_new(const char *cache_dir, unsigned threads)
{
	struct cstage *st = xcalloc(1, sizeof(*st));

	st->threads = threads ? threads : 1;
	if (cache_dir && blockcache_open(&st->cache, cache_dir) < 0) {
		free(st);
		return NULL;
	}
	return st;
}

void cstage_free(struct cstage *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nr_srcs; i++) {
		free(st->srcs[i]->path);
		free(st->srcs[i]->block_sha);
		free(st->srcs[i]);
	}
	free(st->srcs);
	for (i = 0; i < st->nr_blocks; i++) {
		buf_release(&st->blocks[i]->data);
		free(st->blocks[i]);
	}
	free(st->blocks);
	for (i = 0; i < st->nr_memos; i++) {
		buf_release(&st->memos[i]->val);
		free(st->memos[i]);
	}
	free(st->memos);
	blockcache_close(st->cache);
	free(st);
}

/* ---- blocks: found, loaded or compressed ---------------------------------- */

struct job {
	const struct cseg *seg;
	uint64_t off;
	size_t len;
	enum pkg_compression c;
	int level;
	struct cblock *blk;
	struct buf err;
	int failed;
	int secret;	/* kept out of the block cache */
};

struct pool {
	struct job **jobs;
	size_t nr, alloc, next;
	pthread_mutex_t lock;
};

static struct cblock *memo_find(struct cstage *st, const struct block_key *k)
{
	size_t i;

	for (i = 0; i < st->nr_blocks; i++) {
		const struct block_key *b = &st->blocks[i]->key;

		if (b->codec == k->codec && b->level == k->level &&
		    !memcmp(b->sha, k->sha, sizeof(b->sha)))
			return st->blocks[i];
	}
	return NULL;
}

static struct cblock *memo_add(struct cstage *st, const struct block_key *k,
			       uint64_t usize)
{
	struct cblock *b = xcalloc(1, sizeof(*b));

	b->key = *k;
	b->usize = usize;
	buf_init(&b->data);
	st->blocks = xgrow(st->blocks, st->nr_blocks + 1, &st->alloc_blocks,
			   sizeof(*st->blocks));
	st->blocks[st->nr_blocks++] = b;
	return b;
}

/* A src block read back must still hash to its key: the file may have
 * changed since cstage_src() read it. */
static int job_input(struct job *j, char *space, const char **in)
{
	const struct cstage_src *s = j->seg->src;
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_LEN];
	int fd;

	if (!s) {
		*in = j->seg->mem.data + j->off;
		return 0;
	}
	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || lseek(fd, (off_t)j->off, SEEK_SET) < 0 ||
	    fs_read_full(fd, space, j->len) < 0) {
		buf_addf(&j->err, "cannot read '%s': %s", s->path,
			 errno ? strerror(errno) : "it shrank");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	sha256_init(&c);
	sha256_update(&c, space, j->len);
	sha256_final(&c, d);
	if (memcmp(d, j->blk->key.sha, sizeof(d))) {
		buf_addf(&j->err, "'%s' changed while the packages were built",
			 s->path);
		return -1;
	}
	*in = space;
	return 0;
}

static void block_csha(struct cblock *b)
{
	struct sha256_ctx h;

	sha256_init(&h);
	sha256_update(&h, b->data.data, b->data.len);
	sha256_final(&h, b->csha);
}

static void job_run(struct job *j, char *space)
{
	const char *in;

	/* compress_block() reports its own (unlikely) failure; input
	 * problems are kept for the caller, who reports them once */
	if (job_input(j, space, &in) < 0 ||
	    compress_block(j->c, j->level, in, j->len, &j->blk->data,
			   &j->blk->aux) < 0)
		j->failed = 1;
	else
		block_csha(j->blk);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	char *space = xmalloc(CSTAGE_BLOCK_SIZE);

	for (;;) {
		struct job *j = NULL;

		pthread_mutex_lock(&p->lock);
		if (p->next < p->nr)
			j = p->jobs[p->next++];
		pthread_mutex_unlock(&p->lock);
		if (!j)
			break;
		job_run(j, space);
	}
	free(space);
	return NULL;
}

static int pool_run(struct cstage *st, struct pool *p)
{
	pthread_t tid[64];
	size_t n = st->threads < p->nr ? st->threads : p->nr, i, started = 0;
	int r = 0;

	if (n > ARRAY_SIZE(tid))
		n = ARRAY_SIZE(tid);
	pthread_mutex_init(&p->lock, NULL);
	for (i = 1; i < n; i++)
		if (pthread_create(&tid[started], NULL, worker, p) == 0)
			started++;
	worker(p); /* this thread works too */
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&p->lock);
	for (i = 0; i < p->nr; i++) {
		struct job *j = p->jobs[i];

		if (j->failed) {
			/* never reuse what did not compress */
			j->blk->key.level = ~0u;
			if (j->err.len && !r)
				error("%s", j->err.data);
			r = -1;
		}
		buf_release(&j->err);
	}
	return r;
}

static void block_key(const struct cseg *g, uint64_t off, size_t len,
		      enum pkg_compression c, int level, struct block_key *k)
{
	struct sha256_ctx h;

	memset(k, 0, sizeof(*k));
	k->codec = (unsigned)c;
	k->level = (unsigned)level;
	if (g->src) {
		memcpy(k->sha, g->src->block_sha[cstage_block_index(off)],
		       sizeof(k->sha));
		return;
	}
	sha256_init(&h);
	sha256_update(&h, g->mem.data + off, len);
	sha256_final(&h, k->sha);
}

/* Finds the block in memory or on disk, or queues it for compression. */
static struct cblock *block_get(struct cstage *st, struct pool *p,
				const struct cstream *s, const struct cseg *g,
				uint64_t off, size_t len,
				enum pkg_compression c, int level)
{
	int secret = s->secret && !g->src;
	struct block_key k;
	struct cblock *b;
	struct job *j;

	block_key(g, off, len, c, level, &k);
	b = memo_find(st, &k);
	if (b) {
		st->reuse_blocks++;
		st->reuse_bytes += len;
		return b;
	}
	b = memo_add(st, &k, len);
	if (st->cache && !secret &&
	    blockcache_get(st->cache, &k, len, &b->data, &b->aux, b->csha)) {
		st->reuse_blocks++;
		st->reuse_bytes += len;
		st->disk_blocks++;
		return b;
	}
	j = xcalloc(1, sizeof(*j));
	j->seg = g;
	j->off = off;
	j->len = len;
	j->c = c;
	j->level = level;
	j->blk = b;
	j->secret = secret;
	buf_init(&j->err);
	p->jobs = xgrow(p->jobs, p->nr + 1, &p->alloc, sizeof(*p->jobs));
	p->jobs[p->nr++] = j;
	st->comp_blocks++;
	st->comp_bytes += len;
	if (g->src)
		st->comp_src_blocks++;
	return b;
}

static int compress_blocks(struct cstage *st, const struct cstream *s,
			   enum pkg_compression c, int level, struct cout *out)
{
	struct pool p = { 0 };
	struct cblock **used = NULL;
	uint64_t *usize = NULL, *aux = NULL;
	size_t nr = 0, alloc = 0, i;
	struct buf frame = BUF_INIT;
	int r = -1;

	for (i = 0; i < s->nr; i++) {
		uint64_t off, len = cseg_len(&s->segs[i]);
		size_t n;

		for (off = 0; off < len; off += n) {
			n = cstage_block_len(off, len);

			used = xgrow(used, nr + 1, &alloc, sizeof(*used));
			used[nr++] = block_get(st, &p, s, &s->segs[i], off,
					       n, c, level);
		}
	}
	if (pool_run(st, &p) < 0)
		goto out;
	for (i = 0; st->cache && i < p.nr; i++)
		if (!p.jobs[i]->secret)
			blockcache_put(st->cache, &p.jobs[i]->blk->key,
				       p.jobs[i]->len,
				       p.jobs[i]->blk->data.data,
				       p.jobs[i]->blk->data.len,
				       p.jobs[i]->blk->aux);
	usize = xcalloc(nr + 1, sizeof(*usize));
	aux = xcalloc(nr + 1, sizeof(*aux));
	compress_head(c, &frame);
	cout_add(out, frame.data, frame.len);
	for (i = 0; i < nr; i++) {
		usize[i] = used[i]->usize;
		aux[i] = used[i]->aux;
		cout_ref(out, used[i]->data.data, used[i]->data.len,
			 used[i]->csha);
	}
	buf_reset(&frame);
	if (compress_tail(c, usize, aux, nr, &frame) < 0)
		goto out;
	cout_add(out, frame.data, frame.len);
	r = 0;
out:
	for (i = 0; i < p.nr; i++)
		free(p.jobs[i]);
	free(p.jobs);
	free(used);
	free(usize);
	free(aux);
	buf_release(&frame);
	return r;
}

/* ---- one zstd frame over a whole stream ----------------------------------- */

static void stream_key(const struct cstream *s, int level,
		       struct block_key *k)
{
	memset(k, 0, sizeof(*k));
	k->codec = COMP_ZSTD;
	k->level = (unsigned)level | FRAME_FLAG;
	cstage_stream_id(s, k->sha);
}

struct frame_ctx {
	struct compress_frame *f;
	struct buf *out;
};

static int frame_fn(void *ctx, const void *data, size_t len)
{
	struct frame_ctx *fc = ctx;

	return compress_frame_add(fc->f, data, len, fc->out);
}

static int compress_frame(struct cstage *st, const struct cstream *s,
			  int level, struct cout *out)
{
	struct block_key k;
	struct cblock *b;
	struct frame_ctx fc;

	stream_key(s, level, &k);
	b = memo_find(st, &k);
	if (!b) {
		b = memo_add(st, &k, s->len);
		if (st->cache && !s->secret &&
		    blockcache_get(st->cache, &k, s->len, &b->data, &b->aux,
				   b->csha)) {
			st->disk_blocks++;
		} else {
			fc.f = compress_frame_new(level, st->threads, s->len);
			fc.out = &b->data;
			if (!fc.f || cstage_stream_walk(s, frame_fn, &fc) < 0 ||
			    compress_frame_end(fc.f, &b->data) < 0) {
				compress_frame_free(fc.f);
				/* never reuse a half frame */
				b->key.level = ~0u;
				return -1;
			}
			compress_frame_free(fc.f);
			block_csha(b);
			st->comp_blocks++;
			st->comp_bytes += s->len;
			if (st->cache && !s->secret)
				blockcache_put(st->cache, &k, s->len,
					       b->data.data, b->data.len, 0);
			goto done;
		}
	}
	st->reuse_blocks++;
	st->reuse_bytes += s->len;
done:
	cout_ref(out, b->data.data, b->data.len, b->csha);
	return 0;
}

int cstage_compress(struct cstage *st, const struct cstream *s,
		    enum pkg_compression c, int level, enum cstage_mode mode,
		    struct cout *out)
{
	if (s->skip)
		BUG("stream ends inside a region's placeholders");
	if (compress_check_level(c, level) < 0)
		return -1;
	if (mode == CSTAGE_FRAME && c == COMP_ZSTD)
		return compress_frame(st, s, level, out);
	return compress_blocks(st, s, c, level, out);
}

void cstage_summary(const struct cstage *st, struct buf *out)
{
	buf_addf(out,
		 "compression: %ju blocks compressed (%ju bytes, %ju of "
		 "them from the agent binary), %ju reused (%ju bytes, %ju "
		 "from the block cache)",
		 (uintmax_t)st->comp_blocks, (uintmax_t)st->comp_bytes,
		 (uintmax_t)st->comp_src_blocks, (uintmax_t)st->reuse_blocks,
		 (uintmax_t)st->reuse_bytes, (uintmax_t)st->disk_blocks);
}
