/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building, signing and recording certificates. */
#ifndef GENFIC_ISSUE_H
#define GENFIC_ISSUE_H

#include <stdint.h>
#include <time.h>
#include <openssl/x509v3.h>

struct ca_limits;
struct cert_row;
struct constraints;
struct store;
struct template;
struct serial;

struct issue_request {
	const struct template	*tmpl;
	const X509_NAME		*subject;
	EVP_PKEY		*pubkey;	/* the subject's key */
	const X509_PUBKEY	*spki;		/* its encoding, or NULL */
	/* spki's spki_hash(), or NULL: hashed from the certificate. */
	const unsigned char	*spki_hash;
	const GENERAL_NAMES	*san;		/* or NULL */
	int			 days;
	int			 no_clamp;	/* refuse instead of clamping */
	X509			*issuer_cert;	/* NULL: self-signed */
	EVP_PKEY		*issuer_key;
	/* Its key_sign_setup() context, or NULL: set up for each. */
	const EVP_MD_CTX	*issuer_sign;
	/* Of the issuer and the CAs above it; required with issuer_cert. */
	const struct constraints *constraints;
	const struct ca_limits	*limits;	/* a new CA's, or NULL */
	const char		*crl_url;	/* the issuer's, or NULL */
	const char		*ocsp_url;
	const char		*ca_issuers_url;
	int			*clamped;	/* counts clamps instead of warning */
	const char		*operation;	/* its audit entry's, or NULL: "issue" */
	const char		*owner;		/* its owner's address, or NULL */
};

/*
 * The notAfter of a certificate issued at now for days by issuer (NULL:
 * self-signed): cut to the issuer's notAfter, *clamped then 1, or refused
 * with no_clamp; refused when the issuer has expired.
 */
int	issue_validity(X509 *issuer, int days, int no_clamp, time_t now,
	    time_t *not_after, int *clamped);

/*
 * Builds and signs the certificate with the given serial.  A CA's is
 * checked against the constraints of the CAs above; an end entity's
 * names are judged with its request (request.h), not here.
 */
int	issue_build(const struct issue_request *req, const struct serial *serial,
	    X509 **cert);

/*
 * The first step of every issuance, CA or leaf: a random serial,
 * issue_build(), and the certificate's certdb_row() in *row.  It needs no
 * store, so any thread may run it; issue_commit() records the result.
 */
int	issue_prepare(const struct issue_request *req, X509 **cert,
	    struct cert_row *row);

/*
 * The second step: inserts a certificate built by issue_prepare() (or
 * issue_build(), row being its certdb_row()), and appends the audit
 * entry; 0 only when the row is inserted; refuses (GF_ERR_POLICY) a key
 * revoked for keyCompromise (revoke_check_key()); on a serial collision it
 * signs again with a fresh serial, replacing *cert (which may be NULL)
 * and *row.  The owner, if any, must pass owner_check() (owner.h): it is
 * recorded with the row.  Runs inside the caller's write transaction.  *cert_id (when
 * not NULL) is set as soon as the row is inserted: set after a failure,
 * the transaction holds a row with no audit entry and must roll back.
 */
int	issue_commit(struct store *st, int64_t issuer_id,
	    const char *issuer_name, const struct issue_request *req,
	    const char *label, X509 **cert, struct cert_row *row,
	    int64_t *cert_id);

#endif
