/* resolve.c - komodo_version: a tag, latest (GitHub) or core (Komodo Core)
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "core_api.h"
#include "http.h"
#include "json.h"
#include "plan.h"
#include "resolve.h"
#include "util.h"
#include "banned.h"

#define GITHUB_REPO "moghtech/komodo"

static const char *github_token(void)
{
	const char *t = getenv("GITHUB_TOKEN");

	return t && t[0] ? t : NULL;
}

/* GitHub says "rate limited" with 403 or 429 and these headers. */
static int rate_limited(const struct http_resp *r, struct buf *why)
{
	struct buf h = BUF_INIT;
	int limited = 0;

	if (r->status != 403 && r->status != 429)
		return 0;
	if (http_resp_header(r, "retry-after", &h)) {
		limited = 1;
		buf_addf(why, "retry after %s s", h.data);
	} else if (http_resp_header(r, "x-ratelimit-remaining", &h) &&
		   !strcmp(h.data, "0")) {
		limited = 1;
		if (http_resp_header(r, "x-ratelimit-reset", &h)) {
			long long reset = strtoll(h.data, NULL, 10);
			long long left = reset - (long long)time(NULL);

			buf_addf(why, "the limit resets in %lld s",
				 left > 0 ? left : 0);
		}
	} else if (r->status == 429) {
		limited = 1;
	}
	buf_release(&h);
	return limited;
}

int github_get_json(const char *url, const char *cacert, const char *what,
		    struct json **out)
{
	static const char *const headers[] = {
		"Accept: application/vnd.github+json",
		"X-GitHub-Api-Version: 2022-11-28",
		NULL,
	};
	struct http_opts o = { 0 };
	struct http_resp r;
	struct buf shown = BUF_INIT, msg = BUF_INIT, why = BUF_INIT;
	const char *token = github_token();
	int ret = -1;

	*out = NULL;
	o.cacert = cacert;
	o.follow = 1; /* renamed repositories answer 301 */
	o.bearer = token;
	o.headers = headers;
	http_resp_init(&r);
	http_redact(url, &shown);
	if (http_request("GET", url, NULL, &o, &r) < 0)
		goto out;
	json_error_message(r.body.data, r.body.len, &msg);
	if (r.status == 200) {
		ret = json_parse(out, r.body.data, r.body.len, shown.data);
	} else if (rate_limited(&r, &why)) {
		error("GitHub API rate limit exceeded (HTTP %ld%s%s) at %s "
		      "while looking up %s; %s",
		      r.status, why.len ? ", " : "", why.data, shown.data, what,
		      token ? "the limit of GITHUB_TOKEN is used up; wait"
		      : starts_with(what, "latest")
			      ? "set GITHUB_TOKEN for a higher limit, or pin "
				"komodo_version to a tag"
			      : "set GITHUB_TOKEN for a higher limit, or pin "
				"komodo_binary_sha256");
	} else if (r.status == 401) {
		error("GitHub API %s: HTTP 401 (%s): %s", shown.data,
		      msg.len ? msg.data : "unauthorized",
		      token ? "GITHUB_TOKEN is not accepted"
			    : "authentication required");
	} else if (r.status == 404) {
		error("GitHub API %s: HTTP 404: no %s", shown.data, what);
	} else {
		error("GitHub API %s: HTTP %ld%s%s", shown.data, r.status,
		      msg.len ? ": " : "", msg.data);
	}
out:
	http_resp_release(&r);
	buf_release(&shown);
	buf_release(&msg);
	buf_release(&why);
	return ret;
}

/* Trims text and parses it as a version; src names it for the error. */
static int parse_remote(struct version *v, const char *text, size_t len,
			const char *src)
{
	struct buf t = BUF_INIT;
	int r;

	while (len && isspace((unsigned char)*text))
		text++, len--;
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	buf_add(&t, text, len < 64 ? len : 64);
	r = version_check(v, t.data);
	if (r < 0)
		error("%s gave '%s', which is no Komodo version", src, t.data);
	buf_release(&t);
	return r;
}

static int latest_version(const struct plan_source *src, const char *cacert,
			  struct version *v)
{
	struct buf url = BUF_INIT;
	struct json *j = NULL;
	const char *tag;
	int r = -1;

	buf_addf(&url, "%s/repos/" GITHUB_REPO "/releases/latest",
		 src->github_api_url);
	if (github_get_json(url.data, cacert, "latest release", &j) < 0)
		goto out;
	tag = json_str(j, "tag_name");
	if (!tag) {
		error("GitHub API %s: the reply has no 'tag_name'", url.data);
		goto out;
	}
	r = parse_remote(v, tag, strlen(tag), "GitHub's latest release");
out:
	json_free(j);
	buf_release(&url);
	return r;
}

/* Core's version through the Core client register uses too: GET /version
 * (v2, no credentials), else GetVersion with the API key (v1), as the role
 * does; missing credentials are named before that request is sent. */
static int core_version(const struct plan_source *src, const char *cacert,
			struct version *v)
{
	const char *base = src->core.url;
	const char *key = src->core.api_key;
	const char *secret = src->core.api_secret;
	struct core c;
	long status = 0;
	int ret;

	if (!base[0])
		return error_at(src->version.loc,
				"'komodo_version: core' needs the address of "
				"Komodo Core: set 'komodo_core_http_address' "
				"(or 'komodo_core_url', or "
				"'komodo_core_address')");
	core_open(&c, base, key, secret, cacert);
	ret = core_get_version_v2(&c, &status);
	if (ret == CORE_NOT_FOUND && (!key[0] || !secret[0])) {
		ret = error_at(src->version.loc,
			       "'komodo_version: core': Komodo Core at %s has "
			       "no GET /version (HTTP %ld, a v1 Core?), and "
			       "GetVersion needs an API key: set %s",
			       c.url, status,
			       !key[0] && !secret[0]
				       ? "'komodo_core_api_key' and "
					 "'komodo_core_api_secret'"
			       : !key[0] ? "'komodo_core_api_key'"
					 : "'komodo_core_api_secret'");
	} else if (ret == CORE_NOT_FOUND) {
		if (verbosity > 0)
			info("%s/version: HTTP %ld; trying GetVersion (Core "
			     "v1)",
			     c.url, status);
		ret = core_get_version_v1(&c);
	}
	if (ret == 0)
		ret = parse_remote(v, c.version, strlen(c.version),
				   "Komodo Core");
	core_close(&c);
	return ret;
}

/* Answers already looked up in this run, so a build with several hosts
 * asks GitHub or Core once and prints the answer once. */
static struct {
	char *key;
	struct version v;
} memo[8];

static const struct version *memo_get(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(memo) && memo[i].key; i++)
		if (!strcmp(memo[i].key, key))
			return &memo[i].v;
	return NULL;
}

static void memo_free(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(memo); i++)
		free(memo[i].key);
}

static void memo_put(const char *key, const struct version *v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(memo) && memo[i].key; i++)
		;
	if (i == ARRAY_SIZE(memo))
		return;
	if (!i)
		atexit(memo_free);
	memo[i].key = xstrdup(key);
	memo[i].v = *v;
}

int resolve_version(const struct plan_source *src, const char *override,
		    const char *cacert, struct version *v)
{
	const char *want = override ? override : src->version.s;
	const struct version *known;
	struct buf key = BUF_INIT;
	int latest = !strcmp(want, "latest"), r;

	if (!latest && strcmp(want, "core"))
		return version_parse(v, want);
	buf_addf(&key, "%s %s", want,
		 latest ? src->github_api_url : src->core.url);
	known = memo_get(key.data);
	if (known) {
		*v = *known;
		buf_release(&key);
		return 0;
	}
	r = latest ? latest_version(src, cacert, v)
		   : core_version(src, cacert, v);
	if (r == 0) {
		memo_put(key.data, v);
		info("komodo_version %s: %s (%s)", want, v->text,
		     latest ? "GitHub's latest release"
			    : "the version of Komodo Core");
	}
	buf_release(&key);
	return r;
}
