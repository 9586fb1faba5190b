/* cstream.c - the uncompressed stream and the compressed result
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "crypto.h"
#include "cstage.h"
#include "util.h"
#include "banned.h"

#define READ_CHUNK ((size_t)1 << 20)

/* ---- the uncompressed stream --------------------------------------------- */

void cstream_init(struct cstream *s)
{
	memset(s, 0, sizeof(*s));
}

void cstream_release(struct cstream *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		buf_release(&s->segs[i].mem);
	free(s->segs);
	cstream_init(s);
}

int cstream_pkg_secret(const struct pkg *p)
{
	size_t i;

	for (i = 0; i < p->nr_files; i++)
		if (p->files[i].type == PKG_REG && !p->files[i].src &&
		    !(p->files[i].mode & 0004))
			return 1;
	return 0;
}

static struct cseg *new_seg(struct cstream *s)
{
	struct cseg *g;

	s->segs = xgrow(s->segs, s->nr + 1, &s->alloc, sizeof(*s->segs));
	g = &s->segs[s->nr++];
	buf_init(&g->mem);
	g->src = NULL;
	return g;
}

void cstream_add(struct cstream *s, const void *data, size_t len)
{
	const char *p = data;
	struct cseg *g;

	if (s->skip) {
		size_t n = len < s->skip ? len : (size_t)s->skip;

		s->skip -= n;
		p += n;
		len -= n;
	}
	if (!len)
		return;
	g = s->nr && !s->segs[s->nr - 1].src ? &s->segs[s->nr - 1]
					     : new_seg(s);
	buf_add(&g->mem, p, len);
	s->len += len;
}

void cstream_add_src(struct cstream *s, const struct cstage_src *src,
		     int placeholders)
{
	if (s->skip)
		BUG("a region inside another region's placeholders");
	new_seg(s)->src = src;
	s->len += src->size;
	if (placeholders)
		s->skip = src->size;
}

/* ---- the compressed result ----------------------------------------------- */

void cout_init(struct cout *o)
{
	memset(o, 0, sizeof(*o));
}

void cout_release(struct cout *o)
{
	size_t i;

	for (i = 0; i < o->nr; i++)
		free(o->v[i].owned);
	free(o->v);
	if (o->defer)
		buf_release(&o->defer->prefix);
	free(o->defer);
	cout_init(o);
}

/* id: what names the bytes (a block key), or NULL to hash them. */
void cout_ref(struct cout *o, const void *data, size_t len,
		     const uint8_t *id)
{
	struct cpiece *p;

	if (!len)
		return;
	o->v = xgrow(o->v, o->nr + 1, &o->alloc, sizeof(*o->v));
	p = &o->v[o->nr++];
	p->data = data;
	p->len = len;
	p->owned = NULL;
	p->id = id;
	o->size += len;
}

void cout_add(struct cout *o, const void *data, size_t len)
{
	char *copy;

	if (!len)
		return;
	copy = xmalloc(len);
	memcpy(copy, data, len);
	cout_ref(o, copy, len, NULL);
	o->v[o->nr - 1].owned = copy;
}

void cout_append(struct cout *o, const struct cout *from)
{
	size_t i;

	/* the stage's blocks outlive both; from's own pieces may not */
	for (i = 0; i < from->nr; i++)
		if (from->v[i].owned)
			cout_add(o, from->v[i].data, from->v[i].len);
		else
			cout_ref(o, from->v[i].data, from->v[i].len,
				 from->v[i].id);
}

void cout_finish(struct cout *o)
{
	struct cout_defer *d = o->defer;
	struct crypto_hash *h;
	size_t i;

	if (!d || d->done)
		return;
	h = crypto_hash_new((enum crypto_md)d->md);
	crypto_hash_update(h, d->prefix.data, d->prefix.len);
	for (i = d->from; i < o->nr; i++)
		crypto_hash_update(h, o->v[i].data, o->v[i].len);
	crypto_hash_final(h, d->val);
	memcpy(o->v[d->piece].owned + d->at, d->val,
	       crypto_hash_size((enum crypto_md)d->md));
	d->done = 1;
	d->fresh = 1;
}

int cout_write(const struct cout *o, int fd, const char *path)
{
	size_t i;

	for (i = 0; i < o->nr; i++) {
		const char *p = o->v[i].data;
		size_t left = o->v[i].len;

		while (left) {
			ssize_t n = write(fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return error("cannot write '%s': %s", path,
					     n ? strerror(errno)
					       : "short write");
			p += n;
			left -= (size_t)n;
		}
	}
	return 0;
}

int cout_same(const struct cout *o, const char *path)
{
	char *chunk;
	struct stat st;
	size_t i, off;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != o->size) {
		close(fd);
		return 0;
	}
	chunk = xmalloc(READ_CHUNK);
	for (i = 0; i < o->nr; i++)
		for (off = 0; off < o->v[i].len; off += READ_CHUNK) {
			size_t n = o->v[i].len - off;

			if (n > READ_CHUNK)
				n = READ_CHUNK;
			if (fs_read_full(fd, chunk, n) < 0 ||
			    memcmp(chunk, o->v[i].data + off, n))
				goto out;
		}
	same = 1;
out:
	free(chunk);
	close(fd);
	return same;
}

