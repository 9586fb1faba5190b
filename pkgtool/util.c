/* util.c - allocation and diagnostics
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

int verbosity;
static FILE *diag;
static const struct loc *diag_loc;

void diag_set_loc(const struct loc *loc)
{
	diag_loc = loc;
}

void diag_set_stream(FILE *f)
{
	diag = f;
}

FILE *diag_get_stream(void)
{
	return diag;
}

static FILE *diag_stream(void)
{
	fflush(stdout);
	return diag ? diag : stderr;
}

void die(const char *fmt, ...)
{
	FILE *f = diag_stream();
	va_list ap;

	fputs("pkgtool: fatal: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	exit(1);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
	FILE *f = diag_stream();
	va_list ap;

	fprintf(f, "pkgtool: BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die("out of memory (%zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *xgrow(void *arr, size_t n, size_t *alloc, size_t sz)
{
	size_t want;

	if (n <= *alloc)
		return arr;
	want = *alloc ? *alloc * 2 : 8;
	if (want < n)
		want = n;
	if (want > SIZE_MAX / sz)
		die("array size overflow");
	*alloc = want;
	return xrealloc(arr, want * sz);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void diag_escape(FILE *f, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, len;

	while (i < n) {
		if (s[i] == '\n') {
			fputs("\\n", f);
			len = 1;
		} else if (s[i] == '\t') {
			fputs("\\t", f);
			len = 1;
		} else if (s[i] == '\r') {
			fputs("\\r", f);
			len = 1;
		} else if (s[i] < 0x20 || s[i] == 0x7f ||
			   !(len = utf8_len(s + i, n - i)) ||
			   (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			/* C0/C1 controls and bytes that are no character */
			fprintf(f, "\\x%02x", s[i]);
			len = 1;
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
}

#define DIAG_MAX 4096

/* Writes one formatted line, escaped and cut at DIAG_MAX bytes. */
static void vwrite_line(FILE *f, const char *fmt, va_list ap) PRINTF(2, 0);
static void vwrite_line(FILE *f, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(small)) {
		msg = xmalloc((size_t)n + 1);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	/* a value of megabytes quoted in full helps no one */
	if (n > DIAG_MAX) {
		diag_escape(f, msg, DIAG_MAX);
		fputs("...", f);
	} else {
		diag_escape(f, msg, (size_t)n);
	}
	if (msg != small)
		free(msg);
	fputc('\n', f);
}

/* Messages quote site text (values, keys, file names) and servers' replies:
 * a control character in them must not reach the terminal as one, so every
 * line is escaped here, once. */
static void vreport(const struct loc *loc, const char *kind, const char *fmt,
		    va_list ap) PRINTF(3, 0);
static void vreport(const struct loc *loc, const char *kind, const char *fmt,
		    va_list ap)
{
	FILE *f = diag_stream();

	if (!loc)
		loc = diag_loc;
	if (loc && loc->file) {
		diag_escape(f, loc->file, strlen(loc->file));
		fprintf(f, ":%u:%u: %s: ", loc->line, loc->col, kind);
	} else {
		fprintf(f, "pkgtool: %s: ", kind);
	}
	vwrite_line(f, fmt, ap);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, "error", fmt, ap);
	va_end(ap);
	return -1;
}

int error_at(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(loc, "error", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, "warning", fmt, ap);
	va_end(ap);
}

void warning_at(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(loc, "warning", fmt, ap);
	va_end(ap);
}

void note_at(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(loc, "note", fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	FILE *f;
	va_list ap;

	if (verbosity < 0)
		return;
	f = diag_stream();
	va_start(ap, fmt);
	vwrite_line(f, fmt, ap);
	va_end(ap);
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row, r;

	/* suggestions are for short names; hostile keys may be megabytes */
	if (la > 256 || lb > 256)
		return la > lb ? la : lb;
	row = xmalloc((lb + 1) * sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}
