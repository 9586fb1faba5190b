/* rpm_deps.c - the .rpm's dependency lists, as rpmbuild orders them
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpm_int.h"
#include "util.h"
#include "banned.h"

void rpm_deps_add(struct rpm_deps *d, const char *name, const char *evr,
		  uint32_t flags)
{
	struct rpm_dep *dep;

	d->v = xgrow(d->v, d->nr + 1, &d->alloc, sizeof(*d->v));
	dep = &d->v[d->nr++];
	dep->name = xstrdup(name);
	dep->evr = xstrdup(evr ? evr : "");
	dep->flags = flags;
}

void rpm_deps_release(struct rpm_deps *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		free(d->v[i].name);
		free(d->v[i].evr);
	}
	free(d->v);
}

int rpm_deps_have(const struct rpm_deps *d, int c)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (strchr(d->v[i].evr, c))
			return 1;
	return 0;
}

/* rpmdsMerge()'s order: name, then EVR, then flags. */
static int dep_cmp(const void *a, const void *b)
{
	const struct rpm_dep *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(x->evr, y->evr);
	if (!c)
		c = (x->flags > y->flags) - (x->flags < y->flags);
	return c;
}

/* rpmdsMerge() keeps one of equal entries */
void rpm_deps_sort(struct rpm_deps *d)
{
	size_t i, n = 0;

	qsort(d->v, d->nr, sizeof(*d->v), dep_cmp);
	for (i = 0; i < d->nr; i++) {
		if (n && !dep_cmp(&d->v[i], &d->v[n - 1])) {
			free(d->v[i].name);
			free(d->v[i].evr);
			continue;
		}
		d->v[n++] = d->v[i];
	}
	d->nr = n;
}
