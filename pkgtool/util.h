/* util.h - allocation, diagnostics and small helpers shared by all modules
 * SPDX-License-Identifier: MIT
 *
 * Error contract: the function that detects a problem reports it once with
 * error() or error_at() and returns -1; callers propagate -1 without
 * printing again. die() is only for out-of-memory and BUG() for impossible
 * states. Diagnostics go to the stream set by diag_set_stream() (stderr by
 * default, a memory stream in unit tests); stdout is flushed first.
 */
#ifndef PKGTOOL_UTIL_H
#define PKGTOOL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A position in a source file: 1-based line and column, as printed. */
struct loc {
	const char *file;
	unsigned line, col;
};

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *arr (of *alloc elements of size sz) to hold at least n. */
void *xgrow(void *arr, size_t n, size_t *alloc, size_t sz);

void die(const char *fmt, ...) PRINTF(1, 2) NORETURN;
void bug_at(const char *file, int line, const char *fmt, ...) PRINTF(3, 4)
	NORETURN;
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

int error(const char *fmt, ...) PRINTF(1, 2);
int error_at(const struct loc *loc, const char *fmt, ...) PRINTF(2, 3);
void warning(const char *fmt, ...) PRINTF(1, 2);
void warning_at(const struct loc *loc, const char *fmt, ...) PRINTF(2, 3);
/* A note after an error, e.g. "site.yml:3:1: note: did you mean ...". */
void note_at(const struct loc *loc, const char *fmt, ...) PRINTF(2, 3);
/* One line of progress or news on stderr unless quiet. */
void info(const char *fmt, ...) PRINTF(1, 2);

/* Writes n bytes of text to f with control characters as \n, \t, \r or
 * \xNN and bytes that are not UTF-8 as \xNN (what every diagnostic does
 * with its message). */
void diag_escape(FILE *f, const char *text, size_t n);
void diag_set_stream(FILE *f);
FILE *diag_get_stream(void); /* NULL = stderr */
/* While set, error() and warning() report at this location, so a module
 * that knows nothing of the site file (vault.c) still gives FILE:LINE:COL. */
void diag_set_loc(const struct loc *loc);
extern int verbosity; /* -1 quiet, 0 normal, 1 verbose */

/* Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

int starts_with(const char *s, const char *prefix);
int ends_with(const char *s, const char *suffix);

#endif
