/* state.c - the state file of generated passkeys
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "state.h"
#include "sval.h"
#include "util.h"
#include "banned.h"

#define SITE_KEY "_site"

int passkey_generate(char out[33])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[64];
	size_t n = 0, i;

	while (n < 32) {
		ssize_t got = getrandom(rnd, sizeof(rnd), 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return error("cannot read random bytes: %s",
				     strerror(errno));
		}
		/* 248 = 4 * 62: rejecting above it keeps every character
		 * equally likely */
		for (i = 0; i < (size_t)got && n < 32; i++)
			if (rnd[i] < 248)
				out[n++] = alphabet[rnd[i] % 62];
	}
	out[32] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}

static void state_path(struct buf *b, const char *site_path)
{
	size_t n = strlen(site_path);

	if (ends_with(site_path, ".yml"))
		n -= 4;
	else if (ends_with(site_path, ".yaml"))
		n -= 5;
	buf_add(b, site_path, n);
	buf_addstr(b, ".state.yml");
}

static void put(struct state *st, const char *server, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->servers[i], server)) {
			explicit_bzero(st->passkeys[i], strlen(st->passkeys[i]));
			free(st->passkeys[i]);
			st->passkeys[i] = xstrdup(key);
			return;
		}
	st->servers = xrealloc(st->servers, (st->n + 1) * sizeof(char *));
	st->passkeys = xrealloc(st->passkeys, (st->n + 1) * sizeof(char *));
	st->servers[st->n] = xstrdup(server);
	st->passkeys[st->n] = xstrdup(key);
	st->n++;
}

static int load_releases(struct state *st, const struct sval *m);

int state_load(struct state *st, const char *site_path)
{
	struct buf path = BUF_INIT;
	struct sval *root = NULL;
	const struct sval *keys;
	size_t i;
	int r = 0;

	memset(st, 0, sizeof(*st));
	state_path(&path, site_path);
	st->path = buf_detach(&path, NULL);
	if (access(st->path, F_OK) < 0)
		return 0;
	if (yaml_read_file(st->path, &root) < 0)
		return -1;
	keys = sval_map_get(root, "passkeys");
	if (root && (root->type != SV_MAP || (keys && keys->type != SV_MAP)))
		r = error_at(&root->loc, "the state file must map 'passkeys' "
					 "to server: passkey entries");
	for (i = 0; !r && keys && i < keys->n; i++) {
		const struct sval *k = keys->items[i];

		if (k->type != SV_SCALAR || strlen(k->str) < 8) {
			r = error_at(&k->loc, "passkey of '%s' is not a string "
					      "of at least 8 characters",
				     keys->keys[i]);
			break;
		}
		put(st, keys->keys[i], k->str);
	}
	if (!r)
		r = load_releases(st, sval_map_get(root, "releases"));
	if (root) {
		/* the tree holds passkeys: mark them so sval_free wipes */
		for (i = 0; keys && i < keys->n; i++)
			((struct sval *)keys->items[i])->secret = 1;
	}
	sval_free(root);
	return r;
}

int state_apply(struct state *st, struct site *s, enum state_mode mode)
{
	const char *server = s->host ? s->host : SITE_KEY;
	char key[33];
	size_t i;

	if (!site_bool(s, "generate_server_passkey") ||
	    site_str(s, "server_passkey")[0])
		return 0;
	for (i = 0; mode != STATE_ROTATE && i < st->n; i++)
		if (!strcmp(st->servers[i], server)) {
			site_set_secret(s, "server_passkey", st->passkeys[i]);
			return 0;
		}
	if (mode == STATE_READ)
		return 0;
	if (passkey_generate(key) < 0)
		return -1;
	put(st, server, key);
	site_set_secret(s, "server_passkey", key);
	explicit_bzero(key, sizeof(key));
	st->dirty = 1;
	return 0;
}

static void save_releases(const struct state *st, struct buf *b);

int state_save(struct state *st)
{
	struct buf b = BUF_INIT;
	size_t i;
	int r = -1;

	if (!st->dirty)
		return 0;
	buf_addstr(&b, "# pkgtool state: passkeys generated for "
		       "generate_server_passkey.\n# Secret: keep this file "
		       "0600 and out of version control.\n");
	if (st->n)
		buf_addstr(&b, "passkeys:\n");
	for (i = 0; i < st->n; i++)
		buf_addf(&b, "  \"%s\": \"%s\"\n", st->servers[i],
			 st->passkeys[i]);
	save_releases(st, &b);
	/* 0600: the file holds passkeys */
	if (fs_write_atomic(st->path, b.data, b.len, 0600) < 0)
		goto out;
	st->dirty = 0;
	r = 0;
out:
	buf_wipe(&b);
	return r;
}

void state_release(struct state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free(st->servers[i]);
		explicit_bzero(st->passkeys[i], strlen(st->passkeys[i]));
		free(st->passkeys[i]);
	}
	free(st->servers);
	free(st->passkeys);
	for (i = 0; i < st->nrel; i++) {
		free(st->rel_keys[i]);
		free(st->rel_vals[i]);
	}
	free(st->rel_keys);
	free(st->rel_vals);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

/* ---- package releases (pkgtool repo: a changed site must reach hosts) ---- */

static int load_releases(struct state *st, const struct sval *m)
{
	size_t i;

	if (!m)
		return 0;
	if (m->type != SV_MAP)
		return error_at(&m->loc, "the state file must map 'releases' "
					 "to package: \"DIGEST RELEASE\" entries");
	for (i = 0; i < m->n; i++) {
		const struct sval *v = m->items[i];
		const char *sp = v->type == SV_SCALAR ? strchr(v->str, ' ') : NULL;

		if (!sp || sp - v->str != 64 || !sp[1] || strlen(sp + 1) > 30)
			return error_at(&v->loc, "release of '%s' is not "
						 "\"DIGEST RELEASE\"",
					m->keys[i]);
		st->rel_keys = xrealloc(st->rel_keys,
					(st->nrel + 1) * sizeof(char *));
		st->rel_vals = xrealloc(st->rel_vals,
					(st->nrel + 1) * sizeof(char *));
		st->rel_keys[st->nrel] = xstrdup(m->keys[i]);
		st->rel_vals[st->nrel++] = xstrdup(v->str);
	}
	return 0;
}

static void save_releases(const struct state *st, struct buf *b)
{
	size_t i;

	if (st->nrel)
		buf_addstr(b, "# release per package: content digest, release "
			      "(pkgtool raises it when the content changes)\n"
			      "releases:\n");
	/* keys are host names and fixed words: plain YAML, unquoted */
	for (i = 0; i < st->nrel; i++)
		buf_addf(b, "  %s: \"%s\"\n", st->rel_keys[i],
			 st->rel_vals[i]);
}

/* "7" -> "8", "1ubuntu3" -> "1ubuntu4", "rc" -> "rc1". */
static void next_release(const char *r, char out[32])
{
	size_t n = strlen(r), d = n;
	unsigned long v;

	while (d && r[d - 1] >= '0' && r[d - 1] <= '9')
		d--;
	v = d < n ? strtoul(r + d, NULL, 10) + 1 : 1;
	snprintf(out, 32, "%.*s%lu", (int)(d > 20 ? 20 : d), r, v);
}

int state_pkg_release(struct state *st, const char *key, const char *digest,
		      const char *site_release, int site_sets, char out[32],
		      int *raised)
{
	struct buf val = BUF_INIT;
	size_t i;

	*raised = 0;
	snprintf(out, 32, "%s", site_release);
	for (i = 0; i < st->nrel; i++)
		if (!strcmp(st->rel_keys[i], key))
			break;
	if (i < st->nrel && !site_sets) {
		const char *kept = st->rel_vals[i] + 65;

		if (strncmp(st->rel_vals[i], digest, 64)) {
			next_release(kept, out);
			*raised = 1;
		} else {
			snprintf(out, 32, "%s", kept);
		}
	}
	buf_addf(&val, "%s %s", digest, out);
	if (i == st->nrel) {
		st->rel_keys = xrealloc(st->rel_keys,
					(st->nrel + 1) * sizeof(char *));
		st->rel_vals = xrealloc(st->rel_vals,
					(st->nrel + 1) * sizeof(char *));
		st->rel_keys[st->nrel] = xstrdup(key);
		st->rel_vals[st->nrel++] = buf_detach(&val, NULL);
		st->dirty = 1;
	} else if (strcmp(st->rel_vals[i], val.data)) {
		free(st->rel_vals[i]);
		st->rel_vals[i] = buf_detach(&val, NULL);
		st->dirty = 1;
	}
	buf_release(&val);
	return 0;
}
