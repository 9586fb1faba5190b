/* buf_test.c - struct buf and util helpers
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "harness.h"
#include "buf.h"
#include "util.h"

TEST(buf_basics)
{
	struct buf b = BUF_INIT;
	char *p;
	size_t n;

	CHECK_STR_EQ(b.data, "");
	buf_addstr(&b, "abc");
	buf_addch(&b, '-');
	buf_addf(&b, "%d/%s", 42, "x");
	CHECK_STR_EQ(b.data, "abc-42/x");
	buf_truncate(&b, 3);
	CHECK_STR_EQ(b.data, "abc");
	p = buf_detach(&b, &n);
	CHECK(n == 3);
	CHECK_STR_EQ(b.data, "");
	free(p);
	buf_release(&b);
}

TEST(edit_distance_suggests)
{
	CHECK(edit_distance("komodo_allow_ips", "komodo_allowed_ips") == 2);
	CHECK(edit_distance("", "abc") == 3);
	CHECK(edit_distance("same", "same") == 0);
}
