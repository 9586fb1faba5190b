/* cmd_repo.c - pkgtool repo add|remove|list|sources|export-key
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgtool.h"
#include "repo.h"
#include "sign.h"
#include "util.h"
#include "banned.h"

static int parse_uint(const char *opt, const char *s, unsigned max,
		      unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > max || *s == '-')
		return error("%s wants a number from 0 to %u, not '%s'", opt,
			     max, s);
	*out = (unsigned)v;
	return 0;
}

enum {
	OPT_PER_HOST = CLI_LONG, OPT_ARCH, OPT_KEEP, OPT_REPLACE,
	OPT_ALLOW_SECRETS, OPT_ORIGIN, OPT_VALID_FOR, OPT_URL, OPT_PASSPHRASE,
	OPT_BINARY,
};

/* clang-format off */
#define O_KEY { "key", 'k', "ID", "sign with GnuPG key ID (default: the one in use)" }
#define O_SUITE { "suite", 's', "S", "the suite, apt and dnf (default: stable)" }
#define O_URL { "url", OPT_URL, "URL", "where hosts reach the repository (source entries)" }
#define O_PASSPHRASE { "passphrase-file", OPT_PASSPHRASE, "FILE", "read the key's passphrase from FILE" }
#define O_VALID_FOR { "valid-for", OPT_VALID_FOR, "DAYS", "write Valid-Until DAYS days ahead into Release" }
#define O_ORIGIN { "origin", OPT_ORIGIN, "TEXT", "Origin and Label of the apt Release file" }
#define O_END { NULL, 0, NULL, NULL }
/* clang-format on */

static const struct cli_opt add_options[] = {
	O_KEY, O_SUITE,
	{ "per-host", OPT_PER_HOST, NULL,
	  "suite = each file's folder name (out/HOST/)" },
	{ "arch", OPT_ARCH, "LIST",
	  "architectures of a new suite (default: \"amd64 arm64\")" },
	{ "keep", OPT_KEEP, "N", "keep the N newest versions (default: all)" },
	{ "replace", OPT_REPLACE, NULL,
	  "replace a package of the same name-version-arch" },
	{ "allow-secrets", OPT_ALLOW_SECRETS, NULL,
	  "publish packages that carry passkeys or keys" },
	O_ORIGIN, O_VALID_FOR, O_URL, O_PASSPHRASE, O_END,
};
static const struct cli_opt remove_options[] = {
	O_SUITE, O_KEY, O_ORIGIN, O_VALID_FOR, O_PASSPHRASE, O_END,
};
static const struct cli_opt list_options[] = { O_SUITE, O_END };
static const struct cli_opt sources_options[] = { O_SUITE, O_URL, O_END };
static const struct cli_opt export_options[] = {
	O_KEY,
	{ "binary", OPT_BINARY, NULL, "binary key instead of ASCII armour" },
	O_END,
};

static const struct cli_cmd repo_add_cmd = {
	.name = "repo add",
	.fn = cmd_repo,
	.args = "DIR FILE...",
	.summary = "Add .deb/.rpm files to the repository in DIR (made when "
		   "missing).",
	.desc = "Signs apt's InRelease/Release.gpg and the rpms' repomd.xml; "
		"refuses packages\nthat carry secrets unless --allow-secrets.",
	.opts = add_options,
	.example = "pkgtool repo add /srv/repo out/*.deb out/*.rpm "
		   "--key ops@example.com",
};
static const struct cli_cmd repo_remove_cmd = {
	.name = "repo remove",
	.fn = cmd_repo,
	.args = "DIR NAME[=VERSION]...",
	.summary = "Remove packages (all versions, or one) from a suite.",
	.opts = remove_options,
	.example = "pkgtool repo remove /srv/repo komodo-periphery=1.19.5-1",
};
static const struct cli_cmd repo_list_cmd = {
	.name = "repo list",
	.fn = cmd_repo,
	.args = "DIR",
	.summary = "List the packages of a suite.",
	.opts = list_options,
	.example = "pkgtool repo list /srv/repo --suite stable",
};
static const struct cli_cmd repo_sources_cmd = {
	.name = "repo sources",
	.fn = cmd_repo,
	.args = "DIR",
	.summary = "Print the apt and dnf source entries hosts need.",
	.opts = sources_options,
	.example = "pkgtool repo sources /srv/repo --url "
		   "https://pkgs.example.com",
};
static const struct cli_cmd repo_export_cmd = {
	.name = "repo export-key",
	.fn = cmd_repo,
	.args = "DIR",
	.summary = "Print the repository's public signing key.",
	.opts = export_options,
	.example = "pkgtool repo export-key /srv/repo > komodo.asc",
};
static const struct cli_cmd *const repo_subs[] = {
	&repo_add_cmd, &repo_remove_cmd, &repo_list_cmd, &repo_sources_cmd,
	&repo_export_cmd, NULL,
};
static const struct cli_opt repo_options[] = { O_END };

const struct cli_cmd repo_cmd = {
	.name = "repo",
	.fn = cmd_repo,
	.args = "COMMAND DIR ...",
	.summary = "Publish packages into a signed apt/dnf repository folder.",
	.opts = repo_options,
	.example = "pkgtool repo add /srv/repo out/*.deb --key ops@example.com\n"
		   "pkgtool repo sources /srv/repo --url "
		   "https://pkgs.example.com",
	.subs = repo_subs,
};

/* -1 to go on, else the exit status (0 after the help, 2 after a usage
 * error, reported). */
static int parse_opts(int argc, char **argv, const struct cli_cmd *cmd,
		      struct repo_opts *o, int *binary)
{
	int c;

	while ((c = cli_getopt(argc, argv, cmd)) != -1) {
		switch (c) {
		case 'k':
			o->key = optarg;
			break;
		case 's':
			o->suite = optarg;
			break;
		case OPT_PER_HOST:
			o->per_host = 1;
			break;
		case OPT_ARCH:
			o->archs = optarg;
			break;
		case OPT_KEEP:
			if (parse_uint("--keep", optarg, 1000, &o->keep) < 0)
				return 2;
			break;
		case OPT_REPLACE:
			o->replace = 1;
			break;
		case OPT_ALLOW_SECRETS:
			o->allow_secrets = 1;
			break;
		case OPT_ORIGIN:
			o->origin = optarg;
			break;
		case OPT_VALID_FOR:
			if (parse_uint("--valid-for", optarg, 3650,
				       &o->valid_days) < 0)
				return 2;
			break;
		case OPT_URL:
			o->url = optarg;
			break;
		case OPT_PASSPHRASE:
			sign_set_passphrase_file(optarg);
			break;
		case OPT_BINARY:
			*binary = 1;
			break;
		case CLI_HELP:
			return 0;
		default:
			return 2;
		}
	}
	if (o->per_host && o->suite) {
		error("--suite and --per-host exclude each other");
		return 2;
	}
	return -1;
}

int cmd_repo(int argc, char **argv)
{
	const struct cli_cmd *sub;
	struct repo_opts o;
	const char *verb;
	int binary = 0, r, nargs;
	char **args;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || argv[1][0] == '-') {
		/* only --help/-h before the verb */
		while ((r = cli_getopt(argc, argv, &repo_cmd)) != -1)
			return r == CLI_HELP ? 0 : 2;
		error("repo wants a command: add, remove, list, sources or "
		      "export-key");
		fputs("Try 'pkgtool repo --help'.\n", stderr);
		return 2;
	}
	verb = argv[1];
	sub = cli_find(&repo_cmd, verb);
	if (!sub) {
		error("unknown repo command '%s' (add, remove, list, sources, "
		      "export-key)", verb);
		return 2;
	}
	r = parse_opts(argc - 1, argv + 1, sub, &o, &binary);
	if (r >= 0)
		return r;
	args = argv + 1 + optind;
	nargs = argc - 1 - optind;
	if (nargs < 1) {
		error("repo %s: missing the repository folder", verb);
		fprintf(stderr, "Try 'pkgtool repo %s --help'.\n", verb);
		return 2;
	}
	if (!strcmp(verb, "add") || !strcmp(verb, "remove")) {
		if (nargs < 2) {
			error("repo %s: nothing to %s", verb, verb);
			return 2;
		}
		r = verb[0] == 'a' ?
			    repo_add(args[0], args + 1, nargs - 1, &o) :
			    repo_remove(args[0], args + 1, nargs - 1, &o);
	} else if (nargs > 1) {
		error("repo %s: unexpected '%s'", verb, args[1]);
		return 2;
	} else if (!strcmp(verb, "list")) {
		r = repo_list(args[0], &o);
	} else if (!strcmp(verb, "sources")) {
		r = repo_sources(args[0], &o);
	} else {
		r = repo_export_key(args[0], &o, !binary);
	}
	return r < 0 ? 1 : 0;
}
