/* unit.h - the systemd unit, its sandbox and the site's drop-in
 * SPDX-License-Identifier: MIT
 *
 * Each site value lands in a directive in the one form systemd reads back as
 * exactly that value (systemd.syntax(7), systemd.unit(5) specifiers): what
 * cannot be expressed is refused at the value's site location. The sandbox
 * is what the agent's job allows: it runs docker/compose, git and user
 * commands in its root directory and needs the network and the docker
 * socket; the user-scope unit only uses directives a user manager can apply.
 */
#ifndef PKGTOOL_UNIT_H
#define PKGTOOL_UNIT_H

#include "buf.h"
#include "plan.h"
#include "site.h"
#include "version.h"

/* Where the drop-in with komodo_service_overrides goes, below the unit
 * directory of the scope ("<dir>/periphery.service.d/" UNIT_DROPIN). */
#define UNIT_DROPIN "50-site-overrides.conf"

/* How a word is read back: ExecStart= expands "$VAR", Environment= and the
 * path lists do not. */
enum unit_word { UNIT_WORD_EXEC, UNIT_WORD_PLAIN };

/* Appends s as one word: as it is when it has only [A-Za-z0-9/._-+,:=@]
 * and UTF-8, else double-quoted with "\\", "\"", "%%" (and "$$" for
 * UNIT_WORD_EXEC). -1 (nothing reported) if s has a control character,
 * which no unit line can carry as it is. */
int unit_word(struct buf *out, const char *s, enum unit_word how);

/* s and pc only for a komodo_service_file_template; the rest is u. */
int render_unit(const struct site *s, const struct plan_config *pc,
		const struct plan_unit *u, const struct version *v,
		struct buf *out);
/* The drop-in for komodo_service_overrides; empty when there is none. */
int render_unit_dropin(const struct plan_unit *u, struct buf *out);

#endif
