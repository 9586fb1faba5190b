/* sysdir_test.c - path normalisation and the system directory list
 * SPDX-License-Identifier: MIT
 */
#include "harness.h"
#include "buf.h"
#include "sysdir.h"

static const char *norm(struct buf *b, const char *p)
{
	return path_normalise(p, b) < 0 ? "(bad)" : b->data;
}

TEST(path_normalise_collapses)
{
	struct buf b = BUF_INIT;

	CHECK_STR_EQ(norm(&b, "/"), "/");
	CHECK_STR_EQ(norm(&b, "/."), "/");
	CHECK_STR_EQ(norm(&b, "//home"), "/home");
	CHECK_STR_EQ(norm(&b, "/home/."), "/home");
	CHECK_STR_EQ(norm(&b, "/home/komodo/"), "/home/komodo");
	CHECK_STR_EQ(norm(&b, "/home/komodo/../.."), "/");
	CHECK_STR_EQ(norm(&b, "/../../etc"), "/etc");
	CHECK_STR_EQ(norm(&b, "/srv/a b/./c//d"), "/srv/a b/c/d");
	CHECK_STR_EQ(norm(&b, "/srv/..x/.y"), "/srv/..x/.y");
	CHECK_STR_EQ(norm(&b, "relative"), "(bad)");
	CHECK_STR_EQ(norm(&b, ""), "(bad)");
	buf_release(&b);
}

TEST(sysdir_find_is_or_above)
{
	CHECK_STR_EQ(sysdir_find("/"), "/");
	CHECK_STR_EQ(sysdir_find("/var/lib"), "/var/lib");
	CHECK_STR_EQ(sysdir_find("/usr"), "/usr");
	CHECK(sysdir_find("/var/lib/komodo") == NULL);
	CHECK(sysdir_find("/home/komodo") == NULL);
	CHECK(sysdir_find("/etc/komodo") == NULL);
	CHECK(path_within("/etc/komodo", "/etc"));
	CHECK(!path_within("/etcetera", "/etc"));
	CHECK(path_within("/x", "/"));
}

TEST(sysdir_root_tree_below)
{
	CHECK_STR_EQ(sysdir_root_tree("/etc/komodo"), "/etc");
	CHECK_STR_EQ(sysdir_root_tree("/usr/local/komodo"), "/usr");
	CHECK_STR_EQ(sysdir_root_tree("/run/k"), "/run");
	CHECK_STR_EQ(sysdir_root_tree("/boot"), "/boot");
	CHECK(sysdir_root_tree("/var/lib/komodo") == NULL);
	CHECK(sysdir_root_tree("/home/komodo") == NULL);
	CHECK(sysdir_root_tree("/etcetera") == NULL);
	CHECK(sysdir_root_tree("/srv/komodo") == NULL);
}
