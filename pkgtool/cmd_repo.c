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

static const char usage_text[] =
	"usage: pkgtool repo add DIR FILE... [--key ID] [--suite S | --per-host]\n"
	"                [--arch \"amd64 arm64\"] [--keep N] [--replace]\n"
	"                [--allow-secrets] [--origin TEXT] [--valid-for DAYS]\n"
	"                [--url URL] [--passphrase-file FILE]\n"
	"       pkgtool repo remove DIR NAME[=VERSION]... [--suite S] [--key ID]\n"
	"       pkgtool repo list DIR [--suite S]\n"
	"       pkgtool repo sources DIR [--suite S] [--url URL]\n"
	"       pkgtool repo export-key DIR [--key ID] [--binary]\n";

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

static int parse_opts(int argc, char **argv, struct repo_opts *o, int *binary)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "suite", required_argument, NULL, 's' },
		{ "per-host", no_argument, NULL, 'H' },
		{ "arch", required_argument, NULL, 'a' },
		{ "keep", required_argument, NULL, 'K' },
		{ "replace", no_argument, NULL, 'r' },
		{ "allow-secrets", no_argument, NULL, 'S' },
		{ "origin", required_argument, NULL, 'o' },
		{ "valid-for", required_argument, NULL, 'V' },
		{ "url", required_argument, NULL, 'u' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "binary", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->key = optarg;
			break;
		case 's':
			o->suite = optarg;
			break;
		case 'H':
			o->per_host = 1;
			break;
		case 'a':
			o->archs = optarg;
			break;
		case 'K':
			if (parse_uint("--keep", optarg, 1000, &o->keep) < 0)
				return 2;
			break;
		case 'r':
			o->replace = 1;
			break;
		case 'S':
			o->allow_secrets = 1;
			break;
		case 'o':
			o->origin = optarg;
			break;
		case 'V':
			if (parse_uint("--valid-for", optarg, 3650,
				       &o->valid_days) < 0)
				return 2;
			break;
		case 'u':
			o->url = optarg;
			break;
		case 'p':
			sign_set_passphrase_file(optarg);
			break;
		case 'b':
			*binary = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
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
	struct repo_opts o;
	const char *verb;
	int binary = 0, r, nargs;
	char **args;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		fputs(usage_text, stderr);
		return 2;
	}
	verb = argv[1];
	r = parse_opts(argc - 1, argv + 1, &o, &binary);
	if (r >= 0)
		return r;
	args = argv + 1 + optind;
	nargs = argc - 1 - optind;
	if (nargs < 1) {
		error("repo %s: missing the repository folder", verb);
		fputs(usage_text, stderr);
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
	} else if (!strcmp(verb, "export-key")) {
		r = repo_export_key(args[0], &o, !binary);
	} else {
		error("unknown repo command '%s' (add, remove, list, sources, "
		      "export-key)", verb);
		return 2;
	}
	return r < 0 ? 1 : 0;
}
