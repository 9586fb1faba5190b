/* harness.c - runner for TEST()s
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_TESTS 512

static struct unit_test tests[MAX_TESTS];
static int nr_tests;
int unit_failed_checks;

void unit_register(const char *name, void (*fn)(void))
{
	if (nr_tests == MAX_TESTS)
		abort();
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct unit_test *)a)->name,
		      ((const struct unit_test *)b)->name);
}

int main(int argc, char **argv)
{
	int i, j, passed = 0, failed = 0;

	qsort(tests, (size_t)nr_tests, sizeof(tests[0]), cmp);
	for (i = 0; i < nr_tests; i++) {
		int want = argc < 2, before = unit_failed_checks;

		for (j = 1; j < argc; j++)
			if (!strcmp(argv[j], tests[i].name))
				want = 1;
		if (!want)
			continue;
		tests[i].fn();
		if (unit_failed_checks == before) {
			printf("ok - %s\n", tests[i].name);
			passed++;
		} else {
			printf("not ok - %s\n", tests[i].name);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
