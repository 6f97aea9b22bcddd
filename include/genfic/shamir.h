/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shamir's secret sharing over GF(2^8), byte by byte: any threshold of
 * the shares rebuild the secret, fewer say nothing about it.
 */
#ifndef GENFIC_SHAMIR_H
#define GENFIC_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define SHAMIR_MAX_SHARES	255	/* x = 1..255, the field's non-zero */

/* Products and inverses in GF(2^8) modulo x^8+x^4+x^3+x+1 (AES's). */
uint8_t	gf256_mul(uint8_t a, uint8_t b);

/* The inverse of a; 0 for 0. */
uint8_t	gf256_inv(uint8_t a);

/*
 * Splits len bytes of secret into count shares of len bytes each:
 * shares[i] is the share of x = i + 1.  For each byte, a polynomial of
 * degree threshold - 1 whose other coefficients come from RAND_bytes().
 * 2 <= threshold <= count <= SHAMIR_MAX_SHARES.  Returns 0 on success,
 * or a negative GF_ERR_* error code.
 */
int	shamir_split(const uint8_t *secret, size_t len, int threshold,
	    int count, uint8_t *const *shares);

/*
 * The secret (len bytes) the n shares ys[i] of x = xs[i] interpolate to:
 * the secret when n reaches the threshold and every share is right.  xs
 * must be non-zero and distinct.  Returns 0 on success, or a negative
 * GF_ERR_* error code.
 */
int	shamir_combine(const uint8_t *xs, const uint8_t *const *ys, int n,
	    size_t len, uint8_t *secret);

#endif
