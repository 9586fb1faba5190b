/* fetch.c - download, verify and cache the Periphery release binary
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "digest.h"
#include "fetch.h"
#include "fsutil.h"
#include "http.h"
#include "json.h"
#include "plan.h"
#include "resolve.h"
#include "util.h"
#include "banned.h"

#define FORGE_BASE "https://forge.mogh.tech/api/packages/komodo/generic/periphery"

void fetch_asset_name(const struct plan_source *src, const struct version *v,
		      const char *arch, struct buf *out)
{
	const char *bin = src->asset;

	buf_reset(out);
	if (bin[0])
		buf_addstr(out, bin);
	else if (!strcmp(arch, "arm64"))
		buf_addstr(out, "periphery-aarch64");
	else if (version_at_least(v, "1.16.12"))
		buf_addstr(out, "periphery-x86_64");
	else
		buf_addstr(out, "periphery"); /* renamed in 1.16.12 */
}

void fetch_asset_url(const struct plan_source *src, const struct version *v,
		     const char *asset, struct buf *out)
{
	buf_reset(out);
	if (src->forge)
		buf_addf(out, FORGE_BASE "/%s/%s", v->text, asset);
	else
		buf_addf(out, "%s/v%s/%s", src->download_base_url, v->text,
			 asset);
}

int fetch_cache_dir(const struct fetch_opts *o, struct buf *out)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	buf_reset(out);
	if (o->cache_dir && o->cache_dir[0])
		buf_addstr(out, o->cache_dir);
	else if (xdg && xdg[0] == '/') /* relative ones are invalid (XDG) */
		buf_addf(out, "%s/pkgtool", xdg);
	else if (home && home[0])
		buf_addf(out, "%s/.cache/pkgtool", home);
	else
		return error("no cache directory: set XDG_CACHE_HOME or HOME, "
			     "or pass --cache-dir");
	return 0;
}

/* The pinned sha256 of arch, or "" when none is pinned. */
static const char *pinned_sha(const struct plan_source *src,
			      const char *arch)
{
	const struct sval *p = src->pinned_sha256;

	if (p->type == SV_MAP) {
		const struct sval *e = sval_map_get(p, arch);

		return e && e->str ? e->str : "";
	}
	return p->type == SV_SCALAR && p->str ? p->str : "";
}

/* ---- the cache directories: ours alone ----------------------------------- */

/* Whoever can write the cache chooses the agent binary shipped, as root,
 * in every package we build: like ssh's StrictModes, a directory that is
 * not the user's alone is refused, not used. */
#define CACHE_WHY "whoever can write it chooses the agent binary in your packages"

/* Checks the open directory, not its name. The cache root may be a
 * symlink (a cache on another disk); below it pkgtool made every
 * directory itself, so a link there is refused (nofollow). */
static int cache_dir_check(const char *dir, int nofollow)
{
	char owner[96], me[96];
	struct stat st;
	int fd, r = -1;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			       (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return error("refusing cache directory '%s': not a directory "
			     "(a symbolic link?), and " CACHE_WHY ". Fix: "
			     "delete it; pkgtool makes it again",
			     dir);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error("cannot open cache directory '%s': %s", dir,
		      strerror(errno));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		fs_owner_name(st.st_uid, owner, sizeof(owner));
		fs_owner_name(geteuid(), me, sizeof(me));
		error("refusing cache directory '%s': owned by %s, not by "
		      "you, %s, and " CACHE_WHY ". Fix: delete it, or pass "
		      "--cache-dir with a directory of your own",
		      dir, owner, me);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		error("refusing cache directory '%s': mode %04o lets others "
		      "write it, and " CACHE_WHY ". Fix: chmod 700 '%s' "
		      "(pkgtool makes it 0700), or delete it",
		      dir, (unsigned)(st.st_mode & 07777), dir);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Makes dir below the cache root and checks it and every directory
 * above it up to the root (the block cache uses it too). */
int fetch_cache_prepare(const char *cache, const char *dir)
{
	struct buf b = BUF_INIT;
	const char *p;
	int r = -1;

	/* 0700, as XDG asks of $XDG_CACHE_HOME: private from the start */
	if (fs_mkdir_p(dir, 0700, NULL) < 0 || cache_dir_check(cache, 0) < 0)
		goto out;
	for (p = dir + strlen(cache); (p = strchr(p + 1, '/')) != NULL;) {
		buf_reset(&b);
		buf_add(&b, dir, (size_t)(p - dir));
		if (cache_dir_check(b.data, 1) < 0)
			goto out;
	}
	r = cache_dir_check(dir, 1);
out:
	buf_release(&b);
	return r;
}

/* The sha256 of the cached asset: 1 when there is one, 0 when there is
 * none or it is not a plain file (then it is downloaded again). Hashed
 * from one no-follow descriptor. */
static int cached_sha(const char *file, char sha[SHA256_HEX_SIZE])
{
	struct stat st;
	int fd, r = 0;

	fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		r = digest_fd_sha256(fd, file, sha) < 0 ? -1 : 1;
	close(fd);
	return r;
}

/*
 * The {asset}.verified note: what the file hashed to, how it was verified
 * and where it came from. A hint for people only: it sits in the same
 * directory as the binary, so whoever could forge the binary could forge
 * the note; the cached bytes are always checked against the pin or the
 * release digest instead. Rewritten only when it would change.
 */
static int note_write(const char *path, const char *sha, const char *how,
		      const char *url)
{
	struct buf text = BUF_INIT, shown = BUF_INIT, old = BUF_INIT;
	int r = 0;

	http_redact(url, &shown);
	buf_addf(&text, "sha256 %s\nverified %s\nurl %s\n", sha, how,
		 shown.data);
	if (buf_read_file(&old, path) < 0 || old.len != text.len ||
	    memcmp(old.data, text.data, text.len))
		r = fs_write_atomic(path, text.data, text.len, 0644);
	buf_release(&text);
	buf_release(&shown);
	buf_release(&old);
	return r;
}

/* ---- the expected digest --------------------------------------------------- */

/* The last release JSON read, so the second architecture of a build
 * costs no API request (unauthenticated clients get 60 an hour). */
static struct {
	char *url;
	struct json *j;
} release_memo;

static void release_free(void)
{
	free(release_memo.url);
	json_free(release_memo.j);
	release_memo.url = NULL;
	release_memo.j = NULL;
}

static struct json *release_get(const char *url)
{
	if (release_memo.url && !strcmp(release_memo.url, url))
		return release_memo.j;
	return NULL;
}

/* Takes ownership of j. */
static void release_put(const char *url, struct json *j)
{
	if (!release_memo.url)
		atexit(release_free);
	release_free();
	release_memo.url = xstrdup(url);
	release_memo.j = j;
}

/* The "sha256:..." digest GitHub lists for asset in release v; "" in
 * *sha when the release has no digest for it. -1 (reported) when the
 * release itself cannot be read. */
static int github_digest(const struct plan_source *src,
			 const struct version *v,
			 const char *asset, const char *cacert,
			 char sha[SHA256_HEX_SIZE])
{
	struct buf url = BUF_INIT, what = BUF_INIT;
	struct json *j = NULL;
	size_t i, n;
	int r = -1;

	sha[0] = '\0';
	buf_addf(&url, "%s/repos/moghtech/komodo/releases/tags/v%s",
		 src->github_api_url, v->text);
	buf_addf(&what, "release v%s", v->text);
	j = release_get(url.data);
	if (!j) {
		if (github_get_json(url.data, cacert, what.data, &j) < 0)
			goto out;
		release_put(url.data, j);
	}
	n = json_len(j, "assets");
	for (i = 0; i < n; i++) {
		const char *name = json_str(j, "assets.%zu.name", i);
		const char *d = json_str(j, "assets.%zu.digest", i);
		size_t k;

		if (!name || strcmp(name, asset))
			continue;
		if (!d || !starts_with(d, "sha256:") || strlen(d + 7) != 64)
			break;
		for (k = 0; k < 64; k++)
			sha[k] = (char)(d[7 + k] | 0x20); /* lowercase */
		sha[64] = '\0';
		if (strspn(sha, "0123456789abcdef") != 64) {
			error("GitHub API %s: bad digest '%s' for '%s'",
			      url.data, d, asset);
			goto out;
		}
		break;
	}
	r = 0;
out:
	buf_release(&url);
	buf_release(&what);
	return r;
}

/* ---- download into a temp file, hashing on the way ----------------------- */

struct dl {
	int fd;
	const char *path;
	struct sha256_ctx sha;
};

static int dl_write(void *ctx, const void *p, size_t n)
{
	struct dl *d = ctx;
	const char *c = p;

	sha256_update(&d->sha, p, n);
	while (n) {
		ssize_t w = write(d->fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return error("cannot write '%s': %s", d->path,
				     strerror(w < 0 ? errno : ENOSPC));
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int dl_reset(void *ctx)
{
	struct dl *d = ctx;

	/* a retry starts over: hash only the bytes that end up in the file */
	sha256_release(&d->sha);
	sha256_init(&d->sha);
	if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
		return error("cannot truncate '%s': %s", d->path,
			     strerror(errno));
	return 0;
}

/* The temp file a signal must not leave behind. */
static char sig_tmp[4096];
static volatile sig_atomic_t sig_tmp_set;

static void on_signal(int sig)
{
	if (sig_tmp_set)
		unlink(sig_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void guard_tmp(const char *path, struct sigaction *old)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	snprintf(sig_tmp, sizeof(sig_tmp), "%s", path);
	sig_tmp_set = 1;
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
}

static void unguard_tmp(const struct sigaction *old)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	sig_tmp_set = 0;
}

/* Downloads url into a temp file in dir and renames it to file when its
 * sha256 is expect (from src, for the message); any hash when expect is
 * "". sha gets the hash of what was served. */
static int download(const char *url, const char *asset, const char *dir,
		    const char *file, const char *expect, const char *src,
		    const struct fetch_opts *o, char sha[SHA256_HEX_SIZE])
{
	struct http_opts ho = { 0 };
	struct sigaction old[ARRAY_SIZE(sigs)];
	struct buf tmp = BUF_INIT, shown = BUF_INIT;
	uint8_t raw[SHA256_DIGEST_LEN];
	struct http_sink sink;
	struct dl d = { .fd = -1 };
	int r = -1;

	buf_addf(&tmp, "%s/.%s.XXXXXX", dir, asset);
	d.fd = mkstemp(tmp.data);
	if (d.fd < 0) {
		error("cannot create a file in '%s': %s", dir, strerror(errno));
		goto out;
	}
	guard_tmp(tmp.data, old);
	d.path = tmp.data;
	sha256_init(&d.sha);
	sink.write = dl_write;
	sink.reset = dl_reset;
	sink.ctx = &d;
	ho.cacert = o->cacert;
	ho.label = asset;
	if (http_get_sink(url, &ho, &sink, NULL) < 0)
		goto fail;
	sha256_final(&d.sha, raw);
	digest_hex(raw, sizeof(raw), sha);
	if (expect[0] && strcmp(sha, expect)) {
		http_redact(url, &shown);
		error("sha256 mismatch for '%s' from %s: got %s, %s says %s",
		      asset, shown.data, sha, src, expect);
		goto fail;
	}
	if (fchmod(d.fd, 0755) < 0 || fsync(d.fd) < 0) {
		error("cannot write '%s': %s", tmp.data, strerror(errno));
		goto fail;
	}
	close(d.fd);
	d.fd = -1;
	if (rename(tmp.data, file) < 0) {
		error("cannot rename '%s' to '%s': %s", tmp.data, file,
		      strerror(errno));
		goto fail;
	}
	r = 0;
	goto done;
fail:
	if (d.fd >= 0)
		close(d.fd);
	unlink(tmp.data);
done:
	unguard_tmp(old);
out:
	sha256_release(&d.sha);
	buf_release(&tmp);
	buf_release(&shown);
	return r;
}

/* Holds an exclusive flock on the version's cache directory itself (no
 * lock file to leave behind): a second pkgtool fetching the same release
 * waits, then finds it cached. -1 (no lock) is not fatal. */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				close(fd);
				fd = -1;
				break;
			}
		}
	}
	if (fd < 0 && verbosity > 0)
		info("cannot lock '%s' (%s); going on without", dir,
		     strerror(errno));
	return fd;
}

/* github_digest() with its messages held back: on failure all but the
 * last line go out as they are and the last (the error) lands in why, so
 * the caller can say what it means in one line. */
static int digest_lookup(const struct plan_source *src,
			 const struct version *v,
			 const char *asset, const struct fetch_opts *o,
			 char expect[SHA256_HEX_SIZE], struct buf *why)
{
	FILE *saved = diag_get_stream(), *mem;
	char *text = NULL, *last;
	size_t n = 0;
	int r;

	mem = open_memstream(&text, &n);
	if (!mem)
		die("out of memory");
	diag_set_stream(mem);
	r = github_digest(src, v, asset, o->cacert, expect);
	diag_set_stream(saved);
	fclose(mem);
	if (r == 0) {
		/* nothing to reword: progress and -v lines go out as they are */
		fputs(text, saved ? saved : stderr);
		free(text);
		return 0;
	}
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	last = strrchr(text, '\n');
	if (last) {
		*last++ = '\0';
		fprintf(saved ? saved : stderr, "%s\n", text);
	} else {
		last = text;
	}
	if (starts_with(last, "pkgtool: error: "))
		last += strlen("pkgtool: error: ");
	buf_addstr(why, last);
	free(text);
	return r;
}

/*
 * What the asset must hash to: the pin, else GitHub's release digest.
 * "" only with --allow-unverified. cached names a cached copy that can
 * only be trusted through that digest (for the message when there is
 * none).
 */
static int expected_sha(const struct plan_source *from,
			const struct version *v, const char *asset,
			const char *pin, const char *cached,
			const struct fetch_opts *o, char expect[SHA256_HEX_SIZE],
			const char **src)
{
	struct buf why = BUF_INIT;
	int r = 0;

	if (pin[0]) {
		memcpy(expect, pin, SHA256_HEX_SIZE);
		*src = "komodo_binary_sha256";
		return 0;
	}
	*src = "the GitHub release digest";
	if (digest_lookup(from, v, asset, o, expect, &why) < 0) {
		expect[0] = '\0';
		if (o->allow_unverified)
			warning("%s (going on without a digest: "
				"--allow-unverified)",
				why.data);
		else if (cached)
			r = error("%s; without the release digest the cached "
				  "'%s' cannot be trusted: to build offline, "
				  "pin 'komodo_binary_sha256' (pkgtool fetch "
				  "prints it where the network is)",
				  why.data, cached);
		else
			r = error("%s", why.data);
	} else if (!expect[0] && !o->allow_unverified) {
		r = error("nothing to verify '%s' v%s against: the GitHub "
			  "release has no digest for it; pin "
			  "'komodo_binary_sha256' or pass --allow-unverified",
			  asset, v->text);
	}
	buf_release(&why);
	return r;
}

/* 1 when the cached copy (hashing to sha) may be shipped. */
static int cache_usable(const char *file, const char *sha, const char *expect,
			const char *src)
{
	if (!expect[0]) {
		/* only with --allow-unverified */
		warning("using '%s', which NOTHING VERIFIED (sha256 %s): "
			"--allow-unverified",
			file, sha);
		return 1;
	}
	if (!strcmp(sha, expect))
		return 1;
	warning("cached '%s' does not match %s (sha256 %s, want %s); "
		"downloading it again",
		file, src, sha, expect);
	return 0;
}

int fetch_binary(const struct plan_source *from, const struct version *v,
		 const char *arch, const struct fetch_opts *o, char **path,
		 char sha[SHA256_HEX_SIZE])
{
	struct buf cache = BUF_INIT, dir = BUF_INIT, asset = BUF_INIT;
	struct buf file = BUF_INIT, vfile = BUF_INIT, url = BUF_INIT;
	const char *pin = pinned_sha(from, arch), *src = NULL;
	char expect[SHA256_HEX_SIZE] = "";
	int lock = -1, r = -1, cached = 0;

	*path = NULL;
	fetch_asset_name(from, v, arch, &asset);
	fetch_asset_url(from, v, asset.data, &url);
	if (fetch_cache_dir(o, &cache) < 0)
		goto out;
	buf_addf(&dir, "%s/periphery/v%s", cache.data, v->text);
	buf_addf(&file, "%s/%s", dir.data, asset.data);
	buf_addf(&vfile, "%s.verified", file.data);
	if (fetch_cache_prepare(cache.data, dir.data) < 0)
		goto out;
	lock = lock_dir(dir.data);
	if (!o->refresh) {
		cached = cached_sha(file.data, sha);
		if (cached < 0)
			goto out;
	}
	if (expected_sha(from, v, asset.data, pin, cached ? file.data : NULL,
			 o, expect, &src) < 0)
		goto out;
	if (cached && cache_usable(file.data, sha, expect, src)) {
		if (verbosity > 0)
			info("using cached %s (sha256 %s)", file.data, sha);
	} else {
		if (download(url.data, asset.data, dir.data, file.data, expect,
			     src, o, sha) < 0)
			goto out;
		if (!expect[0])
			warning("'%s' v%s is NOT VERIFIED: no pinned "
				"komodo_binary_sha256 and no GitHub digest; "
				"shipping what the server sent (sha256 %s) "
				"because of --allow-unverified",
				asset.data, v->text, sha);
	}
	if (note_write(vfile.data, sha,
		       pin[0]	   ? "pinned"
		       : expect[0] ? "github-digest"
				   : "unverified",
		       url.data) < 0)
		goto out;
	*path = buf_detach(&file, NULL);
	r = 0;
out:
	if (lock >= 0)
		close(lock); /* releases the flock */
	buf_release(&cache);
	buf_release(&dir);
	buf_release(&asset);
	buf_release(&file);
	buf_release(&vfile);
	buf_release(&url);
	return r;
}

int fetch_opts_parse(struct fetch_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'C':
		o->cache_dir = arg;
		return 1;
	case 'A':
		o->cacert = arg;
		return 1;
	case 'R':
		o->refresh = 1;
		return 1;
	case 'U':
		o->allow_unverified = 1;
		return 1;
	}
	return 0;
}
