/* resolve.h - turn komodo_version into a concrete release, asking GitHub
 * or Komodo Core when the site says latest or core
 * SPDX-License-Identifier: MIT
 *
 * komodo_version is a tag (v1.19.5 or 1.19.5), "latest" (the tag_name of
 * GitHub's latest release, from komodo_github_api_url) or "core" (what the
 * Komodo Core at komodo_core_http_address runs: GET /version on v2, else
 * POST /read GetVersion with komodo_core_api_key/_secret, as the Ansible
 * role does). A looked-up version is printed once, by resolve_version().
 *
 * GitHub calls send $GITHUB_TOKEN as a bearer token when it is set (higher
 * rate limit); a rate-limit answer gets its own message. Secrets (the
 * token, the API secret) are never printed.
 */
#ifndef PKGTOOL_RESOLVE_H
#define PKGTOOL_RESOLVE_H

#include "version.h"

struct json;
struct plan_source;

/* Fills v from override (a --komodo-version value) or the site's
 * komodo_version. cacert is the --cacert file or NULL. Reports and
 * returns -1 on failure. */
int resolve_version(const struct plan_source *src, const char *override,
		    const char *cacert, struct version *v);

/* GET a GitHub API URL and parse the JSON reply into *out (json_free()
 * it). Explains 404, 401 and rate limits; what says what was looked for
 * ("release v1.19.5"). */
int github_get_json(const char *url, const char *cacert, const char *what,
		    struct json **out);

#endif
