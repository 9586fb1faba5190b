/* repo_dnf.c - dnf/yum metadata of a suite's rpm folder (libcreaterepo_c)
 * SPDX-License-Identifier: MIT
 *
 * The only file that includes <createrepo_c/...> (and so glib). The
 * metadata is what `createrepo_c` writes: primary, filelists and other as
 * gzip (EL7 yum cannot read zstd; createrepo_c 0.17 writes gz too), file
 * names prefixed with their sha256, repomd.xml signed as repomd.xml.asc.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <createrepo_c/createrepo_c.h>

#include "buf.h"
#include "fsutil.h"
#include "repo.h"
#include "sign.h"
#include "util.h"
#include "banned.h"

static void cr_ready(void)
{
	static int ready;

	if (!ready) {
		cr_xml_dump_init();
		cr_package_parser_init();
		ready = 1;
	}
}

static int cr_fail(const char *what, const char *path, GError *err)
{
	int r = error("%s '%s': %s", what, path,
		      err ? err->message : "createrepo_c failed");

	if (err)
		g_error_free(err);
	return r;
}

static const char *deb_arch(const char *a)
{
	if (!strcmp(a, "x86_64"))
		return "amd64";
	if (!strcmp(a, "aarch64"))
		return "arm64";
	if (!strcmp(a, "noarch"))
		return "all";
	return a;
}

int repo_dnf_inspect(const char *path, struct repo_pkg *p)
{
	GError *err = NULL;
	cr_Package *pkg;
	struct buf v = BUF_INIT;

	cr_ready();
	pkg = cr_package_from_rpm_base(path, 0, CR_HDRR_NONE, &err);
	if (!pkg)
		return cr_fail("not an .rpm package:", path, err);
	if (!pkg->name || !pkg->version || !pkg->arch || !pkg->release) {
		cr_package_free(pkg);
		return error("'%s': rpm header without name, version, release "
			     "or arch", path);
	}
	p->fmt = REPO_RPM;
	p->name = xstrdup(pkg->name);
	p->arch = xstrdup(deb_arch(pkg->arch));
	p->raw_arch = xstrdup(pkg->arch);
	p->epoch = xstrdup(pkg->epoch ? pkg->epoch : "0");
	p->ver = xstrdup(pkg->version);
	p->rel = xstrdup(pkg->release);
	if (strcmp(p->epoch, "0"))
		buf_addf(&v, "%s:", p->epoch);
	buf_addf(&v, "%s-%s", p->ver, p->rel);
	p->version = buf_detach(&v, NULL);
	cr_package_free(pkg);
	return 0;
}

int repo_dnf_vercmp(const struct repo_pkg *a, const struct repo_pkg *b)
{
	return cr_cmp_evr(a->epoch, a->ver, a->rel, b->epoch, b->ver, b->rel);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name the file of a package that this publish drops? */
static int dropped(const char *name, const struct repo_pkg *pkgs, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		const char *slash = strrchr(pkgs[i].pool, '/');

		if (pkgs[i].drop &&
		    !strcmp(slash ? slash + 1 : pkgs[i].pool, name))
			return 1;
	}
	return 0;
}

/* The .rpm names in dir but those dropped, sorted (the metadata's order
 * must not depend on readdir order: reproducible repodata). */
static int list_rpms(const char *dir, const struct repo_pkg *pkgs, size_t np,
		     char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t alloc = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 :
		       error("cannot read '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".rpm") ||
		    dropped(e->d_name, pkgs, np))
			continue;
		*out = xgrow(*out, *n + 1, &alloc, sizeof(**out));
		(*out)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

struct md_files {
	cr_XmlFile *f[3];
	cr_ContentStat *st[3];
	struct buf path[3];
};

static const char *const md_type[3] = { "primary", "filelists", "other" };

static int md_open(struct md_files *m, const char *tmpdir, long count)
{
	static const cr_XmlFileType type[3] = { CR_XMLFILE_PRIMARY,
						CR_XMLFILE_FILELISTS,
						CR_XMLFILE_OTHER };
	GError *err = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		buf_init(&m->path[i]);
		buf_addf(&m->path[i], "%s/%s.xml.gz", tmpdir, md_type[i]);
		m->st[i] = cr_contentstat_new(CR_CHECKSUM_SHA256, NULL);
		m->f[i] = cr_xmlfile_sopen(m->path[i].data, type[i],
					   CR_CW_GZ_COMPRESSION, m->st[i],
					   &err);
		if (!m->f[i] ||
		    cr_xmlfile_set_num_of_pkgs(m->f[i], count, &err))
			return cr_fail("cannot write", m->path[i].data, err);
	}
	return 0;
}

static int md_close(struct md_files *m)
{
	GError *err = NULL;
	int i, r = 0;

	for (i = 0; i < 3; i++) {
		if (m->f[i] && cr_xmlfile_close(m->f[i], &err) && !r)
			r = cr_fail("cannot write", m->path[i].data, err);
		m->f[i] = NULL;
	}
	return r;
}

static void md_release(struct md_files *m)
{
	int i;

	md_close(m);
	for (i = 0; i < 3; i++) {
		if (m->st[i])
			cr_contentstat_free(m->st[i], NULL);
		buf_release(&m->path[i]);
	}
}

static int add_packages(struct md_files *m, const char *dir, char **names,
			size_t n)
{
	struct buf full = BUF_INIT, href = BUF_INIT;
	GError *err = NULL;
	size_t i;
	int j, r = 0;

	for (i = 0; i < n && !r; i++) {
		cr_Package *pkg;

		buf_reset(&full);
		buf_reset(&href);
		buf_addf(&full, "%s/Packages/%s", dir, names[i]);
		buf_addf(&href, "Packages/%s", names[i]);
		pkg = cr_package_from_rpm(full.data, CR_CHECKSUM_SHA256,
					  href.data, NULL, 10, NULL,
					  CR_HDRR_NONE, &err);
		if (!pkg) {
			r = cr_fail("cannot read", full.data, err);
			break;
		}
		for (j = 0; j < 3 && !r; j++)
			if (cr_xmlfile_add_pkg(m->f[j], pkg, &err))
				r = cr_fail("cannot write", m->path[j].data,
					    err);
		cr_package_free(pkg);
	}
	buf_release(&full);
	buf_release(&href);
	return r;
}

/* Fills the records, names them by checksum and moves them to repodata/. */
static int md_records(struct md_files *m, const char *repodata, long stamp,
		      cr_Repomd *md)
{
	struct buf dst = BUF_INIT;
	GError *err = NULL;
	int i, r = 0;

	for (i = 0; i < 3 && !r; i++) {
		cr_RepomdRecord *rec =
			cr_repomd_record_new(md_type[i], m->path[i].data);

		cr_repomd_record_load_contentstat(rec, m->st[i]);
		if (cr_repomd_record_fill(rec, CR_CHECKSUM_SHA256, &err) ||
		    cr_repomd_record_rename_file(rec, &err)) {
			cr_repomd_record_free(rec);
			r = cr_fail("cannot checksum", m->path[i].data, err);
			break;
		}
		cr_repomd_record_set_timestamp(rec, stamp);
		buf_reset(&dst);
		buf_addf(&dst, "%s/%s", repodata,
			 strrchr(rec->location_real, '/') + 1);
		if (rename(rec->location_real, dst.data) < 0)
			r = error("cannot rename '%s': %s", rec->location_real,
				  strerror(errno));
		cr_repomd_set_record(md, rec);
	}
	buf_release(&dst);
	return r;
}

static long build_time(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	return sde && *sde ? strtol(sde, NULL, 10) : (long)time(NULL);
}

static int write_repomd(cr_Repomd *md, const char *repodata, long stamp,
			struct signer *sg)
{
	struct buf path = BUF_INIT, asc = BUF_INIT, rev = BUF_INIT;
	GError *err = NULL;
	char *xml;
	int r = -1;

	buf_addf(&rev, "%ld", stamp);
	cr_repomd_set_revision(md, rev.data);
	cr_repomd_sort_records(md);
	xml = cr_xml_dump_repomd(md, &err);
	if (!xml)
		return cr_fail("cannot make repomd.xml in", repodata, err);
	if (sign_detach(sg, xml, strlen(xml), 1, &asc) < 0)
		goto out;
	/* the signature first: repomd.xml is the switch to the new state,
	 * and a client holding the old repomd.xml finds its files kept */
	buf_addf(&path, "%s/repomd.xml.asc", repodata);
	if (fs_write_atomic(path.data, asc.data, asc.len, 0644) < 0)
		goto out;
	buf_truncate(&path, path.len - 4);
	r = fs_write_atomic(path.data, xml, strlen(xml), 0644);
out:
	g_free(xml);
	buf_release(&path);
	buf_release(&asc);
	buf_release(&rev);
	return r;
}

/* repodata is a symlink to .repodata-N: repomd.xml and its signature
 * change together with one rename(2), which two files cannot. */
static long current_gen(const char *link)
{
	char target[64];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	if (n <= 0)
		return 0;
	target[n] = '\0';
	return starts_with(target, ".repodata-") ?
		       strtol(target + 10, NULL, 10) : 0;
}

/* A generation folder: files, and .new/ if a publish was killed. */
static void remove_flat_dir(const char *dir)
{
	struct buf sub = BUF_INIT;

	buf_addf(&sub, "%s/.new", dir);
	repo_prune_dir(sub.data, NULL, NULL);
	rmdir(sub.data);
	repo_prune_dir(dir, NULL, NULL);
	rmdir(dir);
	buf_release(&sub);
}

/* Hard links of the files the previous repomd.xml names, so that a client
 * holding it still finds them through the new symlink. */
static void link_previous(const char *olddir, const char *newdir,
			  const char *oldmd)
{
	DIR *d = opendir(olddir);
	struct dirent *e;
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strstr(oldmd, e->d_name) ||
		    starts_with(e->d_name, "repomd.xml"))
			continue;
		buf_reset(&a);
		buf_reset(&b);
		buf_addf(&a, "%s/%s", olddir, e->d_name);
		buf_addf(&b, "%s/%s", newdir, e->d_name);
		if (link(a.data, b.data) < 0 && errno != EEXIST)
			warning("cannot link '%s': %s", a.data,
				strerror(errno));
	}
	closedir(d);
	buf_release(&a);
	buf_release(&b);
}

static int swap_link(const char *dir, long gen)
{
	struct buf target = BUF_INIT, tmp = BUF_INIT, link = BUF_INIT;
	int r = 0;

	buf_addf(&target, ".repodata-%ld", gen);
	buf_addf(&tmp, "%s/.repodata.link", dir);
	buf_addf(&link, "%s/repodata", dir);
	unlink(tmp.data);
	if (symlink(target.data, tmp.data) < 0 || rename(tmp.data, link.data) < 0)
		r = error("cannot switch '%s' to '%s': %s", link.data,
			  target.data, strerror(errno));
	buf_release(&target);
	buf_release(&tmp);
	buf_release(&link);
	return r;
}

/* Generations older than the previous one go. */
static void drop_old_gens(const char *dir, long keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf p = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		long g;

		if (!starts_with(e->d_name, ".repodata-"))
			continue;
		g = strtol(e->d_name + 10, NULL, 10);
		if (g == keep || g == keep - 1)
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, e->d_name);
		remove_flat_dir(p.data);
	}
	closedir(d);
	buf_release(&p);
}

static int build_gen(const char *dir, const char *gendir, long stamp,
		     const struct repo_pkg *pkgs, size_t np, struct signer *sg)
{
	struct buf pkgdir = BUF_INIT, tmp = BUF_INIT;
	struct md_files m;
	cr_Repomd *md = NULL;
	char **names = NULL;
	size_t n = 0, i;
	int r = -1;

	memset(&m, 0, sizeof(m));
	buf_addf(&pkgdir, "%s/Packages", dir);
	buf_addf(&tmp, "%s/.new", gendir);
	if (list_rpms(pkgdir.data, pkgs, np, &names, &n) < 0 ||
	    fs_mkdir_p(tmp.data, 0755, NULL) < 0 || md_open(&m, tmp.data, (long)n) < 0 ||
	    add_packages(&m, dir, names, n) < 0 || md_close(&m) < 0)
		goto out;
	md = cr_repomd_new();
	if (md_records(&m, gendir, stamp, md) < 0)
		goto out;
	r = write_repomd(md, gendir, stamp, sg);
out:
	md_release(&m);
	rmdir(tmp.data);
	if (md)
		cr_repomd_free(md);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&pkgdir);
	buf_release(&tmp);
	return r;
}

int repo_dnf_index(const char *root, const char *suite,
		   const struct repo_pkg *pkgs, size_t np, struct signer *sg)
{
	struct buf dir = BUF_INIT, link = BUF_INIT, gendir = BUF_INIT;
	struct buf olddir = BUF_INIT, old = BUF_INIT;
	struct stat st;
	long gen;
	int r = -1;

	cr_ready();
	buf_addf(&dir, "%s/rpm/%s", root, suite);
	buf_addf(&link, "%s/repodata", dir.data);
	if (lstat(link.data, &st) == 0 && !S_ISLNK(st.st_mode)) {
		error("'%s' is not the symlink pkgtool keeps there; move it "
		      "away", link.data);
		goto out;
	}
	gen = current_gen(link.data);
	buf_addf(&olddir, "%s/.repodata-%ld", dir.data, gen);
	buf_addf(&gendir, "%s/.repodata-%ld", dir.data, gen + 1);
	remove_flat_dir(gendir.data); /* left by a killed publish */
	buf_addstr(&old, olddir.data);
	buf_addstr(&old, "/repomd.xml");
	buf_reset(&link);
	if (buf_read_file(&link, old.data) < 0)
		buf_reset(&link);
	if (build_gen(dir.data, gendir.data, build_time(), pkgs, np, sg) < 0)
		goto out;
	link_previous(olddir.data, gendir.data, link.data);
	if (swap_link(dir.data, gen + 1) < 0)
		goto out;
	drop_old_gens(dir.data, gen + 1);
	r = 0;
out:
	buf_release(&dir);
	buf_release(&link);
	buf_release(&gendir);
	buf_release(&olddir);
	buf_release(&old);
	return r;
}
