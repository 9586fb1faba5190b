/* fetch_test.c - asset names, download URLs, cache directory, URL
 * redaction, header lookup and the version text that goes into paths
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fetch.h"
#include "harness.h"
#include "http.h"
#include "plan.h"
#include "site.h"
#include "util.h"
#include "version.h"

static int load(struct site *s, const char *yaml)
{
	return site_load_mem(s, "t.yml", yaml, strlen(yaml), NULL);
}

static const char *name_of(const char *yaml, const char *ver,
			   const char *arch, struct buf *b)
{
	struct site s;
	struct plan_source src;
	struct version v;

	buf_reset(b);
	if (load(&s, yaml) == 0 && version_parse(&v, ver) == 0) {
		plan_source_init(&src, &s);
		fetch_asset_name(&src, &v, arch, b);
	}
	site_release(&s);
	return b->data;
}

TEST(fetch_asset_names)
{
	struct buf b = BUF_INIT;

	CHECK_STR_EQ(name_of("", "1.19.5", "amd64", &b), "periphery-x86_64");
	CHECK_STR_EQ(name_of("", "v2.3.2", "arm64", &b), "periphery-aarch64");
	CHECK_STR_EQ(name_of("", "1.16.12", "amd64", &b), "periphery-x86_64");
	CHECK_STR_EQ(name_of("", "1.16.11", "amd64", &b), "periphery");
	CHECK_STR_EQ(name_of("", "1.16.11", "arm64", &b), "periphery-aarch64");
	CHECK_STR_EQ(name_of("komodo_bin: my-agent\n", "1.19.5", "arm64", &b),
		     "my-agent");
	buf_release(&b);
}

static const char *url_of(const char *yaml, struct buf *b)
{
	struct site s;
	struct plan_source src;
	struct version v;

	buf_reset(b);
	if (load(&s, yaml) == 0 && version_parse(&v, "v1.19.5") == 0) {
		plan_source_init(&src, &s);
		fetch_asset_url(&src, &v, "periphery-x86_64", b);
	}
	site_release(&s);
	return b->data;
}

TEST(fetch_urls)
{
	struct buf b = BUF_INIT;

	CHECK_STR_EQ(url_of("", &b),
		     "https://github.com/moghtech/komodo/releases/download/"
		     "v1.19.5/periphery-x86_64");
	CHECK_STR_EQ(url_of("komodo_download_source: forge\n", &b),
		     "https://forge.mogh.tech/api/packages/komodo/generic/"
		     "periphery/1.19.5/periphery-x86_64");
	/* a mirror set in the site wins over the source */
	CHECK_STR_EQ(url_of("komodo_download_source: forge\n"
			    "komodo_download_base_url: https://m.example/k\n",
			    &b),
		     "https://m.example/k/v1.19.5/periphery-x86_64");
	buf_release(&b);
}

TEST(fetch_cache_dirs)
{
	struct fetch_opts o = { 0 };
	struct buf b = BUF_INIT;
	char *xdg = getenv("XDG_CACHE_HOME") ? xstrdup(getenv("XDG_CACHE_HOME"))
					      : NULL;
	char *home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;

	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/home/u", 1);
	CHECK(fetch_cache_dir(&o, &b) == 0);
	CHECK_STR_EQ(b.data, "/x/cache/pkgtool");
	setenv("XDG_CACHE_HOME", "relative", 1); /* invalid per XDG */
	CHECK(fetch_cache_dir(&o, &b) == 0);
	CHECK_STR_EQ(b.data, "/home/u/.cache/pkgtool");
	o.cache_dir = "given";
	CHECK(fetch_cache_dir(&o, &b) == 0);
	CHECK_STR_EQ(b.data, "given");
	if (xdg)
		setenv("XDG_CACHE_HOME", xdg, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	if (home)
		setenv("HOME", home, 1);
	free(xdg);
	free(home);
	buf_release(&b);
}

TEST(http_redaction)
{
	struct buf b = BUF_INIT;

	http_redact("https://u:pw@h.example:8443/a/b?X-Amz-Signature=s", &b);
	CHECK_STR_EQ(b.data, "https://h.example:8443/a/b?...");
	http_redact("https://h/p@q", &b); /* '@' in the path is no userinfo */
	CHECK_STR_EQ(b.data, "https://h/p@q");
	http_redact("http://127.0.0.1:9120", &b);
	CHECK_STR_EQ(b.data, "http://127.0.0.1:9120");
	buf_release(&b);
}

TEST(http_headers)
{
	struct http_resp r;
	struct buf v = BUF_INIT;

	http_resp_init(&r);
	buf_addstr(&r.headers, "HTTP/1.1 403 Forbidden\r\n"
			       "X-RateLimit-Remaining:  0 \r\n"
			       "retry-after: 30\r\n\r\n");
	CHECK(http_resp_header(&r, "x-ratelimit-remaining", &v) == 1);
	CHECK_STR_EQ(v.data, "0");
	CHECK(http_resp_header(&r, "Retry-After", &v) == 1);
	CHECK_STR_EQ(v.data, "30");
	CHECK(http_resp_header(&r, "retry", &v) == 0);
	http_resp_release(&r);
	buf_release(&v);
}

TEST(version_text_is_path_safe)
{
	struct version v;
	FILE *null = fopen("/dev/null", "w");

	diag_set_stream(null);
	CHECK(version_parse(&v, "2.0.0-dev-35") == 0);
	CHECK(version_parse(&v, "1.19.5-../../x") < 0);
	CHECK(version_parse(&v, "1.19.5-a/b") < 0);
	CHECK(version_parse(&v, "1.19.5-a%2f") < 0);
	CHECK(version_parse(&v, "1.19.5-x..y") < 0);
	diag_set_stream(NULL);
	fclose(null);
}
