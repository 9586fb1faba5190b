/* cmd_render.c - pkgtool render SITE [WHAT]: print a file as packaged
 * SPDX-License-Identifier: MIT
 *
 * WHAT is config (default), unit, sysusers, env, a maintainer script name
 * (preinst, postinst, prerm, postrm, pre, post, preun, postun, posttrans)
 * or a payload path such as /etc/komodo/periphery.config.toml.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "keypair.h"
#include "pkg.h"
#include "pkgtool.h"
#include "plan.h"
#include "render.h"
#include "state.h"
#include "util.h"
#include "banned.h"

static int render_path(const struct site *s, const struct version *v,
		       const struct plan_state *ps, const char *what,
		       struct buf *out)
{
	struct plan_opts po;
	struct pkg p;
	size_t i;
	int r = -1;

	memset(&po, 0, sizeof(po));
	po.format = &pkg_formats[0];
	po.arch = "amd64";
	/* any regular file: the binary is only stat()ed, never shipped here */
	po.binary = "/proc/self/exe";
	po.state = ps;
	pkg_init(&p);
	if (plan_pkg(s, v, &po, &p) < 0)
		goto out;
	for (i = 0; i < p.nr_files; i++)
		if (!strcmp(p.files[i].path, what) && p.files[i].type == PKG_REG &&
		    !p.files[i].src) {
			buf_add(out, p.files[i].content.data,
				p.files[i].content.len);
			r = 0;
			goto out;
		}
	r = error("'%s' is not a generated file of the package", what);
out:
	pkg_release(&p);
	return r;
}

static const struct cli_opt render_options[] = {
	{ "komodo-version", 'V', "V",
	  "as release V (for komodo_version latest or core)" },
	{ "host", 'H', "NAME", "as host NAME of the site's hosts" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_cmd render_cmd = {
	.name = "render",
	.fn = cmd_render,
	.args = "SITE [WHAT]",
	.summary = "Print a file as it would be packaged.",
	.desc = "WHAT is config (default), unit, sysusers, env, a maintainer "
		"script (preinst\npostinst prerm postrm pre post preun postun "
		"posttrans) or a payload path.",
	.opts = render_options,
	.example = "pkgtool render site.yml unit\n"
		   "pkgtool render --host web1 site.yml "
		   "/etc/komodo/periphery.config.toml",
};

int cmd_render(int argc, char **argv)
{
	const char *what = "config", *ver = NULL, *host = NULL;
	struct buf b = BUF_INIT;
	struct site s;
	struct state st;
	struct plan_state kept;
	struct plan_source src;
	struct plan_server srv;
	struct plan_config pc;
	struct plan_unit u;
	struct version v;
	int c, r = -1;

	while ((c = cli_getopt(argc, argv, &render_cmd)) != -1) {
		if (c == 'V')
			ver = optarg;
		else if (c == 'H')
			host = optarg;
		else
			return c == CLI_HELP ? 0 : 2;
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage(&render_cmd);
	if (argc - optind == 2)
		what = argv[optind + 1];
	memset(&st, 0, sizeof(st));
	memset(&kept, 0, sizeof(kept));
	if (site_load_host(&s, argv[optind], host) < 0)
		goto out;
	plan_source_init(&src, &s);
	plan_server_init(&srv, &s);
	if (state_load(&st, argv[optind]) < 0 ||
	    state_apply(&st, &srv, STATE_READ, &kept) < 0 ||
	    plan_fixed_version(&src, ver, &v) < 0 ||
	    keypair_apply(&st, &srv, &v, STATE_READ, &kept) < 0)
		goto out;
	plan_unit_init(&u, &s);
	plan_config_init(&pc, &s, &kept);
	if (!strcmp(what, "config"))
		r = render_config(&s, &pc, &v, &b);
	else if (!strcmp(what, "unit"))
		r = render_unit(&s, &pc, &u, &v, &b);
	else if (!strcmp(what, "sysusers"))
		r = render_sysusers(&u, &b);
	else if (!strcmp(what, "env"))
		r = render_env(&pc, &b);
	else if (what[0] == '/')
		r = render_path(&s, &v, &kept, what, &b);
	else {
		enum pkg_script slot;
		const struct pkg_format *f = pkg_format_script(what, &slot);

		if (!f)
			r = error("unknown file '%s' (config, unit, sysusers, "
				  "env, a script name or a payload path)",
				  what);
		else
			r = plan_script(&s, &v, f, &kept, slot, &b);
	}
	if (r == 0)
		fwrite(b.data, 1, b.len, stdout);
out:
	buf_release(&b);
	site_release(&s);
	state_release(&st);
	plan_state_release(&kept);
	return r < 0 ? 1 : 0;
}
