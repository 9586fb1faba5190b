/* plan.h - the typed plan: site -> structs every later stage reads, and
 * site + version -> struct pkg
 * SPDX-License-Identifier: MIT
 *
 * The plan's files are the only ones that read the site by key: each
 * struct below has one filler (plan_*_init(), in plan_fill.c and
 * plan_server.c); render, the writers, fetch, resolve, register, keypair
 * and state read typed fields (t1210 checks it). What the state file
 * keeps for a server (struct plan_state) is read over the site, which is
 * never changed after site_load().
 *
 * plan_pkg() renders every file and script for one format and architecture
 * and fills a struct pkg (initialised by the caller, released by the
 * caller even on failure). It reads the site, the embedded templates and
 * nothing else; the binary is only referenced by path here.
 */
#ifndef PKGTOOL_PLAN_H
#define PKGTOOL_PLAN_H

#include <stdint.h>

#include "pkg.h"
#include "pkgformat.h"
#include "site.h"
#include "version.h"

/*
 * What the state file (state.h) adds to one server's validated site,
 * which it never changes: state_apply() and keypair_apply() fill this and
 * the plan reads it over the site's values. NULL: the site's value. Each
 * sval keeps the site variable's location and is owned here;
 * plan_state_release() frees (and wipes) them.
 */
struct plan_state {
	struct sval *server_passkey;	/* generate_server_passkey's */
	struct sval *private_key;	/* the v2 key pkgtool keeps */
	struct sval *overwrite_key_files; /* "true" with a kept key */
	struct sval *core_public_keys;	/* the Core key register pinned */
};
void plan_state_release(struct plan_state *ps);
/* A kept value of a site variable, at loc (where the site set it). */
struct sval *plan_state_value(const struct loc *loc, const char *value,
			      int secret);
/* Puts copies of what ps holds into map under their site names, so that a
 * template naming them sees what the package ships. */
void plan_state_names(const struct plan_state *ps, struct sval *map);

struct plan_opts {
	const struct pkg_format *format;
	const char *arch;	/* deb name: amd64 / arm64 */
	const char *binary;	/* agent binary to ship */
	const char *binary_sha256; /* hex, recorded in the doc folder */
	int64_t mtime;		/* SOURCE_DATE_EPOCH */
	enum pkg_compression comp;
	const struct plan_state *state;	/* NULL: nothing kept */
	const char *release;	/* NULL: the site's package_release */
};

/*
 * The package's own fields and the few site values its docs, scripts and
 * /etc layout name, from the site once (plan_package_init(),
 * plan_fill.c). Pointers into the site, which must outlive it.
 */
struct plan_package {
	const char *name;		/* package_name */
	const char *release;		/* package_release */
	int release_set;		/* written in the site file: it wins */
	const char *maintainer;		/* package_maintainer */
	const char *user;		/* komodo_user */
	const char *config_path;	/* komodo_config_path */
	int system_scope;		/* komodo_service_scope: system */
	int delete_user;		/* allow_delete_komodo_user */
	int extra_env;			/* komodo_extra_env has entries */
};
void plan_package_init(struct plan_package *pp, const struct site *s);

/*
 * A host's build decisions, taken from the site once (plan_host_init());
 * the build reads these typed fields and no site key after it. Strings
 * point into the site, which must outlive the plan. The agent binary of
 * each architecture is the site's komodo_binary_path entry until the
 * build replaces it (--binary, a download) and fills in its sha256.
 */
struct plan_host {
	struct plan_arch {
		const char *name;		/* "amd64" */
		const char *binary;		/* NULL: download the release */
		const struct loc *binary_loc;	/* where binary was set */
		char sha256[65];
	} arches[8];
	size_t nr_arches;
	struct plan_fmt {
		const struct pkg_format *format;
		enum pkg_compression comp;
	} formats[8];
	size_t nr_formats;
	struct plan_package pkg;
	int secrets;		/* the packages carry secrets (mode 0600) */
};

/* A site string a renderer needs, with its key and source mark for the
 * one error that can name it. */
struct plan_str {
	const char *key;
	const char *s;			/* "" for a null value */
	const struct loc *loc;
};

/*
 * What the unit, its drop-in and sysusers.d are made of, taken from the
 * site once (plan_unit_init()) so that no renderer looks a site key up by
 * name. Pointers into the site, which must outlive it.
 */
struct plan_unit {
	int system_scope;
	struct plan_str user, group, uid, gid, home, config_path;
	/* ReadWritePaths=, in order: home, root, repo, stack, build dir */
	struct plan_str rw[5];
	struct plan_str template;	/* komodo_service_file_template */
	const struct sval *overrides;	/* komodo_service_overrides */
};
void plan_unit_init(struct plan_unit *u, const struct site *s);

/*
 * What the Periphery config, the env file and the key files are made of,
 * from the site once (plan_config_init()). Booleans Periphery reads as
 * TOML keep their site text ("true"/"false"). Pointers into the site.
 */
struct plan_config {
	struct plan_str root_dir, repo_dir, stack_dir, build_dir;
	struct plan_str disable_terminals, default_terminal_command;
	struct plan_str disable_container_exec, legacy_compose_cli;
	struct plan_str stats_polling_rate, container_stats_polling_rate;
	const struct sval *include_disk_mounts, *exclude_disk_mounts;
	/* outbound */
	const struct sval *core_addresses;
	struct plan_str connect_as, onboarding_key;
	int core_tls_insecure_skip_verify;
	/* inbound */
	int server_enabled;
	struct plan_str server_enabled_text, port, bind_ip, ssl_enabled;
	struct plan_str ssl_key_file, ssl_cert_file;
	const struct sval *allowed_ips;
	/* auth: the role merges passkeys, server_passkey and passkey */
	const struct sval *passkeys;
	struct plan_str server_passkey, passkey, private_key;
	const struct sval *core_public_keys;
	int keys_to_files;		/* allow_write_keys_to_files */
	struct plan_str log_level, log_stdio, log_otlp_endpoint;
	struct plan_str log_service_name, log_pretty, log_pretty_startup;
	const struct sval *git_providers, *registry_providers;
	const struct sval *agent_secrets, *extra_env;
	struct plan_str template;	/* komodo_config_file_template */
	const struct plan_state *state;	/* for template lookups; NULL */
};
/* ps: what the state file keeps for this server, or NULL. */
void plan_config_init(struct plan_config *c, const struct site *s,
		      const struct plan_state *ps);

/* A Komodo Core and the API key to reach it ("" when not set). */
struct plan_core {
	const char *url;		/* komodo_core_http_address */
	const char *api_key, *api_secret;
};

/*
 * Where the agent comes from: what resolve.c, fetch.c and fetch read,
 * taken from the site once (plan_source_init(), plan_server.c).
 * Pointers into the site, which must outlive it.
 */
struct plan_source {
	struct plan_str version;	/* a tag, "latest" or "core" */
	const char *github_api_url;
	const char *download_base_url;	/* <base>/v<version>/<asset> */
	int forge;			/* Komodo's forge, not the base URL */
	const char *asset;		/* komodo_bin: asset name, or "" */
	const struct sval *pinned_sha256; /* hex, or a map per arch */
	const struct sval *arches;	/* package_architectures */
	struct plan_core core;
};
void plan_source_init(struct plan_source *src, const struct site *s);
/* The version src builds when it is a fixed tag (override: a
 * --komodo-version value); latest and core need the network
 * (resolve_version()) and are an error here. */
int plan_fixed_version(const struct plan_source *src, const char *override,
		       struct version *v);

/*
 * One server as register, the state file (state_apply()) and the v2 keys
 * (keypair.c) see it, from the site once (plan_server_init(),
 * plan_server.c). Pointers into the site, which must outlive it.
 */
struct plan_server {
	const char *site_path;		/* for messages */
	const char *host;		/* NULL: the site is one server */
	const char *host_address;	/* ansible_host / address, or NULL */
	const char *name;		/* server_name */
	int enabled;			/* enable_server_management */
	struct plan_core core;
	const char *address;		/* server_address, or "" */
	int outbound;			/* v2: Periphery dials Core */
	int inbound;			/* komodo_server_enabled */
	int ssl;			/* komodo_ssl_enabled */
	long port;			/* komodo_periphery_port */
	const char *connect_as;		/* komodo_connect_as */
	/* server_passkey; *_set: written in the site file itself */
	const struct sval *passkey;
	int passkey_set, generate_passkey;
	struct plan_str private_key;	/* komodo_private_key */
	int private_key_set;
	const struct loc *overwrite_key_files_loc;
	int overwrite_key_files_set;	/* allow_overwrite_key_files */
	const struct sval *core_public_keys; /* komodo_core_public_key */
};
void plan_server_init(struct plan_server *srv, const struct site *s);

/* only: one format name (--format) or NULL for the site's list. */
void plan_host_init(struct plan_host *h, const struct site *s,
		    const struct plan_state *ps, const char *only);

int plan_pkg(const struct site *s, const struct version *v,
	     const struct plan_opts *o, struct pkg *p);
/* 1 when the package will carry secrets (the output file is then 0600). */
int plan_has_secrets(const struct site *s, const struct plan_state *ps);
/* Output file name, e.g. komodo-periphery_1.19.5-1_amd64.deb; release
 * NULL: the site's package_release (the state may raise it per package:
 * cmd_build, state.h, plan_opts.release). */
void plan_filename(const struct plan_package *pp, const struct version *v,
		   const struct pkg_format *f, const char *arch,
		   const char *release, struct buf *out);
/* The maintainer-script text for slot, as plan_pkg() would ship it. */
int plan_script(const struct site *s, const struct version *v,
		const struct pkg_format *f, const struct plan_state *ps,
		enum pkg_script slot, struct buf *out);

#endif
