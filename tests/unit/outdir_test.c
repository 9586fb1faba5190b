/* outdir_test.c - which files beside a new package count as superseded
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "outdir.h"
#include "util.h"

static void touch(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

static int exists(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* names[] with a leading '-' must go, the others stay */
static void prune_case(const char *fmt, const char *arch, const char *keep,
		       const char *const *names)
{
	char dir[] = "/tmp/outdir-test.XXXXXX", final[4096];
	struct buf pat = BUF_INIT;
	size_t i;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	touch(dir, keep);
	for (i = 0; names[i]; i++)
		touch(dir, names[i] + 1);
	outdir_pattern(pkg_format_find(fmt), "komodo-periphery", arch, &pat);
	snprintf(final, sizeof(final), "%s/%s", dir, keep);
	CHECK(outdir_prune(final, pat.data) == 0);
	CHECK(exists(dir, keep));
	for (i = 0; names[i]; i++) {
		int want = names[i][0] == '+';

		if (exists(dir, names[i] + 1) != want)
			fprintf(stderr, "%s: %s should %s\n", fmt, names[i] + 1,
				want ? "stay" : "go");
		CHECK(exists(dir, names[i] + 1) == want);
		if (want) {
			snprintf(final, sizeof(final), "%s/%s", dir,
				 names[i] + 1);
			unlink(final);
		}
	}
	snprintf(final, sizeof(final), "%s/%s", dir, keep);
	unlink(final);
	CHECK(rmdir(dir) == 0);
	buf_release(&pat);
}

TEST(outdir_pattern_marks_version_release)
{
	struct buf b = BUF_INIT;

	outdir_pattern(pkg_format_find("deb"), "komodo-periphery", "amd64", &b);
	CHECK_STR_EQ(b.data, "komodo-periphery_\1_amd64.deb");
	outdir_pattern(pkg_format_find("rpm"), "komodo-periphery", "arm64", &b);
	CHECK_STR_EQ(b.data, "komodo-periphery-\1.aarch64.rpm");
	buf_release(&b);
}

TEST(outdir_prune_deb_only_older_siblings)
{
	static const char *const names[] = {
		"-komodo-periphery_1.19.5-1_amd64.deb",
		"-komodo-periphery_1.19.4-12_amd64.deb",
		"-komodo-periphery_2.0.0-rc.1-1_amd64.deb",
		"+komodo-periphery_1.19.5_amd64.deb",
		"+komodo-periphery_1.19.5-_amd64.deb",
		"+komodo-periphery_-1_amd64.deb",
		"+komodo-periphery_v1.19.5-1_amd64.deb",
		"+komodo-periphery_1.19.5-1_arm64.deb",
		"+komodo-periphery_1.19.5-1_amd64.deb.bak",
		"+komodo-periphery-web_1.19.5-1_amd64.deb",
		"+komodo-periphery_1.19.5-1_x_amd64.deb",
		"+komodo-periphery-1.19.5-1.x86_64.rpm",
		NULL,
	};

	prune_case("deb", "amd64", "komodo-periphery_1.19.5-2_amd64.deb",
		   names);
}

TEST(outdir_prune_rpm_not_other_names)
{
	static const char *const names[] = {
		"-komodo-periphery-1.19.5-1.x86_64.rpm",
		"-komodo-periphery-1.19.6-3.x86_64.rpm",
		"+komodo-periphery-web-1.19.5-1.x86_64.rpm",
		"+komodo-periphery-2-1.19.5-1.x86_64.rpm",
		"+komodo-periphery-1.19.5-1.aarch64.rpm",
		"+komodo-periphery-1.19.5-1.src.rpm",
		"+komodo-periphery_1.19.5-1_amd64.deb",
		NULL,
	};

	prune_case("rpm", "amd64", "komodo-periphery-1.19.5-2.x86_64.rpm",
		   names);
}
