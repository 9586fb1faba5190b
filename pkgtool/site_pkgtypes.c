/* site_pkgtypes.c - site values of the package itself: name, release,
 * maintainer, formats, architectures, compression, unit overrides
 * SPDX-License-Identifier: MIT
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

/* ---- packaging ------------------------------------------------------- */

int site_check_pkgname(struct sval *v, const char *name, const struct site *s)
{
	const char *p;

	if (site_want_scalar(v, name, "a package name") < 0)
		return -1;
	p = v->str;
	if (strlen(p) < 2 || !(islower((unsigned char)*p) ||
			       isdigit((unsigned char)*p)))
		goto bad;
	for (; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("+.-", *p))
			goto bad;
	/* the name is a path too: /var/lib/NAME (deleted on purge),
	 * /usr/share/doc/NAME, /usr/lib/sysusers.d/NAME.conf */
	if (!site_name_is_ours(v->str))
		return error_at(&v->loc, "'%s' is '%s', which may be another "
					 "package's name or directory (purge "
					 "deletes /var/lib/%s); use a name with "
					 "'komodo' or 'periphery' in it, e.g. "
					 "komodo-periphery or %s-komodo",
				name, v->str, v->str, v->str);
	return 0;
bad:
	return error_at(&v->loc, "'%s' is '%s'; a package name is lower-case "
				 "letters, digits, '+', '-' and '.', at least "
				 "two characters",
			name, v->str);
}

int site_check_release(struct sval *v, const char *name, const struct site *s)
{
	const char *p;

	if (site_want_scalar(v, name, "a release") < 0)
		return -1;
	if (!isalnum((unsigned char)v->str[0]) || !strcmp(v->str, "0"))
		goto bad;
	for (p = v->str; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+~", *p))
			goto bad;
	return 0;
bad:
	return error_at(&v->loc, "'%s' is '%s'; a release is letters, digits, "
				 "'.', '+' and '~' (no '-'), not 0, e.g. 1",
			name, v->str);
}

int site_check_maintainer(struct sval *v, const char *name,
			const struct site *s)
{
	const char *lt, *at, *gt;

	if (site_want_scalar(v, name, "'Name <email>'") < 0)
		return -1;
	lt = strchr(v->str, '<');
	at = lt ? strchr(lt, '@') : NULL;
	gt = at ? strchr(at, '>') : NULL;
	if (!lt || lt == v->str || lt[-1] != ' ' || !at || !gt || gt[1] ||
	    site_has_control(v->str))
		return error_at(&v->loc, "'%s' is '%s'; expected 'Full Name "
					 "<address@example.org>'",
				name, v->str);
	return 0;
}

int site_check_formats(struct sval *v, const char *name, const struct site *s)
{
	size_t i;
	int r = site_to_list(v, name);

	if (!r && !v->n)
		return error_at(&v->loc, "'%s' is empty; give deb, rpm or "
					 "both",
				name);
	for (i = 0; i < v->n; i++)
		if (!pkg_format_find(v->items[i]->str)) {
			struct buf names = BUF_INIT;

			pkg_format_names(&names);
			r = error_at(&v->items[i]->loc,
				     "'%s': unknown format '%s' (%s)", name,
				     v->items[i]->str, names.data);
			buf_release(&names);
		}
	return r;
}

int site_check_arches(struct sval *v, const char *name, const struct site *s)
{
	size_t i;
	int r = site_to_list(v, name);

	if (!r && !v->n)
		return error_at(&v->loc, "'%s' is empty; give amd64, arm64 "
					 "or both",
				name);
	for (i = 0; i < v->n; i++) {
		const char *a = site_arch_norm(v->items[i]->str);

		if (!a)
			r = error_at(&v->items[i]->loc,
				     "'%s': unsupported architecture '%s'; "
				     "Komodo publishes Periphery for amd64 "
				     "(x86_64) and arm64 (aarch64) only",
				     name, v->items[i]->str);
		else
			sval_set_str(v->items[i], a);
	}
	return r;
}

static int one_comp(struct sval *v, const char *name, const struct site *s)
{
	static const char *const ok[] = { "xz", "zstd", "gzip", NULL };

	return site_one_of(v, name, ok,
		      "expected xz, zstd or gzip (dpkg and lintian reject "
		      "uncompressed members)");
}

int site_check_compression(struct sval *v, const char *name,
			 const struct site *s)
{
	size_t i;
	int r = 0;

	if (v->type != SV_MAP)
		return one_comp(v, name, s);
	for (i = 0; i < v->n; i++) {
		if (!pkg_format_find(v->keys[i])) {
			struct buf names = BUF_INIT;

			pkg_format_names(&names);
			r = error_at(&v->key_locs[i],
				     "'%s': '%s' is not a format (%s)", name,
				     v->keys[i], names.data);
			buf_release(&names);
		} else if (one_comp(v->items[i], name, s) < 0)
			r = -1;
	}
	return r;
}

/* ---- komodo_service_overrides (unit.c ships them as a drop-in) -------- */

static int override_line(const struct sval *l, const char *name)
{
	const char *p = l->str;

	if (l->type != SV_SCALAR)
		return error_at(&l->loc, "'%s': each override is one "
					 "'Directive=value' string, not %s",
				name, site_shape(l));
	if (l->secret)
		return error_at(&l->loc, "'%s': the drop-in is world-readable "
					 "(0644); a secret cannot go there (use "
					 "komodo_extra_env)",
				name);
	if (site_has_control(p))
		return error_at(&l->loc, "'%s': this item has a newline or "
					 "control character; give one directive "
					 "per list item",
				name);
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		goto bad;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	       (*p >= '0' && *p <= '9'))
		p++;
	if (*p == '=')
		return 0;
bad:
	return error_at(&l->loc, "'%s': '%s' is not 'Directive=value' "
				 "(e.g. 'ReadWritePaths=/srv/data')",
			name, l->str);
}

static int override_list(const struct sval *v, const char *name)
{
	size_t i;
	int r = 0;

	if (v->type != SV_SEQ)
		return error_at(&v->loc, "'%s' must be a list of "
					 "'Directive=value' strings, not %s",
				name, site_shape(v));
	for (i = 0; i < v->n; i++)
		if (override_line(v->items[i], name) < 0)
			r = -1;
	return r;
}

/* A list (for [Service]) or a map from Unit, Service or Install to lists. */
int site_check_unitoverrides(struct sval *v, const char *name,
			   const struct site *s)
{
	static const char *const sections[] = { "Unit", "Service", "Install" };
	size_t i, j;
	int r = 0;

	if (v->type == SV_NULL) {
		v->type = SV_SEQ;
		return 0;
	}
	if (v->type != SV_MAP)
		return override_list(v, name);
	for (i = 0; i < v->n; i++) {
		for (j = 0; j < ARRAY_SIZE(sections); j++)
			if (!strcmp(v->keys[i], sections[j]))
				break;
		if (j == ARRAY_SIZE(sections))
			r = error_at(&v->key_locs[i], "'%s': unknown section "
						      "'%s' (Unit, Service or "
						      "Install)",
				     name, v->keys[i]);
		else if (v->items[i]->type != SV_NULL &&
			 override_list(v->items[i], name) < 0)
			r = -1;
	}
	return r;
}
