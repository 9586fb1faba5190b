#!/bin/sh
# t1250 - site values reach the maintainer scripts as one quoted word each
# (issue 9.1, issue 8.1): the scripts' assignments, run by sh, neither run
# nor split anything and give back every value exactly. The booted-root
# version of this is tests/e2e/hostile.sh; this one runs without root.
. "$(dirname "$0")/lib.sh"

# canaries are relative: the commands would run in $TMP
V_HOME='/srv/h $(touch canary-home) `touch canary-bt`; * %s %n '"'"'q'"'"' & ~'
V_ROOT='/srv/r;$(touch canary-root) '"'"'y'"'"' %% ? [a] {b,c}'
V_REPO="$V_ROOT/re \$(touch canary-repo)*"
V_STACK='/srv/st `touch canary-stack` | ${HOME} $((1+1))'
V_BUILD='/srv/bu '"'"'$(touch canary-build)'"'"' %b'
V_CONF='/etc/komodo $(touch canary-cfg);'"'"'c'"'"'/periphery.config.toml'
cat >"$TMP/h.yml" <<EOF
komodo_service_scope: system
komodo_home: "$V_HOME"
komodo_root_directory: "$V_ROOT"
komodo_repo_dir: "$V_REPO"
komodo_stack_dir: "$V_STACK"
komodo_build_dir: "$V_BUILD"
komodo_config_dir: "${V_CONF%/*}"
komodo_config_path: "$V_CONF"
EOF

# the assignments at the top of a rendered script, without its functions
assignments() { # script
	"$PKGTOOL" render h.yml "$1" >"$1.sh" &&
		sed -n '/^KP_PKG=/,/^kp_say() {$/p' "$1.sh" | sed '$d' >"$1.vars" &&
		test -s "$1.vars"
}

for s in preinst postinst prerm postrm pre post preun postun posttrans; do
	test_expect_success "$s: site values come back exactly, nothing runs" '
		assignments $s &&
		sh -c ". ./$s.vars && printf \"%s\n\" \"\$KP_HOME\" \"\$KP_ROOT\" \
			\"\$KP_REPO_DIR\" \"\$KP_STACK_DIR\" \"\$KP_BUILD_DIR\" \
			\"\$KP_CONFIG\" \"\$KP_CONFIG_DIR\"" >got &&
		printf "%s\n" "$V_HOME" "$V_ROOT" "$V_REPO" "$V_STACK" \
			"$V_BUILD" "$V_CONF" "${V_CONF%/*}" >expect &&
		test_cmp expect got &&
		! ls canary-* 2>/dev/null
	'
done

test_expect_success 'the scripts get the system directories from pkgtool' '
	assignments postrm &&
	sh -c ". ./postrm.vars && printf %s \"\$KP_SYSTEM_DIRS\"" >dirs &&
	grep -q "^:bin:" dirs && grep -q ":var/lib:" dirs &&
	grep -q ":usr/local/bin:" dirs
'

# Every value in the template is a single-quoted word in a plain assignment:
# never inside double quotes (where $(...) runs) and never split later.
test_expect_success 'templates: no value in double quotes, no word-split lists' '
	T="${T_DIR:-$TOP/templates}" &&
	! grep -n "\"[^\"]*{{" "$T/common.sh" "$T"/deb/* "$T"/rpm/* &&
	! grep -nE "^[A-Z_]+=[^{]*{{[^}]*}}[^ ]" "$T/common.sh" &&
	! grep -nE "for [a-z_]+ in [^;]* \\\$[A-Za-z_{]" "$T/common.sh" "$T"/deb/* "$T"/rpm/* &&
	! grep -nE "(echo|printf) [^|]*\\\$KP_[A-Z_]*[^|]*\|" "$T/common.sh" | grep -v "printf .%s"
'

# | sh itself, for every printable ASCII character and some UTF-8, through a
# custom config template (a site key that takes any single-line string)
test_expect_success '| sh quotes every printable character' '
	printf "V={{ komodo_logging_otlp_endpoint | sh }}\n" >tpl &&
	i=32 && : >chars &&
	while [ $i -lt 127 ]; do
		printf "\\$(printf %03o $i)" >>chars; i=$((i + 1))
	done &&
	printf "é€ %%s%%n\\\\" >>chars &&
	v=$(cat chars) &&
	q=$(printf "%s" "$v" | sed "s/'"'"'/'"''"'/g") &&
	printf "komodo_config_file_template: tpl\nkomodo_logging_otlp_endpoint: '"'"'%s'"'"'\n" "$q" >q.yml &&
	"$PKGTOOL" render q.yml >q.sh &&
	sh -c ". ./q.sh && printf %s \"\$V\"" >got &&
	printf "%s" "$v" >expect && cmp expect got &&
	! ls canary-* 2>/dev/null
'
test_done
