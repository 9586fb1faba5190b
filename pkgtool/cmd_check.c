/* cmd_check.c - pkgtool check SITE: validate without writing anything
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pkgtool.h"
#include "render.h"
#include "util.h"
#include "banned.h"

/* Loads one server's view of the site and renders what it would ship. */
static int check_one(const char *path, const char *host)
{
	struct site s;
	struct version v;
	struct plan_source src;
	struct plan_config pc;
	struct plan_unit u;
	struct buf b = BUF_INIT;
	int r = -1;

	if (site_load_host(&s, path, host) < 0)
		goto out;
	plan_unit_init(&u, &s);
	plan_config_init(&pc, &s, NULL);
	plan_source_init(&src, &s);
	if (plan_fixed_version(&src, NULL, &v) == 0 &&
	    render_config(&s, &pc, &v, &b) == 0 &&
	    render_unit(&s, &pc, &u, &v, &b) == 0)
		r = 0;
out:
	buf_release(&b);
	site_release(&s);
	return r;
}

static const struct cli_opt check_options[] = { { NULL, 0, NULL, NULL } };

const struct cli_cmd check_cmd = {
	.name = "check",
	.fn = cmd_check,
	.args = "SITE",
	.summary = "Validate a site file and each of its hosts, without network.",
	.desc = "Prints \"SITE: ok (N hosts)\"; each problem is reported as "
		"SITE:LINE:COL: error.",
	.opts = check_options,
	.example = "pkgtool check site.yml",
};

int cmd_check(int argc, char **argv)
{
	const char *path;
	struct site s;
	size_t i;
	int r;

	while ((r = cli_getopt(argc, argv, &check_cmd)) != -1)
		return r == CLI_HELP ? 0 : 2;
	if (optind != argc - 1)
		return cli_usage(&check_cmd);
	path = argv[optind];
	r = check_one(path, NULL);
	if (r < 0)
		return 1;
	r = site_load(&s, path);
	/* every host: its overrides are checked in its own context */
	for (i = 0; r == 0 && i < s.nr_hosts; i++)
		if (check_one(path, s.hosts[i]) < 0)
			r = -1;
	if (r == 0)
		printf("%s: ok (%zu host%s)\n", path, s.nr_hosts,
		       s.nr_hosts == 1 ? "" : "s");
	site_release(&s);
	return r < 0 ? 1 : 0;
}
