/* SPDX-License-Identifier: GPL-2.0-or-later */
/* serial.c: random serials, ASN.1 conversion, hex parsing. */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>

#include "genfic/err.h"
#include "genfic/serial.h"

#include "test.h"

#define SERIAL_DRAWS	1000

static int
serial_cmp(const void *a, const void *b)
{
	const struct serial *x = a, *y = b;

	return memcmp(x->bytes, y->bytes, GF_SERIAL_LEN);
}

static void
test_serial_random(void)
{
	struct serial *s;
	size_t i, bad_len = 0, bad_first = 0, dups = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s = calloc(SERIAL_DRAWS, sizeof(*s)));
	for (i = 0; i < SERIAL_DRAWS; i++) {
		CU_ASSERT_EQUAL(serial_random(&s[i]), 0);
		if (s[i].len != GF_SERIAL_LEN)
			bad_len++;
		if (s[i].bytes[0] < 0x01 || s[i].bytes[0] > 0x7f)
			bad_first++;
	}
	CU_ASSERT_EQUAL(bad_len, 0);
	CU_ASSERT_EQUAL(bad_first, 0);
	qsort(s, SERIAL_DRAWS, sizeof(*s), serial_cmp);
	for (i = 1; i < SERIAL_DRAWS; i++)
		if (serial_cmp(&s[i - 1], &s[i]) == 0)
			dups++;
	CU_ASSERT_EQUAL(dups, 0);
	free(s);
}

/* The DER INTEGER is 02 10 and 16 content octets, the first below 0x80. */
static void
test_serial_to_asn1(void)
{
	struct serial s, back;
	ASN1_INTEGER *ai;
	unsigned char *der;
	size_t bad = 0;
	int i, len;

	for (i = 0; i < 200; i++) {
		CU_ASSERT_EQUAL_FATAL(serial_random(&s), 0);
		ai = NULL;
		CU_ASSERT_EQUAL(serial_to_asn1(&s, &ai), 0);
		if (ai == NULL) {
			bad++;
			continue;
		}
		der = NULL;
		len = i2d_ASN1_INTEGER(ai, &der);
		if (len != 2 + GF_SERIAL_LEN || der[0] != V_ASN1_INTEGER ||
		    der[1] != GF_SERIAL_LEN || (der[2] & 0x80) != 0 ||
		    memcmp(der + 2, s.bytes, GF_SERIAL_LEN) != 0)
			bad++;
		if (ASN1_STRING_type(ai) != V_ASN1_INTEGER)
			bad++;
		memset(&back, 0, sizeof(back));
		if (serial_from_asn1(ai, &back) != 0 ||
		    back.len != s.len || memcmp(back.bytes, s.bytes, s.len) != 0)
			bad++;
		OPENSSL_free(der);
		ASN1_INTEGER_free(ai);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Builds an INTEGER of value sign * (len bytes of fill, first byte first). */
static ASN1_INTEGER *
make_integer(int sign, unsigned char first, unsigned char fill, size_t len)
{
	unsigned char buf[64];
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn;

	if (len == 0)
		return ASN1_INTEGER_new();	/* zero */
	memset(buf, fill, len);
	buf[0] = first;
	if ((bn = BN_bin2bn(buf, (int)len, NULL)) == NULL)
		return NULL;
	BN_set_negative(bn, sign < 0);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return ai;
}

static const struct asn1_case {
	const char	*what;
	int		 sign;
	unsigned char	 first;
	unsigned char	 fill;
	size_t		 len;
	int		 code;
} asn1_cases[] = {
	{ "zero", 1, 0, 0, 0, GF_ERR_FORMAT },
	{ "minus one", -1, 0x01, 0, 1, GF_ERR_FORMAT },
	{ "negative 16 octets", -1, 0x12, 0x34, 16, GF_ERR_FORMAT },
	{ "21 octets", 1, 0x01, 0xff, 21, GF_ERR_FORMAT },
	{ "21 octets high bit", 1, 0x80, 0x00, 21, GF_ERR_FORMAT },
	{ "one", 1, 0x01, 0, 1, 0 },
	{ "20 octets", 1, 0x7f, 0xff, 20, 0 },
	{ "20 octets high bit", 1, 0xff, 0xff, 20, 0 },
	{ "16 octets", 1, 0x12, 0x34, 16, 0 },
};

static void
test_serial_from_asn1(void)
{
	struct serial s;
	ASN1_INTEGER *ai;
	size_t i;
	int r;

	for (i = 0; i < sizeof(asn1_cases) / sizeof(asn1_cases[0]); i++) {
		const struct asn1_case *t = &asn1_cases[i];

		ai = make_integer(t->sign, t->first, t->fill, t->len);
		CHECK_ROW(ai != NULL, t->what);
		if (ai == NULL)
			continue;
		memset(&s, 0xee, sizeof(s));
		r = serial_from_asn1(ai, &s);
		CHECK_ROW(r == t->code, t->what);
		if (t->code == 0)
			CHECK_ROW(s.len == t->len && s.bytes[0] == t->first &&
			    (t->len < 2 || s.bytes[t->len - 1] == t->fill),
			    t->what);
		ASN1_INTEGER_free(ai);
	}
}

static const struct hex_case {
	const char	*text;
	int		 code;
	size_t		 len;
	unsigned char	 bytes[GF_SERIAL_MAX];
	const char	*hex;		/* serial_to_hex() of the result */
} hex_cases[] = {
	{ "0x0A:BC", 0, 2, { 0x0a, 0xbc }, "0ABC" },
	{ "abc", 0, 2, { 0x0a, 0xbc }, "0ABC" },
	{ "0Xabc", 0, 2, { 0x0a, 0xbc }, "0ABC" },
	{ "0a:bc", 0, 2, { 0x0a, 0xbc }, "0ABC" },
	{ "000001", 0, 1, { 0x01 }, "01" },
	{ "00:00:7f", 0, 1, { 0x7f }, "7F" },
	{ "1", 0, 1, { 0x01 }, "01" },
	{ "DeadBeef", 0, 4, { 0xde, 0xad, 0xbe, 0xef }, "DEADBEEF" },
	{ "ffffffffffffffffffffffffffffffffffffffff", 0, 20,
	    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" },
	{ "", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "0", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "0x", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "00:00", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ ":", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "xyz", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "12g4", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "-1", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ " 1", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "1 ", GF_ERR_FORMAT, 0, { 0 }, NULL },
	{ "0x0x1", GF_ERR_FORMAT, 0, { 0 }, NULL },
	/* 41 and 42 digits: 21 octets. */
	{ "10000000000000000000000000000000000000000", GF_ERR_FORMAT, 0,
	    { 0 }, NULL },
	{ "ff0000000000000000000000000000000000000000", GF_ERR_FORMAT, 0,
	    { 0 }, NULL },
	{ "1000000000000000000000000000000000000000000000000000000000000000",
	    GF_ERR_FORMAT, 0, { 0 }, NULL },
};

static void
test_serial_from_hex(void)
{
	struct serial s;
	char hex[2 * GF_SERIAL_MAX + 1];
	size_t i;
	int r;

	for (i = 0; i < sizeof(hex_cases) / sizeof(hex_cases[0]); i++) {
		const struct hex_case *t = &hex_cases[i];

		memset(&s, 0xee, sizeof(s));
		r = serial_from_hex(t->text, &s);
		CHECK_ROW(r == t->code, t->text);
		if (r != 0 || t->code != 0)
			continue;
		CHECK_ROW(s.len == t->len &&
		    memcmp(s.bytes, t->bytes, t->len) == 0, t->text);
		serial_to_hex(&s, hex);
		CHECK_ROW(strcmp(hex, t->hex) == 0, t->text);
	}
}

static void
test_serial_hex_round_trip(void)
{
	struct serial s, back;
	char hex[2 * GF_SERIAL_MAX + 1];
	size_t bad = 0;
	int i;

	for (i = 0; i < 200; i++) {
		CU_ASSERT_EQUAL_FATAL(serial_random(&s), 0);
		serial_to_hex(&s, hex);
		if (strlen(hex) != 2 * GF_SERIAL_LEN ||
		    strspn(hex, "0123456789ABCDEF") != strlen(hex))
			bad++;
		memset(&back, 0, sizeof(back));
		if (serial_from_hex(hex, &back) != 0 || back.len != s.len ||
		    memcmp(back.bytes, s.bytes, s.len) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int
test_serial_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("serial", NULL, NULL)) == NULL ||
	    CU_add_test(s, "serial_random", test_serial_random) == NULL ||
	    CU_add_test(s, "serial_to_asn1 DER", test_serial_to_asn1) == NULL ||
	    CU_add_test(s, "serial_from_asn1 rows",
	    test_serial_from_asn1) == NULL ||
	    CU_add_test(s, "serial_from_hex rows",
	    test_serial_from_hex) == NULL ||
	    CU_add_test(s, "hex round trip",
	    test_serial_hex_round_trip) == NULL)
		return -1;
	return 0;
}
