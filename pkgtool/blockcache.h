/* blockcache.h - compressed blocks on disk, beside the download cache
 * SPDX-License-Identifier: MIT
 *
 * {cache}/blocks/{codec}{level}-{sha256 of the uncompressed bytes}: one
 * file per block holding a small header (sizes, the key again and the
 * sha256 of the compressed bytes) and the compressed bytes. An entry is
 * used only when all of that checks out; a damaged or truncated one is
 * reported and compressed again, never shipped. Entries are written to a
 * temporary name and renamed, so concurrent builds (which write the same
 * bytes for the same name) never see half an entry. The directory is made
 * 0700 and refused, like the download cache, when anyone else could
 * write it: whoever writes it chooses the bytes in the packages.
 *
 * Opening the cache removes the entries not used (read or stored) for
 * BLOCKCACHE_DAYS days: each use touches its entry. Blocks holding a
 * file that others may not read (config, env, keys) are never stored
 * (cstream.secret): they are small and cheap to compress again.
 */
#ifndef PKGTOOL_BLOCKCACHE_H
#define PKGTOOL_BLOCKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "digest.h"

struct blockcache;

#define BLOCKCACHE_DAYS 30

struct block_key {
	uint8_t sha[SHA256_DIGEST_LEN];
	unsigned codec, level;
};

/* Makes and checks {root}/blocks; -1 reported. */
int blockcache_open(struct blockcache **bc, const char *root);
void blockcache_close(struct blockcache *bc);
/* 1 and the entry's bytes appended to out (their sha256 to csha unless
 * NULL); 0 when absent or damaged. */
int blockcache_get(struct blockcache *bc, const struct block_key *k,
		   uint64_t usize, struct buf *out, uint64_t *aux,
		   uint8_t *csha);
/* Stores an entry; a failure is a warning (the build does not need it). */
void blockcache_put(struct blockcache *bc, const struct block_key *k,
		    uint64_t usize, const void *data, size_t len, uint64_t aux);

#endif
