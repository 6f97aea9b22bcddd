/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A planted fault: LD_PRELOAD'ed into genfic-ca, it makes RAND_bytes()
 * return the same bytes on every call, so that every random serial is the
 * one before.  OpenSSL's own key generation and signing draw from
 * RAND_bytes_ex() and RAND_priv_bytes_ex() and are not affected.  With
 * GF_CONSTRAND_ALTERNATE set, only every other call (the first, third,
 * ...) is constant and the others are random: each serial that collides
 * is taken on its first retry.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

int
RAND_bytes(unsigned char *buf, int num)
{
	static unsigned long calls;
	int (*real)(unsigned char *, int);

	if (num < 0)
		return 0;
	if (getenv("GF_CONSTRAND_ALTERNATE") != NULL && calls++ % 2 == 1) {
		if ((real = (int (*)(unsigned char *, int))dlsym(RTLD_NEXT,
		    "RAND_bytes")) == NULL)
			return 0;
		return real(buf, num);
	}
	memset(buf, 0x5a, (size_t)num);
	return 1;
}
