/* cmd_check.c - pkgtool check SITE: validate without writing anything
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pkgtool.h"
#include "render.h"
#include "util.h"
#include "banned.h"

int site_fixed_version(const struct site *s, const char *override,
		       struct version *v)
{
	const char *want = override ? override : site_str(s, "komodo_version");

	if (!strcmp(want, "latest") || !strcmp(want, "core"))
		return error_at(site_loc(s, "komodo_version"),
				"'komodo_version: %s' needs the release lookup, "
				"which this build does not have yet; give a "
				"tag such as v1.19.5",
				want);
	return version_parse(v, want);
}

int cmd_check(int argc, char **argv)
{
	struct site s;
	struct version v;
	struct buf b = BUF_INIT;
	int r = 1;

	if (argc != 2) {
		error("usage: pkgtool check SITE");
		return 2;
	}
	if (site_load(&s, argv[1]) < 0) {
		site_release(&s);
		return 1;
	}
	/* rendering finds version-dependent problems too */
	if (site_fixed_version(&s, NULL, &v) == 0 &&
	    render_config(&s, &v, &b) == 0 && render_unit(&s, &v, &b) == 0) {
		printf("%s: ok\n", argv[1]);
		r = 0;
	}
	buf_release(&b);
	site_release(&s);
	return r;
}
