/* state.c - the state file of generated passkeys
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fsutil.h"
#include "state.h"
#include "sval.h"
#include "util.h"
#include "banned.h"

#define SITE_KEY "_site"
/* A state file is a few lines per host; more is not ours. */
#define STATE_MAX_SIZE (4u << 20)
#define STATE_WHY "whoever can write it chooses the passkeys in your packages"

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

/* ---- trust: the file and its directory (like ssh's StrictModes) ---------- */

/* ---- v2 key sections ------------------------------------------------------ */

const char *state_map_get(const struct state_map *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name))
			return m->values[i];
	return NULL;
}

static void free_value(const struct state_map *m, char *v)
{
	if (m->secret)
		explicit_bzero(v, strlen(v));
	free(v);
}

void state_map_put(struct state *st, struct state_map *m, const char *name,
		   const char *value)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name)) {
			if (!strcmp(m->values[i], value))
				return;
			free_value(m, m->values[i]);
			m->values[i] = xstrdup(value);
			st->dirty = 1;
			return;
		}
	m->names = xrealloc(m->names, (m->n + 1) * sizeof(char *));
	m->values = xrealloc(m->values, (m->n + 1) * sizeof(char *));
	m->names[m->n] = xstrdup(name);
	m->values[m->n] = xstrdup(value);
	m->n++;
	st->dirty = 1;
}

static void map_release(struct state_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->names[i]);
		free_value(m, m->values[i]);
	}
	free(m->names);
	free(m->values);
	m->names = m->values = NULL;
	m->n = 0;
}

/* Checks one key as the section wants it: an X25519 private key, or a
 * canonical public key. */
static int key_check(const struct sval *k, const char *section,
		     const char *name)
{
	struct buf pub = BUF_INIT;
	int r = 0;

	if (k->type != SV_SCALAR)
		return error_at(&k->loc, "%s of '%s' must be a string",
				section, name);
	if (!strcmp(section, "private_keys")) {
		if (crypto_x25519_public(k->str, &pub) < 0)
			r = error_at(&k->loc, "the private key of '%s' is "
					      "damaged; delete the entry and "
					      "run register again",
				     name);
	} else if (!crypto_x25519_public_valid(k->str)) {
		r = error_at(&k->loc, "the Core public key kept for '%s' is "
				      "no X25519 public key; delete the entry "
				      "and run register again",
			     name);
	}
	buf_release(&pub);
	return r;
}

static int load_map(struct state *st, struct sval *root, const char *section,
		    struct state_map *m)
{
	const struct sval *map = sval_map_get(root, section);
	size_t i;
	int r = 0;

	if (!map)
		return 0;
	if (map->type != SV_MAP)
		return error_at(&map->loc, "'%s' in the state file must be a "
					   "mapping",
				section);
	for (i = 0; i < map->n; i++) {
		if (m->secret)
			((struct sval *)map->items[i])->secret = 1;
		if (r == 0 && key_check(map->items[i], section, map->keys[i]) < 0)
			r = -1;
		if (r == 0)
			state_map_put(st, m, map->keys[i], map->items[i]->str);
	}
	st->dirty = 0;
	return r;
}

static void save_map(struct buf *b, const char *section,
		     const struct state_map *m)
{
	size_t i;

	if (!m->n)
		return;
	buf_addf(b, "%s:\n", section);
	for (i = 0; i < m->n; i++)
		buf_addf(b, m->bare_keys ? "  %s: \"%s\"\n" : "  \"%s\": \"%s\"\n",
			 m->names[i], m->values[i]);
}

/*
 * Refuses a directory in which someone other than the user (or root) could
 * replace the state file: owned by another user, or group/world writable
 * without the sticky bit. Checked on the open directory, not its name.
 */
static int state_dir_check(const char *path)
{
	struct buf dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	char owner[96];
	struct stat st;
	int fd, r = -1;

	if (!slash)
		buf_addstr(&dir, ".");
	else
		buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	fd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error("cannot open the directory of state file '%s': %s", path,
		      strerror(errno));
		goto out;
	}
	if ((st.st_uid != geteuid() && st.st_uid != 0) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		fs_owner_name(st.st_uid, owner, sizeof(owner));
		error("refusing state file '%s': its directory '%s' (owner %s, "
		      "mode %04o) lets others replace it, and " STATE_WHY
		      ". Fix: chmod go-w '%s' and make it yours or root's, or "
		      "keep the site somewhere only you can write",
		      path, dir.data, owner, (unsigned)(st.st_mode & 07777),
		      dir.data);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&dir);
	return r;
}

/* Owner, type and mode of the open file: the checks and the read are on
 * one descriptor, so the file cannot be swapped in between. */
static int state_fd_check(int fd, const char *path)
{
	char owner[96], me[96];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error("cannot stat state file '%s': %s", path,
			     strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error("refusing state file '%s': not a regular file",
			     path);
	if (st.st_uid != geteuid()) {
		fs_owner_name(st.st_uid, owner, sizeof(owner));
		fs_owner_name(geteuid(), me, sizeof(me));
		return error("refusing state file '%s': owned by %s, not by "
			     "you, %s, and " STATE_WHY ". Fix: check its "
			     "contents, then chown %u '%s' and chmod 600 it, "
			     "or delete it",
			     path, owner, me, (unsigned)geteuid(), path);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return error("refusing state file '%s': mode %04o lets others "
			     "write it, and " STATE_WHY ". Fix: check its "
			     "contents, then chmod 600 '%s'",
			     path, (unsigned)(st.st_mode & 07777), path);
	if (st.st_mode & (S_IRGRP | S_IROTH))
		warning("state file '%s' is readable by others (mode %04o) and "
			"holds passkeys: chmod 600 '%s'",
			path, (unsigned)(st.st_mode & 07777), path);
	if (st.st_size > (off_t)STATE_MAX_SIZE)
		return error("refusing state file '%s': %jd bytes is more than "
			     "a state file holds (at most %u)",
			     path, (intmax_t)st.st_size, STATE_MAX_SIZE);
	return 0;
}

/* Reads the state file into b if it exists and only the user could have
 * written it; *found is 0 when there is none. */
static int state_read_trusted(const char *path, struct buf *b, int *found)
{
	char chunk[8192];
	ssize_t n;
	int fd, r = -1;

	*found = 0;
	/* O_NOFOLLOW: a link could point anywhere, e.g. at a file of someone
	 * else's; O_NONBLOCK: a FIFO must not hang us before fstat says
	 * it is not a regular file. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno == ELOOP)
		return error("refusing state file '%s': it is a symbolic link, "
			     "and " STATE_WHY ". Fix: replace the link with "
			     "the file itself (mode 600)",
			     path);
	if (fd < 0)
		return error("cannot open state file '%s': %s", path,
			     strerror(errno));
	*found = 1;
	if (state_dir_check(path) < 0 || state_fd_check(fd, path) < 0)
		goto out;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error("cannot read state file '%s': %s", path,
			      strerror(errno));
			goto out;
		}
		if (!n)
			break;
		if (b->len + (size_t)n > STATE_MAX_SIZE) {
			error("refusing state file '%s': it grew past %u bytes "
			      "while being read",
			      path, STATE_MAX_SIZE);
			goto out;
		}
		buf_add(b, chunk, (size_t)n);
	}
	r = 0;
out:
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return r;
}

static int load_releases(struct state *st, const struct sval *m);

int state_load(struct state *st, const char *site_path)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct sval *root = NULL;
	const struct sval *keys;
	size_t i;
	int r = 0, found;

	memset(st, 0, sizeof(*st));
	st->private_keys.secret = 1;
	/* host names and format/arch words: plain YAML keys */
	st->releases.bare_keys = 1;
	state_path(&path, site_path);
	st->path = buf_detach(&path, NULL);
	r = state_read_trusted(st->path, &text, &found);
	if (r < 0 || !found)
		goto out;
	r = yaml_read_mem(st->path, text.data, text.len, &root);
	if (r < 0)
		goto out;
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
	if (!r && root && root->type == SV_MAP &&
	    (load_map(st, root, "private_keys", &st->private_keys) < 0 ||
	     load_map(st, root, "core_public_keys", &st->core_keys) < 0 ||
	     load_releases(st, sval_map_get(root, "releases")) < 0))
		r = -1;
	if (root) {
		/* the tree holds passkeys: mark them so sval_free wipes */
		for (i = 0; keys && i < keys->n; i++)
			((struct sval *)keys->items[i])->secret = 1;
	}
out:
	sval_free(root);
	buf_wipe(&text);
	return r;
}

int state_apply(struct state *st, const struct plan_server *srv,
		enum state_mode mode, struct plan_state *ps)
{
	const char *server = srv->host ? srv->host : SITE_KEY;
	const struct sval *own = srv->passkey;
	char key[33];
	size_t i;

	if (!srv->generate_passkey ||
	    (own->type == SV_SCALAR && own->str[0]))
		return 0;
	for (i = 0; mode != STATE_ROTATE && i < st->n; i++)
		if (!strcmp(st->servers[i], server)) {
			sval_free(ps->server_passkey);
			ps->server_passkey = plan_state_value(
				&own->loc, st->passkeys[i], 1);
			return 0;
		}
	if (mode == STATE_READ)
		return 0;
	if (passkey_generate(key) < 0)
		return -1;
	put(st, server, key);
	sval_free(ps->server_passkey);
	ps->server_passkey = plan_state_value(&own->loc, key, 1);
	explicit_bzero(key, sizeof(key));
	st->dirty = 1;
	return 0;
}

int state_save(struct state *st)
{
	struct buf b = BUF_INIT;
	size_t i;
	int r = -1;

	if (!st->dirty)
		return 0;
	/* passkeys go only where nobody else can swap them later */
	if (state_dir_check(st->path) < 0)
		return -1;
	buf_addstr(&b, "# pkgtool state: passkeys generated for "
		       "generate_server_passkey, Komodo v2 keys.\n# Secret: keep "
		       "this file 0600 and out of version control.\n");
	if (st->n)
		buf_addstr(&b, "passkeys:\n");
	for (i = 0; i < st->n; i++)
		buf_addf(&b, "  \"%s\": \"%s\"\n", st->servers[i],
			 st->passkeys[i]);
	save_map(&b, "private_keys", &st->private_keys);
	save_map(&b, "core_public_keys", &st->core_keys);
	if (st->releases.n)
		buf_addstr(&b, "# release per package: content digest, release "
			       "(pkgtool raises it when the content changes)\n");
	save_map(&b, "releases", &st->releases);
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
	free(st->path);
	map_release(&st->private_keys);
	map_release(&st->core_keys);
	map_release(&st->releases);
	memset(st, 0, sizeof(*st));
}

/* ---- package releases (a changed site must reach the hosts) ------------- */

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
		state_map_put(st, &st->releases, m->keys[i], v->str);
	}
	st->dirty = 0;
	return 0;
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
	const char *kept = state_map_get(&st->releases, key);
	struct buf val = BUF_INIT;

	*raised = 0;
	snprintf(out, 32, "%s", site_release);
	if (kept && !site_sets) {
		if (strncmp(kept, digest, 64)) {
			next_release(kept + 65, out);
			*raised = 1;
		} else {
			snprintf(out, 32, "%s", kept + 65);
		}
	}
	buf_addf(&val, "%s %s", digest, out);
	state_map_put(st, &st->releases, key, val.data);
	buf_release(&val);
	return 0;
}
