/* embedded_find.c - lookup in the generated table of embedded files
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "embedded.h"
#include "banned.h"

const struct embedded *embedded_find(const char *name)
{
	const struct embedded *e;

	for (e = embedded_files; e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}
