/* json_test.c - paths into replies, request builders, API error messages
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "harness.h"
#include "json.h"
#include "util.h"

static const char release[] =
	"{\"tag_name\":\"v1.19.5\",\"assets\":["
	"{\"name\":\"periphery-aarch64\",\"digest\":\"sha256:aa\"},"
	"{\"name\":\"periphery-x86_64\",\"digest\":null}]}";

TEST(json_paths)
{
	struct json *j;

	CHECK(json_parse(&j, release, strlen(release), "t") == 0);
	CHECK_STR_EQ(json_str(j, "tag_name"), "v1.19.5");
	CHECK(json_len(j, "assets") == 2);
	CHECK_STR_EQ(json_str(j, "assets.%d.name", 1), "periphery-x86_64");
	CHECK_STR_EQ(json_str(j, "assets.0.digest"), "sha256:aa");
	CHECK(json_str(j, "assets.1.digest") == NULL); /* null is no string */
	CHECK(json_str(j, "assets.2.name") == NULL);
	CHECK(json_str(j, "assets.x.name") == NULL);
	CHECK(json_str(j, "tag_name.deeper") == NULL);
	CHECK(json_len(j, "tag_name") == 0);
	json_free(j);

	CHECK(json_parse(&j, "[1,2,3]", 7, "t") == 0);
	CHECK(json_len(j, "%s", "") == 3); /* "" is the root */
	json_free(j);
}

TEST(json_invalid)
{
	char *d = NULL;
	size_t n;
	FILE *f = open_memstream(&d, &n);
	struct json *j = (struct json *)1;

	diag_set_stream(f);
	CHECK(json_parse(&j, "{\"a\":", 5, "reply from X") < 0);
	CHECK(json_parse(&j, "{\"a\":1,\"a\":2}", 13, "dup") < 0);
	diag_set_stream(NULL);
	fclose(f);
	CHECK(j == NULL);
	CHECK(strstr(d, "pkgtool: error: reply from X: invalid JSON at line 1") == d);
	CHECK(strstr(d, "dup: invalid JSON") != NULL);
	free(d);
}

TEST(json_build)
{
	struct json *j = json_new_object();
	struct buf b = BUF_INIT;

	json_set_str(j, "type", "CreateServer");
	json_set_str(j, "params.name", "host \"1\"");
	json_set_str(j, "params.config.address", "https://10.0.0.5:8120");
	json_set_bool(j, "params.config.enabled", 1);
	json_set_int(j, "params.config.n", -3);
	json_append_str(j, "params.names", "a");
	json_append_str(j, "params.names", "b");
	json_set_object(j, "extra");
	json_dump(j, &b);
	CHECK_STR_EQ(b.data,
		     "{\"type\":\"CreateServer\",\"params\":{\"name\":"
		     "\"host \\\"1\\\"\",\"config\":{\"address\":"
		     "\"https://10.0.0.5:8120\",\"enabled\":true,\"n\":-3},"
		     "\"names\":[\"a\",\"b\"]},\"extra\":{}}");
	json_free(j);
	buf_release(&b);
}

TEST(json_error_messages)
{
	struct buf m = BUF_INIT;
	const char *komodo = "{\"error\":\"failed to authenticate api key\","
			     "\"trace\":[\"no api key matching key\"]}";
	const char *gh = "{\"message\":\"Not Found\",\"documentation_url\":\"x\"}";
	char big[1000];

	json_error_message(komodo, strlen(komodo), &m);
	CHECK_STR_EQ(m.data, "failed to authenticate api key: no api key "
			     "matching key");
	json_error_message(gh, strlen(gh), &m);
	CHECK_STR_EQ(m.data, "Not Found");
	json_error_message("  Server busy\nmore\n", 19, &m);
	CHECK_STR_EQ(m.data, "Server busy");
	json_error_message("bad\033[31mcolour", 14, &m);
	CHECK_STR_EQ(m.data, "bad?[31mcolour");
	json_error_message("", 0, &m);
	CHECK_STR_EQ(m.data, "");
	memset(big, 'x', sizeof(big));
	json_error_message(big, sizeof(big), &m);
	CHECK(m.len == 303 && !strcmp(m.data + 300, "..."));
	buf_release(&m);
}
