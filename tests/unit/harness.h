/* harness.h - a tiny unit-test harness (no dependencies)
 * SPDX-License-Identifier: MIT
 *
 * TEST(name) { ... } registers a test through a constructor. CHECK(cond)
 * and CHECK_STR_EQ(got, want) report file:line and carry on; a test fails
 * if any check in it failed. ./unit [name...] runs a subset. The runner
 * prints one line per test and ends with "N passed, N failed".
 */
#ifndef PKGTOOL_HARNESS_H
#define PKGTOOL_HARNESS_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

void unit_register(const char *name, void (*fn)(void));
extern int unit_failed_checks;

#define TEST(name)                                                           \
	static void test_##name(void);                                       \
	__attribute__((constructor)) static void reg_##name(void)            \
	{                                                                    \
		unit_register(#name, test_##name);                           \
	}                                                                    \
	static void test_##name(void)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
			unit_failed_checks++;                                \
		}                                                            \
	} while (0)

#define CHECK_STR_EQ(got, want)                                              \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (!g_ || !w_ || strcmp(g_, w_)) {                          \
			fprintf(stderr,                                      \
				"%s:%d: %s\n  got:  '%s'\n  want: '%s'\n",   \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
				w_ ? w_ : "(null)");                         \
			unit_failed_checks++;                                \
		}                                                            \
	} while (0)

#endif
