/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Certificate signing requests: bounded loading and proof of possession. */
#ifndef GENFIC_CSR_H
#define GENFIC_CSR_H

#include <stddef.h>
#include <openssl/x509.h>

struct csr_asn1;

/* A parsed PKCS #10 request (RFC 2986). */
struct csr {
	const X509_NAME		*subject;	/* part of asn1 */
	X509_PUBKEY		*spki;		/* the key as the request encodes it */
	EVP_PKEY		*pkey;		/* the same key, decoded */
	STACK_OF(X509_EXTENSION) *exts;		/* requested, or NULL */
	struct csr_asn1		*asn1;		/* the request as it was read */
};

/*
 * Parses a PEM or DER CSR, refusing trailing bytes and an extension
 * request that does not parse or comes in more than one attribute.
 */
int	csr_parse(const unsigned char *data, size_t len, struct csr **csr);

/*
 * Decodes a SubjectPublicKeyInfo (DER, no trailing bytes) as a request's
 * key is decoded: the same refusals (small-order points, a key that is not
 * a whole number of bytes, a point not on its curve), the same fast path
 * for the common types.  An EC key on a named curve decodes to a shared
 * key holding the curve alone: enough to judge the key by, and what is
 * certified is *spki, copied as it is.  Rebuilding the key itself for
 * every request cost as much as the rest of a parser's reply.
 */
int	csr_spki_parse(const unsigned char *der, size_t len,
	    X509_PUBKEY **spki, EVP_PKEY **pkey);

/* Reads and parses the CSR at path (at most GF_MAX_INPUT_FILE bytes). */
int	csr_load(const char *path, struct csr **csr);

void	csr_free(struct csr *csr);

/* Checks the CSR's self-signature (proof of possession). */
int	csr_verify(const struct csr *csr);

/* Refuses a request that asks for an extension twice (RFC 5280 4.2). */
int	csr_check_extensions(const struct csr *csr);

/* The CSR's subjectAltName, or NULL in *san when it has none. */
int	csr_get_san(const struct csr *csr, GENERAL_NAMES **san);

#endif
