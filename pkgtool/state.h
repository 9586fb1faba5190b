/* state.h - what pkgtool must remember between runs: generated passkeys
 * and Komodo v2 keys
 * SPDX-License-Identifier: MIT
 *
 * The state file sits beside the site file (site.yml -> site.state.yml),
 * mode 0600, written atomically. It maps each server (a host name, or
 * "_site" for a site without hosts) to the passkey generated for it, so
 * that build and register agree and re-runs change nothing (the role
 * generated a new passkey on every run). state_apply() gives the plan
 * (struct plan_state) the server's passkey from it when
 * generate_server_passkey is set; the site is never changed.
 *
 * For Komodo v2 it also keeps each server's Periphery private key
 * (private_keys: server -> key) and the public key of each Komodo Core
 * that register pinned (core_public_keys: Core URL -> key); keypair.c
 * applies them to a site.
 *
 * For each package it keeps the content digest and release it was built
 * with (releases), so a changed package of the same version gets the next
 * release (state_pkg_release).
 */
#ifndef PKGTOOL_STATE_H
#define PKGTOOL_STATE_H

#include "buf.h"
#include "plan.h"
#include "site.h"

/* name -> value pairs of one section of the state file */
struct state_map {
	char **names, **values;
	size_t n;
	int secret;		/* values are wiped when freed */
	int bare_keys;		/* keys written unquoted (fixed words) */
};

struct state {
	char *path;
	char **servers;
	char **passkeys;
	size_t n;
	int dirty;
	/* Komodo v2 keys (see keypair.h) */
	struct state_map private_keys;	/* server -> base64 PKCS#8 */
	struct state_map core_keys;	/* Core URL -> its public key */
	/* releases: "SERVER/FORMAT/ARCH" -> "DIGEST RELEASE" */
	struct state_map releases;
};

/* A missing file is an empty state. */
int state_load(struct state *st, const char *site_path);
enum state_mode {
	STATE_READ,	/* use a kept passkey, never make one (render) */
	STATE_CREATE,	/* make one when none is kept (build, register) */
	STATE_ROTATE	/* always make a new one (register --rotate-passkeys) */
};

/* Sets ps->server_passkey to the server's generated passkey when srv asks
 * for generation and sets no server_passkey. */
int state_apply(struct state *st, const struct plan_server *srv,
		enum state_mode mode, struct plan_state *ps);
/* Writes the file if anything changed. */
int state_save(struct state *st);
void state_release(struct state *st);

/* The value kept under name, or NULL. */
const char *state_map_get(const struct state_map *m, const char *name);
/* Keeps value under name; marks st dirty when that changes anything. */
void state_map_put(struct state *st, struct state_map *m, const char *name,
		   const char *value);

/* ---- package releases ----
 * A rebuild whose content changed while the Periphery version stayed must
 * reach hosts that already have that version, so it needs a higher release.
 * state_pkg_release() gives the release for the package key (server, format,
 * arch) with content digest: site_release when the site sets
 * package_release itself; else the kept release, raised by one when the
 * digest differs from the kept one (*raised = 1); else site_release. */
int state_pkg_release(struct state *st, const char *key, const char *digest,
		      const char *site_release, int site_sets, char out[32],
		      int *raised);

/* 32 characters of [A-Za-z0-9] from the kernel's CSPRNG. */
int passkey_generate(char out[33]);

#endif
