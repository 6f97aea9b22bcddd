/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRLs from the store. */
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/crl.h"
#include "genfic/der.h"
#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/revoke.h"
#include "genfic/store.h"

/* DER of the crlEntryExtensions OIDs: id-ce-cRLReasons, id-ce-invalidityDate. */
static const unsigned char oid_reason[] = { 0x06, 0x03, 0x55, 0x1d, 0x15 };
static const unsigned char oid_invalidity[] = { 0x06, 0x03, 0x55, 0x1d, 0x18 };

/*
 * One revokedCertificates entry: serial, revocationDate, and the reasonCode
 * (left out for unspecified, RFC 5280 5.3.1) and invalidityDate (always
 * GeneralizedTime, 5.3.2) extensions.  Encoded directly: a CRL of 10^6
 * entries would otherwise build 10^6 OpenSSL objects.
 */
static void
crl_entry_der(struct buf *out, const unsigned char *serial, size_t len,
    time_t when, int reason, time_t invalidity)
{
	unsigned char code[3] = { DER_ENUMERATED, 1, 0 };
	struct buf entry, exts, ext, value;

	buf_init(&entry);
	buf_init(&exts);
	der_integer(&entry, serial, len);
	der_time(&entry, when);
	if (reason != GF_REASON_UNSPECIFIED) {
		code[2] = (unsigned char)reason;
		buf_init(&ext);
		buf_add(&ext, oid_reason, sizeof(oid_reason));
		der_wrap(&ext, DER_OCTET_STRING, code, sizeof(code));
		der_wrap(&exts, DER_SEQUENCE, ext.data, ext.len);
		buf_free(&ext);
	}
	if (invalidity != 0) {
		buf_init(&ext);
		buf_init(&value);
		der_generalized_time(&value, invalidity);
		buf_add(&ext, oid_invalidity, sizeof(oid_invalidity));
		der_wrap(&ext, DER_OCTET_STRING, value.data, value.len);
		der_wrap(&exts, DER_SEQUENCE, ext.data, ext.len);
		buf_free(&ext);
		buf_free(&value);
	}
	if (exts.len > 0 || exts.failed)
		der_wrap(&entry, DER_SEQUENCE, exts.data, exts.len);
	der_wrap(out, DER_SEQUENCE, entry.data, entry.len);
	out->failed |= entry.failed | exts.failed;
	buf_free(&entry);
	buf_free(&exts);
}

static void
crl_entry(void *arg, const struct revocation *rv)
{
	crl_entry_der(arg, rv->serial, rv->serial_len, rv->revoked_at,
	    rv->reason, rv->invalidity);
}

/*
 * The contents of revokedCertificates: every revoked certificate of the
 * CA's generation, in serial order (revoke_list()).
 */
static int
crl_entries(struct store *st, const struct ca *ca, const struct crl_params *p,
    struct buf *out, long *count)
{
	struct revoke_scope scope;
	int r;

	memset(&scope, 0, sizeof(scope));
	scope.ca_id = ca->id;
	scope.include_expired = p->include_expired;
	scope.now = p->this_update;
	scope.first_cert = p->first_cert;
	scope.end_cert = p->end_cert;
	if ((r = revoke_list(st, &scope, crl_entry, out, count)) != 0)
		return r;
	if (out->failed)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
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

/*
 * The CRL without entries, from OpenSSL: version, signature algorithm,
 * issuer, times and extensions, signed so that its algorithm is set.
 */
static int
crl_skeleton(const struct ca *ca, EVP_PKEY *key, const struct crl_params *p,
    int64_t number, X509_CRL **out)
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
	if ((r = crl_add_extensions(crl, ca, number)) != 0)
		goto out;
	if (X509_CRL_sign(crl, key, key_digest(key)) <= 0) {
		r = key_sign_failed(key, "sign CRL");
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

/*
 * The skeleton's TBSCertList with revokedCertificates inserted before the
 * [0] extensions, where RFC 5280 5.1 puts it.  Absent when empty (5.1.2.6).
 * Sized first, then written once: at 10^6 entries every copy is 50 MB.
 */
static int
crl_tbs(X509_CRL *skeleton, const struct buf *entries, struct buf *tbs)
{
	const unsigned char *p, *end, *elem;
	unsigned char *der = NULL;
	size_t listlen, bodylen;
	long len;
	int pass, tag, xclass, derlen, r = 0;

	if ((derlen = i2d_re_X509_CRL_tbs(skeleton, &der)) <= 0)
		return gf_fail_crypto("encode CRL");
	listlen = entries->len > 0 ?
	    der_header_len(entries->len) + entries->len : 0;
	bodylen = listlen;
	for (pass = 0; pass < 2 && r == 0; pass++) {
		p = der;
		if (ASN1_get_object(&p, &len, &tag, &xclass, derlen) & 0x80) {
			r = gf_fail_crypto("CRL structure");
			break;
		}
		end = p + len;
		if (pass == 1) {
			buf_reserve(tbs, der_header_len(bodylen) + bodylen);
			der_header(tbs, DER_SEQUENCE, bodylen);
		}
		while (p < end) {
			elem = p;
			if (ASN1_get_object(&p, &len, &tag, &xclass, end - p) &
			    0x80) {
				r = gf_fail_crypto("CRL structure");
				break;
			}
			p += len;
			if (pass == 0)
				bodylen += (size_t)(p - elem);
			else {
				if (xclass == V_ASN1_CONTEXT_SPECIFIC &&
				    tag == 0 && listlen > 0)
					der_wrap(tbs, DER_SEQUENCE,
					    entries->data, entries->len);
				buf_add(tbs, elem, (size_t)(p - elem));
			}
		}
	}
	if (r == 0 && tbs->failed)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	OPENSSL_free(der);
	return r;
}

/* Signs tbs: SEQUENCE { tbs, signatureAlgorithm, BIT STRING signature }. */
static int
crl_sign(X509_CRL *skeleton, EVP_PKEY *key, const struct buf *tbs,
    struct buf *out)
{
	const X509_ALGOR *alg = NULL;
	unsigned char *algder = NULL, *sig = NULL;
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = 0, bodylen;
	int alglen, r = GF_ERR_LIBCRYPTO;

	X509_CRL_get0_signature(skeleton, NULL, &alg);
	if ((alglen = i2d_X509_ALGOR(alg, &algder)) <= 0 ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, key_digest(key), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, tbs->data, tbs->len) != 1 ||
	    (sig = OPENSSL_malloc(siglen + 1)) == NULL ||
	    EVP_DigestSign(ctx, sig + 1, &siglen, tbs->data, tbs->len) != 1)
		goto out;
	sig[0] = 0;	/* no unused bits */
	bodylen = tbs->len + (size_t)alglen + der_header_len(siglen + 1) +
	    siglen + 1;
	buf_reserve(out, der_header_len(bodylen) + bodylen);
	der_header(out, DER_SEQUENCE, bodylen);
	buf_add(out, tbs->data, tbs->len);
	buf_add(out, algder, (size_t)alglen);
	der_wrap(out, DER_BIT_STRING, sig, siglen + 1);
	r = out->failed ? GF_ERR_ALLOC : 0;
 out:
	if (r == GF_ERR_LIBCRYPTO)
		r = key_sign_failed(key, "sign CRL");
	else if (r == GF_ERR_ALLOC)
		r = gf_fail(r, "out of memory");
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(algder);
	OPENSSL_free(sig);
	return r;
}

static int
crl_build(struct store *st, const struct ca *ca, EVP_PKEY *key,
    const struct crl_params *p, int64_t number, struct buf *der, long *count)
{
	struct buf entries, tbs;
	X509_CRL *skeleton = NULL;
	int r;

	buf_init(&entries);
	buf_init(&tbs);
	if ((r = crl_entries(st, ca, p, &entries, count)) == 0 &&
	    (r = crl_skeleton(ca, key, p, number, &skeleton)) == 0 &&
	    (r = crl_tbs(skeleton, &entries, &tbs)) == 0) {
		buf_free(&entries);	/* two copies of the list at a time, not three */
		r = crl_sign(skeleton, key, &tbs, der);
	}
	X509_CRL_free(skeleton);
	buf_free(&entries);
	buf_free(&tbs);
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
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0)
		;
	else if (sqlite3_step(stmt) == SQLITE_ROW)
		*number = sqlite3_column_int64(stmt, 0);
	else
		r = store_fail(st, "CRL number");
	sqlite3_finalize(stmt);
	return r;
}

static int
crl_store(struct store *st, const struct ca *ca, const struct crl_params *p,
    int64_t number, const struct buf *der)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_prepare(st, "INSERT INTO crl (ca_id, number, this_update, "
	    "next_update, der, generation) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &stmt)) != 0)
		goto out;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, number)) != 0 ||
	    (r = store_bind_int64(stmt, 3, (int64_t)p->this_update)) != 0 ||
	    (r = store_bind_int64(stmt, 4, (int64_t)p->next_update)) != 0 ||
	    (r = store_bind_blob(stmt, 5, der->data, der->len)) != 0 ||
	    (r = store_bind_int64(stmt, 6, p->generation > 0 ?
	    p->generation : 1)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		r = store_fail(st, "store CRL");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if ((r = store_prepare(st, "UPDATE ca SET next_crl_number = ?2 WHERE "
	    "id = ?1", &stmt)) != 0 ||
	    (r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, number + 1)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "advance CRL number");
 out:
	sqlite3_finalize(stmt);
	return r;
}

int
crl_issue(struct store *st, const struct ca *ca, EVP_PKEY *key,
    const struct crl_params *p, struct buf *der, int64_t *number, long *count)
{
	int r;

	if ((r = store_begin(st)) != 0)
		return r;
	/* The checkpoint signs the head that the CRL's own entry makes. */
	if ((r = crl_next_number(st, ca->id, number)) == 0 &&
	    (r = crl_build(st, ca, key, p, *number, der, count)) == 0 &&
	    (r = crl_store(st, ca, p, *number, der)) == 0 &&
	    (r = audit_append_crl(st, ca->name, *number)) == 0)
		r = audit_checkpoint(st, ca, key, *number);
	return store_end(st, r);
}
