/* keypair.c - Komodo v2 Periphery key pairs and the pinned Core key
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "crypto.h"
#include "keypair.h"
#include "sval.h"
#include "util.h"
#include "banned.h"

#define SITE_KEY "_site"

int keypair_managed(const struct plan_state *ps)
{
	return ps->private_key != NULL;
}

int keypair_public(const struct plan_server *srv,
		   const struct plan_state *ps, struct buf *out)
{
	const char *priv = ps->private_key ? ps->private_key->str
					   : srv->private_key.s;

	if (!priv[0] || starts_with(priv, "file:"))
		return 0;
	if (crypto_x25519_public(priv, out) < 0)
		return error_at(srv->private_key.loc,
				"'komodo_private_key' is no X25519 private key "
				"(base64 PKCS#8 as 'periphery key generate' "
				"prints it, or PEM)");
	return 0;
}

static int private_key(struct state *st, const struct plan_server *srv,
		       enum state_mode mode, struct plan_state *ps)
{
	const char *server = srv->host ? srv->host : SITE_KEY;
	const char *kept = state_map_get(&st->private_keys, server);
	struct buf key = BUF_INIT;

	if (srv->private_key_set)
		return 0; /* the site's own key, or file: */
	sval_free(ps->private_key);
	ps->private_key = NULL;
	if (kept && mode != STATE_ROTATE) {
		ps->private_key =
			plan_state_value(srv->private_key.loc, kept, 1);
	} else if (mode != STATE_READ) {
		if (crypto_x25519_generate(&key) < 0)
			return -1;
		state_map_put(st, &st->private_keys, server, key.data);
		ps->private_key =
			plan_state_value(srv->private_key.loc, key.data, 1);
		buf_wipe(&key);
	} else {
		return 0;
	}
	/* the package's key is the truth: the postinst replaces the
	 * agent's copy, so a rotated key reaches the host */
	if (!srv->overwrite_key_files_set && !ps->overwrite_key_files)
		ps->overwrite_key_files = plan_state_value(
			srv->overwrite_key_files_loc, "true", 0);
	return 0;
}

static void core_key(struct state *st, const struct plan_server *srv,
		     enum state_mode mode, struct plan_state *ps)
{
	const char *url = srv->core.url;
	const char *pin = url[0] ? state_map_get(&st->core_keys, url) : NULL;
	const struct loc *loc = &srv->core_public_keys->loc;

	if (srv->core_public_keys->type != SV_NULL)
		return; /* the site names its Core's keys */
	if (!pin) {
		/* without a Core URL there is no register to pin with: the
		 * site's komodo_core_public_key or Periphery's default */
		if (mode != STATE_READ && url[0])
			warning("%s%s%s: Komodo Core's public key is not pinned "
				"yet, so Periphery %s; run 'pkgtool register' "
				"(it pins the key from GetCoreInfo), or set "
				"'komodo_core_public_key', and build again",
				srv->site_path, srv->host ? ": " : "",
				srv->host ? srv->host : "",
				srv->inbound
					? "accepts any Core key"
					: "trusts the first Core it reaches");
		return;
	}
	sval_free(ps->core_public_keys);
	ps->core_public_keys = sval_new(SV_SEQ, loc);
	sval_push(ps->core_public_keys, sval_scalar(pin, loc));
}

int keypair_apply(struct state *st, const struct plan_server *srv,
		  const struct version *v, enum state_mode mode,
		  struct plan_state *ps)
{
	if (v->major < 2)
		return 0;
	if (private_key(st, srv, mode, ps) < 0)
		return -1;
	core_key(st, srv, mode, ps);
	return 0;
}
