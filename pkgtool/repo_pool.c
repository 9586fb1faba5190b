/* repo_pool.c - package files of a repository: read, order, list, prune
 * SPDX-License-Identifier: MIT
 *
 * A package's metadata comes from the file itself (control file of a .deb,
 * header of an .rpm), so any package can be published, and the indices can
 * always be rebuilt from the pool alone. Every value that ends up in a path
 * or an index line is checked against a narrow character set first: the
 * files may come from anywhere.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "deb.h"
#include "digest.h"
#include "repo.h"
#include "util.h"
#include "banned.h"

void repo_pkg_release(struct repo_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->epoch);
	free(p->ver);
	free(p->rel);
	free(p->raw_arch);
	free(p->control);
	free(p->path);
	free(p->pool);
	memset(p, 0, sizeof(*p));
}

/* dpkg's order: '~' before everything, letters before non-letters. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int diff = 0;

		while ((*a && !isdigit((unsigned char)*a)) ||
		       (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a);
			int bc = order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) &&
		       isdigit((unsigned char)*b)) {
			if (!diff)
				diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (diff)
			return diff;
	}
	return 0;
}

/* Splits "E:U-R" into its parts in buf (epoch defaults to 0). */
static void split_version(const char *v, struct buf *b, const char **e,
			  const char **u, const char **r)
{
	char *colon, *dash;

	buf_reset(b);
	buf_addstr(b, v);
	colon = strchr(b->data, ':');
	*e = "0";
	*u = b->data;
	if (colon) {
		*colon = '\0';
		*e = b->data;
		*u = colon + 1;
	}
	dash = strrchr(*u, '-');
	*r = "";
	if (dash) {
		*dash = '\0';
		*r = dash + 1;
	}
}

int repo_deb_vercmp(const char *a, const char *b)
{
	struct buf ba = BUF_INIT, bb = BUF_INIT;
	const char *ea, *ua, *ra, *eb, *ub, *rb;
	long na, nb;
	int c;

	split_version(a, &ba, &ea, &ua, &ra);
	split_version(b, &bb, &eb, &ub, &rb);
	na = strtol(ea, NULL, 10);
	nb = strtol(eb, NULL, 10);
	c = na < nb ? -1 : na > nb;
	if (!c)
		c = verrevcmp(ua, ub);
	if (!c)
		c = verrevcmp(ra, rb);
	buf_release(&ba);
	buf_release(&bb);
	return c;
}

static int only(const char *s, const char *set)
{
	size_t n = strlen(s);

	return n && n <= 200 && strspn(s, set) == n;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

/* The value of a single-line field of a control stanza, or NULL. */
static char *control_field(const char *c, const char *field)
{
	size_t fl = strlen(field);
	const char *p = c;

	while (p && *p) {
		if (!strncasecmp(p, field, fl) && p[fl] == ':') {
			const char *v = p + fl + 1;

			v += strspn(v, " \t");
			return xstrndup(v, strcspn(v, "\n"));
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* A stanza must stay one stanza inside Packages: no blank line, no line
 * without a field name, no field we write ourselves. */
static int check_control(const char *path, const char *c)
{
	static const char *const ours[] = { "Filename:", "Size:", "MD5sum:",
					    "SHA256:", "SHA1:", "SHA512:" };
	const char *line = c;
	size_t i;

	while (*line) {
		size_t n = strcspn(line, "\n");

		if (n == 0 && line[n])
			return error("'%s': blank line inside the control "
				     "file", path);
		if (line == c && (*line == ' ' || *line == '\t'))
			return error("'%s': control file starts with a "
				     "continuation line", path);
		if (*line != ' ' && *line != '\t' && n &&
		    !memchr(line, ':', n))
			return error("'%s': control line without a field name",
				     path);
		for (i = 0; i < ARRAY_SIZE(ours); i++)
			if (!strncasecmp(line, ours[i], strlen(ours[i])))
				return error("'%s': control file has the index "
					     "field '%s'", path, ours[i]);
		line += n;
		if (*line)
			line++;
	}
	return 0;
}

static int inspect_deb(const char *path, struct repo_pkg *p)
{
	struct buf c = BUF_INIT;

	if (deb_read_control(path, &c) < 0)
		return -1;
	if (memchr(c.data, '\0', c.len) || check_control(path, c.data) < 0) {
		buf_release(&c);
		return error("'%s': unusable control file", path);
	}
	p->fmt = REPO_DEB;
	p->name = control_field(c.data, "Package");
	p->version = control_field(c.data, "Version");
	p->arch = control_field(c.data, "Architecture");
	p->control = buf_detach(&c, NULL);
	if (!p->name || !only(p->name, LOWER DIGIT "+.-") ||
	    !isalnum((unsigned char)p->name[0]))
		return error("'%s': bad or missing Package field", path);
	if (!p->version || !only(p->version, LOWER UPPER DIGIT ".+~:-") ||
	    !isdigit((unsigned char)p->version[0]))
		return error("'%s': bad or missing Version field", path);
	if (!p->arch || !only(p->arch, LOWER DIGIT "-"))
		return error("'%s': bad or missing Architecture field", path);
	p->raw_arch = xstrdup(p->arch);
	return 0;
}

static int inspect_rpm(const char *path, struct repo_pkg *p)
{
	if (repo_dnf_inspect(path, p) < 0)
		return -1;
	if (!only(p->name, LOWER UPPER DIGIT "._+-") ||
	    !isalnum((unsigned char)p->name[0]) ||
	    !only(p->epoch, DIGIT) || !only(p->ver, LOWER UPPER DIGIT "._+~^") ||
	    !only(p->rel, LOWER UPPER DIGIT "._+~^") ||
	    !only(p->arch, LOWER UPPER DIGIT "_-"))
		return error("'%s': rpm name, version or arch has characters "
			     "a repository cannot carry", path);
	return 0;
}

/* Size, MD5 (apt still lists it) and SHA-256 in one read. */
static int hash_file(const char *path, struct repo_pkg *p)
{
	struct md5_ctx m;
	struct sha256_ctx s;
	uint8_t d[SHA256_DIGEST_LEN];
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	md5_init(&m);
	sha256_init(&s);
	p->size = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		md5_update(&m, chunk, (size_t)n);
		sha256_update(&s, chunk, (size_t)n);
		p->size += (unsigned long long)n;
	}
	close(fd);
	if (n < 0)
		return error("cannot read '%s': %s", path, strerror(errno));
	md5_final(&m, d);
	digest_hex(d, MD5_DIGEST_LEN, p->md5);
	sha256_final(&s, d);
	digest_hex(d, SHA256_DIGEST_LEN, p->sha256);
	return 0;
}

int repo_inspect(const char *path, struct repo_pkg *p)
{
	unsigned char magic[8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error("'%s' is not a regular file", path);
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	p->path = xstrdup(path);
	if (n == 8 && !memcmp(magic, "!<arch>\n", 8))
		r = inspect_deb(path, p);
	else if (n >= 4 && !memcmp(magic, "\xed\xab\xee\xdb", 4))
		r = inspect_rpm(path, p);
	else
		r = error("'%s' is not a package (neither a .deb nor an "
			  ".rpm)", path);
	if (!r)
		r = hash_file(path, p);
	return r;
}

/* Files under dir (recursively) ending in suffix, read as packages. */
static int scan(const char *dir, const char *rel, const char *suffix,
		struct repo_pkg **pkgs, size_t *n, size_t *alloc)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf sub = BUF_INIT, subrel = BUF_INIT;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 :
		       error("cannot read '%s': %s", dir, strerror(errno));
	while (!r && (e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		buf_reset(&sub);
		buf_reset(&subrel);
		buf_addf(&sub, "%s/%s", dir, e->d_name);
		buf_addf(&subrel, "%s/%s", rel, e->d_name);
		if (lstat(sub.data, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			r = scan(sub.data, subrel.data, suffix, pkgs, n, alloc);
		} else if (S_ISREG(st.st_mode) && ends_with(e->d_name, suffix)) {
			*pkgs = xgrow(*pkgs, *n + 1, alloc, sizeof(**pkgs));
			r = repo_inspect(sub.data, &(*pkgs)[*n]);
			(*pkgs)[*n].pool = buf_detach(&subrel, NULL);
			(*n)++;
		}
	}
	closedir(d);
	buf_release(&sub);
	buf_release(&subrel);
	return r;
}

int repo_scan_suite(const char *root, const char *suite, enum repo_fmt fmt,
		    struct repo_pkg **pkgs, size_t *n)
{
	struct buf dir = BUF_INIT, rel = BUF_INIT;
	size_t alloc = 0;
	int r;

	*pkgs = NULL;
	*n = 0;
	if (fmt == REPO_DEB)
		buf_addf(&rel, "pool/%s", suite);
	else
		buf_addf(&rel, "rpm/%s/Packages", suite);
	buf_addf(&dir, "%s/%s", root, rel.data);
	r = scan(dir.data, rel.data, fmt == REPO_DEB ? ".deb" : ".rpm", pkgs,
		 n, &alloc);
	buf_release(&dir);
	buf_release(&rel);
	return r;
}

int repo_pkg_cmp(const struct repo_pkg *a, const struct repo_pkg *b)
{
	if (a->fmt != b->fmt)
		return (int)a->fmt - (int)b->fmt;
	return a->fmt == REPO_DEB ? repo_deb_vercmp(a->version, b->version) :
				    repo_dnf_vercmp(a, b);
}

void repo_prune_dir(const char *dir, const char *keep, const char *old)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf path = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (keep && (e->d_name[0] == '.' || strstr(keep, e->d_name) ||
			     (old && strstr(old, e->d_name))))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		unlink(path.data);
	}
	closedir(d);
	buf_release(&path);
}
