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

int keypair_managed(const struct site *s)
{
	return !site_is_set(s, "komodo_private_key") &&
	       site_str(s, "komodo_private_key")[0];
}

int keypair_public(const struct site *s, struct buf *out)
{
	const char *priv = site_str(s, "komodo_private_key");

	if (!priv[0] || starts_with(priv, "file:"))
		return 0;
	if (crypto_x25519_public(priv, out) < 0)
		return error_at(site_loc(s, "komodo_private_key"),
				"'komodo_private_key' is no X25519 private key "
				"(base64 PKCS#8 as 'periphery key generate' "
				"prints it, or PEM)");
	return 0;
}

static int private_key(struct state *st, struct site *s,
		       enum state_mode mode)
{
	const char *server = s->host ? s->host : SITE_KEY;
	const char *kept = state_map_get(&st->private_keys, server);
	struct buf key = BUF_INIT;

	if (site_is_set(s, "komodo_private_key"))
		return 0; /* the site's own key, or file: */
	if (kept && mode != STATE_ROTATE) {
		site_set_secret(s, "komodo_private_key", kept);
	} else if (mode != STATE_READ) {
		if (crypto_x25519_generate(&key) < 0)
			return -1;
		state_map_put(st, &st->private_keys, server, key.data);
		site_set_secret(s, "komodo_private_key", key.data);
		buf_wipe(&key);
	} else {
		return 0;
	}
	/* the package's key is the truth: the postinst replaces the
	 * agent's copy, so a rotated key reaches the host */
	if (!site_is_set(s, "allow_overwrite_key_files"))
		site_set_value(s, "allow_overwrite_key_files",
			       sval_scalar("true", site_loc(s,
					   "allow_overwrite_key_files")));
	return 0;
}

static void core_key(struct state *st, struct site *s, enum state_mode mode)
{
	const char *url = site_str(s, "komodo_core_http_address");
	const char *pin = url[0] ? state_map_get(&st->core_keys, url) : NULL;
	const struct loc *loc = site_loc(s, "komodo_core_public_key");
	struct sval *list;

	if (site_get(s, "komodo_core_public_key")->type != SV_NULL)
		return; /* the site names its Core's keys */
	if (!pin) {
		/* without a Core URL there is no register to pin with: the
		 * site's komodo_core_public_key or Periphery's default */
		if (mode != STATE_READ && url[0])
			warning("%s%s%s: Komodo Core's public key is not pinned "
				"yet, so Periphery %s; run 'pkgtool register' "
				"(it pins the key from GetCoreInfo), or set "
				"'komodo_core_public_key', and build again",
				s->path, s->host ? ": " : "",
				s->host ? s->host : "",
				site_bool(s, "komodo_server_enabled")
					? "accepts any Core key"
					: "trusts the first Core it reaches");
		return;
	}
	list = sval_new(SV_SEQ, loc);
	sval_push(list, sval_scalar(pin, loc));
	site_set_value(s, "komodo_core_public_key", list);
}

int keypair_apply(struct state *st, struct site *s, const struct version *v,
		  enum state_mode mode)
{
	if (v->major < 2)
		return 0;
	if (private_key(st, s, mode) < 0)
		return -1;
	core_key(st, s, mode);
	return 0;
}
