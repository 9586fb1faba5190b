/* cstage.h - the compression stage: uncompressed stream in, reused blocks out
 * SPDX-License-Identifier: MIT
 *
 * Writers (deb.c, rpm.c) put the uncompressed tar/cpio into a struct
 * cstream: bytes in memory, and regions that are a whole large file (the
 * agent binary), named instead of copied. The stage cuts the stream into
 * blocks that never cross a region boundary, large data into blocks
 * from the region's start (CSTAGE_FIRST_BLOCK, then CSTAGE_BLOCK_SIZE), and compresses each block on
 * its own (compress.h), in parallel on all threads. A block is known by
 * the sha256 of its uncompressed bytes plus codec and level: compressed
 * once per build (memory) and once per machine (the block cache on disk,
 * blockcache.h), then reused by every package that contains it: the
 * binary's blocks are the same in the deb and the rpm of every host.
 *
 * Block boundaries are fixed by the input and the two sizes alone, so
 * the output is the same for any thread count and any cache state.
 *
 * The stage owns every compressed block; a struct cout (the compressed
 * result, a list of pieces) borrows them and is valid while the stage
 * lives.
 */
#ifndef PKGTOOL_CSTAGE_H
#define PKGTOOL_CSTAGE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "digest.h"
#include "pkg.h"

/*
 * Large data is cut into a first block of CSTAGE_FIRST_BLOCK, then blocks
 * of CSTAGE_BLOCK_SIZE. Each block starts with an empty dictionary, so
 * every boundary costs ratio; xz -6 against one block, on the 32 MB
 * stand-in agent: 8 MiB blocks +0.94 %, 12 MiB +0.29 %, 2 MiB then 15 MiB
 * +0.24 % (on gcc's cc1: 12 MiB and 2 + 15 MiB within 0.03 % of each
 * other). The small first block costs little ratio and keeps two cores
 * busy: one 32 MB agent takes 15.5 MiB of block time on two (8 MiB
 * blocks: 16, 12 MiB: 19.5), and a binary that differs from another only
 * in its ELF header (another e_machine) costs 2 MiB more. Multiples of
 * the 1 MiB read chunk. Fixed here, never derived from the core count.
 */
#define CSTAGE_FIRST_BLOCK ((size_t)2 << 20)
#define CSTAGE_BLOCK_SIZE ((size_t)15 << 20)

/* A large file read once per build: its digests and those of its blocks. */
struct cstage_src {
	char *path;
	uint64_t size;
	/* inode, size and change times when it was read: a later read
	 * must find the same file */
	uint64_t dev, ino;
	int64_t mtime_ns, ctime_ns;
	char sha256[SHA256_HEX_SIZE];
	char md5[MD5_HEX_SIZE];
	uint8_t (*block_sha)[SHA256_DIGEST_LEN];
	size_t nr_blocks;
};

struct cseg {
	struct buf mem;			/* bytes, when src is NULL */
	const struct cstage_src *src;	/* else the whole of this file */
};

struct cstream {
	struct cseg *segs;
	size_t nr, alloc;
	uint64_t len;	/* uncompressed length */
	uint64_t skip;	/* placeholder bytes still to drop */
	/* The bytes in memory hold a file that others may not read (config,
	 * env, keys: passkeys): they never reach the block cache on disk,
	 * where they would outlive the package. Regions are public. */
	int secret;
};

void cstream_init(struct cstream *s);
/* 1 when p ships in-memory contents that others may not read: what a
 * writer sets cstream.secret from. */
int cstream_pkg_secret(const struct pkg *p);
void cstream_release(struct cstream *s);
/* Appends bytes; while placeholders are due (see below), drops them. */
void cstream_add(struct cstream *s, const void *data, size_t len);
/* Appends src's whole contents as a region. With placeholders, the next
 * src->size bytes given to cstream_add() stand for it and are dropped:
 * for archive libraries that insist on writing a member's data. */
void cstream_add_src(struct cstream *s, const struct cstage_src *src,
		     int placeholders);

/* The compressed result: pieces borrowed from the stage or owned. */
struct cpiece {
	const char *data;
	size_t len;
	char *owned;
	const uint8_t *id;	/* the stage block's key, or NULL */
};

/* A digest left to fill in just before the bytes are written: rpm's MD5
 * over header and payload, the one digest per host that needs the
 * finished header, taken by cout_finish() on the writer's thread while
 * the next package is made. */
struct cout_defer {
	int md;			/* enum crypto_md */
	struct buf prefix;	/* digested first, then pieces from on */
	size_t from;
	size_t piece, at;	/* where it goes: an owned piece, offset */
	uint8_t key[SHA256_DIGEST_LEN];	/* its memo (cstage_digest()) */
	uint8_t val[64];
	int done;
	int fresh;		/* computed, not yet remembered */
};

struct cout {
	struct cpiece *v;
	size_t nr, alloc;
	uint64_t size;
	struct cout_defer *defer;	/* NULL: every byte final */
};

void cout_init(struct cout *o);
void cout_release(struct cout *o);
void cout_add(struct cout *o, const void *data, size_t len); /* copies */
/* Borrows data, which must outlive o; id names the bytes (a stage block's
 * key) for cstage_digest(), NULL: they are hashed instead. */
void cout_ref(struct cout *o, const void *data, size_t len,
	      const uint8_t *id);
/* Appends from's pieces: the stage's borrowed, the others copied. */
void cout_append(struct cout *o, const struct cout *from);
/* Fills a deferred digest in; safe on any thread (reads the pieces,
 * which stay put). cout_write() and cout_same() need it done first. */
void cout_finish(struct cout *o);
int cout_write(const struct cout *o, int fd, const char *path);
/* 1 when path holds exactly these bytes, 0 when not (or no such file). */
int cout_same(const struct cout *o, const char *path);

struct cstage;

/* threads >= 1; cache_dir NULL: no block cache on disk. */
struct cstage *cstage_new(const char *cache_dir, unsigned threads);
void cstage_free(struct cstage *st);
/* The file at path, read and hashed on first use. */
int cstage_src(struct cstage *st, const char *path,
	       const struct cstage_src **out);

enum cstage_mode {
	CSTAGE_BLOCKS,	/* independent blocks, reused */
	CSTAGE_FRAME	/* one zstd frame over the whole stream (deb: dpkg
			 * reads only the first frame), reused only for an
			 * identical stream */
};

/* Compresses s into out (appended). */
int cstage_compress(struct cstage *st, const struct cstream *s,
		    enum pkg_compression c, int level, enum cstage_mode mode,
		    struct cout *out);
/* SHA-256 of the uncompressed stream (rpm's PAYLOADDIGESTALT). */
int cstage_sha256(struct cstage *st, const struct cstream *s,
		  char hex[SHA256_HEX_SIZE]);
/*
 * The same on a thread of its own, while the caller compresses: 32 MB
 * of agent per rpm, the largest digest a fleet takes per host. Between
 * start and finish, s must not change and only the caller's thread uses
 * st; finish must follow every start (it joins). The thread reports a
 * read error itself; finish returns -1 for it.
 */
struct cstage_sha256_job {
	pthread_t th;
	int running, known, r;
	const struct cstream *s;
	struct sha256_ctx h;
	uint8_t id[SHA256_DIGEST_LEN], d[SHA256_DIGEST_LEN];
};
int cstage_sha256_start(struct cstage *st, const struct cstream *s,
			struct cstage_sha256_job *j);
int cstage_sha256_finish(struct cstage *st, struct cstage_sha256_job *j,
			 char hex[SHA256_HEX_SIZE]);
/* The digest md (crypto.h) of prefix followed by o's bytes into out,
 * remembered (memory and block cache) under everything it depends on:
 * rpm's payload and signature digests without reading 9 MB per package. */
enum crypto_md;
void cstage_digest(struct cstage *st, enum crypto_md md, const void *prefix,
		   size_t plen, const struct cout *o, uint8_t *out);
/* Lets writers leave a digest to cout_finish() (cstage_digest_defer()):
 * for a caller that finishes every cout, then hands it to
 * cstage_digest_remember(). */
void cstage_allow_defer(struct cstage *st);
/* Like cstage_digest() into o's piece `piece` at `at` (an owned piece),
 * over prefix and o's pieces from `from` on (those cstage_digest() would
 * be given), but when it is not remembered and the stage allows, left to
 * cout_finish(): 1 done, 0 deferred. */
int cstage_digest_defer(struct cstage *st, enum crypto_md md,
			const void *prefix, size_t plen, struct cout *o,
			size_t from, size_t piece, size_t at);
/* Remembers o's deferred digest once it is done (the caller's thread). */
void cstage_digest_remember(struct cstage *st, struct cout *o);
/* One line: what was compressed and what reused. */
void cstage_summary(const struct cstage *st, struct buf *out);

#endif
