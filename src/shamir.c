/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shamir's secret sharing over GF(2^8).  The arithmetic has no tables and
 * no branches on its operands: the secret bytes pass through it, and a
 * log/exp table lookup would index memory by them.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "genfic/err.h"
#include "genfic/shamir.h"

uint8_t
gf256_mul(uint8_t a, uint8_t b)
{
	unsigned int p = 0, x = a, y = b;
	int i;

	for (i = 0; i < 8; i++) {
		p ^= x & (0U - (y & 1));
		/* x * t, reduced by x^8 = x^4+x^3+x+1 when bit 8 is set. */
		x = (x << 1) ^ (0x11bU & (0U - (x >> 7)));
		y >>= 1;
	}
	return (uint8_t)p;
}

uint8_t
gf256_inv(uint8_t a)
{
	uint8_t r = 1, p = a;
	int i;

	/* a^254 = a^-1 (a^255 = 1): 254 = 2+4+...+128. */
	for (i = 1; i < 8; i++) {
		p = gf256_mul(p, p);
		r = gf256_mul(r, p);
	}
	return r;
}

int
shamir_split(const uint8_t *secret, size_t len, int threshold, int count,
    uint8_t *const *shares)
{
	uint8_t *coef, y;
	size_t i;
	int k, j, r = 0;

	if (threshold < 2 || threshold > count || count > SHAMIR_MAX_SHARES)
		return gf_fail(GF_ERR_USAGE, "a %d-of-%d split: the threshold "
		    "is 2 to the number of shares, at most %d", threshold,
		    count, SHAMIR_MAX_SHARES);
	/* The coefficients of one byte's polynomial, a[1..threshold-1]. */
	if ((coef = OPENSSL_secure_malloc(threshold)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; i < len; i++) {
		if (RAND_bytes(coef + 1, threshold - 1) != 1) {
			r = gf_fail_crypto("random coefficients");
			break;
		}
		coef[0] = secret[i];
		for (k = 0; k < count; k++) {
			/* Horner: f(x) = (...(a[t-1] x + a[t-2]) x ...) + a[0]. */
			y = coef[threshold - 1];
			for (j = threshold - 2; j >= 0; j--)
				y = gf256_mul(y, (uint8_t)(k + 1)) ^ coef[j];
			shares[k][i] = y;
		}
	}
	OPENSSL_secure_clear_free(coef, threshold);
	return r;
}

int
shamir_combine(const uint8_t *xs, const uint8_t *const *ys, int n, size_t len,
    uint8_t *secret)
{
	uint8_t lagrange[SHAMIR_MAX_SHARES], num, den, s;
	size_t b;
	int i, j;

	if (n < 1 || n > SHAMIR_MAX_SHARES)
		return gf_fail(GF_ERR_USAGE, "%d shares: 1 to %d combine", n,
		    SHAMIR_MAX_SHARES);
	/* l_i(0) = prod over j != i of x_j / (x_j - x_i); minus is xor. */
	for (i = 0; i < n; i++) {
		if (xs[i] == 0)
			return gf_fail(GF_ERR_FORMAT, "share 0: no share has "
			    "x = 0, the secret's own point");
		num = den = 1;
		for (j = 0; j < n; j++) {
			if (j == i)
				continue;
			if (xs[j] == xs[i])
				return gf_fail(GF_ERR_FORMAT, "share %d given "
				    "twice", xs[i]);
			num = gf256_mul(num, xs[j]);
			den = gf256_mul(den, xs[j] ^ xs[i]);
		}
		lagrange[i] = gf256_mul(num, gf256_inv(den));
	}
	for (b = 0; b < len; b++) {
		s = 0;
		for (i = 0; i < n; i++)
			s ^= gf256_mul(ys[i][b], lagrange[i]);
		secret[b] = s;
	}
	return 0;
}
