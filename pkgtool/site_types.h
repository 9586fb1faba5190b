/* site_types.h - value types of site variables (private to site*.c)
 * SPDX-License-Identifier: MIT
 *
 * Each defaults.yml entry names a type with its YAML tag (!path, !cidrs,
 * ...). site_type_check() validates a value in place and normalises it
 * (bools to "true"/"false", string-or-list types to a clean list, relative
 * file paths made absolute against the site directory). It reports every
 * problem at the value's location and returns -1.
 */
#ifndef PKGTOOL_SITE_TYPES_H
#define PKGTOOL_SITE_TYPES_H

#include "buf.h"
#include "site.h"

struct site_type;

struct site_var {
	char *name;
	const struct site_type *type;
	struct sval *def;	/* from defaults.yml */
	struct sval *val;	/* final value */
	int set;		/* given in the site file */
	int expanded;		/* 0 not yet, 1 in progress, 2 done, -1 failed */
};

/* site_hosts.c: an inventory ("all:" with hosts, vars and children)
 * becomes a site in place; site_take_hosts() takes the hosts: map out of
 * root, lists its names in s->hosts and hands over the entry of want
 * (NULL for the whole site). Both report and return -1 on errors. */
int site_inventory_flatten(struct sval **rootp);
int site_take_hosts(struct site *s, struct sval *root, const char *want,
		    struct sval **entry);

/* site_source.c: site_read_capped() reads at most max bytes of path;
 * with regular, anything but a regular file is refused before a byte is
 * read (O_NONBLOCK: opening a FIFO does not wait for a writer). Returns 0
 * or a READ_* code (errno set for READ_ERRNO) and reports nothing.
 * site_source_tag() makes the value of "!env NAME", "!file PATH" (relative
 * to dir) or "!vault TEXT", or reports at loc and returns NULL. */
enum { READ_ERRNO = -1, READ_TOO_BIG = -2, READ_NOT_REGULAR = -3 };
int site_read_capped(const char *path, size_t max, int regular,
		     struct buf *out);
struct sval *site_source_tag(const char *dir, const char *tag,
			     const char *text, const struct loc *loc);

/* Checks shared by site_types.c and site_lists.c (same contract as
 * site_type_check: report at the value, return -1). site_want_scalar()
 * turns null into "" and refuses lists and maps; site_to_list() makes a
 * string or list of strings a clean list (a refused value becomes an
 * empty list, safe to walk); site_shape() names a value's shape. */
int site_want_scalar(struct sval *v, const char *name, const char *what);
int site_to_list(struct sval *v, const char *name);
const char *site_shape(const struct sval *v);
int site_check_str(struct sval *v, const char *name, const struct site *s);
int site_check_bool(struct sval *v, const char *name, const struct site *s);

/* Shared by the checks of site_types.c, site_paths.c (values naming paths
 * on the target) and site_pkgtypes.c (the package's own values); each
 * check reports at the value's location and returns -1. */
int site_has_control(const char *s);
int site_one_of(struct sval *v, const char *name, const char *const *ok,
		const char *hint);
const char *site_arch_norm(const char *a);
int site_check_input_file(struct sval *v, const char *name,
		const struct site *s);
int site_check_path(struct sval *v, const char *name, const struct site *s);
int site_name_is_ours(const char *name);
int site_check_confpath(struct sval *v, const char *name, const struct site *s);
int site_check_home(struct sval *v, const char *name, const struct site *s);
int site_check_datadir(struct sval *v, const char *name, const struct site *s);
int site_check_confdir(struct sval *v, const char *name, const struct site *s);
int site_check_bindir(struct sval *v, const char *name, const struct site *s);
int site_check_binfile(struct sval *v, const char *name, const struct site *s);
int site_check_template(struct sval *v, const char *name, const struct site *s);
int site_check_paths(struct sval *v, const char *name, const struct site *s);
int site_check_pkgname(struct sval *v, const char *name, const struct site *s);
int site_check_release(struct sval *v, const char *name, const struct site *s);
int site_check_maintainer(struct sval *v, const char *name,
		const struct site *s);
int site_check_formats(struct sval *v, const char *name, const struct site *s);
int site_check_arches(struct sval *v, const char *name, const struct site *s);
int site_check_compression(struct sval *v, const char *name,
		const struct site *s);
int site_check_unitoverrides(struct sval *v, const char *name,
		const struct site *s);
int site_check_gitproviders(struct sval *v, const char *name,
			    const struct site *s);
int site_check_registries(struct sval *v, const char *name,
			  const struct site *s);
int site_check_namevalues(struct sval *v, const char *name,
			  const struct site *s);
int site_check_envvars(struct sval *v, const char *name, const struct site *s);

const struct site_type *site_type_find(const char *tag);
int site_type_check(const struct site_type *t, struct sval *v,
		    const char *name, const struct site *s);

/* Shared by validators and render: Komodo's exact Timelength spellings.
 * Returns the first version that accepts v (1 for all v1 values, 2 for the
 * values added in v2.0.0) or 0 when no version does. */
int timelength_since(const char *v);
/* 1 when s is an IPv4/IPv6 address, optionally with /prefix if cidr. */
int ip_valid(const char *s, int cidr);

#endif
