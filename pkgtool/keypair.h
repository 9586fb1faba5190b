/* keypair.h - Komodo v2 keys of a site: the Periphery key pair pkgtool
 * makes once per server, and the Core key register pinned
 * SPDX-License-Identifier: MIT
 *
 * For a v2 site whose komodo_private_key is not set, the server's X25519
 * private key is made once (crypto.c) and kept in the state file
 * (state.h, 0600), so build ships it and register gives Core its public
 * key, with nothing computed on the host. The package carries the key as
 * a root-owned file readable by the agent's group (render.c, plan.c); the
 * maintainer scripts copy it to <root_directory>/keys/periphery.key, which
 * the config names, and overwrite that copy on every install: the key in
 * the state file is the truth (register turns Core's auto rotation off
 * for such servers; `register --rotate-keys` rotates).
 *
 * Core's own public key (GetCoreInfo) is pinned by register in the state
 * file under the Core URL; a site without komodo_core_public_key gets it
 * as core_public_keys, so neither side accepts a stranger.
 */
#ifndef PKGTOOL_KEYPAIR_H
#define PKGTOOL_KEYPAIR_H

#include "buf.h"
#include "plan.h"
#include "state.h"
#include "version.h"

/* Puts the v2 keys of srv into ps (nothing for v < 2); the site is not
 * changed.
 * mode: STATE_READ never makes a key (render), STATE_CREATE makes one
 * when none is kept (build, register), STATE_ROTATE always makes a new
 * one (register --rotate-keys). In STATE_CREATE a missing Core pin is
 * warned about when the site names a Core (register could pin its key). */
int keypair_apply(struct state *st, const struct plan_server *srv,
		  const struct version *v, enum state_mode mode,
		  struct plan_state *ps);
/* 1 when the server's private key is pkgtool's (made by keypair_apply). */
int keypair_managed(const struct plan_state *ps);
/* The public key of the server's private key, appended to out; out stays
 * empty when that key is not known here (file:, or Periphery makes its
 * own). */
int keypair_public(const struct plan_server *srv,
		   const struct plan_state *ps, struct buf *out);

#endif
