/* buf.h - growable, always NUL-terminated byte strings
 * SPDX-License-Identifier: MIT
 *
 * struct buf owns its bytes. Invariants (as git's strbuf): data is never
 * NULL and data[len] == '\0'; only buf_* functions touch alloc. Initialise
 * with BUF_INIT or buf_init(); free with buf_release(). buf_detach() hands
 * the bytes to the caller (who frees them) and leaves the buf empty.
 * Allocation failure is fatal (die), so no function here fails.
 */
#ifndef PKGTOOL_BUF_H
#define PKGTOOL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF(f, a) __attribute__((format(printf, f, a)))

struct buf {
	char *data;
	size_t len, alloc;
};

extern char buf_empty[];
/* clang-format off */
#define BUF_INIT { buf_empty, 0, 0 }
/* clang-format on */

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* buf_release() that first zeroes the bytes (secrets). */
void buf_wipe(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0);
/* Returns the malloc'd bytes; the caller frees them. */
char *buf_detach(struct buf *b, size_t *len);
void buf_truncate(struct buf *b, size_t len);
/* Reads a whole file; -1 with errno set on failure (nothing reported). */
int buf_read_file(struct buf *b, const char *path);

#endif
