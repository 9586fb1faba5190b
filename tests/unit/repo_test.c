/* repo_test.c - Debian version order (pkgtool repo --keep) against the
 * cases dpkg's own tests use, and the content digest that drives the
 * release bump
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "harness.h"
#include "pkg.h"
#include "repo.h"
#include "util.h"

static int sign_of(int c)
{
	return c < 0 ? -1 : c > 0;
}

TEST(repo_deb_vercmp_order)
{
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
		{ "1.19.5-1", "1.19.5-1", 0 },
		{ "1.19.5-2", "1.19.5-1", 1 },
		{ "1.19.5-10", "1.19.5-9", 1 },
		{ "1.19.6-1", "1.19.5-9", 1 },
		{ "1.0~rc1-1", "1.0-1", -1 },
		{ "1:0.1-1", "9.9-1", 1 },
		{ "1.0", "1.0-0", 0 },
		{ "1.0a-1", "1.0-1", 1 },
		{ "1.0+b1-1", "1.0-1", 1 },
		{ "1.00-1", "1.0-1", 0 },
		{ "2.0-1", "10.0-1", -1 },
		{ "1.19.5-1ubuntu2", "1.19.5-1ubuntu10", -1 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK(sign_of(repo_deb_vercmp(cases[i].a, cases[i].b)) ==
		      cases[i].want);
		CHECK(sign_of(repo_deb_vercmp(cases[i].b, cases[i].a)) ==
		      -cases[i].want);
	}
}

TEST(pkg_content_digest_ignores_release_and_docs)
{
	struct pkg a, b;
	char da[65], db[65];

	pkg_init(&a);
	pkg_init(&b);
	a.name = strdup("p");
	b.name = strdup("p");
	a.version = strdup("1.0");
	b.version = strdup("1.0");
	a.release = strdup("1");
	b.release = strdup("7");
	pkg_add_file(&a, "/etc/x", 0640, "k = 1\n", 6);
	pkg_add_file(&b, "/etc/x", 0640, "k = 1\n", 6);
	pkg_add_file(&a, "/usr/share/doc/p/changelog", 0644, "1.0-1", 5);
	pkg_add_file(&b, "/usr/share/doc/p/changelog", 0644, "1.0-7", 5);
	pkg_content_digest(&a, "00", da);
	pkg_content_digest(&b, "00", db);
	CHECK_STR_EQ(da, db);
	pkg_add_file(&b, "/etc/y", 0640, "", 0);
	pkg_content_digest(&b, "00", db);
	CHECK(strcmp(da, db) != 0);
	pkg_release(&a);
	pkg_release(&b);
}
