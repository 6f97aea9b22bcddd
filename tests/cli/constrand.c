/*
 * A planted fault: LD_PRELOAD'ed into genfic-ca, it makes RAND_bytes()
 * return the same bytes on every call, so that every random serial is the
 * one before.  OpenSSL's own key generation and signing draw from
 * RAND_bytes_ex() and RAND_priv_bytes_ex() and are not affected.
 */
#include <string.h>

#include <openssl/rand.h>

int
RAND_bytes(unsigned char *buf, int num)
{
	if (num < 0)
		return 0;
	memset(buf, 0x5a, (size_t)num);
	return 1;
}
