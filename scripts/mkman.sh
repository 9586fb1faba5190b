#!/bin/sh
# mkman.sh 1 PKGTOOL VERSION DATE < doc/pkgtool.1.in > pkgtool.1
# mkman.sh 5 DEFAULTS VERSION DATE < doc/pkgtool-site.5.in > pkgtool-site.5
#
# Fills a man page's prose with what has its one source elsewhere: the
# commands and options from the option tables (PKGTOOL help --roff), the
# site keys from config/defaults.yml (type, default, comment, the
# [in: ...; role: -] tag and the section headings' Komodo versions).
set -eu
sect=$1 src=$2 version=$3 date=$4

# defaults.yml -> one .TP entry per key, a .SS per section heading
keys() {
	awk '
	function esc(s) {
		gsub(/\\/, "\\e", s)
		gsub(/-/, "\\-", s)
		return s
	}
	# filled text at most 79 bytes a line (mandoc -T lint), never a
	# request at a line start
	function out(s,    i) {
		while (length(s) > 79) {
			for (i = 79; i > 1 && substr(s, i, 1) != " "; i--)
				;
			if (i == 1)
				break
			line(substr(s, 1, i - 1))
			s = substr(s, i + 1)
		}
		line(s)
	}
	function line(s) {
		if (s ~ /^[.\047]/) s = "\\&" s
		print s
	}
	/^# --- / {
		h = $0
		sub(/^# --- /, "", h); sub(/ -+$/, "", h)
		ver = "every version"
		if (match(h, /\(Komodo >= [0-9.]+\)/)) {
			ver = substr(h, RSTART + 1, RLENGTH - 2)
			sub(/ *\(Komodo >= [0-9.]+\)/, "", h)
		}
		print ".SS \"" esc(h) "\""
		next
	}
	/^[a-z_]+:/ {
		key = $1; sub(/:$/, "", key)
		rest = $0; sub(/^[a-z_]+: */, "", rest)
		type = rest; sub(/ .*/, "", type); sub(/^!/, "", type)
		dflt = rest; sub(/^![a-z]+ */, "", dflt)
		cmt = ""
		if (match(dflt, /  # /)) {
			cmt = substr(dflt, RSTART + 4)
			dflt = substr(dflt, 1, RSTART - 1)
		}
		where = "config"; role = "same name"
		if (match(cmt, / \[in: [^]]*\]$/)) {
			tag = substr(cmt, RSTART + 6, RLENGTH - 7)
			cmt = substr(cmt, 1, RSTART - 1)
			if (sub(/; role: -$/, "", tag)) role = "pkgtool only"
			where = tag
		} else {
			print "mkman.sh: " key ": no [in: ...] tag" > "/dev/stderr"
			bad = 1
		}
		kver = ver
		if (match(cmt, /\(>= [0-9.]+\)/))
			kver = "Komodo " substr(cmt, RSTART + 1, RLENGTH - 2)
		if (dflt == "~") dflt = "computed (see above)"
		else if (dflt == "\"\"") dflt = "empty"
		print ".TP"
		print "\\fB" esc(key) "\\fR (" esc(type) ")"
		out(esc(cmt) ".")
		print ".br"
		out("Default: " esc(dflt) ". In: " esc(where) \
			". Versions: " esc(kver) ". Role: " role ".")
	}
	END { exit bad }
	' "$1"
}

awk -v v="$version" -v d="$date" '
	{ gsub(/@VERSION@/, v); gsub(/@DATE@/, d) }
	/^\.\\" @(COMMANDS|KEYS)@$/ { print "@@INSERT@@"; next }
	{ print }
' > "${TMPDIR:-/tmp}/mkman.$$"
trap 'rm -f "${TMPDIR:-/tmp}/mkman.$$" "${TMPDIR:-/tmp}/mkman.$$.ins"' EXIT
if [ "$sect" = 1 ]; then
	"$src" help --roff > "${TMPDIR:-/tmp}/mkman.$$.ins"
else
	keys "$src" > "${TMPDIR:-/tmp}/mkman.$$.ins"
fi
grep -q '^@@INSERT@@$' "${TMPDIR:-/tmp}/mkman.$$" ||
	{ echo "mkman.sh: no @COMMANDS@/@KEYS@ line" >&2; exit 1; }
sed -e "/^@@INSERT@@\$/{r ${TMPDIR:-/tmp}/mkman.$$.ins" -e 'd;}' \
	"${TMPDIR:-/tmp}/mkman.$$"
