/* Revocation: RFC 5280 reason codes, finding certificates, changing status. */
#ifndef GENFIC_REVOKE_H
#define GENFIC_REVOKE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "genfic/serial.h"

struct store;
struct ca;

/* CRLReason (RFC 5280 5.3.1); 7 is not used. */
#define GF_REASON_UNSPECIFIED		0
#define GF_REASON_KEY_COMPROMISE	1
#define GF_REASON_CA_COMPROMISE		2
#define GF_REASON_CERTIFICATE_HOLD	6
#define GF_REASON_REMOVE_FROM_CRL	8
#define GF_REASON_AA_COMPROMISE		10

int		 reason_from_name(const char *name, int *code);
const char	*reason_name(int code);

/* A certificate row, as far as revocation needs it. */
struct cert_ref {
	int64_t		 id;
	struct serial	 serial;
	char		 subject[512];	/* RFC 4514, shortened if longer */
	time_t		 not_after;
	int		 revoked;	/* revoked or on hold */
	time_t		 revoked_at;	/* when revoked (0: the epoch) */
	int		 reason;	/* when revoked */
};

/*
 * Finds the certificates of ca that value names: a hex serial, a
 * certificate file issued by ca, or the label or exact CN of a certificate
 * that is valid or on hold.  Fills up to max refs; *count is the number
 * found (may exceed max).
 */
int	revoke_find(struct store *st, const struct ca *ca, const char *value,
	    struct cert_ref *refs, size_t max, size_t *count);

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
 * Sets the revocation of row id as given (GF_REASON_REMOVE_FROM_CRL clears
 * it), without checks or audit: for revoke_apply() and imports.
 */
int	revoke_set(struct store *st, int64_t id, int reason, time_t when,
	    time_t invalidity);

#endif
