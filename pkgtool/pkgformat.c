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

/* v1 is built on bullseye (glibc 2.31), v2 on bookworm with OpenSSL 3
 * (komodo-periphery.md §11). Periphery runs without git (only repo and
 * stack features use it) and most Komodo hosts run Docker CE from
 * Docker's repository: a Debian maintainer's choice is Recommends git,
 * Suggests docker, so the package installs offline and never pulls in a
 * Docker. */
static void deb_relations(struct pkg *p, int major, int user_scope)
{
	static const char *const always[] = { "ca-certificates", "openssl",
					      "passwd", "systemd" };
	size_t i;

	pkg_add_require(p, "libc6", major >= 2 ? "2.36" : "2.31",
			DEP_GREATER | DEP_EQUAL);
	if (major >= 2)
		pkg_add_require(p, "libssl3", NULL, 0);
	for (i = 0; i < ARRAY_SIZE(always); i++)
		pkg_add_require(p, always[i], NULL, 0);
	if (user_scope) {
		/* linger -> user@UID.service needs pam_systemd (testbed §6) */
		pkg_add_require(p, "libpam-systemd", NULL, 0);
		pkg_add_require(p, "dbus", NULL, 0);
	}
	pkg_add_require(p, "git", NULL, DEP_RECOMMENDS);
	pkg_add_require(p, "docker.io | docker-ce", NULL, DEP_SUGGESTS);
}

/* What rpmbuild's ELF dependency generator would find in the agent (both
 * architectures are 64-bit), and what the scriptlets run. */
static void rpm_relations(struct pkg *p, int major, int user_scope)
{
	pkg_add_require(p, "libc.so.6()(64bit)", NULL, 0);
	if (major >= 2) {
		pkg_add_require(p, "libssl.so.3()(64bit)", NULL, 0);
		pkg_add_require(p, "libcrypto.so.3()(64bit)", NULL, 0);
	}
	pkg_add_require(p, "/usr/sbin/useradd", NULL, DEP_PRE);
	pkg_add_require(p, "/usr/sbin/groupadd", NULL, DEP_PRE);
	pkg_add_require(p, "/usr/sbin/usermod", NULL, DEP_POST);
	/* setpriv (work as the service user) and realpath */
	pkg_add_require(p, "/usr/bin/setpriv", NULL, DEP_POST | DEP_PREUN);
	pkg_add_require(p, "systemd", NULL, DEP_POST | DEP_PREUN | DEP_POSTUN);
	pkg_add_require(p, "/usr/bin/openssl", NULL, 0);
	pkg_add_require(p, "ca-certificates", NULL, 0);
	pkg_add_require(p, "git", NULL, DEP_RECOMMENDS);
	/* Fedora's moby-engine provides docker; Docker's own repo docker-ce */
	pkg_add_require(p, "docker", NULL, DEP_SUGGESTS);
	pkg_add_require(p, "docker-ce", NULL, DEP_SUGGESTS);
	(void)user_scope;
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
		.category = "admin",
		.relations = deb_relations,
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
		.category = "System Environment/Daemons",
		.relations = rpm_relations,
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
