/* cmd_fetch.c - pkgtool fetch SITE: put the verified release binaries of
 * the site's architectures into the cache, and nothing else
 * SPDX-License-Identifier: MIT
 *
 * For air-gapped builds: run fetch where the network is, copy the cache
 * directory, and build with --cache-dir and a pinned komodo_version (latest
 * and core need the network to be resolved). stdout gets one
 * "SHA256  PATH" line per architecture, as sha256sum prints it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "fetch.h"
#include "pkgtool.h"
#include "plan.h"
#include "resolve.h"
#include "util.h"
#include "banned.h"

static const struct cli_opt fetch_options[] = {
	{ "komodo-version", 'V', "V",
	  "release V instead of the site's komodo_version" },
	FETCH_CLI_OPTIONS,
	{ NULL, 0, NULL, NULL },
};

const struct cli_cmd fetch_cmd = {
	.name = "fetch",
	.fn = cmd_fetch,
	.args = "SITE",
	.summary = "Download and verify the site's agent binaries into the "
		   "cache.",
	.desc = "For builds without network: prints \"SHA256  PATH\" per "
		"architecture; copy the\ncache and build with --cache-dir and a "
		"fixed komodo_version.",
	.opts = fetch_options,
	.example = "pkgtool fetch site.yml --cache-dir /srv/pkgtool-cache",
};

int cmd_fetch(int argc, char **argv)
{
	struct fetch_opts fo = { 0 };
	const char *ver = NULL;
	struct plan_source src;
	struct version v;
	struct site s;
	size_t i;
	int c, r = 1;

	while ((c = cli_getopt(argc, argv, &fetch_cmd)) != -1) {
		if (fetch_opts_parse(&fo, c, optarg))
			continue;
		switch (c) {
		case 'V':
			ver = optarg;
			break;
		case CLI_HELP:
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		return cli_usage(&fetch_cmd);
	}
	if (site_load(&s, argv[optind]) < 0)
		goto out;
	plan_source_init(&src, &s);
	if (resolve_version(&src, ver, fo.cacert, &v) < 0)
		goto out;
	for (i = 0; i < src.arches->n; i++) {
		char sha[SHA256_HEX_SIZE], *path;

		if (fetch_binary(&src, &v, src.arches->items[i]->str, &fo,
				 &path, sha) < 0)
			goto out;
		printf("%s  %s\n", sha, path);
		free(path);
	}
	r = 0;
out:
	site_release(&s);
	return r;
}
