/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Revocation: RFC 5280 reason codes, finding certificates, changing status. */
#ifndef GENFIC_REVOKE_H
#define GENFIC_REVOKE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "genfic/certdb.h"

struct store;
struct ca;

/* CRLReason (RFC 5280 5.3.1); 7 is not used. */
#define GF_REASON_UNSPECIFIED		0
#define GF_REASON_KEY_COMPROMISE	1
#define GF_REASON_CA_COMPROMISE		2
#define GF_REASON_SUPERSEDED		4
#define GF_REASON_CERTIFICATE_HOLD	6
#define GF_REASON_REMOVE_FROM_CRL	8
#define GF_REASON_AA_COMPROMISE		10

int		 reason_from_name(const char *name, int *code);
const char	*reason_name(int code);

/*
 * Revokes ref with reason at time when (invalidity 0 when unknown), or with
 * GF_REASON_REMOVE_FROM_CRL releases a certificate on hold.  Refuses to
 * change a final revocation.  Runs inside the caller's transaction and
 * appends the audit entry.
 */
int	revoke_apply(struct store *st, const struct ca *ca,
	    const struct cert_ref *ref, int reason, time_t when,
	    time_t invalidity);

/*
 * 0 if the key may be certified; GF_ERR_POLICY, naming the revoked
 * certificate's serial, if certdb_key_compromised() finds it.
 */
int	revoke_check_key(struct store *st,
	    const unsigned char spki_hash[GF_SHA256_LEN]);

/*
 * Sets the revocation of row id as given (GF_REASON_REMOVE_FROM_CRL clears
 * it), without checks or audit: for revoke_apply() and imports.
 */
int	revoke_set(struct store *st, int64_t id, int reason, time_t when,
	    time_t invalidity);

/* A revoked certificate as a CRL lists it. */
struct revocation {
	const unsigned char *serial;	/* its bytes, valid during the call */
	size_t		 serial_len;
	time_t		 revoked_at;
	int		 reason;
	time_t		 invalidity;	/* or 0 */
};

/* Which revoked certificates revoke_list() reads. */
struct revoke_scope {
	int64_t		 ca_id;		/* of this CA */
	int		 include_expired; /* also those expired before now */
	time_t		 now;
	/* Of one generation of the CA (generation.h): 0s for all. */
	int64_t		 first_cert;	/* the first cert.id it signed */
	int64_t		 end_cert;	/* the first it did not, or 0 */
};

/*
 * Calls fn for every revoked certificate in scope, in serial order, read
 * through the cert_revoked index (which carries the id that tells the
 * generation) in one query; *count is how many.
 */
int	revoke_list(struct store *st, const struct revoke_scope *scope,
	    void (*fn)(void *, const struct revocation *), void *arg,
	    long *count);

#endif
