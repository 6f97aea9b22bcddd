/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building, signing and recording certificates (RFC 5280). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/certdb.h"
#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/issue.h"
#include "genfic/keys.h"
#include "genfic/owner.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"

#define ISSUE_SERIAL_TRIES	8

int
issue_validity(X509 *issuer, int days, int no_clamp, time_t now,
    time_t *not_after, int *clamped)
{
	char want[GF_ISO_TIME_LEN], have[GF_ISO_TIME_LEN];
	time_t end = now + (time_t)days * 86400, issuer_end;
	int r;

	*clamped = 0;
	if (issuer == NULL) {
		*not_after = end;
		return 0;
	}
	if ((r = asn1_time_to_unix(X509_get0_notAfter(issuer),
	    &issuer_end)) != 0)
		return r;
	if (issuer_end <= now)
		return gf_fail(GF_ERR_POLICY, "the issuing CA's certificate has "
		    "expired");
	if (end <= issuer_end) {
		*not_after = end;
		return 0;
	}
	time_to_iso(end, want);
	time_to_iso(issuer_end, have);
	if (no_clamp)
		return gf_fail(GF_ERR_POLICY, "notAfter %s would be past the "
		    "issuer's notAfter %s (--no-clamp)", want, have);
	*not_after = issuer_end;
	*clamped = 1;
	return 0;
}

/*
 * notAfter = now + days, but never past the issuer's notAfter (RFC 5280
 * 6.1.3 would reject the chain then): clamped with a warning, or refused.
 */
static int
issue_set_validity(const struct issue_request *req, X509 *cert)
{
	char want[GF_ISO_TIME_LEN], have[GF_ISO_TIME_LEN];
	time_t now = time(NULL), end;
	int clamped, r;

	/* One reading of the clock for both, so the days come out exact. */
	if (X509_time_adj(X509_getm_notBefore(cert), 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), req->days, 0, &now) == NULL)
		return gf_fail_crypto("validity");
	if ((r = issue_validity(req->issuer_cert, req->days, req->no_clamp, now,
	    &end, &clamped)) != 0 || !clamped)
		return r;
	if (req->clamped != NULL)
		(*req->clamped)++;
	else {
		time_to_iso(now + (time_t)req->days * 86400, want);
		time_to_iso(end, have);
		gf_warnx("warning: notAfter %s clamped to the issuer's notAfter "
		    "%s", want, have);
	}
	if (!X509_set1_notAfter(cert, X509_get0_notAfter(req->issuer_cert)))
		return gf_fail_crypto("validity");
	return 0;
}

/*
 * RFC 5480 and RFC 8410 allow neither keyEncipherment nor dataEncipherment
 * for EC and EdDSA keys: a template shared by all key types names them for
 * RSA, and they are dropped here for the others.
 */
static int
issue_fix_key_usage(X509 *cert, EVP_PKEY *pkey)
{
	ASN1_BIT_STRING *ku;
	int crit = 0, r = 0;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA)
		return 0;
	if ((ku = X509_get_ext_d2i(cert, NID_key_usage, &crit, NULL)) == NULL)
		return 0;
	if (ASN1_BIT_STRING_get_bit(ku, 2) || ASN1_BIT_STRING_get_bit(ku, 3)) {
		ASN1_BIT_STRING_set_bit(ku, 2, 0);	/* keyEncipherment */
		ASN1_BIT_STRING_set_bit(ku, 3, 0);	/* dataEncipherment */
		if (X509_add1_ext_i2d(cert, NID_key_usage, ku, crit,
		    X509V3_ADD_REPLACE) != 1)
			r = gf_fail_crypto("keyUsage");
	}
	ASN1_BIT_STRING_free(ku);
	return r;
}

static GENERAL_NAME *
uri_name(const char *uri)
{
	GENERAL_NAME *gn;
	ASN1_IA5STRING *s;

	if ((gn = GENERAL_NAME_new()) == NULL)
		return NULL;
	if ((s = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(s, uri, -1)) {
		ASN1_IA5STRING_free(s);
		GENERAL_NAME_free(gn);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, GEN_URI, s);
	return gn;
}

/* cRLDistributionPoints with one fullName URI (RFC 5280 4.2.1.13). */
static int
issue_add_cdp(X509 *cert, const char *url)
{
	CRL_DIST_POINTS *cdp = NULL;
	DIST_POINT *dp = NULL;
	GENERAL_NAME *gn = NULL;
	int r = GF_ERR_LIBCRYPTO;

	if ((cdp = sk_DIST_POINT_new_null()) == NULL ||
	    (dp = DIST_POINT_new()) == NULL ||
	    (dp->distpoint = DIST_POINT_NAME_new()) == NULL ||
	    (dp->distpoint->name.fullname = GENERAL_NAMES_new()) == NULL ||
	    (gn = uri_name(url)) == NULL ||
	    !sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gn))
		goto out;
	gn = NULL;
	dp->distpoint->type = 0;	/* fullName */
	if (!sk_DIST_POINT_push(cdp, dp))
		goto out;
	dp = NULL;
	if (X509_add1_ext_i2d(cert, NID_crl_distribution_points, cdp, 0,
	    X509V3_ADD_REPLACE) == 1)
		r = 0;
 out:
	if (r != 0)
		r = gf_fail_crypto("cRLDistributionPoints");
	GENERAL_NAME_free(gn);
	DIST_POINT_free(dp);
	sk_DIST_POINT_pop_free(cdp, DIST_POINT_free);
	return r;
}

static int
aia_push(AUTHORITY_INFO_ACCESS *aia, int method, const char *url)
{
	ACCESS_DESCRIPTION *ad;

	if ((ad = ACCESS_DESCRIPTION_new()) == NULL)
		return 0;
	GENERAL_NAME_free(ad->location);
	ad->method = OBJ_nid2obj(method);
	if ((ad->location = uri_name(url)) == NULL ||
	    !sk_ACCESS_DESCRIPTION_push(aia, ad)) {
		ACCESS_DESCRIPTION_free(ad);
		return 0;
	}
	return 1;
}

/* authorityInfoAccess: OCSP and caIssuers (RFC 5280 4.2.2.1). */
static int
issue_add_aia(X509 *cert, const char *ocsp, const char *issuers)
{
	AUTHORITY_INFO_ACCESS *aia;
	int r = 0;

	if ((aia = AUTHORITY_INFO_ACCESS_new()) == NULL ||
	    (ocsp != NULL && !aia_push(aia, NID_ad_OCSP, ocsp)) ||
	    (issuers != NULL && !aia_push(aia, NID_ad_ca_issuers, issuers)) ||
	    X509_add1_ext_i2d(cert, NID_info_access, aia, 0,
	    X509V3_ADD_REPLACE) != 1)
		r = gf_fail_crypto("authorityInfoAccess");
	AUTHORITY_INFO_ACCESS_free(aia);
	return r;
}

/*
 * RFC 5280 4.2.1.1: AKI on all but self-signed certificates, even when
 * the template (a root's, for a cross-certificate) has none.
 */
static int
issue_add_aki(const struct issue_request *req, X509 *cert)
{
	const ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *akid;
	int r = 0;

	if (req->issuer_cert == NULL ||
	    X509_get_ext_by_NID(cert, NID_authority_key_identifier, -1) >= 0 ||
	    (ski = X509_get0_subject_key_id(req->issuer_cert)) == NULL)
		return 0;
	if ((akid = AUTHORITY_KEYID_new()) == NULL ||
	    (akid->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL ||
	    X509_add1_ext_i2d(cert, NID_authority_key_identifier, akid, 0,
	    X509V3_ADD_REPLACE) != 1)
		r = gf_fail_crypto("authorityKeyIdentifier");
	AUTHORITY_KEYID_free(akid);
	return r;
}

static int
issue_extensions(const struct issue_request *req, X509 *cert)
{
	int r;

	if ((r = template_apply(req->tmpl, req->issuer_cert != NULL ?
	    req->issuer_cert : cert, cert)) != 0 ||
	    (r = issue_fix_key_usage(cert, req->pubkey)) != 0 ||
	    (r = issue_add_aki(req, cert)) != 0)
		return r;
	if (req->limits != NULL && (r = constraints_apply(cert,
	    req->limits)) != 0)
		return r;
	if (req->san != NULL && sk_GENERAL_NAME_num(req->san) > 0 &&
	    X509_add1_ext_i2d(cert, NID_subject_alt_name, (void *)req->san, 0,
	    X509V3_ADD_REPLACE) != 1)
		return gf_fail_crypto("subjectAltName");
	if (req->crl_url != NULL && (r = issue_add_cdp(cert, req->crl_url)) != 0)
		return r;
	if ((req->ocsp_url != NULL || req->ca_issuers_url != NULL) &&
	    (r = issue_add_aia(cert, req->ocsp_url, req->ca_issuers_url)) != 0)
		return r;
	return 0;
}

/*
 * Copies an encoded SubjectPublicKeyInfo into the certificate as it is.
 * X509_set_pubkey() would re-encode the key through OpenSSL 3's provider
 * encoders, which cost more than the signature itself.
 */
static int
issue_copy_spki(X509 *cert, const X509_PUBKEY *spki)
{
	const unsigned char *key;
	X509_ALGOR *alg;
	int keylen;

	if (!X509_PUBKEY_get0_param(NULL, &key, &keylen, &alg, spki))
		return gf_fail_crypto("public key");
	return spki_set(X509_get_X509_PUBKEY(cert), alg, key, keylen);
}

static int
issue_set_pubkey(const struct issue_request *req, X509 *cert)
{
	if (req->spki != NULL)
		return issue_copy_spki(cert, req->spki);
	if (!X509_set_pubkey(cert, req->pubkey))
		return gf_fail_crypto("public key");
	return 0;
}

/*
 * What the CAs above allow a new CA, checked before anything is signed.
 * An end entity's names were judged with its request (request.h).
 */
static int
issue_check_chain(const struct issue_request *req, X509 *cert)
{
	long pathlen;

	if (req->issuer_cert == NULL || !x509_is_ca(cert, &pathlen))
		return 0;
	if (req->constraints == NULL)
		return gf_fail(GF_ERR_INTERNAL, "the constraints of the issuer "
		    "were not loaded");
	return constraints_check(req->constraints, cert);
}

static int
issue_sign(const struct issue_request *req, X509 *cert)
{
	EVP_MD_CTX *ctx;
	int ok;

	if (req->issuer_sign == NULL)
		ok = X509_sign(cert, req->issuer_key,
		    key_digest(req->issuer_key)) > 0;
	else {
		ok = (ctx = key_sign_copy(req->issuer_sign)) != NULL &&
		    X509_sign_ctx(cert, ctx) > 0;
		EVP_MD_CTX_free(ctx);
	}
	return ok ? 0 : key_sign_failed(req->issuer_key, "sign certificate");
}

int
issue_build(const struct issue_request *req, const struct serial *serial,
    X509 **out)
{
	ASN1_INTEGER *sn = NULL;
	X509 *cert;
	const X509_NAME *issuer;
	int r;

	if ((cert = X509_new()) == NULL)
		return gf_fail_crypto("new certificate");
	issuer = req->issuer_cert != NULL ?
	    X509_get_subject_name(req->issuer_cert) : req->subject;
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    !X509_set_subject_name(cert, req->subject) ||
	    !X509_set_issuer_name(cert, issuer)) {
		r = gf_fail_crypto("build certificate");
		goto out;
	}
	if ((r = issue_set_pubkey(req, cert)) != 0)
		goto out;
	if ((r = serial_to_asn1(serial, &sn)) != 0)
		goto out;
	if (!X509_set_serialNumber(cert, sn)) {
		r = gf_fail_crypto("serial");
		goto out;
	}
	if ((r = issue_set_validity(req, cert)) != 0 ||
	    (r = issue_extensions(req, cert)) != 0 ||
	    (r = issue_check_chain(req, cert)) != 0)
		goto out;
	if ((r = issue_sign(req, cert)) != 0)
		goto out;
	*out = cert;
	cert = NULL;
 out:
	ASN1_INTEGER_free(sn);
	X509_free(cert);
	return r;
}

static int
issue_row(const struct issue_request *req, X509 *cert, struct cert_row *row)
{
	/* The key was copied as it is encoded: its hash is the request's. */
	if (req->spki != NULL && req->spki_hash != NULL)
		return certdb_row_keyed(cert, req->spki_hash, row);
	return certdb_row(cert, row);
}

int
issue_prepare(const struct issue_request *req, X509 **out,
    struct cert_row *row)
{
	struct serial serial;
	X509 *cert = NULL;
	int r;

	if ((r = serial_random(&serial)) != 0 ||
	    (r = issue_build(req, &serial, &cert)) != 0 ||
	    (r = issue_row(req, cert, row)) != 0) {
		X509_free(cert);
		return r;
	}
	*out = cert;
	return 0;
}

/* A fresh serial for a certificate whose serial was taken. */
static int
issue_again(const struct issue_request *req, X509 **cert,
    struct cert_row *row)
{
	struct cert_row fresh_row;
	X509 *fresh;
	int r;

	if ((r = issue_prepare(req, &fresh, &fresh_row)) != 0)
		return r;
	X509_free(*cert);
	*cert = fresh;
	certdb_row_clear(row);
	*row = fresh_row;
	return 0;
}

int
issue_commit(struct store *st, int64_t issuer_id, const char *issuer_name,
    const struct issue_request *req, const char *label, X509 **cert,
    struct cert_row *row, int64_t *cert_id)
{
	char hex[2 * GF_SERIAL_MAX + 1];
	int tries, r;

	if (label != NULL && (r = certdb_label_taken(st, issuer_id, label)) != 0)
		return r < 0 ? r : gf_fail(GF_ERR_EXISTS, "label '%s' is "
		    "already used by a certificate of %s", label, issuer_name);
	if (req->owner != NULL && (r = owner_check(req->owner)) != 0)
		return r;
	/* Here, in the transaction that records it, on every issuing path. */
	if ((r = revoke_check_key(st, row->spki_hash)) != 0)
		return r;
	for (tries = 1;; tries++) {
		r = certdb_insert_row(st, issuer_id, row, label, req->tmpl->name,
		    req->owner, cert_id);
		if (r != GF_ERR_CONFLICT)
			break;
		/* Never report success for a certificate not stored. */
		if (tries == ISSUE_SERIAL_TRIES)
			return gf_fail(GF_ERR_CONFLICT, "%d random serials in a "
			    "row were already taken: is the random source "
			    "broken?", ISSUE_SERIAL_TRIES);
		if ((r = issue_again(req, cert, row)) != 0)
			break;
	}
	if (r != 0)
		return r;
	serial_to_hex(&row->serial, hex);
	return audit_append(st, req->operation != NULL ? req->operation :
	    "issue", issuer_name, hex, row->subject);
}
