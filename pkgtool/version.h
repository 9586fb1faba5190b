/* version.h - Komodo version numbers
 * SPDX-License-Identifier: MIT
 *
 * A version is "X.Y.Z" with an optional "-suffix" (v2.0.0-dev-35); a
 * leading 'v' is accepted and dropped. version_cmp() orders by the three
 * numbers; a suffixed version sorts before the plain one (a pre-release),
 * which is what version gates ("written for >= 1.17.1") need.
 */
#ifndef PKGTOOL_VERSION_H
#define PKGTOOL_VERSION_H

struct version {
	unsigned major, minor, patch;
	char text[64];		/* without 'v': "1.19.5" */
	int prerelease;		/* had a "-suffix" */
};

int version_parse(struct version *v, const char *s);
/* The same without a message, for callers that report with more context. */
int version_check(struct version *v, const char *s);
int version_cmp(const struct version *a, const struct version *b);
/* a >= "X.Y.Z" */
int version_at_least(const struct version *a, const char *ref);

#endif
