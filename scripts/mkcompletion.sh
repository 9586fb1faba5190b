#!/bin/sh
# mkcompletion.sh PKGTOOL < doc/pkgtool.bash.in > pkgtool.bash
#
# Puts the commands and each command's options, as the option tables in
# pkgtool/*.c declare them (PKGTOOL help --list-options), into the bash
# completion, so it offers what the parser accepts.
set -eu
data=${TMPDIR:-/tmp}/mkcompletion.$$
trap 'rm -f "$data"' EXIT
"$1" help --list-options | awk -F '\t' '
	{
		cmd[NR] = $1; short[NR] = $2; long[NR] = $3; arg[NR] = $4
		if ($1 != "pkgtool" && !($1 in seen)) {
			seen[$1] = 1
			if ($1 ~ /^repo /) {
				sub(/^repo /, "", $1); repo = repo " " $1
			} else
				cmds = cmds " " $1
		}
	}
	END {
		print "_pkgtool_commands=\"" substr(cmds, 2) "\""
		print "_pkgtool_repo_commands=\"" substr(repo, 2) "\""
		print "_pkgtool_opts() { # $1: command, as help --list-options names it"
		print "\tcase $1 in"
		for (i = 1; i <= NR; i++) {
			if (cmd[i] != cur) {
				if (cur != "") print "\" ;;"
				cur = cmd[i]
				printf "\t\"%s\") echo \"", cur
				sep = ""
			}
			printf "%s%s", sep, long[i]
			sep = " "
			if (short[i] != "-") printf " %s", short[i]
		}
		print "\" ;;"
		print "\tesac"
		print "}"
		print "_pkgtool_arg() { # $1: command, $2: option; its argument name"
		print "\tcase \"$1 $2\" in"
		for (i = 1; i <= NR; i++) {
			if (arg[i] == "-") continue
			printf "\t\"%s %s\"", cmd[i], long[i]
			if (short[i] != "-") printf " | \"%s %s\"", cmd[i], short[i]
			printf ") echo \"%s\" ;;\n", arg[i]
		}
		print "\tesac"
		print "}"
	}' > "$data"
sed -e "/^# @DATA@\$/{r $data" -e 'd;}'
