/* site_hosts.c - Ansible inventories and the hosts: map of a site file
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "site_types.h"
#include "sval.h"
#include "banned.h"

/* A fleet larger than this is split into several site files; the bound
 * keeps the per-host merges (quadratic in the hosts) small. */
#define HOSTS_MAX 10000

/* ---- Ansible inventories ----------------------------------------------- */

/* Sets key in map m to a copy of v, replacing an earlier value: a host's
 * own value wins over its groups', an inner group's over an outer one's. */
static void map_set(struct sval *m, const char *key, const struct loc *kloc,
		    const struct sval *v)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key)) {
			sval_free(m->items[i]);
			m->items[i] = sval_copy(v);
			m->key_locs[i] = *kloc;
			return;
		}
	sval_map_put(m, key, kloc, sval_copy(v));
}

static void map_merge(struct sval *dst, const struct sval *src)
{
	size_t i;

	for (i = 0; src && src->type == SV_MAP && i < src->n; i++)
		map_set(dst, src->keys[i], &src->key_locs[i], src->items[i]);
}

/* Walks one group: its vars apply to its hosts and, through the children,
 * to theirs. chain holds the vars of the enclosing groups (not 'all',
 * whose vars are the site's). */
static int inventory_group(const struct sval *g, const char *name,
			   const struct sval **chain, size_t depth,
			   struct sval *hosts)
{
	static const char *const fields[] = { "hosts", "vars", "children" };
	const struct sval *h, *c, *v;
	size_t i, j;
	int r = 0;

	if (g->type == SV_NULL)
		return 0;
	if (g->type != SV_MAP)
		return error_at(&g->loc, "inventory group '%s' must be a "
					 "mapping of hosts, vars and children",
				name);
	if (depth >= 16)
		return error_at(&g->loc, "inventory groups nest too deep");
	for (i = 0; i < g->n; i++) {
		for (j = 0; j < ARRAY_SIZE(fields); j++)
			if (!strcmp(g->keys[i], fields[j]))
				break;
		if (j == ARRAY_SIZE(fields))
			r = error_at(&g->key_locs[i],
				     "inventory group '%s': unknown entry '%s' "
				     "(hosts, vars or children)",
				     name, g->keys[i]);
	}
	v = sval_map_get(g, "vars");
	if (v && v->type != SV_MAP && v->type != SV_NULL)
		return error_at(&v->loc, "'vars' of group '%s' must be a "
					 "mapping",
				name);
	chain[depth] = strcmp(name, "all") ? v : NULL;
	h = sval_map_get(g, "hosts");
	for (i = 0; h && h->type == SV_MAP && i < h->n; i++) {
		struct sval *e = NULL;

		if (hosts->n >= HOSTS_MAX)
			return error_at(&h->key_locs[i], "more than %d hosts; "
							 "split the fleet into "
							 "several site files",
					HOSTS_MAX);

		for (j = 0; j < hosts->n; j++)
			if (!strcmp(hosts->keys[j], h->keys[i]))
				e = hosts->items[j];
		if (!e) {
			sval_map_put(hosts, h->keys[i], &h->key_locs[i],
				     sval_new(SV_MAP, &h->key_locs[i]));
			e = hosts->items[hosts->n - 1];
		}
		for (j = 0; j <= depth; j++)
			map_merge(e, chain[j]);
		if (h->items[i]->type != SV_MAP &&
		    h->items[i]->type != SV_NULL)
			r = error_at(&h->items[i]->loc, "host '%s' must be a "
							"mapping of variables",
				     h->keys[i]);
		map_merge(e, h->items[i]);
	}
	c = sval_map_get(g, "children");
	for (i = 0; c && c->type == SV_MAP && i < c->n; i++)
		if (inventory_group(c->items[i], c->keys[i], chain, depth + 1,
				    hosts) < 0)
			r = -1;
	return r;
}

/* An inventory ("all:" with hosts, vars and children) becomes a site:
 * all.vars are the site's values, every host gets its groups' vars and
 * its own, so existing inventories build as they are. */
int site_inventory_flatten(struct sval **rootp)
{
	struct sval *root = *rootp, *site, *hosts;
	const struct sval *all, *vars, *chain[16];
	int r;

	if (!root || root->type != SV_MAP || root->n != 1 ||
	    strcmp(root->keys[0], "all"))
		return 0;
	all = root->items[0];
	site = sval_new(SV_MAP, &root->loc);
	hosts = sval_new(SV_MAP, &all->loc);
	r = inventory_group(all, "all", chain, 0, hosts);
	vars = sval_map_get(all, "vars");
	map_merge(site, vars);
	if (hosts->n)
		sval_map_put(site, "hosts", &all->loc, hosts);
	else
		sval_free(hosts);
	sval_free(root);
	*rootp = site;
	return r;
}

/* Host names become directory names under out/ and server names in Core. */
static int host_name_ok(const char *h)
{
	const char *p;

	if (!h[0] || h[0] == '.' || strlen(h) > 253)
		return 0;
	for (p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	return 1;
}

/* Takes the hosts: map out of root, lists its names, and returns the
 * entry of the wanted host (NULL for the whole site). */
int site_take_hosts(struct site *s, struct sval *root, const char *want,
		    struct sval **entry)
{
	struct sval *hosts = NULL;
	size_t i;
	int r = 0;

	*entry = NULL;
	for (i = 0; root && i < root->n; i++)
		if (!strcmp(root->keys[i], "hosts")) {
			hosts = root->items[i];
			root->items[i] = sval_new(SV_NULL, NULL);
			free(root->keys[i]);
			root->keys[i] = xstrdup("");
		}
	if (hosts && hosts->type != SV_MAP && hosts->type != SV_NULL) {
		r = error_at(&hosts->loc, "'hosts' must map host names to their "
					  "variables");
		goto out;
	}
	if (hosts && hosts->n > HOSTS_MAX) {
		r = error_at(&hosts->loc, "more than %d hosts; split the fleet "
					  "into several site files",
			     HOSTS_MAX);
		goto out;
	}
	for (i = 0; hosts && i < hosts->n; i++) {
		struct sval *h = hosts->items[i];

		if (!host_name_ok(hosts->keys[i])) {
			r = error_at(&hosts->key_locs[i],
				     "host name '%s' may only contain letters, "
				     "digits, '.', '_' and '-'",
				     hosts->keys[i]);
			continue;
		}
		if (h->type != SV_MAP && h->type != SV_NULL) {
			r = error_at(&h->loc, "host '%s' must be a mapping of "
					      "variables (or empty)",
				     hosts->keys[i]);
			continue;
		}
		s->hosts = xrealloc(s->hosts,
				    (s->nr_hosts + 1) * sizeof(*s->hosts));
		s->hosts[s->nr_hosts++] = xstrdup(hosts->keys[i]);
		if (want && !strcmp(want, hosts->keys[i])) {
			*entry = h;
			hosts->items[i] = sval_new(SV_NULL, NULL);
		}
	}
	if (!r && want && !*entry)
		r = error("site '%s' has no host '%s'%s", s->path, want,
			  s->nr_hosts ? "" : " (it has no hosts: map)");
out:
	sval_free(hosts);
	return r;
}
