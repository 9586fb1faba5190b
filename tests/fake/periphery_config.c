/* periphery_config.c - config loading, merging and schema validation
 * SPDX-License-Identifier: MIT
 *
 * Mirrors bin/periphery/src/config.rs + lib/config of the real agent
 * (komodo-periphery.md §2-§6): paths from --config-path or
 * PERIPHERY_CONFIG_PATHS, directories scanned with *config.* wildcards,
 * missing paths skipped, later files merged over earlier ones (nested
 * tables merged, arrays concatenated), PERIPHERY_* env values replacing
 * whole fields, then --log-level.
 *
 * Where the real agent is forgiving (unknown keys ignored, unparsable files
 * and list items skipped with a WARN) this double fails loudly: a package
 * must never ship such a config, and a silent fallback to defaults would
 * mean no authentication. FAKE_PERIPHERY_LENIENT restores the real
 * skipping for files that cannot be read or parsed.
 *
 * Not emulated: .env loading (dotenvy) - the fake never reads a .env, so a
 * package cannot come to depend on one by accident; YAML and JSON config
 * files (rejected: packages write TOML).
 */
#include "periphery.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../pkgtool/banned.h"

#define V2 PVER(2, 0, 0)
#define V21 PVER(2, 1, 0)
#define V23 PVER(2, 3, 0)

unsigned pver_num(const struct pver *v)
{
	return PVER(v->major, v->minor, v->patch);
}

int pver_parse(const char *s, struct pver *v)
{
	unsigned long part[3];
	const char *p = s;
	char *end;
	int i;

	if (strlen(s) >= sizeof(v->text))
		return -1;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		part[i] = strtoul(p, &end, 10);
		if (errno || part[i] > 999)
			return -1;
		p = end;
		if (i < 2) {
			if (*p != '.')
				return -1;
			p++;
		}
	}
	if (*p && *p != '-' && *p != '+')
		return -1;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-+", *p))
			return -1;
	v->major = (unsigned)part[0];
	v->minor = (unsigned)part[1];
	v->patch = (unsigned)part[2];
	snprintf(v->text, sizeof(v->text), "%s", s);
	return 0;
}

/* ---- schema ------------------------------------------------------------ */

enum ktype {
	K_U16, K_BOOL, K_STRING, K_PATH, K_TIMELENGTH, K_LEVEL, K_STDIO,
	K_IPLIST, K_STRLIST, K_STRLIST_OR_STRING, K_SECRETS, K_GITPROV,
	K_REGISTRY, K_LOGGING,
};

enum kenv { ENV_NONE, ENV_PLAIN, ENV_FILE };

struct key_spec {
	const char *name;
	const char *alias[4];
	enum ktype type;
	unsigned since, until;	/* [since, until); 0 = unbounded */
	enum kenv env;
	bool secret;
	const char *def_v1, *def_v2;	/* TOML literal; NULL = none/computed */
};

/* §3 (v1.19.5) and §4 (v2 differences). Order = order of the logged
 * effective config. */
static const struct key_spec top_keys[] = {
	{ "port", { 0 }, K_U16, 0, 0, ENV_PLAIN, false, "8120", "8120" },
	{ "bind_ip", { 0 }, K_STRING, 0, 0, ENV_PLAIN, false,
	  "\"[::]\"", "\"[::]\"" },
	{ "root_directory", { 0 }, K_PATH, 0, 0, ENV_PLAIN, false,
	  "\"/etc/komodo\"", "\"/etc/komodo\"" },
	{ "repo_dir", { 0 }, K_PATH, 0, 0, ENV_PLAIN, false, NULL, NULL },
	{ "stack_dir", { 0 }, K_PATH, 0, 0, ENV_PLAIN, false, NULL, NULL },
	{ "build_dir", { 0 }, K_PATH, 0, 0, ENV_PLAIN, false, NULL, NULL },
	{ "disable_terminals", { 0 }, K_BOOL, 0, 0, ENV_PLAIN, false,
	  "false", "false" },
	{ "disable_container_exec", { 0 }, K_BOOL, 0, V2, ENV_PLAIN, false,
	  "false", NULL },
	{ "disable_container_terminals", { "disable_container_exec" }, K_BOOL,
	  V2, 0, ENV_PLAIN, false, NULL, "false" },
	{ "default_terminal_command", { 0 }, K_STRING, V2, 0, ENV_PLAIN,
	  false, NULL, "\"bash\"" },
	{ "stats_polling_rate", { 0 }, K_TIMELENGTH, 0, 0, ENV_PLAIN, false,
	  "\"5-sec\"", "\"5-sec\"" },
	{ "container_stats_polling_rate", { 0 }, K_TIMELENGTH, 0, 0,
	  ENV_PLAIN, false, "\"30-sec\"", "\"30-sec\"" },
	{ "legacy_compose_cli", { 0 }, K_BOOL, 0, 0, ENV_PLAIN, false,
	  "false", "false" },
	{ "logging", { 0 }, K_LOGGING, 0, 0, ENV_NONE, false, "{}", "{}" },
	{ "pretty_startup_config", { 0 }, K_BOOL, 0, 0, ENV_PLAIN, false,
	  "false", "false" },
	{ "private_key", { 0 }, K_STRING, V2, 0, ENV_FILE, true, NULL, NULL },
	{ "onboarding_key", { 0 }, K_STRING, V2, 0, ENV_FILE, true,
	  NULL, NULL },
	{ "core_public_keys", { "core_public_key" }, K_STRLIST_OR_STRING, V2,
	  0, ENV_PLAIN, false, NULL, NULL },
	{ "passkeys", { 0 }, K_STRLIST, 0, 0, ENV_FILE, true, "[]", NULL },
	/* A list in the struct, but the v2 install script writes
	 * core_address = "<addr>", so a single string must load too. */
	{ "core_addresses", { "core_address" }, K_STRLIST_OR_STRING, V2, 0,
	  ENV_PLAIN, false, NULL, "[]" },
	{ "connect_as", { 0 }, K_STRING, V2, 0, ENV_PLAIN, false,
	  NULL, "\"\"" },
	{ "core_tls_insecure_skip_verify", { 0 }, K_BOOL, V2, 0, ENV_PLAIN,
	  false, NULL, "false" },
	{ "server_enabled", { 0 }, K_BOOL, V2, 0, ENV_PLAIN, false,
	  NULL, NULL },
	{ "allowed_ips", { 0 }, K_IPLIST, 0, 0, ENV_PLAIN, false, "[]", "[]" },
	{ "include_disk_mounts", { 0 }, K_STRLIST, 0, 0, ENV_PLAIN, false,
	  "[]", "[]" },
	{ "exclude_disk_mounts", { 0 }, K_STRLIST, 0, 0, ENV_PLAIN, false,
	  "[]", "[]" },
	{ "secrets", { 0 }, K_SECRETS, 0, 0, ENV_NONE, true, "{}", "{}" },
	{ "git_providers", { "git_provider" }, K_GITPROV, 0, 0, ENV_NONE,
	  false, "[]", "[]" },
	{ "docker_registries", { "docker_registry" }, K_REGISTRY, 0, V23,
	  ENV_NONE, false, "[]", "[]" },
	{ "image_registries", { "image_registry", "docker_registry",
				"docker_registries" }, K_REGISTRY, V23, 0,
	  ENV_NONE, false, NULL, "[]" },
	{ "ssl_enabled", { 0 }, K_BOOL, 0, 0, ENV_PLAIN, false,
	  "true", "true" },
	{ "ssl_key_file", { 0 }, K_PATH, 0, 0, ENV_PLAIN, false, NULL, NULL },
	{ "ssl_cert_file", { 0 }, K_PATH, 0, 0, ENV_PLAIN, false, NULL, NULL },
};

static const struct key_spec logging_keys[] = {
	{ "level", { 0 }, K_LEVEL, 0, 0, ENV_PLAIN, false,
	  "\"info\"", "\"info\"" },
	{ "stdio", { 0 }, K_STDIO, 0, 0, ENV_PLAIN, false,
	  "\"standard\"", "\"standard\"" },
	{ "pretty", { 0 }, K_BOOL, 0, 0, ENV_PLAIN, false, "false", "false" },
	{ "location", { 0 }, K_BOOL, 0, 0, ENV_PLAIN, false, "true", "false" },
	{ "ansi", { 0 }, K_BOOL, V2, 0, ENV_PLAIN, false, NULL, "true" },
	{ "timestamps", { 0 }, K_BOOL, V21, 0, ENV_PLAIN, false,
	  NULL, "true" },
	{ "otlp_endpoint", { 0 }, K_STRING, 0, 0, ENV_PLAIN, false,
	  "\"\"", "\"\"" },
	{ "opentelemetry_service_name", { 0 }, K_STRING, 0, 0, ENV_PLAIN,
	  false, "\"Komodo\"", "\"Komodo\"" },
	{ "opentelemetry_scope_name", { 0 }, K_STRING, V2, 0, ENV_PLAIN,
	  false, NULL, "\"Komodo\"" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* §5: Timelength is a closed serde enum; only these exact strings. */
static const char *const timelengths_v1[] = {
	"1-sec", "5-sec", "10-sec", "15-sec", "30-sec", "1-min", "2-min",
	"5-min", "10-min", "15-min", "30-min", "1-hr", "2-hr", "6-hr",
	"8-hr", "12-hr", "1-day", "3-day", "1-wk", "2-wk", "30-day",
};
static const char *const timelengths_v2_extra[] = {
	"2-sec", "3-sec", "3-min", "3-hr", "2-day",
};
/* No "off": the example file lists it, the enum does not have it. */
static const char *const level_values[] = {
	"trace", "debug", "info", "warn", "error",
};
static const char *const stdio_values[] = { "standard", "json", "none" };

/* ---- diagnostics ------------------------------------------------------- */

struct vctx {
	const struct pver *ver;
	unsigned vnum;
	int errors;
};

static void verr(struct vctx *c, const struct loc *l, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* GNU form file:line:col: error: msg (c-style §6); env and built-in values
 * have no line. */
static void verr(struct vctx *c, const struct loc *l, const char *fmt, ...)
{
	struct sbuf b = SBUF_INIT;
	va_list ap;
	int n;

	if (l && l->line)
		sbuf_addf(&b, "%s:%u:%u: error: ", l->file, l->line, l->col);
	else if (l && l->file && l->file[0])
		sbuf_addf(&b, "%s: error: ", l->file);
	else
		sbuf_adds(&b, "fake-periphery: error: ");
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		char *msg = xmalloc((size_t)n + 1);

		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
		sbuf_adds(&b, msg);
		free(msg);
	}
	perr("%s", b.p);
	sbuf_release(&b);
	c->errors++;
}

static bool in_version(const struct key_spec *s, unsigned vnum)
{
	return (!s->since || vnum >= s->since) &&
	       (!s->until || vnum < s->until);
}

static bool spec_matches(const struct key_spec *s, const char *key)
{
	size_t i;

	if (!strcmp(s->name, key))
		return true;
	for (i = 0; i < ARRAY_SIZE(s->alias) && s->alias[i]; i++)
		if (!strcmp(s->alias[i], key))
			return true;
	return false;
}

static const struct key_spec *spec_find(const struct key_spec *specs,
					size_t n, const char *key,
					unsigned vnum)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (in_version(&specs[i], vnum) &&
		    spec_matches(&specs[i], key))
			return &specs[i];
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row = xcalloc(lb + 1, sizeof(*row));
	size_t r;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

/* Reports an unknown key, saying which version has it if a newer one
 * does, else suggesting a close spelling. Real Periphery ignores unknown
 * keys; a package writing one has a bug either way. */
static void unknown_key(struct vctx *c, const struct key_spec *specs,
			size_t n, const char *prefix, const struct tkv *kv)
{
	const char *best = NULL;
	size_t i, bestd = 3;

	for (i = 0; i < n; i++) {
		if (spec_matches(&specs[i], kv->key) &&
		    specs[i].since > c->vnum) {
			verr(c, &kv->loc, "unknown config key '%s%s' (only in "
			     "Periphery %u.%u.0 and later; this binary is "
			     "%s)", prefix, kv->key, specs[i].since / 1000000,
			     specs[i].since / 1000 % 1000, c->ver->text);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		size_t d;

		if (!in_version(&specs[i], c->vnum))
			continue;
		d = edit_distance(kv->key, specs[i].name);
		if (d < bestd) {
			bestd = d;
			best = specs[i].name;
		}
	}
	if (best)
		verr(c, &kv->loc, "unknown config key '%s%s' (did you mean "
		     "'%s%s'?)", prefix, kv->key, prefix, best);
	else
		verr(c, &kv->loc, "unknown config key '%s%s'", prefix,
		     kv->key);
}

/* ---- value validation -------------------------------------------------- */

static bool in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static void join_list(struct sbuf *b, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sbuf_adds(b, ", ");
		sbuf_adds(b, list[i]);
	}
}

static bool want(struct vctx *c, const struct tval *v, enum tv_type t,
		 const char *what, const char *key)
{
	if (v->type == t)
		return true;
	verr(c, &v->loc, "'%s' must be %s, found %s", key, what,
	     tv_type_name(v));
	return false;
}

static void check_timelength(struct vctx *c, const struct tval *v,
			     const char *key)
{
	struct sbuf b = SBUF_INIT;
	bool v2 = c->vnum >= V2;

	if (!want(c, v, TV_STRING, "a timelength string", key))
		return;
	if (in_list(v->s, timelengths_v1, ARRAY_SIZE(timelengths_v1)) ||
	    (v2 && in_list(v->s, timelengths_v2_extra,
			   ARRAY_SIZE(timelengths_v2_extra))))
		return;
	join_list(&b, timelengths_v1, ARRAY_SIZE(timelengths_v1));
	if (v2) {
		sbuf_adds(&b, ", ");
		join_list(&b, timelengths_v2_extra,
			  ARRAY_SIZE(timelengths_v2_extra));
	}
	verr(c, &v->loc, "invalid timelength '%s' for '%s' (valid for %s: %s)",
	     v->s, key, c->ver->text, b.p);
	sbuf_release(&b);
}

static void check_enum(struct vctx *c, const struct tval *v, const char *key,
		       const char *const *list, size_t n)
{
	struct sbuf b = SBUF_INIT;

	if (!want(c, v, TV_STRING, "a string", key))
		return;
	if (in_list(v->s, list, n))
		return;
	join_list(&b, list, n);
	verr(c, &v->loc, "invalid value '%s' for '%s' (one of: %s)", v->s, key,
	     b.p);
	sbuf_release(&b);
}

static void check_strlist(struct vctx *c, const struct tval *v,
			  const char *key)
{
	size_t i;

	if (!want(c, v, TV_ARRAY, "an array of strings", key))
		return;
	for (i = 0; i < v->n; i++)
		if (v->items[i]->type != TV_STRING)
			verr(c, &v->items[i]->loc, "'%s' items must be "
			     "strings, found %s", key,
			     tv_type_name(v->items[i]));
}

static void check_iplist(struct vctx *c, const struct tval *v,
			 const char *key)
{
	struct netmask m;
	size_t i;

	if (!want(c, v, TV_ARRAY, "an array of IP/CIDR strings", key))
		return;
	for (i = 0; i < v->n; i++) {
		const struct tval *it = v->items[i];

		if (it->type != TV_STRING) {
			verr(c, &it->loc, "'%s' items must be strings, found "
			     "%s", key, tv_type_name(it));
			continue;
		}
		if (netmask_parse(it->s, &m) < 0)
			verr(c, &it->loc, "invalid IP or CIDR '%s' in '%s' "
			     "(real Periphery drops it with only a WARN; a "
			     "list of typos becomes empty = allow all)", it->s,
			     key);
	}
}

struct field {
	const char *name;
	const char *alias;
	bool required;
	void (*check)(struct vctx *c, const struct tval *v, const char *key);
};

static void check_string(struct vctx *c, const struct tval *v,
			 const char *key)
{
	want(c, v, TV_STRING, "a string", key);
}

static void check_bool(struct vctx *c, const struct tval *v, const char *key)
{
	want(c, v, TV_BOOL, "a boolean", key);
}

/* Validates one inline/array table against a fixed field list, including
 * serde's duplicate-field error when a name and its alias both appear. */
static void check_struct(struct vctx *c, const struct tval *t,
			 const char *what, const struct field *f, size_t nf)
{
	size_t i, j;

	if (!want(c, t, TV_TABLE, "a table", what))
		return;
	for (i = 0; i < t->nkv; i++) {
		const struct tkv *kv = &t->kv[i];
		const struct field *hit = NULL;
		struct sbuf key = SBUF_INIT;

		for (j = 0; j < nf && !hit; j++)
			if (!strcmp(kv->key, f[j].name) ||
			    (f[j].alias && !strcmp(kv->key, f[j].alias)))
				hit = &f[j];
		sbuf_addf(&key, "%s.%s", what, kv->key);
		if (!hit) {
			struct sbuf known = SBUF_INIT;

			for (j = 0; j < nf; j++)
				sbuf_addf(&known, "%s%s", j ? ", " : "",
					  f[j].name);
			verr(c, &kv->loc, "unknown key '%s' (known: %s)",
			     key.p, known.p);
			sbuf_release(&known);
		} else {
			hit->check(c, kv->val, key.p);
		}
		sbuf_release(&key);
	}
	for (j = 0; j < nf; j++) {
		bool a = table_find(t, f[j].name) != NULL;
		bool b = f[j].alias && table_find(t, f[j].alias) != NULL;

		if (a && b)
			verr(c, &t->loc, "%s: duplicate field '%s' (given as "
			     "both '%s' and '%s')", what, f[j].name,
			     f[j].name, f[j].alias);
		else if (f[j].required && !a && !b)
			verr(c, &t->loc, "%s: missing field '%s'", what,
			     f[j].name);
	}
}

static const struct field account_fields[] = {
	{ "username", "account", true, check_string },
	{ "token", NULL, false, check_string },
};

static void check_accounts(struct vctx *c, const struct tval *v,
			   const char *key)
{
	size_t i;

	if (!want(c, v, TV_ARRAY, "an array of {username, token} tables",
		  key))
		return;
	for (i = 0; i < v->n; i++)
		check_struct(c, v->items[i], key, account_fields,
			     ARRAY_SIZE(account_fields));
}

static const struct field git_fields[] = {
	{ "domain", NULL, false, check_string },
	{ "https", NULL, false, check_bool },
	{ "accounts", "account", true, check_accounts },
};

static const struct field registry_fields[] = {
	{ "domain", NULL, false, check_string },
	{ "accounts", "account", true, check_accounts },
	{ "organizations", "organization", false, check_strlist },
};

static void check_struct_list(struct vctx *c, const struct tval *v,
			      const char *key, const struct field *f,
			      size_t nf)
{
	size_t i;

	if (!want(c, v, TV_ARRAY, "an array of tables", key))
		return;
	for (i = 0; i < v->n; i++)
		check_struct(c, v->items[i], key, f, nf);
}

static void check_table(struct vctx *c, const struct tval *t,
			const struct key_spec *specs, size_t n,
			const char *prefix);

static void check_value(struct vctx *c, const struct key_spec *s,
			const struct tval *v, const char *key)
{
	size_t i;

	switch (s->type) {
	case K_U16:
		if (want(c, v, TV_INT, "an integer", key) &&
		    (v->i < 0 || v->i > 65535))
			verr(c, &v->loc, "'%s' = %lld is out of range for a "
			     "port (0-65535)", key, v->i);
		break;
	case K_BOOL:
		check_bool(c, v, key);
		break;
	case K_STRING:
	case K_PATH:
		check_string(c, v, key);
		break;
	case K_TIMELENGTH:
		check_timelength(c, v, key);
		break;
	case K_LEVEL:
		check_enum(c, v, key, level_values, ARRAY_SIZE(level_values));
		break;
	case K_STDIO:
		check_enum(c, v, key, stdio_values, ARRAY_SIZE(stdio_values));
		break;
	case K_IPLIST:
		check_iplist(c, v, key);
		break;
	case K_STRLIST:
		check_strlist(c, v, key);
		break;
	case K_STRLIST_OR_STRING:
		if (v->type != TV_STRING)
			check_strlist(c, v, key);
		break;
	case K_SECRETS:
		if (!want(c, v, TV_TABLE, "a table of strings", key))
			break;
		for (i = 0; i < v->nkv; i++)
			if (v->kv[i].val->type != TV_STRING)
				verr(c, &v->kv[i].val->loc, "secret '%s' must "
				     "be a string, found %s", v->kv[i].key,
				     tv_type_name(v->kv[i].val));
		break;
	case K_GITPROV:
		check_struct_list(c, v, key, git_fields,
				  ARRAY_SIZE(git_fields));
		break;
	case K_REGISTRY:
		check_struct_list(c, v, key, registry_fields,
				  ARRAY_SIZE(registry_fields));
		break;
	case K_LOGGING:
		if (want(c, v, TV_TABLE, "a table", key))
			check_table(c, v, logging_keys,
				    ARRAY_SIZE(logging_keys), "logging.");
		break;
	}
}

static void check_table(struct vctx *c, const struct tval *t,
			const struct key_spec *specs, size_t n,
			const char *prefix)
{
	size_t i, j;

	for (i = 0; i < t->nkv; i++) {
		const struct tkv *kv = &t->kv[i];
		const struct key_spec *s = spec_find(specs, n, kv->key,
						     c->vnum);
		struct sbuf key = SBUF_INIT;

		if (!s) {
			unknown_key(c, specs, n, prefix, kv);
			continue;
		}
		/* serde rejects a field given under two of its names. */
		for (j = 0; j < i; j++) {
			if (spec_find(specs, n, t->kv[j].key, c->vnum) == s) {
				verr(c, &kv->loc, "duplicate field '%s%s': "
				     "'%s' and '%s' (line %u) name the same "
				     "setting", prefix, s->name, kv->key,
				     t->kv[j].key, t->kv[j].loc.line);
				break;
			}
		}
		sbuf_addf(&key, "%s%s", prefix, kv->key);
		check_value(c, s, kv->val, key.p);
		sbuf_release(&key);
	}
}

/* Renames aliases to the canonical name (after check_table proved there is
 * at most one spelling per setting). */
static void canonicalize(struct tval *t, const struct key_spec *specs,
			 size_t n, unsigned vnum)
{
	size_t i;

	for (i = 0; i < t->nkv; i++) {
		const struct key_spec *s = spec_find(specs, n, t->kv[i].key,
						     vnum);

		if (s && strcmp(s->name, t->kv[i].key)) {
			free(t->kv[i].key);
			t->kv[i].key = xstrdup(s->name);
		}
	}
}

/* ---- interpolation ----------------------------------------------------- */

static bool is_var_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* v1 (lib/config load.rs): ${VAR} replaced in the raw file text, before
 * parsing; a missing variable becomes the empty string. Returns allocated
 * text. */
static char *interpolate_v1(const char *src, size_t len, size_t *outlen)
{
	struct sbuf b = SBUF_INIT;
	size_t i = 0;

	while (i < len) {
		size_t j = i + 2;

		if (src[i] == '$' && i + 1 < len && src[i + 1] == '{') {
			while (j < len && is_var_char(src[j]))
				j++;
			if (j < len && j > i + 2 && src[j] == '}') {
				char *name = xstrndup(src + i + 2, j - i - 2);
				const char *val = getenv(name);

				sbuf_adds(&b, val ? val : "");
				free(name);
				i = j + 1;
				continue;
			}
		}
		sbuf_addc(&b, src[i++]);
	}
	*outlen = b.len;
	return sbuf_detach(&b);
}

/* Runs a command through bash (if present) or sh and returns its trimmed
 * stdout, as mogh_config does for ${VAR} fallbacks and $(word). */
static char *shell_output(const char *cmd)
{
	char *argv[4];
	struct sbuf out = SBUF_INIT;

	argv[0] = xstrdup(access("/bin/bash", X_OK) == 0 ?
			  "/bin/bash" : "/bin/sh");
	argv[1] = xstrdup("-c");
	argv[2] = xstrdup(cmd);
	argv[3] = NULL;
	run_capture(argv, &out);
	free(argv[0]);
	free(argv[1]);
	free(argv[2]);
	while (out.len && isspace((unsigned char)out.p[out.len - 1]))
		out.p[--out.len] = '\0';
	return sbuf_detach(&out);
}

/* v2 (mogh_config interpolate.rs): after merging, ${VAR} -> env value or,
 * if empty, `echo $VAR` in the shell; $(word) -> trimmed stdout of word.
 * Only [A-Za-z0-9_]+ names, so $(cat /x) is left alone. */
static void interpolate_v2(struct tval *v)
{
	size_t i;

	if (v->type == TV_ARRAY) {
		for (i = 0; i < v->n; i++)
			interpolate_v2(v->items[i]);
		return;
	}
	if (v->type == TV_TABLE) {
		for (i = 0; i < v->nkv; i++)
			interpolate_v2(v->kv[i].val);
		return;
	}
	if (v->type != TV_STRING || !strchr(v->s, '$'))
		return;
	{
		struct sbuf b = SBUF_INIT;
		const char *s = v->s;

		while (*s) {
			char open = s[1], close = open == '{' ? '}' : ')';
			size_t j = 2;

			if (s[0] == '$' && (open == '{' || open == '(')) {
				while (is_var_char(s[j]))
					j++;
				if (j > 2 && s[j] == close) {
					char *name = xstrndup(s + 2, j - 2);
					const char *env = getenv(name);
					char *val;

					if (open == '{' && env && *env) {
						val = xstrdup(env);
					} else if (open == '{') {
						char *cmd;

						cmd = xasprintf("echo $%s",
								name);
						val = shell_output(cmd);
						free(cmd);
					} else {
						val = shell_output(name);
					}
					sbuf_adds(&b, val);
					free(val);
					free(name);
					s += j + 1;
					continue;
				}
			}
			sbuf_addc(&b, *s++);
		}
		free(v->s);
		v->s = sbuf_detach(&b);
	}
}

/* ---- merging ----------------------------------------------------------- */

static bool is_table(const struct tval *v)
{
	return v->type == TV_TABLE;
}

/* Finds the first table/non-table clash merge() would hit (§2.3: the real
 * loader then skips the whole file with a WARN). */
static const struct tkv *merge_conflict(const struct tval *dst,
					const struct tval *src, bool nested)
{
	size_t i;

	for (i = 0; i < src->nkv; i++) {
		const struct tval *d = table_get(dst, src->kv[i].key);
		const struct tval *s = src->kv[i].val;

		if (!d)
			continue;
		if (is_table(d) != is_table(s))
			return &src->kv[i];
		if (is_table(d) && nested) {
			const struct tkv *r = merge_conflict(d, s, nested);

			if (r)
				return r;
		}
	}
	return NULL;
}

/* Moves everything from src into dst. src is consumed. */
static void merge(struct tval *dst, struct tval *src, bool nested,
		  bool extend)
{
	size_t i, j;

	for (i = 0; i < src->nkv; i++) {
		struct tkv *kv = &src->kv[i];
		struct tkv *d = table_find(dst, kv->key);

		if (!d) {
			table_put(dst, kv->key, kv->val, &kv->loc);
		} else if (nested && is_table(d->val) && is_table(kv->val)) {
			merge(d->val, kv->val, nested, extend);
		} else if (extend && d->val->type == TV_ARRAY &&
			   kv->val->type == TV_ARRAY) {
			for (j = 0; j < kv->val->n; j++)
				array_push(d->val, kv->val->items[j]);
			kv->val->n = 0;
			tval_free(kv->val);
		} else {
			tval_free(d->val);
			d->val = kv->val;
			d->loc = kv->loc;
		}
		kv->val = NULL;
		free(kv->key);
	}
	free(src->kv);
	free(src->items);
	free(src->s);
	free(src);
}

/* ---- paths ------------------------------------------------------------- */

struct filelist {
	char **v;
	size_t n;
};

static void filelist_add(struct filelist *l, const char *path)
{
	size_t i;

	/* A repeated path moves to the end (= highest priority). */
	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i], path)) {
			char *p = l->v[i];

			memmove(&l->v[i], &l->v[i + 1],
				(l->n - i - 1) * sizeof(*l->v));
			l->v[l->n - 1] = p;
			return;
		}
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(path);
}

struct dir_hit {
	char *path;
	size_t keyword;
};

static int cmp_dir_hit(const void *a, const void *b)
{
	const struct dir_hit *x = a, *y = b;

	if (x->keyword != y->keyword)
		return x->keyword < y->keyword ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void add_path(struct filelist *l, const char *path,
		     const struct load_opts *o, int depth);

/* Directory: files whose name matches a keyword (later keywords = higher
 * priority, ties by path), then the paths listed in .peripheryinclude. */
static void add_dir(struct filelist *l, const char *dir,
		    const struct load_opts *o, int depth)
{
	static const char *const default_kw[] = { "*config.*" };
	const char *const *kw = o->nkeywords ? o->keywords : default_kw;
	size_t nkw = o->nkeywords ? o->nkeywords : 1;
	struct dir_hit *hits = NULL;
	size_t nhits = 0, i, k;
	struct dirent *de;
	char *inc, *data;
	size_t len;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *full;
		bool matched = false;

		for (k = nkw; k-- > 0;) {
			if (fnmatch(kw[k], de->d_name, 0) == 0) {
				matched = true;
				break;
			}
		}
		if (!matched)
			continue;
		full = xasprintf("%s/%s", dir, de->d_name);
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		hits = xrealloc(hits, (nhits + 1) * sizeof(*hits));
		hits[nhits].path = full;
		hits[nhits++].keyword = k;
	}
	closedir(d);
	qsort(hits, nhits, sizeof(*hits), cmp_dir_hit);
	for (i = 0; i < nhits; i++) {
		filelist_add(l, hits[i].path);
		free(hits[i].path);
	}
	free(hits);

	inc = xasprintf("%s/.peripheryinclude", dir);
	if (read_file(inc, &data, &len) == 0) {
		char *line = data, *nl;

		for (; line && *line; line = nl ? nl + 1 : NULL) {
			char *p, *end, *full;

			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			p = line;
			while (isspace((unsigned char)*p))
				p++;
			end = p + strlen(p);
			while (end > p && isspace((unsigned char)end[-1]))
				*--end = '\0';
			if (!*p || *p == '#')
				continue;
			full = *p == '/' ? xstrdup(p) :
				xasprintf("%s/%s", dir, p);
			add_path(l, full, o, depth + 1);
			free(full);
		}
		free(data);
	}
	free(inc);
}

static void add_path(struct filelist *l, const char *path,
		     const struct load_opts *o, int depth)
{
	struct stat st;

	if (depth > 16)
		return;		/* include loops */
	if (stat(path, &st) < 0) {
		/* Skipped like the real loader, which says nothing; the
		 * double warns because a mistyped path means defaults (no
		 * passkeys = no auth in v1). */
		perr("WARN config path %s does not exist, skipping (real "
		     "Periphery skips it silently)", path);
		return;
	}
	if (S_ISDIR(st.st_mode))
		add_dir(l, path, o, depth);
	else
		filelist_add(l, path);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Loads one file into *out. Returns 0 (loaded), 1 (skipped, lenient) or
 * -1 (fatal, reported). */
static int load_file(const char *path, const struct pver *ver, bool lenient,
		     struct tval **out)
{
	char err[512], *data, *text;
	size_t len, tlen;
	struct tval *t;

	if (!ends_with(path, ".toml")) {
		const char *why = ends_with(path, ".json") ?
			(ver->major == 1 ? "v1.19.5 cannot load JSON config "
			 "files (its loader reads an exhausted handle)" :
			 "fake-periphery only parses TOML") :
			(ends_with(path, ".yaml") || ends_with(path, ".yml")) ?
			"fake-periphery only parses TOML" :
			"unsupported extension; real Periphery skips it";

		perr("WARN failed to parse config at %s: %s", path, why);
		return lenient ? 1 : -1;
	}
	if (read_file(path, &data, &len) < 0) {
		perr("WARN failed to read config at %s: %s (real Periphery "
		     "skips it and runs on defaults)", path, strerror(errno));
		return lenient ? 1 : -1;
	}
	if (ver->major == 1) {
		text = interpolate_v1(data, len, &tlen);
		free(data);
	} else {
		text = data;
		tlen = len;
	}
	t = toml_parse(path, text, tlen, err, sizeof(err));
	free(text);
	if (!t) {
		perr("WARN failed to parse config at %s: %s", path, err);
		return lenient ? 1 : -1;
	}
	*out = t;
	return 0;
}

/* ---- environment ------------------------------------------------------- */

static char *env_name(const char *prefix, const char *key, const char *sfx)
{
	char *s = xasprintf("PERIPHERY_%s%s%s", prefix, key, sfx);
	char *p;

	for (p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

static void trim(char **s)
{
	char *p = *s, *end;

	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*s = p;
}

/* Location strings of env values ("environment variable PERIPHERY_X")
 * must outlive the tree; they live here until pconf_release(). */
static char **env_names;
static size_t nenv_names;

static const char *env_loc_name(const char *var)
{
	env_names = xrealloc(env_names, (nenv_names + 1) * sizeof(*env_names));
	env_names[nenv_names] = xasprintf("environment variable %s", var);
	return env_names[nenv_names++];
}

/* Builds the value envy (or the _FILE reader) would produce for spec s.
 * Returns NULL after reporting if the value cannot be parsed. */
static struct tval *env_value(struct vctx *c, const struct key_spec *s,
			      const char *raw, bool from_file,
			      const struct loc *l)
{
	struct tval *v;
	char *dup, *item, *next;
	char *end;
	long n;

	switch (s->type) {
	case K_U16:
		errno = 0;
		n = strtol(raw, &end, 10);
		if (!*raw || *end || errno || n < 0 || n > 65535) {
			verr(c, l, "'%s' is not a u16", raw);
			return NULL;
		}
		v = tval_new(TV_INT, l);
		v->i = n;
		return v;
	case K_BOOL:
		if (strcmp(raw, "true") && strcmp(raw, "false")) {
			verr(c, l, "'%s' is not a boolean (true/false)", raw);
			return NULL;
		}
		v = tval_new(TV_BOOL, l);
		v->b = raw[0] == 't';
		return v;
	case K_IPLIST:
	case K_STRLIST:
		if (!*raw) {
			verr(c, l, "empty list variable (envy may read it as "
			     "[\"\"]; do not set empty variables)");
			return NULL;
		}
		v = tval_new(TV_ARRAY, l);
		dup = xstrdup(raw);
		/* envy splits on ',' without trimming; the _FILE reader
		 * trims each item. */
		for (item = dup; item; item = next) {
			next = strchr(item, ',');
			if (next)
				*next++ = '\0';
			if (from_file)
				trim(&item);
			array_push(v, tval_new_str(item, l));
		}
		free(dup);
		return v;
	default:
		return tval_new_str(raw, l);
	}
}

/* Applies PERIPHERY_* overrides to table t for specs. Each replaces the
 * whole field (§2.1 step 5). */
static void apply_env(struct vctx *c, struct tval *t,
		      const struct key_spec *specs, size_t n,
		      const char *prefix)
{
	size_t i, a;

	for (i = 0; i < n; i++) {
		const struct key_spec *s = &specs[i];
		const char *names[1 + ARRAY_SIZE(s->alias)];
		char *used = NULL, *file_data = NULL;
		const char *raw = NULL;
		bool from_file = false;
		struct loc l = { NULL, 0, 0 };
		size_t nn = 0;
		struct tval *v;

		if (s->env == ENV_NONE || !in_version(s, c->vnum))
			continue;
		names[nn++] = s->name;
		for (a = 0; a < ARRAY_SIZE(s->alias) && s->alias[a]; a++)
			names[nn++] = s->alias[a];
		for (a = 0; a < nn; a++) {
			char *plain = env_name(prefix, names[a], "");
			char *file = env_name(prefix, names[a], "_FILE");
			const char *fv = s->env == ENV_FILE ?
				getenv(file) : NULL;
			const char *pv = getenv(plain);

			if ((fv || pv) && used) {
				verr(c, NULL, "environment: both %s and %s "
				     "set the same field", used,
				     fv ? file : plain);
				free(plain);
				free(file);
				continue;
			}
			if (fv) {
				size_t len;

				/* PERIPHERY_X_FILE wins over PERIPHERY_X. */
				used = xstrdup(file);
				if (read_file(fv, &file_data, &len) < 0) {
					verr(c, NULL, "failed to read %s='%s': "
					     "%s", file, fv, strerror(errno));
				} else {
					char *txt = file_data;

					from_file = true;
					if (s->type != K_STRLIST &&
					    s->type != K_IPLIST)
						trim(&txt);
					raw = txt;
				}
			} else if (pv) {
				used = xstrdup(plain);
				raw = pv;
			}
			free(plain);
			free(file);
		}
		if (raw) {
			struct sbuf key = SBUF_INIT;

			l.file = env_loc_name(used);
			v = env_value(c, s, raw, from_file, &l);
			sbuf_addf(&key, "%s%s", prefix[0] ? "logging." : "",
				  s->name);
			if (v) {
				int before = c->errors;

				v->flags |= TF_ENV;
				check_value(c, s, v, key.p);
				if (c->errors == before) {
					for (a = 0; a < nn; a++)
						tval_free(table_take(t,
								     names[a]));
					table_put(t, s->name, v, NULL);
					v = NULL;
				}
				tval_free(v);
			}
			sbuf_release(&key);
		}
		free(file_data);
		free(used);
	}
}

/* ---- defaults and extraction ------------------------------------------- */

static const struct loc default_loc = { "", 0, 0 };

static struct tval *literal(const char *lit)
{
	char err[128], *src = xasprintf("v = %s\n", lit);
	struct tval *root = toml_parse("", src, strlen(src), err, sizeof(err));
	struct tval *v;

	free(src);
	if (!root)
		die("bad built-in default '%s': %s", lit, err);
	v = table_take(root, "v");
	tval_free(root);
	v->loc = default_loc;
	v->flags |= TF_DEFAULT;
	return v;
}

static void fill_defaults(struct tval *t, const struct key_spec *specs,
			  size_t n, unsigned vnum)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct key_spec *s = &specs[i];
		const char *def = vnum >= V2 ? s->def_v2 : s->def_v1;

		if (!in_version(s, vnum) || !def || table_get(t, s->name))
			continue;
		table_put(t, s->name, literal(def), &default_loc);
	}
}

/* Puts a computed default (e.g. repo_dir = root/repos) into the tree so the
 * logged config shows what is really used. */
static const char *computed(struct tval *t, const char *key, char *value)
{
	struct tval *v = table_get(t, key);

	if (!v) {
		v = tval_new(TV_STRING, &default_loc);
		v->s = value;
		v->flags |= TF_DEFAULT;
		table_put(t, key, v, &default_loc);
	} else {
		free(value);
	}
	return v->s;
}

static const char *str_of(const struct tval *t, const char *key)
{
	const struct tval *v = table_get(t, key);

	return v && v->type == TV_STRING ? v->s : "";
}

static bool bool_of(const struct tval *t, const char *key)
{
	const struct tval *v = table_get(t, key);

	return v && v->type == TV_BOOL && v->b;
}

static size_t list_len(const struct tval *v)
{
	if (!v)
		return 0;
	if (v->type == TV_STRING)
		return v->s[0] != '\0';
	return v->n;
}

static int level_of(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(level_values); i++)
		if (!strcmp(s, level_values[i]))
			return (int)i;
	return -1;
}

static void extract(struct pconf *c, const struct pver *ver)
{
	struct tval *t = c->tree;
	struct tval *logging = table_get(t, "logging");
	struct tval *v;
	const char *root;
	size_t i;
	int lv;

	c->port = (unsigned)table_get(t, "port")->i;
	c->bind_ip = str_of(t, "bind_ip");
	root = c->root = str_of(t, "root_directory");
	c->repo_dir = xstrdup(computed(t, "repo_dir",
				       xasprintf("%s/repos", root)));
	c->stack_dir = xstrdup(computed(t, "stack_dir",
					xasprintf("%s/stacks", root)));
	c->build_dir = xstrdup(computed(t, "build_dir",
					xasprintf("%s/builds", root)));
	c->ssl_enabled = bool_of(t, "ssl_enabled");
	c->ssl_key_file = xstrdup(computed(t, "ssl_key_file",
					   xasprintf("%s/ssl/key.pem", root)));
	c->ssl_cert_file = xstrdup(computed(t, "ssl_cert_file",
				xasprintf("%s/ssl/cert.pem", root)));

	v = table_get(t, "passkeys");
	if (v) {
		c->passkeys = xcalloc(v->n, sizeof(*c->passkeys));
		for (i = 0; i < v->n; i++)
			c->passkeys[i] = v->items[i]->s;
		c->npasskeys = v->n;
	}
	v = table_get(t, "allowed_ips");
	c->allowed = xcalloc(v->n, sizeof(*c->allowed));
	for (i = 0; i < v->n; i++)
		if (netmask_parse(v->items[i]->s, &c->allowed[i]) == 0)
			c->nallowed++;

	lv = level_of(str_of(logging, "level"));
	c->level = lv < 0 ? PL_INFO : (enum plevel)lv;
	c->stdio = !strcmp(str_of(logging, "stdio"), "json") ? PS_JSON :
		   !strcmp(str_of(logging, "stdio"), "none") ? PS_NONE :
		   PS_STANDARD;
	c->pretty_startup = bool_of(t, "pretty_startup_config");

	c->server_enabled = true;
	if (ver->major >= 2) {
		c->private_key = xstrdup(computed(t, "private_key",
			xasprintf("file:%s/keys/periphery.key", root)));
		c->have_core_public_keys =
			list_len(table_get(t, "core_public_keys")) > 0;
		c->ncore_addresses = list_len(table_get(t, "core_addresses"));
		c->connect_as = str_of(t, "connect_as");
		v = table_get(t, "server_enabled");
		if (v) {
			c->server_enabled = v->b;
		} else {
			c->server_enabled = c->ncore_addresses == 0;
			v = tval_new(TV_BOOL, &default_loc);
			v->b = c->server_enabled;
			v->flags |= TF_DEFAULT;
			table_put(t, "server_enabled", v, &default_loc);
		}
	}
}

int pconf_load(struct pconf *c, const struct pver *ver,
	       const struct load_opts *o)
{
	struct vctx v = { ver, pver_num(ver), 0 };
	struct filelist files = { NULL, 0 };
	struct tval *tree = tval_new(TV_TABLE, &default_loc);
	struct tval *logging, *bind;
	struct sockaddr_storage ss;
	socklen_t sslen;
	size_t i;
	int r = EXIT_CONFIG;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < o->npaths; i++)
		add_path(&files, o->paths[i], o, 0);
	/* Node locations borrow the path strings: keep them in c. */
	c->paths = files.v;
	c->npaths = files.n;
	c->files = xcalloc(files.n, sizeof(*c->files));

	for (i = 0; i < files.n; i++) {
		struct tval *t = NULL;
		const struct tkv *clash;
		int lr = load_file(files.v[i], ver, o->lenient, &t);

		if (lr < 0)
			goto out;
		if (lr > 0)
			continue;
		clash = merge_conflict(tree, t, o->merge_nested);
		if (clash) {
			verr(&v, &clash->loc, "'%s' is a table in one config "
			     "file and not in another (real Periphery skips "
			     "this whole file with a WARN)", clash->key);
			tval_free(t);
			if (o->lenient) {
				v.errors--;
				continue;
			}
			goto out;
		}
		merge(tree, t, o->merge_nested, o->extend_arrays);
		c->files[c->nfiles++] = files.v[i];
		plog(PL_DEBUG, "loaded config file %s", files.v[i]);
	}
	if (v.vnum >= V2)
		interpolate_v2(tree);

	check_table(&v, tree, top_keys, ARRAY_SIZE(top_keys), "");
	if (v.errors)
		goto out;
	canonicalize(tree, top_keys, ARRAY_SIZE(top_keys), v.vnum);
	logging = table_get(tree, "logging");
	if (logging)
		canonicalize(logging, logging_keys, ARRAY_SIZE(logging_keys),
			     v.vnum);

	/* Env parse failures are panics in the real agent. */
	fill_defaults(tree, top_keys, ARRAY_SIZE(top_keys), v.vnum);
	logging = table_get(tree, "logging");
	apply_env(&v, tree, top_keys, ARRAY_SIZE(top_keys), "");
	apply_env(&v, logging, logging_keys, ARRAY_SIZE(logging_keys),
		  "LOGGING_");
	if (v.errors) {
		perr("failed to parse periphery environment");
		r = EXIT_PANIC;
		goto out;
	}
	fill_defaults(logging, logging_keys, ARRAY_SIZE(logging_keys),
		      v.vnum);
	if (o->cli_log_level) {
		tval_free(table_take(logging, "level"));
		table_put(logging, "level",
			  tval_new_str(o->cli_log_level, &default_loc), NULL);
	}

	bind = table_get(tree, "bind_ip");
	if (bind_addr_parse(bind->s, (unsigned)table_get(tree, "port")->i,
			    &ss, &sslen) < 0) {
		verr(&v, &bind->loc, "'%s:%lld' is not a socket address "
		     "(bind_ip must be an IP; IPv6 in brackets like \"[::]\")",
		     bind->s, table_get(tree, "port")->i);
		goto out;
	}
	c->tree = tree;
	tree = NULL;
	extract(c, ver);
	r = 0;
out:
	tval_free(tree);
	if (r)
		pconf_release(c);
	return r;
}

void pconf_release(struct pconf *c)
{
	size_t i;

	tval_free(c->tree);
	for (i = 0; i < c->npaths; i++)
		free(c->paths[i]);
	free(c->paths);
	free(c->files);
	free(c->repo_dir);
	free(c->stack_dir);
	free(c->build_dir);
	free(c->ssl_key_file);
	free(c->ssl_cert_file);
	free(c->passkeys);
	free(c->allowed);
	free(c->private_key);
	memset(c, 0, sizeof(*c));
	for (i = 0; i < nenv_names; i++)
		free(env_names[i]);
	free(env_names);
	env_names = NULL;
	nenv_names = 0;
}

/* ---- logging the effective config -------------------------------------- */

#define REDACTED "##############"

static bool is_secret_key(const char *key)
{
	return !strcmp(key, "passkeys") || !strcmp(key, "token") ||
	       !strcmp(key, "onboarding_key");
}

static void indent(struct sbuf *b, bool pretty, int depth)
{
	if (!pretty)
		return;
	sbuf_addc(b, '\n');
	while (depth-- > 0)
		sbuf_adds(b, "  ");
}

static void to_json(struct sbuf *b, const struct tval *v, bool redact,
		    bool pretty, int depth, const char *key)
{
	size_t i;

	switch (v->type) {
	case TV_STRING:
		if (redact || (key && !strcmp(key, "private_key") &&
			       strncmp(v->s, "file:", 5)))
			sbuf_add_json_str(b, REDACTED);
		else
			sbuf_add_json_str(b, v->s);
		break;
	case TV_INT:
		sbuf_addf(b, "%lld", v->i);
		break;
	case TV_FLOAT:
		if (v->f != v->f || v->f * 0 != 0)
			sbuf_adds(b, "null");
		else
			sbuf_addf(b, "%.17g", v->f);
		break;
	case TV_BOOL:
		sbuf_adds(b, v->b ? "true" : "false");
		break;
	case TV_ARRAY:
		sbuf_addc(b, '[');
		for (i = 0; i < v->n; i++) {
			if (i)
				sbuf_addc(b, ',');
			indent(b, pretty, depth + 1);
			to_json(b, v->items[i], redact, pretty, depth + 1,
				NULL);
		}
		if (v->n)
			indent(b, pretty, depth);
		sbuf_addc(b, ']');
		break;
	case TV_TABLE:
		sbuf_addc(b, '{');
		for (i = 0; i < v->nkv; i++) {
			const char *k = v->kv[i].key;

			if (i)
				sbuf_addc(b, ',');
			indent(b, pretty, depth + 1);
			sbuf_add_json_str(b, k);
			sbuf_adds(b, pretty ? ": " : ":");
			/* secrets: keep the names, hide the values */
			to_json(b, v->kv[i].val, redact || is_secret_key(k) ||
				(key && !strcmp(key, "secrets")), pretty,
				depth + 1, k);
		}
		if (v->nkv)
			indent(b, pretty, depth);
		sbuf_addc(b, '}');
		break;
	}
}

char *pconf_json(const struct pconf *c, bool pretty)
{
	struct sbuf b = SBUF_INIT;
	struct tval *sorted = tval_new(TV_TABLE, &default_loc);
	size_t i;

	/* Schema order, not file order, so the output is stable. */
	for (i = 0; i < ARRAY_SIZE(top_keys); i++) {
		struct tkv *kv = table_find(c->tree, top_keys[i].name);

		if (kv && !table_find(sorted, kv->key))
			table_put(sorted, kv->key, kv->val, &kv->loc);
	}
	to_json(&b, sorted, false, pretty, 0, NULL);
	/* sorted borrowed the values: free only its own parts */
	for (i = 0; i < sorted->nkv; i++)
		free(sorted->kv[i].key);
	free(sorted->kv);
	free(sorted);
	return sbuf_detach(&b);
}
