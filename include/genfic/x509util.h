/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers around OpenSSL's X.509 types: loading, times, digests. */
#ifndef GENFIC_X509UTIL_H
#define GENFIC_X509UTIL_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#define GF_SHA256_LEN	32
#define GF_ISO_TIME_LEN	21	/* "2026-11-23T12:00:00Z" + NUL */

/*
 * Returns the DER inside data: itself, or the PEM block labelled one of
 * labels (NULL-terminated) decoded.  *der is then a new buffer to free().
 */
int	pem_or_der(const unsigned char *data, size_t len,
	    const char *const *labels, unsigned char **der, size_t *derlen);

/* Loads a certificate (PEM or DER) with no trailing bytes. */
int	x509_load(const char *path, X509 **cert);
int	x509_from_der(const unsigned char *der, size_t len, X509 **cert);

/* PEM (RFC 7468) of der under label, NUL-terminated; free() it. */
int	der_to_pem(const char *label, const unsigned char *der, size_t derlen,
	    char **pem, size_t *len);

/*
 * basicConstraints cA of cert, and its pathLenConstraint in *pathlen (-1:
 * none) when pathlen is not NULL; X509_get_extension_flags() would hash
 * the whole certificate.
 */
int	x509_is_ca(X509 *cert, long *pathlen);

/* PEM text of cert in a new buffer. */
int	x509_to_pem(X509 *cert, char **pem, size_t *len);

/*
 * SHA-256, fetched once: OpenSSL 3 looks EVP_sha256() up in its providers
 * on every use, which costs more than hashing a key or a certificate.
 */
const EVP_MD	*gf_sha256(void);

int	x509_fingerprint(X509 *cert, unsigned char md[GF_SHA256_LEN]);

/*
 * Sets spki to the algorithm alg and the key bytes given, as they are:
 * nothing is decoded or re-encoded.
 */
int	spki_set(X509_PUBKEY *spki, const X509_ALGOR *alg,
	    const unsigned char *key, int keylen);

/* SHA-256 of the DER SubjectPublicKeyInfo. */
int	spki_hash(const X509_PUBKEY *spki, unsigned char md[GF_SHA256_LEN]);

/* A copy of spki as encoded (through its DER), or NULL. */
X509_PUBKEY	*spki_copy(const X509_PUBKEY *spki);

/* Converts an ASN.1 time to seconds since the epoch. */
int	asn1_time_to_unix(const ASN1_TIME *t, time_t *out);

/* "YYYY-MM-DDTHH:MM:SSZ" */
void	time_to_iso(time_t t, char buf[GF_ISO_TIME_LEN]);

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
int	time_from_iso(const char *text, time_t *out);

/* Lowercase hex of len bytes into buf (2 * len + 1). */
void	hex_encode(const unsigned char *data, size_t len, char *buf);

#endif
