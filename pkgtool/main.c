/* main.c - command table, global options, help, exit status
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pkgtool.h"
#include "site.h"
#include "util.h"
#include "banned.h"

enum { OPT_VERSION = CLI_LONG, OPT_LIST, OPT_ROFF };

static const struct cli_cmd root_cmd;

static int print_version(void)
{
	printf("pkgtool %s\n", cli_version);
	return 0;
}

static const struct cli_opt help_opts[] = {
	{ "list-options", OPT_LIST, NULL,
	  "print COMMAND -S --LONG ARG per option (scripts)" },
	{ "roff", OPT_ROFF, NULL,
	  "print the commands as roff for pkgtool(1) (make)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd help_cmd;

/* pkgtool help [COMMAND [SUBCOMMAND]] */
static int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *cmd = &root_cmd, *sub;
	int c, list = 0, roff = 0, i;

	while ((c = cli_getopt(argc, argv, &help_cmd)) != -1) {
		if (c == CLI_HELP)
			return 0;
		if (c == CLI_USAGE)
			return 2;
		if (c == OPT_LIST)
			list = 1;
		else
			roff = 1;
	}
	for (i = optind; i < argc; i++) {
		sub = cli_find(cmd, argv[i]);
		if (!sub) {
			error("no help for '%s': not a command", argv[i]);
			fputs("Try 'pkgtool --help' for the list of commands.\n",
			      stderr);
			return 2;
		}
		cmd = sub;
	}
	if (roff && cmd == &root_cmd)
		cli_roff(cmd, stdout);
	else if (roff) {
		error("--roff prints the whole page; drop '%s'", argv[optind]);
		return 2;
	} else if (list)
		cli_list_options(cmd, stdout);
	else
		cli_help(cmd, stdout);
	return 0;
}

static const struct cli_cmd help_cmd = {
	.name = "help",
	.fn = cmd_help,
	.args = "[COMMAND [SUBCOMMAND]]",
	.summary = "Show the help of pkgtool or of a command.",
	.opts = help_opts,
	.example = "pkgtool help build\npkgtool help repo add",
};

static const struct cli_opt version_opts[] = { { NULL, 0, NULL, NULL } };

static const struct cli_cmd version_cmd;

static int cmd_version(int argc, char **argv)
{
	int c;

	while ((c = cli_getopt(argc, argv, &version_cmd)) != -1)
		return c == CLI_HELP ? 0 : 2;
	if (optind != argc) {
		error("version takes no operand");
		return 2;
	}
	return print_version();
}

static const struct cli_cmd version_cmd = {
	.name = "version",
	.fn = cmd_version,
	.args = "",
	.summary = "Print pkgtool's version.",
	.opts = version_opts,
	.example = "pkgtool version",
};

/*
 * The commands. Adding one: in its cmd_NAME.c declare a struct cli_opt
 * table (each option once: long name, short letter or CLI_LONG + n,
 * argument name, help line) and a `const struct cli_cmd NAME_cmd` naming
 * cmd_NAME, its operands, summary, exit statuses and an example; parse with
 * cli_getopt(argc, argv, &NAME_cmd); declare NAME_cmd in pkgtool.h; add
 * &NAME_cmd below. Help, pkgtool(1) and the bash completion follow.
 */
static const struct cli_cmd *const commands[] = {
	&build_cmd, &check_cmd, &fetch_cmd, &help_cmd, &init_cmd, &register_cmd,
	&render_cmd, &repo_cmd, &version_cmd, NULL,
};

static const struct cli_opt global_opts[] = {
	{ "quiet", 'q', NULL, "print errors only" },
	{ "verbose", 'v', NULL, "print more about what is done" },
	{ "vault-password-file", 'P', "FILE",
	  "read the ansible-vault password from FILE" },
	{ "version", OPT_VERSION, NULL, "print the version and exit" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd root_cmd = {
	.name = "",
	.args = "COMMAND [ARGS]",
	.summary = "Build .deb and .rpm packages of the Komodo Periphery agent.",
	.desc = "One YAML site file gives native packages (user komodo, "
		"systemd user or system\nscope, clean upgrades); register "
		"adds the servers to Komodo Core.",
	.opts = global_opts,
	.example = "pkgtool check site.yml && pkgtool build site.yml --out out",
	.subs = commands,
	.flags = CLI_IN_ORDER,
};

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int c, r;

	while ((c = cli_getopt(argc, argv, &root_cmd)) != -1) {
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
		case OPT_VERSION:
			return print_version();
		case CLI_HELP:
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		cli_help(&root_cmd, stderr);
		return 2;
	}
	cmd = cli_find(&root_cmd, argv[optind]);
	if (!cmd) {
		error("unknown command '%s'", argv[optind]);
		fputs("Try 'pkgtool --help' for the list of commands.\n",
		      stderr);
		return 2;
	}
	argv += optind;
	argc -= optind;
	optind = 0; /* glibc: full re-initialisation for the subcommand */
	r = cmd->fn(argc, argv);
	/* a full disk on stdout must not look like success */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to standard output");
		return 1;
	}
	return r;
}
