/* pkg.c - package model helpers
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "pkg.h"
#include "util.h"
#include "banned.h"

void pkg_init(struct pkg *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->comp_level = -1;
	for (i = 0; i < SCRIPT_MAX; i++)
		buf_init(&p->scripts[i]);
}

void pkg_release(struct pkg *p)
{
	size_t i;

	free(p->name);
	free(p->version);
	free(p->release);
	free(p->arch);
	free(p->maintainer);
	free(p->summary);
	free(p->description);
	free(p->homepage);
	free(p->license);
	free(p->category);
	free(p->changelog_text);
	free(p->changelog_name);
	for (i = 0; i < p->nr_requires; i++) {
		free(p->requires[i].name);
		free(p->requires[i].version);
	}
	free(p->requires);
	for (i = 0; i < p->nr_files; i++) {
		free(p->files[i].path);
		buf_release(&p->files[i].content);
		free(p->files[i].src);
		free(p->files[i].target);
	}
	free(p->files);
	for (i = 0; i < SCRIPT_MAX; i++)
		buf_release(&p->scripts[i]);
	pkg_init(p);
}

static struct pkg_file *add(struct pkg *p, const char *path,
			    enum pkg_ftype type, unsigned mode)
{
	struct pkg_file *f;

	if (path[0] != '/')
		BUG("payload path '%s' is not absolute", path);
	p->files = xgrow(p->files, p->nr_files + 1, &p->alloc_files,
			 sizeof(*p->files));
	f = &p->files[p->nr_files++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->type = type;
	f->mode = mode;
	buf_init(&f->content);
	return f;
}

struct pkg_file *pkg_add_file(struct pkg *p, const char *path, unsigned mode,
			      const void *data, size_t len)
{
	struct pkg_file *f = add(p, path, PKG_REG, mode);

	buf_add(&f->content, data, len);
	f->size = len;
	return f;
}

struct pkg_file *pkg_add_src(struct pkg *p, const char *path, unsigned mode,
			     const char *src)
{
	struct pkg_file *f = add(p, path, PKG_REG, mode);

	f->src = xstrdup(src);
	return f;
}

struct pkg_file *pkg_add_dir(struct pkg *p, const char *path, unsigned mode)
{
	struct pkg_file *f = add(p, path, PKG_DIR, mode);

	f->flags |= PKG_OWNED;
	return f;
}

struct pkg_file *pkg_add_symlink(struct pkg *p, const char *path,
				 const char *target)
{
	struct pkg_file *f = add(p, path, PKG_SYMLINK, 0777);

	f->target = xstrdup(target);
	f->size = strlen(target);
	return f;
}

void pkg_add_require(struct pkg *p, const char *name, const char *version,
		     unsigned flags)
{
	struct pkg_dep *d;

	p->requires = xgrow(p->requires, p->nr_requires + 1,
			    &p->alloc_requires, sizeof(*p->requires));
	d = &p->requires[p->nr_requires++];
	d->name = xstrdup(name);
	d->version = version ? xstrdup(version) : NULL;
	d->flags = flags;
}

static int has_path(const struct pkg *p, const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < p->nr_files; i++)
		if (strlen(p->files[i].path) == len &&
		    !memcmp(p->files[i].path, path, len))
			return 1;
	return 0;
}

void pkg_add_parents(struct pkg *p)
{
	size_t i, n = p->nr_files;

	for (i = 0; i < n; i++) {
		/* p->files may move while we add; index, don't hold pointers */
		char *path = xstrdup(p->files[i].path);
		char *slash = path;

		while ((slash = strchr(slash + 1, '/'))) {
			size_t len = (size_t)(slash - path);

			if (!has_path(p, path, len)) {
				char *dir = xstrndup(path, len);

				add(p, dir, PKG_DIR, 0755);
				free(dir);
			}
		}
		free(path);
	}
	pkg_sort(p);
}

static int cmp_file(const void *a, const void *b)
{
	const struct pkg_file *x = a, *y = b;

	return strcmp(x->path, y->path);
}

void pkg_sort(struct pkg *p)
{
	if (p->nr_files)
		qsort(p->files, p->nr_files, sizeof(*p->files), cmp_file);
}

int pkg_stat_files(struct pkg *p)
{
	size_t i;

	for (i = 0; i < p->nr_files; i++) {
		struct pkg_file *f = &p->files[i];
		struct stat st;

		if (f->type != PKG_REG)
			continue;
		if (!f->src) {
			f->size = f->content.len;
			continue;
		}
		if (stat(f->src, &st) < 0)
			return error("cannot read '%s': %s", f->src,
				     strerror(errno));
		if (!S_ISREG(st.st_mode))
			return error("'%s' is not a regular file", f->src);
		f->size = (uint64_t)st.st_size;
	}
	return 0;
}

const char *pkg_compression_name(enum pkg_compression c)
{
	switch (c) {
	case COMP_XZ:
		return "xz";
	case COMP_ZSTD:
		return "zstd";
	case COMP_GZIP:
		return "gzip";
	}
	BUG("bad compression %d", (int)c);
}

/* Each field with its length first, so that no two packages hash alike by
 * moving bytes between neighbouring fields. */
static void dig_add(struct sha256_ctx *c, const void *data, size_t n)
{
	uint64_t len = n;

	sha256_update(c, &len, sizeof(len));
	sha256_update(c, data, n);
}

static void dig_str(struct sha256_ctx *c, const char *s)
{
	dig_add(c, s ? s : "", s ? strlen(s) : 0);
}

void pkg_content_digest(const struct pkg *p, const char *src_sha,
			char out[65])
{
	const char *meta[] = { p->name,	       p->version, p->arch,
			       p->maintainer,  p->summary, p->description,
			       p->homepage,    p->license, p->category };
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_LEN];
	unsigned v[3];
	size_t i;

	sha256_init(&c);
	for (i = 0; i < ARRAY_SIZE(meta); i++)
		dig_str(&c, meta[i]);
	for (i = 0; i < p->nr_requires; i++) {
		dig_str(&c, p->requires[i].name);
		dig_str(&c, p->requires[i].version);
		dig_add(&c, &p->requires[i].flags, sizeof(unsigned));
	}
	for (i = 0; i < SCRIPT_MAX; i++)
		dig_add(&c, p->scripts[i].data, p->scripts[i].len);
	for (i = 0; i < p->nr_files; i++) {
		const struct pkg_file *f = &p->files[i];

		if (starts_with(f->path, "/usr/share/doc/"))
			continue;
		dig_str(&c, f->path);
		v[0] = (unsigned)f->type;
		v[1] = f->mode;
		v[2] = f->flags;
		dig_add(&c, v, sizeof(v));
		dig_str(&c, f->target);
		if (f->src)
			dig_str(&c, src_sha);
		else
			dig_add(&c, f->content.data, f->content.len);
	}
	sha256_final(&c, d);
	digest_hex(d, sizeof(d), out);
}
