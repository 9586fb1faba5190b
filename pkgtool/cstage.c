/* cstage.c - the compression stage: blocks, their reuse, the thread pool
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
#include "util.h"
#include "banned.h"

#define READ_CHUNK ((size_t)1 << 20)
/* Set in a frame key's level: a whole-stream frame is not a block. */
#define FRAME_FLAG 0x100u
/* Memos (digests of large inputs, see memo_get()) share the block cache
 * under a codec number no codec has; level says which memo. */
#define MEMO_CODEC 0xffu
enum { MEMO_SRC = 1, MEMO_STREAM_SHA256, MEMO_DIGEST };

struct cblock {
	struct block_key key;
	uint64_t usize, aux;
	struct buf data;
};

struct cstage {
	unsigned threads;
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

static const struct buf *memo_get(struct cstage *st, unsigned kind,
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
	if (blockcache_get(st->cache, &k, 0, &m->val, &(uint64_t){ 0 }) != 1) {
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

static void memo_put(struct cstage *st, unsigned kind, const uint8_t *key,
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

/* ---- the stage and its large files --------------------------------------- */

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

/* One pass over the file: sha256 and md5 of the whole, sha256 of every
 * block. */
static int hash_src(struct cstage_src *s, int fd)
{
	struct sha256_ctx all, blk;
	struct md5_ctx md5;
	uint8_t d[MD5_DIGEST_LEN], sd[SHA256_DIGEST_LEN];
	char *chunk = xmalloc(READ_CHUNK);
	uint64_t off = 0;
	int r = -1;

	sha256_init(&all);
	md5_init(&md5);
	sha256_init(&blk);
	while (off < s->size) {
		size_t n = s->size - off < READ_CHUNK ? (size_t)(s->size - off)
						      : READ_CHUNK;

		if (fs_read_full(fd, chunk, n) < 0) {
			error("cannot read '%s': %s", s->path,
			      errno ? strerror(errno) : "it shrank");
			goto out;
		}
		sha256_update(&all, chunk, n);
		md5_update(&md5, chunk, n);
		sha256_update(&blk, chunk, n);
		off += n;
		/* READ_CHUNK divides CSTAGE_BLOCK_SIZE */
		if (off % CSTAGE_BLOCK_SIZE == 0 || off == s->size) {
			sha256_final(&blk, s->block_sha[s->nr_blocks++]);
			sha256_init(&blk);
		}
	}
	sha256_final(&all, sd);
	digest_hex(sd, sizeof(sd), s->sha256);
	md5_final(&md5, d);
	digest_hex(d, sizeof(d), s->md5);
	r = 0;
out:
	sha256_release(&all);
	sha256_release(&blk);
	md5_release(&md5);
	free(chunk);
	return r;
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void src_stat(struct cstage_src *s, const struct stat *sb)
{
	s->dev = (uint64_t)sb->st_dev;
	s->ino = (uint64_t)sb->st_ino;
	s->mtime_ns = ns(&sb->st_mtim);
	s->ctime_ns = ns(&sb->st_ctim);
}

/*
 * What identifies the file's contents without reading it: as make and
 * git's index do, its inode, size and change times (ctime moves on every
 * write, in nanoseconds). A file rewritten in place within the same
 * nanosecond with the same size would fool it; every block compressed
 * from it is still checked against these digests as it is read.
 */
static void src_identity(const char *path, const struct stat *sb,
			 uint8_t key[SHA256_DIGEST_LEN])
{
	struct sha256_ctx h;
	char id[160];

	snprintf(id, sizeof(id), "%ju:%ju:%jd:%jd.%09ld:%jd.%09ld:",
		 (uintmax_t)sb->st_dev, (uintmax_t)sb->st_ino,
		 (intmax_t)sb->st_size, (intmax_t)sb->st_mtim.tv_sec,
		 sb->st_mtim.tv_nsec, (intmax_t)sb->st_ctim.tv_sec,
		 sb->st_ctim.tv_nsec);
	sha256_init(&h);
	sha256_update(&h, id, strlen(id));
	sha256_update(&h, path, strlen(path) + 1);
	sha256_final(&h, key);
}

/* The digests from an earlier build, when the file is the same. */
static int src_recall(struct cstage *st, struct cstage_src *s,
		      const uint8_t *key)
{
	const struct buf *v = memo_get(st, MEMO_SRC, key);
	size_t n = s->size / CSTAGE_BLOCK_SIZE +
		   (s->size % CSTAGE_BLOCK_SIZE != 0);

	if (!v || v->len != 64 + 32 + 1 + n * SHA256_DIGEST_LEN)
		return 0;
	memcpy(s->sha256, v->data, 64);
	s->sha256[64] = '\0';
	memcpy(s->md5, v->data + 64, 32);
	s->md5[32] = '\0';
	memcpy(s->block_sha, v->data + 97, n * SHA256_DIGEST_LEN);
	s->nr_blocks = n;
	return 1;
}

static void src_remember(struct cstage *st, const struct cstage_src *s,
			 const uint8_t *key)
{
	struct buf v = BUF_INIT;

	buf_add(&v, s->sha256, 64);
	buf_add(&v, s->md5, 32);
	buf_addch(&v, '\n');
	buf_add(&v, s->block_sha, s->nr_blocks * SHA256_DIGEST_LEN);
	memo_put(st, MEMO_SRC, key, v.data, v.len);
	buf_release(&v);
}

int cstage_src(struct cstage *st, const char *path,
	       const struct cstage_src **out)
{
	uint8_t key[SHA256_DIGEST_LEN];
	struct cstage_src *s;
	struct stat sb;
	size_t i;
	int fd;

	for (i = 0; i < st->nr_srcs; i++)
		if (!strcmp(st->srcs[i]->path, path)) {
			*out = st->srcs[i];
			return 0;
		}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error("cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return error("'%s' is not a regular file", path);
	}
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->size = (uint64_t)sb.st_size;
	src_stat(s, &sb);
	s->block_sha = xcalloc(s->size / CSTAGE_BLOCK_SIZE + 1,
			       sizeof(*s->block_sha));
	src_identity(path, &sb, key);
	if (src_recall(st, s, key)) {
		/* known */
	} else if (hash_src(s, fd) == 0) {
		src_remember(st, s, key);
	} else {
		close(fd);
		free(s->path);
		free(s->block_sha);
		free(s);
		return -1;
	}
	close(fd);
	st->srcs = xgrow(st->srcs, st->nr_srcs + 1, &st->alloc_srcs,
			 sizeof(*st->srcs));
	st->srcs[st->nr_srcs++] = s;
	*out = s;
	return 0;
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

static void job_run(struct job *j, char *space)
{
	const char *in;

	/* compress_block() reports its own (unlikely) failure; input
	 * problems are kept for the caller, who reports them once */
	if (job_input(j, space, &in) < 0 ||
	    compress_block(j->c, j->level, in, j->len, &j->blk->data,
			   &j->blk->aux) < 0)
		j->failed = 1;
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
		memcpy(k->sha, g->src->block_sha[off / CSTAGE_BLOCK_SIZE],
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
	    blockcache_get(st->cache, &k, len, &b->data, &b->aux)) {
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

static uint64_t seg_len(const struct cseg *g)
{
	return g->src ? g->src->size : g->mem.len;
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
		uint64_t off, len = seg_len(&s->segs[i]);

		for (off = 0; off < len; off += CSTAGE_BLOCK_SIZE) {
			size_t n = len - off < CSTAGE_BLOCK_SIZE
					   ? (size_t)(len - off)
					   : CSTAGE_BLOCK_SIZE;

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
			 used[i]->key.sha);
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

/* ---- whole-stream walks: one zstd frame, the uncompressed digest ---------- */

/* The identity of a whole stream, without reading its regions again. */
static void stream_id(const struct cstream *s, uint8_t id[SHA256_DIGEST_LEN])
{
	struct sha256_ctx h;
	size_t i;

	sha256_init(&h);
	for (i = 0; i < s->nr; i++) {
		const struct cseg *g = &s->segs[i];
		char tag[32];

		snprintf(tag, sizeof(tag), "%c%ju:", g->src ? 'F' : 'M',
			 (uintmax_t)seg_len(g));
		sha256_update(&h, tag, strlen(tag));
		if (g->src)
			sha256_update(&h, g->src->sha256, SHA256_HEX_SIZE - 1);
		else
			sha256_update(&h, g->mem.data, g->mem.len);
	}
	sha256_final(&h, id);
}

static void stream_key(const struct cstream *s, int level,
		       struct block_key *k)
{
	memset(k, 0, sizeof(*k));
	k->codec = COMP_ZSTD;
	k->level = (unsigned)level | FRAME_FLAG;
	stream_id(s, k->sha);
}

typedef int (*stream_fn)(void *ctx, const void *data, size_t len);

/* The open file is still the one cstage_src() read (any write moves its
 * ctime): its digests hold without hashing it again. */
static int src_same(const struct cstage_src *s, int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return error("cannot stat '%s': %s", s->path, strerror(errno));
	if ((uint64_t)sb.st_dev != s->dev || (uint64_t)sb.st_ino != s->ino ||
	    (uint64_t)sb.st_size != s->size || ns(&sb.st_mtim) != s->mtime_ns ||
	    ns(&sb.st_ctim) != s->ctime_ns)
		return error("'%s' changed while the packages were built",
			     s->path);
	return 0;
}

/* Feeds every byte of s to fn, reading regions from their files. */
static int stream_walk(const struct cstream *s, stream_fn fn, void *ctx)
{
	char *chunk = NULL;
	size_t i;
	int r = 0;

	for (i = 0; !r && i < s->nr; i++) {
		const struct cstage_src *src = s->segs[i].src;
		uint64_t off;
		int fd;

		if (!src) {
			r = fn(ctx, s->segs[i].mem.data, s->segs[i].mem.len);
			continue;
		}
		if (!chunk)
			chunk = xmalloc(READ_CHUNK);
		fd = open(src->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = error("cannot open '%s': %s", src->path,
				  strerror(errno));
			break;
		}
		r = src_same(src, fd);
		for (off = 0; !r && off < src->size; off += READ_CHUNK) {
			size_t n = src->size - off < READ_CHUNK
					   ? (size_t)(src->size - off)
					   : READ_CHUNK;

			if (fs_read_full(fd, chunk, n) < 0)
				r = error("cannot read '%s': it shrank",
					  src->path);
			else
				r = fn(ctx, chunk, n);
		}
		/* and nothing wrote to it while we read */
		if (!r)
			r = src_same(src, fd);
		close(fd);
	}
	free(chunk);
	return r;
}

static int hash_fn(void *ctx, const void *data, size_t len)
{
	sha256_update(ctx, data, len);
	return 0;
}

int cstage_sha256(struct cstage *st, const struct cstream *s,
		  char hex[SHA256_HEX_SIZE])
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_LEN], id[SHA256_DIGEST_LEN];
	const struct buf *m;

	stream_id(s, id);
	m = memo_get(st, MEMO_STREAM_SHA256, id);
	if (m && m->len == sizeof(d)) {
		digest_hex((const uint8_t *)m->data, sizeof(d), hex);
		return 0;
	}
	sha256_init(&h);
	if (stream_walk(s, hash_fn, &h) < 0) {
		sha256_release(&h);
		return -1;
	}
	sha256_final(&h, d);
	memo_put(st, MEMO_STREAM_SHA256, id, d, sizeof(d));
	digest_hex(d, sizeof(d), hex);
	return 0;
}

void cstage_digest(struct cstage *st, enum crypto_md md, const void *prefix,
		   size_t plen, const struct cout *o, uint8_t *out)
{
	struct crypto_hash *h;
	struct sha256_ctx k;
	uint8_t key[SHA256_DIGEST_LEN];
	const struct buf *m;
	char tag[48];
	size_t i;

	sha256_init(&k);
	snprintf(tag, sizeof(tag), "D%d:%zu:", (int)md, plen);
	sha256_update(&k, tag, strlen(tag));
	sha256_update(&k, prefix, plen);
	for (i = 0; i < o->nr; i++) {
		snprintf(tag, sizeof(tag), "%c%zu:", o->v[i].id ? 'B' : 'O',
			 o->v[i].len);
		sha256_update(&k, tag, strlen(tag));
		if (o->v[i].id)
			sha256_update(&k, o->v[i].id, SHA256_DIGEST_LEN);
		else
			sha256_update(&k, o->v[i].data, o->v[i].len);
	}
	sha256_final(&k, key);
	m = memo_get(st, MEMO_DIGEST, key);
	if (m && m->len == crypto_hash_size(md)) {
		memcpy(out, m->data, m->len);
		return;
	}
	h = crypto_hash_new(md);
	crypto_hash_update(h, prefix, plen);
	for (i = 0; i < o->nr; i++)
		crypto_hash_update(h, o->v[i].data, o->v[i].len);
	crypto_hash_final(h, out);
	memo_put(st, MEMO_DIGEST, key, out, crypto_hash_size(md));
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
		    blockcache_get(st->cache, &k, s->len, &b->data, &b->aux)) {
			st->disk_blocks++;
		} else {
			fc.f = compress_frame_new(level, st->threads, s->len);
			fc.out = &b->data;
			if (!fc.f || stream_walk(s, frame_fn, &fc) < 0 ||
			    compress_frame_end(fc.f, &b->data) < 0) {
				compress_frame_free(fc.f);
				/* never reuse a half frame */
				b->key.level = ~0u;
				return -1;
			}
			compress_frame_free(fc.f);
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
	cout_ref(out, b->data.data, b->data.len, b->key.sha);
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
