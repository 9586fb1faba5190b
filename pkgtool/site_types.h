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
