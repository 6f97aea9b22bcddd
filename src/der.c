/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable buffer and DER encoders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/der.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_add(struct buf *b, const void *data, size_t len)
{
	unsigned char *p;
	size_t cap;

	if (b->failed)
		return;
	if (len > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return;
	}
	if (b->len + len > b->cap) {
		cap = b->cap < 256 ? 256 : b->cap;
		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* Room for len more bytes at once: a large buffer is not copied as it grows. */
void
buf_reserve(struct buf *b, size_t len)
{
	unsigned char *p;

	if (b->failed || b->len + len <= b->cap)
		return;
	if (len > SIZE_MAX / 2 - b->len ||
	    (p = realloc(b->data, b->len + len)) == NULL) {
		b->failed = 1;
		return;
	}
	b->data = p;
	b->cap = b->len + len;
}

size_t
der_header_len(size_t len)
{
	size_t n = 2;

	if (len >= 0x80)
		for (; len != 0; len >>= 8)
			n++;
	return n;
}

void
der_header(struct buf *b, unsigned char tag, size_t len)
{
	unsigned char h[10];
	size_t n = 0, i, octets = 0;

	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = (unsigned char)len;
	} else {
		for (i = len; i != 0; i >>= 8)
			octets++;
		h[n++] = (unsigned char)(0x80 | octets);
		for (i = octets; i > 0; i--)
			h[n++] = (unsigned char)(len >> (8 * (i - 1)));
	}
	buf_add(b, h, n);
}

void
der_wrap(struct buf *b, unsigned char tag, const void *data, size_t len)
{
	der_header(b, tag, len);
	buf_add(b, data, len);
}

void
der_integer(struct buf *b, const unsigned char *mag, size_t len)
{
	static const unsigned char zero = 0;

	while (len > 1 && mag[0] == 0) {
		mag++;
		len--;
	}
	if (len > 0 && (mag[0] & 0x80)) {
		der_header(b, DER_INTEGER, len + 1);
		buf_add(b, &zero, 1);
		buf_add(b, mag, len);
	} else
		der_wrap(b, DER_INTEGER, mag, len);
}

static void
der_time_as(struct buf *b, time_t t, int generalized)
{
	struct tm tm;
	char s[20];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
	/* UTCTime is GeneralizedTime without the century. */
	if (generalized)
		der_wrap(b, DER_GENERALIZEDTIME, s, strlen(s));
	else
		der_wrap(b, DER_UTCTIME, s + 2, strlen(s + 2));
}

void
der_time(struct buf *b, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	der_time_as(b, t, tm.tm_year + 1900 >= 2050 || tm.tm_year + 1900 < 1950);
}

void
der_generalized_time(struct buf *b, time_t t)
{
	der_time_as(b, t, 1);
}
