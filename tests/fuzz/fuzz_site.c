/* fuzz_site.c - libFuzzer target: site file -> validation -> render -> plan
 * SPDX-License-Identifier: MIT
 *
 * The input is a site file. Whatever loads is rendered (config, unit, env,
 * sysusers), planned into both package formats and its scripts, for the
 * site and for its first hosts, as `pkgtool build` would: a crash, leak
 * or undefined behaviour anywhere on that path is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pkg.h"
#include "plan.h"
#include "render.h"
#include "site.h"
#include "util.h"
#include "version.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* diagnostics are expected by the thousand; keep the log readable */
	if (!getenv("FUZZ_VERBOSE"))
		diag_set_stream(fopen("/dev/null", "w"));
	/* !env values: one known variable, so that path is reached too */
	setenv("FUZZ_ENV", "from-env", 1);
	return 0;
}

static void plan_all(const struct site *s, const struct version *v)
{
	struct plan_opts po;
	struct plan_package pp;
	struct buf b = BUF_INIT;
	struct pkg p;
	size_t f, i;

	for (f = 0; f < pkg_nr_formats; f++) {
		const struct pkg_format *fmt = &pkg_formats[f];

		memset(&po, 0, sizeof(po));
		po.format = fmt;
		po.arch = "amd64";
		po.binary = "/dev/null";
		po.mtime = 1700000000;
		pkg_init(&p);
		plan_pkg(s, v, &po, &p);
		pkg_release(&p);
		for (i = 0; i < SCRIPT_MAX; i++) {
			plan_script(s, v, fmt, NULL, (enum pkg_script)i, &b);
			buf_reset(&b);
		}
		plan_package_init(&pp, s);
		plan_filename(&pp, v, fmt, "arm64", NULL, &b);
		buf_reset(&b);
	}
	buf_release(&b);
}

static void render_all(const struct site *s)
{
	struct version v;
	struct buf b = BUF_INIT;
	struct render_keyfile kf[4];
	struct plan_config pc;
	struct plan_unit u;
	size_t n = 0, i;

	/* "latest"/"core" are network lookups: pick both majors instead */
	if (version_check(&v, site_str(s, "komodo_version")) < 0)
		version_check(&v, "1.19.5");
	plan_config_init(&pc, s, NULL);
	plan_unit_init(&u, s);
	render_config(s, &pc, &v, &b);
	buf_reset(&b);
	render_unit(s, &pc, &u, &v, &b);
	buf_reset(&b);
	render_env(&pc, &b);
	buf_reset(&b);
	render_sysusers(&u, &b);
	buf_release(&b);
	memset(kf, 0, sizeof(kf));
	if (render_keyfiles(&pc, &v, kf, 4, &n) == 0)
		for (i = 0; i < n; i++)
			buf_release(&kf[i].pem);
	plan_all(s, &v);
	plan_has_secrets(s, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct site s;
	size_t i, nr_hosts;
	char *hosts[2];

	if (site_load_mem(&s, "fuzz.yml", (const char *)data, size, NULL) <
	    0) {
		site_release(&s);
		return 0;
	}
	render_all(&s);
	nr_hosts = s.nr_hosts < 2 ? s.nr_hosts : 2;
	for (i = 0; i < nr_hosts; i++)
		hosts[i] = xstrdup(s.hosts[i]);
	site_release(&s);
	for (i = 0; i < nr_hosts; i++) {
		if (site_load_mem(&s, "fuzz.yml", (const char *)data, size,
				  hosts[i]) == 0)
			render_all(&s);
		site_release(&s);
		free(hosts[i]);
	}
	return 0;
}
