/* tmpl.h - "{{ name }}" templates (custom config/unit files, scripts)
 * SPDX-License-Identifier: MIT
 *
 * Syntax: "{{ name }}" inserts a value as it is; "{{ name | sh }}" as one
 * single-quoted shell word; "{{ name | toml }}" as a TOML string, or a
 * TOML array for a list. Anything else between braces is an error that
 * points at the template's line and column. The lookup callback returns
 * the value or NULL for an unknown name.
 */
#ifndef PKGTOOL_TMPL_H
#define PKGTOOL_TMPL_H

#include "buf.h"
#include "site.h"

typedef const struct sval *(*tmpl_lookup_fn)(void *ctx, const char *name);

int tmpl_expand(const char *name, const char *src, size_t len,
		tmpl_lookup_fn lookup, void *ctx, struct buf *out);
/* Appends s as one single-quoted POSIX shell word. */
void sh_quote(struct buf *out, const char *s);

#endif
