/* Revocation in the store. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

static const char *const reasons[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise",
};
#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

int
reason_from_name(const char *name, int *code)
{
	size_t i;

	for (i = 0; i < NREASONS; i++)
		if (reasons[i] != NULL && strcasecmp(name, reasons[i]) == 0) {
			*code = (int)i;
			return 0;
		}
	return gf_fail(GF_ERR_USAGE, "'%s' is not an RFC 5280 reason (unspecified, "
	    "keyCompromise, cACompromise, affiliationChanged, superseded, "
	    "cessationOfOperation, certificateHold, removeFromCRL, "
	    "privilegeWithdrawn, aACompromise)", name);
}

const char *
reason_name(int code)
{
	if (code < 0 || (size_t)code >= NREASONS || reasons[code] == NULL)
		return "unknown";
	return reasons[code];
}

int
revoke_set(struct store *st, int64_t id, int reason, time_t when,
    time_t invalidity)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "UPDATE cert SET revoked_at = ?2, reason = "
	    "?3, invalidity = ?4 WHERE id = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	if (reason != GF_REASON_REMOVE_FROM_CRL) {
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)when);
		sqlite3_bind_int(stmt, 3, reason);
		if (invalidity != 0)
			sqlite3_bind_int64(stmt, 4, (sqlite3_int64)invalidity);
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "revoke");
	sqlite3_finalize(stmt);
	return r;
}

int
revoke_apply(struct store *st, const struct ca *ca, const struct cert_ref *ref,
    int reason, time_t when, time_t invalidity)
{
	char hex[2 * GF_SERIAL_MAX + 1], date[GF_ISO_TIME_LEN];
	int on_hold = ref->revoked &&
	    ref->reason == GF_REASON_CERTIFICATE_HOLD;
	int r;

	serial_to_hex(&ref->serial, hex);
	if (reason == GF_REASON_REMOVE_FROM_CRL && !on_hold)
		return gf_fail(GF_ERR_POLICY, "%s is not on hold; only "
		    "certificateHold can be released", hex);
	if (ref->revoked && !on_hold) {
		time_to_iso(ref->revoked_at, date);
		return gf_fail(GF_ERR_EXISTS, "%s is already revoked since %s "
		    "(%s)", hex, date, reason_name(ref->reason));
	}
	if (on_hold && reason == GF_REASON_CERTIFICATE_HOLD)
		return gf_fail(GF_ERR_EXISTS, "%s is already on hold", hex);
	if ((r = revoke_set(st, ref->id, reason, when, invalidity)) != 0)
		return r;
	return audit_append(st, reason == GF_REASON_REMOVE_FROM_CRL ?
	    "release" : "revoke", ca->name, hex, ref->subject);
}
