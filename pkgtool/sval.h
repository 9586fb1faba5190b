/* sval.h - the site value tree: YAML scalars, sequences and maps with
 * their source locations
 * SPDX-License-Identifier: MIT
 *
 * Every sval is heap-allocated and owns its children; sval_free() frees a
 * whole tree. sval_copy() makes a deep copy.
 */
#ifndef PKGTOOL_SVAL_H
#define PKGTOOL_SVAL_H

#include <stddef.h>

#include "util.h"

enum sval_type { SV_NULL, SV_SCALAR, SV_SEQ, SV_MAP };

struct sval {
	enum sval_type type;
	char *str;		/* SV_SCALAR text */
	int quoted;		/* scalar was quoted in YAML */
	int secret;		/* from !env/!file, or a secret-typed key */
	struct sval **items;	/* SV_SEQ items, SV_MAP values */
	char **keys;		/* SV_MAP keys */
	struct loc *key_locs;	/* SV_MAP key positions */
	size_t n, alloc;
	struct loc loc;
};

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
/* Does v hold a non-empty secret anywhere (scalar, list or map)? */
int sval_any_secret(const struct sval *v);
/* Replaces the scalar text. */
void sval_set_str(struct sval *v, const char *s);
/* 1 if null, "" or a list with no non-empty string. */
int sval_is_empty(const struct sval *v);
/* Looks up a map entry; NULL when absent. */
const struct sval *sval_map_get(const struct sval *m, const char *key);

#endif
