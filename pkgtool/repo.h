/* repo.h - one folder that is a signed apt and a signed dnf repository
 * SPDX-License-Identifier: MIT
 *
 * Layout of DIR (served as static files; nothing needs a daemon):
 *   pkgtool-repo.conf          marker + settings (key, origin, suites)
 *   .lock                      flock(2): one publisher at a time
 *   keys/repo.gpg, repo.asc    public key: binary (apt signed-by=), armored
 *   pool/SUITE/main/I/NAME/F.deb      apt pool, one per suite (per-host
 *                                     packages share file names)
 *   dists/SUITE/{InRelease,Release,Release.gpg}
 *   dists/SUITE/main/binary-ARCH/Packages{,.gz,.xz} + by-hash/SHA256/
 *   rpm/SUITE/Packages/F.rpm   signed rpms, one dnf repository per suite
 *   rpm/SUITE/repodata -> .repodata-N/  createrepo_c metadata + repomd.xml.asc;
 *                              a new generation is switched in by one rename
 *
 * Every index is rebuilt from the pool of its suite, written under a
 * temporary name and renamed; InRelease and repomd.xml are renamed last,
 * and metadata the previous index named stays for one more generation, so
 * a client that updates during a publish sees the old or the new state.
 */
#ifndef PKGTOOL_REPO_H
#define PKGTOOL_REPO_H
#include <stddef.h>

#include "buf.h"

struct repo_opts {
	const char *suite;	/* NULL: "stable" */
	int per_host;		/* suite = each file's parent folder name */
	const char *key;	/* NULL: the key the repository was signed with */
	const char *origin;	/* NULL: kept, first time "pkgtool" */
	const char *archs;	/* new suites: "amd64 arm64" unless given */
	const char *url;	/* for the printed source stanzas */
	unsigned keep;		/* 0: keep every version */
	unsigned valid_days;	/* 0: no Valid-Until */
	int replace;
	int allow_secrets;
};

int repo_add(const char *dir, char **files, int n, const struct repo_opts *o);
/* Removes NAME or NAME=VERSION from the suite (every suite with --all). */
int repo_remove(const char *dir, char **names, int n,
		const struct repo_opts *o);
int repo_list(const char *dir, const struct repo_opts *o);
int repo_export_key(const char *dir, const struct repo_opts *o, int armor);
int repo_sources(const char *dir, const struct repo_opts *o);

/* ---- between repo*.c only ---- */
#define REPO_CONF "pkgtool-repo.conf"
#define REPO_DEFAULT_SUITE "stable"
#define REPO_DEFAULT_ARCHS "amd64 arm64"
#define REPO_MAX_SUITES 4096

struct suite {
	char *name, *archs;
	int touched, named;
};

struct repo {
	char *root;
	int lock_fd, created;
	char *key, *origin;
	struct suite *suites;
	size_t nsuites, alloc;
	struct signer *sg;
	unsigned valid_days;
	int key_changed; /* keys/ must be exported again */
};

struct repo_opts;
/* repo_conf.c: the folder, its settings and its lock */
int repo_valid_suite(const char *s);
int repo_valid_archs(const char *a);
struct suite *repo_find_suite(struct repo *r, const char *name);
struct suite *repo_add_suite(struct repo *r, const char *name,
			     const char *archs);
int repo_conf_save(const struct repo *r);
/* Opens (with create: makes) the repository at dir and takes its lock;
 * a folder that is neither a repository nor empty is left untouched. */
int repo_open(struct repo *r, const char *dir, int create);
void repo_close(struct repo *r);
/* repo_close(), and a folder the failed first publish made goes too. */
void repo_abandon(struct repo *r);

enum repo_fmt { REPO_DEB, REPO_RPM };

/* One package file, as read from the file itself. */
struct repo_pkg {
	enum repo_fmt fmt;
	char *name, *version, *arch; /* deb arch names (rpm x86_64 -> amd64) */
	char *epoch, *ver, *rel;     /* rpm EVR parts, for ordering */
	char *raw_arch;		     /* as the package names it */
	char *control;		     /* deb: the control stanza */
	char *path;		     /* where it is read from */
	char *pool;		     /* its place, relative to the root */
	unsigned long long size;
	char md5[33], sha256[65];
	int drop;		     /* left out of the new index */
};

void repo_pkg_release(struct repo_pkg *p);
/* Debian version order (dpkg's verrevcmp); rpm's via createrepo_c. */
int repo_deb_vercmp(const char *a, const char *b);
int repo_dnf_vercmp(const struct repo_pkg *a, const struct repo_pkg *b);

/* Reads a .deb or .rpm (size, hashes, metadata) into p; -1 after reporting
 * a file that is not a usable package. */
int repo_inspect(const char *path, struct repo_pkg *p);
/* Every package of a suite's pool, p->pool set; relative to root. */
int repo_scan_suite(const char *root, const char *suite, enum repo_fmt fmt,
		    struct repo_pkg **pkgs, size_t *n);
/* Version order within one format. */
int repo_pkg_cmp(const struct repo_pkg *a, const struct repo_pkg *b);

/* Fills p from an .rpm file; -1 after reporting a file that is not one. */
int repo_dnf_inspect(const char *path, struct repo_pkg *p);

struct signer;
/* Writes dists/SUITE/ from the given debs (paths relative to root). */
int repo_apt_index(const char *root, const char *suite, const char *archs,
		   const char *origin, unsigned valid_days,
		   struct repo_pkg *pkgs, size_t n, struct signer *sg);
/* Writes rpm/SUITE/repodata/ from rpm/SUITE/Packages/, leaving out the
 * files of pkgs (the suite's rpms) marked drop: they are unlinked only
 * after repodata switched, for clients that still hold the old one. */
int repo_dnf_index(const char *root, const char *suite,
		   const struct repo_pkg *pkgs, size_t np, struct signer *sg);

/* Removes files in dir that neither keep nor old (index texts) name, dot
 * files aside; with keep NULL, every file. */
void repo_prune_dir(const char *dir, const char *keep, const char *old);
#endif
