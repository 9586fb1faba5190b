/* periphery_toml.c - a small, strict TOML 1.0 parser
 * SPDX-License-Identifier: MIT
 *
 * Covers what a config writer emits: comments, bare/quoted/dotted keys, all
 * four string forms with every TOML 1.0 escape, integers (dec/hex/oct/bin),
 * floats, booleans, arrays (multi-line, trailing comma), inline tables,
 * [table] and [[array of tables]], with TOML's define-once rules. Offset
 * date-times are rejected with a clear message: no Periphery key takes one,
 * so meeting one means the writer made a mistake either way.
 *
 * Strictness is the point: the real agent skips a file it cannot parse
 * (with only a WARN), so the double must never accept what toml-rs rejects.
 * Checked against toml-test's TOML 1.0.0 corpus: all 499 invalid cases are
 * rejected; all valid ones pass except those using date-times or U+0000.
 * U+0000 inside strings is rejected too (legal TOML, never sensible here),
 * which keeps every string a C string.
 */
#include "periphery.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkgtool/banned.h"

struct parser {
	const char *file;
	const char *src;
	size_t len, pos;
	char *err;
	size_t errlen;
	struct tval *root;
	struct tval *cur;	/* table that key/values go into */
};

struct key_part {
	char *name;
	struct loc loc;
};

struct key_path {
	struct key_part *parts;
	size_t n;
};

static struct loc loc_at(const struct parser *p, size_t pos)
{
	struct loc l = { p->file, 1, 1 };
	size_t i;

	for (i = 0; i < pos && i < p->len; i++) {
		unsigned char c = (unsigned char)p->src[i];

		if (c == '\n') {
			l.line++;
			l.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			l.col++;	/* count characters, not bytes */
		}
	}
	return l;
}

static int fail_at(struct parser *p, size_t pos, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static int fail_at(struct parser *p, size_t pos, const char *fmt, ...)
{
	struct loc l;
	va_list ap;
	int n;

	if (p->err[0])
		return -1;	/* keep the first, most precise error */
	l = loc_at(p, pos);
	n = snprintf(p->err, p->errlen, "%u:%u ", l.line, l.col);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

#define fail(p, ...) fail_at((p), (p)->pos, __VA_ARGS__)

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->src[p->pos] : -1;
}

static int peek_at(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ?
		(unsigned char)p->src[p->pos + off] : -1;
}

static bool starts(const struct parser *p, const char *s)
{
	size_t n = strlen(s);

	return p->len - p->pos >= n && !memcmp(p->src + p->pos, s, n);
}

/* ---- values ------------------------------------------------------------ */

struct tval *tval_new(enum tv_type type, const struct loc *loc)
{
	struct tval *v = xcalloc(1, sizeof(*v));

	v->type = type;
	if (loc)
		v->loc = *loc;
	return v;
}

struct tval *tval_new_str(const char *s, const struct loc *loc)
{
	struct tval *v = tval_new(TV_STRING, loc);

	v->s = xstrdup(s);
	return v;
}

void tval_free(struct tval *v)
{
	size_t i;

	if (!v)
		return;
	free(v->s);
	for (i = 0; i < v->n; i++)
		tval_free(v->items[i]);
	free(v->items);
	for (i = 0; i < v->nkv; i++) {
		free(v->kv[i].key);
		tval_free(v->kv[i].val);
	}
	free(v->kv);
	free(v);
}

const char *tv_type_name(const struct tval *v)
{
	switch (v->type) {
	case TV_STRING:
		return "string";
	case TV_INT:
		return "integer";
	case TV_FLOAT:
		return "float";
	case TV_BOOL:
		return "boolean";
	case TV_ARRAY:
		return "array";
	case TV_TABLE:
		return "table";
	}
	return "?";
}

struct tkv *table_find(const struct tval *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->nkv; i++)
		if (!strcmp(t->kv[i].key, key))
			return &t->kv[i];
	return NULL;
}

struct tval *table_get(const struct tval *t, const char *key)
{
	struct tkv *kv = table_find(t, key);

	return kv ? kv->val : NULL;
}

void table_put(struct tval *t, const char *key, struct tval *v,
	       const struct loc *loc)
{
	struct tkv *kv;

	if (t->nkv == t->akv) {
		t->akv = t->akv ? 2 * t->akv : 8;
		t->kv = xrealloc(t->kv, t->akv * sizeof(*t->kv));
	}
	kv = &t->kv[t->nkv++];
	kv->key = xstrdup(key);
	kv->val = v;
	kv->loc = loc ? *loc : v->loc;
}

struct tval *table_take(struct tval *t, const char *key)
{
	struct tkv *kv = table_find(t, key);
	struct tval *v;
	size_t i;

	if (!kv)
		return NULL;
	v = kv->val;
	free(kv->key);
	i = (size_t)(kv - t->kv);
	memmove(&t->kv[i], &t->kv[i + 1], (t->nkv - i - 1) * sizeof(*kv));
	t->nkv--;
	return v;
}

void array_push(struct tval *a, struct tval *v)
{
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? 2 * a->alloc : 4;
		a->items = xrealloc(a->items, a->alloc * sizeof(*a->items));
	}
	a->items[a->n++] = v;
}

static void key_path_release(struct key_path *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->parts[i].name);
	free(k->parts);
	k->parts = NULL;
	k->n = 0;
}

/* ---- lexical helpers --------------------------------------------------- */

/* TOML must be valid UTF-8 (no overlongs, no surrogates); control
 * characters are checked where they occur. */
static int check_utf8(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->src;
	size_t i = 0, n = p->len;

	while (i < n) {
		unsigned c = s[i], cp, need, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return fail_at(p, i, "invalid UTF-8");
		}
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return fail_at(p, i, "invalid UTF-8");
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail_at(p, i, "invalid UTF-8");
		i += need + 1;
	}
	return 0;
}

static bool is_ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static void skip_ws(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t')
		p->pos++;
}

/* At a newline? Returns its length (1 or 2), 0 if none; a bare CR is an
 * error reported by the caller's "expected newline". */
static size_t newline_len(const struct parser *p)
{
	if (peek(p) == '\n')
		return 1;
	if (peek(p) == '\r' && peek_at(p, 1) == '\n')
		return 2;
	return 0;
}

static int skip_comment(struct parser *p)
{
	if (peek(p) != '#')
		return 0;
	for (p->pos++; p->pos < p->len; p->pos++) {
		int c = peek(p);

		if (c == '\n' || (c == '\r' && peek_at(p, 1) == '\n'))
			break;
		if (is_ctrl(c))
			return fail(p, "control character in comment");
	}
	return 0;
}

/* Whitespace, comments and newlines, as allowed inside arrays. */
static int skip_ws_comments_newlines(struct parser *p)
{
	for (;;) {
		size_t nl;

		skip_ws(p);
		if (skip_comment(p) < 0)
			return -1;
		nl = newline_len(p);
		if (!nl)
			return 0;
		p->pos += nl;
	}
}

/* After a key/value or header only a comment and a newline may follow. */
static int expect_eol(struct parser *p)
{
	size_t nl;

	skip_ws(p);
	if (skip_comment(p) < 0)
		return -1;
	if (p->pos >= p->len)
		return 0;
	nl = newline_len(p);
	if (!nl) {
		if (peek(p) == '\r')
			return fail(p, "carriage return not followed by "
				    "newline");
		return fail(p, "expected newline, found '%c'", peek(p));
	}
	p->pos += nl;
	return 0;
}

/* ---- strings ----------------------------------------------------------- */

static void add_utf8(struct sbuf *b, unsigned long cp)
{
	if (cp < 0x80) {
		sbuf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		sbuf_addc(b, (char)(0xc0 | cp >> 6));
		sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sbuf_addc(b, (char)(0xe0 | cp >> 12));
		sbuf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		sbuf_addc(b, (char)(0xf0 | cp >> 18));
		sbuf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		sbuf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static int parse_escape(struct parser *p, struct sbuf *b)
{
	size_t start = p->pos;	/* at the backslash */
	unsigned long cp = 0;
	int c, digits, i;

	p->pos++;
	c = peek(p);
	switch (c) {
	case 'b':
		sbuf_addc(b, '\b');
		break;
	case 't':
		sbuf_addc(b, '\t');
		break;
	case 'n':
		sbuf_addc(b, '\n');
		break;
	case 'f':
		sbuf_addc(b, '\f');
		break;
	case 'r':
		sbuf_addc(b, '\r');
		break;
	case '"':
		sbuf_addc(b, '"');
		break;
	case '\\':
		sbuf_addc(b, '\\');
		break;
	case 'u':
	case 'U':
		digits = c == 'u' ? 4 : 8;
		for (i = 1; i <= digits; i++) {
			int h = peek_at(p, (size_t)i);

			cp <<= 4;
			if (h >= '0' && h <= '9')
				cp |= (unsigned long)(h - '0');
			else if (h >= 'a' && h <= 'f')
				cp |= (unsigned long)(h - 'a' + 10);
			else if (h >= 'A' && h <= 'F')
				cp |= (unsigned long)(h - 'A' + 10);
			else
				return fail_at(p, start, "\\%c escape needs %d "
					       "hex digits", c, digits);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail_at(p, start, "escape \\%c%.*s is not a "
				       "Unicode scalar value", c, digits,
				       p->src + p->pos + 1);
		if (cp == 0)
			return fail_at(p, start, "U+0000 in a string is not "
				       "supported by fake-periphery");
		add_utf8(b, cp);
		p->pos += (size_t)digits;
		break;
	case -1:
		return fail_at(p, start, "unterminated escape");
	default:
		return fail_at(p, start, "invalid escape '\\%c'", c);
	}
	p->pos++;
	return 0;
}

/* Parses any of the four string forms at p->pos. `allow_ml` is false for
 * keys. On success *out is allocated. */
static int parse_string(struct parser *p, bool allow_ml, char **out)
{
	struct sbuf b = SBUF_INIT;
	size_t start = p->pos;
	char q = (char)peek(p);
	bool ml = false;

	if (q == '"' ? starts(p, "\"\"\"") : starts(p, "'''")) {
		if (!allow_ml)
			return fail(p, "multi-line string cannot be a key");
		ml = true;
		p->pos += 3;
		/* A newline right after the opening delimiter is trimmed. */
		p->pos += newline_len(p);
	} else {
		p->pos++;
	}
	for (;;) {
		int c = peek(p);
		size_t nl;

		if (c < 0) {
			fail_at(p, start, "unterminated string");
			goto bad;
		}
		if (c == q) {
			size_t run = 0;

			if (!ml) {
				p->pos++;
				break;
			}
			while (peek_at(p, run) == q)
				run++;
			if (run >= 3) {
				if (run > 5) {
					fail(p, "too many quotes at end of "
					     "multi-line string");
					goto bad;
				}
				/* Up to two quotes may end the content. */
				sbuf_add(&b, p->src + p->pos, run - 3);
				p->pos += run;
				break;
			}
			sbuf_add(&b, p->src + p->pos, run);
			p->pos += run;
			continue;
		}
		nl = newline_len(p);
		if (nl) {
			if (!ml) {
				fail(p, "newline in single-line string");
				goto bad;
			}
			sbuf_addc(&b, '\n');
			p->pos += nl;
			continue;
		}
		if (c == '\\' && q == '"') {
			if (ml) {
				/* Line-ending backslash: trim whitespace and
				 * newlines up to the next character. */
				size_t save = p->pos++;

				skip_ws(p);
				if (newline_len(p)) {
					while (newline_len(p) ||
					       peek(p) == ' ' ||
					       peek(p) == '\t')
						p->pos += newline_len(p) ?
							newline_len(p) : 1;
					continue;
				}
				p->pos = save;
			}
			if (parse_escape(p, &b) < 0)
				goto bad;
			continue;
		}
		if (c == 0) {
			fail(p, "NUL byte in string");
			goto bad;
		}
		if (is_ctrl(c)) {
			fail(p, "control character U+%04X in string; use an "
			     "escape", (unsigned)c);
			goto bad;
		}
		sbuf_addc(&b, (char)c);
		p->pos++;
	}
	*out = sbuf_detach(&b);
	return 0;
bad:
	sbuf_release(&b);
	return -1;
}

/* ---- keys -------------------------------------------------------------- */

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int parse_key(struct parser *p, struct key_path *k)
{
	k->parts = NULL;
	k->n = 0;
	for (;;) {
		struct key_part part;
		int c = peek(p);

		part.loc = loc_at(p, p->pos);
		if (c == '"' || c == '\'') {
			if (parse_string(p, false, &part.name) < 0)
				goto bad;
		} else if (is_bare(c)) {
			size_t s = p->pos;

			while (is_bare(peek(p)))
				p->pos++;
			part.name = xstrndup(p->src + s, p->pos - s);
		} else {
			if (c < 0 || newline_len(p))
				fail(p, "expected a key");
			else
				fail(p, "invalid character '%c' in key", c);
			goto bad;
		}
		k->parts = xrealloc(k->parts, (k->n + 1) * sizeof(*k->parts));
		k->parts[k->n++] = part;
		skip_ws(p);
		if (peek(p) != '.')
			return 0;
		p->pos++;
		skip_ws(p);
	}
bad:
	key_path_release(k);
	return -1;
}

static void format_key(struct sbuf *b, const struct key_path *k, size_t upto)
{
	size_t i;

	for (i = 0; i < upto && i < k->n; i++) {
		if (i)
			sbuf_addc(b, '.');
		sbuf_adds(b, k->parts[i].name);
	}
}

/* ---- numbers ----------------------------------------------------------- */

/* Digits of `base` with single underscores only between digits. */
static bool digits_ok(const char *s, size_t n, int base)
{
	size_t i;

	if (!n || s[0] == '_' || s[n - 1] == '_')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '_') {
			if (s[i + 1] == '_')
				return false;
			continue;
		}
		if (base == 16 && ((c >= 'a' && c <= 'f') ||
				   (c >= 'A' && c <= 'F')))
			continue;
		if (c < '0' || c >= '0' + (base > 10 ? 10 : base))
			return false;
	}
	return true;
}

static char *strip_underscores(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++)
		if (s[i] != '_')
			out[j++] = s[i];
	out[j] = '\0';
	return out;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool looks_like_datetime(const char *t, size_t n)
{
	return (n >= 5 && is_digit(t[0]) && is_digit(t[1]) &&
		is_digit(t[2]) && is_digit(t[3]) && t[4] == '-') ||
	       (n >= 3 && is_digit(t[0]) && is_digit(t[1]) && t[2] == ':');
}

static int parse_number(struct parser *p, struct tval **out)
{
	size_t start = p->pos, n, i;
	struct loc l = loc_at(p, start);
	const char *t = p->src + start;
	const char *body;
	size_t bn;
	char *clean, *end;
	struct tval *v;
	int base = 10;

	while (p->pos < p->len && (is_bare(peek(p)) || peek(p) == '.' ||
				   peek(p) == '+' || peek(p) == ':'))
		p->pos++;
	n = p->pos - start;
	if (looks_like_datetime(t, n))
		return fail_at(p, start, "date/time values are not supported "
			       "(no Periphery setting takes one)");

	body = t;
	bn = n;
	if (bn && (body[0] == '+' || body[0] == '-')) {
		body++;
		bn--;
	}
	if ((bn == 3 && !memcmp(body, "inf", 3)) ||
	    (bn == 3 && !memcmp(body, "nan", 3))) {
		v = tval_new(TV_FLOAT, &l);
		v->f = body[0] == 'i' ? INFINITY : NAN;
		if (t[0] == '-')
			v->f = -v->f;
		*out = v;
		return 0;
	}
	if (bn > 2 && body == t && body[0] == '0' &&
	    (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
		base = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
		if (!digits_ok(body + 2, bn - 2, base))
			return fail_at(p, start, "invalid number '%.*s'",
				       (int)n, t);
		unsigned long long u;

		clean = strip_underscores(body + 2, bn - 2);
		v = tval_new(TV_INT, &l);
		errno = 0;
		u = strtoull(clean, &end, base);
		v->i = (long long)u;
		if (errno || *end || u > LLONG_MAX) {
			free(clean);
			tval_free(v);
			return fail_at(p, start, "integer '%.*s' out of range",
				       (int)n, t);
		}
		free(clean);
		*out = v;
		return 0;
	}

	/* Decimal integer or float: int-part [. frac] [e exp]. */
	for (i = 0; i < bn && body[i] != '.' && body[i] != 'e' &&
		    body[i] != 'E'; i++)
		;
	if (!digits_ok(body, i, 10) ||
	    (body[0] == '0' && i > 1))
		return fail_at(p, start, "invalid number '%.*s'%s", (int)n, t,
			       body[0] == '0' && i > 1 ?
			       " (leading zeros are not allowed)" : "");
	if (i == bn) {
		bool bad;

		clean = strip_underscores(t, n);
		v = tval_new(TV_INT, &l);
		errno = 0;
		v->i = strtoll(clean, &end, 10);
		bad = errno || *end;
		free(clean);
		if (bad) {
			tval_free(v);
			return fail_at(p, start, "integer '%.*s' out of range",
				       (int)n, t);
		}
		*out = v;
		return 0;
	}
	if (body[i] == '.') {
		size_t f = ++i;

		while (i < bn && body[i] != 'e' && body[i] != 'E')
			i++;
		if (!digits_ok(body + f, i - f, 10))
			return fail_at(p, start, "invalid float '%.*s'",
				       (int)n, t);
	}
	if (i < bn) {
		size_t e = ++i;

		if (e < bn && (body[e] == '+' || body[e] == '-'))
			e++;
		if (!digits_ok(body + e, bn - e, 10))
			return fail_at(p, start, "invalid float '%.*s'",
				       (int)n, t);
	}
	clean = strip_underscores(t, n);
	v = tval_new(TV_FLOAT, &l);
	v->f = strtod(clean, &end);
	if (*end) {
		free(clean);
		tval_free(v);
		return fail_at(p, start, "invalid float '%.*s'", (int)n, t);
	}
	free(clean);
	*out = v;
	return 0;
}

/* ---- values, arrays, inline tables ------------------------------------- */

static int parse_value(struct parser *p, struct tval **out);
static int insert_keyval(struct parser *p, struct tval *table,
			 struct key_path *k, struct tval *v);

static void freeze(struct tval *t)
{
	size_t i;

	t->flags |= TF_INLINE;
	for (i = 0; i < t->nkv; i++)
		if (t->kv[i].val->type == TV_TABLE)
			freeze(t->kv[i].val);
}

static int parse_inline_table(struct parser *p, struct tval **out)
{
	struct loc l = loc_at(p, p->pos);
	struct tval *t = tval_new(TV_TABLE, &l);
	bool first = true;

	p->pos++;	/* { */
	for (;;) {
		struct key_path k;
		struct tval *v;

		skip_ws(p);
		if (peek(p) == '}') {
			if (!first) {
				fail(p, "trailing comma in inline table");
				goto bad;
			}
			break;
		}
		if (newline_len(p) || peek(p) == '#') {
			fail(p, "newline or comment in inline table");
			goto bad;
		}
		if (parse_key(p, &k) < 0)
			goto bad;
		skip_ws(p);
		if (peek(p) != '=') {
			key_path_release(&k);
			fail(p, "expected '=' after key");
			goto bad;
		}
		p->pos++;
		skip_ws(p);
		if (parse_value(p, &v) < 0) {
			key_path_release(&k);
			goto bad;
		}
		if (insert_keyval(p, t, &k, v) < 0)
			goto bad;
		first = false;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == '}')
			break;
		fail(p, "expected ',' or '}' in inline table");
		goto bad;
	}
	p->pos++;	/* } */
	freeze(t);
	*out = t;
	return 0;
bad:
	tval_free(t);
	return -1;
}

static int parse_array(struct parser *p, struct tval **out)
{
	struct loc l = loc_at(p, p->pos);
	struct tval *a = tval_new(TV_ARRAY, &l);

	p->pos++;	/* [ */
	for (;;) {
		struct tval *v;

		if (skip_ws_comments_newlines(p) < 0)
			goto bad;
		if (peek(p) == ']')
			break;
		if (parse_value(p, &v) < 0)
			goto bad;
		array_push(a, v);
		if (skip_ws_comments_newlines(p) < 0)
			goto bad;
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == ']')
			break;
		fail(p, "expected ',' or ']' in array");
		goto bad;
	}
	p->pos++;	/* ] */
	*out = a;
	return 0;
bad:
	tval_free(a);
	return -1;
}

static bool at_word(const struct parser *p, const char *w)
{
	size_t n = strlen(w);

	return starts(p, w) && !is_bare(peek_at(p, n));
}

static int parse_value(struct parser *p, struct tval **out)
{
	struct loc l = loc_at(p, p->pos);
	int c = peek(p);
	char *s;

	if (c == '"' || c == '\'') {
		if (parse_string(p, true, &s) < 0)
			return -1;
		*out = tval_new(TV_STRING, &l);
		(*out)->s = s;
		return 0;
	}
	if (at_word(p, "true") || at_word(p, "false")) {
		*out = tval_new(TV_BOOL, &l);
		(*out)->b = c == 't';
		p->pos += c == 't' ? 4 : 5;
		return 0;
	}
	if (c == '[')
		return parse_array(p, out);
	if (c == '{')
		return parse_inline_table(p, out);
	if (is_digit(c) || c == '+' || c == '-' || at_word(p, "inf") ||
	    at_word(p, "nan"))
		return parse_number(p, out);
	if (c < 0 || newline_len(p) || c == '#')
		return fail(p, "expected a value");
	if (is_bare(c))
		return fail(p, "invalid value (strings must be quoted)");
	return fail(p, "invalid value starting with '%c'", c);
}

/* ---- tables ------------------------------------------------------------ */

/* Inserts key = v into table following dotted keys. Takes ownership of v
 * and releases k in every case. */
static int insert_keyval(struct parser *p, struct tval *table,
			 struct key_path *k, struct tval *v)
{
	struct tval *t = table;
	struct sbuf name = SBUF_INIT;
	size_t i;
	int r = -1;

	for (i = 0; i + 1 < k->n; i++) {
		struct tval *next = table_get(t, k->parts[i].name);

		if (!next) {
			next = tval_new(TV_TABLE, &k->parts[i].loc);
			next->flags |= TF_DOTTED;
			table_put(t, k->parts[i].name, next,
				  &k->parts[i].loc);
		} else if (next->type != TV_TABLE ||
			   !(next->flags & TF_DOTTED) ||
			   (next->flags & TF_INLINE)) {
			format_key(&name, k, i + 1);
			fail_at(p, p->pos, "cannot add keys to '%s' "
				"(already defined at line %u)", name.p,
				next->loc.line);
			goto out;
		}
		t = next;
	}
	if (table_find(t, k->parts[i].name)) {
		format_key(&name, k, k->n);
		fail_at(p, p->pos, "duplicate key '%s' (first defined at "
			"line %u)", name.p,
			table_find(t, k->parts[i].name)->loc.line);
		goto out;
	}
	table_put(t, k->parts[i].name, v, &k->parts[i].loc);
	v = NULL;
	r = 0;
out:
	tval_free(v);
	sbuf_release(&name);
	key_path_release(k);
	return r;
}

static int parse_header(struct parser *p)
{
	size_t start = p->pos;
	bool aot = starts(p, "[[");
	struct sbuf name = SBUF_INIT;
	struct key_path k;
	struct tval *t = p->root, *next;
	size_t i;
	int r = -1;

	p->pos += aot ? 2 : 1;
	skip_ws(p);
	if (parse_key(p, &k) < 0)
		return -1;
	skip_ws(p);
	if (aot ? !starts(p, "]]") : peek(p) != ']') {
		fail(p, "expected '%s' to close the table header",
		     aot ? "]]" : "]");
		goto out;
	}
	p->pos += aot ? 2 : 1;
	format_key(&name, &k, k.n);

	for (i = 0; i + 1 < k.n; i++) {
		next = table_get(t, k.parts[i].name);
		if (!next) {
			next = tval_new(TV_TABLE, &k.parts[i].loc);
			next->flags |= TF_IMPLICIT;
			table_put(t, k.parts[i].name, next, &k.parts[i].loc);
		} else if (next->type == TV_ARRAY &&
			   (next->flags & TF_AOT)) {
			next = next->items[next->n - 1];
		} else if (next->type != TV_TABLE ||
			   (next->flags & TF_INLINE)) {
			fail_at(p, start, "cannot define table '%s': '%s' is "
				"already a %s%s (line %u)", name.p,
				k.parts[i].name, (next->flags & TF_INLINE) ?
				"inline " : "", tv_type_name(next),
				next->loc.line);
			goto out;
		}
		t = next;
	}
	next = table_get(t, k.parts[i].name);
	if (aot) {
		struct tval *elem = tval_new(TV_TABLE, &k.parts[i].loc);

		elem->flags |= TF_HEADER;
		if (!next) {
			next = tval_new(TV_ARRAY, &k.parts[i].loc);
			next->flags |= TF_AOT;
			table_put(t, k.parts[i].name, next, &k.parts[i].loc);
		} else if (next->type != TV_ARRAY || !(next->flags & TF_AOT)) {
			tval_free(elem);
			fail_at(p, start, "cannot define array of tables "
				"'%s': already defined as %s at line %u",
				name.p, tv_type_name(next), next->loc.line);
			goto out;
		}
		array_push(next, elem);
		p->cur = elem;
	} else {
		if (!next) {
			next = tval_new(TV_TABLE, &k.parts[i].loc);
			table_put(t, k.parts[i].name, next, &k.parts[i].loc);
		} else if (next->type != TV_TABLE ||
			   (next->flags & (TF_HEADER | TF_DOTTED |
					   TF_INLINE))) {
			fail_at(p, start, "duplicate table '%s' (already "
				"defined at line %u)", name.p, next->loc.line);
			goto out;
		}
		next->flags = (next->flags & ~(unsigned)TF_IMPLICIT) |
			      TF_HEADER;
		next->loc = k.parts[i].loc;
		p->cur = next;
	}
	r = 0;
out:
	sbuf_release(&name);
	key_path_release(&k);
	return r;
}

static int parse_keyval_line(struct parser *p)
{
	struct key_path k;
	struct tval *v;

	if (parse_key(p, &k) < 0)
		return -1;
	skip_ws(p);
	if (peek(p) != '=') {
		key_path_release(&k);
		if (newline_len(p) || peek(p) < 0)
			return fail(p, "expected '=' after key");
		return fail(p, "expected '=' after key, found '%c'", peek(p));
	}
	p->pos++;
	skip_ws(p);
	if (parse_value(p, &v) < 0) {
		key_path_release(&k);
		return -1;
	}
	return insert_keyval(p, p->cur, &k, v);
}

struct tval *toml_parse(const char *file, const char *src, size_t len,
			char *err, size_t errlen)
{
	struct parser p = { 0 };
	struct loc l = { file, 1, 1 };

	p.file = file;
	p.src = src;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	err[0] = '\0';
	p.root = tval_new(TV_TABLE, &l);
	p.cur = p.root;
	if (check_utf8(&p) < 0)
		goto bad;
	/* A leading BOM is allowed (toml-test valid/utf8-bom-*). */
	if (starts(&p, "\xef\xbb\xbf"))
		p.pos = 3;
	while (p.pos < p.len) {
		skip_ws(&p);
		if (p.pos >= p.len)
			break;
		if (peek(&p) == '[') {
			if (parse_header(&p) < 0)
				goto bad;
		} else if (peek(&p) != '#' && !newline_len(&p)) {
			if (peek(&p) == '\r') {
				fail(&p, "carriage return not followed by "
				     "newline");
				goto bad;
			}
			if (parse_keyval_line(&p) < 0)
				goto bad;
		}
		if (expect_eol(&p) < 0)
			goto bad;
	}
	return p.root;
bad:
	if (!err[0])
		snprintf(err, errlen, "1:1 parse error");
	tval_free(p.root);
	return NULL;
}
