/* Revocation in the store. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

static const char *const reasons[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise",
};
#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

#define REF_COLUMNS	"id, serial, subject, not_after, revoked_at, reason"

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

static void
ref_from_row(sqlite3_stmt *stmt, struct cert_ref *ref)
{
	int n = sqlite3_column_bytes(stmt, 1);

	memset(ref, 0, sizeof(*ref));
	ref->id = sqlite3_column_int64(stmt, 0);
	ref->serial.len = n > GF_SERIAL_MAX ? GF_SERIAL_MAX : (size_t)n;
	memcpy(ref->serial.bytes, sqlite3_column_blob(stmt, 1), ref->serial.len);
	snprintf(ref->subject, sizeof(ref->subject), "%s",
	    (const char *)sqlite3_column_text(stmt, 2));
	ref->not_after = (time_t)sqlite3_column_int64(stmt, 3);
	/* NULL is "not revoked": 0 is a date, the epoch. */
	ref->revoked = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
	ref->revoked_at = (time_t)sqlite3_column_int64(stmt, 4);
	ref->reason = sqlite3_column_int(stmt, 5);
}

/* Runs a query bound to (ca id, value) and adds new rows to refs. */
static int
find_rows(struct store *st, const char *sql, int64_t ca_id, const void *value,
    int len, int blob, struct cert_ref *refs, size_t max, size_t *count)
{
	sqlite3_stmt *stmt;
	struct cert_ref ref;
	size_t i;
	int step, r, seen;

	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca_id);
	if (blob)
		sqlite3_bind_blob(stmt, 2, value, len, SQLITE_STATIC);
	else
		sqlite3_bind_text(stmt, 2, value, len, SQLITE_STATIC);
	/* ?3, now, where the query uses it. */
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)time(NULL));
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		ref_from_row(stmt, &ref);
		for (i = 0, seen = 0; i < *count && i < max; i++)
			seen |= refs[i].id == ref.id;
		if (seen)
			continue;
		if (*count < max)
			refs[*count] = ref;
		(*count)++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "look up certificate");
	sqlite3_finalize(stmt);
	return r;
}

/* A certificate file: it must be in the store as issued by ca. */
static int
find_by_file(struct store *st, const struct ca *ca, const char *path,
    struct cert_ref *refs, size_t max, size_t *count)
{
	unsigned char md[GF_SHA256_LEN];
	X509 *cert = NULL;
	int r;

	if ((r = x509_load(path, &cert)) != 0)
		return gf_fail(r, "%s: %s", path, gf_errmsg(r));
	if (X509_check_issued(ca->cert, cert) != X509_V_OK)
		r = gf_fail(GF_ERR_POLICY, "%s was not issued by %s", path,
		    ca->name);
	else if ((r = x509_fingerprint(cert, md)) == 0)
		r = find_rows(st, "SELECT " REF_COLUMNS " FROM cert WHERE "
		    "ca_id = ?1 AND fingerprint = ?2", ca->id,
		    md, sizeof(md), 1, refs, max, count);
	if (r == 0 && *count == 0)
		r = gf_fail(GF_ERR_NOT_FOUND, "%s is not in the store", path);
	X509_free(cert);
	return r;
}

int
revoke_find(struct store *st, const struct ca *ca, const char *value,
    struct cert_ref *refs, size_t max, size_t *count)
{
	struct serial serial;
	int r;

	*count = 0;
	if (file_exists(value) && !file_is_dir(value))
		return find_by_file(st, ca, value, refs, max, count);
	if (serial_from_hex(value, &serial) == 0 &&
	    (r = find_rows(st, "SELECT " REF_COLUMNS " FROM cert WHERE "
	    "ca_id = ?1 AND serial = ?2", ca->id,
	    serial.bytes, (int)serial.len, 1, refs, max, count)) != 0)
		return r;
	gf_errclear();
	/*
	 * The "+" keep SQLite on the label and cn indexes rather than a walk
	 * over every certificate of the CA.
	 * By name, what is still in use (valid, or on hold); failing that,
	 * a revoked one, so that the refusal can show its revocation.
	 */
	if ((r = find_rows(st, "SELECT " REF_COLUMNS " FROM cert WHERE "
	    "+ca_id = ?1 AND (label = ?2 OR cn = ?2) AND +not_after > ?3 AND "
	    "(revoked_at IS NULL OR reason = 6)", ca->id, value, -1, 0, refs,
	    max, count)) != 0)
		return r;
	if (*count == 0 && (r = find_rows(st, "SELECT " REF_COLUMNS " FROM "
	    "cert WHERE +ca_id = ?1 AND (label = ?2 OR cn = ?2) AND "
	    "+not_after > ?3", ca->id, value, -1, 0, refs, max, count)) != 0)
		return r;
	if (*count == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "no certificate matches '%s'",
		    value);
	return 0;
}

/* One index lookup per CA: cert_spki leads with ca_id. */
static const char compromised_sql[] = "SELECT " REF_COLUMNS " FROM cert "
    "WHERE ca_id IN (SELECT id FROM ca) AND spki_hash = ?1 AND revoked_at IS "
    "NOT NULL AND (reason = 1 OR (reason = 2 AND is_ca)) LIMIT 1";

int
revoke_key_compromised(struct store *st,
    const unsigned char spki_hash[GF_SHA256_LEN], struct cert_ref *ref)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, compromised_sql, &stmt)) != 0)
		return r;
	if (sqlite3_bind_blob(stmt, 1, spki_hash, GF_SHA256_LEN,
	    SQLITE_STATIC) != SQLITE_OK)
		r = store_fail(st, "look up key");
	else if ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		ref_from_row(stmt, ref);
		r = 1;
	} else
		r = r == SQLITE_DONE ? 0 : store_fail(st, "look up key");
	store_done(stmt);
	return r;
}

int
revoke_check_key(struct store *st, const unsigned char spki_hash[GF_SHA256_LEN])
{
	struct cert_ref ref;
	char hex[2 * GF_SERIAL_MAX + 1];
	int r;

	if ((r = revoke_key_compromised(st, spki_hash, &ref)) <= 0)
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
