/* CRLs from the store. */
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/crl.h"
#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/revoke.h"
#include "genfic/store.h"

/*
 * One entry: serial, revocationDate, and the reasonCode (left out for
 * unspecified, RFC 5280 5.3.1) and invalidityDate extensions.
 */
static int
crl_add_entry(X509_CRL *crl, const unsigned char *serial, int len,
    time_t when, int reason, time_t invalidity)
{
	X509_REVOKED *rev;
	ASN1_INTEGER *sn = NULL;
	ASN1_TIME *date = NULL;
	ASN1_ENUMERATED *code = NULL;
	ASN1_GENERALIZEDTIME *inv = NULL;
	BIGNUM *bn = NULL;
	int ok;

	ok = (rev = X509_REVOKED_new()) != NULL &&
	    (bn = BN_bin2bn(serial, len, NULL)) != NULL &&
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
	    X509_REVOKED_set_serialNumber(rev, sn) &&
	    (date = ASN1_TIME_set(NULL, when)) != NULL &&
	    X509_REVOKED_set_revocationDate(rev, date);
	if (ok && reason != GF_REASON_UNSPECIFIED)
		ok = (code = ASN1_ENUMERATED_new()) != NULL &&
		    ASN1_ENUMERATED_set(code, reason) &&
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0);
	/* invalidityDate is always GeneralizedTime (RFC 5280 5.3.2). */
	if (ok && invalidity != 0)
		ok = (inv = ASN1_GENERALIZEDTIME_set(NULL, invalidity)) != NULL &&
		    X509_REVOKED_add1_ext_i2d(rev, NID_invalidity_date, inv, 0, 0);
	if (ok && X509_CRL_add0_revoked(crl, rev))
		rev = NULL;
	else
		ok = 0;
	X509_REVOKED_free(rev);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(date);
	ASN1_ENUMERATED_free(code);
	ASN1_GENERALIZEDTIME_free(inv);
	BN_free(bn);
	return ok ? 0 : gf_fail_crypto("CRL entry");
}

/* Adds every revoked certificate of the CA, in serial order, in one query. */
static int
crl_add_entries(struct store *st, const struct ca *ca,
    const struct crl_params *p, X509_CRL *crl)
{
	sqlite3_stmt *stmt;
	int step, r;

	if ((r = store_prepare(st, "SELECT serial, revoked_at, reason, "
	    "invalidity FROM cert WHERE ca_id = ?1 AND revoked_at IS NOT NULL "
	    "AND (?2 OR not_after >= ?3) ORDER BY length(serial), serial",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca->id);
	sqlite3_bind_int(stmt, 2, p->include_expired);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)p->this_update);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((r = crl_add_entry(crl, sqlite3_column_blob(stmt, 0),
		    sqlite3_column_bytes(stmt, 0),
		    (time_t)sqlite3_column_int64(stmt, 1),
		    sqlite3_column_int(stmt, 2),
		    (time_t)sqlite3_column_int64(stmt, 3))) != 0)
			break;
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(st, "read revocations");
	sqlite3_finalize(stmt);
	return r;
}

static int
crl_add_extensions(X509_CRL *crl, const struct ca *ca, int64_t number)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca->cert);
	AUTHORITY_KEYID *akid = NULL;
	ASN1_INTEGER *num = NULL;
	int ok;

	ok = (num = ASN1_INTEGER_new()) != NULL &&
	    ASN1_INTEGER_set_int64(num, number) &&
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0);
	if (ok && ski != NULL)
		ok = (akid = AUTHORITY_KEYID_new()) != NULL &&
		    (akid->keyid = ASN1_OCTET_STRING_dup(ski)) != NULL &&
		    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier,
		    akid, 0, 0);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(akid);
	return ok ? 0 : gf_fail_crypto("CRL extensions");
}

static int
crl_build(struct store *st, const struct ca *ca, EVP_PKEY *key,
    const struct crl_params *p, int64_t number, X509_CRL **out)
{
	X509_CRL *crl;
	ASN1_TIME *t = NULL, *next = NULL;
	int r;

	if ((crl = X509_CRL_new()) == NULL ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) ||
	    (t = ASN1_TIME_set(NULL, p->this_update)) == NULL ||
	    (next = ASN1_TIME_set(NULL, p->next_update)) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, t) ||
	    !X509_CRL_set1_nextUpdate(crl, next)) {
		r = gf_fail_crypto("new CRL");
		goto out;
	}
	if ((r = crl_add_entries(st, ca, p, crl)) != 0 ||
	    (r = crl_add_extensions(crl, ca, number)) != 0)
		goto out;
	if (X509_CRL_sign(crl, key, key_digest(key)) <= 0) {
		r = gf_fail_crypto("sign CRL");
		goto out;
	}
	*out = crl;
	crl = NULL;
 out:
	ASN1_TIME_free(t);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return r;
}

/* Reads the CA's next number inside the transaction, not from ca. */
static int
crl_next_number(struct store *st, int64_t ca_id, int64_t *number)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT next_crl_number FROM ca WHERE id = ?1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca_id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*number = sqlite3_column_int64(stmt, 0);
	else
		r = store_fail(st, "CRL number");
	sqlite3_finalize(stmt);
	return r;
}

static int
crl_store(struct store *st, const struct ca *ca, const struct crl_params *p,
    int64_t number, X509_CRL *crl)
{
	sqlite3_stmt *stmt = NULL;
	unsigned char *der = NULL;
	int len, r;

	if ((len = i2d_X509_CRL(crl, &der)) <= 0)
		return gf_fail_crypto("encode CRL");
	if ((r = store_prepare(st, "INSERT INTO crl (ca_id, number, this_update, "
	    "next_update, der) VALUES (?1, ?2, ?3, ?4, ?5)", &stmt)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, ca->id);
	sqlite3_bind_int64(stmt, 2, number);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)p->this_update);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)p->next_update);
	sqlite3_bind_blob(stmt, 5, der, len, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		r = store_fail(st, "store CRL");
		goto out;
	}
	sqlite3_finalize(stmt);
	if ((r = store_prepare(st, "UPDATE ca SET next_crl_number = ?2 WHERE "
	    "id = ?1", &stmt)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, ca->id);
	sqlite3_bind_int64(stmt, 2, number + 1);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "advance CRL number");
 out:
	sqlite3_finalize(stmt);
	OPENSSL_free(der);
	return r;
}

int
crl_issue(struct store *st, const struct ca *ca, EVP_PKEY *key,
    const struct crl_params *p, X509_CRL **out, int64_t *number)
{
	X509_CRL *crl = NULL;
	char num[32];
	int r;

	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = crl_next_number(st, ca->id, number)) != 0 ||
	    (r = crl_build(st, ca, key, p, *number, &crl)) != 0 ||
	    (r = crl_store(st, ca, p, *number, crl)) != 0)
		goto out;
	snprintf(num, sizeof(num), "%lld", (long long)*number);
	if ((r = audit_append(st, "gencrl", ca->name, num, NULL)) != 0 ||
	    (r = store_commit(st)) != 0)
		goto out;
	*out = crl;
	crl = NULL;
 out:
	if (r != 0)
		store_rollback(st);
	X509_CRL_free(crl);
	return r;
}
