/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pieces of RFC 6960 that answer.c puts together: the request
 * parsed and checked, statuses looked up through a callback, the answer
 * signed.  No I/O here: the time comes from the caller.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "ocspd-local.h"

const char *
responder_status_name(int ocsp_status)
{
	switch (ocsp_status) {
	case OCSP_RESPONSE_STATUS_SUCCESSFUL:
		return "successful";
	case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST:
		return "malformedRequest";
	case OCSP_RESPONSE_STATUS_INTERNALERROR:
		return "internalError";
	case OCSP_RESPONSE_STATUS_TRYLATER:
		return "tryLater";
	case OCSP_RESPONSE_STATUS_SIGREQUIRED:
		return "sigRequired";
	case OCSP_RESPONSE_STATUS_UNAUTHORIZED:
		return "unauthorized";
	}
	return "unknownStatus";
}

const char *
cert_status_name(int status)
{
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		return "good";
	case V_OCSP_CERTSTATUS_REVOKED:
		return "revoked";
	}
	return "unknown";
}

void
query_clear(struct query *q)
{
	OCSP_REQUEST_free(q->req);
	free(q->items);
	memset(q, 0, sizeof(*q));
}

void
answer_clear(struct answer *a)
{
	free(a->der);
	memset(a, 0, sizeof(*a));
}

/*
 * RFC 9654 2.1: Nonce ::= OCTET STRING (SIZE(1..128)), inside extnValue.
 * Some old clients put the bytes there bare; those are measured as they
 * are.  A second nonce extension is malformed (RFC 5280 4.2).
 */
static int
nonce_check(OCSP_REQUEST *req, int *present)
{
	const ASN1_OCTET_STRING *value;
	ASN1_OCTET_STRING *inner;
	const unsigned char *data, *p;
	int idx, len;

	*present = 0;
	idx = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1);
	if (idx < 0)
		return OCSP_RESPONSE_STATUS_SUCCESSFUL;
	if (OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, idx) >= 0)
		return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	value = X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(req, idx));
	data = p = ASN1_STRING_get0_data(value);
	len = ASN1_STRING_length(value);
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p, len)) != NULL &&
	    p == data + len)
		len = ASN1_STRING_length(inner);
	ASN1_OCTET_STRING_free(inner);
	if (len < 1 || len > OCSPD_MAX_NONCE)
		return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	*present = 1;
	return OCSP_RESPONSE_STATUS_SUCCESSFUL;
}

static int
certid_md_of(const ASN1_OBJECT *alg, enum certid_md *md)
{
	switch (OBJ_obj2nid(alg)) {
	case NID_sha1:
		*md = CERTID_SHA1;
		return 0;
	case NID_sha256:
		*md = CERTID_SHA256;
		return 0;
	}
	return -1;
}

/*
 * A CertID is answered with OpenSSL's encoding of it (single_put()).  One
 * whose encoding does not decode again cannot be answered: hashAlgorithm
 * parameters of the reserved tag 0, which OpenSSL reads but writes as
 * another value, broke the response that repeated them.
 */
static int
certid_encodes(const OCSP_CERTID *id)
{
	OCSP_CERTID *again;

	/* OCSP_CERTID_dup() is an encoding decoded again. */
	if ((again = OCSP_CERTID_dup(id)) == NULL)
		return 0;
	OCSP_CERTID_free(again);
	return 1;
}

int
responder_parse(const unsigned char *der, size_t len, const struct caset *cs,
    struct query *q)
{
	const unsigned char *p = der;
	struct query_item *it;
	ASN1_OCTET_STRING *name_hash, *key_hash;
	ASN1_OBJECT *alg;
	ASN1_INTEGER *serial;
	int n, i, idx, status;

	memset(q, 0, sizeof(*q));
	status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	if (len == 0 || len > OCSPD_MAX_REQUEST)
		goto fail;
	/* Nothing may follow the request (STYLE 5). */
	if ((q->req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		goto fail;
	n = OCSP_request_onereq_count(q->req);
	if (n < 1 || n > OCSPD_MAX_CERTIDS)
		goto fail;
	if ((status = nonce_check(q->req, &q->nonce)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL)
		goto fail;
	if ((q->items = calloc((size_t)n, sizeof(*q->items))) == NULL) {
		status = OCSP_RESPONSE_STATUS_INTERNALERROR;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		it = &q->items[i];
		it->id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(q->req,
		    i));
		if (it->id == NULL || !OCSP_id_get0_info(&name_hash, &alg,
		    &key_hash, &serial, it->id) || !certid_encodes(it->id)) {
			status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
			goto fail;
		}
		/*
		 * An issuer we do not serve, or hashed with an algorithm we
		 * cannot match: RFC 6960 2.3 "unauthorized".
		 */
		status = OCSP_RESPONSE_STATUS_UNAUTHORIZED;
		if (certid_md_of(alg, &it->md) != 0 ||
		    (idx = caset_find(cs, it->md, name_hash, key_hash)) < 0)
			goto fail;
		it->ca = (size_t)idx;
		/* One signature must be good for every certificate asked. */
		if (!signer_same(&cs->cas[it->ca].signer,
		    &cs->cas[q->items[0].ca].signer))
			goto fail;
		it->issuable = serial_from_asn1(serial, &it->serial) == 0;
		q->n++;
	}
	gf_errclear();
	return OCSP_RESPONSE_STATUS_SUCCESSFUL;
 fail:
	query_clear(q);
	gf_errclear();
	return status;
}

int
responder_lookup(const struct query *q, const struct caset *cs,
    status_fn lookup, void *arg, struct cert_status *st)
{
	size_t i;
	int r;

	for (i = 0; i < q->n; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		/* Never "good" for what we cannot have issued. */
		if (!q->items[i].issuable) {
			st[i].status = V_OCSP_CERTSTATUS_UNKNOWN;
			continue;
		}
		r = lookup(arg, &cs->cas[q->items[i].ca], &q->items[i].serial,
		    &st[i]);
		if (r == GF_ERR_BUSY)
			return OCSP_RESPONSE_STATUS_TRYLATER;
		if (r != 0)
			return OCSP_RESPONSE_STATUS_INTERNALERROR;
	}
	return OCSP_RESPONSE_STATUS_SUCCESSFUL;
}

void
responder_ca_revoked(const struct cert_status *ca, struct cert_status *st)
{
	if (ca->status != V_OCSP_CERTSTATUS_REVOKED ||
	    (ca->reason != GF_REASON_KEY_COMPROMISE &&
	    ca->reason != GF_REASON_CA_COMPROMISE))
		return;
	/* Never issued stays unknown (RFC 6960 2.2); earlier stays its own. */
	if (st->status == V_OCSP_CERTSTATUS_UNKNOWN ||
	    (st->status == V_OCSP_CERTSTATUS_REVOKED &&
	    st->revoked_at <= ca->revoked_at &&
	    st->reason != GF_REASON_CERTIFICATE_HOLD))
		return;
	st->status = V_OCSP_CERTSTATUS_REVOKED;
	st->revoked_at = ca->revoked_at;
	st->reason = GF_REASON_CA_COMPROMISE;
	st->invalidity = ca->invalidity;
}

static int
response_to_der(OCSP_RESPONSE *resp, struct answer *a)
{
	unsigned char *der, *p;
	int len;

	if ((len = i2d_OCSP_RESPONSE(resp, NULL)) <= 0)
		return gf_fail_crypto("encode OCSP response");
	if ((der = malloc((size_t)len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	p = der;
	if (i2d_OCSP_RESPONSE(resp, &p) != len) {
		free(der);
		return gf_fail_crypto("encode OCSP response");
	}
	a->der = der;
	a->len = (size_t)len;
	return 0;
}

/*
 * RFC 5280 5.3.1: the reason code is omitted rather than "unspecified";
 * codes that cannot be a revocation reason (7, removeFromCRL, beyond
 * aACompromise) are omitted too.
 */
static int
reason_code(const struct cert_status *st)
{
	if (st->reason <= GF_REASON_UNSPECIFIED || st->reason == 7 ||
	    st->reason == GF_REASON_REMOVE_FROM_CRL ||
	    st->reason > GF_REASON_AA_COMPROMISE)
		return -1;
	return st->reason;
}

static int
add_single(OCSP_BASICRESP *bs, OCSP_CERTID *id, const struct cert_status *st,
    ASN1_TIME *this_update, ASN1_TIME *next_update)
{
	OCSP_SINGLERESP *single;
	ASN1_GENERALIZEDTIME *revoked = NULL, *invalidity = NULL;
	int r = GF_ERR_LIBCRYPTO, status = st->status, reason = -1;

	if (status == V_OCSP_CERTSTATUS_REVOKED) {
		if ((revoked = ASN1_GENERALIZEDTIME_set(NULL,
		    st->revoked_at)) == NULL)
			goto out;
		reason = reason_code(st);
	} else if (status != V_OCSP_CERTSTATUS_GOOD)
		status = V_OCSP_CERTSTATUS_UNKNOWN;
	if ((single = OCSP_basic_add1_status(bs, id, status, reason, revoked,
	    this_update, next_update)) == NULL)
		goto out;
	/* RFC 6960 4.4.5: CRL entry extensions may go in singleExtensions. */
	if (revoked != NULL && st->invalidity != 0 &&
	    ((invalidity = ASN1_GENERALIZEDTIME_set(NULL,
	    st->invalidity)) == NULL ||
	    !OCSP_SINGLERESP_add1_ext_i2d(single, NID_invalidity_date,
	    invalidity, 0, 0)))
		goto out;
	r = 0;
 out:
	ASN1_GENERALIZEDTIME_free(revoked);
	ASN1_GENERALIZEDTIME_free(invalidity);
	if (r != 0)
		r = gf_fail_crypto("build single response");
	return r;
}

/*
 * What every answer of one signer shares (RFC 6960 4.2.1), DER, so that
 * an answer is its singleResponses and nonce put between them and signed
 * once: OCSP_basic_sign_ctx() would check the key against the
 * certificate, hash the key for the responderID, look SHA-1 up, copy the
 * certificate and encode the response twice, on every answer.
 */
struct signer_der {
	unsigned char	*respid;	/* ResponderID byKey */
	size_t		 respid_len;
	unsigned char	*sigalg;	/* the AlgorithmIdentifier OpenSSL picks */
	size_t		 sigalg_len;
	unsigned char	*certs;		/* [0] { certificate }, or NULL */
	size_t		 certs_len;
};

/* id-pkix-ocsp-basic (RFC 6960 4.2.1), as an OBJECT IDENTIFIER TLV. */
static const unsigned char ocsp_basic_oid[] = {
	0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01
};

#define DER_SEQUENCE	0x30
#define DER_OCTETS	0x04
#define DER_BITS	0x03
#define DER_ENUMERATED	0x0a
#define DER_GENTIME	0x18
#define DER_CTX0	0xa0	/* [0] EXPLICIT */
#define DER_CTX1	0xa1	/* [1] EXPLICIT, or IMPLICIT SEQUENCE */
#define DER_IMPLICIT0	0x80	/* [0] IMPLICIT NULL */
#define DER_IMPLICIT2	0x82	/* [2] IMPLICIT NULL */
#define DER_GENTIME_LEN	15	/* YYYYMMDDHHMMSSZ */

/* The octets of a tag and a length, for len octets of content. */
static size_t
der_hdr_len(size_t len)
{
	return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
}

static size_t
der_tlv_len(size_t len)
{
	return der_hdr_len(len) + len;
}

/* Writes a tag and a length (below 2^24: what an answer can reach). */
static unsigned char *
der_hdr(unsigned char *p, unsigned char tag, size_t len)
{
	size_t n = der_hdr_len(len) - 2;

	*p++ = tag;
	if (n == 0) {
		*p++ = (unsigned char)len;
		return p;
	}
	*p++ = (unsigned char)(0x80 | n);
	for (; n > 0; n--)
		*p++ = (unsigned char)(len >> (8 * (n - 1)));
	return p;
}

static unsigned char *
der_put(unsigned char *p, const void *data, size_t len)
{
	memcpy(p, data, len);
	return p + len;
}

void
responder_der_free(struct signer_der *d)
{
	if (d == NULL)
		return;
	OPENSSL_free(d->respid);
	OPENSSL_free(d->sigalg);
	free(d->certs);
	free(d);
}

/* [0] EXPLICIT SEQUENCE OF Certificate, with cert alone. */
static int
certs_der(X509 *cert, struct signer_der *d)
{
	unsigned char *p;
	int len;

	if ((len = i2d_X509(cert, NULL)) <= 0)
		return gf_fail_crypto("encode the responder certificate");
	d->certs_len = der_tlv_len(der_tlv_len((size_t)len));
	if ((d->certs = malloc(d->certs_len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	p = der_hdr(d->certs, DER_CTX0, der_tlv_len((size_t)len));
	p = der_hdr(p, DER_SEQUENCE, (size_t)len);
	if (i2d_X509(cert, &p) != len)
		return gf_fail_crypto("encode the responder certificate");
	return 0;
}

int
responder_der_new(const struct signer *sg, struct signer_der **out)
{
	struct signer_der *d;
	OCSP_RESPID *rid = NULL;
	OCSP_BASICRESP *bs = NULL;
	EVP_MD_CTX *ctx = NULL;
	int len, r = 0;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	/* OpenSSL signs one empty answer: its signatureAlgorithm is ours. */
	if (EVP_PKEY_get_size(sg->key) <= 0 ||
	    (rid = OCSP_RESPID_new()) == NULL ||
	    !OCSP_RESPID_set_by_key(rid, sg->cert) ||
	    (len = i2d_OCSP_RESPID(rid, &d->respid)) <= 0 ||
	    (d->respid_len = (size_t)len) == 0 ||
	    (bs = OCSP_BASICRESP_new()) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL || sg->tmpl == NULL ||
	    !EVP_MD_CTX_copy_ex(ctx, sg->tmpl) ||
	    !OCSP_basic_sign_ctx(bs, sg->cert, ctx, NULL,
	    OCSP_RESPID_KEY | OCSP_NOCERTS) ||
	    (len = i2d_X509_ALGOR(OCSP_resp_get0_tbs_sigalg(bs),
	    &d->sigalg)) <= 0) {
		r = gf_fail_crypto("prepare the signer's answers");
		goto out;
	}
	d->sigalg_len = (size_t)len;
	if (sg->delegated && (r = certs_der(sg->cert, d)) != 0)
		goto out;
	*out = d;
	d = NULL;
 out:
	responder_der_free(d);
	EVP_MD_CTX_free(ctx);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPID_free(rid);
	return r;
}

/* YYYYMMDDHHMMSSZ as ASN1_GENERALIZEDTIME_set() writes it, or -1. */
static int
gentime(time_t t, unsigned char out[DER_GENTIME_LEN])
{
	struct tm tm;
	int v[6], i, year;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return -1;
	year = tm.tm_year + 1900;
	out[0] = (unsigned char)('0' + year / 1000);
	out[1] = (unsigned char)('0' + year / 100 % 10);
	v[0] = year % 100;
	v[1] = tm.tm_mon + 1;
	v[2] = tm.tm_mday;
	v[3] = tm.tm_hour;
	v[4] = tm.tm_min;
	v[5] = tm.tm_sec;
	for (i = 0; i < 6; i++) {
		out[2 + 2 * i] = (unsigned char)('0' + v[i] / 10);
		out[3 + 2 * i] = (unsigned char)('0' + v[i] % 10);
	}
	out[DER_GENTIME_LEN - 1] = 'Z';
	return 0;
}

static unsigned char *
der_gentime(unsigned char *p, const unsigned char t[DER_GENTIME_LEN])
{
	p = der_hdr(p, DER_GENTIME, DER_GENTIME_LEN);
	return der_put(p, t, DER_GENTIME_LEN);
}

/* Extension { id-ce-invalidityDate, OCTET STRING { GeneralizedTime } }. */
static const unsigned char invalidity_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x18 };
#define INVALIDITY_EXT_LEN \
	(sizeof(invalidity_oid) + 2 + 2 + DER_GENTIME_LEN)

/* One singleResponse (RFC 6960 4.2.1), measured before it is written. */
struct single_der {
	size_t		 len;		/* the SEQUENCE's content */
	int		 certid_len;	/* OpenSSL's encoding of it */
	int		 status;	/* V_OCSP_CERTSTATUS_* */
	int		 reason;	/* CRLReason, -1: left out */
	int		 invalidity;	/* with an invalidityDate */
	size_t		 revoked_len;	/* RevokedInfo's content */
	unsigned char	 revoked_at[DER_GENTIME_LEN];
	unsigned char	 invalid_at[DER_GENTIME_LEN];
};

static int
single_measure(const struct query_item *it, const struct cert_status *st,
    struct single_der *s)
{
	memset(s, 0, sizeof(*s));
	s->reason = -1;
	if ((s->certid_len = i2d_OCSP_CERTID(it->id, NULL)) <= 0)
		return gf_fail_crypto("encode CertID");
	s->status = st->status;
	if (s->status == V_OCSP_CERTSTATUS_REVOKED) {
		if (gentime(st->revoked_at, s->revoked_at) != 0 ||
		    (st->invalidity != 0 &&
		    gentime(st->invalidity, s->invalid_at) != 0))
			return gf_fail(GF_ERR_INTERNAL,
			    "revocation time out of range");
		s->reason = reason_code(st);
		s->invalidity = st->invalidity != 0;
		s->revoked_len = der_tlv_len(DER_GENTIME_LEN) +
		    (s->reason >= 0 ? der_tlv_len(der_tlv_len(1)) : 0);
	} else if (s->status != V_OCSP_CERTSTATUS_GOOD)
		s->status = V_OCSP_CERTSTATUS_UNKNOWN;
	/* certID, certStatus, thisUpdate, [0] nextUpdate, [1] extensions */
	s->len = (size_t)s->certid_len + der_tlv_len(s->revoked_len) +
	    der_tlv_len(DER_GENTIME_LEN) +
	    der_tlv_len(der_tlv_len(DER_GENTIME_LEN)) +
	    (s->invalidity ? der_tlv_len(der_tlv_len(
	    der_tlv_len(INVALIDITY_EXT_LEN))) : 0);
	return 0;
}

/*
 * What OCSP_basic_add1_status() and OCSP_SINGLERESP_add1_ext_i2d() make
 * (add_single()), without building it first: CertStatus good [0] and
 * unknown [2] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo with
 * [0] EXPLICIT CRLReason; nextUpdate [0] EXPLICIT; singleExtensions [1].
 */
static unsigned char *
single_put(unsigned char *p, const struct query_item *it,
    const struct single_der *s, const unsigned char this[DER_GENTIME_LEN],
    const unsigned char next[DER_GENTIME_LEN])
{
	p = der_hdr(p, DER_SEQUENCE, s->len);
	i2d_OCSP_CERTID(it->id, &p);
	if (s->status == V_OCSP_CERTSTATUS_REVOKED) {
		p = der_hdr(p, DER_CTX1, s->revoked_len);
		p = der_gentime(p, s->revoked_at);
		if (s->reason >= 0) {
			p = der_hdr(p, DER_CTX0, der_tlv_len(1));
			p = der_hdr(p, DER_ENUMERATED, 1);
			*p++ = (unsigned char)s->reason;
		}
	} else
		p = der_hdr(p, s->status == V_OCSP_CERTSTATUS_GOOD ?
		    DER_IMPLICIT0 : DER_IMPLICIT2, 0);
	p = der_gentime(p, this);
	p = der_hdr(p, DER_CTX0, der_tlv_len(DER_GENTIME_LEN));
	p = der_gentime(p, next);
	if (s->invalidity) {
		p = der_hdr(p, DER_CTX1, der_tlv_len(der_tlv_len(
		    INVALIDITY_EXT_LEN)));
		p = der_hdr(p, DER_SEQUENCE, der_tlv_len(INVALIDITY_EXT_LEN));
		p = der_hdr(p, DER_SEQUENCE, INVALIDITY_EXT_LEN);
		p = der_put(p, invalidity_oid, sizeof(invalidity_oid));
		p = der_hdr(p, DER_OCTETS, der_tlv_len(DER_GENTIME_LEN));
		p = der_gentime(p, s->invalid_at);
	}
	return p;
}

/*
 * ResponseData (RFC 6960 4.2.1) written straight: version v1 (left out),
 * the responderID, producedAt now, the singleResponses (thisUpdate now,
 * nextUpdate next), the request's nonce extension as OCSP_copy_nonce()
 * copies it.
 */
static int
tbs_der(const struct signer_der *d, const struct query *q,
    const struct cert_status *st, time_t now, time_t next,
    unsigned char **out, size_t *out_len)
{
	struct single_der *s;
	X509_EXTENSION *nonce = NULL;
	unsigned char this[DER_GENTIME_LEN], nextu[DER_GENTIME_LEN];
	unsigned char *tbs = NULL, *p;
	size_t singles_len = 0, len, i;
	int exts_len = 0, r = 0;

	if (gentime(now, this) != 0 || gentime(next, nextu) != 0)
		return gf_fail(GF_ERR_INTERNAL, "producedAt out of range");
	if ((s = calloc(q->n, sizeof(*s))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; i < q->n; i++) {
		if ((r = single_measure(&q->items[i], &st[i], &s[i])) != 0)
			goto out;
		singles_len += der_tlv_len(s[i].len);
	}
	if (q->nonce && ((nonce = OCSP_REQUEST_get_ext(q->req,
	    OCSP_REQUEST_get_ext_by_NID(q->req, NID_id_pkix_OCSP_Nonce,
	    -1))) == NULL || (exts_len = i2d_X509_EXTENSION(nonce,
	    NULL)) <= 0)) {
		r = gf_fail_crypto("copy nonce");
		goto out;
	}
	len = d->respid_len + der_tlv_len(DER_GENTIME_LEN) +
	    der_tlv_len(singles_len) + (exts_len > 0 ?
	    der_tlv_len(der_tlv_len((size_t)exts_len)) : 0);
	if ((tbs = malloc(der_tlv_len(len))) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	p = der_hdr(tbs, DER_SEQUENCE, len);
	p = der_put(p, d->respid, d->respid_len);
	p = der_gentime(p, this);
	p = der_hdr(p, DER_SEQUENCE, singles_len);
	for (i = 0; i < q->n; i++)
		p = single_put(p, &q->items[i], &s[i], this, nextu);
	if (exts_len > 0) {
		p = der_hdr(p, DER_CTX1, der_tlv_len((size_t)exts_len));
		p = der_hdr(p, DER_SEQUENCE, (size_t)exts_len);
		i2d_X509_EXTENSION(nonce, &p);
	}
	if (p != tbs + der_tlv_len(len)) {
		r = gf_fail(GF_ERR_INTERNAL, "response encoded wrong");
		goto out;
	}
	*out = tbs;
	*out_len = der_tlv_len(len);
	tbs = NULL;
 out:
	free(tbs);
	free(s);
	return r;
}

/*
 * OCSPResponse { successful, [0] { id-pkix-ocsp-basic, OCTET STRING {
 * BasicOCSPResponse { tbs, signatureAlgorithm, signature, certs } } } }.
 */
static int
response_der(const struct signer_der *d, const unsigned char *tbs,
    size_t tbs_len, const unsigned char *sig, size_t sig_len,
    struct answer *a)
{
	static const unsigned char successful[] = { 0x0a, 0x01, 0x00 };
	unsigned char *der, *p;
	size_t basic, bytes, len;

	basic = tbs_len + d->sigalg_len + der_tlv_len(sig_len + 1) +
	    d->certs_len;
	bytes = sizeof(ocsp_basic_oid) + der_tlv_len(der_tlv_len(basic));
	len = sizeof(successful) + der_tlv_len(der_tlv_len(bytes));
	if ((der = malloc(der_tlv_len(len))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	p = der_hdr(der, DER_SEQUENCE, len);
	p = der_put(p, successful, sizeof(successful));
	p = der_hdr(p, DER_CTX0, der_tlv_len(bytes));
	p = der_hdr(p, DER_SEQUENCE, bytes);
	p = der_put(p, ocsp_basic_oid, sizeof(ocsp_basic_oid));
	p = der_hdr(p, DER_OCTETS, der_tlv_len(basic));
	p = der_hdr(p, DER_SEQUENCE, basic);
	p = der_put(p, tbs, tbs_len);
	p = der_put(p, d->sigalg, d->sigalg_len);
	p = der_hdr(p, DER_BITS, sig_len + 1);
	*p++ = 0;	/* no unused bits */
	p = der_put(p, sig, sig_len);
	if (d->certs_len > 0)
		der_put(p, d->certs, d->certs_len);
	a->der = der;
	a->len = der_tlv_len(len);
	return 0;
}

/* The answer from the signer's fixed parts, written once and signed. */
static int
sign_der(const struct signer *sg, const struct query *q,
    const struct cert_status *st, time_t now, time_t next, struct answer *a)
{
	unsigned char *tbs = NULL, *sig = NULL;
	size_t tbs_len = 0, sig_len;
	EVP_MD_CTX *ctx = NULL;
	int size, r;

	if ((r = tbs_der(sg->der, q, st, now, next, &tbs, &tbs_len)) != 0)
		goto out;
	size = EVP_PKEY_get_size(sg->key);	/* > 0: responder_der_new() */
	if ((sig = malloc((size_t)size)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	sig_len = (size_t)size;
	if (!EVP_MD_CTX_copy_ex(ctx, sg->tmpl)) {
		r = gf_fail_crypto("sign response");
		goto out;
	}
	/* Used once: OpenSSL need not copy it again to keep it usable. */
	EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
	if (EVP_DigestSign(ctx, sig, &sig_len, tbs, tbs_len) != 1) {
		r = gf_fail_crypto("sign response");
		goto out;
	}
	r = response_der(sg->der, tbs, tbs_len, sig, sig_len, a);
 out:
	EVP_MD_CTX_free(ctx);
	free(sig);
	free(tbs);
	return r;
}

/* The answer as OpenSSL builds it, for a signer without fixed parts. */
static int
sign_openssl(const struct signer *sg, const struct query *q,
    const struct cert_status *st, time_t now, time_t next, struct answer *a)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	ASN1_GENERALIZEDTIME *this_update = NULL, *next_update = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned long flags;
	size_t i;
	int r;

	if ((bs = OCSP_BASICRESP_new()) == NULL ||
	    (this_update = ASN1_GENERALIZEDTIME_set(NULL, now)) == NULL ||
	    (next_update = ASN1_GENERALIZEDTIME_set(NULL, next)) == NULL) {
		r = gf_fail_crypto("build response");
		goto out;
	}
	for (i = 0; i < q->n; i++)
		if ((r = add_single(bs, q->items[i].id, &st[i], this_update,
		    next_update)) != 0)
			goto out;
	if (q->nonce && OCSP_copy_nonce(bs, q->req) != 1) {
		r = gf_fail_crypto("copy nonce");
		goto out;
	}
	/*
	 * responderID byKey (RFC 6960 4.2.2.3); the delegated certificate
	 * goes along so that clients can check it against the issuer.
	 */
	flags = OCSP_RESPID_KEY | (sg->delegated ? 0 : OCSP_NOCERTS);
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if (sg->tmpl == NULL || !EVP_MD_CTX_copy_ex(ctx, sg->tmpl)) {
		ERR_clear_error();
		if (EVP_DigestSignInit(ctx, NULL, sg->md, NULL, sg->key) != 1) {
			r = gf_fail_crypto("sign response");
			goto out;
		}
	}
	if (!OCSP_basic_sign_ctx(bs, sg->cert, ctx, NULL, flags) ||
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL) {
		r = gf_fail_crypto("sign response");
		goto out;
	}
	r = response_to_der(resp, a);
 out:
	EVP_MD_CTX_free(ctx);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ASN1_GENERALIZEDTIME_free(this_update);
	ASN1_GENERALIZEDTIME_free(next_update);
	return r;
}

int
responder_sign(const struct query *q, const struct caset *cs,
    const struct cert_status *st, time_t now, time_t validity,
    struct answer *a)
{
	const struct signer *sg;
	struct answer out;
	time_t next;
	int r;

	if (q->n == 0)
		return gf_fail(GF_ERR_INTERNAL, "empty query");
	sg = &cs->cas[q->items[0].ca].signer;
	memset(&out, 0, sizeof(out));
	/* No response may outlive the certificate that vouches for it. */
	next = now + validity;
	if (sg->not_after != 0 && next > sg->not_after)
		next = sg->not_after;
	if (next <= now)
		return gf_fail(GF_ERR_POLICY, "the responder certificate of "
		    "%s has expired", cs->cas[q->items[0].ca].name);
	if ((r = sg->der != NULL ? sign_der(sg, q, st, now, next, &out) :
	    sign_openssl(sg, q, st, now, next, &out)) != 0)
		return r;
	out.ocsp_status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
	out.this_update = now;
	out.next_update = next;
	*a = out;
	return 0;
}

int
responder_error(int ocsp_status, struct answer *a)
{
	OCSP_RESPONSE *resp;
	struct answer out;
	int r;

	memset(&out, 0, sizeof(out));
	if ((resp = OCSP_response_create(ocsp_status, NULL)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = response_to_der(resp, &out);
	OCSP_RESPONSE_free(resp);
	if (r != 0)
		return GF_ERR_ALLOC;
	out.ocsp_status = ocsp_status;
	*a = out;
	return 0;
}
