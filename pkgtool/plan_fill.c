/* plan_fill.c - site -> the typed plan: every struct the later stages
 * read is filled here (or in plan_server.c), once, by key
 * SPDX-License-Identifier: MIT
 *
 * One filler per struct, so that the keys a struct is made of stand
 * together and a misspelt one fails (site_get() BUG()s) in the first test
 * that plans a package.
 */
#include <string.h>

#include "plan.h"
#include "sval.h"
#include "util.h"
#include "banned.h"

/* ---- what the state file adds ------------------------------------------ */

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

/* ---- one host's package ------------------------------------------------ */

void plan_package_init(struct plan_package *pp, const struct site *s)
{
	pp->name = site_str(s, "package_name");
	pp->release = site_str(s, "package_release");
	pp->release_set = site_is_set(s, "package_release");
	pp->maintainer = site_str(s, "package_maintainer");
	pp->user = site_str(s, "komodo_user");
	pp->config_path = site_str(s, "komodo_config_path");
	pp->system_scope =
		!strcmp(site_str(s, "komodo_service_scope"), "system");
	pp->delete_user = site_bool(s, "allow_delete_komodo_user");
	pp->extra_env = site_get(s, "komodo_extra_env")->n > 0;
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
		const struct sval *e = NULL;

		a->name = arches->items[i]->str;
		if (bin->type == SV_MAP)
			e = sval_map_get(bin, a->name);
		else if (bin->type == SV_SCALAR && bin->str[0])
			e = bin;
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
	plan_package_init(&h->pkg, s);
	h->secrets = plan_has_secrets(s, ps);
}

/* ---- unit and config --------------------------------------------------- */

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
