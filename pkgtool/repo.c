/* repo.c - pkgtool repo: open, lock, add, remove, list a repository folder
 * SPDX-License-Identifier: MIT
 *
 * Order of a publish: everything is checked first (key, files, suites,
 * name clashes), so bad input changes nothing; then packages are copied
 * into the pool (temp name + rename), the indices of each touched suite are
 * rebuilt from its pool, and only then are files that --keep or remove drop
 * unlinked, so the previous indices stay valid until the new ones replace
 * them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "repo.h"
#include "rpm.h"
#include "sign.h"
#include "util.h"
#include "banned.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The suite a file goes to: --suite, or with --per-host the name of its
 * folder (build writes out/HOST/...). */
static int file_suite(const char *file, const struct repo_opts *o,
		      struct buf *out)
{
	buf_reset(out);
	if (o->per_host) {
		char *copy = xstrdup(file), *dir = dirname(copy);

		buf_addstr(out, base_name(dir));
		free(copy);
	} else {
		buf_addstr(out, o->suite ? o->suite : REPO_DEFAULT_SUITE);
	}
	if (!repo_valid_suite(out->data))
		return error("'%s' is not a usable suite name (letters, digits, "
			     "'.', '_', '-'; at most 64)", out->data);
	return 0;
}

static int arch_in(const char *archs, const char *arch)
{
	size_t n = strlen(arch);
	const char *p = archs;

	if (!strcmp(arch, "all"))
		return 1;
	while ((p = strstr(p, arch))) {
		if ((p == archs || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void pool_path(const struct repo_pkg *p, const char *suite,
		      struct buf *out)
{
	const char *v = strchr(p->version, ':');

	buf_reset(out);
	if (p->fmt == REPO_DEB)
		/* Debian's pool: initial letter, "lib" + letter for libs */
		buf_addf(out, "pool/%s/main/%.*s/%s/%s_%s_%s.deb", suite,
			 starts_with(p->name, "lib") && p->name[3] ? 4 : 1,
			 p->name, p->name, p->name, v ? v + 1 : p->version,
			 p->arch);
	else
		buf_addf(out, "rpm/%s/Packages/%s-%s-%s.%s.rpm", suite, p->name,
			 p->ver, p->rel, p->raw_arch);
}

enum action { ADD_NEW, ADD_SAME, ADD_REPLACE };

struct item {
	struct repo_pkg pkg;
	size_t suite; /* index: r->suites may move while items are read */
	enum action act;
};

/* The sha256 of what was given for a pool entry: the .deb itself, and for
 * an .rpm the unsigned input, kept beside it (signing changes the file). */
static int pool_source_hash(const struct repo *r, const struct item *it,
			    char hex[65])
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	struct repo_pkg cur;
	int ret = -1;

	if (it->pkg.fmt == REPO_RPM) {
		char *slash = strrchr(it->pkg.pool, '/');

		buf_addf(&path, "%s/%.*s/.%s.sha256", r->root,
			 (int)(slash - it->pkg.pool), it->pkg.pool, slash + 1);
		if (buf_read_file(&b, path.data) == 0 && b.len >= 64) {
			memcpy(hex, b.data, 64);
			hex[64] = '\0';
			ret = 0;
		}
	} else {
		buf_addf(&path, "%s/%s", r->root, it->pkg.pool);
		memset(&cur, 0, sizeof(cur));
		if (access(path.data, F_OK) == 0 &&
		    repo_inspect(path.data, &cur) == 0) {
			memcpy(hex, cur.sha256, 65);
			ret = 0;
		}
		repo_pkg_release(&cur);
	}
	buf_release(&path);
	buf_release(&b);
	return ret;
}

static int check_secrets(const char *file, const struct repo_opts *o)
{
	struct stat st;

	if (o->allow_secrets || stat(file, &st) < 0 || (st.st_mode & S_IROTH))
		return 0;
	error("'%s' holds secrets: it is not world-readable (pkgtool writes "
	      "packages that carry passkeys or private keys 0600), and anyone "
	      "who can read the repository could read them", file);
	info("hint: build a secret-free package for the fleet "
	     "(komodo_passkeys: [] plus a host-local secrets file, see "
	     "README 'Fleet packages without secrets'), or pass "
	     "--allow-secrets for a repository only trusted hosts can read");
	return -1;
}

static int check_item(struct repo *r, struct item *it, const char *file,
		      const struct repo_opts *o)
{
	struct buf suite = BUF_INIT, pool = BUF_INIT;
	struct suite *s;
	char hex[65];
	int ret = -1;

	if (check_secrets(file, o) < 0 || file_suite(file, o, &suite) < 0 ||
	    repo_inspect(file, &it->pkg) < 0)
		goto out;
	s = repo_find_suite(r, suite.data);
	if (!s) {
		const char *archs = o->archs ? o->archs : REPO_DEFAULT_ARCHS;

		if (!repo_valid_archs(archs)) {
			error("bad --arch list '%s' (e.g. \"amd64 arm64\")",
			      archs);
			goto out;
		}
		s = repo_add_suite(r, suite.data, archs);
	}
	it->suite = (size_t)(s - r->suites);
	if (!arch_in(s->archs, it->pkg.arch)) {
		error("'%s' is for architecture '%s', which suite '%s' does not "
		      "carry (it has: %s; a new suite takes --arch LIST)", file,
		      it->pkg.arch, suite.data, s->archs);
		goto out;
	}
	pool_path(&it->pkg, suite.data, &pool);
	it->pkg.pool = buf_detach(&pool, NULL);
	it->act = ADD_NEW;
	if (pool_source_hash(r, it, hex) == 0) {
		if (!strcmp(hex, it->pkg.sha256)) {
			it->act = ADD_SAME;
		} else if (!o->replace) {
			error("'%s' differs from the %s %s (%s) already in suite "
			      "'%s'; publish a new version or pass --replace",
			      file, it->pkg.name, it->pkg.version, it->pkg.arch,
			      suite.data);
			goto out;
		} else {
			it->act = ADD_REPLACE;
		}
	}
	ret = 0;
out:
	buf_release(&suite);
	buf_release(&pool);
	return ret;
}

/* Copies the package into the pool under a temporary name, signs an rpm
 * there, and renames it into place. */
static int copy_file(const char *src, int out, const char *dst)
{
	char chunk[65536];
	ssize_t n;
	int in = open(src, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return error("cannot open '%s': %s", src, strerror(errno));
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			close(in);
			return error("cannot write '%s': %s", dst,
				     strerror(errno));
		}
	close(in);
	if (n < 0)
		return error("cannot read '%s': %s", src, strerror(errno));
	if (fchmod(out, 0644) < 0 || fsync(out) < 0)
		return error("cannot write '%s': %s", dst, strerror(errno));
	return 0;
}

static int pool_put(struct repo *r, const struct item *it)
{
	struct buf dst = BUF_INIT, tmp = BUF_INIT, side = BUF_INIT;
	char *slash;
	int fd, ret = -1;

	buf_addf(&dst, "%s/%s", r->root, it->pkg.pool);
	slash = strrchr(dst.data, '/');
	*slash = '\0';
	if (fs_mkdir_p(dst.data, 0755, NULL) < 0)
		goto out;
	*slash = '/';
	buf_addf(&tmp, "%.*s/.new-%s.XXXXXX", (int)(slash - dst.data), dst.data,
		 slash + 1);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		error("cannot create '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	ret = copy_file(it->pkg.path, fd, tmp.data);
	close(fd);
	if (!ret && it->pkg.fmt == REPO_RPM) {
		ret = rpm_sign(tmp.data, sign_fingerprint(r->sg));
		buf_addf(&side, "%.*s/.%s.sha256", (int)(slash - dst.data),
			 dst.data, slash + 1);
		if (!ret)
			ret = fs_write_atomic(side.data, it->pkg.sha256, 64,
					      0644);
	}
	if (!ret && rename(tmp.data, dst.data) < 0)
		ret = error("cannot rename '%s' to '%s': %s", tmp.data,
			    dst.data, strerror(errno));
	if (ret)
		unlink(tmp.data);
out:
	buf_release(&dst);
	buf_release(&tmp);
	buf_release(&side);
	return ret;
}

static int cmp_group_key(const struct repo_pkg *x, const struct repo_pkg *y)
{
	int c = (int)x->fmt - (int)y->fmt;

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->arch, y->arch);
}

static int cmp_group(const void *a, const void *b)
{
	const struct repo_pkg *x = a, *y = b;
	int c = cmp_group_key(x, y);

	return c ? c : repo_pkg_cmp(y, x); /* newest first */
}

/* Does a remove pattern NAME or NAME=VERSION select p? */
static int matches(const struct repo_pkg *p, char **pat, int npat)
{
	int i;

	for (i = 0; i < npat; i++) {
		const char *eq = strchr(pat[i], '=');
		size_t n = eq ? (size_t)(eq - pat[i]) : strlen(pat[i]);

		if (strlen(p->name) == n && !strncmp(p->name, pat[i], n) &&
		    (!eq || !strcmp(eq + 1, p->version)))
			return 1;
	}
	return 0;
}

/* Marks what --keep or the remove patterns drop; returns how many. */
static size_t mark_doomed(struct repo_pkg *p, size_t n, unsigned keep,
			  char **pat, int npat)
{
	size_t i, run = 0, count = 0;

	if (n > 1)
		qsort(p, n, sizeof(*p), cmp_group);
	for (i = 0; i < n; i++) {
		run = i && !cmp_group_key(&p[i - 1], &p[i]) ? run + 1 : 1;
		if ((keep && run > keep) || matches(&p[i], pat, npat)) {
			p[i].drop = 1;
			info("dropping %s", p[i].pool);
			count++;
		}
	}
	return count;
}

static void unlink_dropped(const struct repo *r, const struct repo_pkg *p,
			   size_t n)
{
	struct buf path = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *slash = strrchr(p[i].pool, '/');

		if (!p[i].drop)
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", r->root, p[i].pool);
		unlink(path.data);
		if (p[i].fmt != REPO_RPM)
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%.*s/.%s.sha256", r->root,
			 (int)(slash - p[i].pool), p[i].pool, slash + 1);
		unlink(path.data);
	}
	buf_release(&path);
}

static void free_pkgs(struct repo_pkg *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		repo_pkg_release(&p[i]);
	free(p);
}

/* Rebuilds a suite's apt and dnf indices from its pool, leaving out what
 * keep and the patterns drop, and unlinks those files afterwards. */
static int publish_suite(struct repo *r, const struct suite *s, unsigned keep,
			 char **pat, int npat, size_t *dropped)
{
	struct repo_pkg *debs = NULL, *rpms = NULL;
	struct buf rpmdir = BUF_INIT;
	size_t nd = 0, nr = 0;
	int ret = -1;

	if (repo_scan_suite(r->root, s->name, REPO_DEB, &debs, &nd) < 0 ||
	    repo_scan_suite(r->root, s->name, REPO_RPM, &rpms, &nr) < 0)
		goto out;
	*dropped += mark_doomed(debs, nd, keep, pat, npat);
	*dropped += mark_doomed(rpms, nr, keep, pat, npat);
	if (repo_apt_index(r->root, s->name, s->archs, r->origin,
			   r->valid_days, debs, nd, r->sg) < 0)
		goto out;
	unlink_dropped(r, debs, nd);
	/* a client holding the old repomd.xml may still fetch a dropped
	 * rpm: it goes once the new repodata is in place */
	buf_addf(&rpmdir, "%s/rpm/%s", r->root, s->name);
	if (access(rpmdir.data, F_OK) == 0 &&
	    repo_dnf_index(r->root, s->name, rpms, nr, r->sg) < 0)
		goto out;
	unlink_dropped(r, rpms, nr);
	ret = 0;
out:
	free_pkgs(debs, nd);
	free_pkgs(rpms, nr);
	buf_release(&rpmdir);
	return ret;
}

static int export_keys(struct repo *r)
{
	struct buf path = BUF_INIT, key = BUF_INIT;
	int ret;

	buf_addf(&path, "%s/keys/repo.asc", r->root);
	if (!r->key_changed && access(path.data, F_OK) == 0) {
		buf_release(&path);
		return 0;
	}
	buf_reset(&path);
	buf_addf(&path, "%s/keys", r->root);
	ret = fs_mkdir_p(path.data, 0755, NULL);
	if (!ret)
		ret = sign_export(r->sg, 0, &key);
	buf_addstr(&path, "/repo.gpg");
	if (!ret)
		ret = fs_write_atomic(path.data, key.data, key.len, 0644);
	buf_reset(&key);
	buf_truncate(&path, path.len - 3);
	buf_addstr(&path, "asc");
	if (!ret)
		ret = sign_export(r->sg, 1, &key);
	if (!ret)
		ret = fs_write_atomic(path.data, key.data, key.len, 0644);
	buf_release(&path);
	buf_release(&key);
	return ret;
}

static void print_sources(const struct repo *r, const struct suite *s,
			  const char *url)
{
	struct buf rpmdir = BUF_INIT;
	const char *u = url ? url : "URL";

	printf("# suite %s: apt (/etc/apt/sources.list.d/komodo.sources; key "
	       "from %s/keys/repo.gpg to /etc/apt/keyrings/komodo.gpg)\n"
	       "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n"
	       "Signed-By: /etc/apt/keyrings/komodo.gpg\n\n",
	       s->name, u, u, s->name);
	buf_addf(&rpmdir, "%s/rpm/%s", r->root, s->name);
	if (access(rpmdir.data, F_OK) == 0)
		printf("# suite %s: dnf (/etc/yum.repos.d/komodo.repo)\n"
		       "[komodo-%s]\nname=Komodo Periphery (%s)\n"
		       "baseurl=%s/rpm/%s\nenabled=1\ngpgcheck=1\n"
		       "repo_gpgcheck=1\ngpgkey=%s/keys/repo.asc\n\n",
		       s->name, s->name, s->name, u, s->name, u);
	buf_release(&rpmdir);
}

static int valid_origin(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789 ._-") == n;
}

/* Applies the options every writing command shares and opens the key. */
static int repo_prepare(struct repo *r, const struct repo_opts *o)
{
	const char *key = o->key ? o->key : r->key;

	if (o->origin) {
		if (!valid_origin(o->origin))
			return error("bad --origin '%s' (letters, digits, "
				     "space, '.', '_', '-')", o->origin);
		free(r->origin);
		r->origin = xstrdup(o->origin);
	}
	if (o->url && (strpbrk(o->url, " \t\n\"'") || !*o->url))
		return error("bad --url '%s'", o->url);
	r->valid_days = o->valid_days;
	if (!key)
		return error("the repository is signed: give --key ID (a secret "
			     "key in $GNUPGHOME; 'gpg --list-secret-keys')");
	if (sign_open(&r->sg, key) < 0)
		return -1;
	r->key_changed = !r->key || strcmp(r->key, sign_fingerprint(r->sg));
	free(r->key);
	r->key = xstrdup(sign_fingerprint(r->sg));
	return 0;
}

static int check_items(struct repo *r, struct item *items, char **files,
		       int n, const struct repo_opts *o)
{
	int i, j;

	for (i = 0; i < n; i++)
		if (check_item(r, &items[i], files[i], o) < 0)
			return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(items[i].pkg.pool, items[j].pkg.pool) &&
			    strcmp(items[i].pkg.sha256, items[j].pkg.sha256))
				return error("'%s' and '%s' are different files "
					     "for the same %s", files[j],
					     files[i], items[i].pkg.pool);
	return 0;
}

int repo_add(const char *dir, char **files, int n, const struct repo_opts *o)
{
	static const char *const verb[] = { "added", "unchanged", "replaced" };
	struct item *items = xcalloc((size_t)n, sizeof(*items));
	struct repo r;
	size_t i, dropped = 0;
	int ret = -1;

	if (repo_open(&r, dir, 1) < 0 || repo_prepare(&r, o) < 0 ||
	    check_items(&r, items, files, n, o) < 0) {
		repo_abandon(&r);
		goto out;
	}
	for (i = 0; i < (size_t)n; i++) {
		struct suite *s = &r.suites[items[i].suite];

		s->named = 1;
		if (items[i].act != ADD_SAME || o->keep) {
			if (items[i].act != ADD_SAME &&
			    pool_put(&r, &items[i]) < 0)
				goto done;
			s->touched = 1;
		}
		info("%s %s", verb[items[i].act], items[i].pkg.pool);
	}
	if (repo_conf_save(&r) < 0 || export_keys(&r) < 0)
		goto done;
	for (i = 0; i < r.nsuites; i++)
		if (r.suites[i].touched &&
		    publish_suite(&r, &r.suites[i], o->keep, NULL, 0,
				  &dropped) < 0)
			goto done;
	for (i = 0; i < r.nsuites; i++)
		if (r.suites[i].named)
			print_sources(&r, &r.suites[i], o->url);
	ret = 0;
done:
	repo_close(&r);
out:
	for (i = 0; i < (size_t)n; i++)
		repo_pkg_release(&items[i].pkg);
	free(items);
	return ret;
}

/* The suites a read or remove command works on: --suite, or all. */
static int select_suites(struct repo *r, const struct repo_opts *o)
{
	size_t i;

	if (o->suite && !repo_find_suite(r, o->suite))
		return error("no suite '%s' in '%s'", o->suite, r->root);
	for (i = 0; i < r->nsuites; i++)
		r->suites[i].named =
			!o->suite || !strcmp(o->suite, r->suites[i].name);
	return 0;
}

static int count_matches(const struct repo *r, const struct suite *s,
			 char **pat, int npat, int *seen)
{
	struct repo_pkg *p[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 }, i;
	int k, j, ret = 0;

	for (k = 0; k < 2 && !ret; k++) {
		ret = repo_scan_suite(r->root, s->name, (enum repo_fmt)k, &p[k],
				      &n[k]);
		for (i = 0; i < n[k]; i++)
			for (j = 0; j < npat; j++)
				if (matches(&p[k][i], &pat[j], 1))
					seen[j] = 1;
	}
	for (k = 0; k < 2; k++)
		free_pkgs(p[k], n[k]);
	return ret;
}

int repo_remove(const char *dir, char **names, int n,
		const struct repo_opts *o)
{
	struct repo r;
	int *seen = xcalloc((size_t)n, sizeof(*seen)), ret = -1, j;
	size_t i, dropped = 0;

	if (repo_open(&r, dir, 0) < 0 || select_suites(&r, o) < 0)
		goto out;
	for (i = 0; i < r.nsuites; i++)
		if (r.suites[i].named &&
		    count_matches(&r, &r.suites[i], names, n, seen) < 0)
			goto out;
	for (j = 0; j < n; j++)
		if (!seen[j]) {
			error("no package '%s' in %s%s", names[j],
			      o->suite ? "suite " : "any suite",
			      o->suite ? o->suite : "");
			goto out;
		}
	if (repo_prepare(&r, o) < 0)
		goto out;
	for (i = 0; i < r.nsuites; i++)
		if (r.suites[i].named &&
		    publish_suite(&r, &r.suites[i], o->keep, names, n,
				  &dropped) < 0)
			goto out;
	ret = repo_conf_save(&r);
out:
	repo_close(&r);
	free(seen);
	return ret;
}

int repo_list(const char *dir, const struct repo_opts *o)
{
	struct repo r;
	struct repo_pkg *p = NULL;
	size_t i, j, np = 0;
	int k, ret = -1;

	if (repo_open(&r, dir, 0) < 0 || select_suites(&r, o) < 0)
		goto out;
	for (i = 0; i < r.nsuites; i++) {
		if (!r.suites[i].named)
			continue;
		for (k = 0; k < 2; k++) {
			if (repo_scan_suite(r.root, r.suites[i].name,
					    (enum repo_fmt)k, &p, &np) < 0)
				goto out;
			if (np > 1)
				qsort(p, np, sizeof(*p), cmp_group);
			for (j = 0; j < np; j++)
				printf("%s\t%s\t%s\t%s\t%s\n",
				       r.suites[i].name, p[j].name,
				       p[j].version, p[j].arch,
				       k == REPO_DEB ? "deb" : "rpm");
			free_pkgs(p, np);
			p = NULL;
			np = 0;
		}
	}
	ret = 0;
out:
	free_pkgs(p, np);
	repo_close(&r);
	return ret;
}

int repo_export_key(const char *dir, const struct repo_opts *o, int armor)
{
	struct repo r;
	struct buf key = BUF_INIT;
	int ret = -1;

	if (repo_open(&r, dir, 0) < 0 || repo_prepare(&r, o) < 0 ||
	    sign_export(r.sg, armor, &key) < 0)
		goto out;
	if (fwrite(key.data, 1, key.len, stdout) != key.len)
		goto out;
	ret = 0;
out:
	buf_release(&key);
	repo_close(&r);
	return ret;
}

int repo_sources(const char *dir, const struct repo_opts *o)
{
	struct repo r;
	size_t i;
	int ret = -1;

	if (repo_open(&r, dir, 0) < 0 || select_suites(&r, o) < 0)
		goto out;
	if (o->url && (strpbrk(o->url, " \t\n\"'") || !*o->url)) {
		error("bad --url '%s'", o->url);
		goto out;
	}
	for (i = 0; i < r.nsuites; i++)
		if (r.suites[i].named)
			print_sources(&r, &r.suites[i], o->url);
	ret = 0;
out:
	repo_close(&r);
	return ret;
}
