/* cstage_walk.c - whole-stream walks: a stream's identity, its bytes in
 * order, and the digests over them that rpm needs
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "crypto.h"
#include "cstage.h"
#include "cstage_int.h"
#include "util.h"
#include "banned.h"

/* The identity of a whole stream, without reading its regions again. */
void cstage_stream_id(const struct cstream *s, uint8_t id[SHA256_DIGEST_LEN])
{
	struct sha256_ctx h;
	size_t i;

	sha256_init(&h);
	for (i = 0; i < s->nr; i++) {
		const struct cseg *g = &s->segs[i];
		char tag[32];

		snprintf(tag, sizeof(tag), "%c%ju:", g->src ? 'F' : 'M',
			 (uintmax_t)cseg_len(g));
		sha256_update(&h, tag, strlen(tag));
		if (g->src)
			sha256_update(&h, g->src->sha256, SHA256_HEX_SIZE - 1);
		else
			sha256_update(&h, g->mem.data, g->mem.len);
	}
	sha256_final(&h, id);
}

/* Feeds every byte of s to fn, reading regions from their files. */
int cstage_stream_walk(const struct cstream *s, stream_fn fn, void *ctx)
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
		r = cstage_src_same(src, fd);
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
			r = cstage_src_same(src, fd);
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

static void *sha256_run(void *arg)
{
	struct cstage_sha256_job *j = arg;

	sha256_init(&j->h);
	j->r = cstage_stream_walk(j->s, hash_fn, &j->h);
	if (j->r < 0)
		sha256_release(&j->h);
	else
		sha256_final(&j->h, j->d);
	return NULL;
}

int cstage_sha256_start(struct cstage *st, const struct cstream *s,
			struct cstage_sha256_job *j)
{
	const struct buf *m;

	memset(j, 0, sizeof(*j));
	j->s = s;
	cstage_stream_id(s, j->id);
	m = cstage_memo_get(st, MEMO_STREAM_SHA256, j->id);
	if (m && m->len == sizeof(j->d)) {
		memcpy(j->d, m->data, sizeof(j->d));
		j->known = 1;
		return 0;
	}
	/* no thread to spare: hash here */
	if (pthread_create(&j->th, NULL, sha256_run, j))
		sha256_run(j);
	else
		j->running = 1;
	return 0;
}

int cstage_sha256_finish(struct cstage *st, struct cstage_sha256_job *j,
			 char hex[SHA256_HEX_SIZE])
{
	if (j->running)
		pthread_join(j->th, NULL);
	j->running = 0;
	if (j->known) {
		digest_hex(j->d, sizeof(j->d), hex);
		return 0;
	}
	if (j->r < 0)
		return -1;
	cstage_memo_put(st, MEMO_STREAM_SHA256, j->id, j->d, sizeof(j->d));
	digest_hex(j->d, sizeof(j->d), hex);
	return 0;
}

int cstage_sha256(struct cstage *st, const struct cstream *s,
		  char hex[SHA256_HEX_SIZE])
{
	struct cstage_sha256_job j;

	cstage_sha256_start(st, s, &j);
	return cstage_sha256_finish(st, &j, hex);
}

/* The memo key of md over prefix and o's pieces from on. */
static void digest_key(enum crypto_md md, const void *prefix, size_t plen,
		       const struct cout *o, size_t from,
		       uint8_t key[SHA256_DIGEST_LEN])
{
	struct sha256_ctx k;
	char tag[48];
	size_t i;

	sha256_init(&k);
	snprintf(tag, sizeof(tag), "D%d:%zu:", (int)md, plen);
	sha256_update(&k, tag, strlen(tag));
	sha256_update(&k, prefix, plen);
	for (i = from; i < o->nr; i++) {
		snprintf(tag, sizeof(tag), "%c%zu:", o->v[i].id ? 'B' : 'O',
			 o->v[i].len);
		sha256_update(&k, tag, strlen(tag));
		if (o->v[i].id)
			sha256_update(&k, o->v[i].id, SHA256_DIGEST_LEN);
		else
			sha256_update(&k, o->v[i].data, o->v[i].len);
	}
	sha256_final(&k, key);
}

void cstage_digest(struct cstage *st, enum crypto_md md, const void *prefix,
		   size_t plen, const struct cout *o, uint8_t *out)
{
	struct crypto_hash *h;
	uint8_t key[SHA256_DIGEST_LEN];
	const struct buf *m;
	size_t i;

	digest_key(md, prefix, plen, o, 0, key);
	m = cstage_memo_get(st, MEMO_DIGEST, key);
	if (m && m->len == crypto_hash_size(md)) {
		memcpy(out, m->data, m->len);
		return;
	}
	h = crypto_hash_new(md);
	crypto_hash_update(h, prefix, plen);
	for (i = 0; i < o->nr; i++)
		crypto_hash_update(h, o->v[i].data, o->v[i].len);
	crypto_hash_final(h, out);
	cstage_memo_put(st, MEMO_DIGEST, key, out, crypto_hash_size(md));
}

void cstage_allow_defer(struct cstage *st)
{
	st->defer = 1;
}

int cstage_digest_defer(struct cstage *st, enum crypto_md md,
			const void *prefix, size_t plen, struct cout *o,
			size_t from, size_t piece, size_t at)
{
	struct cout_defer *d;
	uint8_t key[SHA256_DIGEST_LEN];
	const struct buf *m;
	size_t n = crypto_hash_size(md);

	if (piece >= o->nr || !o->v[piece].owned || at + n > o->v[piece].len ||
	    o->defer || n > sizeof(d->val))
		BUG("digest placed outside its piece");
	digest_key(md, prefix, plen, o, from, key);
	m = cstage_memo_get(st, MEMO_DIGEST, key);
	d = xcalloc(1, sizeof(*d));
	d->md = (int)md;
	buf_init(&d->prefix);
	buf_add(&d->prefix, prefix, plen);
	d->from = from;
	d->piece = piece;
	d->at = at;
	memcpy(d->key, key, sizeof(key));
	o->defer = d;
	if (m && m->len == n) {
		memcpy(o->v[piece].owned + at, m->data, n);
		memcpy(d->val, m->data, n);
		d->done = 1;
		return 1;
	}
	if (st->defer)
		return 0;
	cout_finish(o);
	cstage_digest_remember(st, o);
	return 1;
}

void cstage_digest_remember(struct cstage *st, struct cout *o)
{
	struct cout_defer *d = o->defer;

	if (d && d->fresh)
		cstage_memo_put(st, MEMO_DIGEST, d->key, d->val,
				crypto_hash_size((enum crypto_md)d->md));
	if (d)
		d->fresh = 0;
}
