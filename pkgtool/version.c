/* version.c - parse and compare Komodo versions
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "version.h"
#include "banned.h"

static int num(const char **p, unsigned *out)
{
	unsigned long n = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		n = n * 10 + (unsigned long)(**p - '0');
		if (n > 1000000)
			return -1;
		(*p)++;
	}
	*out = (unsigned)n;
	return 0;
}

int version_check(struct version *v, const char *s)
{
	const char *p = s;

	memset(v, 0, sizeof(*v));
	if (*p == 'v')
		p++;
	if (strlen(p) >= sizeof(v->text))
		return -1;
	memcpy(v->text, p, strlen(p) + 1);
	if (num(&p, &v->major) < 0 || *p++ != '.' ||
	    num(&p, &v->minor) < 0 || *p++ != '.' || num(&p, &v->patch) < 0)
		return -1;
	if (*p == '-' && p[1])
		v->prerelease = 1;
	else if (*p)
		return -1;
	/* the text goes into URLs and cache paths: no '/', '%', '..' games */
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return -1;
	if (strstr(v->text, ".."))
		return -1;
	return 0;
}

int version_parse(struct version *v, const char *s)
{
	if (version_check(v, s) < 0)
		return error("'%.64s' is not a version like 1.19.5", s);
	return 0;
}

int version_cmp(const struct version *a, const struct version *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return b->prerelease - a->prerelease;
}

int version_at_least(const struct version *a, const char *ref)
{
	struct version r;

	if (version_parse(&r, ref) < 0)
		BUG("bad reference version '%s'", ref);
	return version_cmp(a, &r) >= 0;
}
