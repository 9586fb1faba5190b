/* crypto.c - the tool's only user of OpenSSL's libcrypto
 * SPDX-License-Identifier: MIT
 */
#include <openssl/crypto.h>

#include "crypto.h"

int crypto_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
