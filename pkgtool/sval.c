/* sval.c - site value tree
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "sval.h"
#include "banned.h"

struct sval *sval_new(enum sval_type type, const struct loc *loc)
{
	struct sval *v = xcalloc(1, sizeof(*v));

	v->type = type;
	if (loc)
		v->loc = *loc;
	return v;
}

struct sval *sval_scalar(const char *s, const struct loc *loc)
{
	struct sval *v = sval_new(SV_SCALAR, loc);

	v->str = xstrdup(s);
	return v;
}

/* Frees what v owns (children, keys, its string: wiped when secret). */
static void release_contents(struct sval *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		sval_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->key_locs);
	if (v->str && v->secret)
		explicit_bzero(v->str, strlen(v->str));
	free(v->str);
}

void sval_clear(struct sval *v, enum sval_type type)
{
	release_contents(v);
	v->items = NULL;
	v->keys = NULL;
	v->key_locs = NULL;
	v->str = NULL;
	v->n = v->alloc = 0;
	v->type = type;
}

void sval_push(struct sval *seq, struct sval *item)
{
	size_t old = seq->alloc;

	seq->items = xgrow(seq->items, seq->n + 1, &seq->alloc,
			   sizeof(*seq->items));
	if (seq->type == SV_MAP && seq->alloc != old) {
		seq->keys = xrealloc(seq->keys, seq->alloc * sizeof(*seq->keys));
		seq->key_locs = xrealloc(seq->key_locs,
					 seq->alloc * sizeof(*seq->key_locs));
	}
	seq->items[seq->n++] = item;
}

void sval_map_put(struct sval *map, const char *key, const struct loc *kloc,
		  struct sval *v)
{
	sval_push(map, v);
	map->keys[map->n - 1] = xstrdup(key);
	map->key_locs[map->n - 1] = kloc ? *kloc : v->loc;
}

const struct sval *sval_map_get(const struct sval *m, const char *key)
{
	size_t i;

	if (!m || m->type != SV_MAP)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key))
			return m->items[i];
	return NULL;
}

struct sval *sval_copy(const struct sval *v)
{
	struct sval *c = sval_new(v->type, &v->loc);
	size_t i;

	c->quoted = v->quoted;
	c->secret = v->secret;
	if (v->str)
		c->str = xstrdup(v->str);
	for (i = 0; i < v->n; i++) {
		if (v->type == SV_MAP)
			sval_map_put(c, v->keys[i], &v->key_locs[i],
				     sval_copy(v->items[i]));
		else
			sval_push(c, sval_copy(v->items[i]));
	}
	return c;
}

int sval_any_secret(const struct sval *v)
{
	size_t i;

	if (v->type == SV_SCALAR)
		return v->secret && v->str[0];
	for (i = 0; i < v->n; i++)
		if (sval_any_secret(v->items[i]))
			return 1;
	return 0;
}

void sval_free(struct sval *v)
{
	if (!v)
		return;
	release_contents(v);
	free(v);
}

void sval_set_str(struct sval *v, const char *s)
{
	char *n = xstrdup(s);

	free(v->str);
	v->str = n;
}

int sval_is_empty(const struct sval *v)
{
	size_t i;

	if (!v || v->type == SV_NULL)
		return 1;
	if (v->type == SV_SCALAR)
		return v->str[0] == '\0';
	for (i = 0; i < v->n; i++)
		if (!sval_is_empty(v->items[i]))
			return 0;
	return 1;
}
