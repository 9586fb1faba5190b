/* http.h - the one HTTP client of pkgtool (libcurl lives only in http.c)
 * SPDX-License-Identifier: MIT
 *
 * Two kinds of request: http_get_sink() streams a download into a caller's
 * sink (a file plus a running SHA-256, say) and fails on any HTTP error;
 * http_request() sends a small request and keeps the reply (status,
 * headers, body capped at HTTP_BODY_MAX) for the caller to interpret, so
 * that API errors can quote the server's own message.
 *
 * Policy, the same for every call:
 *  - TLS verification is always on. The CA bundle is opts->cacert, else
 *    $SSL_CERT_FILE, else $CURL_CA_BUNDLE, else the system store.
 *  - Only https:// is allowed, in the URL and in every redirect. A caller
 *    sets allow_http for a URL the user explicitly wrote as http:// (a
 *    Komodo Core on a LAN); https never redirects down to http.
 *  - Proxies come from the standard environment (https_proxy, no_proxy,
 *    all_proxy), as libcurl reads them.
 *  - Connect timeout 15 s; a transfer below 1 byte/s for 30 s is aborted.
 *    $PKGTOOL_HTTP_TIMEOUT (seconds) replaces both, for slow links and
 *    for tests.
 *  - Up to opts->attempts tries (default 3) with backoff (0.5 s, 1 s, ...)
 *    on connection errors, timeouts, cut-short bodies and 5xx answers.
 *  - Secrets (bearer token, header values) are never printed, even with
 *    -v; printed URLs lose any user:password@ and query string.
 *
 * Errors are reported once, in one line naming the URL, the HTTP status or
 * the curl error, and -1 is returned. Not thread-safe (one global libcurl
 * initialisation, made on first use and undone at exit).
 */
#ifndef PKGTOOL_HTTP_H
#define PKGTOOL_HTTP_H

#include <stddef.h>

#include "buf.h"

#define HTTP_BODY_MAX (4u << 20) /* replies larger than this are errors */

struct http_opts {
	const char *cacert;	/* CA bundle file, or NULL (see above) */
	int allow_http;		/* permit http:// (explicitly given URLs) */
	int follow;		/* follow redirects (downloads always do) */
	int attempts;		/* tries in all; 0 = 3 */
	const char *bearer;	/* Authorization: Bearer, first host only */
	const char *const *headers; /* NULL-terminated "Name: value" */
	const char *label;	/* what the progress line calls the file */
};

/* Where a download goes. write() gets the body in pieces and returns 0,
 * or -1 after reporting a problem (the transfer then stops); reset() is
 * called before a retry and must drop what was written so far. */
struct http_sink {
	int (*write)(void *ctx, const void *p, size_t n);
	int (*reset)(void *ctx);
	void *ctx;
};

struct http_resp {
	long status;		/* of the final response */
	struct buf headers;	/* its header lines, "Name: value\r\n" */
	struct buf body;
};

void http_resp_init(struct http_resp *r);
void http_resp_release(struct http_resp *r);
/* Copies the value of header name (case-insensitive) of the final response
 * into out; 1 if it was there, 0 if not. */
int http_resp_header(const struct http_resp *r, const char *name,
		     struct buf *out);

/* GET url into sink, following redirects. 0 on a 2xx with a complete body;
 * otherwise reports and returns -1 (the sink has been reset() or holds
 * garbage the caller must discard). *bytes gets the body size. */
int http_get_sink(const char *url, const struct http_opts *o,
		  const struct http_sink *sink, long long *bytes);

/* method "GET" or "POST" (body then sent as application/json). Returns 0
 * when a response arrived, whatever its status (5xx only after the last
 * try); -1 for transport failures, which are reported. */
int http_request(const char *method, const char *url, const char *body,
		 const struct http_opts *o, struct http_resp *r);

/* url without "user:password@" and with "?..." shortened to "?...",
 * for messages. */
void http_redact(const char *url, struct buf *out);

#endif
