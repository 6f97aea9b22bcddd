/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Certificate serial numbers: random, positive, stored as magnitude bytes. */
#ifndef GENFIC_SERIAL_H
#define GENFIC_SERIAL_H

#include <stddef.h>
#include <openssl/asn1.h>

#define GF_SERIAL_LEN		16	/* what we issue */
#define GF_SERIAL_MAX		20	/* RFC 5280 4.1.2.2 */

struct serial {
	unsigned char	bytes[GF_SERIAL_MAX];
	size_t		len;
};

/* 16 CSPRNG bytes, positive, without a leading zero byte. */
int	serial_random(struct serial *s);

int	serial_to_asn1(const struct serial *s, ASN1_INTEGER **ai);
int	serial_from_asn1(const ASN1_INTEGER *ai, struct serial *s);

/* Uppercase hex, no separators; buf holds at least 2 * GF_SERIAL_MAX + 1. */
void	serial_to_hex(const struct serial *s, char *buf);

/* Parses hex with optional "0x" prefix and ':' separators. */
int	serial_from_hex(const char *text, struct serial *s);

#endif
