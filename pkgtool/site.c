/* site.c - load the site file and the compiled-in defaults (libyaml)
 * SPDX-License-Identifier: MIT
 *
 * Flow: defaults.yml -> variable table; site file -> value tree; unknown
 * keys rejected; user values replace defaults; derived defaults computed;
 * "{{ name }}" expanded; every value checked by its type. Errors are
 * collected (all of them are reported) and make site_load() fail.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "embedded.h"
#include "site.h"
#include "site_types.h"
#include "sval.h"
#include "banned.h"

/* Role variables that were renamed; a site using the old name gets the new
 * one suggested instead of a silent fallback (the role's pitfall 9). */
static const char *const renamed[][2] = {
	{ "periphery_port", "komodo_periphery_port" },
	{ "root_dir", "komodo_root_directory" },
	{ "repo_dir", "komodo_repo_dir" },
	{ "stack_dir", "komodo_stack_dir" },
	{ "build_dir", "komodo_build_dir" },
	{ "stacks_polling_rate", "komodo_stats_polling_rate" },
	{ "ssl_enabled", "komodo_ssl_enabled" },
	{ "logging_level", "komodo_logging_level" },
	{ "logging_stdio", "komodo_logging_stdio" },
	{ "logging_opentelemetry_service_name",
	  "komodo_logging_opentelemetry_service_name" },
	{ "komodo_delete_user", "allow_delete_komodo_user" },
	{ "komodo_service_dir", "komodo_service_scope" },
	{ "komodo_service_path", "komodo_service_scope" },
	{ "komodo_download_sources", "komodo_download_base_url" },
};

/* Bounds on hostile input: a site file (or a stream that never ends), the
 * values a document may produce (a YAML alias
 * is a copy each time it is used: 475 bytes of aliases made 3.9 GB), the
 * nesting, one value built from "{{ name }}" references, the hosts of a
 * fleet and the items of one list. Each is far above any real site. */
#define SITE_MAX_BYTES (4u << 20)
#define VALUES_MAX 100000
#define DEPTH_MAX 64
#define EXPAND_MAX (64u << 10)
#define UNKNOWN_KEYS_MAX 20

static struct loc mark_loc(const char *file, yaml_mark_t m)
{
	struct loc l = { file, (unsigned)m.line + 1, (unsigned)m.column + 1 };

	return l;
}

/* ---- YAML -> sval ------------------------------------------------------ */

struct conv {
	yaml_document_t *doc;
	const char *file;
	const struct site *site;	/* NULL while reading defaults */
	int depth;
	size_t values;			/* made so far, aliases included */
	int over;			/* a limit was reported */
	struct loc key;			/* innermost mapping key, for errors */
};

static struct sval *conv_node(struct conv *c, yaml_node_t *node);

/* Open addressing over the keys of one mapping, so a mapping of many keys
 * costs linear time to check for duplicates. */
struct keyset {
	size_t *slot; /* index into keys + 1; 0 = empty */
	size_t mask;
};

static void keyset_init(struct keyset *ks, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	ks->slot = xcalloc(size, sizeof(*ks->slot));
	ks->mask = size - 1;
}

/* 1 if key is already among keys (as far as added), else adds index i. */
static int keyset_add(struct keyset *ks, char *const *keys, size_t i)
{
	const unsigned char *p = (const unsigned char *)keys[i];
	size_t h = 14695981039346656037ULL & (size_t)-1;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (h &= ks->mask; ks->slot[h]; h = (h + 1) & ks->mask)
		if (!strcmp(keys[ks->slot[h] - 1], keys[i]))
			return 1;
	ks->slot[h] = i + 1;
	return 0;
}

/* The text of a scalar node, or NULL after reporting a NUL inside it:
 * C strings would silently cut "a\0;id" to "a". */
static const char *scalar_text(yaml_node_t *node, const struct loc *loc)
{
	const char *text = (const char *)node->data.scalar.value;

	if (strlen(text) != node->data.scalar.length) {
		error_at(loc, "a NUL byte ('\\0') inside a value or key; "
			      "remove it");
		return NULL;
	}
	return text;
}

/* Aliases let a few bytes stand for a huge tree, and nesting costs
 * recursion: both are counted while the tree is built. */
static int conv_limits(struct conv *c, const struct loc *loc)
{
	if (c->over)
		return -1;
	if (++c->values > VALUES_MAX) {
		c->over = 1;
		/* an alias has no position of its own: name the key */
		return error_at(c->key.file ? &c->key : loc,
				"more than %d values (a YAML alias counts "
				"again each time it is used); write the "
				"values out or use fewer aliases",
				VALUES_MAX);
	}
	if (c->depth > DEPTH_MAX) {
		c->over = 1;
		return error_at(loc, "values nest deeper than %d levels",
				DEPTH_MAX);
	}
	return 0;
}

static struct sval *conv_map(struct conv *c, yaml_node_t *node,
			     const struct loc *loc)
{
	size_t npairs = (size_t)(node->data.mapping.pairs.top -
				 node->data.mapping.pairs.start);
	struct sval *v = sval_new(SV_MAP, loc);
	struct keyset ks;
	yaml_node_pair_t *p;
	int bad = 0;

	keyset_init(&ks, npairs);
	for (p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top && !c->over; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		struct loc kl = mark_loc(c->file, k->start_mark);
		struct sval *val;
		const char *key;

		if (k->type != YAML_SCALAR_NODE) {
			bad = error_at(&kl, "mapping keys must be plain "
					    "strings");
			continue;
		}
		if (!(key = scalar_text(k, &kl))) {
			bad = -1;
			continue;
		}
		if (!strcmp(key, "<<")) {
			bad = error_at(&kl, "YAML merge keys ('<<') are not "
					    "supported; write the keys out");
			continue;
		}
		c->key = kl;
		val = conv_node(c, yaml_document_get_node(c->doc, p->value));
		if (!val) {
			bad = -1;
			continue;
		}
		sval_map_put(v, key, &kl, val);
		if (keyset_add(&ks, v->keys, v->n - 1)) {
			bad = error_at(&kl, "duplicate key '%s'", key);
			sval_free(v->items[--v->n]);
			free(v->keys[v->n]);
		}
	}
	free(ks.slot);
	if (bad || c->over) {
		sval_free(v);
		v = NULL;
	}
	return v;
}

static struct sval *conv_node(struct conv *c, yaml_node_t *node)
{
	struct loc loc = mark_loc(c->file, node->start_mark);
	const char *tag = (const char *)node->tag;
	struct sval *v = NULL;

	c->depth++;
	if (conv_limits(c, &loc) < 0)
		goto out;
	switch (node->type) {
	case YAML_SCALAR_NODE: {
		const char *text = scalar_text(node, &loc);
		int plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

		if (!text)
			break;
		if (c->site && tag && tag[0] == '!' && tag[1] != '!') {
			v = site_source_tag(c->site->dir, tag, text, &loc);
			break;
		}
		if (plain && (!strcmp(text, "~") || !strcmp(text, "null") ||
			      !strcmp(text, "Null") || !strcmp(text, "NULL") ||
			      !text[0])) {
			v = sval_new(SV_NULL, &loc);
			break;
		}
		v = sval_scalar(text, &loc);
		v->quoted = !plain;
		break;
	}
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		v = sval_new(SV_SEQ, &loc);
		for (it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			struct sval *item = conv_node(
				c, yaml_document_get_node(c->doc, *it));

			if (!item) {
				sval_free(v);
				v = NULL;
				goto out;
			}
			sval_push(v, item);
		}
		break;
	}
	case YAML_MAPPING_NODE:
		v = conv_map(c, node, &loc);
		break;
	case YAML_NO_NODE:
		v = sval_new(SV_NULL, &loc);
		break;
	}
out:
	c->depth--;
	return v;
}

/* libyaml's loader has no limits of its own: deep nesting costs it time
 * quadratic in the depth (200000 '[' took 67 s) and every event costs
 * memory, so one pass over the events checks both before a document is
 * built. A syntax error is left to the loader, which reports it. */
static int prescan_yaml(const char *file, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t events = 0;
	int depth = 0, r = 0, end = 0;

	if (!yaml_parser_initialize(&parser))
		die("out of memory (yaml)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data,
				     len);
	while (!r && !end && yaml_parser_parse(&parser, &ev)) {
		struct loc l = mark_loc(file, ev.start_mark);

		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > DEPTH_MAX)
				r = error_at(&l, "values nest deeper than %d "
						 "levels",
					     DEPTH_MAX);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			end = 1;
			break;
		default:
			break;
		}
		if (!r && ++events > 2 * (size_t)VALUES_MAX)
			r = error_at(&l, "more than %d values; a site file "
					 "is not that big",
				     VALUES_MAX);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return r;
}

/* Parses one YAML document. *root is NULL for an empty file. */
static int parse_yaml(const char *file, const char *data, size_t len,
		      const struct site *site, struct sval **root,
		      struct sval *tags)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct conv c = { &doc, file, site, 0, 0, 0, { NULL, 0, 0 } };
	yaml_node_t *top;
	int r = -1;

	*root = NULL;
	if (prescan_yaml(file, data, len) < 0)
		return -1;
	if (!yaml_parser_initialize(&parser))
		die("out of memory (yaml)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data,
				     len);
	if (!yaml_parser_load(&parser, &doc)) {
		struct loc l = mark_loc(file, parser.problem_mark);

		error_at(&l, "YAML syntax error: %s%s%s; check the quoting and "
			     "indentation on this line and the one before",
			 parser.problem ? parser.problem : "cannot parse",
			 parser.context ? " " : "",
			 parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	top = yaml_document_get_root_node(&doc);
	if (top) {
		if (!yaml_parser_load(&parser, &extra)) {
			struct loc l = mark_loc(file, parser.problem_mark);

			error_at(&l, "%s", parser.problem ? parser.problem
							  : "YAML syntax error");
			goto out;
		}
		if (yaml_document_get_root_node(&extra)) {
			struct loc l = mark_loc(
				file,
				yaml_document_get_root_node(&extra)->start_mark);

			yaml_document_delete(&extra);
			error_at(&l, "only one YAML document is allowed");
			goto out;
		}
		yaml_document_delete(&extra);
		*root = conv_node(&c, top);
		if (!*root)
			goto out;
		/* defaults.yml keeps its type tags beside the values */
		if (tags && top->type == YAML_MAPPING_NODE) {
			yaml_node_pair_t *p;

			for (p = top->data.mapping.pairs.start;
			     p < top->data.mapping.pairs.top; p++) {
				yaml_node_t *val =
					yaml_document_get_node(&doc, p->value);

				sval_push(tags,
					  sval_scalar(val->tag ? (const char *)
								 val->tag
							       : "",
						      NULL));
			}
		}
	}
	r = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

/* ---- variables ----------------------------------------------------------- */

static struct site_var *find_var(const struct site *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr_vars; i++)
		if (!strcmp(s->vars[i].name, name))
			return &s->vars[i];
	return NULL;
}

static struct site_var *var(const struct site *s, const char *name)
{
	struct site_var *v = find_var(s, name);

	if (!v)
		BUG("unknown site variable '%s'", name);
	return v;
}

static int load_defaults(struct site *s)
{
	const struct embedded *e = embedded_find("config/defaults.yml");
	struct sval *root, *tags = sval_new(SV_SEQ, NULL);
	size_t i;

	if (!e)
		BUG("config/defaults.yml is not embedded");
	if (parse_yaml(e->name, e->data, e->len, NULL, &root, tags) < 0 ||
	    !root || root->type != SV_MAP || tags->n != root->n)
		BUG("config/defaults.yml does not parse");
	s->vars = xcalloc(root->n, sizeof(*s->vars));
	for (i = 0; i < root->n; i++) {
		struct site_var *sv = &s->vars[i];

		sv->name = xstrdup(root->keys[i]);
		sv->type = site_type_find(tags->items[i]->str);
		if (!sv->type)
			BUG("defaults.yml: '%s' has unknown type '%s'",
			    sv->name, tags->items[i]->str);
		sv->def = root->items[i];
		root->items[i] = NULL;
		s->nr_vars++;
	}
	for (i = 0; i < root->n; i++)
		root->items[i] = sval_new(SV_NULL, NULL);
	sval_free(root);
	sval_free(tags);
	return 0;
}

static void suggest_key(const struct site *s, const char *key,
			const struct loc *loc)
{
	size_t i, best = (size_t)-1, bi = 0;

	for (i = 0; i < ARRAY_SIZE(renamed); i++)
		if (!strcmp(key, renamed[i][0])) {
			error_at(loc, "'%s' was renamed; use '%s'", key,
				 renamed[i][1]);
			return;
		}
	for (i = 0; i < s->nr_vars; i++) {
		size_t d = edit_distance(key, s->vars[i].name);

		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (best <= 3 || (best <= strlen(key) / 3 && best < 8))
		error_at(loc, "unknown key '%s'; did you mean '%s'?", key,
			 s->vars[bi].name);
	else
		error_at(loc, "unknown key '%s' (every key is listed in "
			      "config/defaults.yml)",
			 key);
}

/* ---- "{{ name }}" expansion ---------------------------------------------- */

static int expand_var(struct site *s, struct site_var *v, int depth);

static int expand_scalar(struct site *s, struct sval *sv, int depth)
{
	struct buf out = BUF_INIT;
	const char *p = sv->str, *open;
	int r = 0;

	if (sv->secret || !strstr(p, "{{"))
		return 0;
	while ((open = strstr(p, "{{"))) {
		const char *close = strstr(open, "}}"), *b, *e;
		struct site_var *ref;
		char *name;

		buf_add(&out, p, (size_t)(open - p));
		if (!close) {
			r = error_at(&sv->loc, "unterminated '{{' in '%s'",
				     sv->str);
			break;
		}
		for (b = open + 2; *b == ' '; b++)
			;
		for (e = close; e > b && e[-1] == ' '; e--)
			;
		name = xstrndup(b, (size_t)(e - b));
		ref = find_var(s, name);
		if (!ref) {
			if (strpbrk(name, "|()[]."))
				r = error_at(&sv->loc,
					     "only '{{ variable }}' is "
					     "supported, not Jinja expressions "
					     "('%s')",
					     name);
			else
				r = error_at(&sv->loc,
					     "'{{ %s }}' names no variable",
					     name);
			free(name);
			break;
		}
		free(name);
		if (expand_var(s, ref, depth + 1) < 0) {
			r = -1;
			break;
		}
		if (ref->val->type == SV_NULL) {
			/* a computed default not known yet: empty */
		} else if (ref->val->type != SV_SCALAR) {
			r = error_at(&sv->loc, "'{{ %s }}' is a list or map; "
					       "only scalars can be "
					       "substituted",
				     ref->name);
			break;
		} else {
			buf_addstr(&out, ref->val->str);
		}
		/* references of references double at each step */
		if (out.len > EXPAND_MAX) {
			r = error_at(&sv->loc, "'{{ %s }}' makes the value "
					       "longer than %u KiB",
				     ref->name, EXPAND_MAX >> 10);
			break;
		}
		p = close + 2;
	}
	if (!r) {
		buf_addstr(&out, p);
		sval_set_str(sv, out.data);
	}
	buf_release(&out);
	return r;
}

static int expand_tree(struct site *s, struct sval *v, int depth)
{
	size_t i;
	int r = 0;

	if (v->type == SV_SCALAR)
		return expand_scalar(s, v, depth);
	for (i = 0; i < v->n; i++)
		if (expand_tree(s, v->items[i], depth) < 0)
			r = -1;
	return r;
}

/* Each variable is expanded once; depth catches reference cycles. */
static int expand_var(struct site *s, struct site_var *v, int depth)
{
	if (v->expanded == 2)
		return 0;
	if (v->expanded == -1)
		return -1;
	if (v->expanded == 1) {
		v->expanded = -1;
		return error_at(&v->val->loc,
				"'{{ %s }}' refers to itself (a cycle)",
				v->name);
	}
	v->expanded = 1;
	if (depth > 32 || expand_tree(s, v->val, depth) < 0) {
		v->expanded = -1;
		return -1;
	}
	v->expanded = 2;
	return 0;
}

/* ---- derived defaults ---------------------------------------------------- */

static void derive(struct site *s)
{
	struct site_var *v;

	v = var(s, "komodo_server_enabled");
	if (v->val->type == SV_NULL) {
		int outbound = !sval_is_empty(var(s, "komodo_core_address")->val);

		sval_free(v->val);
		v->val = sval_scalar(outbound ? "false" : "true", &v->def->loc);
	}
	v = var(s, "allow_create_komodo_user");
	if (v->val->type == SV_NULL) {
		const struct sval *a = var(s, "komodo_action")->val;
		int install = a->type == SV_SCALAR && !strcmp(a->str, "install");

		sval_free(v->val);
		v->val = sval_scalar(install ? "true" : "false", &v->def->loc);
	}
}

/* komodo_core_http_address: the role's derivation, for version lookups. */
static void derive_core_http(struct site *s)
{
	struct site_var *v = var(s, "komodo_core_http_address");
	const struct sval *url = var(s, "komodo_core_url")->val;
	const struct sval *ws = var(s, "komodo_core_address")->val;
	struct buf b = BUF_INIT;
	size_t i;

	if (!sval_is_empty(v->val))
		goto trim;
	if (!sval_is_empty(url)) {
		buf_addstr(&b, url->str);
	} else if (!sval_is_empty(ws)) {
		for (i = 0; i < ws->n; i++) {
			const char *w = ws->items[i]->str;

			if (starts_with(w, "wss://"))
				buf_addf(&b, "https://%s", w + 6);
			else if (starts_with(w, "ws://"))
				buf_addf(&b, "http://%s", w + 5);
			else
				continue;
			break;
		}
	}
	sval_set_str(v->val, b.data);
trim:
	while (v->val->str && ends_with(v->val->str, "/"))
		v->val->str[strlen(v->val->str) - 1] = '\0';
	buf_release(&b);
}

/* ---- load ---------------------------------------------------------------- */

static int set_var(struct site *s, const char *key, const struct loc *kloc,
		   struct sval *val)
{
	struct site_var *v = find_var(s, key);

	if (!v) {
		suggest_key(s, key, kloc);
		sval_free(val);
		return -1;
	}
	sval_free(v->val);
	v->val = val;
	v->set = 1;
	return 0;
}

static int apply_host(struct site *s, struct sval *h)
{
	size_t i;
	int r = 0;

	for (i = 0; h && h->type == SV_MAP && i < h->n; i++) {
		struct sval *val = h->items[i];

		h->items[i] = sval_new(SV_NULL, NULL);
		if (!strcmp(h->keys[i], "ansible_host") ||
		    !strcmp(h->keys[i], "address")) {
			if (val->type != SV_SCALAR || !val->str[0] ||
			    strpbrk(val->str, " /\"\t")) {
				r = error_at(&val->loc, "'%s' must be a host "
							"name or IP address",
					     h->keys[i]);
			} else {
				free(s->host_address);
				s->host_address = xstrdup(val->str);
			}
			sval_free(val);
			continue;
		}
		if (set_var(s, h->keys[i], &h->key_locs[i], val) < 0)
			r = -1;
	}
	return r;
}

/* Per-host defaults: the role's inventory_hostname. */
static void host_defaults(struct site *s)
{
	struct site_var *v;

	if (!s->host)
		return;
	v = var(s, "server_name");
	if (!v->set)
		sval_set_str(v->val, s->host);
	v = var(s, "komodo_connect_as");
	if (!v->set)
		sval_set_str(v->val, s->host);
}

/* Parses the file once into s->doc (inventories flattened): host views
 * (site_load_view()) start from it without reading or parsing again. */
static int load_doc(struct site *s, const char *name, const char *data,
		    size_t len, int *bad)
{
	struct sval *root = NULL;

	if (parse_yaml(name, data, len, s, &root, NULL) < 0)
		return -1;
	if (root && root->type != SV_MAP && root->type != SV_NULL) {
		error_at(&root->loc, "the site file must be a mapping of "
				     "variable names to values");
		sval_free(root);
		return -1;
	}
	/* a bad inventory is reported, and the rest still checked */
	if (site_inventory_flatten(&root) < 0)
		*bad = 1;
	s->doc = root;
	return 0;
}

/* Applies the parsed file (consumed) as host, or as the whole site. */
static int load_tree(struct site *s, struct sval *root, const char *host)
{
	struct sval *entry = NULL;
	size_t i, unknown = 0;
	int r = 0;

	if (site_take_hosts(s, root, host, &entry) < 0)
		r = -1;
	for (i = 0; root && i < root->n; i++) {
		if (!root->keys[i][0])
			continue; /* the hosts: map, taken above */
		if (unknown == UNKNOWN_KEYS_MAX) {
			error_at(&root->key_locs[i], "too many unknown keys; "
						     "is this a site file?");
			break;
		}
		if (set_var(s, root->keys[i], &root->key_locs[i],
			    root->items[i]) < 0) {
			r = -1;
			unknown++;
		}
		root->items[i] = sval_new(SV_NULL, NULL);
	}
	sval_free(root);
	if (host) {
		s->host = xstrdup(host);
		if (apply_host(s, entry) < 0)
			r = -1;
	}
	sval_free(entry);
	/* unknown keys do not stop the checks of the known ones */
	for (i = 0; i < s->nr_vars; i++)
		if (!s->vars[i].val)
			s->vars[i].val = sval_copy(s->vars[i].def);
	host_defaults(s);
	/* the action decides a default, so check it before deriving */
	if (site_type_check(var(s, "komodo_action")->type,
			    var(s, "komodo_action")->val, "komodo_action",
			    s) < 0)
		return -1;
	for (i = 0; i < s->nr_vars; i++)
		if (expand_var(s, &s->vars[i], 0) < 0)
			r = -1;
	/* the user's values first: a bad komodo_user would otherwise be
	 * reported again through every default built from it */
	for (i = 0; i < s->nr_vars; i++) {
		struct site_var *v = &s->vars[i];

		if (v->set && v->expanded == 2 &&
		    site_type_check(v->type, v->val, v->name, s) < 0)
			r = -1;
	}
	if (r < 0)
		return -1;
	for (i = 0; i < s->nr_vars; i++) {
		struct site_var *v = &s->vars[i];

		if (v->set || (v->val->type == SV_NULL &&
			       v->def->type == SV_NULL))
			continue; /* checked above; or derived below */
		if (site_type_check(v->type, v->val, v->name, s) < 0)
			r = -1;
	}
	if (r < 0)
		return -1;
	derive(s);
	derive_core_http(s);
	return 0;
}

static int load(struct site *s, const char *name, const char *data,
		size_t len, const char *host)
{
	int bad = 0, r;

	load_defaults(s);
	if (load_doc(s, name, data, len, &bad) < 0)
		return -1;
	r = load_tree(s, s->doc ? sval_copy(s->doc) : NULL, host);
	return bad ? -1 : r;
}


static void set_path(struct site *s, const char *path)
{
	const char *slash = strrchr(path, '/');

	s->path = xstrdup(path);
	s->dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path))
		       : xstrdup(".");
}

int site_load_view(struct site *s, const struct site *base, const char *host)
{
	memset(s, 0, sizeof(*s));
	set_path(s, base->path);
	load_defaults(s);
	return load_tree(s, base->doc ? sval_copy(base->doc) : NULL, host);
}

int site_load(struct site *s, const char *path)
{
	return site_load_host(s, path, NULL);
}

/* The site file may be a pipe (<(sops -d site.yml)), so it is read as a
 * stream, up to a bound. */
static int read_bounded(const char *path, const char *what, struct buf *b)
{
	int r = site_read_capped(path, SITE_MAX_BYTES, 0, b);

	if (r == READ_ERRNO)
		return error("cannot read %s '%s': %s", what, path,
			     strerror(errno));
	if (r == READ_TOO_BIG)
		return error("%s '%s' is larger than %u MiB (or a stream "
			     "that does not end); split the fleet into "
			     "several site files",
			     what, path, SITE_MAX_BYTES >> 20);
	return 0;
}

int site_load_host(struct site *s, const char *path, const char *host)
{
	struct buf b = BUF_INIT;
	int r;

	memset(s, 0, sizeof(*s));
	set_path(s, path);
	if (read_bounded(path, "site file", &b) < 0) {
		buf_release(&b);
		return -1;
	}
	r = load(s, s->path, b.data, b.len, host);
	buf_release(&b);
	return r;
}

int site_load_mem(struct site *s, const char *name, const char *data,
		  size_t len, const char *host)
{
	memset(s, 0, sizeof(*s));
	set_path(s, name);
	return load(s, s->path, data, len, host);
}

void site_release(struct site *s)
{
	size_t i;

	sval_free(s->doc);
	for (i = 0; i < s->nr_vars; i++) {
		free(s->vars[i].name);
		sval_free(s->vars[i].def);
		sval_free(s->vars[i].val);
	}
	free(s->vars);
	for (i = 0; i < s->nr_hosts; i++)
		free(s->hosts[i]);
	free(s->hosts);
	free(s->host);
	free(s->host_address);
	free(s->path);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}

const struct sval *site_get(const struct site *s, const char *key)
{
	return var(s, key)->val;
}

int yaml_read_file(const char *path, struct sval **root)
{
	struct buf b = BUF_INIT;
	int r;

	*root = NULL;
	if (read_bounded(path, "file", &b) < 0) {
		buf_wipe(&b);
		return -1;
	}
	r = parse_yaml(path, b.data, b.len, NULL, root, NULL);
	explicit_bzero(b.data, b.len);
	buf_release(&b);
	return r;
}

int yaml_read_mem(const char *name, const char *data, size_t len,
		  struct sval **root)
{
	*root = NULL;
	return parse_yaml(name, data, len, NULL, root, NULL);
}

const struct sval *site_lookup(const struct site *s, const char *key)
{
	const struct site_var *v = find_var(s, key);

	return v ? v->val : NULL;
}

const char *site_str(const struct site *s, const char *key)
{
	const struct sval *v = site_get(s, key);

	if (v->type == SV_NULL)
		return "";
	if (v->type != SV_SCALAR)
		BUG("site variable '%s' is not a scalar", key);
	return v->str;
}

int site_bool(const struct site *s, const char *key)
{
	return !strcmp(site_str(s, key), "true");
}

long site_int(const struct site *s, const char *key)
{
	return strtol(site_str(s, key), NULL, 10);
}

int site_is_set(const struct site *s, const char *key)
{
	return var(s, key)->set;
}

const struct loc *site_loc(const struct site *s, const char *key)
{
	return &var(s, key)->val->loc;
}
