/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable buffer and the few DER encoders the CRL writer needs.  Only
 * encoding lives here; parsing is left to OpenSSL's templates.
 */
#ifndef GENFIC_DER_H
#define GENFIC_DER_H

#include <stddef.h>
#include <time.h>

#define DER_SEQUENCE		0x30
#define DER_INTEGER		0x02
#define DER_OCTET_STRING	0x04
#define DER_OID			0x06
#define DER_ENUMERATED		0x0a
#define DER_UTCTIME		0x17
#define DER_GENERALIZEDTIME	0x18
#define DER_BIT_STRING		0x03

struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	int		 failed;	/* an allocation failed; data is partial */
};

void	buf_init(struct buf *b);
void	buf_free(struct buf *b);
void	buf_add(struct buf *b, const void *data, size_t len);

/* Makes room for len more bytes in one allocation. */
void	buf_reserve(struct buf *b, size_t len);

/* Appends a tag and a definite length. */
void	der_header(struct buf *b, unsigned char tag, size_t len);
/* The size of that header. */
size_t	der_header_len(size_t len);

/* Appends tag, length and content. */
void	der_wrap(struct buf *b, unsigned char tag, const void *data, size_t len);

/* An INTEGER of a positive big-endian magnitude (sign byte added if needed). */
void	der_integer(struct buf *b, const unsigned char *mag, size_t len);

/* UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
void	der_time(struct buf *b, time_t t);

void	der_generalized_time(struct buf *b, time_t t);

#endif
