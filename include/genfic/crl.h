/* SPDX-License-Identifier: GPL-2.0-or-later */
/* X.509 v2 CRLs built from the store (RFC 5280 section 5). */
#ifndef GENFIC_CRL_H
#define GENFIC_CRL_H

#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

struct store;
struct ca;
struct buf;

struct crl_params {
	time_t	 this_update;
	time_t	 next_update;
	int	 include_expired;	/* keep certificates past notAfter */
	/* The generation signing (generation.h): 0s for the only one. */
	int	 generation;
	int64_t	 first_cert;		/* the first cert.id it signed */
	int64_t	 end_cert;		/* the first it did not, or 0 */
};

/*
 * Issues the CA's next CRL: takes its number, builds and signs the CRL
 * from the revoked certificates, stores it and advances the number, all
 * in one transaction.  Appends the DER to der; *number is the crlNumber
 * used and *count the entries.
 */
int	crl_issue(struct store *st, const struct ca *ca, EVP_PKEY *key,
	    const struct crl_params *params, struct buf *der, int64_t *number,
	    long *count);

#endif
