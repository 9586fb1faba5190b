/* state.h - what pkgtool must remember between runs: generated passkeys
 * and Komodo v2 keys
 * SPDX-License-Identifier: MIT
 *
 * The state file sits beside the site file (site.yml -> site.state.yml),
 * mode 0600, written atomically. It maps each server (a host name, or
 * "_site" for a site without hosts) to the passkey generated for it, so
 * that build and register agree and re-runs change nothing (the role
 * generated a new passkey on every run). state_apply() fills the site's
 * server_passkey from it when generate_server_passkey is set.
 *
 * For Komodo v2 it also keeps each server's Periphery private key
 * (private_keys: server -> key) and the public key of each Komodo Core
 * that register pinned (core_public_keys: Core URL -> key); keypair.c
 * applies them to a site.
 */
#ifndef PKGTOOL_STATE_H
#define PKGTOOL_STATE_H

#include "buf.h"
#include "site.h"

/* name -> value pairs of one section of the state file */
struct state_map {
	char **names, **values;
	size_t n;
	int secret;		/* values are wiped when freed */
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
};

/* A missing file is an empty state. */
int state_load(struct state *st, const char *site_path);
enum state_mode {
	STATE_READ,	/* use a kept passkey, never make one (render) */
	STATE_CREATE,	/* make one when none is kept (build, register) */
	STATE_ROTATE	/* always make a new one (register --rotate-passkeys) */
};

/* Gives s its generated passkey when the site asks for generation and sets
 * no server_passkey. */
int state_apply(struct state *st, struct site *s, enum state_mode mode);
/* Writes the file if anything changed. */
int state_save(struct state *st);
void state_release(struct state *st);

/* The value kept under name, or NULL. */
const char *state_map_get(const struct state_map *m, const char *name);
/* Keeps value under name; marks st dirty when that changes anything. */
void state_map_put(struct state *st, struct state_map *m, const char *name,
		   const char *value);

/* 32 characters of [A-Za-z0-9] from the kernel's CSPRNG. */
int passkey_generate(char out[33]);

#endif
