/* cli.c - option tables -> getopt_long arrays, --help text, roff and the
 * option list behind the bash completion
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"
#include "banned.h"

#ifndef PKGTOOL_VERSION
#error "PKGTOOL_VERSION comes from the VERSION file (see Makefile)"
#endif
const char cli_version[] = PKGTOOL_VERSION;

#define MAX_OPTS 40
#define HELP_COL 26

static const struct cli_opt help_opt = { "help", 'h', NULL,
					 "show this help and exit" };

/* getopt_long's view of the table last used; rebuilt when the table
 * changes, so each command pays once and nothing needs freeing. */
static struct option long_opts[MAX_OPTS + 2];
static char short_opts[2 * MAX_OPTS + 4];
static const struct cli_cmd *built_for;

static void derive(const struct cli_cmd *cmd)
{
	const struct cli_opt *o;
	size_t n = 0, s = 0, i;

	if (built_for == cmd)
		return;
	if (cmd->flags & CLI_IN_ORDER)
		short_opts[s++] = '+';
	for (o = cmd->opts; o && o->name; o++) {
		if (n == MAX_OPTS)
			BUG("more than %d options in '%s'", MAX_OPTS,
			    cmd->name);
		for (i = 0; i < n; i++)
			if (!strcmp(long_opts[i].name, o->name) ||
			    long_opts[i].val == o->key)
				BUG("option '%s' declared twice", o->name);
		if (o->key == 'h')
			BUG("'-h' is every command's --help");
		long_opts[n].name = o->name;
		long_opts[n].has_arg = o->arg ? required_argument : no_argument;
		long_opts[n].flag = NULL;
		long_opts[n].val = o->key;
		n++;
		if (o->key < CLI_LONG) {
			short_opts[s++] = (char)o->key;
			if (o->arg)
				short_opts[s++] = ':';
		}
	}
	long_opts[n] = (struct option){ help_opt.name, no_argument, NULL, 'h' };
	long_opts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	short_opts[s++] = 'h';
	short_opts[s] = '\0';
	built_for = cmd;
}

int cli_getopt(int argc, char **argv, const struct cli_cmd *cmd)
{
	int c;

	derive(cmd);
	c = getopt_long(argc, argv, short_opts, long_opts, NULL);
	if (c == 'h') {
		cli_help(cmd, stdout);
		return CLI_HELP;
	}
	if (c == '?' || c == ':') {
		/* getopt has said what was wrong */
		fprintf(stderr, "Try 'pkgtool%s%s --help'.\n",
			*cmd->name ? " " : "", cmd->name);
		return CLI_USAGE;
	}
	return c;
}

int cli_usage(const struct cli_cmd *cmd)
{
	error("usage: pkgtool %s [OPTIONS] %s", cmd->name, cmd->args);
	fprintf(stderr, "Try 'pkgtool %s --help'.\n", cmd->name);
	return 2;
}

const struct cli_cmd *cli_find(const struct cli_cmd *cmd, const char *name)
{
	const struct cli_cmd *const *s;

	for (s = cmd->subs; s && *s; s++) {
		const char *sp = strrchr((*s)->name, ' ');

		if (!strcmp(sp ? sp + 1 : (*s)->name, name))
			return *s;
	}
	return NULL;
}

/* "  -o, --out DIR" or "      --sign KEY" */
static int opt_label(const struct cli_opt *o, FILE *f)
{
	int n;

	if (o->key < CLI_LONG)
		n = fprintf(f, "  -%c, --%s", o->key, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (o->arg)
		n += fprintf(f, " %s", o->arg);
	return n;
}

static void indent_lines(const char *text, const char *pre, FILE *f)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchrnul(p, '\n');
		fprintf(f, "%s%.*s\n", pre, (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static const char common_exits[] =
	"0  success\n"
	"1  the operation failed (the reason is on stderr)\n"
	"2  usage error: unknown command, bad option or operand";

void cli_help(const struct cli_cmd *cmd, FILE *f)
{
	const struct cli_cmd *const *s;
	const struct cli_opt *o;
	int n;

	fprintf(f, "Usage: pkgtool%s%s [OPTIONS]%s%s\n", *cmd->name ? " " : "",
		cmd->name, *cmd->args ? " " : "", cmd->args);
	fprintf(f, "%s\n", cmd->summary);
	if (cmd->desc) {
		fputc('\n', f);
		indent_lines(cmd->desc, "", f);
	}
	if (cmd->subs) {
		fputs("\nCommands:\n", f);
		for (s = cmd->subs; *s; s++) {
			const char *sp = strrchr((*s)->name, ' ');

			fprintf(f, "  %-11s %s\n", sp ? sp + 1 : (*s)->name,
				(*s)->summary);
		}
	}
	fputs("\nOptions:\n", f);
	for (o = cmd->opts; o && o->name; o++) {
		n = opt_label(o, f);
		if (n >= HELP_COL - 1) { /* a long label: help on the next line */
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s%s\n", HELP_COL - n, "", o->help);
	}
	n = opt_label(&help_opt, f);
	fprintf(f, "%*s%s\n", HELP_COL - n, "", help_opt.help);
	if (cmd->subs)
		fprintf(f, "\nRun 'pkgtool%s%s COMMAND --help' for a command's "
			   "options.\n",
			*cmd->name ? " " : "", cmd->name);
	fputs("\nExit status:\n", f);
	indent_lines(cmd->exits ? cmd->exits : common_exits, "  ", f);
	fputs("\nExample:\n", f);
	indent_lines(cmd->example, "  ", f);
}

static void list_one(const char *cmd, const struct cli_opt *o, FILE *f)
{
	if (o->key < CLI_LONG)
		fprintf(f, "%s\t-%c\t--%s\t%s\n", cmd, o->key, o->name,
			o->arg ? o->arg : "-");
	else
		fprintf(f, "%s\t-\t--%s\t%s\n", cmd, o->name,
			o->arg ? o->arg : "-");
}

void cli_list_options(const struct cli_cmd *cmd, FILE *f)
{
	const char *name = *cmd->name ? cmd->name : "pkgtool";
	const struct cli_cmd *const *s;
	const struct cli_opt *o;

	for (o = cmd->opts; o && o->name; o++)
		list_one(name, o, f);
	list_one(name, &help_opt, f);
	for (s = cmd->subs; s && *s; s++)
		cli_list_options(*s, f);
}

/* Text for roff: no request at a line start, backslashes kept. */
static void roff_text(const char *s, FILE *f)
{
	char prev = ' ';

	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; prev = *s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-' && (s[1] == '-' || prev == ' ' ||
				       prev == '-' || prev == '['))
			fputs("\\-", f); /* an option: a real minus */
		else
			fputc(*s, f);
		if (*s == '\n' && (s[1] == '.' || s[1] == '\''))
			fputs("\\&", f);
	}
}

static void roff_opts(const struct cli_opt *o, FILE *f)
{
	for (; o && o->name; o++) {
		fputs(".TP\n", f);
		if (o->key < CLI_LONG)
			fprintf(f, "\\fB\\-%c\\fR, ", o->key);
		fputs("\\fB\\-\\-", f);
		roff_text(o->name, f);
		fputs("\\fR", f);
		if (o->arg) {
			fputs(" \\fI", f);
			roff_text(o->arg, f);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		roff_text(o->help, f);
		fputc('\n', f);
	}
}

static void roff_lines(const char *title, const char *text, FILE *f)
{
	fprintf(f, ".PP\n%s\n.RS\n.nf\n", title);
	roff_text(text, f);
	fputs("\n.fi\n.RE\n", f);
}

static void roff_cmd(const struct cli_cmd *cmd, FILE *f)
{
	const struct cli_cmd *const *s;

	fputs(".SS \"pkgtool ", f);
	roff_text(cmd->name, f);
	fputs(" [OPTIONS]", f);
	if (*cmd->args) {
		fputc(' ', f);
		roff_text(cmd->args, f);
	}
	fputs("\"\n", f);
	roff_text(cmd->summary, f);
	fputc('\n', f);
	if (cmd->desc) {
		roff_text(cmd->desc, f);
		fputc('\n', f);
	}
	roff_opts(cmd->opts, f);
	if (cmd->exits)
		roff_lines("Exit status:", cmd->exits, f);
	roff_lines("Example:", cmd->example, f);
	for (s = cmd->subs; s && *s; s++)
		roff_cmd(*s, f);
}

void cli_roff(const struct cli_cmd *root, FILE *f)
{
	const struct cli_cmd *const *s;

	fputs(".SH OPTIONS\n"
	      "These options come before the command; each command's own "
	      "options\nfollow its name (see\n.BR COMMANDS ).\n",
	      f);
	roff_opts(root->opts, f);
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n", f);
	fputs("show the list of commands and exit; after a command, that "
	      "command's help\n",
	      f);
	fputs(".SH COMMANDS\n", f);
	for (s = root->subs; s && *s; s++)
		roff_cmd(*s, f);
}
