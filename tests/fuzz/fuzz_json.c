/* fuzz_json.c - libFuzzer target: JSON replies from GitHub and Komodo Core
 * SPDX-License-Identifier: MIT
 *
 * The input is a reply body. It is parsed and read through every path the
 * clients read (release assets, Core versions, server lists, error
 * bodies), then dumped with and without masking: a reply from a hostile
 * server must give an error or values, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "json.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!getenv("FUZZ_VERBOSE"))
		diag_set_stream(fopen("/dev/null", "w"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const mask[] = { "passkey", "config.passkey",
					    NULL };
	struct json *j = NULL;
	struct buf b = BUF_INIT;
	size_t i, n;

	json_error_message((const char *)data, size, &b);
	buf_reset(&b);
	if (json_parse(&j, (const char *)data, size, "fuzz") < 0)
		goto out;
	json_str(j, "tag_name");
	json_str(j, "version");
	json_str(j, "public_key");
	json_str(j, "config.address");
	json_str(j, "config.passkey");
	json_bool(j, "config.enabled");
	n = json_len(j, "assets");
	for (i = 0; i < n && i < 64; i++) {
		json_str(j, "assets.%zu.name", i);
		json_str(j, "assets.%zu.digest", i);
	}
	n = json_len(j, "%s", "");
	for (i = 0; i < n && i < 64; i++) {
		json_str(j, "%zu.name", i);
		json_str(j, "%zu.id", i);
		json_str(j, "%zu.config.address", i);
	}
	json_dump(j, &b);
	buf_reset(&b);
	json_dump_masked(j, mask, &b);
out:
	json_free(j);
	buf_release(&b);
	return 0;
}
