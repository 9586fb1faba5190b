/* core_api.h - a small Komodo Core API client (on http.c and json.c)
 * SPDX-License-Identifier: MIT
 *
 * Requests use the body-tagged form, POST {url}/read or /write with
 * {"type": T, "params": P}, content-type application/json, and the
 * X-Api-Key / X-Api-Secret headers (never Authorization: a v1 Core would
 * take it for a JWT). Core's odd status codes are turned into outcomes:
 *
 *  - 200: CORE_OK, *reply holds the parsed answer;
 *  - 500 whose error says "did not find": CORE_NOT_FOUND, not reported
 *    (Core has no 404; any other 500 is an error, shown with its trace);
 *  - 409: CORE_EXISTS, not reported (a create raced with someone else);
 *  - 429: waits as Retry-After says (at most CORE_WAIT_MAX seconds a time,
 *    CORE_TRIES tries in all), then an error;
 *  - 401 and 403 are explained (the key; the user's permissions). After a
 *    401 or 429 c->refused is set: the caller stops asking this Core, as
 *    a v2 Core locks out a client after a few failed logins;
 *  - a read answered 502/503/504 (a proxy while Core restarts) is tried
 *    again, CORE_TRIES in all; any other 5xx is an answer;
 *  - transport errors and timeouts are reported by http.c and are not
 *    retried: a write may have happened, and the timeouts are bounded
 *    (15 s connect, 30 s without a byte, or $PKGTOOL_HTTP_TIMEOUT).
 *
 * Errors are reported once, prefixed with c->subject (the server being
 * worked on) when it is set, and -1 is returned. The API secret is kept
 * only in the header buffers, wiped by core_close(); shown requests have
 * secret fields ("passkey") masked as ***.
 */
#ifndef PKGTOOL_CORE_API_H
#define PKGTOOL_CORE_API_H

#include <stdio.h>

#include "buf.h"

#define CORE_TRIES 3
#define CORE_WAIT_MAX 10 /* seconds; a longer Retry-After is an error */

struct json;

enum core_result { CORE_OK = 0, CORE_NOT_FOUND = 1, CORE_EXISTS = 2 };

struct core {
	char *url;		/* base URL, no trailing '/' */
	const char *subject;	/* prefix for messages, or NULL */
	FILE *show;		/* print every request here, or NULL */
	int refused;		/* 401 or 429 seen: stop asking */
	unsigned major;		/* after core_get_version() */
	unsigned minor;
	char version[64];
	struct buf public_key;	/* after core_get_info(): Core's own key */
	/* private */
	const char *cacert;
	struct buf hkey, hsecret;
	const char *headers[4];
};

/* url is the Core's HTTP(S) base (http:// only when written so). */
void core_open(struct core *c, const char *url, const char *key,
	       const char *secret, const char *cacert);
void core_close(struct core *c);

/* GET /version (v2, no auth), else POST /read GetVersion: fills
 * c->version and c->major. */
int core_get_version(struct core *c);
/* The two halves, for callers that must check credentials in between:
 * _v2 returns CORE_NOT_FOUND (and the HTTP status) when Core has no
 * GET /version; _v1 asks GetVersion with the API key. */
int core_get_version_v2(struct core *c, long *status);
int core_get_version_v1(struct core *c);

/* GetCoreInfo (v2): fills c->public_key with Core's public key (base64
 * SPKI X25519, checked), or leaves it empty when Core gives none. */
int core_get_info(struct core *c);

/* One request; write picks /write over /read. Returns an enum
 * core_result, or -1 (reported). *reply (json_free() it) is set only for
 * CORE_OK; pass NULL to drop the answer. */
int core_call(struct core *c, int write, const char *type,
	      const struct json *params, struct json **reply);

/* Appends how the request would be sent, secrets masked, one line:
 * POST {url}/write {"type":...}. */
void core_describe(const struct core *c, int write, const char *type,
		   const struct json *params, struct buf *out);

#endif
