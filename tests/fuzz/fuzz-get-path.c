/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The path of an RFC 5019 GET as genfic-ocspd receives it (libmicrohttpd
 * leaves it escaped): http_decode_get().  What decodes is within the
 * request cap and decodes again, identically, from padded base64.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "genfic/err.h"
#include "ocspd-local.h"
#include "fuzz.h"

static void
check_decoded(const unsigned char *der, size_t len)
{
	unsigned char *b64, *again = NULL;
	size_t len2;

	if (len == 0 || len > OCSPD_MAX_REQUEST)
		fuzz_die("decoded %zu octets", len);
	/*
	 * Leading '/'s are path, not base64: octets whose base64 starts
	 * with '/' (sextet 63) cannot come back.  DER starts with 'M'.
	 */
	if (der[0] >> 2 == 63)
		return;
	if ((b64 = malloc(1 + 4 * ((len + 2) / 3) + 1)) == NULL)
		fuzz_die("out of memory");
	b64[0] = '/';
	EVP_EncodeBlock(b64 + 1, der, (int)len);
	if (http_decode_get((char *)b64, &again, &len2) != 0 ||
	    len2 != len || memcmp(der, again, len) != 0)
		fuzz_die("%s does not decode to what it encodes", b64);
	free(again);
	free(b64);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *path = fuzz_string(data, size);

	if (http_decode_get(path, &der, &len) == 0)
		check_decoded(der, len);
	free(der);
	free(path);
	gf_errclear();
	return 0;
}
