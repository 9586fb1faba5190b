/* cmd_register.c - pkgtool register SITE: the site's servers in Komodo Core
 * SPDX-License-Identifier: MIT
 *
 * For every host (or the site as one server) with enable_server_management
 * the Server is looked up by exact name (ListServers with query.names: an
 * empty list means absent, no guessing from a 500), read (GetServer), and
 * then created with address, enabled: true and the passkey, or updated
 * with only the fields that differ. Nothing differs -> nothing is written.
 *
 * Passkeys: server_passkey, or the generated one kept in <site>.state.yml.
 * The state file is saved for a server only after Core took its passkey,
 * so a failed run never leaves a package-to-be and Core disagreeing, and a
 * dry run never saves. An empty passkey is sent (clearing Core's copy)
 * only when the site says server_passkey: "" in so many words; otherwise
 * an empty passkey leaves Core's alone (the role's silent wipe, pitfall 6).
 *
 * Komodo v2: the server's Periphery key pair (keypair.h) is made once and
 * kept in the state file; its public key is given to Core (CreateServer
 * public_key, UpdateServerPublicKey when Core's differs) with
 * auto_rotate_keys off, since a key Core rotated on the host would be set
 * back by the next run. Core's own key (GetCoreInfo) is pinned in the
 * state file for build. Outbound hosts are registered by key with no
 * address: Core itself clears the address of an outbound server, so
 * wanting one would flip-flop.
 *
 * Everything that can be checked without Core (names, URL, credentials)
 * is checked for every server before the first request.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_api.h"
#include "json.h"
#include "keypair.h"
#include "pkgtool.h"
#include "state.h"
#include "util.h"
#include "banned.h"

/* One server to register: the whole site, or one host. */
struct target {
	struct site s;
	const char *host;	/* NULL for the whole site */
	const char *name;	/* server_name, borrowed from s */
	struct plan_server srv;	/* what register reads of s */
	struct plan_state kept;	/* passkey and keys from the state file */
};

struct reg_opts {
	const char *path;
	const char *cacert;
	int dry_run;
	int rotate;		/* --rotate-passkeys */
	int rotate_keys;	/* --rotate-keys */
};

/* What the server should look like in Core. */
struct want {
	struct buf address;	/* "" for an outbound v2 server */
	const char *passkey;	/* borrowed from the site */
	int manage_passkey;	/* send it when Core's differs */
	struct buf public_key;	/* v2: Periphery's; "" = not ours to set */
};

/* An UpdateServer in the making: {"id": ..., "config": {only what
 * differs}}, plus its description for the output. */
struct diff {
	struct json *params;
	size_t nconfig;		/* fields in params.config */
	struct json *key;	/* UpdateServerPublicKey params, or NULL */
	struct buf fields;	/* "address, passkey" */
	struct buf shown;	/* one "  field: old -> new" line each */
};

static void diff_init(struct diff *d, const char *id)
{
	d->params = json_new_object();
	json_set_str(d->params, "id", id);
	json_set_object(d->params, "config");
	d->nconfig = 0;
	d->key = NULL;
	buf_init(&d->fields);
	buf_init(&d->shown);
}

static void diff_release(struct diff *d)
{
	json_free(d->params);
	json_free(d->key);
	buf_release(&d->fields);
	buf_release(&d->shown);
}

static void diff_add(struct diff *d, const char *field)
{
	if (strcmp(field, "public_key"))
		d->nconfig++;
	if (d->fields.len)
		buf_addstr(&d->fields, ", ");
	buf_addstr(&d->fields, field);
}

static const char *where(const struct target *t)
{
	return t->host ? "in the host's entry or the site file"
		       : "in the site file";
}

/* Checks what needs no Core; reports every problem of t. */
static int target_check(const struct target *t)
{
	const struct plan_server *s = &t->srv;
	const struct {
		const char *key, *value;
	} creds[] = { { "komodo_core_api_key", s->core.api_key },
		      { "komodo_core_api_secret", s->core.api_secret } };
	size_t i;
	int r = 0;

	if (!t->name[0])
		r = error("%s: 'server_name' is empty: set the name the server "
			  "has in Komodo Core in the site file (a site "
			  "without hosts: has no host name to use)",
			  s->site_path);
	if (!s->core.url[0])
		r = error("%s: no Komodo Core URL for '%s': set "
			  "'komodo_core_url' (or 'komodo_core_http_address', "
			  "or 'komodo_core_address') %s",
			  s->site_path, t->name, where(t));
	for (i = 0; i < ARRAY_SIZE(creds); i++)
		if (!creds[i].value[0])
			r = error("%s: '%s' is missing for '%s': set it %s "
				  "(a value, !env NAME or !file PATH)",
				  s->site_path, creds[i].key, t->name,
				  where(t));
	return r;
}

/* Fills w (its address buf initialised by the caller). */
static void want_init(struct want *w, const struct target *t)
{
	const struct plan_server *s = &t->srv;
	const struct sval *pk = t->kept.server_passkey
					? t->kept.server_passkey
					: s->passkey;
	const char *addr = s->address;

	if (s->outbound) {
		/* no address: Core waits for it to connect as connect_as */
	} else if (addr[0]) {
		buf_addstr(&w->address, addr);
	} else {
		const char *h = s->host_address ? s->host_address
				: t->host	? t->host
						: t->name;

		buf_addf(&w->address, "%s://%s%s%s:%ld",
			 s->ssl ? "https" : "http", strchr(h, ':') ? "[" : "",
			 h, strchr(h, ':') ? "]" : "", s->port);
	}
	w->passkey = pk->type == SV_SCALAR ? pk->str : "";
	/* "" clears Core's passkey only when written as server_passkey: "" */
	w->manage_passkey = w->passkey[0] ||
			    (s->passkey_set &&
			     pk->type == SV_SCALAR && pk->quoted);
}

/* http(s):// and ws(s):// name the same Periphery for a v2 Core, which
 * converts one to the other. */
static int same_address(const struct core *c, const char *a, const char *b)
{
	static const char *const pairs[][2] = { { "https://", "wss://" },
						{ "http://", "ws://" } };
	size_t i;

	if (!strcmp(a, b))
		return 1;
	if (c->major < 2)
		return 0;
	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		const char *p = pairs[i][0], *q = pairs[i][1];

		if (starts_with(a, q))
			p = q, q = pairs[i][0];
		if (starts_with(a, p) && starts_with(b, q) &&
		    !strcmp(a + strlen(p), b + strlen(q)))
			return 1;
	}
	return 0;
}

/* Core's expected Periphery key (v2 info.public_key) against ours. */
static void diff_key(const struct json *server, const struct want *w,
		     struct diff *d)
{
	const char *key = json_str(server, "info.public_key");

	if (!key)
		key = "";
	if (!w->public_key.len || !strcmp(key, w->public_key.data))
		return;
	d->key = json_new_object();
	json_set_str(d->key, "server", json_str(d->params, "id"));
	json_set_str(d->key, "public_key", w->public_key.data);
	diff_add(d, "public_key");
	/* public keys are no secret; showing them lets an admin compare */
	buf_addf(&d->shown, "  public_key: '%s' -> '%s'\n", key,
		 w->public_key.data);
}

/* What differs between server (a GetServer answer) and w. */
static void diff_server(const struct core *c, const struct json *server,
			const struct want *w, struct diff *d)
{
	const char *addr = json_str(server, "config.address");
	const char *pk = json_str(server, "config.passkey");
	int en = json_bool(server, "config.enabled");

	if (!addr)
		addr = "";
	if (!pk)
		pk = "";
	if (!same_address(c, addr, w->address.data)) {
		json_set_str(d->params, "config.address", w->address.data);
		diff_add(d, "address");
		buf_addf(&d->shown, "  address: '%s' -> '%s'\n", addr,
			 w->address.data);
	}
	if (en != 1) {
		json_set_bool(d->params, "config.enabled", 1);
		diff_add(d, "enabled");
		buf_addf(&d->shown, "  enabled: %s -> true\n",
			 en == 0 ? "false" : "(none)");
	}
	if (w->public_key.len && json_bool(server, "config.auto_rotate_keys") !=
				     0) {
		json_set_bool(d->params, "config.auto_rotate_keys", 0);
		diff_add(d, "auto_rotate_keys");
		buf_addstr(&d->shown, "  auto_rotate_keys: -> false (the key "
				      "is pkgtool's)\n");
	}
	if (w->manage_passkey && strcmp(pk, w->passkey)) {
		json_set_str(d->params, "config.passkey", w->passkey);
		diff_add(d, "passkey");
		buf_addf(&d->shown, "  passkey: %s -> %s\n", pk[0] ? "***" : "''",
			 w->passkey[0] ? "*** (a different one)" : "'' (cleared)");
	}
	diff_key(server, w, d);
}

#define PAGE_LIMIT 50
#define PAGES_MAX 1000 /* 50000 servers: a Core paging forever stops */

/* Takes the entries of one ListServers page named name; counts them in
 * *found and keeps the id. */
static int page_scan(const struct json *list, const char *name, char **id,
		     size_t *found)
{
	size_t i, n = json_len(list, "%s", "");

	/* names are matched exactly here too: never update another server */
	for (i = 0; i < n; i++) {
		const char *nm = json_str(list, "%zu.name", i);
		const char *sid = json_str(list, "%zu.id", i);

		if (!nm || strcmp(nm, name))
			continue;
		if (!sid)
			return error("%s: ListServers: the entry has no 'id'",
				     name);
		if ((*found)++)
			return error("%s: Komodo Core lists more than one "
				     "server with this name",
				     name);
		*id = xstrdup(sid);
	}
	return 0;
}

/* ListServers with the exact name: the id (malloc'd) or NULL if absent;
 * 0 or -1. Core 2.3 and later answer in pages (default_pagination_limit,
 * 50 in code, "30" in its docs): those are asked page by page with an
 * explicit limit until a short page; older Cores ignore page/limit. */
static int server_find(struct core *c, const char *name, char **id)
{
	int paged = c->major > 2 || (c->major == 2 && c->minor >= 3);
	size_t page, found = 0;
	int r = 0;

	*id = NULL;
	for (page = 0; r == 0 && page < PAGES_MAX; page++) {
		struct json *q = json_new_object(), *list = NULL;
		size_t n;

		json_append_str(q, "query.names", name);
		if (paged) {
			json_set_int(q, "page", (long long)page);
			json_set_int(q, "limit", PAGE_LIMIT);
		}
		r = core_call(c, 0, "ListServers", q, &list);
		json_free(q);
		if (r > 0)
			r = error("%s: ListServers: unexpected answer from "
				  "Komodo Core",
				  name);
		n = r == 0 ? json_len(list, "%s", "") : 0;
		if (r == 0)
			r = page_scan(list, name, id, &found);
		json_free(list);
		if (!paged || n < PAGE_LIMIT)
			break;
	}
	if (r == 0 && page == PAGES_MAX)
		r = error("%s: ListServers: Komodo Core still had servers after "
			  "%d pages",
			  name, PAGES_MAX);
	if (r < 0) {
		free(*id);
		*id = NULL;
	}
	return r < 0 ? -1 : 0;
}

static void print_request(const struct core *c, const char *type,
			  const struct json *params)
{
	struct buf d = BUF_INIT;

	core_describe(c, 1, type, params, &d);
	printf("  would send: %s\n", d.data);
	buf_release(&d);
}

/* Sends the config and the key that differ: 0, 1 when the server
 * vanished, -1. */
static int send_update(struct core *c, const char *name, struct diff *d)
{
	static const char *const calls[] = { "UpdateServer",
					     "UpdateServerPublicKey" };
	struct json *params[2];
	size_t i;
	int r = 0;

	params[0] = d->nconfig ? d->params : NULL;
	params[1] = d->key;
	for (i = 0; r == 0 && i < ARRAY_SIZE(calls); i++) {
		if (!params[i])
			continue;
		r = core_call(c, 1, calls[i], params[i], NULL);
		if (r == CORE_NOT_FOUND)
			r = 1;
		else if (r > 0)
			r = error("%s: %s: unexpected answer from Komodo Core",
				  name, calls[i]);
	}
	return r;
}

/* Reads the server and updates what differs. 1 when it vanished in
 * between (the caller creates it), 0 done, -1 failed. */
static int server_update(struct core *c, const char *id, const char *name,
			 const struct want *w, int dry_run)
{
	struct json *p = json_new_object(), *server = NULL;
	struct diff d;
	int r;

	diff_init(&d, id);
	json_set_str(p, "server", id);
	r = core_call(c, 0, "GetServer", p, &server);
	if (r == CORE_NOT_FOUND) {
		r = 1;
		goto out;
	}
	if (r > 0)
		r = error("%s: GetServer: unexpected answer from Komodo Core",
			  name);
	if (r < 0)
		goto out;
	diff_server(c, server, w, &d);
	if (!d.fields.len) {
		printf("%s: unchanged\n", name);
		goto out;
	}
	if (dry_run) {
		printf("%s: would update: %s\n%s", name, d.fields.data,
		       d.shown.data);
		if (d.nconfig)
			print_request(c, "UpdateServer", d.params);
		if (d.key)
			print_request(c, "UpdateServerPublicKey", d.key);
		goto out;
	}
	r = send_update(c, name, &d);
	if (r == 0)
		printf("%s: updated: %s\n", name, d.fields.data);
out:
	json_free(p);
	json_free(server);
	diff_release(&d);
	return r;
}

/* 1 when the name was taken meanwhile (409): the caller looks again. */
static int server_create(struct core *c, const char *name,
			 const struct want *w, int dry_run)
{
	struct json *p = json_new_object();
	struct buf what = BUF_INIT;
	int r;

	json_set_str(p, "name", name);
	if (w->address.len) {
		json_set_str(p, "config.address", w->address.data);
		buf_addf(&what, "address %s, ", w->address.data);
	} else {
		buf_addstr(&what, "no address (outbound), ");
	}
	/* Core's default is a disabled server */
	json_set_bool(p, "config.enabled", 1);
	buf_addstr(&what, "enabled");
	if (w->public_key.len) {
		json_set_str(p, "public_key", w->public_key.data);
		json_set_bool(p, "config.auto_rotate_keys", 0);
		buf_addstr(&what, ", public key");
	}
	if (w->passkey[0]) {
		json_set_str(p, "config.passkey", w->passkey);
		buf_addstr(&what, ", passkey");
	}
	if (dry_run) {
		printf("%s: would create (%s)\n", name, what.data);
		print_request(c, "CreateServer", p);
		r = 0;
		goto out;
	}
	r = core_call(c, 1, "CreateServer", p, NULL);
	if (r == CORE_EXISTS) {
		info("%s: created in Komodo Core by someone else meanwhile; "
		     "updating it",
		     name);
		r = 1;
	} else if (r > 0) {
		r = error("%s: CreateServer: unexpected answer from Komodo "
			  "Core",
			  name);
	} else if (r == 0) {
		printf("%s: created (%s)\n", name, what.data);
	}
out:
	buf_release(&what);
	json_free(p);
	return r;
}

enum key_news { PINNED = 1, REPINNED = 2 };

/* v2: pins Core's key in st, gives t its key pair and w its public key. */
static int v2_keys(const struct core *c, struct state *st, struct target *t,
		   const struct reg_opts *o, struct want *w, int *news)
{
	const char *url = t->srv.core.url;
	const char *old = state_map_get(&st->core_keys, url);
	struct version v;

	if (c->major < 2)
		return 0;
	if (o->rotate_keys && t->srv.private_key_set)
		warning("%s: 'komodo_private_key' is set in the site file: "
			"--rotate-keys rotates only keys pkgtool made",
			t->name);
	if (version_check(&v, c->version) < 0)
		BUG("Core version '%s' was checked", c->version);
	if (c->public_key.len) {
		if (!old)
			*news |= PINNED;
		else if (strcmp(old, c->public_key.data))
			*news |= REPINNED;
		state_map_put(st, &st->core_keys, url, c->public_key.data);
	}
	if (keypair_apply(st, &t->srv, &v,
			  o->rotate_keys ? STATE_ROTATE : STATE_CREATE,
			  &t->kept) < 0)
		return -1;
	return keypair_public(&t->srv, &t->kept, &w->public_key);
}

/* What a saved run means for the packages. */
static void say_news(const struct target *t, const struct reg_opts *o,
		     int news)
{
	const char *pkgs = t->host ? "this host's packages" : "the packages";

	if (news & REPINNED)
		warning("%s: Komodo Core's public key is not the one pinned "
			"before (was Core's key rotated?); pinned the new one: "
			"build and redeploy the packages of every host of this "
			"Core",
			t->name);
	else if (news & PINNED)
		printf("%s: pinned Komodo Core's public key; build %s again so "
		       "Periphery accepts only this Core\n",
		       t->name, pkgs);
	if (o->rotate_keys && keypair_managed(&t->kept))
		printf("%s: new key pair; Core has its public key: build and "
		       "redeploy %s%s%s (until then this Periphery cannot "
		       "connect)\n",
		       t->name, pkgs, t->host ? " in out/" : "",
		       t->host ? t->host : "");
}

/* An outbound Periphery is found by the name it connects as: a server
 * registered under another name never sees it. */
static void check_connect_as(const struct target *t)
{
	const char *as = t->srv.connect_as;

	/* "$(hostname)" and the like are resolved on the host */
	if (as[0] && !strchr(as, '$') && strcmp(as, t->name))
		warning("%s: Periphery connects as '%s' ('komodo_connect_as'), "
			"but the server is registered as '%s': set both to the "
			"same name",
			t->name, as, t->name);
}

static int register_one(struct core *c, struct target *t,
			const struct reg_opts *o)
{
	struct state st;
	struct want w = { BUF_INIT, NULL, 0, BUF_INIT };
	char *id = NULL;
	int round, news = 0, r = -1;

	if (state_load(&st, o->path) < 0)
		return -1;
	if (state_apply(&st, &t->srv, o->rotate ? STATE_ROTATE : STATE_CREATE,
			&t->kept) < 0)
		goto out;
	want_init(&w, t);
	if (v2_keys(c, &st, t, o, &w, &news) < 0)
		goto out;
	if (t->srv.outbound && !w.public_key.len) {
		printf("%s: skipped: outbound Periphery with a private key "
		       "pkgtool does not know ('komodo_private_key' is a "
		       "file:): Core learns it through the onboarding key\n",
		       t->name);
		r = 0;
		goto out;
	}
	if (t->srv.outbound)
		check_connect_as(t);
	/* find -> update, or create; a create that lost a race (409) looks
	 * again and updates; a server deleted meanwhile is created. Twice at
	 * most. */
	for (round = 0; round < 2; round++) {
		if (server_find(c, t->name, &id) < 0)
			goto out;
		r = id ? server_update(c, id, t->name, &w, o->dry_run) : 1;
		if (r == 1)
			r = server_create(c, t->name, &w, o->dry_run);
		free(id);
		id = NULL;
		if (r != 1)
			break;
	}
	if (r == 1)
		r = error("%s: the server keeps appearing in and disappearing "
			  "from Komodo Core; run register again",
			  t->name);
	/* only now does Core hold the passkey and key the state file will
	 * keep */
	if (r == 0 && !o->dry_run) {
		r = state_save(&st);
		if (r == 0)
			say_news(t, o, news);
	}
out:
	buf_release(&w.address);
	buf_release(&w.public_key);
	state_release(&st);
	return r;
}

/* The first target before t with the same Core and key, or t. */
static size_t same_core(const struct target *ts, size_t t)
{
	const struct plan_core *want = &ts[t].srv.core;
	size_t i;

	for (i = 0; i < t; i++) {
		const struct plan_core *c = &ts[i].srv.core;

		if (ts[i].srv.enabled && !strcmp(c->url, want->url) &&
		    !strcmp(c->api_key, want->api_key) &&
		    !strcmp(c->api_secret, want->api_secret))
			return i;
	}
	return t;
}

static const char *label(const struct target *t)
{
	return t->name[0] ? t->name : t->host ? t->host : "(site)";
}

/* Registers every enabled target; 0 if all went well. */
static int register_all(struct target *ts, size_t n, const struct reg_opts *o)
{
	struct core *cores = xcalloc(n, sizeof(*cores));
	int *ok = xcalloc(n, sizeof(*ok)); /* 1 usable, -1 broken */
	size_t i;
	int failed = 0;

	for (i = 0; i < n; i++) {
		struct target *t = &ts[i];
		size_t k = same_core(ts, i);
		struct core *c = &cores[k];

		if (!t->srv.enabled) {
			printf("%s: skipped: enable_server_management is not "
			       "true\n",
			       label(t));
			continue;
		}
		if (k == i) {
			core_open(c, t->srv.core.url, t->srv.core.api_key,
				  t->srv.core.api_secret, o->cacert);
			c->show = o->dry_run ? stdout
				  : verbosity > 0 ? stderr
						  : NULL;
			ok[k] = core_get_version(c) < 0 ? -1 : 1;
			if (ok[k] > 0)
				info("Komodo Core at %s: version %s", c->url,
				     c->version);
			if (ok[k] > 0 && c->major >= 2 && core_get_info(c) < 0)
				ok[k] = -1;
		}
		if (ok[k] < 0 || c->refused) {
			printf("%s: failed: Komodo Core could not be used (see "
			       "above)\n",
			       t->name);
			failed = 1;
			continue;
		}
		if (t->srv.outbound && c->major < 2) {
			error("%s: Periphery connects outbound "
			      "('komodo_core_address' is set), but Komodo Core "
			      "at %s is %s, which only reaches servers inbound",
			      t->name, c->url, c->version);
			printf("%s: failed\n", t->name);
			failed = 1;
			continue;
		}
		c->subject = t->name;
		if (register_one(c, t, o) < 0) {
			printf("%s: failed\n", t->name);
			failed = 1;
		}
		c->subject = NULL;
	}
	for (i = 0; i < n; i++)
		if (ok[i])
			core_close(&cores[i]);
	free(cores);
	free(ok);
	return failed ? -1 : 0;
}

static const struct cli_opt register_options[] = {
	{ "host", 'H', "NAME",
	  "only host NAME of the site's hosts (repeatable)" },
	{ "dry-run", 'n', NULL,
	  "only read; print what would be sent (secrets: ***)" },
	{ "rotate-passkeys", 'R', NULL,
	  "new passkeys to Core (then build again)" },
	{ "rotate-keys", 'K', NULL,
	  "v2: new key pairs to Core (then build again)" },
	{ "cacert", 'A', "FILE", "trust the CA certificates in FILE for HTTPS" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_cmd register_cmd = {
	.name = "register",
	.fn = cmd_register,
	.args = "SITE",
	.summary = "Create or update the site's servers in Komodo Core.",
	.desc = "Needs enable_server_management: true and an API key. "
		"Generated passkeys and\nkeys are kept in SITE's state file "
		"(<site>.state.yml).",
	.opts = register_options,
	.exits = "0  every server registered or unchanged\n"
		 "1  a server failed (\"NAME: failed\" on stdout, the reason "
		 "on stderr)\n"
		 "2  usage error: unknown command, bad option or operand",
	.example = "pkgtool register site.yml --dry-run\n"
		   "pkgtool register site.yml --host web1",
};

/* 0 to go on, -1 after --help (exit 0), or the usage exit status 2. */
static int parse_opts(int argc, char **argv, struct reg_opts *o,
		      const char ***want, size_t *nwant)
{
	int c;

	while ((c = cli_getopt(argc, argv, &register_cmd)) != -1) {
		switch (c) {
		case 'H':
			*want = xrealloc(*want, (*nwant + 1) * sizeof(**want));
			(*want)[(*nwant)++] = optarg;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case 'R':
			o->rotate = 1;
			break;
		case 'K':
			o->rotate_keys = 1;
			break;
		case 'A':
			o->cacert = optarg;
			break;
		default:
			return c == CLI_HELP ? -1 : 2;
		}
	}
	if (optind != argc - 1)
		return cli_usage(&register_cmd);
	return 0;
}

int cmd_register(int argc, char **argv)
{
	struct reg_opts o = { 0 };
	struct site base;
	struct target *ts = NULL;
	const char **want = NULL;
	size_t nwant = 0, n = 0, i, j;
	int c, bad = 0, ret = 1;

	c = parse_opts(argc, argv, &o, &want, &nwant);
	if (c) {
		free(want);
		return c < 0 ? 0 : c;
	}
	o.path = argv[optind];
	if (site_load(&base, o.path) < 0) {
		site_release(&base);
		free(want);
		return 1;
	}
	for (i = 0; i < nwant; i++) {
		for (j = 0; j < base.nr_hosts; j++)
			if (!strcmp(want[i], base.hosts[j]))
				break;
		if (j == base.nr_hosts) {
			error("%s: no host '%s' in the site's hosts:", o.path,
			      want[i]);
			goto out;
		}
	}
	if (!nwant && base.nr_hosts) {
		want = xrealloc(want, base.nr_hosts * sizeof(*want));
		for (i = 0; i < base.nr_hosts; i++)
			want[nwant++] = base.hosts[i];
	}
	n = nwant ? nwant : 1;
	ts = xcalloc(n, sizeof(*ts));
	/* everything that needs no Core first: a missing key stops the run
	 * before the first request */
	for (i = 0; i < n; i++) {
		struct target *t = &ts[i];

		t->host = nwant ? want[i] : NULL;
		if (site_load_view(&t->s, &base, t->host) < 0) {
			t->host = NULL;
			t->name = "";
			bad = 1;
			continue;
		}
		plan_server_init(&t->srv, &t->s);
		t->name = t->srv.name;
		if (t->srv.enabled && target_check(t) < 0)
			bad = 1;
	}
	if (bad)
		goto out;
	ret = register_all(ts, n, &o) < 0 ? 1 : 0;
out:
	for (i = 0; ts && i < n; i++) {
		site_release(&ts[i].s);
		plan_state_release(&ts[i].kept);
	}
	free(ts);
	free(want);
	site_release(&base);
	return ret;
}
