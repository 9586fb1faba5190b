/* unit.c - the systemd unit, its sandbox and the site's drop-in
 * SPDX-License-Identifier: MIT
 *
 * Quoting follows what systemd does with each directive's value (read in
 * src/core/load-fragment.c): ExecStart= splits words (quotes and C escapes),
 * expands specifiers, then "$VAR" at exec time; Environment= splits words
 * and expands specifiers but never "$"; WorkingDirectory= takes the rest of
 * the line as one path, unquoted, with specifiers; ReadWritePaths= splits
 * words (quotes, backslash escapes) and expands specifiers.
 */
#include <string.h>

#include "render.h"
#include "sysdir.h"
#include "unit.h"
#include "util.h"
#include "banned.h"

/* Words that need no quotes stay readable in the golden files. */
static int plain_word(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!*p)
		return 0;
	for (; *p; p++)
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/._-+,:=@", *p)))
			return 0;
	return 1;
}

static int quote(struct buf *out, const char *s, enum unit_word how)
{
	const unsigned char *p;

	buf_addch(out, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if (*p == '"' || *p == '\\')
			buf_addch(out, '\\');
		else if (*p == '%')
			buf_addch(out, '%');
		else if (*p == '$' && how == UNIT_WORD_EXEC)
			buf_addch(out, '$');
		buf_addch(out, *p);
	}
	buf_addch(out, '"');
	return 0;
}

int unit_word(struct buf *out, const char *s, enum unit_word how)
{
	if (plain_word(s)) {
		buf_addstr(out, s);
		return 0;
	}
	return quote(out, s, how);
}

static int word(struct buf *out, const struct plan_str *v, const char *s,
		enum unit_word how)
{
	if (unit_word(out, s, how) < 0)
		return error_at(v->loc,
				"'%s' has a control character, which a unit "
				"file cannot carry",
				v->key);
	return 0;
}

/* WorkingDirectory= reads the line as it is: only '%' needs escaping, and
 * what the parser would strip or join (trailing blank, trailing '\' as a
 * line continuation) cannot be written at all. */
static int unit_path(struct buf *out, const struct plan_str *v)
{
	const char *p = v->s, *key = v->key;
	size_t n = strlen(p);

	if (!n || strchr(" \t\\", p[n - 1]) || p[0] != '/')
		return error_at(v->loc,
				"'%s' is '%s'; a unit's WorkingDirectory= "
				"cannot hold a path that ends in a blank or "
				"'\\' (remove it)",
				key, p);
	for (; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return error_at(v->loc,
					"'%s' has a control character, which "
					"a unit file cannot carry",
					key);
		if (*p == '%')
			buf_addch(out, '%');
		buf_addch(out, *p);
	}
	return 0;
}

static int env_line(struct buf *out, const char *name,
		    const struct plan_str *v)
{
	struct buf w = BUF_INIT;
	int r;

	buf_addf(&w, "%s=%s", name, v->s);
	buf_addstr(out, "Environment=");
	r = word(out, v, w.data, UNIT_WORD_PLAIN);
	buf_addch(out, '\n');
	buf_release(&w);
	return r;
}

/* ---- sandbox --------------------------------------------------------------- */

/* Both scopes. Every line was tried with the test agent in booted Debian 12
 * and 13 containers (tests/e2e/sandbox.sh): docker socket, git, ptys, TCP
 * and writes below the root directory keep working. Not used, and why:
 * PrivateNetwork/IPAddressDeny (Core and registries), MemoryDenyWrite-
 * Execute (user commands may run JIT runtimes), ProtectProc=invisible and
 * ProcSubset=pid (stats and the process list read /proc), SystemCall-
 * Filter=~@privileged (cp -p, rsync -a and tar -p in user commands chown
 * their own files to keep the group). */
static const char sandbox_common[] =
	"NoNewPrivileges=yes\n"
	"PrivateTmp=yes\n"
	"PrivateMounts=yes\n"
	"ProtectSystem=strict\n"
	"ProtectHome=read-only\n"
	"ProtectKernelTunables=yes\n"
	"ProtectKernelModules=yes\n"
	"ProtectControlGroups=yes\n"
	"ProtectClock=yes\n"
	"ProtectHostname=yes\n"
	"KeyringMode=private\n"
	"RestrictSUIDSGID=yes\n"
	"RestrictRealtime=yes\n"
	"RestrictNamespaces=yes\n"
	"LockPersonality=yes\n"
	/* netlink: glibc's getaddrinfo(AI_ADDRCONFIG) asks the kernel */
	"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"
	"SystemCallArchitectures=native\n"
	"SystemCallFilter=@system-service\n"
	"SystemCallErrorNumber=EPERM\n";

/* A user manager holds no capabilities: CapabilityBoundingSet= and
 * PrivateDevices= fail there with 218/CAPABILITIES on systemd 252 unless
 * PrivateUsers=yes runs the service in its own user namespace first, and
 * ProtectKernelLogs= fails with 226/NAMESPACE where /proc/kmsg is absent
 * (containers). All measured by tests/e2e/sandbox.sh on 252 and 257. The
 * user unit keeps to what starts even when a site sets PrivateUsers=no;
 * PrivateUsers=yes is what its namespacing options imply there anyway. */
static const char sandbox_system[] = "ProtectKernelLogs=yes\n"
				     "CapabilityBoundingSet=\n"
				     "AmbientCapabilities=\n"
				     "PrivateDevices=yes\n"
				     "DevicePolicy=closed\n"
				     "RemoveIPC=yes\n";
static const char sandbox_user[] = "PrivateUsers=yes\n";

/* ReadWritePaths=: the home (git and docker config) and every directory
 * the agent writes, once ("-": a directory made later is no error). */
static int rw_paths(struct buf *out, const struct plan_unit *u)
{
	const struct plan_str *keys = u->rw;
	struct buf norm[ARRAY_SIZE(u->rw)], w = BUF_INIT;
	size_t i, j, n = 0;
	int r = 0;

	buf_addstr(out, "ReadWritePaths=");
	for (i = 0; i < ARRAY_SIZE(u->rw); i++) {
		int covered = 0;

		buf_init(&norm[i]);
		if (path_normalise(keys[i].s, &norm[i]) < 0)
			continue;
		for (j = 0; j < i && !covered; j++)
			covered = norm[j].len &&
				  path_within(norm[i].data, norm[j].data);
		if (covered)
			continue;
		buf_reset(&w);
		buf_addf(&w, "-%s", norm[i].data);
		if (n++)
			buf_addch(out, ' ');
		if (word(out, &keys[i], w.data, UNIT_WORD_PLAIN) < 0)
			r = -1;
	}
	buf_addch(out, '\n');
	for (i = 0; i < ARRAY_SIZE(u->rw); i++)
		buf_release(&norm[i]);
	buf_release(&w);
	return r;
}

/* ---- the unit -------------------------------------------------------------- */

/* The role's UID=/GID= (its PR #42: compose files use them). A user
 * manager knows its own ids (%U, %G); in system scope the postinst writes
 * a drop-in with the ids the account got, unless the site fixes them. */
static void ids(struct buf *out, const struct plan_unit *u)
{
	if (!u->system_scope) {
		buf_addstr(out, "Environment=UID=%U GID=%G\n");
		return;
	}
	if (u->uid.s[0])
		buf_addf(out, "Environment=UID=%s\n", u->uid.s);
	if (u->gid.s[0])
		buf_addf(out, "Environment=GID=%s\n", u->gid.s);
}

static int builtin_unit(const struct plan_unit *u, struct buf *out)
{
	int sys = u->system_scope;
	int r = 0;

	buf_addstr(out, "# Generated by pkgtool; override with 'systemctl ");
	buf_addstr(out, sys ? "" : "--user ");
	buf_addstr(out, "edit periphery' or komodo_service_overrides.\n");
	buf_addstr(out, "[Unit]\n"
			"Description=Komodo Periphery agent\n"
			"Documentation=https://komo.do/docs\n");
	if (sys)
		buf_addstr(out, "After=network-online.target docker.service\n"
				"Wants=network-online.target\n");
	else
		buf_addf(out, "ConditionUser=%s\n", u->user.s);
	/* the role's values (its PR #45): at boot a bind IP that is not up
	 * yet crash-loops the agent; give it 15 minutes of retries */
	buf_addstr(out, "StartLimitIntervalSec=15min\n"
			"StartLimitBurst=180\n"
			"\n[Service]\nType=simple\n");
	if (sys)
		buf_addf(out, "User=%s\nGroup=%s\n", u->user.s, u->group.s);
	buf_addstr(out, "WorkingDirectory=");
	r |= unit_path(out, &u->home);
	buf_addch(out, '\n');
	r |= env_line(out, "HOME", &u->home);
	buf_addstr(out, "Environment=PATH=/usr/local/sbin:/usr/local/bin:"
			"/usr/sbin:/usr/bin:/sbin:/bin\n");
	ids(out, u);
	/* secrets stay out of the world-readable unit (the role's pitfall) */
	buf_addstr(out, "EnvironmentFile=-" ENV_FILE "\n");
	buf_addstr(out, "ExecStart=" PERIPHERY_BIN " --config-path ");
	r |= word(out, &u->config_path, u->config_path.s, UNIT_WORD_EXEC);
	/* UMask: the role's 0022. The home is 0750, so other host users
	 * still cannot reach the files; containers that bind-mount compose
	 * files and repos (as any uid) can read them */
	buf_addstr(out, "\nRestart=on-failure\nRestartSec=5s\n"
			"TimeoutStopSec=30s\nUMask=0022\n");
	buf_addstr(out, sandbox_common);
	buf_addstr(out, sys ? sandbox_system : sandbox_user);
	r |= rw_paths(out, u);
	buf_addf(out, "\n[Install]\nWantedBy=%s\n",
		 sys ? "multi-user.target" : "default.target");
	return r ? -1 : 0;
}

int render_unit(const struct site *s, const struct plan_config *pc,
		const struct plan_unit *u, const struct version *v,
		struct buf *out)
{
	/* a custom template names site values itself: data, by name */
	if (u->template.s[0])
		return render_template(s, pc, v, &u->template, 0, out);
	return builtin_unit(u, out);
}

/* ---- komodo_service_overrides ---------------------------------------------- */

static void section(struct buf *out, const char *name, const struct sval *l)
{
	size_t i;

	buf_addf(out, "\n[%s]\n", name);
	for (i = 0; i < l->n; i++)
		buf_addf(out, "%s\n", l->items[i]->str);
}

/* The lines are the site's own unit syntax, validated by the site type
 * (known section, "Name=value", no control characters, no secret). */
int render_unit_dropin(const struct plan_unit *u, struct buf *out)
{
	const struct sval *o = u->overrides;
	size_t i;

	if (!o || !o->n)
		return 0;
	buf_addstr(out, "# Generated by pkgtool from komodo_service_overrides "
			"in the site file.\n");
	if (o->type == SV_SEQ)
		section(out, "Service", o);
	else
		for (i = 0; i < o->n; i++)
			if (o->items[i]->type == SV_SEQ && o->items[i]->n)
				section(out, o->keys[i], o->items[i]);
	return 0;
}
