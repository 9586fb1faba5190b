/* cli.h - command and option tables: one declaration per option drives
 * getopt_long, --help, pkgtool(1) and the bash completion
 * SPDX-License-Identifier: MIT
 *
 * A command file declares its options once, as a struct cli_opt array
 * ending in { NULL }, and its command as a struct cli_cmd; it parses with
 * cli_getopt(), which derives getopt_long's arrays from that table, so
 * what --help names and what the parser accepts cannot differ. Every
 * command also gets -h/--help from here (no table may use 'h').
 */
#ifndef PKGTOOL_CLI_H
#define PKGTOOL_CLI_H

#include <stdio.h>

/* Keys of options without a short letter start here. */
#define CLI_LONG 256
/* cli_getopt() results besides option keys and -1 */
#define CLI_HELP (-2)	/* help printed to stdout: return 0 */
#define CLI_USAGE (-3)	/* bad option, reported: return 2 */

struct cli_opt {
	const char *name;	/* long name without "--"; NULL ends a table */
	int key;		/* short letter, or CLI_LONG + n for none */
	const char *arg;	/* argument name (DIR, FILE, deb|rpm), NULL = flag */
	const char *help;	/* one line, lowercase, no full stop */
};

/* cli_cmd.flags */
#define CLI_IN_ORDER 1	/* options end at the first operand (global options) */

struct cli_cmd {
	const char *name;	/* "build"; a subcommand "repo add"; root "" */
	int (*fn)(int argc, char **argv);
	const char *args;	/* operands after [OPTIONS] in the usage line */
	const char *summary;	/* one line, capitalised, full stop */
	const char *desc;	/* more lines for help and man page, or NULL */
	const struct cli_opt *opts;
	const char *exits;	/* "0  ...\n1  ...", NULL = the common three */
	const char *example;	/* one or more lines */
	const struct cli_cmd *const *subs; /* NULL-terminated, or NULL */
	unsigned flags;
};

/* getopt_long() over cmd's table: an option key, -1 at the end, CLI_HELP
 * after printing cmd's help, or CLI_USAGE after reporting a bad option. */
int cli_getopt(int argc, char **argv, const struct cli_cmd *cmd);
/* Reports "usage: pkgtool CMD [OPTIONS] ARGS" and where help is; 2. */
int cli_usage(const struct cli_cmd *cmd);
/* The command's help in the one house format. */
void cli_help(const struct cli_cmd *cmd, FILE *f);
/* The subcommand of cmd named name (the last word of its name), or NULL. */
const struct cli_cmd *cli_find(const struct cli_cmd *cmd, const char *name);
/* One line per option of cmd and, recursively, of its subcommands:
 * "CMD<TAB>-S<TAB>--LONG<TAB>ARG" ("-" where there is none), for tests
 * and the completion generator. */
void cli_list_options(const struct cli_cmd *cmd, FILE *f);
/* The commands and options as roff, the generated part of pkgtool(1). */
void cli_roff(const struct cli_cmd *root, FILE *f);

extern const char cli_version[];

#endif
