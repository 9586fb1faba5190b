/* repo_apt.c - the apt side of a repository: Packages, Release, InRelease
 * SPDX-License-Identifier: MIT
 *
 * Everything of a suite is computed and signed in memory first, so that a
 * signing failure writes nothing; then files are written under temporary
 * names and renamed in the order a client reads them backwards: by-hash
 * copies, Packages*, Release.gpg, Release, and InRelease last.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "digest.h"
#include "fsutil.h"
#include "gz.h"
#include "repo.h"
#include "sign.h"
#include "util.h"
#include "banned.h"

#define MAX_ARCHS 16

/* One index file: its path under dists/SUITE/ and its bytes. */
struct index_file {
	struct buf name, data;
	char sha256[SHA256_HEX_SIZE];
};

static void hash_hex(const struct buf *b, char hex[SHA256_HEX_SIZE])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_LEN];

	sha256_init(&c);
	sha256_update(&c, b->data, b->len);
	sha256_final(&c, d);
	digest_hex(d, sizeof(d), hex);
}

static void add_stanza(struct buf *out, const struct repo_pkg *p)
{
	size_t n = strlen(p->control);

	while (n && p->control[n - 1] == '\n')
		n--;
	buf_add(out, p->control, n);
	buf_addf(out,
		 "\nFilename: %s\nSize: %llu\nMD5sum: %s\nSHA256: %s\n\n",
		 p->pool, p->size, p->md5, p->sha256);
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct repo_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = repo_deb_vercmp(x->version, y->version);
	if (!c)
		c = strcmp(x->arch, y->arch);
	return c ? c : strcmp(x->pool, y->pool);
}

/* Packages, Packages.gz, Packages.xz of one architecture. */
static int make_packages(struct index_file *f, const char *arch,
			 const struct repo_pkg *pkgs, size_t n)
{
	size_t i;
	int k;

	for (k = 0; k < 3; k++) {
		buf_init(&f[k].name);
		buf_init(&f[k].data);
		buf_addf(&f[k].name, "main/binary-%s/Packages%s", arch,
			 k == 0 ? "" : k == 1 ? ".gz" : ".xz");
	}
	for (i = 0; i < n; i++)
		if (!pkgs[i].drop && (!strcmp(pkgs[i].arch, arch) ||
				      !strcmp(pkgs[i].arch, "all")))
			add_stanza(&f[0].data, &pkgs[i]);
	if (gz_compress(&f[1].data, f[0].data.data, f[0].data.len) < 0 ||
	    xz_compress(&f[2].data, f[0].data.data, f[0].data.len) < 0)
		return -1;
	for (k = 0; k < 3; k++)
		hash_hex(&f[k].data, f[k].sha256);
	return 0;
}

static long publish_time(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	return sde && *sde ? strtol(sde, NULL, 10) : (long)time(NULL);
}

static void add_date(struct buf *out, const char *field, long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[64];

	gmtime_r(&tt, &tm);
	/* RFC 2822 in the C locale, as apt's parser expects */
	strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S UTC", &tm);
	buf_addf(out, "%s: %s\n", field, s);
}

static void make_release(struct buf *rel, const char *suite, const char *archs,
			 const char *origin, unsigned valid_days,
			 const struct index_file *f, size_t nf)
{
	long now = publish_time();
	size_t i;

	buf_addf(rel, "Origin: %s\nLabel: %s\nSuite: %s\nCodename: %s\n",
		 origin, origin, suite, suite);
	add_date(rel, "Date", now);
	if (valid_days)
		add_date(rel, "Valid-Until", now + (long)valid_days * 86400);
	buf_addf(rel, "Architectures: %s\nComponents: main\n"
		      "Acquire-By-Hash: yes\nSHA256:\n", archs);
	for (i = 0; i < nf; i++)
		buf_addf(rel, " %s %zu %s\n", f[i].sha256, f[i].data.len,
			 f[i].name.data);
}

/* by-hash copies first: a client holding the new InRelease must find them
 * before anything names them. */
static int write_indices(const char *dists, const struct index_file *f,
			 size_t nf)
{
	struct buf path = BUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < nf && !r; i++) {
		const char *slash = strrchr(f[i].name.data, '/');

		buf_reset(&path);
		buf_addf(&path, "%s/%.*s/by-hash/SHA256", dists,
			 (int)(slash - f[i].name.data), f[i].name.data);
		r = fs_mkdir_p(path.data, 0755, NULL);
		buf_addf(&path, "/%s", f[i].sha256);
		if (!r)
			r = fs_write_atomic(path.data, f[i].data.data,
					    f[i].data.len, 0644);
	}
	for (i = 0; i < nf && !r; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dists, f[i].name.data);
		r = fs_write_atomic(path.data, f[i].data.data, f[i].data.len,
				    0644);
	}
	buf_release(&path);
	return r;
}

static int write_release(const char *dists, const struct buf *rel,
			 const struct buf *det, const struct buf *clear)
{
	static const char *const name[3] = { "Release.gpg", "Release",
					     "InRelease" };
	const struct buf *data[3] = { det, rel, clear };
	struct buf path = BUF_INIT;
	int k, r = 0;

	for (k = 0; k < 3 && !r; k++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dists, name[k]);
		r = fs_write_atomic(path.data, data[k]->data, data[k]->len,
				    0644);
	}
	buf_release(&path);
	return r;
}

static void prune_by_hash(const char *dists, const char *archs,
			  const char *keep, const char *old)
{
	struct buf dir = BUF_INIT;
	const char *a = archs;

	while (*a) {
		size_t n = strcspn(a, " ");

		buf_reset(&dir);
		buf_addf(&dir, "%s/main/binary-%.*s/by-hash/SHA256", dists,
			 (int)n, a);
		repo_prune_dir(dir.data, keep, old);
		a += n;
		a += strspn(a, " ");
	}
	buf_release(&dir);
}

int repo_apt_index(const char *root, const char *suite, const char *archs,
		   const char *origin, unsigned valid_days,
		   struct repo_pkg *pkgs, size_t n, struct signer *sg)
{
	struct index_file f[3 * MAX_ARCHS];
	struct buf rel = BUF_INIT, det = BUF_INIT, clear = BUF_INIT;
	struct buf dists = BUF_INIT, old = BUF_INIT, arch = BUF_INIT;
	const char *a = archs;
	size_t nf = 0, i;
	int r = -1;

	if (n > 1)
		qsort(pkgs, n, sizeof(*pkgs), cmp_pkg);
	while (*a && nf < ARRAY_SIZE(f)) {
		size_t len = strcspn(a, " ");

		buf_reset(&arch);
		buf_add(&arch, a, len);
		if (make_packages(&f[nf], arch.data, pkgs, n) < 0) {
			nf += 3;
			goto out;
		}
		nf += 3;
		a += len;
		a += strspn(a, " ");
	}
	make_release(&rel, suite, archs, origin, valid_days, f, nf);
	if (sign_detach(sg, rel.data, rel.len, 1, &det) < 0 ||
	    sign_clear(sg, rel.data, rel.len, &clear) < 0)
		goto out;
	buf_addf(&dists, "%s/dists/%s", root, suite);
	buf_addf(&arch, "%s/InRelease", dists.data);
	if (buf_read_file(&old, arch.data) < 0)
		buf_reset(&old);
	if (write_indices(dists.data, f, nf) < 0 ||
	    write_release(dists.data, &rel, &det, &clear) < 0)
		goto out;
	prune_by_hash(dists.data, archs, rel.data, old.data);
	r = 0;
out:
	for (i = 0; i < nf; i++) {
		buf_release(&f[i].name);
		buf_release(&f[i].data);
	}
	buf_release(&rel);
	buf_release(&det);
	buf_release(&clear);
	buf_release(&dists);
	buf_release(&old);
	buf_release(&arch);
	return r;
}
