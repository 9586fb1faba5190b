/* rpm_payload.c - the .rpm's payload: librpm's cpio, the agent binary's
 * data as regions, compressed by the stage
 * SPDX-License-Identifier: MIT
 *
 * rpm.c has librpm write the cpio into a memory file, leaving out the
 * agent binary's data (holes). Here the memory file and the regions
 * become one stream in order, which the stage compresses, reusing the
 * binary's blocks; the payload digests are taken over the result.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "cstage.h"
#include "digest.h"
#include "pkg.h"
#include "rpm_int.h"
#include "util.h"
#include "banned.h"

static int read_all(int fd, struct buf *out)
{
	char chunk[16384];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf_add(out, chunk, (size_t)n);
	}
	return 0;
}

/* The memory file and the regions, in order, as one stream. */
static int read_cpio(struct rpm_writer *w)
{
	struct buf raw = BUF_INIT;
	uint64_t from = 0;
	size_t i;
	int r = -1;

	if (read_all(w->mfd, &raw) < 0) {
		error("cannot read back the payload of '%s': %s", w->path,
		      strerror(errno));
		goto out;
	}
	for (i = 0; i < w->nr_holes; i++) {
		if (w->holes[i].at < from || w->holes[i].at > raw.len)
			BUG("payload region out of order");
		cstream_add(&w->cpio, raw.data + from,
			    (size_t)(w->holes[i].at - from));
		cstream_add_src(&w->cpio, w->holes[i].src, 0);
		from = w->holes[i].at;
	}
	cstream_add(&w->cpio, raw.data + from, raw.len - (size_t)from);
	if (w->cpio.len != w->archive_size)
		BUG("payload stream is %ju bytes, librpm wrote %ju",
		    (uintmax_t)w->cpio.len, (uintmax_t)w->archive_size);
	r = 0;
out:
	buf_release(&raw);
	return r;
}

int rpm_payload_make(struct rpm_writer *w)
{
	struct cstage_sha256_job alt;
	uint8_t d[SHA256_DIGEST_LEN];
	int r;

	w->mfd = memfd_create("pkgtool-cpio", MFD_CLOEXEC);
	if (w->mfd < 0)
		return error("cannot create a memory file: %s",
			     strerror(errno));
	if (rpm_cpio_write(w) < 0 || read_cpio(w) < 0)
		return -1;
	/* the uncompressed digest on a second core while this one
	 * compresses: a fleet takes it once per host */
	cstage_sha256_start(w->stage, &w->cpio, &alt);
	r = cstage_compress(w->stage, &w->cpio, w->p->comp, w->level_nr,
			    CSTAGE_BLOCKS, &w->payload);
	if (!r) {
		w->payload_size = w->payload.size;
		cstage_digest(w->stage, CRYPTO_SHA256, NULL, 0, &w->payload,
			      d);
		digest_hex(d, sizeof(d), w->payload_digest);
	}
	/* joined first: one error at most (a failed compress said it) */
	if (cstage_sha256_finish(w->stage, &alt, w->alt_digest) < 0 || r < 0)
		return -1;
	return 0;
}
