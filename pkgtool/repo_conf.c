/* repo_conf.c - a repository folder: its settings file and its lock
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "repo.h"
#include "sign.h"
#include "util.h"
#include "banned.h"

int repo_valid_suite(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 64 && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

int repo_valid_archs(const char *a)
{
	size_t n = strlen(a), words = 0;
	const char *p;

	if (!n || strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789- ") != n ||
	    a[0] == ' ' || a[n - 1] == ' ' || strstr(a, "  "))
		return 0;
	for (p = a; p; p = strchr(p + 1, ' '))
		words++;
	return words <= 16;
}

struct suite *repo_find_suite(struct repo *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nsuites; i++)
		if (!strcmp(r->suites[i].name, name))
			return &r->suites[i];
	return NULL;
}

struct suite *repo_add_suite(struct repo *r, const char *name,
			       const char *archs)
{
	struct suite *s;

	r->suites = xgrow(r->suites, r->nsuites + 1, &r->alloc,
			  sizeof(*r->suites));
	s = &r->suites[r->nsuites++];
	s->name = xstrdup(name);
	s->archs = xstrdup(archs);
	s->touched = s->named = 0;
	return s;
}

/* pkgtool-repo.conf: "key FPR", "origin TEXT", "suite NAME ARCH...". */
static int conf_load(struct repo *r, const char *path)
{
	struct buf b = BUF_INIT;
	char *line, *next;
	int ret = 0;

	if (buf_read_file(&b, path) < 0)
		return error("cannot read '%s': %s", path, strerror(errno));
	for (line = b.data; line && *line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "key ", 4)) {
			free(r->key);
			r->key = xstrdup(line + 4);
		} else if (!strncmp(line, "origin ", 7)) {
			free(r->origin);
			r->origin = xstrdup(line + 7);
		} else if (!strncmp(line, "suite ", 6)) {
			char *sp = strchr(line + 6, ' ');

			if (!sp || r->nsuites >= REPO_MAX_SUITES) {
				ret = error("'%s': bad line 'suite %s'", path,
					    line + 6);
				break;
			}
			*sp = '\0';
			if (!repo_valid_suite(line + 6) || !repo_valid_archs(sp + 1))
				ret = error("'%s': bad suite '%s'", path,
					    line + 6);
			else
				repo_add_suite(r, line + 6, sp + 1);
		}
	}
	buf_release(&b);
	return ret;
}

int repo_conf_save(const struct repo *r)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	size_t i;
	int ret;

	buf_addstr(&b, "# pkgtool repository (pkgtool repo --help)\n");
	if (r->key)
		buf_addf(&b, "key %s\n", r->key);
	buf_addf(&b, "origin %s\n", r->origin);
	for (i = 0; i < r->nsuites; i++)
		buf_addf(&b, "suite %s %s\n", r->suites[i].name,
			 r->suites[i].archs);
	buf_addf(&path, "%s/%s", r->root, REPO_CONF);
	ret = fs_write_atomic(path.data, b.data, b.len, 0644);
	buf_release(&b);
	buf_release(&path);
	return ret;
}

static int lock_repo(struct repo *r)
{
	struct buf path = BUF_INIT;

	buf_addf(&path, "%s/.lock", r->root);
	r->lock_fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0644);
	if (r->lock_fd < 0) {
		error("cannot open '%s': %s", path.data, strerror(errno));
		buf_release(&path);
		return -1;
	}
	buf_release(&path);
	if (flock(r->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	info("waiting for another publish into '%s' to finish", r->root);
	if (flock(r->lock_fd, LOCK_EX) < 0)
		return error("cannot lock '%s': %s", r->root, strerror(errno));
	return 0;
}

/* A temporary name of ours: ".new-..." (pool) or NAME.XXXXXX from
 * fs_write_atomic() over an index, key, settings or by-hash file. */
static int stale_temp(const char *name)
{
	static const char *const ours[] = {
		"Packages", "Packages.gz", "Packages.xz", "Release",
		"Release.gpg", "InRelease", "repomd.xml", "repomd.xml.asc",
		"repo.gpg", "repo.asc", REPO_CONF,
	};
	size_t n = strlen(name), i;

	if (starts_with(name, ".new-"))
		return 1;
	if (n < 8 || name[n - 7] != '.')
		return 0;
	for (i = 0; i < ARRAY_SIZE(ours); i++)
		if (strlen(ours[i]) == n - 7 && !strncmp(name, ours[i], n - 7))
			return 1;
	/* by-hash copies and the .sha256 notes beside pooled rpms */
	return (n == 64 + 7 && strspn(name, "0123456789abcdef") == 64) ||
	       (n > 14 && !strncmp(name + n - 14, ".sha256.", 8));
}

/* Under the lock nobody else writes: temporary files of a publish that
 * was killed are garbage. */
static void sweep(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf path = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		if (lstat(path.data, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8)
			sweep(path.data, depth + 1);
		else if (S_ISREG(st.st_mode) && stale_temp(e->d_name))
			unlink(path.data);
	}
	closedir(d);
	buf_release(&path);
}

/* Only our lock file in it (taken just before the check). */
static int dir_is_empty_but_lock(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, ".lock"))
			empty = 0;
	closedir(d);
	return empty;
}

void repo_close(struct repo *r)
{
	size_t i;

	if (r->lock_fd >= 0)
		close(r->lock_fd);
	sign_close(r->sg);
	for (i = 0; i < r->nsuites; i++) {
		free(r->suites[i].name);
		free(r->suites[i].archs);
	}
	free(r->suites);
	free(r->key);
	free(r->origin);
	free(r->root);
	memset(r, 0, sizeof(*r));
	r->lock_fd = -1;
}

/* A failed first publish leaves no folder behind. */
void repo_abandon(struct repo *r)
{
	struct buf path = BUF_INIT;

	if (r->created) {
		buf_addf(&path, "%s/.lock", r->root);
		unlink(path.data);
		rmdir(r->root);
	}
	buf_release(&path);
	repo_close(r);
}

/* Opens (with create: makes) the repository at dir and takes its lock. */
int repo_open(struct repo *r, const char *dir, int create)
{
	struct buf conf = BUF_INIT;
	struct stat st;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->lock_fd = -1;
	r->root = xstrdup(dir);
	buf_addf(&conf, "%s/%s", dir, REPO_CONF);
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT || !create) {
			error("cannot open repository '%s': %s", dir,
			      strerror(errno));
			goto out;
		}
		if (fs_mkdir_p(dir, 0755, NULL) < 0)
			goto out;
		r->created = 1;
	} else if (!S_ISDIR(st.st_mode)) {
		error("'%s' is not a folder", dir);
		goto out;
	}
	/* checked before the lock file is made: a folder that is not ours
	 * stays untouched */
	if (access(conf.data, F_OK) < 0) {
		if (!create) {
			error("'%s' is not a pkgtool repository (no %s)", dir,
			      REPO_CONF);
			goto out;
		}
		if (!r->created && !dir_is_empty_but_lock(dir)) {
			error("'%s' is not a pkgtool repository (no %s) and "
			      "not empty; give a new or an empty folder",
			      dir, REPO_CONF);
			goto out;
		}
	}
	if (lock_repo(r) < 0)
		goto out;
	sweep(dir, 0);
	ret = access(conf.data, F_OK) == 0 ? conf_load(r, conf.data) : 0;
	if (!ret && !r->origin)
		r->origin = xstrdup("pkgtool");
out:
	buf_release(&conf);
	return ret;
}

