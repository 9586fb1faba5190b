/* plan.c - site -> package contents
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "embedded.h"
#include "gz.h"
#include "plan.h"
#include "render.h"
#include "sval.h"
#include "sysdir.h"
#include "tmpl.h"
#include "util.h"
#include "banned.h"

#define HOMEPAGE "https://github.com/moghtech/komodo"

/* The format's name for arch; the site accepts only architectures every
 * format knows. */
static const char *own_arch(const struct pkg_format *f, const char *arch)
{
	const char *a = pkg_format_arch(f, arch);

	if (!a)
		BUG("%s has no name for architecture '%s'", f->name, arch);
	return a;
}

void plan_filename(const struct plan_package *pp, const struct version *v,
		   const struct pkg_format *f, const char *arch,
		   const char *release, struct buf *out)
{
	f->filename(out, pp->name, v->text, release ? release : pp->release,
		    own_arch(f, arch));
}

/* ---- scripts --------------------------------------------------------------- */

struct script_ctx {
	const struct site *s;
	struct sval *extra;
};

static const struct sval *script_lookup(void *ctx, const char *name)
{
	struct script_ctx *c = ctx;
	const struct sval *e = sval_map_get(c->extra, name);

	if (e)
		return e;
	e = site_lookup(c->s, name);
	/* scripts are world-readable: no secret reaches them */
	return e && sval_any_secret(e) ? NULL : e;
}

static void put(struct sval *m, const char *k, const char *v)
{
	sval_map_put(m, k, NULL, sval_scalar(v, NULL));
}

int plan_script(const struct site *s, const struct version *v,
		const struct pkg_format *f, const struct plan_state *ps,
		enum pkg_script slot, struct buf *out)
{
	const struct embedded *t = NULL;
	const struct embedded *common = embedded_find("templates/common.sh");
	struct script_ctx c = { s, sval_new(SV_MAP, NULL) };
	struct buf body = BUF_INIT, units = BUF_INIT, dirs = BUF_INIT;
	struct plan_package pp;
	int sys, r = 0;
	size_t i;

	/* templates/<format>/<script name> */
	if (slot >= f->first_script && slot <= f->last_script) {
		buf_addf(&body, "templates/%s/%s", f->name,
			 f->script_names[slot - f->first_script]);
		t = embedded_find(body.data);
		buf_reset(&body);
	}
	if (!t)
		goto out; /* this format has no such script */
	if (!common)
		BUG("templates/common.sh is not embedded");
	plan_package_init(&pp, s);
	sys = pp.system_scope;
	plan_state_names(ps, c.extra);
	put(c.extra, "package", pp.name);
	put(c.extra, "format", f->name);
	put(c.extra, "unit", UNIT_NAME);
	put(c.extra, "unit_path", sys ? SYSTEM_UNIT_DIR "/" UNIT_NAME
				      : USER_UNIT_DIR "/" UNIT_NAME);
	put(c.extra, "other_unit_path", sys ? USER_UNIT_DIR "/" UNIT_NAME
					    : SYSTEM_UNIT_DIR "/" UNIT_NAME);
	put(c.extra, "periphery_bin", PERIPHERY_BIN);
	put(c.extra, "env_file", ENV_FILE);
	put(c.extra, "keys_dir", KEYS_DIR);
	put(c.extra, "komodo_version", v->text);
	put(c.extra, "delete_user_default", pp.delete_user ? "yes" : "no");
	buf_addf(&units, "/usr/lib/sysusers.d/%s.conf", pp.name);
	put(c.extra, "sysusers_file", units.data);
	buf_reset(&units);
	buf_addf(&units, "/var/lib/%s", pp.name);
	put(c.extra, "state_dir", units.data);
	/* the directory the package ships the config in (komodo_config_dir
	 * does not follow a komodo_config_path set on its own) */
	buf_reset(&units);
	buf_addstr(&units, pp.config_path);
	buf_truncate(&units, (size_t)(strrchr(units.data, '/') - units.data));
	put(c.extra, "config_dir", units.len ? units.data : "/");
	/* ":bin:boot:...:var/tmp:" - matched with `case`, never split into
	 * words (no entry holds a ':'); "/" is implied and leading slashes
	 * are left out, or lintian and rpmlint take "/tmp" for a temp file */
	buf_addch(&dirs, ':');
	for (i = 0; sysdir_list[i]; i++)
		if (strcmp(sysdir_list[i], "/"))
			buf_addf(&dirs, "%s:", sysdir_list[i] + 1);
	put(c.extra, "system_dirs", dirs.data);
	/* the shared fragment is expanded with the same values */
	if (tmpl_expand(common->name, common->data, common->len, script_lookup,
			&c, &body) < 0) {
		r = -1;
		goto out;
	}
	sval_map_put(c.extra, "common", NULL, sval_scalar(body.data, NULL));
	r = tmpl_expand(t->name, t->data, t->len, script_lookup, &c, out);
out:
	buf_release(&body);
	buf_release(&units);
	buf_release(&dirs);
	sval_free(c.extra);
	return r;
}

/* ---- documentation files ----------------------------------------------------- */

static void rfc2822(struct buf *out, int64_t t)
{
	static const char *const days[] = { "Thu", "Fri", "Sat", "Sun",
					    "Mon", "Tue", "Wed" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec" };
	int64_t d = t / 86400, secs = t % 86400;
	int64_t y, m, doy, yoe, era, mp;

	/* civil_from_days (H. Hinnant): no gmtime, no locale */
	d += 719468;
	era = (d >= 0 ? d : d - 146096) / 146097;
	doy = d - era * 146097;
	yoe = (doy - doy / 1460 + doy / 36524 - doy / 146096) / 365;
	y = yoe + era * 400;
	doy = doy - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	buf_addf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[(t / 86400) % 7], (int)(doy - (153 * mp + 2) / 5 + 1),
		 mon[m - 1], (int)y, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
}

/* The machine-readable copyright file (Debian's format; rpm ships it as
 * a doc too) and the doc folder it is in. */
static void add_copyright(const struct plan_package *pp,
			  const struct version *v, struct pkg *p)
{
	struct buf path = BUF_INIT, text = BUF_INIT;

	buf_addf(&path, "/usr/share/doc/%s/copyright", pp->name);
	buf_addf(&text,
		 "Format: https://www.debian.org/doc/packaging-manuals/"
		 "copyright-format/1.0/\n"
		 "Upstream-Name: komodo\n"
		 "Source: " HOMEPAGE "\n"
		 "Comment: Komodo Periphery %s, packaged by pkgtool.\n\n"
		 "Files: *\n"
		 "Copyright: 2024-2026 Maxwell Becker and the Komodo "
		 "contributors\n"
		 "License: GPL-3.0-only\n"
		 " On Debian systems, the complete text of the GNU General "
		 "Public License\n"
		 " version 3 can be found in "
		 "'/usr/share/common-licenses/GPL-3'.\n",
		 v->text);
	pkg_add_file(p, path.data, 0644, text.data, text.len)->flags |=
		PKG_DOC;
	/* the package owns its doc folder (rpm lists it) */
	buf_truncate(&path, path.len - strlen("/copyright"));
	pkg_add_dir(p, path.data, 0755);
	buf_release(&path);
	buf_release(&text);
}

/* Adds text gzip-compressed at path. */
static int add_gz(struct pkg *p, const char *path, const struct buf *text,
		  unsigned flags)
{
	struct buf gz = BUF_INIT;
	int r = gz_compress(&gz, text->data, text->len);

	if (r == 0)
		pkg_add_file(p, path, 0644, gz.data, gz.len)->flags |= flags;
	buf_release(&gz);
	return r;
}

/* periphery(1): lintian and rpmlint want a manual page per binary. */
static int add_manpage(const struct plan_package *pp, const struct version *v,
		       struct pkg *p)
{
	struct buf text = BUF_INIT;
	int r;

	buf_addf(&text,
		 ".TH PERIPHERY 1 \"\" \"komodo %s\" \"User Commands\"\n"
		 ".SH NAME\nperiphery \\- Komodo Periphery agent\n"
		 ".SH SYNOPSIS\n.B periphery\n"
		 "[\\fB\\-\\-config\\-path\\fR \\fIPATH\\fR]... "
		 "[\\fB\\-\\-log\\-level\\fR \\fILEVEL\\fR]\n"
		 ".SH DESCRIPTION\nPeriphery runs on each server managed by "
		 "Komodo Core and carries out\nits requests: containers, "
		 "stacks, builds and terminals.\nThis package runs it as the "
		 "user \\fB%s\\fR under systemd, with its\nconfiguration in "
		 "\\fI%s\\fR.\n"
		 ".SH OPTIONS\n.TP\n\\fB\\-c\\fR, "
		 "\\fB\\-\\-config\\-path\\fR \\fIPATH\\fR\n"
		 "Configuration file or directory; may be repeated.\n"
		 ".TP\n\\fB\\-\\-log\\-level\\fR \\fILEVEL\\fR\n"
		 "error, warn, info, debug or trace.\n"
		 ".TP\n\\fB\\-V\\fR, \\fB\\-\\-version\\fR\n"
		 "Print the version.\n"
		 ".SH SEE ALSO\nhttps://komo.do/docs\n",
		 v->text, pp->user, pp->config_path);
	r = add_gz(p, "/usr/share/man/man1/periphery.1.gz", &text, PKG_DOC);
	buf_release(&text);
	return r;
}

/* Debian's changelog.Debian.gz, dated SOURCE_DATE_EPOCH. */
static int add_changelog(const struct plan_package *pp,
			 const struct version *v, const struct plan_opts *o,
			 struct pkg *p)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int r;

	buf_addf(&path, "/usr/share/doc/%s/changelog.Debian.gz", pp->name);
	buf_addf(&text,
		 "%s (%s-%s) unstable; urgency=medium\n\n"
		 "  * Komodo Periphery %s, built by pkgtool from the "
		 "site file.\n\n -- %s  ",
		 pp->name, v->text, o->release ? o->release : pp->release,
		 v->text, pp->maintainer);
	rfc2822(&text, o->mtime);
	buf_addch(&text, '\n');
	r = add_gz(p, path.data, &text, 0);
	buf_release(&path);
	buf_release(&text);
	return r;
}

static int add_docs(const struct plan_package *pp, const struct version *v,
		    const struct plan_opts *o, struct pkg *p)
{
	int r = 0;

	add_copyright(pp, v, p);
	if (o->binary_sha256) {
		struct buf path = BUF_INIT, text = BUF_INIT;

		buf_addf(&path, "/usr/share/doc/%s/periphery.sha256",
			 pp->name);
		buf_addf(&text, "%s  %s\n", o->binary_sha256, PERIPHERY_BIN);
		pkg_add_file(p, path.data, 0644, text.data, text.len)->flags |=
			PKG_DOC;
		buf_release(&path);
		buf_release(&text);
	}
	if (add_manpage(pp, v, p) < 0)
		r = -1;
	if ((o->format->flags & PKGF_DEBIAN_DOCS) &&
	    add_changelog(pp, v, o, p) < 0)
		r = -1;
	return r;
}

/* Overrides ship in the package, narrow, each with its reason. */
static void add_lintian_overrides(const struct plan_package *pp,
				  const struct plan_config *pc, struct pkg *p)
{
	const char *name = pp->name;
	struct buf path = BUF_INIT, t = BUF_INIT;

	buf_addf(&t,
		 "# The config holds passkeys and tokens: readable by root and "
		 "the agent's\n# group only (the postinst sets the group).\n"
		 "%s: non-standard-file-perm 0640 != 0644 [%s]\n",
		 name, pp->config_path + 1);
	if (pp->extra_env)
		buf_addf(&t, "%s: non-standard-file-perm 0640 != 0644 [%s]\n",
			 name, &ENV_FILE[1]);
	if (pc->private_key.s[0] && !starts_with(pc->private_key.s, "file:"))
		buf_addf(&t, "%s: non-standard-file-perm 0640 != 0644 "
			     "[%s/periphery.key]\n",
			 name, &KEYS_DIR[1]);
	buf_addstr(&t, "# The changelog is generated for a site build; there "
		       "is no Debian bug to close.\n");
	buf_addf(&t, "%s: initial-upload-closes-no-bugs\n", name);
	buf_addstr(&t,
		   "# Linger and the service user's own systemd manager are "
		   "not covered by\n# deb-systemd-helper/deb-systemd-invoke, "
		   "so the scripts call systemctl and\n# loginctl, each "
		   "guarded by a running-systemd check.\n");
	buf_addf(&t, "%s: maintainer-script-calls-systemctl\n", name);
	buf_addf(&path, "/usr/share/lintian/overrides/%s", name);
	pkg_add_file(p, path.data, 0644, t.data, t.len);
	buf_release(&path);
	buf_release(&t);
}

/* Owns, once each, every directory below /etc that the config, the env
 * file and the keys live in: rpm -e leaves unowned ones behind (the upper
 * ones of /etc/a/b/c.toml). */
static void add_etc_dirs(const struct plan_package *pp, int keys,
			 struct pkg *p)
{
	struct buf dir = BUF_INIT, seen = BUF_INIT;
	const char *want[3];
	size_t i, j, n = 0;

	buf_addstr(&dir, pp->config_path);
	buf_truncate(&dir, (size_t)(strrchr(dir.data, '/') - dir.data));
	want[n++] = dir.data;
	if (pp->extra_env || keys)
		want[n++] = "/etc/komodo";
	if (keys)
		want[n++] = KEYS_DIR;
	buf_addch(&seen, '\n');
	for (i = 0; i < n; i++) {
		struct buf d = BUF_INIT, key = BUF_INIT;

		for (j = strlen("/etc"); want[i][j]; j++) {
			if (want[i][j + 1] && want[i][j + 1] != '/')
				continue;
			buf_reset(&d);
			buf_add(&d, want[i], j + 1);
			buf_reset(&key);
			buf_addf(&key, "\n%s\n", d.data);
			if (strstr(seen.data, key.data))
				continue;
			buf_addf(&seen, "%s\n", d.data);
			pkg_add_dir(p, d.data, 0755);
		}
		buf_release(&d);
		buf_release(&key);
	}
	buf_release(&dir);
	buf_release(&seen);
}

/* Name, version, texts and relations: the control/header fields. */
static void set_metadata(const struct plan_package *pp,
			 const struct version *v, const struct plan_opts *o,
			 struct pkg *p)
{
	int sys = pp->system_scope;
	struct buf b = BUF_INIT;

	p->name = xstrdup(pp->name);
	p->version = xstrdup(v->text);
	p->release = xstrdup(o->release ? o->release : pp->release);
	p->arch = xstrdup(own_arch(o->format, o->arch));
	p->maintainer = xstrdup(pp->maintainer);
	p->summary = xstrdup("Agent that connects this host to Komodo Core");
	buf_addf(&b,
		 "Komodo Periphery %s runs as the unprivileged service user "
		 "'%s' under\nsystemd (%s scope) and lets Komodo Core deploy "
		 "containers, stacks\nand builds on this host.\n\nBuilt by "
		 "pkgtool from a site file: the user, config and unit match\n"
		 "the komodo Ansible role's behaviour.",
		 v->text, pp->user, sys ? "system" : "user");
	p->description = buf_detach(&b, NULL);
	p->homepage = xstrdup(HOMEPAGE);
	p->license = xstrdup("GPL-3.0-only");
	p->category = xstrdup(o->format->category);
	p->changelog_name = xstrdup(pp->maintainer);
	buf_addf(&b, "- Komodo Periphery %s, built by pkgtool", v->text);
	p->changelog_text = buf_detach(&b, NULL);
	p->mtime = o->mtime;
	p->comp = o->comp;
	o->format->relations(p, v->major, !sys);
}

/* The config, the env file, the key files and the /etc folders they sit
 * in. */
static int add_config(const struct site *s, const struct plan_package *pp,
		      const struct plan_config *pc, const struct version *v,
		      struct pkg *p)
{
	struct render_keyfile keys[16];
	struct buf b = BUF_INIT;
	size_t i, nkeys = 0;
	int r = -1;

	if (render_config(s, pc, v, &b) < 0)
		goto out;
	pkg_add_file(p, pp->config_path, 0640, b.data, b.len)->flags |=
		PKG_CONFIG;
	buf_reset(&b);
	if (render_env(pc, &b) < 0)
		goto out;
	if (b.len)
		pkg_add_file(p, ENV_FILE, 0640, b.data, b.len)->flags |=
			PKG_CONFIG;
	if (render_keyfiles(pc, v, keys, ARRAY_SIZE(keys), &nkeys) < 0)
		goto out;
	add_etc_dirs(pp, nkeys > 0, p);
	for (i = 0; i < nkeys; i++)
		pkg_add_file(p, keys[i].path, keys[i].secret ? 0640 : 0644,
			     keys[i].pem.data, keys[i].pem.len)
			->flags |= PKG_CONFIG;
	r = 0;
out:
	for (i = 0; i < nkeys; i++)
		buf_release(&keys[i].pem);
	buf_release(&b);
	return r;
}

/* The unit, its drop-in, sysusers.d and (rpm, system scope) a preset. */
static int add_units(const struct site *s, const struct plan_config *pc,
		     const struct plan_unit *u, const struct version *v,
		     const struct plan_opts *o, struct pkg *p)
{
	const char *dir = u->system_scope ? SYSTEM_UNIT_DIR : USER_UNIT_DIR;
	struct buf b = BUF_INIT, path = BUF_INIT;
	int r = -1;

	if (render_unit(s, pc, u, v, &b) < 0)
		goto out;
	buf_addf(&path, "%s/" UNIT_NAME, dir);
	pkg_add_file(p, path.data, 0644, b.data, b.len);
	buf_reset(&b);
	render_unit_dropin(u, &b);
	if (b.len) {
		buf_reset(&path);
		buf_addf(&path, "%s/" UNIT_NAME ".d/" UNIT_DROPIN, dir);
		pkg_add_file(p, path.data, 0644, b.data, b.len);
		buf_reset(&b);
	}
	render_sysusers(u, &b);
	buf_reset(&path);
	buf_addf(&path, "/usr/lib/sysusers.d/%s.conf", p->name);
	pkg_add_file(p, path.data, 0644, b.data, b.len);
	buf_reset(&b);
	if ((o->format->flags & PKGF_SYSTEMD_PRESET) && u->system_scope) {
		/* RHEL/Fedora presets disable everything not listed */
		buf_reset(&path);
		buf_addf(&path, "/usr/lib/systemd/system-preset/90-%s.preset",
			 p->name);
		buf_addstr(&b, "enable " UNIT_NAME "\n");
		pkg_add_file(p, path.data, 0644, b.data, b.len);
	}
	r = 0;
out:
	buf_release(&b);
	buf_release(&path);
	return r;
}

int plan_pkg(const struct site *s, const struct version *v,
	     const struct plan_opts *o, struct pkg *p)
{
	struct plan_package pp;
	struct plan_config pc;
	struct plan_unit u;
	int slot;

	plan_package_init(&pp, s);
	plan_unit_init(&u, s);
	plan_config_init(&pc, s, o->state);
	set_metadata(&pp, v, o, p);
	pkg_add_src(p, PERIPHERY_BIN, 0755, o->binary);
	if (add_config(s, &pp, &pc, v, p) < 0 ||
	    add_units(s, &pc, &u, v, o, p) < 0 || add_docs(&pp, v, o, p) < 0)
		return -1;
	if (o->format->flags & PKGF_DEBIAN_DOCS)
		add_lintian_overrides(&pp, &pc, p);
	for (slot = (int)o->format->first_script;
	     slot <= (int)o->format->last_script; slot++) {
		if (plan_script(s, v, o->format, o->state,
				(enum pkg_script)slot, &p->scripts[slot]) < 0)
			return -1;
	}
	pkg_add_parents(p);
	return pkg_stat_files(p);
}
