/* json.h - read API replies and build request bodies (jansson lives only
 * in json.c)
 * SPDX-License-Identifier: MIT
 *
 * struct json is an opaque document, owned by whoever made it with
 * json_parse() or json_new_object() and freed with json_free(). Values
 * are found by a path of '.'-separated keys, where a decimal component
 * indexes an array: "tag_name", "assets.3.digest", "params.config". The
 * path is printf-formatted, so a loop writes json_str(j, "assets.%zu.name",
 * i). Returned strings are borrowed from the document and live until it
 * is freed or changed.
 *
 * Builders (json_set_*) create missing objects on the way, so
 * json_set_str(j, "params.name", "x") on {} gives {"params":{"name":"x"}};
 * json_dump() writes compact JSON with keys in insertion order.
 */
#ifndef PKGTOOL_JSON_H
#define PKGTOOL_JSON_H

#include <stddef.h>

#include "buf.h"

#define PRINTF(f, a) __attribute__((format(printf, f, a)))

struct json;

/* Parses len bytes; what names the source in the error ("reply from
 * https://..."). Reports and returns -1 on invalid JSON. */
int json_parse(struct json **out, const char *data, size_t len,
	       const char *what);
void json_free(struct json *j);

/* The string at path, or NULL if there is none (or it is no string). */
const char *json_str(const struct json *j, const char *fmt, ...) PRINTF(2, 3);
/* Elements of the array at path; 0 if it is none. */
size_t json_len(const struct json *j, const char *fmt, ...) PRINTF(2, 3);

struct json *json_new_object(void);
void json_set_str(struct json *j, const char *path, const char *value);
void json_set_bool(struct json *j, const char *path, int value);
void json_set_int(struct json *j, const char *path, long long value);
/* An empty object at path (e.g. "params" for {"params":{}}). */
void json_set_object(struct json *j, const char *path);
/* Appends value to the array at path, creating it. */
void json_append_str(struct json *j, const char *path, const char *value);
void json_dump(const struct json *j, struct buf *out);

/* The message of an API error reply, in one line: Komodo's {"error": E,
 * "trace": [T1, ...]} gives "E: T1: ...", GitHub's {"message": M} gives M;
 * any other body its first line, trimmed. Empty when the body is. */
void json_error_message(const char *body, size_t len, struct buf *out);

/* Added for register (core_api.c). */
/* The boolean at path: 1 or 0; -1 if there is none (or it is no bool). */
int json_bool(const struct json *j, const char *fmt, ...) PRINTF(2, 3);
/* Like json_dump(), but every non-empty string value whose key is in mask
 * (NULL-terminated), at any depth, is written as "***": request bodies
 * can be shown without their secrets. */
void json_dump_masked(const struct json *j, const char *const *mask,
		      struct buf *out);

#endif
