/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The responder without HTTP or SQLite: answer_request(), the path the
 * daemon runs, against a CA set made here, a status table for a
 * status_source, and requests built with
 * OpenSSL's OCSP API.  Table-driven rows for each rule, then deterministic
 * mutation (every bit flipped, every truncation) of a valid request: each
 * must give a well-formed answer, and a successful one must verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/revoke.h"
#include "genfic/x509util.h"
#include "ocspd-local.h"

/* Asserts cond, naming the table row in CUnit's report. */
#define CHECK_ROW(cond, row) \
	check_row((cond) ? 1 : 0, (row), #cond, __FILE__, __LINE__)

static void
check_row(int ok, const char *row, const char *expr, const char *file,
    unsigned int line)
{
	char what[512];

	snprintf(what, sizeof(what), "[%s] %s", row, expr);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, what, file, "",
	    CU_FALSE);
}

#define NOW		((time_t)1800000000)	/* 2027-01-15 */
#define VALIDITY	86400

/* Serials (one octet) and what the store says of them. */
#define S_GOOD		0x01
#define S_REVOKED	0x02
#define S_HELD		0x03
#define S_NO_REASON	0x04	/* revoked, reason unspecified */
#define S_BUSY		0x0b	/* the lookup says the database is busy */
#define S_BROKEN	0x0e	/* the lookup fails */

struct fixture {
	EVP_PKEY	*ca_key;
	X509		*ca;
	EVP_PKEY	*other_key;
	X509		*other;		/* a CA we do not serve */
	EVP_PKEY	*rsp_key;
	X509		*rsp;		/* responder certificate of ca */
	struct served_ca sc;
	struct caset	 cs;
	X509_STORE	*trust;
	int		 lookups;
	int		 ca_lookups;	/* of the CA's own status */
	uint64_t	 gen;		/* the source's generation */
	int		 good_is;	/* what S_GOOD reads as */
	struct cert_status ca_st;	/* the CA's own status */
};

static struct fixture fx;

static X509 *
make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key, const char *bc, const char *eku)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, NULL);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) :
	    name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, bc);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (eku != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, eku);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256());
	return x;
}

static int
suite_init(void)
{
	fx.ca_key = EVP_EC_gen("P-256");
	fx.other_key = EVP_EC_gen("P-256");
	fx.rsp_key = EVP_EC_gen("P-256");
	fx.ca = make_cert("Test CA", 1, fx.ca_key, NULL, NULL,
	    "critical,CA:TRUE", NULL);
	fx.other = make_cert("Other CA", 1, fx.other_key, NULL, NULL,
	    "critical,CA:TRUE", NULL);
	fx.rsp = make_cert("Test responder", 2, fx.rsp_key, fx.ca, fx.ca_key,
	    "critical,CA:FALSE", "critical,OCSPSigning");
	if (fx.ca == NULL || fx.other == NULL || fx.rsp == NULL)
		return -1;
	fx.sc.id = 1;
	fx.sc.name = "test";
	fx.sc.cert = fx.ca;
	if (caset_hashes(&fx.sc) != 0)
		return -1;
	fx.sc.signer.cert = fx.rsp;
	fx.sc.signer.key = fx.rsp_key;
	fx.sc.signer.md = EVP_sha256();
	fx.sc.signer.delegated = 1;
	fx.sc.signer.not_after = NOW + 10 * 86400;
	/* As the daemon: answers built from the signer's fixed parts. */
	signer_prepare(&fx.sc.signer);
	if (fx.sc.signer.der == NULL)
		return -1;
	fx.cs.cas = &fx.sc;
	fx.cs.n = 1;
	fx.cs.gen = 1;
	if ((fx.cs.health = health_new(1)) == NULL)
		return -1;
	fx.gen = 1;
	fx.good_is = V_OCSP_CERTSTATUS_GOOD;
	fx.ca_st.status = V_OCSP_CERTSTATUS_GOOD;
	fx.trust = X509_STORE_new();
	X509_STORE_add_cert(fx.trust, fx.ca);
	return 0;
}

static int
suite_clean(void)
{
	X509_free(fx.ca);
	X509_free(fx.other);
	X509_free(fx.rsp);
	EVP_PKEY_free(fx.ca_key);
	EVP_PKEY_free(fx.other_key);
	EVP_PKEY_free(fx.rsp_key);
	X509_STORE_free(fx.trust);
	health_free(fx.cs.health);
	EVP_MD_CTX_free(fx.sc.signer.tmpl);
	responder_der_free(fx.sc.signer.der);
	return 0;
}

static int
lookup(void *arg, const struct served_ca *ca, const struct serial *s,
    struct cert_status *st)
{
	(void)arg;
	(void)ca;
	fx.lookups++;
	memset(st, 0, sizeof(*st));
	st->status = V_OCSP_CERTSTATUS_UNKNOWN;
	if (s->len != 1)
		return 0;
	switch (s->bytes[0]) {
	case S_GOOD:
		st->status = fx.good_is;
		if (st->status == V_OCSP_CERTSTATUS_REVOKED) {
			st->reason = OCSP_REVOKED_STATUS_SUPERSEDED;
			st->revoked_at = NOW - 10;
		}
		break;
	case S_REVOKED:
		st->status = V_OCSP_CERTSTATUS_REVOKED;
		st->reason = GF_REASON_KEY_COMPROMISE;
		st->revoked_at = NOW - 100;
		st->invalidity = NOW - 1000;
		break;
	case S_HELD:
		st->status = V_OCSP_CERTSTATUS_REVOKED;
		st->reason = GF_REASON_CERTIFICATE_HOLD;
		st->revoked_at = NOW - 50;
		break;
	case S_NO_REASON:
		st->status = V_OCSP_CERTSTATUS_REVOKED;
		st->reason = GF_REASON_UNSPECIFIED;
		st->revoked_at = NOW - 20;
		break;
	case S_BUSY:
		return GF_ERR_BUSY;
	case S_BROKEN:
		return GF_ERR_DB;
	}
	return 0;
}

static uint64_t
generation(void *arg)
{
	(void)arg;
	return fx.gen;
}

static int
ca_status(void *arg, const struct served_ca *ca, struct cert_status *st)
{
	(void)arg;
	(void)ca;
	fx.ca_lookups++;
	*st = fx.ca_st;
	return 0;
}

static const struct status_source source = { generation, lookup, ca_status,
    NULL };

/* The daemon's path, answer_request(), through rs (no cache: plain). */
static struct responder plain = { &source, NULL, VALIDITY, VALIDITY / 2 };

static int
answer_with(const struct responder *rs, const unsigned char *der, size_t len,
    struct result *res)
{
	memset(res, 0, sizeof(*res));
	answer_request(rs, &fx.cs, der, len, NOW, res);
	return res->a.der == NULL ? -1 : 0;
}

static int
respond(const unsigned char *der, size_t len, struct answer *a)
{
	struct result res;
	int r;

	r = answer_with(&plain, der, len, &res);
	*a = res.a;
	return r;
}

/* A CertID for serial (hex, "-" prefix for negative) under issuer. */
static OCSP_CERTID *
certid(X509 *issuer, const EVP_MD *md, const char *hex)
{
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn = NULL;
	OCSP_CERTID *id;

	BN_hex2bn(&bn, hex);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	id = OCSP_cert_id_new(md, X509_get_subject_name(issuer),
	    X509_get0_pubkey_bitstr(issuer), ai);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return id;
}

/* A nonce extension whose inner OCTET STRING has len octets. */
static void
add_nonce(OCSP_REQUEST *req, int len)
{
	ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING *outer = ASN1_OCTET_STRING_new();
	unsigned char buf[512], *der = NULL;
	X509_EXTENSION *ext;
	int n;

	memset(buf, 0x5a, sizeof(buf));
	ASN1_OCTET_STRING_set(inner, buf, len);
	n = i2d_ASN1_OCTET_STRING(inner, &der);
	ASN1_OCTET_STRING_set(outer, der, n);
	ext = X509_EXTENSION_create_by_NID(NULL, NID_id_pkix_OCSP_Nonce, 0,
	    outer);
	OCSP_REQUEST_add_ext(req, ext, -1);
	X509_EXTENSION_free(ext);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OCTET_STRING_free(outer);
}

static unsigned char *
encode(OCSP_REQUEST *req, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_OCSP_REQUEST(req, &der);

	*len = n > 0 ? (size_t)n : 0;
	return der;
}

struct row {
	const char	*name;
	const char	*serial;	/* hex */
	int		 md_nid;	/* of the CertID */
	int		 foreign;	/* issuer: the CA we do not serve */
	int		 nonce;		/* octets, -1 none, -2 two nonces */
	int		 count;		/* CertIDs */
	int		 trailing;	/* bytes after the request */
	int		 want;		/* OCSP_RESPONSE_STATUS_* */
	int		 status;	/* of the first single */
	int		 reason;	/* -1: none */
};

static const struct row rows[] = {
	{ "good", "01", NID_sha1, 0, -1, 1, 0, 0, V_OCSP_CERTSTATUS_GOOD, -1 },
	{ "good, SHA-256 CertID", "01", NID_sha256, 0, -1, 1, 0, 0,
	  V_OCSP_CERTSTATUS_GOOD, -1 },
	{ "revoked", "02", NID_sha1, 0, -1, 1, 0, 0,
	  V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_KEYCOMPROMISE },
	{ "on hold", "03", NID_sha256, 0, -1, 1, 0, 0,
	  V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_CERTIFICATEHOLD },
	{ "never issued", "0123456789ABCDEF", NID_sha1, 0, -1, 1, 0, 0,
	  V_OCSP_CERTSTATUS_UNKNOWN, -1 },
	{ "negative serial", "-01", NID_sha1, 0, -1, 1, 0, 0,
	  V_OCSP_CERTSTATUS_UNKNOWN, -1 },
	{ "zero serial", "00", NID_sha1, 0, -1, 1, 0, 0,
	  V_OCSP_CERTSTATUS_UNKNOWN, -1 },
	{ "21-octet serial", "010203040506070809000102030405060708090001",
	  NID_sha1, 0, -1, 1, 0, 0, V_OCSP_CERTSTATUS_UNKNOWN, -1 },
	{ "foreign issuer", "01", NID_sha1, 1, -1, 1, 0,
	  OCSP_RESPONSE_STATUS_UNAUTHORIZED, 0, 0 },
	{ "SHA-384 CertID", "01", NID_sha384, 0, -1, 1, 0,
	  OCSP_RESPONSE_STATUS_UNAUTHORIZED, 0, 0 },
	{ "nonce of 16", "01", NID_sha1, 0, 16, 1, 0, 0,
	  V_OCSP_CERTSTATUS_GOOD, -1 },
	{ "nonce of 128", "01", NID_sha1, 0, 128, 1, 0, 0,
	  V_OCSP_CERTSTATUS_GOOD, -1 },
	{ "nonce of 129", "01", NID_sha1, 0, 129, 1, 0,
	  OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, 0, 0 },
	{ "empty nonce", "01", NID_sha1, 0, 0, 1, 0,
	  OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, 0, 0 },
	{ "two nonces", "01", NID_sha1, 0, -2, 1, 0,
	  OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, 0, 0 },
	{ "100 CertIDs", "02", NID_sha1, 0, 16, 100, 0, 0,
	  V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_KEYCOMPROMISE },
	{ "101 CertIDs", "01", NID_sha1, 0, -1, 101, 0,
	  OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, 0, 0 },
	{ "no CertID", "01", NID_sha1, 0, -1, 0, 0,
	  OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, 0, 0 },
	{ "trailing byte", "01", NID_sha1, 0, -1, 1, 1,
	  OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, 0, 0 },
	{ "database busy", "0B", NID_sha1, 0, -1, 1, 0,
	  OCSP_RESPONSE_STATUS_TRYLATER, 0, 0 },
	{ "database broken", "0E", NID_sha1, 0, -1, 1, 0,
	  OCSP_RESPONSE_STATUS_INTERNALERROR, 0, 0 },
};

/* One certificate, good, no nonce: the request the cache keeps. */
static const struct row good_row = { "good", "01", NID_sha1, 0, -1, 1, 0, 0,
    V_OCSP_CERTSTATUS_GOOD, -1 };

static OCSP_REQUEST *
build(const struct row *r)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	const EVP_MD *md = EVP_get_digestbynid(r->md_nid);
	int i;

	for (i = 0; i < r->count; i++)
		OCSP_request_add0_id(req, certid(r->foreign ? fx.other : fx.ca,
		    md, r->serial));
	if (r->nonce >= 0)
		add_nonce(req, r->nonce);
	else if (r->nonce == -2) {
		add_nonce(req, 16);
		add_nonce(req, 16);
	}
	return req;
}

/* Decodes a; checks what every answer must be.  NULL if it is not. */
static OCSP_RESPONSE *
decode(const struct answer *a)
{
	const unsigned char *p = a->der;

	if (a->der == NULL)
		return NULL;
	return d2i_OCSP_RESPONSE(NULL, &p, (long)a->len);
}

/* Checks a successful answer to req: signature, echoes, times. */
static int
check_success(OCSP_REQUEST *req, OCSP_RESPONSE *resp, const char *row)
{
	OCSP_BASICRESP *bs = OCSP_response_get1_basic(resp);
	OCSP_SINGLERESP *single;
	ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd;
	STACK_OF(X509) *certs;
	int i, n, reason, ok = 1;
	time_t t;

	CHECK_ROW(bs != NULL, row);
	if (bs == NULL)
		return 0;
	ok &= OCSP_basic_verify(bs, NULL, fx.trust, 0) == 1;
	CHECK_ROW(ok, row);
	certs = (STACK_OF(X509) *)OCSP_resp_get0_certs(bs);
	CHECK_ROW(sk_X509_num(certs) == 1 &&
	    X509_cmp(sk_X509_value(certs, 0), fx.rsp) == 0, row);
	n = OCSP_resp_count(bs);
	CHECK_ROW(n == OCSP_request_onereq_count(req), row);
	for (i = 0; i < n; i++) {
		single = OCSP_resp_get0(bs, i);
		CHECK_ROW(OCSP_id_cmp(OCSP_SINGLERESP_get0_id(single),
		    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i))) == 0,
		    row);
		OCSP_single_get0_status(single, &reason, &rev, &thisupd,
		    &nextupd);
		CHECK_ROW(asn1_time_to_unix(thisupd, &t) == 0 && t == NOW, row);
		CHECK_ROW(asn1_time_to_unix(nextupd, &t) == 0 &&
		    t == NOW + VALIDITY, row);
	}
	/* 1: both carry the same nonce; 2: neither has one. */
	i = OCSP_check_nonce(req, bs);
	CHECK_ROW(i == 1 || i == 2, row);
	OCSP_BASICRESP_free(bs);
	return ok;
}

static void
test_rows(void)
{
	const struct row *r;
	OCSP_REQUEST *req;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	OCSP_SINGLERESP *single;
	ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd;
	struct answer a;
	unsigned char *der, *buf;
	size_t len, i;
	int reason, status;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		req = build(r);
		der = encode(req, &len);
		buf = malloc(len + 1);
		memcpy(buf, der, len);
		buf[len] = 0;
		CHECK_ROW(respond(buf, len + (size_t)r->trailing, &a) == 0,
		    r->name);
		resp = decode(&a);
		CHECK_ROW(resp != NULL, r->name);
		if (resp == NULL)
			goto next;
		CHECK_ROW(OCSP_response_status(resp) == r->want, r->name);
		CHECK_ROW(a.ocsp_status == r->want, r->name);
		if (r->want != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
			/* No responseBytes with an error status. */
			CHECK_ROW(OCSP_response_get1_basic(resp) == NULL,
			    r->name);
			goto next;
		}
		check_success(req, resp, r->name);
		bs = OCSP_response_get1_basic(resp);
		single = OCSP_resp_get0(bs, 0);
		status = OCSP_single_get0_status(single, &reason, &rev,
		    &thisupd, &nextupd);
		CHECK_ROW(status == r->status, r->name);
		if (status == V_OCSP_CERTSTATUS_REVOKED)
			CHECK_ROW(reason == r->reason, r->name);
		if (r->serial[0] == '0' && r->serial[1] == '2' &&
		    r->serial[2] == '\0')
			CHECK_ROW(OCSP_SINGLERESP_get_ext_by_NID(single,
			    NID_invalidity_date, -1) >= 0, r->name);
		OCSP_BASICRESP_free(bs);
 next:
		OCSP_RESPONSE_free(resp);
		answer_clear(&a);
		OPENSSL_free(der);
		free(buf);
		OCSP_REQUEST_free(req);
	}
}

static void
test_garbage(void)
{
	static const unsigned char junk[] = "GET / HTTP/1.0\r\n\r\n";
	static const unsigned char odd_params[] = {
	    0x30, 0x68, 0x30, 0x66, 0x30, 0x3f, 0x30, 0x3d, 0x30, 0x3b,
	    0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x20,
	    0x00, 0x04, 0x14, 0xb0, 0x10, 0xd0, 0xdd, 0x3b, 0x33, 0x4f,
	    0x5a, 0x24, 0x8a, 0x1e, 0xc6, 0x6f, 0xe3, 0x5b, 0x6e, 0x5b,
	    0xbb, 0xda, 0x83, 0x04, 0x14, 0x82, 0x40, 0x81, 0x4a, 0xef,
	    0x3b, 0x3a, 0x71, 0xc7, 0x6b, 0xa1, 0x93, 0x89, 0x3f, 0x47,
	    0x9c, 0xc5, 0x53, 0x20, 0x40, 0x02, 0x02, 0xf9, 0xfe, 0xa2,
	    0x23, 0x30, 0x21, 0x30, 0x1f, 0x06, 0x09, 0x2b, 0x06, 0x01,
	    0x05, 0x05, 0x07, 0x30, 0x01, 0x02, 0x04, 0x12, 0x04, 0x10,
	    0x4d, 0x9d, 0x66, 0x7a, 0xe5, 0x5a, 0xd8, 0xa2, 0x5b, 0xfa,
	    0xa1, 0xf8, 0xaa, 0x09, 0x41, 0xb8
	};
	OCSP_RESPONSE *resp;
	struct answer a;

	CHECK_ROW(respond(junk, sizeof(junk), &a) == 0, "text");
	resp = decode(&a);
	CHECK_ROW(resp != NULL && OCSP_response_status(resp) ==
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, "text");
	OCSP_RESPONSE_free(resp);
	answer_clear(&a);
	CHECK_ROW(respond(junk, 0, &a) == 0 && a.ocsp_status ==
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, "empty");
	answer_clear(&a);
	/*
	 * A CertID whose hashAlgorithm parameters are the reserved tag 0
	 * (20 00), which OpenSSL reads but writes as 00 00: an answer that
	 * repeated it did not decode (fuzz-ocsp's corpus, 55469723...).
	 */
	CHECK_ROW(respond(odd_params, sizeof(odd_params), &a) == 0 &&
	    a.ocsp_status == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
	    "CertID parameters of tag 0");
	answer_clear(&a);
}

/* No response outlives its signer; an expired one signs nothing. */
static void
test_signer_expiry(void)
{
	OCSP_REQUEST *req = build(&good_row);
	size_t len;
	unsigned char *der = encode(req, &len);
	time_t saved = fx.sc.signer.not_after;
	struct answer a;

	fx.sc.signer.not_after = NOW + 600;
	CHECK_ROW(respond(der, len, &a) == 0 && a.ocsp_status == 0 &&
	    a.next_update == NOW + 600, "clamped nextUpdate");
	answer_clear(&a);
	fx.sc.signer.not_after = NOW;
	CHECK_ROW(respond(der, len, &a) == 0 && a.ocsp_status ==
	    OCSP_RESPONSE_STATUS_INTERNALERROR, "expired signer");
	answer_clear(&a);
	fx.sc.signer.not_after = saved;
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

/* Whether a signer may sign, at given moments (no clock involved). */
static void
test_signer_state(void)
{
	struct signer sg;
	struct cert_status good, revoked;

	memset(&sg, 0, sizeof(sg));
	memset(&good, 0, sizeof(good));
	memset(&revoked, 0, sizeof(revoked));
	good.status = V_OCSP_CERTSTATUS_GOOD;
	revoked.status = V_OCSP_CERTSTATUS_REVOKED;
	revoked.reason = GF_REASON_KEY_COMPROMISE;
	revoked.revoked_at = NOW - 10;
	sg.not_before = NOW - 86400;
	sg.not_after = NOW + 600;
	CHECK_ROW(signer_state(&sg, &good, NOW) == SIGNER_OK, "valid");
	CHECK_ROW(signer_state(&sg, &good, NOW + 599) == SIGNER_OK,
	    "last second");
	CHECK_ROW(signer_state(&sg, &good, NOW + 600) == SIGNER_EXPIRED,
	    "at notAfter");
	CHECK_ROW(signer_state(&sg, &good, NOW + 86400) == SIGNER_EXPIRED,
	    "a day later");
	CHECK_ROW(signer_state(&sg, &good, NOW - 86401) ==
	    SIGNER_NOT_YET_VALID, "before notBefore");
	CHECK_ROW(signer_state(&sg, &revoked, NOW) == SIGNER_REVOKED,
	    "revoked");
	CHECK_ROW(signer_state(&sg, &revoked, NOW + 600) == SIGNER_REVOKED,
	    "revoked and expired");
}

/* RFC 6960 2.7: the certificates of a CA revoked for a compromise. */
static void
test_ca_revoked(void)
{
	static const struct {
		const char	*name;
		int		 ca_reason;	/* -1: the CA is not revoked */
		int		 status;	/* of the certificate */
		int		 reason;
		time_t		 at;
		int		 want_status;
		int		 want_reason;
		time_t		 want_at;
	} t[] = {
		{ "CA not revoked", -1, V_OCSP_CERTSTATUS_GOOD, 0, 0,
		  V_OCSP_CERTSTATUS_GOOD, 0, 0 },
		{ "cACompromise: good", GF_REASON_CA_COMPROMISE,
		  V_OCSP_CERTSTATUS_GOOD, 0, 0, V_OCSP_CERTSTATUS_REVOKED,
		  GF_REASON_CA_COMPROMISE, NOW - 100 },
		{ "keyCompromise: good", GF_REASON_KEY_COMPROMISE,
		  V_OCSP_CERTSTATUS_GOOD, 0, 0, V_OCSP_CERTSTATUS_REVOKED,
		  GF_REASON_CA_COMPROMISE, NOW - 100 },
		{ "superseded: good stays", 4, V_OCSP_CERTSTATUS_GOOD, 0, 0,
		  V_OCSP_CERTSTATUS_GOOD, 0, 0 },
		{ "never issued stays unknown", GF_REASON_CA_COMPROMISE,
		  V_OCSP_CERTSTATUS_UNKNOWN, 0, 0, V_OCSP_CERTSTATUS_UNKNOWN, 0,
		  0 },
		{ "revoked earlier keeps its own", GF_REASON_CA_COMPROMISE,
		  V_OCSP_CERTSTATUS_REVOKED, GF_REASON_KEY_COMPROMISE,
		  NOW - 500, V_OCSP_CERTSTATUS_REVOKED,
		  GF_REASON_KEY_COMPROMISE, NOW - 500 },
		{ "revoked later takes the CA's", GF_REASON_CA_COMPROMISE,
		  V_OCSP_CERTSTATUS_REVOKED, 4, NOW - 10,
		  V_OCSP_CERTSTATUS_REVOKED, GF_REASON_CA_COMPROMISE,
		  NOW - 100 },
		{ "on hold takes the CA's", GF_REASON_CA_COMPROMISE,
		  V_OCSP_CERTSTATUS_REVOKED, GF_REASON_CERTIFICATE_HOLD,
		  NOW - 500, V_OCSP_CERTSTATUS_REVOKED,
		  GF_REASON_CA_COMPROMISE, NOW - 100 },
	};
	struct cert_status ca, st;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&ca, 0, sizeof(ca));
		memset(&st, 0, sizeof(st));
		ca.status = t[i].ca_reason < 0 ? V_OCSP_CERTSTATUS_GOOD :
		    V_OCSP_CERTSTATUS_REVOKED;
		ca.reason = t[i].ca_reason < 0 ? 0 : t[i].ca_reason;
		ca.revoked_at = NOW - 100;
		st.status = t[i].status;
		st.reason = t[i].reason;
		st.revoked_at = t[i].at;
		responder_ca_revoked(&ca, &st);
		CHECK_ROW(st.status == t[i].want_status, t[i].name);
		if (t[i].want_status == V_OCSP_CERTSTATUS_REVOKED)
			CHECK_ROW(st.reason == t[i].want_reason &&
			    st.revoked_at == t[i].want_at, t[i].name);
	}
}

/* An unknown non-critical extension of pad octets: request padding. */
static void
add_padding(OCSP_REQUEST *req, int pad)
{
	ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.55555.1", 1);
	unsigned char buf[1024];
	X509_EXTENSION *ext;

	memset(buf, 0x41, sizeof(buf));
	ASN1_OCTET_STRING_set(value, buf, pad);
	ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value);
	OCSP_REQUEST_add_ext(req, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(value);
}

/*
 * The key of a request padded to about 1 KiB is its canonical form: as
 * small as an unpadded one, the same for both, and the cache stays in its
 * byte budget however it is filled.
 */
static void
test_cache_bytes(void)
{
	const size_t budget = 1 << 20, resp_len = 600;
	struct cache *c = cache_new(0, budget);
	struct cache_key key;
	struct cert_status st;
	struct answer a;
	struct serial sn;
	OCSP_REQUEST *req;
	OCSP_CERTID *id;
	unsigned char *der, *canon, *plain_key = NULL;
	const unsigned char *p;
	size_t len, clen, plain_len = 0, entries, bytes, max_entries = 0;
	char hex[16];
	int i;

	CU_ASSERT_FATAL(c != NULL);
	memset(&st, 0, sizeof(st));
	memset(&a, 0, sizeof(a));
	a.der = calloc(1, resp_len);
	a.len = resp_len;
	a.this_update = NOW;
	a.next_update = NOW + VALIDITY;
	for (i = 1; i <= 4000; i++) {
		snprintf(hex, sizeof(hex), "%04X", i);
		req = OCSP_REQUEST_new();
		OCSP_request_add0_id(req, certid(fx.ca, EVP_sha256(), hex));
		if (i == 1) {
			/* The unpadded request is its own canonical form. */
			plain_key = encode(req, &plain_len);
		}
		add_padding(req, 900);
		der = encode(req, &len);
		CU_ASSERT(len > 1000);
		OCSP_REQUEST_free(req);
		p = der;
		req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
		id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
		CU_ASSERT_FATAL(cache_canonical(id, &canon, &clen) == 0);
		if (i == 1)
			CU_ASSERT(clen == plain_len &&
			    memcmp(canon, plain_key, clen) == 0);
		CU_ASSERT(clen < 128);
		key.conf_gen = 1;
		key.req = canon;
		key.len = clen;
		memset(&sn, 0, sizeof(sn));
		sn.len = 2;
		sn.bytes[0] = (unsigned char)(i >> 8);
		sn.bytes[1] = (unsigned char)i;
		CU_ASSERT(cache_put(c, &key, 0, &sn, &st, 1, &a, NOW + 60) == 0);
		/* The same certificate asked again, padded: one entry. */
		if (i == 1) {
			CU_ASSERT(cache_put(c, &key, 0, &sn, &st, 1, &a,
			    NOW + 60) == 0);
			cache_usage(c, &entries, &bytes);
			CU_ASSERT(entries == 1);
		}
		cache_usage(c, &entries, &bytes);
		CU_ASSERT(bytes <= budget);
		if (entries > max_entries)
			max_entries = entries;
		OPENSSL_free(canon);
		OPENSSL_free(der);
		OCSP_REQUEST_free(req);
	}
	cache_usage(c, &entries, &bytes);
	/* Full: eviction kept it within the budget, and nearly full. */
	CU_ASSERT(bytes <= budget);
	CU_ASSERT(bytes > budget * 3 / 4);
	/* Each entry costs its response, a small key and < 256 octets. */
	CU_ASSERT(cache_entry_cost(resp_len, plain_len) <
	    resp_len + plain_len + 256);
	CU_ASSERT(entries >= (budget * 3 / 4) /
	    cache_entry_cost(resp_len, plain_len));
	printf("\n  %zu entries in %zu bytes, %zu each\n", entries, bytes,
	    cache_entry_cost(resp_len, plain_len));
	OPENSSL_free(plain_key);
	free(a.der);
	cache_free(c);
}

/* The answer to a mutated request is always a well-formed response. */
static int
mutant(const unsigned char *der, size_t len, const char *what)
{
	const unsigned char *p;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp;
	struct answer a;
	int ok;

	if (respond(der, len, &a) != 0)
		return 0;
	ok = (resp = decode(&a)) != NULL &&
	    OCSP_response_status(resp) == a.ocsp_status;
	if (ok && a.ocsp_status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		p = der;
		ok = (req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) != NULL &&
		    check_success(req, resp, what);
	}
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	answer_clear(&a);
	return ok;
}

static void
test_mutations(void)
{
	const struct row r = { "mutated", "02", NID_sha256, 0, 32, 2, 0, 0,
	    0, 0 };
	OCSP_REQUEST *req = build(&r);
	unsigned char *der, *buf;
	size_t len, i, bad = 0, total = 0;
	int bit;
	char what[64];

	der = encode(req, &len);
	buf = malloc(len);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, der, len);
			buf[i] ^= (unsigned char)(1 << bit);
			snprintf(what, sizeof(what), "bit %d of byte %zu", bit,
			    i);
			bad += !mutant(buf, len, what);
			total++;
		}
	for (i = 0; i < len; i++) {
		snprintf(what, sizeof(what), "truncated to %zu", i);
		bad += !mutant(der, i, what);
		total++;
	}
	printf("\n    %zu mutants of a %zu-byte request, %zu bad ", total,
	    len, bad);
	CU_ASSERT(bad == 0);
	free(buf);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

/* Serials we cannot have issued are not even looked up. */
static void
test_no_lookup(void)
{
	const struct row r = { "negative", "-05", NID_sha1, 0, -1, 1, 0, 0,
	    0, 0 };
	OCSP_REQUEST *req = build(&r);
	size_t len;
	unsigned char *der = encode(req, &len);
	struct answer a;

	fx.lookups = 0;
	CU_ASSERT(respond(der, len, &a) == 0 && a.ocsp_status == 0);
	CU_ASSERT(fx.lookups == 0);
	answer_clear(&a);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

/* The status of the first single of a successful answer, or -1. */
static int
first_status(const struct answer *a, int *reason)
{
	OCSP_RESPONSE *resp = decode(a);
	OCSP_BASICRESP *bs;
	ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd;
	int status = -1;

	*reason = -1;
	if (resp != NULL && (bs = OCSP_response_get1_basic(resp)) != NULL) {
		status = OCSP_single_get0_status(OCSP_resp_get0(bs, 0), reason,
		    &rev, &thisupd, &nextupd);
		OCSP_BASICRESP_free(bs);
	}
	OCSP_RESPONSE_free(resp);
	return status;
}

/* Whether two i2d() outputs are the same octets; frees both. */
static int
same_der(unsigned char *a, int la, unsigned char *b, int lb)
{
	int same = la > 0 && la == lb && memcmp(a, b, (size_t)la) == 0;

	OPENSSL_free(a);
	OPENSSL_free(b);
	return same;
}

#define SAME_DER(i2d, x, y) (da = db = NULL, la = (i2d)((x), &da), \
	lb = (i2d)((y), &db), same_der(da, la, db, lb))

/* The parts of two basic responses that must be equal, compared. */
static int
same_basic(OCSP_BASICRESP *a, OCSP_BASICRESP *b)
{
	const ASN1_OCTET_STRING *ka, *kb;
	const X509_NAME *na, *nb;
	unsigned char *da, *db;
	int i, la, lb, ok = 1;

	ok &= OCSP_resp_get0_id(a, &ka, &na) == 1 &&
	    OCSP_resp_get0_id(b, &kb, &nb) == 1 && ka != NULL && kb != NULL &&
	    ASN1_OCTET_STRING_cmp(ka, kb) == 0;
	ok &= OCSP_resp_count(a) == OCSP_resp_count(b);
	for (i = 0; ok && i < OCSP_resp_count(a); i++)
		ok &= SAME_DER(i2d_OCSP_SINGLERESP, OCSP_resp_get0(a, i),
		    OCSP_resp_get0(b, i));
	ok &= OCSP_BASICRESP_get_ext_count(a) ==
	    OCSP_BASICRESP_get_ext_count(b);
	for (i = 0; ok && i < OCSP_BASICRESP_get_ext_count(a); i++)
		ok &= SAME_DER(i2d_X509_EXTENSION, OCSP_BASICRESP_get_ext(a, i),
		    OCSP_BASICRESP_get_ext(b, i));
	ok &= SAME_DER(i2d_X509_ALGOR, OCSP_resp_get0_tbs_sigalg(a),
	    OCSP_resp_get0_tbs_sigalg(b));
	ok &= sk_X509_num(OCSP_resp_get0_certs(a)) == 1 &&
	    sk_X509_num(OCSP_resp_get0_certs(b)) == 1 &&
	    X509_cmp(sk_X509_value(OCSP_resp_get0_certs(a), 0),
	    sk_X509_value(OCSP_resp_get0_certs(b), 0)) == 0;
	return ok;
}

/*
 * An answer built from the signer's fixed parts is OpenSSL's own
 * (OCSP_basic_sign_ctx()) but for the signature: the same singles (good,
 * revoked with a reason and an invalidity date, on hold, revoked without a
 * reason, unknown), nonce, responderID, algorithm and certificate, in
 * canonical DER, producedAt the time asked.
 */
static void
signer_der_case(const char *name)
{
	struct signer *sg = &fx.sc.signer;
	struct signer_der *der = sg->der;
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_RESPONSE *ra = NULL, *rb = NULL;
	OCSP_BASICRESP *ba = NULL, *bb = NULL;
	const ASN1_GENERALIZEDTIME *produced;
	struct answer a, b;
	unsigned char *reqder, *re = NULL;
	size_t len;
	time_t t;
	int reason;

	OCSP_request_add0_id(req, certid(fx.ca, EVP_sha1(), "01"));
	OCSP_request_add0_id(req, certid(fx.ca, EVP_sha256(), "02"));
	OCSP_request_add0_id(req, certid(fx.ca, EVP_sha1(), "03"));
	OCSP_request_add0_id(req, certid(fx.ca, EVP_sha1(), "04"));
	OCSP_request_add0_id(req, certid(fx.ca, EVP_sha256(), "0123"));
	add_nonce(req, 16);
	reqder = encode(req, &len);
	CU_ASSERT_FATAL(der != NULL && reqder != NULL);
	CU_ASSERT_FATAL(respond(reqder, len, &a) == 0);
	sg->der = NULL;
	CU_ASSERT(respond(reqder, len, &b) == 0);
	sg->der = der;
	CU_ASSERT_FATAL((ra = decode(&a)) != NULL && (rb = decode(&b)) != NULL);
	/* Canonical: OpenSSL encodes what it parsed into the same octets. */
	CU_ASSERT(i2d_OCSP_RESPONSE(ra, &re) == (int)a.len &&
	    memcmp(re, a.der, a.len) == 0);
	CU_ASSERT(check_success(req, ra, name));
	CU_ASSERT(check_success(req, rb, name));
	ba = OCSP_response_get1_basic(ra);
	bb = OCSP_response_get1_basic(rb);
	CU_ASSERT_FATAL(ba != NULL && bb != NULL);
	CU_ASSERT(same_basic(ba, bb));
	CU_ASSERT(OCSP_single_get0_status(OCSP_resp_get0(ba, 0), NULL, NULL,
	    NULL, NULL) == V_OCSP_CERTSTATUS_GOOD);
	CU_ASSERT(OCSP_single_get0_status(OCSP_resp_get0(ba, 1), NULL, NULL,
	    NULL, NULL) == V_OCSP_CERTSTATUS_REVOKED);
	CU_ASSERT(OCSP_single_get0_status(OCSP_resp_get0(ba, 2), &reason,
	    NULL, NULL, NULL) == V_OCSP_CERTSTATUS_REVOKED &&
	    reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD);
	CU_ASSERT(OCSP_single_get0_status(OCSP_resp_get0(ba, 3), &reason,
	    NULL, NULL, NULL) == V_OCSP_CERTSTATUS_REVOKED &&
	    reason == OCSP_REVOKED_STATUS_NOSTATUS);
	CU_ASSERT(OCSP_single_get0_status(OCSP_resp_get0(ba, 4), NULL, NULL,
	    NULL, NULL) == V_OCSP_CERTSTATUS_UNKNOWN);
	produced = OCSP_resp_get0_produced_at(ba);
	CU_ASSERT(asn1_time_to_unix(produced, &t) == 0 && t == NOW &&
	    ASN1_STRING_type(produced) == V_ASN1_GENERALIZEDTIME);
	OCSP_BASICRESP_free(ba);
	OCSP_BASICRESP_free(bb);
	OCSP_RESPONSE_free(ra);
	OCSP_RESPONSE_free(rb);
	OPENSSL_free(re);
	answer_clear(&a);
	answer_clear(&b);
	OPENSSL_free(reqder);
	OCSP_REQUEST_free(req);
}

/* signer_der_case() for the fixture's P-256 signer, RSA and Ed25519. */
static void
test_signer_der(void)
{
	struct signer saved = fx.sc.signer, *sg = &fx.sc.signer;
	X509 *rsp = fx.rsp;
	EVP_PKEY *key;
	X509 *cert;
	int i;

	signer_der_case("fixed parts, P-256");
	for (i = 0; i < 2; i++) {
		key = i == 0 ? EVP_RSA_gen(2048) :
		    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		cert = make_cert("Other responder", 3, key, fx.ca, fx.ca_key,
		    "critical,CA:FALSE", "critical,OCSPSigning");
		CU_ASSERT_FATAL(key != NULL && cert != NULL);
		sg->cert = fx.rsp = cert;
		sg->key = key;
		sg->md = i == 0 ? EVP_sha256() : NULL;
		sg->tmpl = NULL;
		sg->der = NULL;
		signer_prepare(sg);
		signer_der_case(i == 0 ? "fixed parts, RSA" :
		    "fixed parts, Ed25519");
		EVP_MD_CTX_free(sg->tmpl);
		responder_der_free(sg->der);
		*sg = saved;
		fx.rsp = rsp;
		X509_free(cert);
		EVP_PKEY_free(key);
	}
}

/*
 * The cache of the daemon's path: a second request is answered from it
 * without a lookup, byte for byte; a change of generation rechecks the
 * status and keeps the entry while it holds, re-signs once it changed;
 * a request with a nonce is signed live.
 */
static void
test_cache(void)
{
	const struct row nonce = { "nonce", "01", NID_sha1, 0, 16, 1, 0, 0,
	    V_OCSP_CERTSTATUS_GOOD, -1 };
	struct responder rs = plain;
	struct result first, res;
	OCSP_REQUEST *req = build(&good_row), *nreq = build(&nonce);
	size_t len, nlen;
	unsigned char *der = encode(req, &len), *nder = encode(nreq, &nlen);
	int reason;

	CU_ASSERT_FATAL((rs.cache = cache_new(16, 1 << 20)) != NULL);
	fx.gen++;
	CU_ASSERT(answer_with(&rs, der, len, &first) == 0);
	CU_ASSERT(first.cache != NULL && strcmp(first.cache, "miss") == 0);
	CU_ASSERT(strcmp(first.serial, "01") == 0 &&
	    strcmp(first.ca, "test") == 0);
	fx.lookups = 0;
	CU_ASSERT(answer_with(&rs, der, len, &res) == 0);
	CU_ASSERT(res.cache != NULL && strcmp(res.cache, "hit") == 0);
	CU_ASSERT(fx.lookups == 0);
	CU_ASSERT(res.a.len == first.a.len &&
	    memcmp(res.a.der, first.a.der, res.a.len) == 0);
	CU_ASSERT(strcmp(result_etag(&res), result_etag(&first)) == 0 &&
	    res.etag[0] == '"');
	result_clear(&res);
	/* The store changed, not for this certificate: still the entry. */
	fx.gen++;
	CU_ASSERT(answer_with(&rs, der, len, &res) == 0);
	CU_ASSERT(res.cache != NULL && strcmp(res.cache, "hit") == 0);
	CU_ASSERT(fx.lookups >= 1);
	result_clear(&res);
	/* Revoked since: signed again, and says so. */
	fx.good_is = V_OCSP_CERTSTATUS_REVOKED;
	fx.gen++;
	CU_ASSERT(answer_with(&rs, der, len, &res) == 0);
	CU_ASSERT(res.cache != NULL && strcmp(res.cache, "miss") == 0);
	CU_ASSERT(first_status(&res.a, &reason) == V_OCSP_CERTSTATUS_REVOKED &&
	    reason == OCSP_REVOKED_STATUS_SUPERSEDED);
	result_clear(&res);
	fx.good_is = V_OCSP_CERTSTATUS_GOOD;
	fx.gen++;
	CU_ASSERT(answer_with(&rs, nder, nlen, &res) == 0);
	CU_ASSERT(res.cache != NULL && strcmp(res.cache, "live") == 0 &&
	    res.a.ocsp_status == OCSP_RESPONSE_STATUS_SUCCESSFUL);
	result_clear(&res);
	result_clear(&first);
	cache_free(rs.cache);
	OPENSSL_free(der);
	OPENSSL_free(nder);
	OCSP_REQUEST_free(req);
	OCSP_REQUEST_free(nreq);
}

/*
 * The source's word on the CA itself: revoked for a compromise, its
 * certificates are answered revoked (cACompromise, RFC 6960 2.7), and a
 * revoked responder certificate signs nothing (tryLater).
 */
static void
test_source_health(void)
{
	OCSP_REQUEST *req = build(&good_row);
	size_t len;
	unsigned char *der = encode(req, &len);
	struct serial saved = fx.sc.signer.serial;
	struct answer a;
	int reason;

	fx.ca_st.status = V_OCSP_CERTSTATUS_REVOKED;
	fx.ca_st.reason = GF_REASON_CA_COMPROMISE;
	fx.ca_st.revoked_at = NOW - 3600;
	fx.ca_lookups = 0;
	fx.gen++;
	CU_ASSERT(respond(der, len, &a) == 0 && a.ocsp_status == 0);
	CU_ASSERT(fx.ca_lookups == 1);
	CU_ASSERT(first_status(&a, &reason) == V_OCSP_CERTSTATUS_REVOKED &&
	    reason == OCSP_REVOKED_STATUS_CACOMPROMISE);
	answer_clear(&a);
	memset(&fx.ca_st, 0, sizeof(fx.ca_st));
	fx.ca_st.status = V_OCSP_CERTSTATUS_GOOD;
	/* The responder certificate is serial 02: revoked in the table. */
	fx.sc.signer.serial.len = 1;
	fx.sc.signer.serial.bytes[0] = S_REVOKED;
	fx.gen++;
	CU_ASSERT(respond(der, len, &a) == 0 &&
	    a.ocsp_status == OCSP_RESPONSE_STATUS_TRYLATER);
	answer_clear(&a);
	fx.sc.signer.serial = saved;
	fx.gen++;
	CU_ASSERT(respond(der, len, &a) == 0 && a.ocsp_status == 0);
	answer_clear(&a);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

static void
test_decode_get(void)
{
	static const struct {
		const char	*path;
		const char	*want;	/* NULL: refused */
	} cases[] = {
		{ "/QUJD", "ABC" },
		{ "//QUJD", "ABC" },
		{ "/QUI%3D", "AB" },
		{ "/QUI", "AB" },
		{ "/QQ", "A" },
		{ "/Pz8_", "???" },
		{ "/Pz8%2f", "???" },
		{ "/Pz8%2F", "???" },
		{ "/Pj4%2B", ">>>" },
		{ "/Pj4+", ">>>" },
		{ "/Pj4 ", ">>>" },
		{ "/Pj4%20", ">>>" },
		{ "/Pj4-", ">>>" },
		{ "/QUJD%0AQUJD", "ABCABC" },
		{ "/Q", NULL },
		{ "/", NULL },
		{ "/QUJD%", NULL },
		{ "/QUJD%4", NULL },
		{ "/QUJD%zz", NULL },
		{ "/QU=D", NULL },
		{ "/QUJD*", NULL },
		{ "/QQ===", NULL },
	};
	unsigned char *out;
	size_t len, i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = NULL;
		r = http_decode_get(cases[i].path, &out, &len);
		if (cases[i].want == NULL)
			CHECK_ROW(r != 0, cases[i].path);
		else
			CHECK_ROW(r == 0 && len == strlen(cases[i].want) &&
			    memcmp(out, cases[i].want, len) == 0,
			    cases[i].path);
		free(out);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if ((s = CU_add_suite("responder", suite_init, suite_clean)) == NULL ||
	    CU_add_test(s, "table of requests", test_rows) == NULL ||
	    CU_add_test(s, "garbage", test_garbage) == NULL ||
	    CU_add_test(s, "signer expiry", test_signer_expiry) == NULL ||
	    CU_add_test(s, "signer state", test_signer_state) == NULL ||
	    CU_add_test(s, "revoked CA", test_ca_revoked) == NULL ||
	    CU_add_test(s, "cache bytes", test_cache_bytes) == NULL ||
	    CU_add_test(s, "unissuable serials", test_no_lookup) == NULL ||
	    CU_add_test(s, "cache", test_cache) == NULL ||
	    CU_add_test(s, "signer's fixed parts", test_signer_der) == NULL ||
	    CU_add_test(s, "source health", test_source_health) == NULL ||
	    CU_add_test(s, "mutations", test_mutations) == NULL ||
	    CU_add_test(s, "GET decoding", test_decode_get) == NULL) {
		fprintf(stderr, "test-responder: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	failures = CU_get_number_of_failures() +
	    CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures != 0;
}
