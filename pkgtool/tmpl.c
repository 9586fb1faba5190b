/* tmpl.c - expand "{{ name [| filter] }}"
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "toml.h"
#include "util.h"
#include "banned.h"

void sh_quote(struct buf *out, const char *s)
{
	buf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addstr(out, "'\\''");
		else
			buf_addch(out, *s);
	}
	buf_addch(out, '\'');
}

/* Lists of mappings (komodo_extra_env, git providers) have no one text
 * form: their items carry no string. */
static int scalar_items(const struct sval *v, const struct loc *loc,
			const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->items[i]->type != SV_SCALAR)
			return error_at(loc, "'%s' is a list of mappings and "
					     "cannot be inserted as text",
					name);
	return 0;
}

static int put_value(struct buf *out, const struct sval *v, const char *filter,
		     const struct loc *loc, const char *name)
{
	size_t i;

	if (v->type == SV_SEQ && scalar_items(v, loc, name) < 0)
		return -1;
	if (!filter[0]) {
		if (v->type == SV_SEQ) {
			for (i = 0; i < v->n; i++) {
				if (i)
					buf_addch(out, ' ');
				buf_addstr(out, v->items[i]->str);
			}
			return 0;
		}
		if (v->type == SV_MAP)
			return error_at(loc, "'%s' is a mapping and cannot be "
					     "inserted",
					name);
		buf_addstr(out, v->type == SV_NULL ? "" : v->str);
		return 0;
	}
	if (!strcmp(filter, "sh")) {
		if (v->type != SV_SCALAR && v->type != SV_NULL)
			return error_at(loc, "'%s | sh' needs a string", name);
		sh_quote(out, v->type == SV_NULL ? "" : v->str);
		return 0;
	}
	if (!strcmp(filter, "toml")) {
		if (v->type == SV_SEQ) {
			buf_addch(out, '[');
			for (i = 0; i < v->n; i++) {
				buf_addstr(out, i ? ", " : "");
				if (toml_quote(out, v->items[i]->str) < 0)
					return error_at(loc, "'%s' is not "
							     "valid UTF-8",
							name);
			}
			buf_addch(out, ']');
			return 0;
		}
		if (v->type == SV_MAP)
			return error_at(loc, "'%s' is a mapping and cannot be "
					     "inserted",
					name);
		if (toml_quote(out, v->type == SV_NULL ? "" : v->str) < 0)
			return error_at(loc, "'%s' is not valid UTF-8", name);
		return 0;
	}
	return error_at(loc, "unknown filter '%s' (use sh or toml)", filter);
}

int tmpl_expand(const char *name, const char *src, size_t len,
		tmpl_lookup_fn lookup, void *ctx, struct buf *out)
{
	const char *p = src, *end = src + len;
	struct loc loc = { name, 1, 1 };
	const char *line_start = src;
	int r = 0;

	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2);
		const char *close, *q, *b, *e, *bar;
		char *var, *filter;
		const struct sval *v;

		if (!open) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(open - p));
		for (q = p; q < open; q++)
			if (*q == '\n') {
				loc.line++;
				line_start = q + 1;
			}
		loc.col = (unsigned)(open - line_start) + 1;
		close = memmem(open, (size_t)(end - open), "}}", 2);
		if (!close || memchr(open, '\n', (size_t)(close - open)))
			return error_at(&loc, "'{{' without '}}' on the same "
					      "line");
		for (b = open + 2; *b == ' '; b++)
			;
		for (e = close; e > b && e[-1] == ' '; e--)
			;
		bar = memchr(b, '|', (size_t)(e - b));
		if (bar) {
			const char *ve = bar, *fb = bar + 1;

			while (ve > b && ve[-1] == ' ')
				ve--;
			while (*fb == ' ')
				fb++;
			var = xstrndup(b, (size_t)(ve - b));
			filter = xstrndup(fb, (size_t)(e - fb));
		} else {
			var = xstrndup(b, (size_t)(e - b));
			filter = xstrdup("");
		}
		v = lookup(ctx, var);
		if (!v)
			r = error_at(&loc, "'{{ %s }}' names no variable", var);
		else if (put_value(out, v, filter, &loc, var) < 0)
			r = -1;
		free(var);
		free(filter);
		if (r < 0)
			return r;
		p = close + 2;
	}
	return 0;
}
