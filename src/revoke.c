/* SPDX-License-Identifier: GPL-2.0-or-later */
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
revoke_check_key(struct store *st, const unsigned char spki_hash[GF_SHA256_LEN])
{
	struct cert_ref ref;
	char hex[2 * GF_SERIAL_MAX + 1];
	int r;

	if ((r = certdb_key_compromised(st, spki_hash, &ref)) <= 0)
		return r;
	serial_to_hex(&ref.serial, hex);
	return gf_fail(GF_ERR_POLICY, "key revoked for %s (serial %s)",
	    reason_name(ref.reason), hex);
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
	/* Releasing a hold clears all three. */
	if ((r = store_bind_int64(stmt, 1, id)) != 0 ||
	    (reason != GF_REASON_REMOVE_FROM_CRL &&
	    ((r = store_bind_int64(stmt, 2, (int64_t)when)) != 0 ||
	    (r = store_bind_int64(stmt, 3, reason)) != 0 ||
	    (invalidity != 0 && (r = store_bind_int64(stmt, 4,
	    (int64_t)invalidity)) != 0))))
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
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

int
revoke_list(struct store *st, const struct revoke_scope *scope,
    void (*fn)(void *, const struct revocation *), void *arg, long *count)
{
	struct revocation rv;
	sqlite3_stmt *stmt;
	int step, r;

	*count = 0;
	if ((r = store_prepare(st, "SELECT serial, revoked_at, reason, "
	    "invalidity FROM cert WHERE ca_id = ?1 AND revoked_at IS NOT NULL "
	    "AND (?2 OR not_after >= ?3) AND id >= ?4 AND (?5 = 0 OR id < ?5) "
	    "ORDER BY length(serial), serial", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, scope->ca_id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, scope->include_expired)) != 0 ||
	    (r = store_bind_int64(stmt, 3, (int64_t)scope->now)) != 0 ||
	    (r = store_bind_int64(stmt, 4, scope->first_cert)) != 0 ||
	    (r = store_bind_int64(stmt, 5, scope->end_cert)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		rv.serial = sqlite3_column_blob(stmt, 0);
		rv.serial_len = (size_t)sqlite3_column_bytes(stmt, 0);
		rv.revoked_at = (time_t)sqlite3_column_int64(stmt, 1);
		rv.reason = sqlite3_column_int(stmt, 2);
		rv.invalidity = (time_t)sqlite3_column_int64(stmt, 3);
		fn(arg, &rv);
		(*count)++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "read revocations");
 out:
	sqlite3_finalize(stmt);
	return r;
}
