/* cstage_test.c - the compression stage: streams with regions, block
 * boundaries, reuse, the block cache's checks
 * SPDX-License-Identifier: MIT
 *
 * The oracle for the compressed bytes is xz(1): the output must
 * decompress to exactly the stream, in the blocks we meant.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "blockcache.h"
#include "buf.h"
#include "cstage.h"
#include "util.h"

#define TMP "tests/tmp/cstage"

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		die("cannot write %s", path);
}

/* Runs a shell command and returns its first output line, or "". */
static void run(struct buf *out, const char *cmd)
{
	char line[256];
	FILE *f = popen(cmd, "r");

	buf_reset(out);
	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		buf_addstr(out, line);
	}
	if (f)
		pclose(f);
}

TEST(cstream_regions_and_placeholders)
{
	struct cstage_src src = { 0 };
	struct cstream s;

	src.size = 5;
	cstream_init(&s);
	cstream_add(&s, "abc", 3);
	cstream_add_src(&s, &src, 1);
	cstream_add(&s, "\0\0", 2);	/* placeholders, dropped */
	cstream_add(&s, "\0\0\0XY", 5); /* 3 more, then data */
	cstream_add(&s, "Z", 1);
	CHECK(s.nr == 3);
	CHECK(s.len == 3 + 5 + 3);
	CHECK(s.segs[0].mem.len == 3 && !memcmp(s.segs[0].mem.data, "abc", 3));
	CHECK(s.segs[1].src == &src);
	CHECK(s.segs[2].mem.len == 3 && !memcmp(s.segs[2].mem.data, "XYZ", 3));
	cstream_release(&s);
}

/* A stream of text, a file region 1 MiB over one block and text again:
 * blocks never cross a region's edge, the region is cut every
 * CSTAGE_BLOCK_SIZE, the result
 * decompresses to the stream, and the second time every block is reused. */
TEST(cstage_xz_blocks_and_reuse)
{
	size_t big = CSTAGE_BLOCK_SIZE + (1 << 20), i;
	char *data = xmalloc(big);
	const struct cstage_src *src;
	struct cstage *st;
	struct cstream s;
	struct cout a, b;
	struct buf out = BUF_INIT, want = BUF_INIT;
	int fd;

	CHECK(system("rm -rf " TMP " && mkdir -p " TMP) == 0);
	for (i = 0; i < big; i++)
		data[i] = (char)(i * 7 / 1000);
	write_file(TMP "/region", data, big);
	st = cstage_new(NULL, 2);
	CHECK(cstage_src(st, TMP "/region", &src) == 0);
	CHECK(src->nr_blocks == 2);
	cstream_init(&s);
	cstream_add(&s, "head ", 5);
	cstream_add_src(&s, src, 0);
	cstream_add(&s, " tail", 5);
	cout_init(&a);
	cout_init(&b);
	CHECK(cstage_compress(st, &s, COMP_XZ, 1, CSTAGE_BLOCKS, &a) == 0);
	CHECK(cstage_compress(st, &s, COMP_XZ, 1, CSTAGE_BLOCKS, &b) == 0);
	CHECK(a.size == b.size);
	fd = open(TMP "/out.xz", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && cout_write(&a, fd, TMP "/out.xz") == 0);
	close(fd);
	run(&out, "xz -lvv " TMP "/out.xz | sed -n 's/^  Blocks: *//p'");
	CHECK_STR_EQ(out.data, "4");
	buf_addstr(&want, "head ");
	buf_add(&want, data, big);
	buf_addstr(&want, " tail");
	write_file(TMP "/want", want.data, want.len);
	run(&out, "xz -dc " TMP "/out.xz | cmp - " TMP "/want && echo same");
	CHECK_STR_EQ(out.data, "same");
	CHECK(cout_same(&a, TMP "/out.xz") == 1);
	CHECK(cout_same(&a, TMP "/want") == 0);
	buf_reset(&out);
	cstage_summary(st, &out);
	CHECK(strstr(out.data, "4 blocks compressed") != NULL);
	CHECK(strstr(out.data, "2 of them from the agent binary") != NULL);
	CHECK(strstr(out.data, "4 reused") != NULL);
	cout_release(&a);
	cout_release(&b);
	cstream_release(&s);
	cstage_free(st);
	buf_release(&out);
	buf_release(&want);
	free(data);
}

TEST(blockcache_checks_entries)
{
	struct blockcache *bc;
	struct block_key k;
	struct buf got = BUF_INIT;
	uint64_t aux = 0;
	uint8_t csha[SHA256_DIGEST_LEN];
	FILE *diag = tmpfile();

	CHECK(system("rm -rf " TMP "/c && mkdir -p " TMP "/c") == 0);
	CHECK(blockcache_open(&bc, TMP "/c") == 0);
	memset(&k, 0, sizeof(k));
	k.sha[0] = 1;
	k.codec = 0;
	k.level = 6;
	CHECK(blockcache_get(bc, &k, 3, &got, &aux, NULL) == 0); /* absent */
	blockcache_put(bc, &k, 3, "xyz", 3, 42);
	CHECK(blockcache_get(bc, &k, 3, &got, &aux, csha) == 1);
	CHECK(got.len == 3 && !memcmp(got.data, "xyz", 3) && aux == 42);
	/* sha256("xyz") */
	CHECK(csha[0] == 0x36 && csha[1] == 0x08 && csha[31] == 0x82);
	buf_reset(&got);
	/* one flipped byte: reported, not used */
	CHECK(system("f=$(ls " TMP "/c/blocks/*) && printf Q | dd of=$f bs=1 "
		     "seek=113 conv=notrunc 2>/dev/null") == 0);
	diag_set_stream(diag);
	CHECK(blockcache_get(bc, &k, 3, &got, &aux, NULL) == 0);
	diag_set_stream(NULL);
	CHECK(ftell(diag) > 0);
	fclose(diag);
	blockcache_close(bc);
	buf_release(&got);
}
