/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Serial numbers. */
#include <ctype.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/rand.h>

#include "genfic/err.h"
#include "genfic/serial.h"

int
serial_random(struct serial *s)
{
	if (RAND_bytes(s->bytes, GF_SERIAL_LEN) != 1)
		return gf_fail_crypto("random serial");
	/*
	 * Clearing the top bit keeps the INTEGER positive without a sign
	 * byte; a non-zero first byte keeps it 16 octets long in DER.
	 */
	s->bytes[0] &= 0x7f;
	if (s->bytes[0] == 0)
		s->bytes[0] = 0x01;
	s->len = GF_SERIAL_LEN;
	return 0;
}

int
serial_to_asn1(const struct serial *s, ASN1_INTEGER **out)
{
	BIGNUM *bn;
	ASN1_INTEGER *ai = NULL;

	if ((bn = BN_bin2bn(s->bytes, (int)s->len, NULL)) == NULL ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
		BN_free(bn);
		return gf_fail_crypto("serial");
	}
	BN_free(bn);
	*out = ai;
	return 0;
}

int
serial_from_asn1(const ASN1_INTEGER *ai, struct serial *s)
{
	BIGNUM *bn;
	int n, r = 0;

	if ((bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL)
		return gf_fail_crypto("serial");
	if (BN_is_negative(bn) || BN_is_zero(bn))
		r = gf_fail(GF_ERR_FORMAT, "serial number is not positive");
	else if ((n = BN_num_bytes(bn)) > GF_SERIAL_MAX)
		r = gf_fail(GF_ERR_FORMAT, "serial number of %d octets exceeds "
		    "the %d of RFC 5280 4.1.2.2", n, GF_SERIAL_MAX);
	else
		s->len = (size_t)BN_bn2bin(bn, s->bytes);
	BN_free(bn);
	return r;
}

void
serial_to_hex(const struct serial *s, char *buf)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < s->len; i++) {
		buf[2 * i] = hex[s->bytes[i] >> 4];
		buf[2 * i + 1] = hex[s->bytes[i] & 0x0f];
	}
	buf[2 * s->len] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
serial_from_hex(const char *text, struct serial *s)
{
	char digits[2 * GF_SERIAL_MAX + 2];
	const char *p = text;
	size_t n = 0, i, off;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (hexval((unsigned char)*p) < 0 || n == sizeof(digits) - 1)
			return gf_fail(GF_ERR_FORMAT, "'%s' is not a serial "
			    "number (hex, at most %d octets)", text,
			    GF_SERIAL_MAX);
		digits[n++] = *p;
	}
	/* Skip leading zeros: the stored form is the bare magnitude. */
	for (i = 0; i < n && digits[i] == '0'; i++)
		;
	if (i == n)
		return gf_fail(GF_ERR_FORMAT, "'%s' is not a positive serial "
		    "number", text);
	if ((n - i + 1) / 2 > GF_SERIAL_MAX)
		return gf_fail(GF_ERR_FORMAT, "'%s' is longer than %d octets",
		    text, GF_SERIAL_MAX);
	s->len = (n - i + 1) / 2;
	memset(s->bytes, 0, sizeof(s->bytes));
	/* Fill from the right so an odd digit count pads the first octet. */
	for (off = 0; off < n - i; off++) {
		size_t d = n - 1 - off, byte = s->len - 1 - off / 2;
		int v = hexval((unsigned char)digits[d]);

		s->bytes[byte] |= (unsigned char)(off % 2 ? v << 4 : v);
	}
	return 0;
}
