/* json.c - jansson behind a path-based API (the only file including
 * <jansson.h>)
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "json.h"
#include "util.h"
#include "banned.h"

#define MESSAGE_MAX 300 /* characters of a server message we quote */

/* struct json is never defined: the pointer is a json_t *. Reading
 * through a const document needs a non-const json_t * for jansson's
 * getters, which do not modify it. */
static json_t *J(const struct json *j)
{
	return (json_t *)(uintptr_t)j;
}

int json_parse(struct json **out, const char *data, size_t len,
	       const char *what)
{
	json_error_t e;
	json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);

	*out = NULL;
	if (!v)
		return error("%s: invalid JSON at line %d, column %d: %s", what,
			     e.line, e.column, e.text);
	*out = (struct json *)(void *)v;
	return 0;
}

void json_free(struct json *j)
{
	json_decref(J(j));
}

/* Walks path; with create, makes missing objects (never arrays). */
static json_t *walk(json_t *v, const char *path, int create)
{
	struct buf key = BUF_INIT;
	const char *p = path;

	while (v && *p) {
		size_t n = strcspn(p, ".");
		json_t *next;
		char *end;

		buf_reset(&key);
		buf_add(&key, p, n);
		p += n;
		if (*p == '.')
			p++;
		if (json_is_array(v)) {
			unsigned long i = strtoul(key.data, &end, 10);

			if (!key.len || *end || !isdigit((unsigned char)key.data[0]))
				next = NULL;
			else
				next = json_array_get(v, i);
		} else if (json_is_object(v)) {
			next = json_object_get(v, key.data);
			if (!next && create) {
				next = json_object();
				if (!next ||
				    json_object_set_new(v, key.data, next) < 0)
					die("out of memory (json)");
			}
		} else {
			next = NULL;
		}
		v = next;
	}
	buf_release(&key);
	return v;
}

static void vpath(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0);
static void vpath(struct buf *b, const char *fmt, va_list ap)
{
	buf_vaddf(b, fmt, ap);
}

/* The value at a printf-style path, or NULL. */
static json_t *vget(const struct json *j, const char *fmt, va_list ap)
	PRINTF(2, 0);
static json_t *vget(const struct json *j, const char *fmt, va_list ap)
{
	struct buf path = BUF_INIT;
	json_t *v;

	vpath(&path, fmt, ap);
	v = walk(J(j), path.data, 0);
	buf_release(&path);
	return v;
}

const char *json_str(const struct json *j, const char *fmt, ...)
{
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	v = vget(j, fmt, ap);
	va_end(ap);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

size_t json_len(const struct json *j, const char *fmt, ...)
{
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	v = vget(j, fmt, ap);
	va_end(ap);
	return json_is_array(v) ? json_array_size(v) : 0;
}

struct json *json_new_object(void)
{
	json_t *v = json_object();

	if (!v)
		die("out of memory (json)");
	return (struct json *)(void *)v;
}

/* Sets (steals) value at path: the parent is walked with create. */
static void set(struct json *j, const char *path, json_t *value)
{
	const char *dot = strrchr(path, '.');
	struct buf parent = BUF_INIT;
	json_t *o;

	if (!value)
		die("out of memory (json)");
	if (dot)
		buf_add(&parent, path, (size_t)(dot - path));
	o = walk(J(j), parent.data, 1);
	if (!json_is_object(o))
		BUG("json: '%s' is not below an object", path);
	if (json_object_set_new(o, dot ? dot + 1 : path, value) < 0)
		die("out of memory (json)");
	buf_release(&parent);
}

void json_set_str(struct json *j, const char *path, const char *value)
{
	set(j, path, json_string(value));
}

void json_set_bool(struct json *j, const char *path, int value)
{
	set(j, path, json_boolean(value));
}

void json_set_int(struct json *j, const char *path, long long value)
{
	set(j, path, json_integer(value));
}

void json_set_object(struct json *j, const char *path)
{
	set(j, path, json_object());
}

void json_append_str(struct json *j, const char *path, const char *value)
{
	json_t *a = walk(J(j), path, 0);

	if (!a) {
		set(j, path, json_array());
		a = walk(J(j), path, 0);
	}
	if (!json_is_array(a))
		BUG("json: '%s' is not an array", path);
	if (json_array_append_new(a, json_string(value)) < 0)
		die("out of memory (json)");
}

void json_dump(const struct json *j, struct buf *out)
{
	char *s = json_dumps(J(j), JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!s)
		die("out of memory (json)");
	buf_addstr(out, s);
	free(s);
}

/* One line, printable, at most MESSAGE_MAX characters. */
static void add_clean(struct buf *out, const char *s, size_t n)
{
	size_t i, start = out->len;

	while (n && isspace((unsigned char)*s))
		s++, n--;
	for (i = 0; i < n && s[i] != '\n' && s[i] != '\r'; i++) {
		if (out->len - start >= MESSAGE_MAX) {
			buf_addstr(out, "...");
			break;
		}
		buf_addch(out, isprint((unsigned char)s[i]) ? s[i] : '?');
	}
	while (out->len > start && isspace((unsigned char)out->data[out->len - 1]))
		buf_truncate(out, out->len - 1);
}

void json_error_message(const char *body, size_t len, struct buf *out)
{
	json_t *v = json_loadb(body, len, 0, NULL);
	json_t *e = json_object_get(v, "error");
	json_t *m = json_object_get(v, "message");

	buf_reset(out);
	if (json_is_string(e)) {
		json_t *trace = json_object_get(v, "trace");
		size_t i;

		add_clean(out, json_string_value(e), strlen(json_string_value(e)));
		for (i = 0; i < json_array_size(trace); i++) {
			json_t *t = json_array_get(trace, i);

			if (!json_is_string(t))
				continue;
			buf_addstr(out, ": ");
			add_clean(out, json_string_value(t),
				  strlen(json_string_value(t)));
		}
	} else if (json_is_string(m)) {
		add_clean(out, json_string_value(m), strlen(json_string_value(m)));
	} else {
		add_clean(out, body, len);
	}
	json_decref(v);
}

/* ---- added for register (core_api.c) -------------------------------------- */

int json_bool(const struct json *j, const char *fmt, ...)
{
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	v = vget(j, fmt, ap);
	va_end(ap);
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static int masked_key(const char *key, const char *const *mask)
{
	for (; mask && *mask; mask++)
		if (!strcmp(key, *mask))
			return 1;
	return 0;
}

/* A deep copy of v with the masked string values replaced. */
static json_t *mask_copy(json_t *v, const char *const *mask)
{
	json_t *c;

	if (json_is_object(v)) {
		const char *key;
		json_t *x;

		c = json_object();
		if (!c)
			die("out of memory (json)");
		json_object_foreach(v, key, x) {
			json_t *y;

			if (json_is_string(x) && json_string_length(x) &&
			    masked_key(key, mask))
				y = json_string("***");
			else
				y = mask_copy(x, mask);
			if (!y || json_object_set_new(c, key, y) < 0)
				die("out of memory (json)");
		}
		return c;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *x;

		c = json_array();
		if (!c)
			die("out of memory (json)");
		json_array_foreach(v, i, x)
			if (json_array_append_new(c, mask_copy(x, mask)) < 0)
				die("out of memory (json)");
		return c;
	}
	c = json_copy(v);
	if (!c)
		die("out of memory (json)");
	return c;
}

void json_dump_masked(const struct json *j, const char *const *mask,
		      struct buf *out)
{
	json_t *c = mask_copy(J(j), mask);

	json_dump((const struct json *)(void *)c, out);
	json_decref(c);
}
