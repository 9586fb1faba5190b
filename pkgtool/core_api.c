/* core_api.c - Komodo Core requests, their status codes and errors
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core_api.h"
#include "crypto.h"
#include "http.h"
#include "json.h"
#include "util.h"
#include "version.h"
#include "banned.h"

static const char *const secret_fields[] = { "passkey", NULL };

void core_open(struct core *c, const char *url, const char *key,
	       const char *secret, const char *cacert)
{
	size_t n = strlen(url);

	memset(c, 0, sizeof(*c));
	while (n && url[n - 1] == '/')
		n--;
	c->url = xstrndup(url, n);
	c->cacert = cacert;
	buf_init(&c->hkey);
	buf_init(&c->hsecret);
	buf_init(&c->public_key);
	buf_addf(&c->hkey, "X-Api-Key: %s", key);
	buf_addf(&c->hsecret, "X-Api-Secret: %s", secret);
	c->headers[0] = c->hkey.data;
	c->headers[1] = c->hsecret.data;
	c->headers[2] = "Accept: application/json";
	c->headers[3] = NULL;
}

void core_close(struct core *c)
{
	free(c->url);
	c->url = NULL;
	buf_wipe(&c->hkey);
	buf_wipe(&c->hsecret);
	buf_release(&c->public_key);
}

static void http_opts_for(const struct core *c, int attempts, int auth,
			  struct http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cacert = c->cacert;
	/* a Core on the LAN is often plain http; the user wrote it so */
	o->allow_http = starts_with(c->url, "http://");
	o->attempts = attempts;
	o->headers = auth ? c->headers : NULL;
}

/* "did not find any Server matching x" (v1), "Did not find ..." (v2) */
static int says_not_found(const char *msg)
{
	return strncasecmp(msg, "did not find", 12) == 0;
}

/* Seconds from a Retry-After header (delta-seconds form only); -1 if
 * there is none we can use. */
static long retry_after(const struct http_resp *r)
{
	struct buf v = BUF_INIT;
	long s = -1;

	if (http_resp_header(r, "Retry-After", &v) && v.len) {
		char *end;

		errno = 0;
		s = strtol(v.data, &end, 10);
		if (errno || *end || s < 0)
			s = -1;
	}
	buf_release(&v);
	return s;
}

static void sleep_s(long s)
{
	struct timespec ts = { s, 0 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void core_describe(const struct core *c, int write, const char *type,
		   const struct json *params, struct buf *out)
{
	struct json *req = json_new_object();
	struct buf body = BUF_INIT;

	json_set_str(req, "type", type);
	json_set_object(req, "params");
	buf_addf(out, "POST %s/%s ", c->url, write ? "write" : "read");
	/* the masked copy is what is shown; the real body is built apart */
	json_dump_masked(req, secret_fields, &body);
	if (params) {
		struct buf p = BUF_INIT;

		json_dump_masked(params, secret_fields, &p);
		/* {"type":T,"params":{}} -> splice the params in */
		buf_truncate(&body, body.len - 3);
		buf_addf(&body, "%s}", p.data);
		buf_release(&p);
	}
	buf_addstr(out, body.data);
	buf_release(&body);
	json_free(req);
}

static void body_of(const char *type, const struct json *params,
		    struct buf *out)
{
	struct json *req = json_new_object();
	struct buf p = BUF_INIT;

	json_set_str(req, "type", type);
	json_set_object(req, "params");
	json_dump(req, out);
	if (params) {
		json_dump(params, &p);
		buf_truncate(out, out->len - 3);
		buf_addf(out, "%s}", p.data);
		explicit_bzero(p.data, p.len);
	}
	buf_release(&p);
	json_free(req);
}

/* Reports an error answer. */
static int explain(const struct core *c, const char *type,
		   const struct http_resp *r, int tries)
{
	const char *who = c->subject ? c->subject : "";
	const char *sep = c->subject ? ": " : "";
	struct buf msg = BUF_INIT;
	long s = r->status;
	int ret;

	json_error_message(r->body.data, r->body.len, &msg);
	if (!msg.len)
		buf_addstr(&msg, "(no message)");
	switch (s) {
	case 401:
		ret = error("%s%sKomodo Core at %s rejected the API key (%s: "
			    "HTTP 401: %s); check 'komodo_core_api_key' and "
			    "'komodo_core_api_secret' (a key is made in Core "
			    "under Settings > API keys, and its user must be "
			    "enabled)",
			    who, sep, c->url, type, msg.data);
		break;
	case 403:
		ret = error("%s%sKomodo Core at %s does not allow %s for this "
			    "API key's user (HTTP 403: %s); creating servers "
			    "needs an admin, or a user given the right to "
			    "create servers",
			    who, sep, c->url, type, msg.data);
		break;
	case 409:
		ret = error("%s%s%s: Komodo Core at %s reports a conflict "
			    "(HTTP 409: %s)",
			    who, sep, type, c->url, msg.data);
		break;
	case 429:
		ret = error("%s%sKomodo Core at %s still answers 'too many "
			    "requests' after %d tries (%s: HTTP 429: %s); "
			    "wait a while before running register again",
			    who, sep, c->url, tries, type, msg.data);
		break;
	case 500:
		ret = error("%s%sKomodo Core at %s failed %s (HTTP 500): %s%s",
			    who, sep, c->url, type, msg.data,
			    strstr(msg.data, "permission")
				    ? " (the API key's user needs Write "
				      "permission on this server)"
				    : "");
		break;
	case 400:
	case 415:
	case 422:
		ret = error("%s%sKomodo Core at %s did not accept %s (HTTP "
			    "%ld: %s); is the URL that of a Komodo Core?",
			    who, sep, c->url, type, s, msg.data);
		break;
	default:
		ret = error("%s%sKomodo Core at %s: %s: HTTP %ld: %s", who, sep,
			    c->url, type, s, msg.data);
	}
	buf_release(&msg);
	return ret;
}

int core_call(struct core *c, int write, const char *type,
	      const struct json *params, struct json **reply)
{
	struct buf url = BUF_INIT, body = BUF_INIT, msg = BUF_INIT;
	struct http_opts o;
	struct http_resp r;
	int tries, ret = -1;

	if (reply)
		*reply = NULL;
	if (c->show) {
		struct buf d = BUF_INIT;

		core_describe(c, write, type, params, &d);
		fprintf(c->show, "  sent: %s\n", d.data);
		buf_release(&d);
	}
	buf_addf(&url, "%s/%s", c->url, write ? "write" : "read");
	body_of(type, params, &body);
	/* One try in http.c: Core's 500s are answers (not found, no
	 * permission), not hiccups, and a write may have been done. Only a
	 * read that met a proxy's 502/503/504 (Core restarting) is repeated
	 * here, like a 429. */
	http_opts_for(c, 1, 1, &o);
	http_resp_init(&r);
	for (tries = 1;; tries++) {
		long wait;

		if (http_request("POST", url.data, body.data, &o, &r) < 0) {
			/* http.c said what went wrong; say what for */
			error("%s%sno answer from Komodo Core to %s (timeouts: "
			      "$PKGTOOL_HTTP_TIMEOUT)",
			      c->subject ? c->subject : "",
			      c->subject ? ": " : "", type);
			goto out;
		}
		if (r.status == 429) {
			wait = retry_after(&r);
			if (wait < 0)
				wait = 1;
			if (tries >= CORE_TRIES || wait > CORE_WAIT_MAX) {
				c->refused = 1;
				explain(c, type, &r, tries);
				goto out;
			}
			info("Komodo Core at %s: too many requests; waiting %ld "
			     "s as it asks (try %d of %d)",
			     c->url, wait, tries + 1, CORE_TRIES);
		} else if (!write && r.status >= 502 && r.status <= 504 &&
			   tries < CORE_TRIES) {
			wait = tries;
			info("Komodo Core at %s: HTTP %ld; trying again in %ld s "
			     "(try %d of %d)",
			     c->url, r.status, wait, tries + 1, CORE_TRIES);
		} else {
			break;
		}
		sleep_s(wait);
	}
	if (r.status == 200) {
		struct buf what = BUF_INIT;

		buf_addf(&what, "Komodo Core's answer to %s", type);
		if (!reply) {
			ret = CORE_OK;
		} else if (json_parse(reply, r.body.data, r.body.len,
				      what.data) == 0) {
			ret = CORE_OK;
		}
		buf_release(&what);
		goto out;
	}
	json_error_message(r.body.data, r.body.len, &msg);
	if (r.status == 500 && says_not_found(msg.data)) {
		ret = CORE_NOT_FOUND;
		goto out;
	}
	if (r.status == 409 && !strcmp(type, "CreateServer")) {
		ret = CORE_EXISTS;
		goto out;
	}
	if (r.status == 401)
		c->refused = 1;
	explain(c, type, &r, tries);
out:
	explicit_bzero(body.data, body.len);
	buf_release(&body);
	buf_release(&url);
	buf_release(&msg);
	http_resp_release(&r);
	return ret;
}

static int set_version(struct core *c, const char *text, size_t len,
		       const char *src)
{
	struct buf t = BUF_INIT;
	struct version v;
	int r = 0;

	while (len && isspace((unsigned char)*text))
		text++, len--;
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	buf_add(&t, text, len);
	if (version_check(&v, t.data) < 0) {
		r = error("Komodo Core at %s: %s gave '%.40s', which is no "
			  "version",
			  c->url, src, t.data);
	} else {
		c->major = v.major;
		c->minor = v.minor;
		if (strlen(v.text) >= sizeof(c->version))
			BUG("version text too long");
		memcpy(c->version, v.text, strlen(v.text) + 1);
	}
	buf_release(&t);
	return r;
}

int core_get_version_v2(struct core *c, long *status)
{
	struct buf url = BUF_INIT;
	struct http_opts o;
	struct http_resp r;
	int ret = -1;

	http_opts_for(c, 1, 0, &o); /* no credentials: /version needs none */
	http_resp_init(&r);
	buf_addf(&url, "%s/version", c->url);
	if (c->show)
		fprintf(c->show, "  sent: GET %s\n", url.data);
	if (http_request("GET", url.data, NULL, &o, &r) < 0)
		goto out;
	*status = r.status;
	if (r.status == 200)
		ret = set_version(c, r.body.data, r.body.len, "GET /version");
	else
		ret = CORE_NOT_FOUND; /* v1 has no GET /version */
out:
	http_resp_release(&r);
	buf_release(&url);
	return ret;
}

int core_get_version_v1(struct core *c)
{
	struct json *j = NULL;
	const char *v;
	int ret = core_call(c, 0, "GetVersion", NULL, &j);

	if (ret > 0)
		ret = error("Komodo Core at %s: GetVersion: unexpected "
			    "answer",
			    c->url);
	if (ret < 0)
		goto out;
	v = json_str(j, "version");
	if (!v)
		ret = error("Komodo Core at %s: GetVersion's answer has no "
			    "'version'",
			    c->url);
	else
		ret = set_version(c, v, strlen(v), "GetVersion");
out:
	json_free(j);
	return ret;
}

int core_get_version(struct core *c)
{
	long status;
	int ret = core_get_version_v2(c, &status);

	return ret == CORE_NOT_FOUND ? core_get_version_v1(c) : ret;
}

int core_get_info(struct core *c)
{
	struct json *j = NULL;
	const char *k;
	int ret = core_call(c, 0, "GetCoreInfo", NULL, &j);

	buf_reset(&c->public_key);
	if (ret > 0)
		ret = error("Komodo Core at %s: GetCoreInfo: unexpected answer",
			    c->url);
	if (ret < 0)
		goto out;
	k = json_str(j, "public_key");
	if (!k || !k[0])
		goto out;
	/* it goes into packages: only a well-formed key, nothing else */
	if (!crypto_x25519_public_valid(k))
		ret = error("Komodo Core at %s: GetCoreInfo gave a 'public_key' "
			    "that is no X25519 public key (base64 SPKI); is "
			    "the URL that of a Komodo Core?",
			    c->url);
	else
		buf_addstr(&c->public_key, k);
out:
	json_free(j);
	return ret;
}
