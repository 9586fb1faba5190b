/* periphery_net.c - allow-list matching, HTTP/1.1 server, TLS
 * SPDX-License-Identifier: MIT
 *
 * Serves what packaging tests need (komodo-periphery.md §13):
 *   v1: POST / {"type":"GetHealth"|"GetVersion","params":{}} behind the IP
 *       allow-list and the passkey guard, JSON extractor rules as axum's
 *       (415 without content-type: application/json, 400 bad JSON, 422
 *       unknown request type).
 *   v2: GET /version -> plain text, IP allow-list only. GET / is the
 *       websocket endpoint in the real agent and POST / does not exist
 *       there, so a v2 package that health-checks the v1 way fails here too.
 * One request per connection (connection: close), one detached thread per
 * connection with socket timeouts, so a stuck or garbage client cannot
 * block health checks. TLS uses OpenSSL with the agent's cert/key files and
 * offers no ALPN, so clients speak HTTP/1.1.
 */
#include "periphery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../../pkgtool/banned.h"

#define MAX_HEADER 16384
#define MAX_BODY (2 * 1024 * 1024)	/* axum's DefaultBodyLimit */
#define IO_TIMEOUT_SEC 10
#define MAX_CONNS 64

/* ---- addresses --------------------------------------------------------- */

int netmask_parse(const char *s, struct netmask *m)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned long prefix;
	char *end;

	memset(m, 0, sizeof(*m));
	if (!alen || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (strchr(addr, ':')) {
		if (inet_pton(AF_INET6, addr, m->addr) != 1)
			return -1;
		m->family = AF_INET6;
		m->prefix = 128;
	} else {
		if (inet_pton(AF_INET, addr, m->addr) != 1)
			return -1;
		m->family = AF_INET;
		m->prefix = 32;
	}
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end || errno || prefix > m->prefix)
			return -1;
		m->prefix = (unsigned)prefix;
	}
	return 0;
}

int bind_addr_parse(const char *bind_ip, unsigned port,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	size_t n = strlen(bind_ip);

	memset(ss, 0, sizeof(*ss));
	if (port > 65535)
		return -1;
	if (n > 2 && bind_ip[0] == '[' && bind_ip[n - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		char *inner = xstrndup(bind_ip + 1, n - 2);
		int ok = inet_pton(AF_INET6, inner, &s6->sin6_addr);

		free(inner);
		if (ok != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		/* Rust's SocketAddr wants IPv6 in brackets, so "::" fails
		 * there as it does here. */
		if (inet_pton(AF_INET, bind_ip, &s4->sin_addr) != 1)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
}

static bool mask_match(const struct netmask *m, int family,
		       const unsigned char *addr)
{
	unsigned full = m->prefix / 8, rest = m->prefix % 8;

	if (m->family != family)
		return false;
	if (memcmp(m->addr, addr, full))
		return false;
	if (rest) {
		unsigned char bits = (unsigned char)(0xff << (8 - rest));

		return (m->addr[full] & bits) == (addr[full] & bits);
	}
	return true;
}

static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* The real guard also tries the IPv4-mapped IPv6 form, so a dual-stack
 * listener sees ::ffff:127.0.0.1 and still matches 127.0.0.1/8. */
static bool ip_allowed(const struct pconf *c, const struct sockaddr_storage *ss)
{
	unsigned char v4[4], v6[16];
	bool have4 = false, have6 = false;
	size_t i;

	if (!c->nallowed)
		return true;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		memcpy(v4, &s4->sin_addr, 4);
		memcpy(v6, v4mapped_prefix, 12);
		memcpy(v6 + 12, v4, 4);
		have4 = have6 = true;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
			(const struct sockaddr_in6 *)ss;

		memcpy(v6, &s6->sin6_addr, 16);
		have6 = true;
		if (!memcmp(v6, v4mapped_prefix, 12)) {
			memcpy(v4, v6 + 12, 4);
			have4 = true;
		}
	}
	for (i = 0; i < c->nallowed; i++) {
		if (have4 && mask_match(&c->allowed[i], AF_INET, v4))
			return true;
		if (have6 && mask_match(&c->allowed[i], AF_INET6, v6))
			return true;
	}
	return false;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
	const void *a = ss->ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (!inet_ntop(ss->ss_family, a, out, (socklen_t)n))
		snprintf(out, n, "?");
}

/* ---- connections ------------------------------------------------------- */

struct server {
	const struct pconf *c;
	const struct pver *v;
	SSL_CTX *ssl_ctx;
	atomic_int active;
};

struct conn {
	struct server *srv;
	int fd;
	SSL *ssl;
	struct sockaddr_storage peer;
	char peer_text[INET6_ADDRSTRLEN];
};

static ssize_t conn_read(struct conn *k, void *buf, size_t n)
{
	if (k->ssl) {
		int r = SSL_read(k->ssl, buf, n > INT32_MAX ? INT32_MAX :
				 (int)n);

		if (r > 0)
			return r;
		return SSL_get_error(k->ssl, r) == SSL_ERROR_ZERO_RETURN ?
			0 : -1;
	}
	for (;;) {
		ssize_t r = recv(k->fd, buf, n, 0);

		if (r >= 0 || errno != EINTR)
			return r;
	}
}

static int conn_write(struct conn *k, const char *buf, size_t n)
{
	while (n) {
		ssize_t w;

		if (k->ssl) {
			int r = SSL_write(k->ssl, buf, n > INT32_MAX ?
					  INT32_MAX : (int)n);

			if (r <= 0)
				return -1;
			w = r;
		} else {
			w = send(k->fd, buf, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

struct response {
	int code;
	const char *type;	/* content-type */
	const char *allow;	/* for 405 */
	struct sbuf body;
	const char *what;	/* request name for the log line */
	bool head;		/* HEAD: headers only */
};

static void respond_json_error(struct response *r, int code,
			       const char *msg)
{
	/* serror / mogh_error body shape: {"error": ..., "trace": [...]} */
	r->code = code;
	r->type = "application/json";
	sbuf_release(&r->body);
	sbuf_adds(&r->body, "{\"error\":");
	sbuf_add_json_str(&r->body, msg);
	sbuf_adds(&r->body, ",\"trace\":[]}");
}

static void respond_text(struct response *r, int code, const char *msg)
{
	r->code = code;
	r->type = "text/plain; charset=utf-8";
	sbuf_release(&r->body);
	sbuf_adds(&r->body, msg);
}

static int send_response(struct conn *k, const struct response *r)
{
	struct sbuf h = SBUF_INIT;
	int ret;

	sbuf_addf(&h, "HTTP/1.1 %d %s\r\n", r->code, reason(r->code));
	if (r->body.len || r->type)
		sbuf_addf(&h, "content-type: %s\r\n",
			  r->type ? r->type : "text/plain");
	if (r->allow)
		sbuf_addf(&h, "allow: %s\r\n", r->allow);
	sbuf_addf(&h, "content-length: %zu\r\nconnection: close\r\n\r\n",
		  r->body.len);
	if (!r->head)
		sbuf_add(&h, r->body.p, r->body.len);
	ret = conn_write(k, h.p, h.len);
	sbuf_release(&h);
	return ret;
}

/* ---- minimal JSON ------------------------------------------------------ */

struct json {
	const char *s;
	size_t n, pos;
	const char *err;
};

static void json_ws(struct json *j)
{
	while (j->pos < j->n && strchr(" \t\r\n", j->s[j->pos]))
		j->pos++;
}

/* Parses a JSON string; if out is non-NULL the decoded text is appended
 * (escapes decoded; \u kept only for ASCII, which is all we compare). */
static int json_string(struct json *j, struct sbuf *out)
{
	if (j->pos >= j->n || j->s[j->pos] != '"')
		return j->err = "expected string", -1;
	for (j->pos++; j->pos < j->n; j->pos++) {
		unsigned char c = (unsigned char)j->s[j->pos];

		if (c == '"') {
			j->pos++;
			return 0;
		}
		if (c < 0x20)
			return j->err = "control character in string", -1;
		if (c != '\\') {
			if (out)
				sbuf_addc(out, (char)c);
			continue;
		}
		if (++j->pos >= j->n)
			break;
		c = (unsigned char)j->s[j->pos];
		if (c == 'u') {
			unsigned v = 0;
			int i;

			for (i = 1; i <= 4; i++) {
				char h = j->pos + (size_t)i < j->n ?
					j->s[j->pos + (size_t)i] : 0;

				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					v |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					v |= (unsigned)(h - 'A' + 10);
				else
					return j->err = "bad \\u escape", -1;
			}
			j->pos += 4;
			if (out)
				sbuf_addc(out, v < 0x80 ? (char)v : '?');
		} else if (strchr("\"\\/bfnrt", c)) {
			if (out)
				sbuf_addc(out, c == 'n' ? '\n' :
					  c == 't' ? '\t' : c == 'r' ? '\r' :
					  c == 'b' ? '\b' : c == 'f' ? '\f' :
					  (char)c);
		} else {
			return j->err = "invalid escape", -1;
		}
	}
	return j->err = "EOF while parsing a string", -1;
}

static int json_value(struct json *j, int depth);

static int json_object(struct json *j, int depth)
{
	j->pos++;	/* { */
	json_ws(j);
	if (j->pos < j->n && j->s[j->pos] == '}') {
		j->pos++;
		return 0;
	}
	for (;;) {
		json_ws(j);
		if (json_string(j, NULL) < 0)
			return -1;
		json_ws(j);
		if (j->pos >= j->n || j->s[j->pos] != ':')
			return j->err = "expected ':'", -1;
		j->pos++;
		if (json_value(j, depth + 1) < 0)
			return -1;
		json_ws(j);
		if (j->pos < j->n && j->s[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->n && j->s[j->pos] == '}') {
			j->pos++;
			return 0;
		}
		return j->err = "expected ',' or '}'", -1;
	}
}

static int json_array(struct json *j, int depth)
{
	j->pos++;	/* [ */
	json_ws(j);
	if (j->pos < j->n && j->s[j->pos] == ']') {
		j->pos++;
		return 0;
	}
	for (;;) {
		if (json_value(j, depth + 1) < 0)
			return -1;
		json_ws(j);
		if (j->pos < j->n && j->s[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->n && j->s[j->pos] == ']') {
			j->pos++;
			return 0;
		}
		return j->err = "expected ',' or ']'", -1;
	}
}

static int json_number(struct json *j)
{
	size_t start = j->pos;

	if (j->pos < j->n && j->s[j->pos] == '-')
		j->pos++;
	if (j->pos >= j->n || j->s[j->pos] < '0' || j->s[j->pos] > '9')
		return j->err = "invalid number", -1;
	if (j->s[j->pos] == '0')
		j->pos++;
	else
		while (j->pos < j->n && j->s[j->pos] >= '0' &&
		       j->s[j->pos] <= '9')
			j->pos++;
	if (j->pos < j->n && j->s[j->pos] == '.') {
		size_t d = ++j->pos;

		while (j->pos < j->n && j->s[j->pos] >= '0' &&
		       j->s[j->pos] <= '9')
			j->pos++;
		if (j->pos == d)
			return j->err = "invalid number", -1;
	}
	if (j->pos < j->n && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
		size_t d;

		j->pos++;
		if (j->pos < j->n && (j->s[j->pos] == '+' ||
				      j->s[j->pos] == '-'))
			j->pos++;
		d = j->pos;
		while (j->pos < j->n && j->s[j->pos] >= '0' &&
		       j->s[j->pos] <= '9')
			j->pos++;
		if (j->pos == d)
			return j->err = "invalid number", -1;
	}
	return j->pos > start ? 0 : -1;
}

static int json_value(struct json *j, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i;

	if (depth > 64)
		return j->err = "recursion limit exceeded", -1;
	json_ws(j);
	if (j->pos >= j->n)
		return j->err = "EOF while parsing a value", -1;
	switch (j->s[j->pos]) {
	case '{':
		return json_object(j, depth);
	case '[':
		return json_array(j, depth);
	case '"':
		return json_string(j, NULL);
	}
	for (i = 0; i < 3; i++) {
		size_t l = strlen(words[i]);

		if (j->n - j->pos >= l && !memcmp(j->s + j->pos, words[i], l)) {
			j->pos += l;
			return 0;
		}
	}
	return json_number(j);
}

/* Reads {"type": "...", "params": {...}} the way serde's adjacently tagged
 * PeripheryRequest does. Returns 0 with *type set (allocated), -1 on a
 * syntax error (400), -2 on a shape error (422); *why explains. */
static int parse_request(const char *body, size_t n, char **type,
			 const char **why)
{
	struct json j = { body, n, 0, NULL };
	struct sbuf key = SBUF_INIT, tval = SBUF_INIT;
	bool have_type = false, have_params = false, params_obj = false;
	int shape = 0;

	*type = NULL;
	json_ws(&j);
	if (j.pos >= n || body[j.pos] != '{') {
		if (json_value(&j, 0) < 0)
			goto syntax;
		*why = "invalid type: expected a request object";
		return -2;
	}
	j.pos++;
	json_ws(&j);
	if (j.pos < n && body[j.pos] == '}') {
		j.pos++;
	} else {
		for (;;) {
			json_ws(&j);
			sbuf_release(&key);
			if (json_string(&j, &key) < 0)
				goto syntax;
			json_ws(&j);
			if (j.pos >= n || body[j.pos] != ':') {
				j.err = "expected ':'";
				goto syntax;
			}
			j.pos++;
			json_ws(&j);
			if (!strcmp(key.p, "type")) {
				if (have_type)
					shape = 1;	/* duplicate field */
				have_type = true;
				if (j.pos < n && body[j.pos] == '"') {
					sbuf_release(&tval);
					if (json_string(&j, &tval) < 0)
						goto syntax;
				} else {
					shape = 1;
					if (json_value(&j, 1) < 0)
						goto syntax;
				}
			} else {
				bool is_params = !strcmp(key.p, "params");

				if (is_params) {
					if (have_params)
						shape = 1;
					have_params = true;
					params_obj = j.pos < n &&
						     body[j.pos] == '{';
				}
				if (json_value(&j, 1) < 0)
					goto syntax;
			}
			json_ws(&j);
			if (j.pos < n && body[j.pos] == ',') {
				j.pos++;
				continue;
			}
			if (j.pos < n && body[j.pos] == '}') {
				j.pos++;
				break;
			}
			j.err = "expected ',' or '}'";
			goto syntax;
		}
	}
	json_ws(&j);
	if (j.pos != n) {
		j.err = "trailing characters";
		goto syntax;
	}
	sbuf_release(&key);
	if (shape || !have_type) {
		sbuf_release(&tval);
		*why = shape ? "invalid or duplicate field `type`" :
			"missing field `type`";
		return -2;
	}
	if (!have_params || !params_obj) {
		sbuf_release(&tval);
		*why = have_params ? "invalid type: expected params object" :
			"missing field `params`";
		return -2;
	}
	*type = sbuf_detach(&tval);
	return 0;
syntax:
	sbuf_release(&key);
	sbuf_release(&tval);
	*why = j.err ? j.err : "invalid JSON";
	return -1;
}

/* ---- requests ---------------------------------------------------------- */

struct request {
	char method[16];
	char target[256];
	char version[16];
	bool have_length, chunked, expect_continue;
	size_t length;
	char *authorization;	/* never logged */
	char *content_type;
	char *body;
	size_t body_len;
};

static void request_release(struct request *q)
{
	free(q->authorization);
	free(q->content_type);
	free(q->body);
	memset(q, 0, sizeof(*q));
}

static char *trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return xstrndup(s, n);
}

/* Copies the next space-delimited word of line[0..len) into out. */
static int take_word(const char **p, const char *end, char *out, size_t n,
		     bool last)
{
	const char *s = *p, *e = s;

	while (e < end && *e != ' ')
		e++;
	if (e == s || (size_t)(e - s) >= n || (last ? e != end : e == end))
		return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	*p = e + 1;
	return 0;
}

/* "METHOD SP target SP HTTP/x.y", exactly one space between parts. */
static int parse_request_line(const char *line, size_t len,
			      struct request *q)
{
	const char *p = line, *end = line + len;

	if (take_word(&p, end, q->method, sizeof(q->method), false) < 0 ||
	    take_word(&p, end, q->target, sizeof(q->target), false) < 0 ||
	    take_word(&p, end, q->version, sizeof(q->version), true) < 0)
		return -1;
	return 0;
}

/* Parses the head (request line + headers). Returns 0 or an HTTP status
 * with r filled in. */
static int parse_head(const char *head, struct request *q,
		      struct response *r)
{
	const char *line = head, *nl;
	int first = 1;

	for (; *line; line = nl + 1) {
		size_t len;
		const char *colon;

		nl = strchr(line, '\n');
		if (!nl)
			break;
		len = (size_t)(nl - line);
		if (len && line[len - 1] == '\r')
			len--;
		if (!len)
			break;	/* end of headers */
		if (first) {
			first = 0;
			if (parse_request_line(line, len, q) < 0) {
				respond_text(r, 400, "invalid request line");
				return 400;
			}
			if (strcmp(q->version, "HTTP/1.1") &&
			    strcmp(q->version, "HTTP/1.0")) {
				respond_text(r, 505, "unsupported version");
				return 505;
			}
			continue;
		}
		colon = memchr(line, ':', len);
		if (!colon || colon == line) {
			respond_text(r, 400, "invalid header line");
			return 400;
		}
#define HDR(name) ((size_t)(colon - line) == strlen(name) && \
		   !strncasecmp(line, name, strlen(name)))
		if (HDR("content-length")) {
			char *v = trimmed(colon + 1,
					  len - (size_t)(colon - line) - 1);
			char *end;
			unsigned long long cl = strtoull(v, &end, 10);
			bool bad = !*v || *end || v[0] == '-' ||
				   (q->have_length && cl != q->length);

			free(v);
			if (bad) {
				respond_text(r, 400, "invalid content-length");
				return 400;
			}
			q->have_length = true;
			q->length = cl > MAX_BODY ? MAX_BODY + 1 : (size_t)cl;
		} else if (HDR("transfer-encoding")) {
			q->chunked = true;
		} else if (HDR("expect")) {
			char *v = trimmed(colon + 1,
					  len - (size_t)(colon - line) - 1);

			q->expect_continue = !strcasecmp(v, "100-continue");
			free(v);
		} else if (HDR("authorization")) {
			free(q->authorization);
			q->authorization = trimmed(colon + 1, len -
						   (size_t)(colon - line) - 1);
		} else if (HDR("content-type")) {
			free(q->content_type);
			q->content_type = trimmed(colon + 1, len -
						  (size_t)(colon - line) - 1);
		}
#undef HDR
	}
	if (first) {
		respond_text(r, 400, "empty request");
		return 400;
	}
	return 0;
}

/* axum's Json extractor: application/json or application/<x>+json, with
 * parameters allowed. */
static bool json_content_type(const char *ct)
{
	size_t n;

	if (!ct)
		return false;
	n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 16 && !strncasecmp(ct, "application/json", 16))
		return true;
	return n > 17 && !strncasecmp(ct, "application/", 12) &&
	       !strncasecmp(ct + n - 5, "+json", 5);
}

static bool passkey_ok(const struct pconf *c, const char *auth)
{
	size_t i;

	if (!c->npasskeys)
		return true;
	if (!auth)
		return false;
	for (i = 0; i < c->npasskeys; i++)
		if (!strcmp(auth, c->passkeys[i]))
			return true;
	return false;
}

static int read_body(struct conn *k, struct request *q, struct sbuf *buf,
		     size_t head_len, struct response *r)
{
	if (q->chunked) {
		respond_text(r, 501, "chunked request bodies are not "
			     "supported by fake-periphery");
		return -1;
	}
	if (q->length > MAX_BODY) {
		respond_text(r, 413, "length limit exceeded");
		return -1;
	}
	if (q->expect_continue && buf->len - head_len < q->length) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		if (conn_write(k, cont, sizeof(cont) - 1) < 0)
			return -1;
	}
	while (buf->len - head_len < q->length) {
		char chunk[8192];
		ssize_t n = conn_read(k, chunk, sizeof(chunk));

		if (n <= 0) {
			respond_text(r, 400, "incomplete request body");
			return -1;
		}
		sbuf_add(buf, chunk, (size_t)n);
	}
	q->body_len = q->length;
	q->body = xstrndup(buf->p + head_len, q->body_len);
	return 0;
}

static void route_v1(struct conn *k, struct request *q, struct sbuf *buf,
		     size_t head_len, struct response *r)
{
	const struct server *s = k->srv;
	const char *why;
	char *type;
	int pr;

	if (strcmp(q->target, "/")) {
		respond_text(r, 404, "");
		return;
	}
	if (strcmp(q->method, "POST")) {
		r->allow = "POST";
		respond_text(r, 405, "");
		return;
	}
	if (!passkey_ok(s->c, q->authorization)) {
		respond_json_error(r, 401, q->authorization ?
				   "invalid passkey" :
				   "missing authorization header");
		return;
	}
	if (!json_content_type(q->content_type)) {
		respond_text(r, 415, "Expected request with `Content-Type: "
			     "application/json`");
		return;
	}
	if (read_body(k, q, buf, head_len, r) < 0)
		return;
	pr = parse_request(q->body, q->body_len, &type, &why);
	if (pr == -1) {
		char *m = xasprintf("Failed to parse the request body as "
				    "JSON: %s", why);

		respond_text(r, 400, m);
		free(m);
		return;
	}
	if (pr == -2) {
		char *m = xasprintf("Failed to deserialize the JSON body into "
				    "the target type: %s", why);

		respond_text(r, 422, m);
		free(m);
		return;
	}
	if (!strcmp(type, "GetHealth")) {
		r->what = "GetHealth";
		r->code = 200;
		r->type = "application/json";
		sbuf_adds(&r->body, "{}");
	} else if (!strcmp(type, "GetVersion")) {
		r->what = "GetVersion";
		r->code = 200;
		r->type = "application/json";
		sbuf_adds(&r->body, "{\"version\":");
		sbuf_add_json_str(&r->body, s->v->text);
		sbuf_addc(&r->body, '}');
	} else if (!strcmp(type, "FakeSandboxProbe")) {
		/* test-only: tests/e2e/sandbox.sh (behind the passkey) */
		r->what = "FakeSandboxProbe";
		r->code = 200;
		r->type = "text/plain";
		probe_run(k->srv->c, &r->body);
	} else {
		char *m = xasprintf("Failed to deserialize the JSON body into "
				    "the target type: unknown variant `%s` "
				    "(fake-periphery implements GetHealth and "
				    "GetVersion only)", type);

		respond_text(r, 422, m);
		free(m);
	}
	free(type);
}

static void route_v2(struct conn *k, struct request *q, struct response *r)
{
	/* axum answers HEAD on GET routes. */
	r->head = !strcmp(q->method, "HEAD");
	if (!strcmp(q->target, "/version")) {
		if (strcmp(q->method, "GET") && !r->head) {
			r->allow = "GET,HEAD";
			respond_text(r, 405, "");
			return;
		}
		r->what = "version";
		respond_text(r, 200, k->srv->v->text);
		return;
	}
	if (!strcmp(q->target, "/") || !strncmp(q->target, "/?", 2)) {
		if (strcmp(q->method, "GET") && !r->head) {
			/* The v1 POST API is gone in v2 (Noise over a
			 * websocket instead). */
			r->allow = "GET,HEAD";
			respond_text(r, 405, "");
			return;
		}
		respond_text(r, 400, "Connection header did not include "
			     "'upgrade' (fake-periphery does not emulate the "
			     "v2 websocket transport)");
		return;
	}
	respond_text(r, 404, "");
}

static void handle(struct conn *k)
{
	struct sbuf buf = SBUF_INIT;
	struct request q = { 0 };
	struct response r = { 0, NULL, NULL, SBUF_INIT, NULL, false };
	struct timespec t0, t1;
	const char *end;
	size_t head_len = 0;
	char *head;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char chunk[4096];
		ssize_t n;

		end = strstr(buf.p, "\r\n\r\n");
		if (end) {
			head_len = (size_t)(end - buf.p) + 4;
			break;
		}
		end = strstr(buf.p, "\n\n");
		if (end) {
			head_len = (size_t)(end - buf.p) + 2;
			break;
		}
		if (buf.len > MAX_HEADER) {
			respond_text(&r, 431, "request head too large");
			goto reply;
		}
		n = conn_read(k, chunk, sizeof(chunk));
		if (n <= 0) {
			if (buf.len)
				plog(PL_WARN, "%s: incomplete request (%s)",
				     k->peer_text, n < 0 ? "read error or "
				     "timeout" : "connection closed");
			goto out;
		}
		if (memchr(chunk, '\0', (size_t)n)) {
			respond_text(&r, 400, "NUL byte in request");
			goto reply;
		}
		sbuf_add(&buf, chunk, (size_t)n);
	}
	head = xstrndup(buf.p, head_len);
	if (parse_head(head, &q, &r)) {
		free(head);
		goto reply;
	}
	free(head);

	if (!ip_allowed(k->srv->c, &k->peer)) {
		char *m = xasprintf("requesting ip %s not allowed",
				    k->peer_text);

		respond_json_error(&r, 403, m);
		free(m);
		goto reply;
	}
	if (k->srv->v->major == 1)
		route_v1(k, &q, &buf, head_len, &r);
	else
		route_v2(k, &q, &r);
reply:
	send_response(k, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	plog(PL_INFO, "%s \"%s %s\"%s%s -> %d %s (%.1f ms)", k->peer_text,
	     q.method[0] ? q.method : "-", q.target[0] ? q.target : "-",
	     r.what ? " " : "", r.what ? r.what : "", r.code, reason(r.code),
	     (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
out:
	request_release(&q);
	sbuf_release(&r.body);
	sbuf_release(&buf);
}

static void *conn_thread(void *arg)
{
	struct conn *k = arg;
	struct timeval tv = { IO_TIMEOUT_SEC, 0 };

	setsockopt(k->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(k->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (k->srv->ssl_ctx) {
		k->ssl = SSL_new(k->srv->ssl_ctx);
		if (!k->ssl || !SSL_set_fd(k->ssl, k->fd) ||
		    SSL_accept(k->ssl) != 1) {
			unsigned long e = ERR_get_error();
			char msg[256] = "connection closed or timed out";

			if (e)
				ERR_error_string_n(e, msg, sizeof(msg));
			plog(PL_WARN, "%s: TLS handshake failed: %s",
			     k->peer_text, msg);
			goto out;
		}
	}
	handle(k);
	if (k->ssl)
		SSL_shutdown(k->ssl);
out:
	ERR_clear_error();
	SSL_free(k->ssl);
	close(k->fd);
	atomic_fetch_sub(&k->srv->active, 1);
	free(k);
	return NULL;
}

/* ---- listener ---------------------------------------------------------- */

static SSL_CTX *tls_setup(const struct pconf *c)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char msg[256];

	if (!ctx)
		return NULL;
	/* rustls speaks TLS 1.2 and 1.3 only. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->ssl_cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->ssl_key_file,
					SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
		perr("Error: Invalid ssl cert / key (cert %s, key %s): %s",
		     c->ssl_cert_file, c->ssl_key_file, msg);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int sigterm_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void shutdown_log(void)
{
	/* The real agent logs this, kills its pty terminals, exits 0. */
	plog(PL_INFO, "Exiting all active Terminals for shutdown");
}

int wait_for_sigterm(void)
{
	struct signalfd_siginfo si;
	int sfd = sigterm_fd();

	if (sfd < 0) {
		perr("Error: signalfd: %s", strerror(errno));
		return 1;
	}
	while (read(sfd, &si, sizeof(si)) < 0 && errno == EINTR)
		;
	close(sfd);
	shutdown_log();
	return 0;
}

int server_run(const struct pconf *c, const struct pver *v)
{
	struct server srv = { c, v, NULL, 0 };
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct pollfd pfd[2];
	int one = 1, lfd = -1, sfd = -1, r = 1, i;

	if (bind_addr_parse(c->bind_ip, c->port, &ss, &sslen) < 0) {
		perr("Error: failed to parse listen address %s:%u",
		     c->bind_ip, c->port);
		return 1;
	}
	if (c->ssl_enabled && !(srv.ssl_ctx = tls_setup(c)))
		return 1;
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perr("Error: failed to create %s socket: %s",
		     ss.ss_family == AF_INET6 ? "IPv6" : "IPv4",
		     strerror(errno));
		goto out;
	}
	/* Rust's TcpListener sets SO_REUSEADDR and leaves IPV6_V6ONLY at
	 * the system default (dual-stack on Linux). */
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sslen) < 0 ||
	    listen(lfd, 128) < 0) {
		perr("Error: failed to bind to %s:%u: %s", c->bind_ip,
		     c->port, strerror(errno));
		goto out;
	}
	sfd = sigterm_fd();
	if (sfd < 0) {
		perr("Error: signalfd: %s", strerror(errno));
		goto out;
	}
	plog(PL_INFO, "Komodo Periphery starting on %s://%s:%u",
	     c->ssl_enabled ? "https" : "http", c->bind_ip, c->port);

	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		struct conn *k;
		socklen_t plen;
		pthread_attr_t attr;
		pthread_t th;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perr("Error: poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		k = xcalloc(1, sizeof(*k));
		plen = sizeof(k->peer);
		k->fd = accept4(lfd, (struct sockaddr *)&k->peer, &plen,
				SOCK_CLOEXEC);
		if (k->fd < 0) {
			free(k);
			continue;
		}
		k->srv = &srv;
		addr_text(&k->peer, k->peer_text, sizeof(k->peer_text));
		if (atomic_fetch_add(&srv.active, 1) >= MAX_CONNS) {
			plog(PL_WARN, "%s: too many connections, closing",
			     k->peer_text);
			atomic_fetch_sub(&srv.active, 1);
			close(k->fd);
			free(k);
			continue;
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, conn_thread, k)) {
			atomic_fetch_sub(&srv.active, 1);
			close(k->fd);
			free(k);
		}
		pthread_attr_destroy(&attr);
	}
	shutdown_log();
	close(lfd);
	lfd = -1;
	/* Give in-flight requests a moment; then leave without running
	 * exit handlers under their feet. */
	for (i = 0; i < 50 && atomic_load(&srv.active); i++)
		usleep(10000);
	if (atomic_load(&srv.active)) {
		fflush(stdout);
		_exit(0);
	}
	r = 0;
out:
	if (sfd >= 0)
		close(sfd);
	if (lfd >= 0)
		close(lfd);
	SSL_CTX_free(srv.ssl_ctx);
	return r;
}
