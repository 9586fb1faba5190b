/* toml.h - TOML quoting, shared by render.c (the config) and tmpl.c
 * (the "toml" filter of custom templates)
 * SPDX-License-Identifier: MIT
 */
#ifndef PKGTOOL_TOML_H
#define PKGTOOL_TOML_H

#include "buf.h"

/* Appends s as a TOML basic string (quotes included); -1 if s is not
 * valid UTF-8. */
int toml_quote(struct buf *out, const char *s);
/* Appends a TOML key: bare when possible, quoted otherwise. */
int toml_key(struct buf *out, const char *k);

#endif
