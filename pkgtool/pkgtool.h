/* pkgtool.h - the subcommands (cmd_*.c), called from main.c
 * SPDX-License-Identifier: MIT
 *
 * Each command gets argv with argv[0] = its own name, parses its own
 * options with getopt_long, and returns the exit status: 0 ok, 1 failed,
 * 2 usage error. Each also has a struct cli_cmd (its options, help,
 * example) that main.c's command table lists; see cli.h.
 */
#ifndef PKGTOOL_PKGTOOL_H
#define PKGTOOL_PKGTOOL_H

#include "cli.h"

int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_repo(int argc, char **argv);

extern const struct cli_cmd build_cmd, check_cmd, fetch_cmd, init_cmd,
	register_cmd,
	render_cmd, repo_cmd;

#endif
