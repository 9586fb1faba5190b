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

static void vreport(const struct loc *loc, const char *kind, const char *fmt,
		    va_list ap) PRINTF(3, 0);
static void vreport(const struct loc *loc, const char *kind, const char *fmt,
		    va_list ap)
{
	FILE *f = diag_stream();

	if (!loc)
		loc = diag_loc;
	if (loc && loc->file)
		fprintf(f, "%s:%u:%u: %s: ", loc->file, loc->line, loc->col,
			kind);
	else
		fprintf(f, "pkgtool: %s: ", kind);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
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

void info(const char *fmt, ...)
{
	FILE *f;
	va_list ap;

	if (verbosity < 0)
		return;
	f = diag_stream();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row = xmalloc((lb + 1) * sizeof(*row));
	size_t r;

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
