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

#define FETCH_USAGE                                                           \
	"usage: pkgtool fetch SITE [--komodo-version V] [--cache-dir DIR] "  \
	"[--refresh] [--cacert FILE] [--allow-unverified]"

int cmd_fetch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "komodo-version", required_argument, NULL, 'V' },
		FETCH_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_opts fo = { 0 };
	const char *ver = NULL;
	struct plan_source src;
	struct version v;
	struct site s;
	size_t i;
	int c, r = 1;

	while ((c = getopt_long(argc, argv, "V:" FETCH_SHORT_OPTIONS, opts,
				NULL)) != -1) {
		if (fetch_opts_parse(&fo, c, optarg))
			continue;
		switch (c) {
		case 'V':
			ver = optarg;
			break;
		default:
			error(FETCH_USAGE);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		error(FETCH_USAGE);
		return 2;
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
