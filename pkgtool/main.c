/* main.c - command table, global options, exit status
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "pkgtool.h"
#include "site.h"
#include "util.h"
#include "banned.h"

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};

/* clang-format off */
static const struct command commands[] = {
	{ "build",  cmd_build,  "build .deb/.rpm packages from a site file" },
	{ "check",  cmd_check,  "validate a site file" },
	{ "fetch",  cmd_fetch,  "download and verify the release binary into the cache" },
	{ "init",   cmd_init,   "write a commented starter site file" },
	{ "register", cmd_register, "create or update the servers in Komodo Core" },
	{ "render", cmd_render, "print a file as it would be packaged" },
	{ "repo",   cmd_repo,   "publish packages into a signed apt/dnf repository" },
};
/* clang-format on */

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: pkgtool [-q|-v] [--vault-password-file FILE] COMMAND [ARGS]\n\n",
	      f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fputs("\n  pkgtool build SITE [--out DIR] [--binary [ARCH=]PATH] "
	      "[--format deb|rpm]\n"
	      "                [--cache-dir DIR] [--refresh] [--cacert FILE] "
	      "[--allow-unverified]\n"
	      "  pkgtool check SITE\n"
	      "  pkgtool fetch SITE [--komodo-version V] [--cache-dir DIR] "
	      "[--refresh]\n"
	      "                [--cacert FILE] [--allow-unverified]\n"
	      "  pkgtool register SITE [--host NAME]... [--dry-run] "
	      "[--rotate-passkeys]\n"
	      "                [--cacert FILE]\n"
	      "  pkgtool render SITE [config|unit|sysusers|env|SCRIPT|PATH]\n"
	      "  pkgtool repo add|remove|list|sources|export-key DIR ... "
	      "(pkgtool repo --help)\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "vault-password-file", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c, r;

	while ((c = getopt_long(argc, argv, "+qvhP:", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			site_set_vault_password_file(optarg);
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			break;
	if (i == ARRAY_SIZE(commands)) {
		error("unknown command '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	argv += optind;
	argc -= optind;
	optind = 0; /* glibc: full re-initialisation for the subcommand */
	r = commands[i].fn(argc, argv);
	/* a full disk on stdout must not look like success */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to standard output");
		return 1;
	}
	return r;
}
