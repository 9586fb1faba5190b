/* fuzz_vault.c - libFuzzer target: Ansible Vault values
 * SPDX-License-Identifier: MIT
 *
 * The input is the text of a !vault value (header, hex envelope, salt,
 * HMAC, ciphertext). Decryption with a fixed password must end in a value
 * or one clear error, never a crash or an over-read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "util.h"
#include "vault.h"

/* the fixtures' password (tests/golden/vault/README): seeds decrypt */
#define PASSWORD "correct horse battery staple"

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
	struct buf out = BUF_INIT;

	vault_decrypt((const char *)data, size, PASSWORD, sizeof(PASSWORD) - 1,
		      "fuzz", &out);
	buf_wipe(&out);
	return 0;
}
