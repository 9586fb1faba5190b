/* pkgformat.c - the format table
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "deb.h"
#include "pkgformat.h"
#include "rpm.h"
#include "util.h"
#include "banned.h"

static const struct pkg_format_arch deb_arches[] = {
	{ "amd64", "amd64" },
	{ "arm64", "arm64" },
};

static const struct pkg_format_arch rpm_arches[] = {
	{ "amd64", "x86_64" },
	{ "arm64", "aarch64" },
};

static void deb_filename(struct buf *out, const char *name,
			 const char *version, const char *release,
			 const char *arch)
{
	buf_addf(out, "%s_%s-%s_%s.deb", name, version, release, arch);
}

static void rpm_filename(struct buf *out, const char *name,
			 const char *version, const char *release,
			 const char *arch)
{
	buf_addf(out, "%s-%s-%s.%s.rpm", name, version, release, arch);
}

static const char *const deb_scripts[] = { "preinst", "postinst", "prerm",
					   "postrm" };
static const char *const rpm_scripts[] = { "pre", "post", "preun", "postun",
					   "posttrans" };

const struct pkg_format pkg_formats[] = {
	{
		.name = "deb",
		.filename = deb_filename,
		.arches = deb_arches,
		.nr_arches = ARRAY_SIZE(deb_arches),
		.first_script = SCRIPT_PREINST,
		.last_script = SCRIPT_POSTRM,
		.script_names = deb_scripts,
		.flags = PKGF_DEBIAN_DOCS,
		.make = deb_make,
	},
	{
		.name = "rpm",
		.filename = rpm_filename,
		.arches = rpm_arches,
		.nr_arches = ARRAY_SIZE(rpm_arches),
		.first_script = SCRIPT_RPM_PRE,
		.last_script = SCRIPT_RPM_POSTTRANS,
		.script_names = rpm_scripts,
		.flags = PKGF_SYSTEMD_PRESET,
		.make = rpm_make,
	},
};

const size_t pkg_nr_formats = ARRAY_SIZE(pkg_formats);

const struct pkg_format *pkg_format_find(const char *name)
{
	size_t i;

	for (i = 0; i < pkg_nr_formats; i++)
		if (!strcmp(pkg_formats[i].name, name))
			return &pkg_formats[i];
	return NULL;
}

const char *pkg_format_arch(const struct pkg_format *f, const char *site)
{
	size_t i;

	for (i = 0; i < f->nr_arches; i++)
		if (!strcmp(f->arches[i].site, site))
			return f->arches[i].own;
	return NULL;
}

const struct pkg_format *pkg_format_script(const char *name,
					   enum pkg_script *slot)
{
	size_t i;
	int s;

	for (i = 0; i < pkg_nr_formats; i++) {
		const struct pkg_format *f = &pkg_formats[i];

		for (s = (int)f->first_script; s <= (int)f->last_script; s++)
			if (!strcmp(f->script_names[s - (int)f->first_script],
				    name)) {
				*slot = (enum pkg_script)s;
				return f;
			}
	}
	return NULL;
}

void pkg_format_names(struct buf *out)
{
	size_t i;

	for (i = 0; i < pkg_nr_formats; i++)
		buf_addf(out, "%s%s", i == 0 ? "" : i + 1 < pkg_nr_formats ? ", " : " or ",
			 pkg_formats[i].name);
}
