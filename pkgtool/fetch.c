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
#include "resolve.h"
#include "util.h"
#include "banned.h"

#define FORGE_BASE "https://forge.mogh.tech/api/packages/komodo/generic/periphery"

void fetch_asset_name(const struct site *s, const struct version *v,
		      const char *arch, struct buf *out)
{
	const char *bin = site_str(s, "komodo_bin");

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

void fetch_asset_url(const struct site *s, const struct version *v,
		     const char *asset, struct buf *out)
{
	buf_reset(out);
	/* the base has a default, so "set in the site file" is what makes a
	 * mirror win over komodo_download_source */
	if (!site_is_set(s, "komodo_download_base_url") &&
	    !strcmp(site_str(s, "komodo_download_source"), "forge"))
		buf_addf(out, FORGE_BASE "/%s/%s", v->text, asset);
	else
		buf_addf(out, "%s/v%s/%s",
			 site_str(s, "komodo_download_base_url"), v->text,
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
static const char *pinned_sha(const struct site *s, const char *arch)
{
	const struct sval *p = site_get(s, "komodo_binary_sha256");

	if (p->type == SV_MAP) {
		const struct sval *e = sval_map_get(p, arch);

		return e && e->str ? e->str : "";
	}
	return p->type == SV_SCALAR && p->str ? p->str : "";
}

/* ---- the .verified file next to a cached asset ---------------------------- */

struct verified {
	char sha[SHA256_HEX_SIZE];
	char how[64];	/* "github-digest", "pinned", "unverified" */
};

static int verified_read(const char *path, struct verified *vf)
{
	struct buf b = BUF_INIT;
	char *line, *save = NULL;
	int r = -1;

	memset(vf, 0, sizeof(*vf));
	if (buf_read_file(&b, path) < 0)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (starts_with(line, "sha256 ") && strlen(line + 7) == 64)
			memcpy(vf->sha, line + 7, 65);
		else if (starts_with(line, "verified ") &&
			 strlen(line + 9) < sizeof(vf->how))
			memcpy(vf->how, line + 9, strlen(line + 9) + 1);
	}
	if (vf->sha[0] && vf->how[0])
		r = 0;
out:
	buf_release(&b);
	return r;
}

/* The note beside a cached asset: how and against what it was verified. */
static int verified_write(const char *path, const struct verified *vf,
			  const char *url)
{
	struct buf text = BUF_INIT, shown = BUF_INIT;
	int r;

	http_redact(url, &shown);
	buf_addf(&text, "sha256 %s\nverified %s\nurl %s\n", vf->sha, vf->how,
		 shown.data);
	r = fs_write_atomic(path, text.data, text.len, 0644);
	buf_release(&text);
	buf_release(&shown);
	return r;
}

/* 1 when the cached file can be used as it is: it hashes to what its
 * .verified file says, that matches a pin, and it was verified (or the
 * user accepts unverified files). Never an error: anything odd means
 * "download again". */
static int cache_usable(const char *file, const char *vfile, const char *pin,
			const struct fetch_opts *o, char sha[SHA256_HEX_SIZE])
{
	struct verified vf;
	struct stat st;

	if (stat(file, &st) < 0 || verified_read(vfile, &vf) < 0)
		return 0;
	if (!strcmp(vf.how, "unverified") && !pin[0] && !o->allow_unverified) {
		info("cached '%s' was never verified; downloading it again",
		     file);
		return 0;
	}
	if (pin[0] && strcmp(pin, vf.sha)) {
		info("cached '%s' is not the pinned komodo_binary_sha256; "
		     "downloading again",
		     file);
		return 0;
	}
	if (digest_file_sha256(file, sha) < 0)
		return 0;
	if (strcmp(sha, vf.sha)) {
		warning("cached '%s' changed since it was verified; "
			"downloading it again",
			file);
		return 0;
	}
	if (!strcmp(vf.how, "unverified"))
		warning("using '%s', which NOTHING VERIFIED (sha256 %s): "
			"--allow-unverified",
			file, sha);
	return 1;
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
static int github_digest(const struct site *s, const struct version *v,
			 const char *asset, const char *cacert,
			 char sha[SHA256_HEX_SIZE])
{
	struct buf url = BUF_INIT, what = BUF_INIT;
	struct json *j = NULL;
	size_t i, n;
	int r = -1;

	sha[0] = '\0';
	buf_addf(&url, "%s/repos/moghtech/komodo/releases/tags/v%s",
		 site_str(s, "komodo_github_api_url"), v->text);
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

/* The GitHub digest; with --allow-unverified a failed lookup is only a
 * warning (its reason kept), since the user chose to go on without one. */
static int digest_or_warn(const struct site *s, const struct version *v,
			  const char *asset, const struct fetch_opts *o,
			  char expect[SHA256_HEX_SIZE])
{
	FILE *saved = diag_get_stream(), *mem;
	char *text = NULL;
	size_t n = 0;
	int r;

	if (!o->allow_unverified)
		return github_digest(s, v, asset, o->cacert, expect);
	mem = open_memstream(&text, &n);
	if (!mem)
		die("out of memory");
	diag_set_stream(mem);
	r = github_digest(s, v, asset, o->cacert, expect);
	diag_set_stream(saved);
	fclose(mem);
	if (r < 0) {
		const char *why = text;

		if (starts_with(why, "pkgtool: error: "))
			why += strlen("pkgtool: error: ");
		n = strlen(why);
		while (n && why[n - 1] == '\n')
			n--;
		expect[0] = '\0';
		warning("%.*s (going on without a digest: --allow-unverified)",
			(int)n, why);
	}
	free(text);
	return 0;
}

int fetch_binary(const struct site *s, const struct version *v,
		 const char *arch, const struct fetch_opts *o, char **path,
		 char sha[SHA256_HEX_SIZE])
{
	struct buf cache = BUF_INIT, dir = BUF_INIT, asset = BUF_INIT;
	struct buf file = BUF_INIT, vfile = BUF_INIT, url = BUF_INIT;
	const char *pin = pinned_sha(s, arch);
	char expect[SHA256_HEX_SIZE] = "";
	struct verified vf;
	const char *src = NULL;
	int lock = -1, r = -1;

	*path = NULL;
	fetch_asset_name(s, v, arch, &asset);
	fetch_asset_url(s, v, asset.data, &url);
	if (fetch_cache_dir(o, &cache) < 0)
		goto out;
	buf_addf(&dir, "%s/periphery/v%s", cache.data, v->text);
	buf_addf(&file, "%s/%s", dir.data, asset.data);
	buf_addf(&vfile, "%s.verified", file.data);
	if (fs_mkdir_p(dir.data) < 0)
		goto out;
	lock = lock_dir(dir.data);
	if (!o->refresh &&
	    cache_usable(file.data, vfile.data, pin, o, sha)) {
		if (verbosity > 0)
			info("using cached %s (sha256 %s)", file.data, sha);
		goto done;
	}
	if (pin[0]) {
		memcpy(expect, pin, SHA256_HEX_SIZE);
		src = "komodo_binary_sha256";
	} else {
		if (digest_or_warn(s, v, asset.data, o, expect) < 0)
			goto out;
		src = "the GitHub release digest";
		if (!expect[0] && !o->allow_unverified) {
			error("nothing to verify '%s' v%s against: the "
			      "GitHub release has no digest for it; pin "
			      "'komodo_binary_sha256' or pass "
			      "--allow-unverified",
			      asset.data, v->text);
			goto out;
		}
	}
	if (download(url.data, asset.data, dir.data, file.data, expect, src, o,
		     sha) < 0)
		goto out;
	memcpy(vf.sha, sha, SHA256_HEX_SIZE);
	snprintf(vf.how, sizeof(vf.how), "%s",
		 pin[0] ? "pinned" : expect[0] ? "github-digest" : "unverified");
	if (!expect[0])
		warning("'%s' v%s is NOT VERIFIED: no pinned "
			"komodo_binary_sha256 and no GitHub digest; shipping "
			"what the server sent (sha256 %s) because of "
			"--allow-unverified",
			asset.data, v->text, sha);
	if (verified_write(vfile.data, &vf, url.data) < 0) {
		unlink(file.data); /* unrecorded = not in the cache */
		goto out;
	}
done:
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
