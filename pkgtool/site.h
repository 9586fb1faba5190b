/* site.h - the site file: YAML -> validated variables with source marks
 * SPDX-License-Identifier: MIT
 *
 * site_load() reads the compiled-in config/defaults.yml (every variable,
 * its type tag and default) and the user's site file, rejects unknown keys
 * (with a "did you mean"), replaces "{{ name }}" references, computes the
 * derived defaults and validates every value. All problems are reported as
 * FILE:LINE:COL: error: ... and the call returns -1; nothing is partially
 * usable after a failure except site_release().
 *
 * After a successful load every variable has a value of its declared shape:
 * scalars are SV_SCALAR (bools are "true"/"false"); list-typed variables are
 * SV_SEQ (a string was turned into a one-item list, items trimmed, empty
 * ones dropped, duplicates removed). The accessors BUG() on a name that is
 * not in defaults.yml, so a typo in the code cannot go unnoticed.
 */
#ifndef PKGTOOL_SITE_H
#define PKGTOOL_SITE_H

#include <stddef.h>

#include "sval.h"
#include "util.h"

struct site_var;

struct site {
	char *path;		/* the site file as given */
	char *dir;		/* its directory, for relative !file/templates */
	struct site_var *vars;	/* one per defaults.yml key, in file order */
	size_t nr_vars;
	char **hosts;		/* names in the site's hosts: map, file order */
	size_t nr_hosts;
	char *host;		/* the host loaded, NULL for the whole site */
	char *host_address;	/* its ansible_host / address, or NULL */
	struct sval *doc;	/* the file as parsed, for site_load_view() */
};

/* Loads the site as one server. With a hosts: map, site_load_host() loads
 * one host: its entries override the site's values (any variable, plus
 * ansible_host/address for registration), and the host name becomes the
 * default server_name and komodo_connect_as. s->hosts is filled either way. */
int site_load(struct site *s, const char *path);
int site_load_host(struct site *s, const char *path, const char *host);
/* Same as site_load_host(), from memory; name is used in diagnostics. */
int site_load_mem(struct site *s, const char *name, const char *data,
		  size_t len, const char *host);
/* One host of base (loaded with site_load()) without reading or parsing
 * the file again: !vault, !file and !env values were resolved once. */
int site_load_view(struct site *s, const struct site *base,
		   const char *host);
void site_release(struct site *s);

const struct sval *site_get(const struct site *s, const char *key);
/* "" for a null value. */
const char *site_str(const struct site *s, const char *key);
int site_bool(const struct site *s, const char *key);
long site_int(const struct site *s, const char *key);
/* 1 when the user set the key in the site file. */
int site_is_set(const struct site *s, const char *key);
/* Where the value came from (site file or defaults.yml). */
const struct loc *site_loc(const struct site *s, const char *key);

/* Like site_get(), but NULL for a name that is no site variable (for
 * templates, where the name comes from user text). */
const struct sval *site_lookup(const struct site *s, const char *key);

/* The file holding the password for !vault values (else the environment's
 * ANSIBLE_VAULT_PASSWORD_FILE); read once, on the first !vault. */
void site_set_vault_password_file(const char *path);

/* Reads any YAML file into a value tree (no tags, no defaults); *root is
 * NULL for an empty file. Used for the state file. */
int yaml_read_file(const char *path, struct sval **root);
/* The same for bytes already read (name is for messages): the state file
 * is read from a descriptor whose owner and mode were checked. */
int yaml_read_mem(const char *name, const char *data, size_t len,
		  struct sval **root);

#endif
