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

const char *plan_release(const struct site *s)
{
	return site_str(s, "package_release");
}

int plan_release_set(const struct site *s)
{
	return site_is_set(s, "package_release");
}

void plan_filename(const struct site *s, const struct version *v,
		   const struct pkg_format *f, const char *arch,
		   const char *release, struct buf *out)
{
	f->filename(out, site_str(s, "package_name"), v->text,
		    release ? release : plan_release(s), own_arch(f, arch));
}

void plan_state_release(struct plan_state *ps)
{
	sval_free(ps->server_passkey);
	sval_free(ps->private_key);
	sval_free(ps->overwrite_key_files);
	sval_free(ps->core_public_keys);
	memset(ps, 0, sizeof(*ps));
}

struct sval *plan_state_value(const struct loc *loc, const char *value,
			      int secret)
{
	struct sval *v = sval_scalar(value, loc);

	/* keys and passkeys are strings, as site_load() types them; the
	 * plain YAML "true" is no quoted text */
	v->secret = secret;
	v->quoted = secret;
	return v;
}

void plan_state_names(const struct plan_state *ps, struct sval *map)
{
	const struct {
		const char *key;
		const struct sval *v;
	} kept[] = {
		{ "server_passkey", ps ? ps->server_passkey : NULL },
		{ "komodo_private_key", ps ? ps->private_key : NULL },
		{ "allow_overwrite_key_files",
		  ps ? ps->overwrite_key_files : NULL },
		{ "komodo_core_public_key", ps ? ps->core_public_keys : NULL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept); i++)
		if (kept[i].v)
			sval_map_put(map, kept[i].key, NULL,
				     sval_copy(kept[i].v));
}

int plan_has_secrets(const struct site *s, const struct plan_state *ps)
{
	static const char *const shipped_secrets[] = {
		"komodo_passkeys",	 "passkey",
		"server_passkey",	 "komodo_private_key",
		"komodo_onboarding_key", "komodo_git_providers",
		"komodo_registry_providers", "komodo_agent_secrets",
		"komodo_extra_env",
	};
	size_t i;

	if (ps && ((ps->server_passkey &&
		    sval_any_secret(ps->server_passkey)) ||
		   (ps->private_key && sval_any_secret(ps->private_key))))
		return 1;
	for (i = 0; i < ARRAY_SIZE(shipped_secrets); i++)
		if (sval_any_secret(site_get(s, shipped_secrets[i])))
			return 1;
	return 0;
}

static enum pkg_compression compression(const struct site *s,
				       const char *format)
{
	const struct sval *v = site_get(s, "package_compression");
	const char *name = v->str;

	if (v->type == SV_MAP) {
		const struct sval *e = sval_map_get(v, format);

		name = e ? e->str : "xz";
	}
	return !strcmp(name, "zstd") ? COMP_ZSTD
	       : !strcmp(name, "gzip") ? COMP_GZIP
				       : COMP_XZ;
}

void plan_host_init(struct plan_host *h, const struct site *s,
		    const struct plan_state *ps, const char *only)
{
	const struct sval *arches = site_get(s, "package_architectures");
	const struct sval *formats = site_get(s, "package_formats");
	const struct sval *bin = site_get(s, "komodo_binary_path");
	size_t i, j;

	memset(h, 0, sizeof(*h));
	if (arches->n > ARRAY_SIZE(h->arches))
		BUG("too many architectures");
	for (i = 0; i < arches->n; i++) {
		struct plan_arch *a = &h->arches[h->nr_arches++];
		const struct sval *e = bin->type == SV_MAP
					       ? sval_map_get(bin, arches->items[i]->str)
				       : bin->type == SV_SCALAR && bin->str[0] ? bin
										: NULL;

		a->name = arches->items[i]->str;
		a->binary = e ? e->str : NULL;
		a->binary_loc = e ? &e->loc : NULL;
	}
	/* table order, so that deb comes before rpm whatever the site says;
	 * --format names the one format, listed in the site or not */
	for (j = 0; j < pkg_nr_formats; j++) {
		const char *name = pkg_formats[j].name;
		int want = only && !strcmp(only, name);

		for (i = 0; !only && i < formats->n; i++)
			want |= !strcmp(formats->items[i]->str, name);
		if (!want)
			continue;
		h->formats[h->nr_formats].format = &pkg_formats[j];
		h->formats[h->nr_formats++].comp = compression(s, name);
	}
	h->system_scope =
		!strcmp(site_str(s, "komodo_service_scope"), "system");
	h->secrets = plan_has_secrets(s, ps);
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
	int sys = !strcmp(site_str(s, "komodo_service_scope"), "system");
	int r = 0;
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
	plan_state_names(ps, c.extra);
	put(c.extra, "package", site_str(s, "package_name"));
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
	put(c.extra, "delete_user_default",
	    site_bool(s, "allow_delete_komodo_user") ? "yes" : "no");
	buf_addf(&units, "/usr/lib/sysusers.d/%s.conf",
		 site_str(s, "package_name"));
	put(c.extra, "sysusers_file", units.data);
	buf_reset(&units);
	buf_addf(&units, "/var/lib/%s", site_str(s, "package_name"));
	put(c.extra, "state_dir", units.data);
	/* the directory the package ships the config in (komodo_config_dir
	 * does not follow a komodo_config_path set on its own) */
	buf_reset(&units);
	buf_addstr(&units, site_str(s, "komodo_config_path"));
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

static int add_docs(const struct site *s, const struct version *v,
		    const struct plan_opts *o, struct pkg *p)
{
	const char *name = site_str(s, "package_name");
	struct buf path = BUF_INIT, text = BUF_INIT, gz = BUF_INIT;
	int r = 0;

	buf_addf(&path, "/usr/share/doc/%s/copyright", name);
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

	if (o->binary_sha256) {
		buf_reset(&path);
		buf_reset(&text);
		buf_addf(&path, "/usr/share/doc/%s/periphery.sha256", name);
		buf_addf(&text, "%s  %s\n", o->binary_sha256, PERIPHERY_BIN);
		pkg_add_file(p, path.data, 0644, text.data, text.len)->flags |=
			PKG_DOC;
	}
	buf_reset(&path);
	buf_reset(&text);
	buf_addstr(&path, "/usr/share/man/man1/periphery.1.gz");
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
		 v->text, site_str(s, "komodo_user"),
		 site_str(s, "komodo_config_path"));
	if (gz_compress(&gz, text.data, text.len) < 0)
		r = -1;
	else
		pkg_add_file(p, path.data, 0644, gz.data, gz.len)->flags |=
			PKG_DOC;
	buf_reset(&gz);
	if (o->format->flags & PKGF_DEBIAN_DOCS) {
		buf_reset(&path);
		buf_reset(&text);
		buf_addf(&path, "/usr/share/doc/%s/changelog.Debian.gz", name);
		buf_addf(&text,
			 "%s (%s-%s) unstable; urgency=medium\n\n"
			 "  * Komodo Periphery %s, built by pkgtool from the "
			 "site file.\n\n -- %s  ",
			 name, v->text,
			 o->release ? o->release : plan_release(s),
			 v->text, site_str(s, "package_maintainer"));
		rfc2822(&text, o->mtime);
		buf_addch(&text, '\n');
		if (gz_compress(&gz, text.data, text.len) < 0)
			r = -1;
		else
			pkg_add_file(p, path.data, 0644, gz.data, gz.len);
	}
	buf_release(&path);
	buf_release(&text);
	buf_release(&gz);
	return r;
}

/* Overrides ship in the package, narrow, each with its reason. */
static void add_lintian_overrides(const struct site *s,
				  const struct plan_config *pc, struct pkg *p)
{
	const char *name = site_str(s, "package_name");
	const char *cfg = site_str(s, "komodo_config_path");
	struct buf path = BUF_INIT, t = BUF_INIT;

	buf_addf(&t,
		 "# The config holds passkeys and tokens: readable by root and "
		 "the agent's\n# group only (the postinst sets the group).\n"
		 "%s: non-standard-file-perm 0640 != 0644 [%s]\n",
		 name, cfg + 1);
	if (site_get(s, "komodo_extra_env")->n)
		buf_addf(&t, "%s: non-standard-file-perm 0640 != 0644 [%s]\n",
			 name, ENV_FILE + 1);
	if (pc->private_key.s[0] && !starts_with(pc->private_key.s, "file:"))
		buf_addf(&t, "%s: non-standard-file-perm 0640 != 0644 "
			     "[%s/periphery.key]\n",
			 name, KEYS_DIR + 1);
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
static void add_etc_dirs(const struct site *s, int keys, struct pkg *p)
{
	struct buf dir = BUF_INIT, seen = BUF_INIT;
	const char *want[3];
	size_t i, j, n = 0;

	buf_addstr(&dir, site_str(s, "komodo_config_path"));
	buf_truncate(&dir, (size_t)(strrchr(dir.data, '/') - dir.data));
	want[n++] = dir.data;
	if (site_get(s, "komodo_extra_env")->n || keys)
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
static void set_metadata(const struct site *s, const struct version *v,
			 const struct plan_opts *o, struct pkg *p)
{
	int sys = !strcmp(site_str(s, "komodo_service_scope"), "system");
	struct buf b = BUF_INIT;

	p->name = xstrdup(site_str(s, "package_name"));
	p->version = xstrdup(v->text);
	p->release = xstrdup(o->release ? o->release : plan_release(s));
	p->arch = xstrdup(own_arch(o->format, o->arch));
	p->maintainer = xstrdup(site_str(s, "package_maintainer"));
	p->summary = xstrdup("Agent that connects this host to Komodo Core");
	buf_addf(&b,
		 "Komodo Periphery %s runs as the unprivileged service user "
		 "'%s' under\nsystemd (%s scope) and lets Komodo Core deploy "
		 "containers, stacks\nand builds on this host.\n\nBuilt by "
		 "pkgtool from a site file: the user, config and unit match\n"
		 "the komodo Ansible role's behaviour.",
		 v->text, site_str(s, "komodo_user"), sys ? "system" : "user");
	p->description = buf_detach(&b, NULL);
	p->homepage = xstrdup(HOMEPAGE);
	p->license = xstrdup("GPL-3.0-only");
	p->category = xstrdup(o->format->category);
	p->changelog_name = xstrdup(site_str(s, "package_maintainer"));
	buf_addf(&b, "- Komodo Periphery %s, built by pkgtool", v->text);
	p->changelog_text = buf_detach(&b, NULL);
	p->mtime = o->mtime;
	p->comp = o->comp;
	o->format->relations(p, v->major, !sys);
}

static void str_init(struct plan_str *d, const struct site *s,
		     const char *key)
{
	d->key = key;
	d->s = site_str(s, key);
	d->loc = site_loc(s, key);
}

void plan_unit_init(struct plan_unit *u, const struct site *s)
{
	static const char *const rw[] = {
		"komodo_home", "komodo_root_directory", "komodo_repo_dir",
		"komodo_stack_dir", "komodo_build_dir",
	};
	size_t i;

	u->system_scope = !strcmp(site_str(s, "komodo_service_scope"),
				  "system");
	str_init(&u->user, s, "komodo_user");
	str_init(&u->group, s, "komodo_group");
	str_init(&u->uid, s, "komodo_uid");
	str_init(&u->gid, s, "komodo_gid");
	str_init(&u->home, s, "komodo_home");
	str_init(&u->config_path, s, "komodo_config_path");
	for (i = 0; i < ARRAY_SIZE(rw); i++)
		str_init(&u->rw[i], s, rw[i]);
	str_init(&u->template, s, "komodo_service_file_template");
	u->overrides = site_get(s, "komodo_service_overrides");
}

/* A value the state file keeps for the server, over the site's. */
static void str_kept(struct plan_str *d, const struct sval *kept)
{
	if (kept)
		d->s = kept->str;
}

void plan_config_init(struct plan_config *c, const struct site *s,
		      const struct plan_state *ps)
{
	str_init(&c->root_dir, s, "komodo_root_directory");
	str_init(&c->repo_dir, s, "komodo_repo_dir");
	str_init(&c->stack_dir, s, "komodo_stack_dir");
	str_init(&c->build_dir, s, "komodo_build_dir");
	str_init(&c->disable_terminals, s, "komodo_disable_terminals");
	str_init(&c->default_terminal_command, s,
		 "komodo_default_terminal_command");
	str_init(&c->disable_container_exec, s,
		 "komodo_disable_container_exec");
	str_init(&c->legacy_compose_cli, s, "komodo_legacy_compose_cli");
	str_init(&c->stats_polling_rate, s, "komodo_stats_polling_rate");
	str_init(&c->container_stats_polling_rate, s,
		 "komodo_container_stats_polling_rate");
	c->include_disk_mounts = site_get(s, "komodo_include_disk_mounts");
	c->exclude_disk_mounts = site_get(s, "komodo_exclude_disk_mounts");
	c->core_addresses = site_get(s, "komodo_core_address");
	str_init(&c->connect_as, s, "komodo_connect_as");
	str_init(&c->onboarding_key, s, "komodo_onboarding_key");
	c->core_tls_insecure_skip_verify =
		site_bool(s, "komodo_core_tls_insecure_skip_verify");
	c->server_enabled = site_bool(s, "komodo_server_enabled");
	str_init(&c->server_enabled_text, s, "komodo_server_enabled");
	str_init(&c->port, s, "komodo_periphery_port");
	str_init(&c->bind_ip, s, "komodo_bind_ip");
	str_init(&c->ssl_enabled, s, "komodo_ssl_enabled");
	str_init(&c->ssl_key_file, s, "komodo_ssl_key_file");
	str_init(&c->ssl_cert_file, s, "komodo_ssl_cert_file");
	c->allowed_ips = site_get(s, "komodo_allowed_ips");
	c->passkeys = site_get(s, "komodo_passkeys");
	str_init(&c->server_passkey, s, "server_passkey");
	str_init(&c->passkey, s, "passkey");
	str_init(&c->private_key, s, "komodo_private_key");
	c->core_public_keys = site_get(s, "komodo_core_public_key");
	c->keys_to_files = site_bool(s, "allow_write_keys_to_files");
	str_init(&c->log_level, s, "komodo_logging_level");
	str_init(&c->log_stdio, s, "komodo_logging_stdio");
	str_init(&c->log_otlp_endpoint, s, "komodo_logging_otlp_endpoint");
	str_init(&c->log_service_name, s,
		 "komodo_logging_opentelemetry_service_name");
	str_init(&c->log_pretty, s, "komodo_logging_pretty");
	str_init(&c->log_pretty_startup, s,
		 "komodo_logging_pretty_startup_config");
	c->git_providers = site_get(s, "komodo_git_providers");
	c->registry_providers = site_get(s, "komodo_registry_providers");
	c->agent_secrets = site_get(s, "komodo_agent_secrets");
	c->extra_env = site_get(s, "komodo_extra_env");
	str_init(&c->template, s, "komodo_config_file_template");
	c->state = ps;
	if (!ps)
		return;
	str_kept(&c->server_passkey, ps->server_passkey);
	str_kept(&c->private_key, ps->private_key);
	if (ps->core_public_keys)
		c->core_public_keys = ps->core_public_keys;
}

int plan_pkg(const struct site *s, const struct version *v,
	     const struct plan_opts *o, struct pkg *p)
{
	struct plan_config pc;
	struct plan_unit u;
	int sys;
	struct render_keyfile keys[16];
	struct buf b = BUF_INIT, path = BUF_INIT;
	size_t i, nkeys = 0;
	int r = -1, slot;

	plan_unit_init(&u, s);
	plan_config_init(&pc, s, o->state);
	sys = u.system_scope;
	set_metadata(s, v, o, p);

	pkg_add_src(p, PERIPHERY_BIN, 0755, o->binary);

	if (render_config(s, &pc, v, &b) < 0)
		goto out;
	pkg_add_file(p, site_str(s, "komodo_config_path"), 0640, b.data,
		     b.len)->flags |= PKG_CONFIG;
	buf_reset(&b);

	if (render_env(&pc, &b) < 0)
		goto out;
	if (b.len)
		pkg_add_file(p, ENV_FILE, 0640, b.data, b.len)->flags |=
			PKG_CONFIG;
	buf_reset(&b);

	if (render_keyfiles(&pc, v, keys, ARRAY_SIZE(keys), &nkeys) < 0)
		goto out;
	add_etc_dirs(s, nkeys > 0, p);
	for (i = 0; i < nkeys; i++)
		pkg_add_file(p, keys[i].path, keys[i].secret ? 0640 : 0644,
			     keys[i].pem.data, keys[i].pem.len)
			->flags |= PKG_CONFIG;

	if (render_unit(s, &pc, &u, v, &b) < 0)
		goto out;
	pkg_add_file(p, sys ? SYSTEM_UNIT_DIR "/" UNIT_NAME
			    : USER_UNIT_DIR "/" UNIT_NAME,
		     0644, b.data, b.len);
	buf_reset(&b);
	render_unit_dropin(&u, &b);
	if (b.len) {
		buf_reset(&path);
		buf_addf(&path, "%s/" UNIT_NAME ".d/" UNIT_DROPIN,
			 sys ? SYSTEM_UNIT_DIR : USER_UNIT_DIR);
		pkg_add_file(p, path.data, 0644, b.data, b.len);
		buf_reset(&b);
	}

	render_sysusers(&u, &b);
	buf_reset(&path);
	buf_addf(&path, "/usr/lib/sysusers.d/%s.conf", p->name);
	pkg_add_file(p, path.data, 0644, b.data, b.len);
	buf_reset(&b);

	if ((o->format->flags & PKGF_SYSTEMD_PRESET) && sys) {
		/* RHEL/Fedora presets disable everything not listed */
		buf_reset(&path);
		buf_addf(&path, "/usr/lib/systemd/system-preset/90-%s.preset",
			 p->name);
		buf_addstr(&b, "enable " UNIT_NAME "\n");
		pkg_add_file(p, path.data, 0644, b.data, b.len);
		buf_reset(&b);
	}
	if (add_docs(s, v, o, p) < 0)
		goto out;
	if (o->format->flags & PKGF_DEBIAN_DOCS)
		add_lintian_overrides(s, &pc, p);

	for (slot = (int)o->format->first_script;
	     slot <= (int)o->format->last_script; slot++) {
		if (plan_script(s, v, o->format, o->state,
				(enum pkg_script)slot, &p->scripts[slot]) < 0)
			goto out;
	}
	pkg_add_parents(p);
	r = pkg_stat_files(p);
out:
	for (i = 0; i < nkeys; i++)
		buf_release(&keys[i].pem);
	buf_release(&b);
	buf_release(&path);
	return r;
}
