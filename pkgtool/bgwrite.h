/* bgwrite.h - a package's bytes into a temp file beside its final name,
 * on a thread of its own, while the build makes the next package
 * SPDX-License-Identifier: MIT
 *
 * Writing 100 hosts' packages is mostly the kernel copying them into the
 * page cache; making them is mostly hashing (rpm's payload digests).
 * One thread does each, so a fleet costs little more than its hashing.
 * Up to BGWRITE_JOBS writes are in flight, each on its own thread, and
 * they are waited for in the order they started. The threads print
 * nothing: the wait reports a failure, so messages keep their order and
 * an error is reported once.
 * Signals are blocked on the thread: the build's handler runs on the
 * main thread and unlinks tmp, whose first byte is stored last.
 */
#ifndef PKGTOOL_BGWRITE_H
#define PKGTOOL_BGWRITE_H

#include <pthread.h>
#include <stddef.h>

#include "cstage.h"

/* Two writes in flight: an rpm (slow to make) is followed by a deb (quick
 * to make), whose start need not wait for the rpm's write. */
#define BGWRITE_JOBS 2

struct bgwrite_job {
	pthread_t th;
	int running;
	struct cout bytes;	/* owned while running */
	struct cstage *stage;	/* remembers a digest the thread took */
	const char *final;
	char *tmp;		/* the caller's; "" until the file exists */
	char tmpl[4096];	/* ".NAME.XXXXXX" beside final */
	int err;		/* errno of the failure, 0 none */
	const char *what;	/* NULL: no failure */
	char *buf;		/* aligned, for O_DIRECT; kept between writes */
};

struct bgwrite {
	struct bgwrite_job job[BGWRITE_JOBS];
	size_t next;		/* the job to start next: the oldest */
};

void bgwrite_init(struct bgwrite *w);
/* Starts writing bytes (moved into w; bytes is left empty) to a new temp
 * file beside final unless final already holds exactly those bytes; the
 * temp file's name goes to tmp (tmp_size bytes), which stays "" when
 * nothing was written; a digest bytes left to cout_finish() is taken on
 * the thread and remembered in st (cstage_digest_remember()) when the
 * write is waited for. final and tmp must outlive the write. Waits for
 * the oldest write first when all jobs are busy. -1 reported (this
 * write's problem or an earlier write's failure). */
int bgwrite_start(struct bgwrite *w, struct cstage *st, struct cout *bytes,
		  const char *final, char *tmp, size_t tmp_size);
/* Waits for every write in flight, oldest first. -1 when one failed,
 * reported (the first only) when report is set: a caller that already
 * reported an error of its own stays at one. */
int bgwrite_wait(struct bgwrite *w, int report);
/* Waits quietly and frees w's buffer. */
void bgwrite_release(struct bgwrite *w);

#endif
