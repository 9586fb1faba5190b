/* site_lists.c - site values that are lists of mappings (git providers,
 * registries, name/value secrets, environment variables)
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <string.h>

#include "site_types.h"
#include "sval.h"
#include "banned.h"

/* as site_types.c: no real list is this long */
#define LIST_MAX 4096

static int check_fields(struct sval *m, const char *name,
			const char *const *fields)
{
	size_t i, j;
	int r = 0;

	for (i = 0; i < m->n; i++) {
		int ok = 0;
		size_t best = (size_t)-1, bj = 0;

		for (j = 0; fields[j]; j++) {
			size_t d = edit_distance(m->keys[i], fields[j]);

			if (!d)
				ok = 1;
			if (d < best) {
				best = d;
				bj = j;
			}
		}
		if (ok)
			continue;
		if (best <= 3)
			r = error_at(&m->key_locs[i],
				     "'%s': unknown field '%s'; did you mean "
				     "'%s'?",
				     name, m->keys[i], fields[bj]);
		else
			r = error_at(&m->key_locs[i],
				     "'%s': unknown field '%s'", name,
				     m->keys[i]);
	}
	return r;
}

static struct sval *field(struct sval *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key))
			return m->items[i];
	return NULL;
}

static int want_list_of_maps(struct sval *v, const char *name)
{
	size_t i;
	int r = 0;

	if (v->type == SV_NULL) {
		v->type = SV_SEQ;
		return 0;
	}
	if (v->type != SV_SEQ)
		return error_at(&v->loc, "'%s' must be a list, not %s", name,
				site_shape(v));
	if (v->n > LIST_MAX)
		return error_at(&v->loc, "'%s' has more than %d items", name,
				LIST_MAX);
	for (i = 0; i < v->n; i++)
		if (v->items[i]->type != SV_MAP)
			r = error_at(&v->items[i]->loc,
				     "'%s' items must be mappings, not %s",
				     name, site_shape(v->items[i]));
	return r;
}

static int check_accounts(struct sval *p, const char *name)
{
	static const char *const fields[] = { "username", "token", NULL };
	struct sval *acc = field(p, "accounts");
	size_t i;
	int r = 0;

	if (!acc)
		return error_at(&p->loc, "'%s': every entry needs 'accounts' "
					 "(a list of {username, token})",
				name);
	if (want_list_of_maps(acc, name) < 0)
		return -1;
	for (i = 0; i < acc->n; i++) {
		struct sval *a = acc->items[i], *u, *t;

		if (check_fields(a, name, fields) < 0)
			r = -1;
		u = field(a, "username");
		t = field(a, "token");
		if (!u || site_want_scalar(u, name, "a string") < 0 || !u->str[0])
			r = error_at(&a->loc, "'%s': an account needs a "
					      "non-empty 'username'",
				     name);
		if (t && site_want_scalar(t, name, "a string") == 0)
			t->secret = 1;
		else if (t)
			r = -1;
	}
	return r;
}

int site_check_gitproviders(struct sval *v, const char *name,
			  const struct site *s)
{
	static const char *const fields[] = { "domain", "https", "accounts",
					      NULL };
	size_t i;
	int r = want_list_of_maps(v, name);

	for (i = 0; r == 0 && i < v->n; i++) {
		struct sval *p = v->items[i], *f;

		if (check_fields(p, name, fields) < 0)
			r = -1;
		if ((f = field(p, "domain")) && site_check_str(f, name, s) < 0)
			r = -1;
		if ((f = field(p, "https")) && site_check_bool(f, name, s) < 0)
			r = -1;
		if (check_accounts(p, name) < 0)
			r = -1;
	}
	return r;
}

int site_check_registries(struct sval *v, const char *name,
			const struct site *s)
{
	static const char *const fields[] = { "domain", "organizations",
					      "accounts", NULL };
	size_t i;
	int r = want_list_of_maps(v, name);

	for (i = 0; r == 0 && i < v->n; i++) {
		struct sval *p = v->items[i], *f;

		if (check_fields(p, name, fields) < 0)
			r = -1;
		if ((f = field(p, "domain")) && site_check_str(f, name, s) < 0)
			r = -1;
		/* the role's defaults show a string, its template a list */
		if ((f = field(p, "organizations")) && site_to_list(f, name) < 0)
			r = -1;
		if (check_accounts(p, name) < 0)
			r = -1;
	}
	return r;
}

static int namevalues(struct sval *v, const char *name, int env)
{
	static const char *const fields[] = { "name", "value", NULL };
	size_t i, j;
	int r = want_list_of_maps(v, name);

	for (i = 0; r == 0 && i < v->n; i++) {
		struct sval *p = v->items[i], *n, *val;
		const char *c;

		if (check_fields(p, name, fields) < 0)
			r = -1;
		n = field(p, "name");
		val = field(p, "value");
		if (!n || site_want_scalar(n, name, "a string") < 0 || !n->str[0]) {
			r = error_at(&p->loc, "'%s': every entry needs a "
					      "non-empty 'name'",
				     name);
			continue;
		}
		if (!val) {
			r = error_at(&p->loc, "'%s': '%s' has no 'value'",
				     name, n->str);
			continue;
		}
		if (site_want_scalar(val, name, "a string") < 0) {
			r = -1;
			continue;
		}
		val->secret = 1;
		if (env) {
			for (c = n->str; *c; c++)
				if (!(isalpha((unsigned char)*c) || *c == '_' ||
				      (c > n->str && isdigit((unsigned char)*c))))
					break;
			if (*c)
				r = error_at(&n->loc,
					     "'%s': '%s' is not an environment "
					     "variable name (letters, digits "
					     "and '_', not starting with a "
					     "digit)",
					     name, n->str);
			if (strchr(val->str, '\n'))
				r = error_at(&val->loc, "'%s': the value of "
							"'%s' must be one line",
					     name, n->str);
		}
		for (j = 0; j < i; j++) {
			struct sval *o = field(v->items[j], "name");

			if (o && o->type == SV_SCALAR &&
			    !strcmp(o->str, n->str))
				r = error_at(&n->loc, "'%s': '%s' is given "
						      "twice",
					     name, n->str);
		}
	}
	return r;
}

int site_check_namevalues(struct sval *v, const char *name,
			const struct site *s)
{
	return namevalues(v, name, 0);
}

int site_check_envvars(struct sval *v, const char *name, const struct site *s)
{
	return namevalues(v, name, 1);
}
