/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shamir.c and keyshare.c: GF(2^8), split and combine, share files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "genfic/err.h"
#include "genfic/keyshare.h"
#include "genfic/shamir.h"

#include "test.h"

/* Carry-less product, then reduction: the slow, obvious way. */
static uint8_t
ref_mul(uint8_t a, uint8_t b)
{
	unsigned int p = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (b & (1U << i))
			p ^= (unsigned int)a << i;
	for (i = 14; i >= 8; i--)
		if (p & (1U << i))
			p ^= 0x11bU << (i - 8);
	return (uint8_t)p;
}

static void
test_gf256_mul(void)
{
	unsigned int a, b;
	int bad = 0;

	/* FIPS 197, 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}. */
	CU_ASSERT_EQUAL(gf256_mul(0x57, 0x83), 0xc1);
	CU_ASSERT_EQUAL(gf256_mul(0x57, 0x13), 0xfe);
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			if (gf256_mul(a, b) != ref_mul(a, b) ||
			    gf256_mul(a, b) != gf256_mul(b, a))
				bad++;
	CU_ASSERT_EQUAL(bad, 0);
	for (a = 0; a < 256; a++) {
		CU_ASSERT_EQUAL(gf256_mul(a, 1), a);
		CU_ASSERT_EQUAL(gf256_mul(a, 0), 0);
	}
}

static void
test_gf256_inv(void)
{
	unsigned int a;

	CU_ASSERT_EQUAL(gf256_inv(0), 0);
	CU_ASSERT_EQUAL(gf256_inv(1), 1);
	/* FIPS 197, 4.2.1 (and the S-box's input): {53}^-1 = {ca}. */
	CU_ASSERT_EQUAL(gf256_inv(0x53), 0xca);
	for (a = 1; a < 256; a++)
		CU_ASSERT_EQUAL(gf256_mul(a, gf256_inv(a)), 1);
}

#define SECRET_LEN	100

static int
combine_of(uint8_t *const *shares, const int *pick, int n, uint8_t *out)
{
	const uint8_t *ys[SHAMIR_MAX_SHARES];
	uint8_t xs[SHAMIR_MAX_SHARES];
	int i;

	for (i = 0; i < n; i++) {
		xs[i] = (uint8_t)(pick[i] + 1);
		ys[i] = shares[pick[i]];
	}
	return shamir_combine(xs, ys, n, SECRET_LEN, out);
}

/* 3-of-5: every 3, 4 or 5 of them (in any order) rebuild; no 2 do. */
static void
test_shamir_3_of_5(void)
{
	uint8_t secret[SECRET_LEN], out[SECRET_LEN], buf[5][SECRET_LEN];
	uint8_t *shares[5] = { buf[0], buf[1], buf[2], buf[3], buf[4] };
	int pick[5], a, b, c, d, rebuilt = 0, pairs = 0;

	CU_ASSERT_FATAL(RAND_bytes(secret, sizeof(secret)) == 1);
	CU_ASSERT_FATAL(shamir_split(secret, SECRET_LEN, 3, 5, shares) == 0);
	for (a = 0; a < 5; a++)
		for (b = a + 1; b < 5; b++) {
			pick[0] = b, pick[1] = a;
			CU_ASSERT(combine_of(shares, pick, 2, out) == 0);
			CU_ASSERT(memcmp(out, secret, SECRET_LEN) != 0);
			pairs++;
			for (c = b + 1; c < 5; c++) {
				pick[0] = c, pick[1] = a, pick[2] = b;
				CU_ASSERT(combine_of(shares, pick, 3, out) == 0);
				rebuilt += memcmp(out, secret, SECRET_LEN) == 0;
				for (d = c + 1; d < 5; d++) {
					pick[3] = d;
					CU_ASSERT(combine_of(shares, pick, 4,
					    out) == 0);
					CU_ASSERT(memcmp(out, secret,
					    SECRET_LEN) == 0);
				}
			}
		}
	CU_ASSERT_EQUAL(pairs, 10);
	CU_ASSERT_EQUAL(rebuilt, 10);
	pick[0] = 4, pick[1] = 3, pick[2] = 2, pick[3] = 1, pick[4] = 0;
	CU_ASSERT(combine_of(shares, pick, 5, out) == 0);
	CU_ASSERT(memcmp(out, secret, SECRET_LEN) == 0);
	/* No share is the secret, nor any two alike. */
	for (a = 0; a < 5; a++) {
		CU_ASSERT(memcmp(shares[a], secret, SECRET_LEN) != 0);
		for (b = a + 1; b < 5; b++)
			CU_ASSERT(memcmp(shares[a], shares[b], SECRET_LEN) != 0);
	}
}

/*
 * Fewer than the threshold say nothing: with 2 of a 3-of-5 split of a
 * fixed byte fixed, the third share varies over all 256 values as the
 * secret does, each secret equally likely; checked here as "every
 * secret byte is reached" over splits of one secret: share 1's values
 * spread over the whole field.
 */
static void
test_shamir_spread(void)
{
	uint8_t secret = 0x42, buf[3], *shares[3] = { &buf[0], &buf[1],
	    &buf[2] }, seen[256] = { 0 };
	int i, distinct = 0;

	for (i = 0; i < 4096; i++) {
		CU_ASSERT_FATAL(shamir_split(&secret, 1, 2, 3, shares) == 0);
		seen[buf[0]] = 1;
	}
	for (i = 0; i < 256; i++)
		distinct += seen[i];
	/* 4096 uniform draws miss a value with probability ~ 256 e^-16. */
	CU_ASSERT_EQUAL(distinct, 256);
}

static void
test_shamir_refusals(void)
{
	uint8_t secret[4] = { 1, 2, 3, 4 }, buf[3][4], out[4];
	uint8_t *shares[3] = { buf[0], buf[1], buf[2] };
	const uint8_t *ys[3] = { buf[0], buf[1], buf[2] };
	uint8_t dup[3] = { 1, 2, 1 }, zero[3] = { 0, 1, 2 };

	CU_ASSERT_EQUAL(shamir_split(secret, 4, 1, 3, shares), GF_ERR_USAGE);
	CU_ASSERT_EQUAL(shamir_split(secret, 4, 4, 3, shares), GF_ERR_USAGE);
	CU_ASSERT_EQUAL(shamir_split(secret, 4, 2, 256, shares), GF_ERR_USAGE);
	CU_ASSERT_EQUAL(shamir_split(secret, 4, 3, 3, shares), 0);
	CU_ASSERT_EQUAL(shamir_combine(dup, ys, 3, 4, out), GF_ERR_FORMAT);
	CU_ASSERT_EQUAL(shamir_combine(zero, ys, 3, 4, out), GF_ERR_FORMAT);
	CU_ASSERT_EQUAL(shamir_combine(dup, ys, 0, 4, out), GF_ERR_USAGE);
}

/* A share of 40 bytes, as cmd-backup.c fills one. */
static void
sample_share(struct keyshare *ks)
{
	static uint8_t data[40];
	size_t i;

	memset(ks, 0, sizeof(*ks));
	snprintf(ks->ca, sizeof(ks->ca), "genfic-root");
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 5);
	memset(ks->key_sha256, 0xab, sizeof(ks->key_sha256));
	memset(ks->cert_sha256, 0x5c, sizeof(ks->cert_sha256));
	memset(ks->backup, 0x11, sizeof(ks->backup));
	ks->index = 2;
	ks->count = 5;
	ks->threshold = 3;
	ks->data = data;
	ks->len = sizeof(data);
}

static int
same_share(const struct keyshare *a, const struct keyshare *b)
{
	return strcmp(a->ca, b->ca) == 0 && a->index == b->index &&
	    a->count == b->count && a->threshold == b->threshold &&
	    memcmp(a->key_sha256, b->key_sha256, 32) == 0 &&
	    memcmp(a->cert_sha256, b->cert_sha256, 32) == 0 &&
	    memcmp(a->backup, b->backup, sizeof(a->backup)) == 0 &&
	    a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void
test_keyshare_roundtrip(void)
{
	struct keyshare ks, back;
	char *text = NULL;
	size_t len = 0;

	sample_share(&ks);
	CU_ASSERT_FATAL(keyshare_format(&ks, &text, &len) == 0);
	CU_ASSERT(strstr(text, "-----BEGIN " KEYSHARE_PEM_NAME "-----\n"
	    "Version: 1\nCA: genfic-root\n") != NULL);
	CU_ASSERT(strstr(text, "Share: 2 of 5\nThreshold: 3\n") != NULL);
	CU_ASSERT(keyshare_parse(text, len, &back) == 0);
	CU_ASSERT(same_share(&ks, &back));
	keyshare_clear(&back);
	keyshare_text_free(text, len);
}

/*
 * Every one-byte change of the block is refused, or (a base64 bit that
 * decodes to nothing, trailing white space) leaves the share the same.
 */
static void
test_keyshare_one_byte(void)
{
	static const unsigned char subst[] = { 'A', '0', ' ', '\n', '-', ':' };
	struct keyshare ks, back;
	char *text = NULL, *copy;
	size_t len = 0, i, k, begin;
	int unnoticed = 0, refused = 0;

	sample_share(&ks);
	CU_ASSERT_FATAL(keyshare_format(&ks, &text, &len) == 0);
	begin = strstr(text, "-----BEGIN") - text;
	CU_ASSERT_FATAL((copy = malloc(len)) != NULL);
	for (i = begin; i < len; i++)
		for (k = 0; k < sizeof(subst) + 1; k++) {
			memcpy(copy, text, len);
			copy[i] = k < sizeof(subst) ? (char)subst[k] :
			    (char)(text[i] ^ 0x01);
			if (copy[i] == text[i])
				continue;
			if (keyshare_parse(copy, len, &back) != 0) {
				refused++;
				continue;
			}
			if (!same_share(&ks, &back)) {
				unnoticed++;
				fprintf(stderr, "unnoticed: byte %zu as 0x%02x\n",
				    i, (unsigned char)copy[i]);
			}
			keyshare_clear(&back);
		}
	CU_ASSERT_EQUAL(unnoticed, 0);
	CU_ASSERT(refused > 0);
	free(copy);
	keyshare_text_free(text, len);
}

static const struct malformed_case {
	const char	*from;		/* replaced in a good share */
	const char	*to;
	const char	*msg;
} malformed_cases[] = {
	{ "Version: 1", "Version: 2", "not a version 1" },
	{ "CA: genfic-root", "CA: ../etc", "not a CA name" },
	{ "Share: 2 of 5", "Share: 6 of 5", "1 <= K <= N" },
	{ "Share: 2 of 5", "Share: 02 of 5", "1 <= K <= N" },
	{ "Threshold: 3", "Threshold: 1", "2 <= M <= N" },
	{ "Threshold: 3", "Threshold: 6", "2 <= M <= N" },
	{ "Backup: 1111", "Backup: 111X", "not hex" },
	{ "Key-SHA256: ab", "Key-SHA256: AB", "not hex" },
	{ "-----END " KEYSHARE_PEM_NAME "-----\n", "-----END "
	    KEYSHARE_PEM_NAME "-----\nmore\n", "text after" },
	{ "BEGIN " KEYSHARE_PEM_NAME, "BEGIN CERTIFICATE", "no GENFIC-CA" },
	{ "Threshold: 3\n", "Threshold: 3\nExtra: 1\n", "Checksum line" },
	{ "Threshold: 3\n", "Threshold:  3\n", "2 <= M <= N" },
};

static void
test_keyshare_malformed(void)
{
	struct keyshare ks, back;
	char *text = NULL, *bad, *at;
	size_t len = 0, i, n;
	int r;

	sample_share(&ks);
	CU_ASSERT_FATAL(keyshare_format(&ks, &text, &len) == 0);
	for (i = 0; i < sizeof(malformed_cases) / sizeof(malformed_cases[0]);
	    i++) {
		const struct malformed_case *t = &malformed_cases[i];

		CU_ASSERT_FATAL((at = strstr(text, t->from)) != NULL);
		n = len + strlen(t->to) + 1;
		CU_ASSERT_FATAL((bad = malloc(n)) != NULL);
		snprintf(bad, n, "%.*s%s%s", (int)(at - text), text, t->to,
		    at + strlen(t->from));
		gf_errclear();
		r = keyshare_parse(bad, strlen(bad), &back);
		CHECK_ROW(r == GF_ERR_FORMAT, t->to);
		CHECK_ERRMSG(r, t->msg, t->to);
		free(bad);
	}
	keyshare_text_free(text, len);
}

int
test_shamir_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("shamir", NULL, NULL)) == NULL ||
	    CU_add_test(s, "gf256_mul", test_gf256_mul) == NULL ||
	    CU_add_test(s, "gf256_inv", test_gf256_inv) == NULL ||
	    CU_add_test(s, "3 of 5: every subset", test_shamir_3_of_5) == NULL ||
	    CU_add_test(s, "shares spread", test_shamir_spread) == NULL ||
	    CU_add_test(s, "refusals", test_shamir_refusals) == NULL ||
	    CU_add_test(s, "keyshare round trip",
	    test_keyshare_roundtrip) == NULL ||
	    CU_add_test(s, "keyshare one-byte edits",
	    test_keyshare_one_byte) == NULL ||
	    CU_add_test(s, "keyshare malformed",
	    test_keyshare_malformed) == NULL)
		return -1;
	return 0;
}
