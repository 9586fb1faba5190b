/* sval.h - constructors for the site value tree (struct sval in site.h)
 * SPDX-License-Identifier: MIT
 *
 * Every sval is heap-allocated and owns its children; sval_free() frees a
 * whole tree. sval_copy() makes a deep copy.
 */
#ifndef PKGTOOL_SVAL_H
#define PKGTOOL_SVAL_H

#include "site.h"

struct sval *sval_new(enum sval_type type, const struct loc *loc);
struct sval *sval_scalar(const char *s, const struct loc *loc);
/* Frees the children and text; v becomes an empty value of type (so a
 * value refused by a check keeps a shape that is safe to walk). */
void sval_clear(struct sval *v, enum sval_type type);
void sval_push(struct sval *seq, struct sval *item);
void sval_map_put(struct sval *map, const char *key, const struct loc *kloc,
		  struct sval *v);
struct sval *sval_copy(const struct sval *v);
void sval_free(struct sval *v);
/* Replaces the scalar text. */
void sval_set_str(struct sval *v, const char *s);
/* 1 if null, "" or a list with no non-empty string. */
int sval_is_empty(const struct sval *v);

#endif
