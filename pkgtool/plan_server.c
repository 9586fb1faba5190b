/* plan_server.c - site -> what the network stages read: where the agent
 * comes from (resolve, fetch) and the server register creates
 * SPDX-License-Identifier: MIT
 *
 * The one place besides plan.c that reads site keys by name: the
 * stages after it read these typed fields, so a misspelt key fails in
 * the first test that loads a site, not in a rarely taken branch.
 */
#include <string.h>

#include "plan.h"
#include "sval.h"
#include "banned.h"

static void core_init(struct plan_core *c, const struct site *s)
{
	c->url = site_str(s, "komodo_core_http_address");
	c->api_key = site_str(s, "komodo_core_api_key");
	c->api_secret = site_str(s, "komodo_core_api_secret");
}

void plan_source_init(struct plan_source *src, const struct site *s)
{
	memset(src, 0, sizeof(*src));
	src->version.key = "komodo_version";
	src->version.s = site_str(s, "komodo_version");
	src->version.loc = site_loc(s, "komodo_version");
	src->github_api_url = site_str(s, "komodo_github_api_url");
	src->download_base_url = site_str(s, "komodo_download_base_url");
	/* the base has a default, so "set in the site file" is what makes a
	 * mirror win over komodo_download_source */
	src->forge = !site_is_set(s, "komodo_download_base_url") &&
		     !strcmp(site_str(s, "komodo_download_source"), "forge");
	src->asset = site_str(s, "komodo_bin");
	src->pinned_sha256 = site_get(s, "komodo_binary_sha256");
	src->arches = site_get(s, "package_architectures");
	core_init(&src->core, s);
}

int plan_fixed_version(const struct plan_source *src, const char *override,
		       struct version *v)
{
	const char *want = override ? override : src->version.s;

	if (!strcmp(want, "latest") || !strcmp(want, "core"))
		return error_at(src->version.loc,
				"'komodo_version: %s' is looked up on the "
				"network by build and fetch; here give a tag "
				"such as v1.19.5",
				want);
	return version_parse(v, want);
}

void plan_server_init(struct plan_server *srv, const struct site *s)
{
	const struct sval *a = site_get(s, "komodo_core_address");

	memset(srv, 0, sizeof(*srv));
	srv->site_path = s->path;
	srv->host = s->host;
	srv->host_address = s->host_address;
	srv->name = site_str(s, "server_name");
	srv->enabled = site_bool(s, "enable_server_management");
	core_init(&srv->core, s);
	srv->address = site_str(s, "server_address");
	srv->inbound = site_bool(s, "komodo_server_enabled");
	srv->outbound = (a->type == SV_SEQ ? a->n > 0
			 : a->type == SV_SCALAR && a->str[0]) &&
			!srv->inbound;
	srv->ssl = site_bool(s, "komodo_ssl_enabled");
	srv->port = site_int(s, "komodo_periphery_port");
	srv->connect_as = site_str(s, "komodo_connect_as");
	srv->passkey = site_get(s, "server_passkey");
	srv->passkey_set = site_is_set(s, "server_passkey");
	srv->generate_passkey = site_bool(s, "generate_server_passkey");
	srv->private_key.key = "komodo_private_key";
	srv->private_key.s = site_str(s, "komodo_private_key");
	srv->private_key.loc = site_loc(s, "komodo_private_key");
	srv->private_key_set = site_is_set(s, "komodo_private_key");
	srv->overwrite_key_files_loc =
		site_loc(s, "allow_overwrite_key_files");
	srv->overwrite_key_files_set =
		site_is_set(s, "allow_overwrite_key_files");
	srv->core_public_keys = site_get(s, "komodo_core_public_key");
}
