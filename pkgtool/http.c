/* http.c - libcurl behind a small API: downloads into a sink, API requests
 * into a capped buffer (the only file that includes <curl/curl.h>)
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "util.h"
#include "banned.h"

#define DEFAULT_ATTEMPTS 3
#define CONNECT_TIMEOUT 15L
#define LOW_SPEED_TIME 30L
#define MAX_REDIRS 5L
#define HEADERS_MAX (64u << 10)
/* A release asset is tens of MB; anything near this is not one. */
#define DOWNLOAD_MAX ((curl_off_t)1 << 30)

static int curl_ready;

static void http_cleanup(void)
{
	curl_global_cleanup();
}

static void http_init(void)
{
	if (curl_ready)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die("cannot initialise libcurl");
	curl_ready = 1;
	atexit(http_cleanup);
}

void http_resp_init(struct http_resp *r)
{
	r->status = 0;
	buf_init(&r->headers);
	buf_init(&r->body);
}

void http_resp_release(struct http_resp *r)
{
	buf_release(&r->headers);
	buf_release(&r->body);
	r->status = 0;
}

int http_resp_header(const struct http_resp *r, const char *name,
		     struct buf *out)
{
	const char *p = r->headers.data;
	size_t n = strlen(name);

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);

		if ((size_t)(end - p) > n && !strncasecmp(p, name, n) &&
		    p[n] == ':') {
			const char *v = p + n + 1;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && isspace((unsigned char)end[-1]))
				end--;
			buf_reset(out);
			buf_add(out, v, (size_t)(end - v));
			return 1;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return 0;
}

void http_redact(const char *url, struct buf *out)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *slash = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(slash - host));
	const char *q;

	buf_reset(out);
	buf_add(out, url, (size_t)(host - url));
	if (at)
		host = at + 1;
	q = strchr(host, '?');
	if (q) {
		buf_add(out, host, (size_t)(q - host));
		buf_addstr(out, "?...");
	} else {
		buf_addstr(out, host);
	}
}

/* ---- one transfer --------------------------------------------------------- */

struct xfer {
	const struct http_sink *sink;	/* download, or */
	struct buf *body;		/* API reply */
	struct buf *headers;		/* of the final response */
	int sink_failed, too_big;
	long long bytes;
	/* progress bar, only on a terminal */
	const char *label;
	double last_draw;
	int drew;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;

	n *= size;
	/* each response (redirects, 100 Continue) starts with a status line;
	 * keep only the last one's headers */
	if (n >= 5 && !memcmp(p, "HTTP/", 5))
		buf_reset(x->headers);
	if (x->headers->len + n <= HEADERS_MAX)
		buf_add(x->headers, p, n);
	return n;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;

	n *= size;
	if (x->sink) {
		if (x->sink->write(x->sink->ctx, p, n) < 0) {
			x->sink_failed = 1;
			return 0;
		}
	} else {
		if (x->body->len + n > HTTP_BODY_MAX) {
			x->too_big = 1;
			return 0;
		}
		buf_add(x->body, p, n);
	}
	x->bytes += (long long)n;
	return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ctx;
	double t = now();
	int width = 30, fill = 0, pct = 0;

	if (t - x->last_draw < 0.1 && !(dltotal && dlnow == dltotal))
		return 0;
	x->last_draw = t;
	if (dltotal > 0) {
		pct = (int)(dlnow * 100 / dltotal);
		fill = (int)(dlnow * width / dltotal);
	}
	fprintf(stderr, "\r%-20.20s %3d%% [%-*.*s] %7.1f MB", x->label, pct,
		width, fill, "==============================",
		(double)dlnow / 1e6);
	x->drew = 1;
	return 0;
}

static const char *ca_bundle(const struct http_opts *o)
{
	const char *e;

	if (o->cacert && o->cacert[0])
		return o->cacert;
	e = getenv("SSL_CERT_FILE");
	if (e && e[0])
		return e;
	e = getenv("CURL_CA_BUNDLE");
	if (e && e[0])
		return e;
	return NULL;
}

static long timeout_env(long dflt)
{
	const char *e = getenv("PKGTOOL_HTTP_TIMEOUT");
	char *end;
	long t;

	if (!e || !e[0])
		return dflt;
	errno = 0;
	t = strtol(e, &end, 10);
	if (errno || *end || t <= 0 || t > 3600) {
		warning("ignoring PKGTOOL_HTTP_TIMEOUT='%s' (not 1..3600)", e);
		return dflt;
	}
	return t;
}

static int scheme_ok(const char *url, const struct http_opts *o)
{
	struct buf shown = BUF_INIT;
	int r = 0;

	if (!strncasecmp(url, "https://", 8))
		return 0;
	http_redact(url, &shown);
	if (!strncasecmp(url, "http://", 7)) {
		if (!o->allow_http)
			r = error("refusing '%s': only https:// URLs are "
				  "allowed here",
				  shown.data);
	} else {
		r = error("refusing '%s': not an https:// URL", shown.data);
	}
	buf_release(&shown);
	return r;
}

static CURL *easy_new(const char *url, const struct http_opts *o,
		      struct xfer *x, char *errbuf, struct curl_slist **hdrs)
{
	const int plain = !strncasecmp(url, "http://", 7);
	const char *protos = plain ? "http,https" : "https";
	const char *ca = ca_bundle(o);
	const char *const *h;
	long t = timeout_env(0);
	CURL *c;

	http_init();
	c = curl_easy_init();
	if (!c)
		die("out of memory (curl_easy_init)");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, o->follow ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, MAX_REDIRS);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, t ? t : CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, t ? t : LOW_SPEED_TIME);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pkgtool");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (o->bearer && o->bearer[0]) {
		/* libcurl sends it to the first host only, never to the host
		 * a redirect points at (no CURLOPT_UNRESTRICTED_AUTH) */
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, o->bearer);
	}
	*hdrs = NULL;
	for (h = o->headers; h && *h; h++) {
		struct curl_slist *n = curl_slist_append(*hdrs, *h);

		if (!n)
			die("out of memory (curl_slist_append)");
		*hdrs = n;
	}
	return c;
}

/* Worth another try: the network or the server may do better next time. */
static int transient(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
	case CURLE_HTTP_RETURNED_ERROR:
		return status >= 500 && status <= 599;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static void describe(CURLcode rc, long status, const char *errbuf,
		     struct buf *out)
{
	buf_reset(out);
	if (rc == CURLE_HTTP_RETURNED_ERROR || (rc == CURLE_OK && status))
		buf_addf(out, "HTTP %ld", status);
	else
		buf_addf(out, "%s (curl error %d)",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc), (int)rc);
}

static void backoff(int attempt)
{
	struct timespec ts;
	long ms = 500L << (attempt - 1);

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Runs the transfer with retries. For downloads (x->sink) any HTTP error
 * is a failure; for API requests only transport errors are. */
static int perform(const char *method, const char *url, const char *body,
		   const struct http_opts *o, struct xfer *x, long *status)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	struct buf shown = BUF_INIT, why = BUF_INIT;
	int attempts = o->attempts > 0 ? o->attempts : DEFAULT_ATTEMPTS;
	int attempt, r = -1;
	int tty = x->sink && verbosity >= 0 && isatty(2);
	double t0 = now();
	CURL *c;

	if (scheme_ok(url, o) < 0)
		return -1;
	http_redact(url, &shown);
	c = easy_new(url, o, x, errbuf, &hdrs);
	if (body) {
		struct curl_slist *n =
			curl_slist_append(hdrs, "Content-Type: application/json");

		if (!n)
			die("out of memory (curl_slist_append)");
		hdrs = n;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "GET")) {
		BUG("http: method %s without a body", method);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (x->sink) {
		curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, DOWNLOAD_MAX);
	}
	if (tty) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	}
	for (attempt = 1;; attempt++) {
		CURLcode rc;
		int ok, again;

		errbuf[0] = '\0';
		*status = 0;
		x->bytes = 0;
		x->sink_failed = x->too_big = 0;
		buf_reset(x->headers);
		if (x->body)
			buf_reset(x->body);
		if (attempt > 1 && x->sink && x->sink->reset(x->sink->ctx) < 0)
			goto out;
		if (verbosity > 0)
			info("%s %s", method, shown.data);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (x->drew) {
			fputc('\n', stderr);
			x->drew = 0;
		}
		if (x->sink_failed)
			goto out; /* the sink said why */
		if (x->too_big) {
			error("%s %s: the reply is larger than %u MiB", method,
			      shown.data, HTTP_BODY_MAX >> 20);
			goto out;
		}
		ok = rc == CURLE_OK && !(x->sink && *status >= 300);
		again = attempt < attempts && transient(rc, *status);
		/* an API reply with any status is the caller's to explain */
		if (ok && !again)
			break;
		describe(rc, *status, errbuf, &why);
		if (again) {
			info("%s %s: %s; trying again (%d of %d)", method,
			     shown.data, why.data, attempt + 1, attempts);
			backoff(attempt);
			continue;
		}
		{
			char *eff = NULL;
			struct buf effs = BUF_INIT;

			curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
			if (eff && strcmp(eff, url))
				http_redact(eff, &effs);
			if (effs.len)
				buf_addf(&why, " from %s", effs.data);
			if (attempt > 1)
				buf_addf(&why, " (%d attempts)", attempt);
			error("%s %s: %s", method, shown.data, why.data);
			buf_release(&effs);
		}
		goto out;
	}
	if (x->sink && verbosity >= 0 && !tty)
		info("downloaded %s: %.1f MB in %.1f s",
		     o->label ? o->label : shown.data, (double)x->bytes / 1e6,
		     now() - t0);
	r = 0;
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	buf_release(&shown);
	buf_release(&why);
	return r;
}

int http_get_sink(const char *url, const struct http_opts *o,
		  const struct http_sink *sink, long long *bytes)
{
	struct http_opts fo = *o;
	struct buf headers = BUF_INIT;
	struct xfer x;
	long status;
	int r;

	memset(&x, 0, sizeof(x));
	x.sink = sink;
	x.headers = &headers;
	x.label = o->label ? o->label : "download";
	fo.follow = 1; /* release downloads redirect to a CDN */
	r = perform("GET", url, NULL, &fo, &x, &status);
	if (bytes)
		*bytes = x.bytes;
	buf_release(&headers);
	return r;
}

int http_request(const char *method, const char *url, const char *body,
		 const struct http_opts *o, struct http_resp *r)
{
	struct xfer x;

	memset(&x, 0, sizeof(x));
	x.body = &r->body;
	x.headers = &r->headers;
	return perform(method, url, body, o, &x, &r->status);
}
