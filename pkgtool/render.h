/* render.h - text the package ships: Periphery config, units, sysusers
 * SPDX-License-Identifier: MIT
 *
 * Every function appends to out and returns 0, or reports (at the site
 * location that caused it) and returns -1. Rendering is pure: the same site
 * and version give the same bytes. Secrets only ever reach the config and
 * the environment file, both shipped 0640; never the unit files.
 */
#ifndef PKGTOOL_RENDER_H
#define PKGTOOL_RENDER_H

#include "buf.h"
#include "site.h"
#include "unit.h"
#include "version.h"

/* Where the packaged files live (DESIGN §3). */
#define PERIPHERY_BIN "/usr/bin/periphery"
#define UNIT_NAME "periphery.service"
#define SYSTEM_UNIT_DIR "/usr/lib/systemd/system"
#define USER_UNIT_DIR "/usr/lib/systemd/user"
#define ENV_FILE "/etc/komodo/periphery.env"
#define KEYS_DIR "/etc/komodo/keys"

/* s only for a komodo_config_file_template; the rest comes from pc. */
int render_config(const struct site *s, const struct plan_config *pc,
		  const struct version *v, struct buf *out);
/* Expands the site's own template file tmpl (a plan_unit/plan_config
 * template: its path and where the site names it); its {{ name }}s are
 * site variables by the user's names. Without allow_secrets (files that
 * are not secret-mode) a secret value is refused as if unknown, with a
 * note that says why. */
int render_template(const struct site *s, const struct plan_config *pc,
		    const struct version *v, const struct plan_str *tmpl,
		    int allow_secrets, struct buf *out);
/* systemd EnvironmentFile for komodo_extra_env; empty when there is none. */
int render_env(const struct plan_config *pc, struct buf *out);
int render_sysusers(const struct plan_unit *u, struct buf *out);

/* A raw key from the site that the package ships as a file. */
struct render_keyfile {
	char path[256];		/* payload path under KEYS_DIR */
	struct buf pem;
	int secret;		/* private key: mode 0640 */
};
/* Lists the key files for v >= 2.0.0 (see the role's key handling);
 * *n is set to their number. Caller releases each pem. */
int render_keyfiles(const struct plan_config *pc, const struct version *v,
		    struct render_keyfile *out, size_t max, size_t *n);

#endif
