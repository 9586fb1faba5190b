/* fetch.h - the Periphery release binary: name, URL, verification, cache
 * SPDX-License-Identifier: MIT
 *
 * fetch_binary() returns the path of a verified copy of the release asset
 * for one architecture, downloading it only when the cache has none:
 *
 *  - asset: komodo_bin if set, else periphery-aarch64 (arm64),
 *    periphery-x86_64 (amd64, >= 1.16.12) or periphery (older amd64);
 *  - URL: {komodo_download_base_url}/v{version}/{asset} when the site sets
 *    the base, the forge package URL for komodo_download_source: forge,
 *    else GitHub's release download URL;
 *  - expected sha256: komodo_binary_sha256 (hex, or per architecture) when
 *    pinned, else the asset's "digest" in the GitHub release JSON
 *    ({komodo_github_api_url}/repos/moghtech/komodo/releases/tags/v{ver});
 *    with neither the download is refused unless allow_unverified, which
 *    warns loudly;
 *  - cache: {dir}/periphery/v{version}/{asset}. Every directory pkgtool
 *    makes there is 0700, and the cache root and every directory below it
 *    must be the user's and not group/world writable, or fetch refuses
 *    (whoever can write the cache chooses the binary in the packages). A
 *    cached file is shipped only when it hashes to the pin or to the
 *    release digest, looked up again (once per run); without a pin that
 *    needs the network, and offline the error says to pin. The
 *    {asset}.verified note beside it (sha256, how, URL) is a hint for
 *    people, never trusted: it could be forged along with the file.
 *    Downloads are hashed on the way into a temp file in the same
 *    directory and renamed into place only when they match, so the cache
 *    never holds a partial file. A flock on the version's directory
 *    serialises concurrent pkgtool runs on one asset: the second waits and
 *    then reuses the first one's download.
 */
#ifndef PKGTOOL_FETCH_H
#define PKGTOOL_FETCH_H

#include "buf.h"
#include "digest.h"
#include "version.h"

struct plan_source;

struct fetch_opts {
	const char *cache_dir;	/* NULL: $XDG_CACHE_HOME/pkgtool, ~/.cache/pkgtool */
	const char *cacert;	/* --cacert, or NULL */
	int refresh;		/* download even when cached */
	int allow_unverified;	/* accept a binary nothing vouches for */
};

/* The options build and fetch share: their struct cli_opt entries (for a
 * file that includes cli.h) and handler, which returns 1 when c was one
 * of them. */
/* clang-format off */
#define FETCH_CLI_OPTIONS \
	{ "cache-dir", 'C', "DIR", \
	  "download cache (default: ~/.cache/pkgtool)" }, \
	{ "cacert", 'A', "FILE", "trust the CA certificates in FILE for HTTPS" }, \
	{ "refresh", 'R', NULL, "download again even when the binary is cached" }, \
	{ "allow-unverified", 'U', NULL, \
	  "accept a binary no known sha256 vouches for" }
/* clang-format on */
int fetch_opts_parse(struct fetch_opts *o, int c, const char *arg);

/* Release asset name of arch (deb name: amd64/arm64) at version v. */
void fetch_asset_name(const struct plan_source *src, const struct version *v,
		      const char *arch, struct buf *out);
/* Download URL of asset at version v. */
void fetch_asset_url(const struct plan_source *src, const struct version *v,
		     const char *asset, struct buf *out);
/* The cache directory (not created); -1 reported if there is none. */
int fetch_cache_dir(const struct fetch_opts *o, struct buf *out);
/* Makes dir (below cache) 0700 and refuses it, or any directory from the
 * cache root down to it, when it is not the user's alone. */
int fetch_cache_prepare(const char *cache, const char *dir);

/* Makes sure the verified binary of arch is cached. *path (malloc'd, the
 * caller frees it) names it; sha gets its sha256 in hex. Reports and
 * returns -1 on any failure, leaving no new file behind. */
int fetch_binary(const struct plan_source *from, const struct version *v,
		 const char *arch, const struct fetch_opts *o, char **path,
		 char sha[SHA256_HEX_SIZE]);

#endif
