/* cstage_src.c - the compression stage's large files: read and hashed
 * once per build, remembered across builds by their identity
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "cstage.h"
#include "cstage_int.h"
#include "util.h"
#include "banned.h"

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
		/* READ_CHUNK divides both block sizes */
		if (off == s->size ||
		    cstage_block_index(off) != cstage_block_index(off - 1)) {
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

int64_t cstage_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void src_stat(struct cstage_src *s, const struct stat *sb)
{
	s->dev = (uint64_t)sb->st_dev;
	s->ino = (uint64_t)sb->st_ino;
	s->mtime_ns = cstage_ns(&sb->st_mtim);
	s->ctime_ns = cstage_ns(&sb->st_ctim);
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
	const struct buf *v = cstage_memo_get(st, MEMO_SRC, key);
	size_t n = s->size ? cstage_nr_blocks(s->size) : 0;

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
	cstage_memo_put(st, MEMO_SRC, key, v.data, v.len);
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
	s->block_sha = xcalloc(cstage_nr_blocks(s->size),
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

/* The open file is still the one cstage_src() read (any write moves its
 * ctime): its digests hold without hashing it again. */
int cstage_src_same(const struct cstage_src *s, int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return error("cannot stat '%s': %s", s->path, strerror(errno));
	if ((uint64_t)sb.st_dev != s->dev || (uint64_t)sb.st_ino != s->ino ||
	    (uint64_t)sb.st_size != s->size || cstage_ns(&sb.st_mtim) != s->mtime_ns ||
	    cstage_ns(&sb.st_ctim) != s->ctime_ns)
		return error("'%s' changed while the packages were built",
			     s->path);
	return 0;
}
