#!/bin/sh
# t2300 - every hash, cipher and KDF comes from OpenSSL's libcrypto, through
# crypto.c alone: the binary imports the primitives, and no source file
# carries the constants a hand-written MD5, SHA-256 or AES needs. (The
# vectors and ansible-vault fixtures in tests/unit test the wrappers.)
. "$(dirname "$0")/lib.sh"

test_expect_success 'pkgtool links the libcrypto primitives, through crypto.c alone' '
	nm -D --undefined-only "$PKGTOOL" | awk "{print \$NF}" | sed "s/@.*//" |
		sort -u >syms &&
	for s in EVP_DigestUpdate EVP_DigestFinal_ex EVP_MD_fetch \
		EVP_aes_256_ctr EVP_EncryptUpdate EVP_MAC_init \
		PKCS5_PBKDF2_HMAC CRYPTO_memcmp OPENSSL_cleanse; do
		grep -qx "$s" syms || { echo "missing import: $s"; exit 1; }
	done &&
	grep -l "include <openssl/" "$TOP"/pkgtool/*.c "$TOP"/pkgtool/*.h >files &&
	echo "$TOP/pkgtool/crypto.c" >expect &&
	test_cmp expect files
'
test_expect_success 'rpm digests come from libcrypto too, not librpm (libgcrypt)' '
	nm -D --undefined-only "$PKGTOOL" >undef &&
	! grep -E " (rpmDigestInit|rpmDigestUpdate|rpmDigestFinal)(@|$)" undef &&
	! grep -n "rpmDigest[A-Z][a-z]*(" "$TOP"/pkgtool/*.c
'
test_expect_success 'no hand-written MD5, SHA-256 or AES in the sources' '
	# MD5 T[1] and IV, SHA-256 K[0] and H0, AES rcon-by-xtime and S-box
	# affine constant: any own implementation has one of these
	! grep -rniE "0x(d76aa478|67452301|428a2f98|6a09e667)|0x1b *& *\(|\^ *0x63;" \
		"$TOP/pkgtool" --include="*.c" --include="*.h"
'
test_expect_success 'the vault sources carry no primitive of their own' '
	! grep -nE "aes256_init|hmac_init|gf_mul|aes_sbox|struct hmac" \
		"$TOP/pkgtool/vault.c" "$TOP/pkgtool/vault.h"
'
test_done
