/* blockcache.c - compressed blocks on disk, checked on every use
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "blockcache.h"
#include "fetch.h"
#include "util.h"
#include "banned.h"

#define MAGIC	 "pkgtool-block 1\n"
#define MAGIC_LEN 16
/* magic, codec, level, usize, csize, aux, key, sha256 of the data */
#define HDR_LEN (MAGIC_LEN + 4 + 4 + 8 + 8 + 8 + 32 + 32)

#define TMP_PREFIX ".tmp-"
/* In every entry's name. The name covers the input only, so this goes up
 * whenever our codecs make other bytes from the same input, or large
 * files are cut differently (3: small xz blocks got a smaller dictionary,
 * blocks of 2 then 15 MiB): a warm build must make the bytes a cold one
 * does. Older entries are then never found, and pruned. */
#define ENTRY_GEN "g3"

struct blockcache {
	struct buf dir;
	int warned;	/* one warning for failed writes is enough */
};

/*
 * Takes one stale entry out of use. Another build may be reading it (it
 * keeps its open descriptor), storing it again (a rename over the name)
 * or touching it on reuse at this very moment, so the entry is first
 * renamed to a temporary name of our own and looked at again there: only
 * what is still stale under that name is unlinked; a freshly stored or
 * touched entry goes back under its name (its bytes are the same for
 * everyone: the name is their digest).
 */
static void prune_entry(struct blockcache *bc, const char *name,
			time_t cutoff)
{
	struct buf from = BUF_INIT, tmp = BUF_INIT;
	struct stat st;
	int fd;

	buf_addf(&from, "%s/%s", bc->dir.data, name);
	buf_addf(&tmp, "%s/" TMP_PREFIX "prune-XXXXXX", bc->dir.data);
	fd = mkostemp(tmp.data, O_CLOEXEC);
	if (fd < 0)
		goto out;
	close(fd);
	if (rename(from.data, tmp.data) < 0) {
		unlink(tmp.data);
		goto out;
	}
	if (lstat(tmp.data, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_mtime >= cutoff) {
		if (rename(tmp.data, from.data) == 0)
			goto out;
	}
	unlink(tmp.data);
out:
	buf_release(&from);
	buf_release(&tmp);
}

/* Removes entries not used for BLOCKCACHE_DAYS, and temporary files that
 * old (left by a build that was killed): a bounded cache, and rotated
 * secrets of older versions gone in time. */
static void prune(struct blockcache *bc)
{
	time_t cutoff = time(NULL) - (time_t)BLOCKCACHE_DAYS * 86400;
	DIR *d = opendir(bc->dir.data);
	struct dirent *e;
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && !starts_with(e->d_name, TMP_PREFIX))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime >= cutoff)
			continue;
		if (starts_with(e->d_name, TMP_PREFIX))
			unlinkat(dirfd(d), e->d_name, 0);
		else
			prune_entry(bc, e->d_name, cutoff);
	}
	closedir(d);
}

int blockcache_open(struct blockcache **bc, const char *root)
{
	struct blockcache *c = xcalloc(1, sizeof(*c));

	buf_init(&c->dir);
	buf_addf(&c->dir, "%s/blocks", root);
	if (fetch_cache_prepare(root, c->dir.data) < 0) {
		blockcache_close(c);
		return -1;
	}
	prune(c);
	*bc = c;
	return 0;
}

void blockcache_close(struct blockcache *bc)
{
	if (!bc)
		return;
	buf_release(&bc->dir);
	free(bc);
}

static void entry_path(const struct blockcache *bc, const struct block_key *k,
		       struct buf *out)
{
	char hex[SHA256_HEX_SIZE];

	digest_hex(k->sha, sizeof(k->sha), hex);
	buf_reset(out);
	buf_addf(out, "%s/" ENTRY_GEN ".%u.%u-%s", bc->dir.data, k->codec,
		 k->level, hex);
}

static void put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void make_header(unsigned char *h, const struct block_key *k,
			uint64_t usize, const void *data, size_t len,
			uint64_t aux)
{
	struct sha256_ctx c;

	memcpy(h, MAGIC, MAGIC_LEN);
	put64(h + 16, (uint64_t)k->codec | (uint64_t)k->level << 32);
	put64(h + 24, usize);
	put64(h + 32, len);
	put64(h + 40, aux);
	memcpy(h + 48, k->sha, 32);
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, h + 80);
}

/* Reads the whole entry from a no-follow descriptor of our own. */
static int read_entry(const char *path, struct buf *raw, const char **why)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int r = -1;

	if (fd < 0) {
		*why = errno == ENOENT ? NULL : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		*why = "not a file of ours";
		goto out;
	}
	buf_grow(raw, (size_t)st.st_size);
	while (raw->len < (size_t)st.st_size) {
		ssize_t n = read(fd, raw->data + raw->len,
				 (size_t)st.st_size - raw->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n ? strerror(errno) : "shorter than it was";
			goto out;
		}
		raw->len += (size_t)n;
	}
	raw->data[raw->len] = '\0';
	r = 0;
out:
	close(fd);
	return r;
}

int blockcache_get(struct blockcache *bc, const struct block_key *k,
		   uint64_t usize, struct buf *out, uint64_t *aux,
		   uint8_t *csha)
{
	struct buf path = BUF_INIT, raw = BUF_INIT;
	unsigned char want[HDR_LEN];
	const char *why = NULL;
	uint64_t csize;
	int r = 0;

	entry_path(bc, k, &path);
	if (read_entry(path.data, &raw, &why) < 0)
		goto out;
	why = "truncated";
	if (raw.len < HDR_LEN)
		goto out;
	csize = get64((const unsigned char *)raw.data + 32);
	if (csize != raw.len - HDR_LEN)
		goto out;
	why = "its header or contents do not match its digest";
	make_header(want, k, usize, raw.data + HDR_LEN, (size_t)csize,
		    get64((const unsigned char *)raw.data + 40));
	if (memcmp(want, raw.data, HDR_LEN))
		goto out;
	*aux = get64((const unsigned char *)raw.data + 40);
	if (csha)
		memcpy(csha, want + 80, SHA256_DIGEST_LEN);
	buf_add(out, raw.data + HDR_LEN, (size_t)csize);
	/* used now: pruning goes by the last use, not the first store */
	utimensat(AT_FDCWD, path.data, NULL, AT_SYMLINK_NOFOLLOW);
	why = NULL;
	r = 1;
out:
	if (why)
		warning("block cache entry '%s' is damaged (%s); compressing "
			"that block again",
			path.data, why);
	buf_release(&path);
	buf_release(&raw);
	return r;
}

void blockcache_put(struct blockcache *bc, const struct block_key *k,
		    uint64_t usize, const void *data, size_t len, uint64_t aux)
{
	struct buf path = BUF_INIT, tmp = BUF_INIT;
	unsigned char h[HDR_LEN];
	int fd;

	entry_path(bc, k, &path);
	buf_addf(&tmp, "%s/" TMP_PREFIX "XXXXXX", bc->dir.data);
	make_header(h, k, usize, data, len, aux);
	fd = mkostemp(tmp.data, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fs_write_full(fd, h, HDR_LEN) < 0 || fs_write_full(fd, data, len) < 0) {
		close(fd);
		unlink(tmp.data);
		goto fail;
	}
	if (close(fd) < 0) {
		unlink(tmp.data);
		goto fail;
	}
	if (rename(tmp.data, path.data) < 0) {
		unlink(tmp.data);
		goto fail;
	}
	goto out;
fail:
	if (!bc->warned)
		warning("cannot store a block in '%s': %s (the build goes on "
			"without it)",
			bc->dir.data, strerror(errno));
	bc->warned = 1;
out:
	buf_release(&path);
	buf_release(&tmp);
}
