/* unitfile_test.c - unit.c's quoting per systemd.syntax(7)
 * SPDX-License-Identifier: MIT
 */
#include "harness.h"
#include "buf.h"
#include "unit.h"

static const char *word(struct buf *b, const char *s, enum unit_word how)
{
	buf_reset(b);
	return unit_word(b, s, how) < 0 ? "(refused)" : b->data;
}

TEST(unit_word_quotes_only_when_needed)
{
	struct buf b = BUF_INIT;

	CHECK_STR_EQ(word(&b, "/etc/komodo/p.toml", UNIT_WORD_EXEC),
		     "/etc/komodo/p.toml");
	CHECK_STR_EQ(word(&b, "/srv/kömodo", UNIT_WORD_PLAIN), "/srv/kömodo");
	CHECK_STR_EQ(word(&b, "", UNIT_WORD_PLAIN), "\"\"");
	CHECK_STR_EQ(word(&b, ";", UNIT_WORD_EXEC), "\";\"");
	buf_release(&b);
}

TEST(unit_word_escapes_per_directive)
{
	struct buf b = BUF_INIT;

	CHECK_STR_EQ(word(&b, "/a b", UNIT_WORD_PLAIN), "\"/a b\"");
	CHECK_STR_EQ(word(&b, "a\"b\\c", UNIT_WORD_PLAIN), "\"a\\\"b\\\\c\"");
	CHECK_STR_EQ(word(&b, "50%", UNIT_WORD_PLAIN), "\"50%%\"");
	/* "$" is expanded in ExecStart= only */
	CHECK_STR_EQ(word(&b, "a$b", UNIT_WORD_EXEC), "\"a$$b\"");
	CHECK_STR_EQ(word(&b, "a$b", UNIT_WORD_PLAIN), "\"a$b\"");
	CHECK_STR_EQ(word(&b, "it's", UNIT_WORD_PLAIN), "\"it's\"");
	CHECK_STR_EQ(word(&b, "a\nb", UNIT_WORD_PLAIN), "(refused)");
	CHECK_STR_EQ(word(&b, "a\tb", UNIT_WORD_EXEC), "(refused)");
	buf_release(&b);
}
