/* site_types.c - validation and normalisation of site values
 * SPDX-License-Identifier: MIT
 *
 * Every message names the key and says what would be accepted, because the
 * person reading it is editing a YAML file, not reading our code.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "pkgformat.h"
#include "render.h"
#include "site_types.h"
#include "sval.h"
#include "sysdir.h"
#include "banned.h"

/* No real list is this long; a hostile one must not cost quadratic time in
 * the duplicate checks. */
#define LIST_MAX 4096

typedef int (*check_fn)(struct sval *v, const char *name,
			const struct site *s);

struct site_type {
	const char *tag;
	check_fn check;
	int secret;
};

/* ---- helpers --------------------------------------------------------- */

const char *site_shape(const struct sval *v)
{
	switch (v->type) {
	case SV_NULL:
		return "nothing";
	case SV_SCALAR:
		return "a string";
	case SV_SEQ:
		return "a list";
	case SV_MAP:
		return "a mapping";
	}
	return "?";
}

int site_want_scalar(struct sval *v, const char *name, const char *what)
{
	if (v->type == SV_NULL) {
		v->type = SV_SCALAR;
		v->str = xstrdup("");
	}
	if (v->type != SV_SCALAR)
		return error_at(&v->loc, "'%s' must be %s, not %s", name, what,
				site_shape(v));
	return 0;
}

int site_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int site_one_of(struct sval *v, const char *name, const char *const *ok,
		  const char *hint)
{
	size_t i;

	if (site_want_scalar(v, name, "a string") < 0)
		return -1;
	for (i = 0; ok[i]; i++)
		if (!strcmp(v->str, ok[i]))
			return 0;
	return error_at(&v->loc, "'%s' is '%s'; %s", name, v->str, hint);
}

/* A string or a list of strings becomes a list: flattened, trimmed, empty
 * items dropped, duplicates removed (the role's normalisation). */
int site_to_list(struct sval *v, const char *name)
{
	struct sval *out = sval_new(SV_SEQ, &v->loc);
	size_t i, j;
	int r = 0;

	if (v->type == SV_NULL) {
		v->type = SV_SEQ;
		sval_free(out);
		return 0;
	}
	if (v->type == SV_MAP || (v->type == SV_SEQ && v->n > LIST_MAX)) {
		sval_free(out);
		if (v->type == SV_MAP)
			r = error_at(&v->loc, "'%s' must be a string or a list "
					      "of strings, not a mapping",
				     name);
		else
			r = error_at(&v->loc, "'%s' has more than %d items",
				     name, LIST_MAX);
		/* callers walk the items even after an error */
		sval_clear(v, SV_SEQ);
		return r;
	}
	if (v->type == SV_SCALAR) {
		struct sval *item = sval_copy(v);

		free(v->str);
		v->str = NULL;
		v->type = SV_SEQ;
		sval_push(v, item);
	}
	for (i = 0; i < v->n; i++) {
		struct sval *it = v->items[i];
		const char *b, *e;
		char *t;
		int dup = 0;

		if (it->type == SV_NULL)
			continue;
		if (it->type != SV_SCALAR) {
			r = error_at(&it->loc, "'%s' items must be strings, "
					       "not %s",
				     name, site_shape(it));
			continue;
		}
		for (b = it->str; isspace((unsigned char)*b); b++)
			;
		for (e = b + strlen(b); e > b && isspace((unsigned char)e[-1]);
		     e--)
			;
		if (e == b)
			continue;
		t = xstrndup(b, (size_t)(e - b));
		for (j = 0; j < out->n; j++)
			if (!strcmp(out->items[j]->str, t))
				dup = 1;
		if (!dup) {
			struct sval *n = sval_scalar(t, &it->loc);

			n->secret = it->secret;
			n->quoted = it->quoted;
			sval_push(out, n);
		}
		free(t);
	}
	for (i = 0; i < v->n; i++)
		sval_free(v->items[i]);
	free(v->items);
	v->items = out->items;
	v->n = out->n;
	v->alloc = out->alloc;
	out->items = NULL;
	out->n = 0;
	sval_free(out);
	return r;
}

/* ---- scalar types ---------------------------------------------------- */

int site_check_str(struct sval *v, const char *name, const struct site *s)
{
	if (site_want_scalar(v, name, "a string") < 0)
		return -1;
	if (strchr(v->str, '\n') || strchr(v->str, '\r'))
		return error_at(&v->loc, "'%s' must be a single line", name);
	return 0;
}

/* Length of the white space character (Rust's char::is_whitespace, which
 * Core's trim() uses) that ends at e, or 0. */
static size_t white_before(const char *b, const char *e)
{
	static const char *const wide[] = {
		"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
	};
	size_t i, n;

	if (e > b && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
		return 1;
	if (e - b >= 3 && !memcmp(e - 3, "\xe2\x80", 2) &&
	    (unsigned char)e[-1] >= 0x80 && (unsigned char)e[-1] <= 0x8a)
		return 3; /* U+2000..U+200A */
	for (i = 0; i < ARRAY_SIZE(wide); i++) {
		n = strlen(wide[i]);
		if ((size_t)(e - b) >= n && !memcmp(e - n, wide[i], n))
			return n;
	}
	return 0;
}

static size_t white_at(const char *p, const char *e)
{
	size_t n;

	/* a character is white at p when it is white ending at p + its
	 * length; its length is 1 to 3 here */
	for (n = 1; n <= 3 && p + n <= e; n++)
		if (white_before(p, p + n) == n)
			return n;
	return 0;
}

/* A server name as Komodo Core stores it (to_general_name: trimmed,
 * newlines turned into '_'); names that are valid ObjectIds are refused
 * by Core's CreateServer, and in ListServers they select by id. */
static int c_servername(struct sval *v, const char *name, const struct site *s)
{
	const char *b, *e;
	struct buf t = BUF_INIT;
	size_t i, n, hex = 0;
	int r = 0;

	if (site_want_scalar(v, name, "a string") < 0)
		return -1;
	b = v->str;
	e = b + strlen(b);
	while (b < e && (n = white_at(b, e)) > 0)
		b += n;
	while (e > b && (n = white_before(b, e)) > 0)
		e -= n;
	for (i = 0; b + i < e; i++) {
		buf_addch(&t, b[i] == '\n' ? '_' : b[i]);
		hex += isxdigit((unsigned char)b[i]) != 0;
	}
	if (!t.len && v->str[0])
		r = error_at(&v->loc, "'%s' is only white space; Komodo Core "
				      "trims names, so give the server a name",
			     name);
	else if (t.len == 24 && hex == 24 && !site_is_set(s, name) && s->host)
		/* the default is the host name: point at the host */
		r = error("%s: host '%s': its name is the default server_name, "
			  "and 24 hex digits are a Komodo id (ObjectId), which "
			  "Core refuses as a name; set another server_name in "
			  "the host's entry, e.g. 'server-%s'",
			  s->path, s->host, t.data);
	else if (t.len == 24 && hex == 24)
		r = error_at(&v->loc, "'%s' is '%s': 24 hex digits are a "
				      "Komodo id (ObjectId), which Core refuses "
				      "as a name; use another name, e.g. "
				      "'server-%s'",
			     name, t.data, t.data);
	else
		sval_set_str(v, t.data);
	buf_release(&t);
	return r;
}

static int c_secret(struct sval *v, const char *name, const struct site *s)
{
	if (site_want_scalar(v, name, "a string") < 0)
		return -1;
	v->secret = 1;
	return 0;
}

int site_check_bool(struct sval *v, const char *name, const struct site *s)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	size_t i;

	if (v->type == SV_SCALAR) {
		for (i = 0; i < ARRAY_SIZE(yes); i++) {
			if (!strcasecmp(v->str, yes[i])) {
				sval_set_str(v, "true");
				return 0;
			}
			if (!strcasecmp(v->str, no[i])) {
				sval_set_str(v, "false");
				return 0;
			}
		}
	}
	return error_at(&v->loc, "'%s' must be true or false, not %s%s%s",
			name, v->type == SV_SCALAR ? "'" : "",
			v->type == SV_SCALAR ? v->str : site_shape(v),
			v->type == SV_SCALAR ? "'" : "");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

static int c_port(struct sval *v, const char *name, const struct site *s)
{
	unsigned long n;

	if (site_want_scalar(v, name, "a port number") < 0)
		return -1;
	if (parse_uint(v->str, 65535, &n) < 0 || n == 0)
		return error_at(&v->loc, "'%s' must be a port number from 1 to "
					 "65535, not '%s'",
				name, v->str);
	return 0;
}

static int c_id(struct sval *v, const char *name, const struct site *s)
{
	unsigned long n;

	if (v->type == SV_NULL)
		return 0;
	if (site_want_scalar(v, name, "a number") < 0)
		return -1;
	if (parse_uint(v->str, 2147483646UL, &n) < 0)
		return error_at(&v->loc, "'%s' must be a number from 1 to "
					 "2147483646, not '%s'",
				name, v->str);
	if (n == 0)
		return error_at(&v->loc, "'%s' is 0, root's id on every host; "
					 "the agent runs commands for a remote "
					 "Komodo Core and must not have root's "
					 "rights; leave it empty to let the "
					 "host choose",
				name);
	return 0;
}

static int c_user(struct sval *v, const char *name, const struct site *s)
{
	const char *p;

	if (site_want_scalar(v, name, "a user or group name") < 0)
		return -1;
	/* the name is looked up on the host; uid/gid 0 is caught by !id */
	if (!strcmp(v->str, "root"))
		return error_at(&v->loc, "'%s' is 'root'; the agent runs "
					 "commands for a remote Komodo Core, "
					 "so its user and group must be "
					 "unprivileged ones of its own (e.g. "
					 "komodo), never root's",
				name);
	p = v->str;
	if (!p[0] || strlen(p) > 32 || !(islower((unsigned char)p[0]) ||
					 p[0] == '_'))
		goto bad;
	for (p++; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '_' && *p != '-')
			goto bad;
	return 0;
bad:
	return error_at(&v->loc, "'%s' is '%s'; a user or group name is 1-32 "
				 "characters of a-z, 0-9, '_' and '-', "
				 "starting with a letter or '_'",
			name, v->str);
}

int ip_valid(const char *s, int cidr)
{
	unsigned char addr[16];
	const char *slash = cidr ? strchr(s, '/') : NULL;
	char *ip = xstrndup(s, slash ? (size_t)(slash - s) : strlen(s));
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET, ok;
	unsigned long bits;

	ok = inet_pton(fam, ip, addr) == 1;
	free(ip);
	if (ok && slash)
		ok = parse_uint(slash + 1, fam == AF_INET6 ? 128 : 32, &bits) ==
		     0;
	return ok;
}

static int c_ip(struct sval *v, const char *name, const struct site *s)
{
	size_t n;

	if (site_want_scalar(v, name, "an IP address") < 0)
		return -1;
	n = strlen(v->str);
	if (n > 2 && v->str[0] == '[' && v->str[n - 1] == ']') {
		char *in = xstrndup(v->str + 1, n - 2);
		int ok = strchr(in, ':') && ip_valid(in, 0);

		free(in);
		if (ok)
			return 0;
	} else if (!strchr(v->str, ':') && ip_valid(v->str, 0)) {
		return 0;
	} else if (ip_valid(v->str, 0)) {
		return error_at(&v->loc, "'%s': write the IPv6 address in "
					 "brackets, '[%s]' (Periphery joins it "
					 "with the port)",
				name, v->str);
	}
	return error_at(&v->loc, "'%s' is '%s'; expected an IPv4 address such "
				 "as 0.0.0.0 or a bracketed IPv6 address "
				 "such as [::]",
			name, v->str);
}

static int c_cidrs(struct sval *v, const char *name, const struct site *s)
{
	size_t i;
	int r = site_to_list(v, name);

	for (i = 0; i < v->n; i++)
		if (!ip_valid(v->items[i]->str, 1))
			r = error_at(&v->items[i]->loc,
				     "'%s': '%s' is not an IP address or CIDR "
				     "(e.g. 10.0.0.5, 192.168.0.0/16, "
				     "::ffff:10.0.0.5)",
				     name, v->items[i]->str);
	return r;
}

static const char *const timelengths[] = {
	"1-sec",  "5-sec",  "10-sec", "15-sec", "30-sec", "1-min", "2-min",
	"5-min",  "10-min", "15-min", "30-min", "1-hr",	  "2-hr",  "6-hr",
	"8-hr",	  "12-hr",  "1-day",  "3-day",	"1-wk",	  "2-wk",  "30-day",
};
static const char *const timelengths_v2[] = { "2-sec", "3-sec", "3-min",
					      "3-hr", "2-day" };

int timelength_since(const char *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(timelengths); i++)
		if (!strcmp(t, timelengths[i]))
			return 1;
	for (i = 0; i < ARRAY_SIZE(timelengths_v2); i++)
		if (!strcmp(t, timelengths_v2[i]))
			return 2;
	return 0;
}

static int c_timelength(struct sval *v, const char *name,
			const struct site *s)
{
	if (site_want_scalar(v, name, "a time length") < 0)
		return -1;
	if (timelength_since(v->str))
		return 0;
	return error_at(&v->loc, "'%s' is '%s'; Komodo accepts only exact "
				 "values such as 5-sec, 30-sec, 1-min, 1-hr, "
				 "1-day (no '5s' or '5 sec')",
			name, v->str);
}

static int c_loglevel(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ok[] = { "trace", "debug", "info", "warn",
					  "error", NULL };

	return site_one_of(v, name, ok,
		      "expected trace, debug, info, warn or error "
		      "(Periphery has no 'off')");
}

static int c_stdio(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ok[] = { "standard", "json", "none", NULL };

	return site_one_of(v, name, ok, "expected standard, json or none");
}

static int c_scope(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ok[] = { "user", "system", NULL };

	return site_one_of(v, name, ok, "expected user or system");
}

static int c_source(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ok[] = { "github", "forge", NULL };

	return site_one_of(v, name, ok, "expected github or forge");
}

static int c_action(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ok[] = { "install", "update", NULL };

	if (v->type == SV_SCALAR && !strcmp(v->str, "uninstall"))
		return error_at(&v->loc,
				"'%s: uninstall' is not a build; remove the "
				"package on the host with 'apt remove' / "
				"'apt purge' or 'rpm -e'",
				name);
	return site_one_of(v, name, ok, "expected install or update");
}

static int version_tag_ok(const char *p)
{
	int i;

	if (*p == 'v')
		p++;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
		if (i < 2 && *p++ != '.')
			return 0;
	}
	if (*p == '-') {
		for (p++; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-')
				return 0;
		return p[-1] != '-';
	}
	return *p == '\0';
}

static int c_version(struct sval *v, const char *name, const struct site *s)
{
	if (site_want_scalar(v, name, "a version") < 0)
		return -1;
	if (!strcmp(v->str, "latest") || !strcmp(v->str, "core") ||
	    version_tag_ok(v->str))
		return 0;
	return error_at(&v->loc, "'%s' is '%s'; expected a release tag such as "
				 "v1.19.5 or 1.19.5, 'latest' or 'core'",
			name, v->str);
}

static int c_asset(struct sval *v, const char *name, const struct site *s)
{
	const char *p;

	if (site_want_scalar(v, name, "an asset name") < 0)
		return -1;
	for (p = v->str; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return error_at(&v->loc, "'%s': '%s' is not a release "
						 "asset name",
					name, v->str);
	return 0;
}

static int url_ok(const char *u, const char *const *schemes)
{
	size_t i;

	for (i = 0; schemes[i]; i++)
		if (starts_with(u, schemes[i]) && u[strlen(schemes[i])] &&
		    u[strlen(schemes[i])] != '/')
			return !site_has_control(u) && !strpbrk(u, " \"\\");
	return 0;
}

static int c_url(struct sval *v, const char *name, const struct site *s)
{
	static const char *const http[] = { "https://", "http://", NULL };

	if (site_want_scalar(v, name, "a URL") < 0)
		return -1;
	if (!v->str[0] || url_ok(v->str, http))
		return 0;
	return error_at(&v->loc, "'%s' is '%s'; expected an http:// or "
				 "https:// URL",
			name, v->str);
}

static int c_wsurls(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ws[] = { "wss://", "ws://", NULL };
	size_t i;
	int r = site_to_list(v, name);

	for (i = 0; i < v->n; i++) {
		const char *u = v->items[i]->str;

		if (url_ok(u, ws))
			continue;
		if (starts_with(u, "https://") || starts_with(u, "http://"))
			r = error_at(&v->items[i]->loc,
				     "'%s': '%s' is an HTTP URL; Core's "
				     "address is a websocket URL, write "
				     "'%s%s'",
				     name, u,
				     starts_with(u, "https") ? "wss://" : "ws://",
				     strstr(u, "://") + 3);
		else
			r = error_at(&v->items[i]->loc,
				     "'%s': '%s' is not a ws:// or wss:// URL",
				     name, u);
	}
	return r;
}

static int c_keylist(struct sval *v, const char *name, const struct site *s)
{
	size_t i;
	int r;

	if (v->type == SV_NULL)
		return 0;
	r = site_to_list(v, name);
	for (i = 0; i < v->n; i++)
		v->items[i]->secret = 0; /* public keys are not secret */
	return r;
}

static int c_secrets(struct sval *v, const char *name, const struct site *s)
{
	size_t i;
	int r = site_to_list(v, name);

	for (i = 0; i < v->n; i++) {
		v->items[i]->secret = 1;
		if (strchr(v->items[i]->str, ','))
			r = error_at(&v->items[i]->loc,
				     "'%s': a passkey cannot contain ','",
				     name);
	}
	return r;
}

static const char *const arch_names[][2] = {
	{ "amd64", "amd64" },
	{ "x86_64", "amd64" },
	{ "arm64", "arm64" },
	{ "aarch64", "arm64" },
};

const char *site_arch_norm(const char *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arch_names); i++)
		if (!strcmp(a, arch_names[i][0]))
			return arch_names[i][1];
	return NULL;
}

/* A scalar, or a map from architecture to scalar. */
static int per_arch(struct sval *v, const char *name, const struct site *s,
		    int (*each)(struct sval *, const char *,
				const struct site *))
{
	size_t i;
	int r = 0;

	if (v->type != SV_MAP) {
		if (site_want_scalar(v, name, "a string or a map of architectures") <
		    0)
			return -1;
		return each(v, name, s);
	}
	for (i = 0; i < v->n; i++) {
		const char *a = site_arch_norm(v->keys[i]);

		if (!a) {
			r = error_at(&v->key_locs[i],
				     "'%s': unsupported architecture '%s' "
				     "(amd64/x86_64 or arm64/aarch64)",
				     name, v->keys[i]);
			continue;
		}
		free(v->keys[i]);
		v->keys[i] = xstrdup(a);
		if (site_want_scalar(v->items[i], name, "a string") < 0 ||
		    each(v->items[i], name, s) < 0)
			r = -1;
	}
	return r;
}

static int c_binpath(struct sval *v, const char *name, const struct site *s)
{
	return per_arch(v, name, s, site_check_input_file);
}

static int one_sha256(struct sval *v, const char *name, const struct site *s)
{
	const char *p = v->str;
	size_t n = 0;

	if (starts_with(p, "sha256:"))
		p += 7;
	for (; p[n]; n++)
		if (!isxdigit((unsigned char)p[n]))
			break;
	if (!v->str[0])
		return 0;
	if (n != 64 || p[n])
		return error_at(&v->loc, "'%s' must be 64 hexadecimal digits",
				name);
	sval_set_str(v, p);
	return 0;
}

static int c_sha256(struct sval *v, const char *name, const struct site *s)
{
	return per_arch(v, name, s, one_sha256);
}

/* clang-format off */
static const struct site_type types[] = {
	{ "!str", site_check_str, 0 },
	{ "!servername", c_servername, 0 },
	{ "!secret", c_secret, 1 },
	{ "!bool", site_check_bool, 0 },
	{ "!port", c_port, 0 },
	{ "!id", c_id, 0 },
	{ "!path", site_check_path, 0 },
	{ "!confpath", site_check_confpath, 0 },
	{ "!home", site_check_home, 0 },
	{ "!datadir", site_check_datadir, 0 },
	{ "!confdir", site_check_confdir, 0 },
	{ "!user", c_user, 0 },
	{ "!ip", c_ip, 0 },
	{ "!cidrs", c_cidrs, 0 },
	{ "!timelength", c_timelength, 0 },
	{ "!loglevel", c_loglevel, 0 },
	{ "!stdio", c_stdio, 0 },
	{ "!scope", c_scope, 0 },
	{ "!source", c_source, 0 },
	{ "!action", c_action, 0 },
	{ "!version", c_version, 0 },
	{ "!asset", c_asset, 0 },
	{ "!url", c_url, 0 },
	{ "!wsurls", c_wsurls, 0 },
	{ "!keylist", c_keylist, 0 },
	{ "!secrets", c_secrets, 1 },
	{ "!binpath", c_binpath, 0 },
	{ "!sha256", c_sha256, 0 },
	{ "!bindir", site_check_bindir, 0 },
	{ "!binfile", site_check_binfile, 0 },
	{ "!template", site_check_template, 0 },
	{ "!paths", site_check_paths, 0 },
	{ "!gitproviders", site_check_gitproviders, 1 },
	{ "!registries", site_check_registries, 1 },
	{ "!namevalues", site_check_namevalues, 1 },
	{ "!envvars", site_check_envvars, 1 },
	{ "!pkgname", site_check_pkgname, 0 },
	{ "!release", site_check_release, 0 },
	{ "!maintainer", site_check_maintainer, 0 },
	{ "!formats", site_check_formats, 0 },
	{ "!arches", site_check_arches, 0 },
	{ "!compression", site_check_compression, 0 },
	{ "!unitoverrides", site_check_unitoverrides, 0 },
};
/* clang-format on */

const struct site_type *site_type_find(const char *tag)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i].tag, tag))
			return &types[i];
	return NULL;
}

int site_type_check(const struct site_type *t, struct sval *v,
		    const char *name, const struct site *s)
{
	return t->check(v, name, s);
}
