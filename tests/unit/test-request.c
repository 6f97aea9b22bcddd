/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * request.c: the one judgement of a request, from PKCS #10 bytes and from
 * an existing certificate (the renewal's entry point).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/request.h"
#include "genfic/template.h"

#include "test.h"

static struct template *tmpl;

static int
request_init(void)
{
	const char *dirs[2] = { test_templates_dir(), NULL };

	return dirs[0] == NULL || template_load("system", dirs, &tmpl) != 0 ?
	    -1 : 0;
}

static int
request_cleanup(void)
{
	template_free(tmpl);
	return 0;
}

static void
add_san(X509 *cert, const char *san)
{
	X509_EXTENSION *ext;
	X509V3_CTX ctx;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	CU_ASSERT_FATAL(ext != NULL);
	CU_ASSERT_FATAL(X509_add_ext(cert, ext, -1) == 1);
	X509_EXTENSION_free(ext);
}

/* A self-signed certificate of a new key, for cn, with san (or NULL). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *san)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_get_subject_name(cert);

	CU_ASSERT_FATAL(cert != NULL);
	CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) == 1);
	X509_set_issuer_name(cert, name);
	X509_set_version(cert, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	CU_ASSERT_FATAL(X509_set_pubkey(cert, key) == 1);
	if (san != NULL)
		add_san(cert, san);
	CU_ASSERT_FATAL(X509_sign(cert, key, EVP_sha256()) > 0);
	return cert;
}

static const char *
verdict_of(const struct request_verdicts *all, const char *check)
{
	size_t i;

	for (i = 0; i < all->n; i++)
		if (strcmp(all->v[i].check, check) == 0)
			return all->v[i].state == REQUEST_OK ? "ok" :
			    all->v[i].state == REQUEST_REFUSED ? "refused" :
			    "unchecked";
	return NULL;
}

/* The renewal's request: the certificate's key, subject and names. */
static void
test_request_from_cert(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = make_cert(key, "host.example.org",
	    "DNS:host.example.org,IP:192.0.2.1");
	struct request_rules rules;
	struct request_verdicts all;
	struct request *req = NULL;
	GENERAL_NAMES *extra = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn;
	ASN1_IA5STRING *dns;

	memset(&rules, 0, sizeof(rules));
	rules.tmpl = tmpl;
	CU_ASSERT_EQUAL_FATAL(request_check_cert(&rules, cert, &req, NULL), 0);
	CU_ASSERT_EQUAL(X509_NAME_cmp(req->subject,
	    X509_get_subject_name(cert)), 0);
	CU_ASSERT_EQUAL(sk_GENERAL_NAME_num(req->san), 2);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(req->pkey, key), 1);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_PUBKEY_get0(req->spki), key), 1);
	request_free(req);
	req = NULL;

	/* --san comes after the certificate's names. */
	gn = GENERAL_NAME_new();
	dns = ASN1_IA5STRING_new();
	ASN1_STRING_set(dns, "extra.example.org", -1);
	GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
	sk_GENERAL_NAME_push(extra, gn);
	rules.extra_san = extra;
	CU_ASSERT_EQUAL_FATAL(request_check_cert(&rules, cert, &req, NULL), 0);
	CU_ASSERT_EQUAL(sk_GENERAL_NAME_num(req->san), 3);
	CU_ASSERT_EQUAL(sk_GENERAL_NAME_value(req->san, 2)->type, GEN_DNS);
	request_free(req);
	req = NULL;

	/* Every verdict but the proof of possession, which it cannot have. */
	memset(&all, 0, sizeof(all));
	CU_ASSERT_EQUAL(request_check_cert(&rules, cert, &req, &all), 0);
	CU_ASSERT_PTR_NULL(verdict_of(&all, "signature"));
	CU_ASSERT_PTR_NULL(verdict_of(&all, "extensions"));
	CU_ASSERT_STRING_EQUAL(verdict_of(&all, "key"), "ok");
	CU_ASSERT_STRING_EQUAL(verdict_of(&all, "subject"), "ok");
	CU_ASSERT_STRING_EQUAL(verdict_of(&all, "subjectAltName"), "ok");
	request_free(req);
	request_verdicts_clear(&all);
	GENERAL_NAMES_free(extra);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/*
 * The request made of a certificate hashes its key as the store does,
 * whatever the key's last bit: OpenSSL 3.0's X509_PUBKEY_dup() re-encoded
 * a P-256 point ending in a 0 bit with an unused-bits count of 1, so the
 * hash missed a key revoked for keyCompromise half of the time.
 */
static void
test_request_from_cert_hash(void)
{
	struct request_rules rules;
	unsigned char md[GF_SHA256_LEN];
	int even = 0, odd = 0, i;

	memset(&rules, 0, sizeof(rules));
	rules.tmpl = tmpl;
	for (i = 0; i < 64 && (even < 4 || odd < 4); i++) {
		EVP_PKEY *key = EVP_EC_gen("P-256");
		X509 *cert = make_cert(key, "host.example.org", NULL);
		const unsigned char *pub;
		struct request *req = NULL;
		int len;

		CU_ASSERT_FATAL(X509_PUBKEY_get0_param(NULL, &pub, &len, NULL,
		    X509_get_X509_PUBKEY(cert)) == 1);
		if (pub[len - 1] & 1)
			odd++;
		else
			even++;
		CU_ASSERT_EQUAL_FATAL(request_check_cert(&rules, cert, &req,
		    NULL), 0);
		CU_ASSERT_EQUAL(spki_hash(X509_get_X509_PUBKEY(cert), md), 0);
		CU_ASSERT_EQUAL(memcmp(req->spki_hash, md, sizeof(md)), 0);
		CU_ASSERT_EQUAL(spki_hash(req->spki, md), 0);
		CU_ASSERT_EQUAL(memcmp(req->spki_hash, md, sizeof(md)), 0);
		request_free(req);
		X509_free(cert);
		EVP_PKEY_free(key);
	}
	CU_ASSERT(even >= 4 && odd >= 4);
}

/* The policy still judges a certificate's request: key, names, chain. */
static void
test_request_from_cert_refused(void)
{
	static const char *const specs[] = { "permitted;DNS:.example.net",
	    NULL };
	struct ca_limits limits = { NULL, -1 };
	const char *name = "nc-ca";
	EVP_PKEY *rsa = EVP_RSA_gen(1024), *ec = EVP_EC_gen("P-256");
	X509 *weak = make_cert(rsa, "weak.example.org", NULL);
	X509 *host = make_cert(ec, "host.example.org", "DNS:host.example.org");
	X509 *ca = make_cert(ec, "NC CA", NULL);
	struct constraints *c = NULL;
	struct request_rules rules;
	struct request_verdicts all;
	struct request *req = NULL;
	int r;

	memset(&rules, 0, sizeof(rules));
	rules.tmpl = tmpl;
	r = request_check_cert(&rules, weak, &req, NULL);
	CU_ASSERT_EQUAL(r, GF_ERR_POLICY);
	CHECK_ERRMSG(r, "RSA key of 1024 bits", "weak key");
	CU_ASSERT_PTR_NULL(req);

	CU_ASSERT_FATAL(constraints_parse(specs, &limits.nc) == 0);
	CU_ASSERT_FATAL(constraints_apply(ca, &limits) == 0);
	CU_ASSERT_FATAL(constraints_from_certs(&ca, &name, 1, &c) == 0);
	rules.constraints = c;
	r = request_check_cert(&rules, host, &req, NULL);
	CU_ASSERT_EQUAL(r, GF_ERR_POLICY);
	CHECK_ERRMSG(r, "DNS:host.example.org is outside the permitted "
	    "subtrees of CA nc-ca", "nameConstraints");
	CU_ASSERT_PTR_NULL(req);

	/* All verdicts: the refusal, and what would have been issued. */
	memset(&all, 0, sizeof(all));
	CU_ASSERT_EQUAL(request_check_cert(&rules, host, &req, &all),
	    GF_ERR_POLICY);
	CU_ASSERT_STRING_EQUAL(verdict_of(&all, "name-constraints"), "refused");
	CU_ASSERT_STRING_EQUAL(verdict_of(&all, "key"), "ok");
	CU_ASSERT_PTR_NOT_NULL(all.would);
	CU_ASSERT_EQUAL(all.refused, GF_ERR_POLICY);
	request_verdicts_clear(&all);
	gf_errclear();

	constraints_free(c);
	NAME_CONSTRAINTS_free(limits.nc);
	X509_free(weak);
	X509_free(host);
	X509_free(ca);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static int seen_calls;

static int
seen_always(void *arg, const unsigned char hash[32], const X509_NAME *subject)
{
	(void)arg;
	(void)hash;
	seen_calls += subject != NULL;
	return 1;
}

/* A request: proof of possession first; a spool's look before judging. */
static void
test_request_bytes(void)
{
	EVP_PKEY *key = EVP_RSA_gen(1024);
	X509_REQ *x = X509_REQ_new();
	X509_NAME *name = X509_REQ_get_subject_name(x);
	struct request_rules rules;
	struct request_verdicts all;
	struct request *req = NULL;
	unsigned char *der = NULL;
	int len, r;

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"weak.example.org", -1, -1, 0);
	X509_REQ_set_pubkey(x, key);
	X509_REQ_sign(x, key, EVP_sha256());
	CU_ASSERT_FATAL((len = i2d_X509_REQ(x, &der)) > 0);
	der[len - 3] ^= 0xff;	/* the signature broken */
	memset(&rules, 0, sizeof(rules));
	rules.tmpl = tmpl;
	r = request_check(&rules, der, (size_t)len, &req, NULL);
	CHECK_ERRMSG(r, "bad signature", "proof of possession first");
	memset(&all, 0, sizeof(all));
	CU_ASSERT_EQUAL(request_check(&rules, der, (size_t)len, &req, &all),
	    GF_ERR_POLICY);
	CU_ASSERT_FATAL(all.n >= 3);
	CU_ASSERT_STRING_EQUAL(all.v[0].check, "parse");
	CU_ASSERT_STRING_EQUAL(all.v[1].check, "signature");
	CU_ASSERT_EQUAL(all.v[1].state, REQUEST_REFUSED);
	CU_ASSERT_STRING_EQUAL(verdict_of(&all, "key"), "refused");
	CU_ASSERT_PTR_NOT_NULL(all.csr);
	request_verdicts_clear(&all);
	gf_errclear();

	rules.seen = seen_always;
	CU_ASSERT_EQUAL(request_check(&rules, der, (size_t)len, &req, NULL),
	    GF_ERR_EXISTS);
	CU_ASSERT_EQUAL(seen_calls, 1);
	CU_ASSERT_PTR_NULL(req);
	OPENSSL_free(der);
	X509_REQ_free(x);
	EVP_PKEY_free(key);
}

int
test_request_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("request", request_init, request_cleanup)) ==
	    NULL ||
	    CU_add_test(s, "request_check_cert", test_request_from_cert) ==
	    NULL ||
	    CU_add_test(s, "request_check_cert key hash",
	    test_request_from_cert_hash) == NULL ||
	    CU_add_test(s, "request_check_cert refusals",
	    test_request_from_cert_refused) == NULL ||
	    CU_add_test(s, "request_check order and seen",
	    test_request_bytes) == NULL)
		return -1;
	return 0;
}
