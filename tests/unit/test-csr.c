/* SPDX-License-Identifier: GPL-2.0-or-later */
/* csr.c: PEM and DER requests, their keys, signatures and subjectAltNames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "genfic/csr.h"
#include "genfic/err.h"

#include "test.h"

#define TEST_SAN	"DNS:www.example.org,DNS:example.org,IP:192.0.2.7," \
			"IP:2001:db8::7,email:ops@example.org"

enum { K_P256, K_P384, K_ED25519, K_ED448, K_RSA2048, K_P256_EXPLICIT,
    K_P384_COMPRESSED, K_COUNT };

static const struct key_case {
	const char	*name;
	const char	*md;		/* NULL: EdDSA signs without a digest */
	int		 form;		/* EC point: 4, 2 (compressed); or 0 */
	int		 ptype;		/* of the SPKI's algorithm parameters */
} key_cases[K_COUNT] = {
	[K_P256] = { "P-256", "SHA256", 4, V_ASN1_OBJECT },
	[K_P384] = { "P-384", "SHA384", 4, V_ASN1_OBJECT },
	[K_ED25519] = { "Ed25519", NULL, 0, V_ASN1_UNDEF },
	[K_ED448] = { "Ed448", NULL, 0, V_ASN1_UNDEF },
	[K_RSA2048] = { "RSA 2048", "SHA256", 0, V_ASN1_NULL },
	/* Not a named curve: decoded by the fallback, d2i_PUBKEY. */
	[K_P256_EXPLICIT] = { "P-256 explicit", "SHA256", 4, V_ASN1_SEQUENCE },
	[K_P384_COMPRESSED] = { "P-384 compressed", "SHA384", 2,
	    V_ASN1_OBJECT },
};

/*
 * Which decoder csr.c takes for a key (its own or d2i_PUBKEY) does not
 * show from outside: the rows check what comes out, for every encoding.
 * Generated once for the suite: RSA generation is slow under ASan.
 */
static EVP_PKEY *keys[K_COUNT];

/* An EC key on curve, encoded with explicit parameters or compressed. */
static EVP_PKEY *
ec_generate(const char *curve, const char *param, const char *value)
{
	EVP_PKEY *pkey;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve)) != NULL &&
	    EVP_PKEY_set_utf8_string_param(pkey, param, value) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

static int
csr_init(void)
{
	size_t i;

	keys[K_P256] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys[K_P384] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	keys[K_ED25519] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	keys[K_ED448] = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	keys[K_RSA2048] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	keys[K_P256_EXPLICIT] = ec_generate("P-256",
	    OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT);
	keys[K_P384_COMPRESSED] = ec_generate("P-384",
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED);
	for (i = 0; i < K_COUNT; i++)
		if (keys[i] == NULL)
			return -1;
	return 0;
}

static int
csr_cleanup(void)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++) {
		EVP_PKEY_free(keys[i]);
		keys[i] = NULL;
	}
	return 0;
}

/* O=Genfic Test, CN=cn, both UTF8String. */
static X509_NAME *
subject_make(const char *cn)
{
	X509_NAME *name;

	if ((name = X509_NAME_new()) == NULL)
		return NULL;
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Genfic Test", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0)) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

/* Appends extension nid, from its openssl.cnf value, to *exts. */
static int
exts_add(STACK_OF(X509_EXTENSION) **exts, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	memset(&ctx, 0, sizeof(ctx));
	X509V3_set_ctx(&ctx, NULL, NULL, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	if (X509v3_add_ext(exts, ext, -1) == NULL) {
		X509_EXTENSION_free(ext);
		return -1;
	}
	X509_EXTENSION_free(ext);
	return 0;
}

static void
exts_free(STACK_OF(X509_EXTENSION) *exts)
{
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

/* What a request is made of, beside its key. */
struct req_spec {
	const char			*cn;
	long				 version;
	STACK_OF(X509_EXTENSION)	*exts;		/* or NULL: none */
	int				 ext_nid;	/* 0: NID_ext_req */
};

/* A request signed by key, as OpenSSL makes them. */
static X509_REQ *
req_make(int k, const X509_NAME *subject, const struct req_spec *spec)
{
	const EVP_MD *md = NULL;
	X509_REQ *req;

	if (key_cases[k].md != NULL &&
	    (md = EVP_get_digestbyname(key_cases[k].md)) == NULL)
		return NULL;
	if ((req = X509_REQ_new()) == NULL)
		return NULL;
	if (!X509_REQ_set_version(req, spec->version) ||
	    !X509_REQ_set_subject_name(req, subject) ||
	    !X509_REQ_set_pubkey(req, keys[k]) ||
	    (spec->exts != NULL && !X509_REQ_add_extensions_nid(req, spec->exts,
	    spec->ext_nid != 0 ? spec->ext_nid : NID_ext_req)) ||
	    X509_REQ_sign(req, keys[k], md) <= 0) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

/* The DER of req in a new buffer (free()), or NULL. */
static unsigned char *
req_der(X509_REQ *req, size_t *len)
{
	unsigned char *der = NULL, *copy;
	int n;

	if ((n = i2d_X509_REQ(req, &der)) <= 0)
		return NULL;
	if ((copy = malloc((size_t)n)) != NULL)
		memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return copy;
}

/* PEM_write_bio_X509_REQ() into a new buffer (free()), or NULL. */
static char *
req_pem(X509_REQ *req, size_t *len)
{
	BIO *bio;
	char *data, *copy = NULL;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509_REQ(bio, req) &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (copy = malloc((size_t)n)) != NULL) {
		memcpy(copy, data, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(bio);
	return copy;
}

/* csr_parse() of an exact-size copy, so that ASan sees any over-read. */
static int
parse(const void *data, size_t len, struct csr **csr)
{
	unsigned char *copy;
	int r;

	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	*csr = NULL;
	gf_errclear();
	r = csr_parse(copy, len, csr);
	free(copy);
	return r;
}

/* 1 if both encode to the same DER SubjectPublicKeyInfo. */
static int
spki_same(const X509_PUBKEY *a, const X509_PUBKEY *b)
{
	unsigned char *da = NULL, *db = NULL;
	int la, lb, same;

	la = i2d_X509_PUBKEY(a, &da);
	lb = i2d_X509_PUBKEY(b, &db);
	same = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return same;
}

/* 1 if the lists hold the same names in the same order. */
static int
names_equal(const GENERAL_NAMES *a, const GENERAL_NAMES *b)
{
	int i;

	if (a == NULL || b == NULL ||
	    sk_GENERAL_NAME_num(a) != sk_GENERAL_NAME_num(b))
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(a); i++)
		if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(a, i),
		    sk_GENERAL_NAME_value(b, i)) != 0)
			return 0;
	return 1;
}

/* The algorithm parameters' type of the SPKI. */
static int
spki_ptype(const X509_PUBKEY *spki)
{
	X509_ALGOR *alg;
	int ptype;

	if (!X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, spki))
		return -1;
	X509_ALGOR_get0(NULL, &ptype, NULL, alg);
	return ptype;
}

/* The form of the EC point in the SPKI (4 or 2), or 0 for other keys. */
static int
spki_point_form(const X509_PUBKEY *spki)
{
	const unsigned char *pk;
	ASN1_OBJECT *obj;
	int len;

	if (!X509_PUBKEY_get0_param(&obj, &pk, &len, NULL, spki) || len < 1)
		return -1;
	if (OBJ_obj2nid(obj) != NID_X9_62_id_ecPublicKey)
		return 0;
	return pk[0] & ~0x01;
}

/* Everything a good request must give back once parsed. */
static void
check_parsed(const struct csr *csr, int k, const X509_NAME *subject,
    X509_REQ *req, const GENERAL_NAMES *want_san, const char *row)
{
	GENERAL_NAMES *san = NULL;

	CHECK_ROW(csr->pkey != NULL && EVP_PKEY_eq(csr->pkey, keys[k]) == 1,
	    row);
	CHECK_ROW(csr->subject != NULL &&
	    X509_NAME_cmp(csr->subject, subject) == 0, row);
	CHECK_ROW(csr->spki != NULL &&
	    spki_same(csr->spki, X509_REQ_get_X509_PUBKEY(req)), row);
	/* The table covers named curves, explicit parameters, compression. */
	CHECK_ROW(spki_ptype(csr->spki) == key_cases[k].ptype, row);
	CHECK_ROW(spki_point_form(csr->spki) == key_cases[k].form, row);
	CHECK_ROW(csr_verify(csr) == 0, row);
	CHECK_ROW(csr_get_san(csr, &san) == 0 && names_equal(san, want_san),
	    row);
	GENERAL_NAMES_free(san);
}

/* A request for key k with TEST_SAN, its subject and its SAN. */
struct fixture {
	X509_NAME		*subject;
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES		*san;
	X509_REQ		*req;
	unsigned char		*der;
	size_t			 derlen;
	char			 cn[64];
};

static void
fixture_free(struct fixture *f)
{
	X509_NAME_free(f->subject);
	exts_free(f->exts);
	GENERAL_NAMES_free(f->san);
	X509_REQ_free(f->req);
	free(f->der);
	memset(f, 0, sizeof(*f));
}

static int
fixture_make(int k, struct fixture *f)
{
	struct req_spec spec = { NULL, 0, NULL, 0 };

	memset(f, 0, sizeof(*f));
	snprintf(f->cn, sizeof(f->cn), "csr-test %s", key_cases[k].name);
	spec.cn = f->cn;
	if ((f->subject = subject_make(f->cn)) == NULL ||
	    exts_add(&f->exts, NID_subject_alt_name, TEST_SAN) != 0 ||
	    (f->san = X509V3_EXT_d2i(sk_X509_EXTENSION_value(f->exts,
	    0))) == NULL)
		goto fail;
	spec.exts = f->exts;
	if ((f->req = req_make(k, f->subject, &spec)) == NULL ||
	    (f->der = req_der(f->req, &f->derlen)) == NULL)
		goto fail;
	return 0;
 fail:
	fixture_free(f);
	return -1;
}

static void
test_csr_keys(void)
{
	struct fixture f;
	struct csr *csr;
	char *pem, row[96];
	size_t k, pemlen;

	for (k = 0; k < K_COUNT; k++) {
		CHECK_ROW(fixture_make((int)k, &f) == 0, key_cases[k].name);
		if (f.req == NULL)
			continue;
		snprintf(row, sizeof(row), "%s DER", key_cases[k].name);
		CHECK_ROW(parse(f.der, f.derlen, &csr) == 0, row);
		if (csr != NULL)
			check_parsed(csr, (int)k, f.subject, f.req, f.san, row);
		csr_free(csr);

		snprintf(row, sizeof(row), "%s PEM", key_cases[k].name);
		pem = req_pem(f.req, &pemlen);
		CHECK_ROW(pem != NULL && parse(pem, pemlen, &csr) == 0, row);
		if (pem != NULL && csr != NULL)
			check_parsed(csr, (int)k, f.subject, f.req, f.san, row);
		csr_free(csr);
		free(pem);
		fixture_free(&f);
	}
}

/* Parses der with byte off XORed with mask; 0 or the error. */
static int
parse_flipped(const unsigned char *der, size_t len, size_t off,
    unsigned char mask, struct csr **csr)
{
	unsigned char *copy;
	int r;

	if ((copy = malloc(len)) == NULL)
		abort();
	memcpy(copy, der, len);
	copy[off] ^= mask;
	r = parse(copy, len, csr);
	free(copy);
	return r;
}

/* The request parses, is not what was signed, and csr_verify says so. */
static void
check_forged(const unsigned char *der, size_t len, size_t off,
    const X509_NAME *subject, int subject_changed, const char *row)
{
	struct csr *csr;
	int r;

	CHECK_ROW(parse_flipped(der, len, off, 0x01, &csr) == 0, row);
	if (csr == NULL)
		return;
	CHECK_ROW((X509_NAME_cmp(csr->subject, subject) != 0) ==
	    subject_changed, row);
	gf_errclear();
	r = csr_verify(csr);
	CHECK_ROW(r == GF_ERR_POLICY, row);
	CHECK_ERRMSG(r, "bad signature", row);
	csr_free(csr);
}

static void
test_csr_bad_signature(void)
{
	struct fixture f;
	const unsigned char *cn;
	char row[96];
	size_t k;

	for (k = 0; k < K_COUNT; k++) {
		CHECK_ROW(fixture_make((int)k, &f) == 0, key_cases[k].name);
		if (f.req == NULL)
			continue;
		/* The signature BIT STRING ends the request. */
		snprintf(row, sizeof(row), "%s signature", key_cases[k].name);
		check_forged(f.der, f.derlen, f.derlen - 1, f.subject, 0, row);

		/* One character of the CN, inside the signed subject. */
		snprintf(row, sizeof(row), "%s subject", key_cases[k].name);
		cn = memmem(f.der, f.derlen, f.cn, strlen(f.cn));
		CHECK_ROW(cn != NULL, row);
		if (cn != NULL)
			check_forged(f.der, f.derlen, (size_t)(cn - f.der),
			    f.subject, 1, row);
		fixture_free(&f);
	}
}

/* The length of the DER header at p, and of its contents in *len. */
static size_t
der_header(const unsigned char *p, size_t avail, size_t *len)
{
	const unsigned char *q = p;
	long n;
	int tag, xclass;

	if (ASN1_get_object(&q, &n, &tag, &xclass, (long)avail) & 0x80)
		return 0;
	*len = (size_t)n;
	return (size_t)(q - p);
}

/*
 * Flips one bit of each byte of [from, to), a different bit from one byte
 * to the next: the request must then fail to parse or fail to verify.
 * Returns the number of mutants accepted.
 */
static int
mutants_accepted(const unsigned char *der, size_t len, size_t from, size_t to)
{
	struct csr *csr;
	size_t off;
	int accepted = 0;

	for (off = from; off < to; off++) {
		if (parse_flipped(der, len, off, (unsigned char)(1 << off % 8),
		    &csr) == 0 && csr_verify(csr) == 0)
			accepted++;
		csr_free(csr);
	}
	gf_errclear();
	return accepted;
}

/* Every prefix of the request is refused. */
static int
prefixes_accepted(const unsigned char *der, size_t len)
{
	struct csr *csr;
	size_t n;
	int accepted = 0;

	for (n = 0; n < len; n++) {
		if (parse(der, n, &csr) == 0)
			accepted++;
		csr_free(csr);
	}
	gf_errclear();
	return accepted;
}

/*
 * Deterministic mutation: every byte of the signed CertificationRequestInfo
 * and of the signature, and every truncation.
 */
static void
test_csr_mutations(void)
{
	const ASN1_BIT_STRING *sig;
	struct fixture f;
	size_t k, hdr, outer, ihdr, info;

	for (k = 0; k < K_COUNT; k++) {
		CHECK_ROW(fixture_make((int)k, &f) == 0, key_cases[k].name);
		if (f.req == NULL)
			continue;
		/* The CertificationRequestInfo: after the outer header. */
		info = 0;
		if ((hdr = der_header(f.der, f.derlen, &outer)) > 0 &&
		    (ihdr = der_header(f.der + hdr, f.derlen - hdr, &info)) > 0)
			info += ihdr;
		CHECK_ROW(hdr > 0 && info > 0 && hdr + info < f.derlen,
		    key_cases[k].name);
		CHECK_ROW(mutants_accepted(f.der, f.derlen, hdr, hdr + info) ==
		    0, key_cases[k].name);
		X509_REQ_get0_signature(f.req, &sig, NULL);
		CHECK_ROW(mutants_accepted(f.der, f.derlen, f.derlen -
		    (size_t)ASN1_STRING_length(sig), f.derlen) == 0,
		    key_cases[k].name);
		CHECK_ROW(prefixes_accepted(f.der, f.derlen) == 0,
		    key_cases[k].name);
		fixture_free(&f);
	}
}

/* csr_get_san() of a P-256 request with exts (NULL: no attribute). */
static int
san_of(STACK_OF(X509_EXTENSION) *exts, int ext_nid, GENERAL_NAMES **san)
{
	struct req_spec spec = { "san-test", 0, exts, ext_nid };
	X509_NAME *subject;
	X509_REQ *req = NULL;
	unsigned char *der = NULL;
	struct csr *csr = NULL;
	size_t len;
	int r = -100;

	*san = NULL;
	if ((subject = subject_make(spec.cn)) != NULL &&
	    (req = req_make(K_P256, subject, &spec)) != NULL &&
	    (der = req_der(req, &len)) != NULL &&
	    parse(der, len, &csr) == 0) {
		gf_errclear();
		r = csr_get_san(csr, san);
	}
	csr_free(csr);
	free(der);
	X509_REQ_free(req);
	X509_NAME_free(subject);
	return r;
}

static const struct san_case {
	const char	*row;
	const char	*san[2];	/* subjectAltName extensions */
	const char	*key_usage;	/* another extension, or NULL */
	int		 ext_nid;	/* 0: NID_ext_req; -1: no attribute */
	int		 code;
	const char	*msg;
} san_cases[] = {
	{ "no attribute", { NULL, NULL }, NULL, -1, 0, NULL },
	{ "keyUsage only", { NULL, NULL }, "critical,digitalSignature", 0, 0,
	    NULL },
	{ "one SAN", { TEST_SAN, NULL }, NULL, 0, 0, NULL },
	{ "SAN and keyUsage", { "DNS:a.example", NULL }, "digitalSignature", 0,
	    0, NULL },
	{ "Microsoft attribute", { "DNS:ms.example", NULL }, NULL,
	    NID_ms_ext_req, 0, NULL },
	{ "two SANs", { "DNS:a.example", "DNS:b.example" }, NULL, 0,
	    GF_ERR_POLICY, "more than one subjectAltName" },
	{ "two equal SANs", { "DNS:a.example", "DNS:a.example" }, NULL, 0,
	    GF_ERR_POLICY, "more than one subjectAltName" },
};

static void
test_csr_san(void)
{
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES *san, *want;
	size_t i, j;
	int r;

	for (i = 0; i < sizeof(san_cases) / sizeof(san_cases[0]); i++) {
		const struct san_case *t = &san_cases[i];

		exts = NULL;
		for (j = 0; j < 2 && t->san[j] != NULL; j++)
			CHECK_ROW(exts_add(&exts, NID_subject_alt_name,
			    t->san[j]) == 0, t->row);
		if (t->key_usage != NULL)
			CHECK_ROW(exts_add(&exts, NID_key_usage,
			    t->key_usage) == 0, t->row);
		want = t->san[0] == NULL ? NULL :
		    X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, 0));
		r = san_of(t->ext_nid == -1 ? NULL : exts, t->ext_nid, &san);
		CHECK_ROW(r == t->code, t->row);
		if (t->code != 0) {
			CHECK_ERRMSG(r, t->msg, t->row);
			CHECK_ROW(san == NULL, t->row);
		} else if (want == NULL)
			CHECK_ROW(r == 0 && san == NULL, t->row);
		else
			CHECK_ROW(r == 0 && names_equal(san, want), t->row);
		GENERAL_NAMES_free(san);
		GENERAL_NAMES_free(want);
		exts_free(exts);
	}
}

/* der wrapped as PEM under label, in a new buffer (free()). */
static char *
pem_of(const char *label, const unsigned char *der, size_t len, size_t *pemlen)
{
	BIO *bio;
	char *data, *copy = NULL;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio(bio, label, "", der, (long)len) > 0 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (copy = malloc((size_t)n)) != NULL) {
		memcpy(copy, data, (size_t)n);
		*pemlen = (size_t)n;
	}
	BIO_free(bio);
	return copy;
}

/* parse() that expects code and a message containing msg. */
static void
check_refused(const void *data, size_t len, int code, const char *msg,
    const char *row)
{
	struct csr *csr;
	int r;

	r = parse(data, len, &csr);
	CHECK_ROW(r == code, row);
	CHECK_ROW(csr == NULL, row);
	if (r != 0)
		CHECK_ERRMSG(r, msg, row);
	csr_free(csr);
}

static void
test_csr_format(void)
{
	static const char garbage[] = "hello, this is no request\n";
	struct fixture f;
	struct csr *csr = NULL;
	unsigned char *longer;
	char *pem;
	size_t pemlen;

	check_refused("", 0, GF_ERR_FORMAT, "empty", "empty");
	check_refused(garbage, sizeof(garbage) - 1, GF_ERR_FORMAT,
	    "neither PEM nor DER", "garbage");
	CU_ASSERT_EQUAL_FATAL(fixture_make(K_P256, &f), 0);

	/* One NUL byte after the DER, then the same inside a PEM block. */
	if ((longer = calloc(1, f.derlen + 1)) == NULL)
		abort();
	memcpy(longer, f.der, f.derlen);
	check_refused(longer, f.derlen + 1, GF_ERR_FORMAT,
	    "trailing data", "DER + 1");
	pem = pem_of("CERTIFICATE REQUEST", longer, f.derlen + 1, &pemlen);
	CU_ASSERT_PTR_NOT_NULL(pem);
	if (pem != NULL)
		check_refused(pem, pemlen, GF_ERR_FORMAT, "trailing data",
		    "PEM of DER + 1");
	free(pem);
	free(longer);

	pem = pem_of("CERTIFICATE", f.der, f.derlen, &pemlen);
	if (pem != NULL)
		check_refused(pem, pemlen, GF_ERR_FORMAT,
		    "unexpected PEM block 'CERTIFICATE'", "CERTIFICATE label");
	free(pem);

	/* The label of old Netscape and Microsoft tools is accepted. */
	pem = pem_of("NEW CERTIFICATE REQUEST", f.der, f.derlen, &pemlen);
	CU_ASSERT(pem != NULL && parse(pem, pemlen, &csr) == 0 &&
	    csr_verify(csr) == 0);
	csr_free(csr);
	free(pem);
	fixture_free(&f);
}

/* Correctly signed requests of another version: the version check alone. */
static void
test_csr_version(void)
{
	static const long versions[] = { 1, 2, -1, 0x7fffffff };
	struct req_spec spec = { "version-test", 0, NULL, 0 };
	X509_NAME *subject;
	X509_REQ *req;
	unsigned char *der;
	struct csr *csr = NULL;
	char row[32];
	size_t i, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(subject = subject_make(spec.cn));
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		snprintf(row, sizeof(row), "version %ld", versions[i]);
		spec.version = versions[i];
		der = NULL;
		req = req_make(K_P256, subject, &spec);
		CHECK_ROW(req != NULL && (der = req_der(req, &len)) != NULL,
		    row);
		/* OpenSSL itself finds the request well signed. */
		CHECK_ROW(req != NULL &&
		    X509_REQ_verify(req, keys[K_P256]) == 1, row);
		if (der != NULL)
			check_refused(der, len, GF_ERR_FORMAT, "version", row);
		free(der);
		X509_REQ_free(req);
	}
	/* And the same request as version 0 is fine. */
	spec.version = 0;
	der = NULL;
	req = req_make(K_P256, subject, &spec);
	CU_ASSERT(req != NULL && (der = req_der(req, &len)) != NULL &&
	    parse(der, len, &csr) == 0 && csr_verify(csr) == 0);
	csr_free(csr);
	free(der);
	X509_REQ_free(req);
	X509_NAME_free(subject);
}

/* The offset of the SPKI's key bytes (BIT STRING contents) in f->der. */
static size_t
key_offset(const struct fixture *f, size_t *keylen)
{
	const unsigned char *pk, *at;
	int pklen;

	if (!X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL,
	    X509_REQ_get_X509_PUBKEY(f->req)) || pklen <= 0 ||
	    (at = memmem(f->der, f->derlen, pk, (size_t)pklen)) == NULL)
		return 0;
	*keylen = (size_t)pklen;
	return (size_t)(at - f->der);
}

/* Parses f->der with byte off XORed with 1: expects code and msg. */
static void
check_bad_key(const struct fixture *f, size_t off, int code, const char *msg,
    const char *row)
{
	struct csr *csr;
	int r;

	r = parse_flipped(f->der, f->derlen, off, 0x01, &csr);
	CHECK_ROW(r == code && csr == NULL, row);
	CHECK_ERRMSG(r, msg, row);
	csr_free(csr);
}

static void
test_csr_bad_key(void)
{
	struct fixture f;
	char row[96];
	size_t k, off, keylen;

	for (k = 0; k < K_COUNT; k++) {
		CHECK_ROW(fixture_make((int)k, &f) == 0, key_cases[k].name);
		if (f.req == NULL)
			continue;
		off = key_offset(&f, &keylen);
		CHECK_ROW(off > 0 && f.der[off - 1] == 0x00, key_cases[k].name);
		if (off == 0) {
			fixture_free(&f);
			continue;
		}
		/* The unused-bits octet of the key's BIT STRING. */
		snprintf(row, sizeof(row), "%s unused bits", key_cases[k].name);
		check_bad_key(&f, off - 1, GF_ERR_FORMAT,
		    "whole number of bytes", row);
		if (key_cases[k].form == 4) {
			/* 04 || x || y: the last bit of y leaves the curve. */
			snprintf(row, sizeof(row), "%s off the curve",
			    key_cases[k].name);
			CHECK_ROW(f.der[off] == 0x04, row);
			check_bad_key(&f, off + keylen - 1, GF_ERR_LIBCRYPTO,
			    "unusable public key", row);
		}
		fixture_free(&f);
	}
}

/*
 * csr_spki_parse(), as the signing process reads a parser's reply: every
 * key type decodes to its type and curve, re-encodes as it came, and a
 * point off its curve is refused.
 */
static void
test_csr_spki_parse(void)
{
	unsigned char *der = NULL, *again = NULL;
	char want[64], got[64];
	X509_PUBKEY *spki;
	EVP_PKEY *pkey;
	size_t k;
	int len, r;

	for (k = 0; k < K_COUNT; k++) {
		const char *row = key_cases[k].name;

		CHECK_ROW((len = i2d_PUBKEY(keys[k], &der)) > 0, row);
		spki = NULL;
		pkey = NULL;
		r = csr_spki_parse(der, (size_t)len, &spki, &pkey);
		CHECK_ROW(r == 0 && spki != NULL && pkey != NULL, row);
		if (r == 0) {
			CHECK_ROW(EVP_PKEY_get_base_id(pkey) ==
			    EVP_PKEY_get_base_id(keys[k]), row);
			if (key_cases[k].form != 0) {
				CHECK_ROW(EVP_PKEY_get_group_name(keys[k], want,
				    sizeof(want), NULL) == 1 &&
				    EVP_PKEY_get_group_name(pkey, got,
				    sizeof(got), NULL) == 1 &&
				    strcmp(want, got) == 0, row);
			}
			CHECK_ROW(i2d_X509_PUBKEY(spki, &again) == len &&
			    memcmp(again, der, (size_t)len) == 0, row);
		}
		OPENSSL_free(again);
		again = NULL;
		X509_PUBKEY_free(spki);
		EVP_PKEY_free(pkey);
		if (key_cases[k].form == 4) {
			/* 04 || x || y: the last bit of y leaves the curve. */
			der[len - 1] ^= 0x01;
			spki = NULL;
			pkey = NULL;
			gf_errclear();
			CHECK_ROW(csr_spki_parse(der, (size_t)len, &spki,
			    &pkey) != 0 && spki == NULL && pkey == NULL, row);
		}
		OPENSSL_free(der);
		der = NULL;
	}
	gf_errclear();
}

/* Appends the DER element tag, len to *p; the caller sized the buffer. */
static void
put_header(unsigned char **p, int tag, size_t len)
{
	ASN1_put_object(p, 1, (int)len, tag, V_ASN1_UNIVERSAL);
}

/* SEQUENCE { tbs, alg, BIT STRING sig } in a new buffer (free()). */
static unsigned char *
assemble(const unsigned char *tbs, size_t tbslen, const X509_ALGOR *alg,
    const unsigned char *sig, size_t siglen, size_t *len)
{
	ASN1_BIT_STRING *bs;
	unsigned char *algder = NULL, *bsder = NULL, *out = NULL, *p;
	int alglen, bslen;
	size_t body;

	if ((bs = ASN1_BIT_STRING_new()) == NULL ||
	    !ASN1_BIT_STRING_set(bs, (unsigned char *)sig, (int)siglen))
		goto out;
	bs->flags &= ~0x07;
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	if ((alglen = i2d_X509_ALGOR(alg, &algder)) <= 0 ||
	    (bslen = i2d_ASN1_BIT_STRING(bs, &bsder)) <= 0)
		goto out;
	body = tbslen + (size_t)alglen + (size_t)bslen;
	*len = (size_t)ASN1_object_size(1, (int)body, V_ASN1_SEQUENCE);
	if ((out = malloc(*len)) == NULL)
		goto out;
	p = out;
	put_header(&p, V_ASN1_SEQUENCE, body);
	memcpy(p, tbs, tbslen);
	memcpy(p + tbslen, algder, (size_t)alglen);
	memcpy(p + tbslen + alglen, bsder, (size_t)bslen);
 out:
	ASN1_BIT_STRING_free(bs);
	OPENSSL_free(algder);
	OPENSSL_free(bsder);
	return out;
}

/* Signs tbs with key k as X509_REQ_sign() would; *sig to OPENSSL_free(). */
static int
sign_tbs(int k, const unsigned char *tbs, size_t tbslen, unsigned char **sig,
    size_t *siglen)
{
	EVP_MD_CTX *mctx;
	int ok = 0;

	*sig = NULL;
	if ((mctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit_ex(mctx, NULL, key_cases[k].md, NULL, NULL,
	    keys[k], NULL) == 1 &&
	    EVP_DigestSign(mctx, NULL, siglen, tbs, tbslen) == 1 &&
	    (*sig = OPENSSL_malloc(*siglen)) != NULL &&
	    EVP_DigestSign(mctx, *sig, siglen, tbs, tbslen) == 1)
		ok = 1;
	EVP_MD_CTX_free(mctx);
	if (!ok) {
		OPENSSL_free(*sig);
		*sig = NULL;
	}
	return ok ? 0 : -1;
}

/*
 * Swaps the two attributes of the DER CertificationRequestInfo tbs, so
 * that its SET OF is no longer in DER order.
 */
static int
swap_attributes(unsigned char *tbs, size_t len)
{
	unsigned char *p, *tmp;
	size_t i, n, hdr, first, second;

	if ((p = tbs + der_header(tbs, len, &n)) == tbs)
		return -1;
	/* version, subject, subjectPKInfo */
	for (i = 0; i < 3; i++) {
		if ((hdr = der_header(p, len - (size_t)(p - tbs), &n)) == 0)
			return -1;
		p += hdr + n;
	}
	if (*p != 0xa0 || (hdr = der_header(p, len - (size_t)(p - tbs),
	    &n)) == 0)
		return -1;
	p += hdr;
	first = der_header(p, n, &i) + i;
	second = n - first;
	if (first == 0 || second == 0 || (tmp = malloc(first)) == NULL)
		return -1;
	memcpy(tmp, p, first);
	memmove(p, p + first, second);
	memcpy(p + second, tmp, first);
	free(tmp);
	return 0;
}

/*
 * A request signed over a BER (non-DER) encoding: the verified bytes must
 * be those received, not the structure encoded again.
 */
static void
test_csr_signed_bytes(void)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	struct req_spec spec = { "ber-test", 0, NULL, 0 };
	const X509_ALGOR *alg;
	X509_NAME *subject;
	X509_REQ *req = NULL, *again = NULL;
	unsigned char *tbs = NULL, *sig = NULL, *der = NULL, *re = NULL;
	const unsigned char *p;
	GENERAL_NAMES *san = NULL;
	struct csr *csr = NULL;
	size_t siglen, len = 0;
	int tbslen = 0, relen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(subject = subject_make(spec.cn));
	CU_ASSERT_EQUAL(exts_add(&exts, NID_subject_alt_name,
	    "DNS:ber.example"), 0);
	spec.exts = exts;
	CU_ASSERT_PTR_NOT_NULL(req = req_make(K_P256, subject, &spec));
	CU_ASSERT(req != NULL && X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_challengePassword, MBSTRING_ASC,
	    (const unsigned char *)"not a secret", -1) == 1 &&
	    (tbslen = i2d_re_X509_REQ_tbs(req, &tbs)) > 0);
	CU_ASSERT(tbs != NULL && swap_attributes(tbs, (size_t)tbslen) == 0);
	CU_ASSERT(tbs != NULL && sign_tbs(K_P256, tbs, (size_t)tbslen, &sig,
	    &siglen) == 0);
	if (sig != NULL) {
		X509_REQ_get0_signature(req, NULL, &alg);
		der = assemble(tbs, (size_t)tbslen, alg, sig, siglen, &len);
	}
	CU_ASSERT_PTR_NOT_NULL(der);
	/* OpenSSL encodes it again otherwise: the test means something. */
	p = der;
	CU_ASSERT(der != NULL && (again = d2i_X509_REQ(NULL, &p,
	    (long)len)) != NULL && (relen = i2d_re_X509_REQ_tbs(again,
	    &re)) == tbslen && memcmp(re, tbs, (size_t)tbslen) != 0);
	CU_ASSERT(der != NULL && parse(der, len, &csr) == 0);
	CU_ASSERT(csr != NULL && csr_verify(csr) == 0);
	CU_ASSERT(csr != NULL && csr_get_san(csr, &san) == 0 &&
	    sk_GENERAL_NAME_num(san) == 1);
	GENERAL_NAMES_free(san);
	csr_free(csr);
	OPENSSL_free(re);
	X509_REQ_free(again);
	free(der);
	OPENSSL_free(sig);
	OPENSSL_free(tbs);
	X509_REQ_free(req);
	exts_free(exts);
	X509_NAME_free(subject);
}

/* The DER CertificationRequestInfo of subject and spki, no attributes. */
static unsigned char *
tbs_make(const X509_NAME *subject, const unsigned char *spki, size_t spkilen,
    size_t *len)
{
	static const unsigned char version[] = { 0x02, 0x01, 0x00 };
	static const unsigned char attributes[] = { 0xa0, 0x00 };
	unsigned char *name = NULL, *out = NULL, *p;
	size_t body;
	int namelen;

	if ((namelen = i2d_X509_NAME(subject, &name)) <= 0)
		return NULL;
	body = sizeof(version) + (size_t)namelen + spkilen + sizeof(attributes);
	*len = (size_t)ASN1_object_size(1, (int)body, V_ASN1_SEQUENCE);
	if ((out = malloc(*len)) != NULL) {
		p = out;
		put_header(&p, V_ASN1_SEQUENCE, body);
		memcpy(p, version, sizeof(version));
		p += sizeof(version);
		memcpy(p, name, (size_t)namelen);
		p += namelen;
		memcpy(p, spki, spkilen);
		p += spkilen;
		memcpy(p, attributes, sizeof(attributes));
	}
	OPENSSL_free(name);
	return out;
}

/* A request for the Ed25519 key, its SPKI built by hand with params. */
static unsigned char *
ed25519_request(int with_null, size_t *len)
{
	static const unsigned char absent[] = { 0x30, 0x2a, 0x30, 0x05, 0x06,
	    0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };
	static const unsigned char null[] = { 0x30, 0x2c, 0x30, 0x07, 0x06,
	    0x03, 0x2b, 0x65, 0x70, 0x05, 0x00, 0x03, 0x21, 0x00 };
	unsigned char spki[sizeof(null) + 32], *tbs = NULL, *sig = NULL;
	unsigned char *der = NULL;
	X509_ALGOR *alg = NULL;
	X509_NAME *subject;
	size_t hdr, keylen = 32, tbslen, siglen;

	hdr = with_null ? sizeof(null) : sizeof(absent);
	memcpy(spki, with_null ? null : absent, hdr);
	if ((subject = subject_make("ed25519-params")) != NULL &&
	    EVP_PKEY_get_raw_public_key(keys[K_ED25519], spki + hdr,
	    &keylen) == 1 && keylen == 32 &&
	    (tbs = tbs_make(subject, spki, hdr + keylen, &tbslen)) != NULL &&
	    sign_tbs(K_ED25519, tbs, tbslen, &sig, &siglen) == 0 &&
	    (alg = X509_ALGOR_new()) != NULL &&
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_ED25519), V_ASN1_UNDEF, NULL))
		der = assemble(tbs, tbslen, alg, sig, siglen, len);
	X509_ALGOR_free(alg);
	OPENSSL_free(sig);
	free(tbs);
	X509_NAME_free(subject);
	return der;
}

/* RFC 8410 3: the parameters of an EdDSA key are absent, not NULL. */
static void
test_csr_eddsa_params(void)
{
	unsigned char *der;
	struct csr *csr = NULL;
	size_t len;

	/* Built by hand as below, without parameters: a good request. */
	CU_ASSERT_PTR_NOT_NULL(der = ed25519_request(0, &len));
	CU_ASSERT(der != NULL && parse(der, len, &csr) == 0 &&
	    EVP_PKEY_eq(csr->pkey, keys[K_ED25519]) == 1 &&
	    csr_verify(csr) == 0);
	csr_free(csr);
	free(der);

	CU_ASSERT_PTR_NOT_NULL(der = ed25519_request(1, &len));
	if (der != NULL)
		check_refused(der, len, GF_ERR_LIBCRYPTO, "unusable public key",
		    "Ed25519 with NULL parameters");
	free(der);
}

/*
 * An ECDSA P-256 signature of tbs that verifies under the point at
 * infinity, which anyone can make: s = e / k, r = x(kG).
 */
static unsigned char *
forge_ecdsa(const unsigned char *tbs, size_t tbslen, size_t *siglen)
{
	unsigned char md[32], *der = NULL;
	EC_GROUP *group;
	EC_POINT *point = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *k = NULL, *x = NULL, *e = NULL, *r = NULL, *s = NULL;
	BN_CTX *ctx;
	int n;

	group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	ctx = BN_CTX_new();
	if (group == NULL || ctx == NULL || EVP_Digest(tbs, tbslen, md, NULL,
	    EVP_sha256(), NULL) != 1 ||
	    (point = EC_POINT_new(group)) == NULL ||
	    (k = BN_new()) == NULL || (x = BN_new()) == NULL ||
	    (r = BN_new()) == NULL || (s = BN_new()) == NULL ||
	    (e = BN_bin2bn(md, sizeof(md), NULL)) == NULL ||
	    !BN_rand_range(k, EC_GROUP_get0_order(group)) || BN_is_zero(k) ||
	    !EC_POINT_mul(group, point, k, NULL, NULL, ctx) ||
	    !EC_POINT_get_affine_coordinates(group, point, x, NULL, ctx) ||
	    !BN_nnmod(r, x, EC_GROUP_get0_order(group), ctx) ||
	    BN_mod_inverse(k, k, EC_GROUP_get0_order(group), ctx) == NULL ||
	    !BN_mod_mul(s, e, k, EC_GROUP_get0_order(group), ctx) ||
	    (sig = ECDSA_SIG_new()) == NULL || !ECDSA_SIG_set0(sig, r, s))
		goto out;
	r = s = NULL;
	if ((n = i2d_ECDSA_SIG(sig, &der)) > 0)
		*siglen = (size_t)n;
 out:
	ECDSA_SIG_free(sig);
	BN_free(k);
	BN_free(x);
	BN_free(e);
	BN_free(r);
	BN_free(s);
	EC_POINT_free(point);
	BN_CTX_free(ctx);
	EC_GROUP_free(group);
	return der;
}

/* parse() and csr_verify() of tbs signed with sig under alg. */
static int
forged_accepted(const unsigned char *tbs, size_t tbslen, int sig_nid,
    const unsigned char *sig, size_t siglen)
{
	X509_ALGOR *alg;
	unsigned char *der = NULL;
	struct csr *csr = NULL;
	size_t len;
	int accepted = 0;

	if ((alg = X509_ALGOR_new()) != NULL &&
	    X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid), V_ASN1_UNDEF, NULL) &&
	    (der = assemble(tbs, tbslen, alg, sig, siglen, &len)) != NULL &&
	    parse(der, len, &csr) == 0 && csr_verify(csr) == 0)
		accepted = 1;
	csr_free(csr);
	free(der);
	X509_ALGOR_free(alg);
	gf_errclear();
	return accepted;
}

/* The identity of Ed25519 or Ed448 (y = 1), and R = identity, S = 0. */
static const struct eddsa_identity {
	const char		*row;
	int			 nid;
	unsigned char		 spki[12];
	size_t			 keylen;
} eddsa_identities[] = {
	{ "Ed25519 identity", NID_ED25519, { 0x30, 0x2a, 0x30, 0x05, 0x06,
	    0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 }, 32 },
	{ "Ed448 identity", NID_ED448, { 0x30, 0x43, 0x30, 0x05, 0x06, 0x03,
	    0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00 }, 57 },
};

/*
 * Keys whose private key everyone knows: the EC point at infinity
 * (private key 0) and the EdDSA identity.  Their "proof of possession"
 * is forged here; the request must not pass as signed by its own key.
 */
static void
test_csr_weak_keys(void)
{
	/* ecPublicKey, prime256v1, BIT STRING { 00 }: the point at infinity */
	static const unsigned char ec_infinity[] = { 0x30, 0x19, 0x30, 0x13,
	    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
	    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x02, 0x00,
	    0x00 };
	unsigned char spki[12 + 57], sig[2 * 57];
	X509_NAME *subject;
	unsigned char *tbs, *ecsig = NULL;
	size_t i, tbslen, siglen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(subject = subject_make("weak-key"));
	tbs = tbs_make(subject, ec_infinity, sizeof(ec_infinity), &tbslen);
	CU_ASSERT(tbs != NULL &&
	    (ecsig = forge_ecdsa(tbs, tbslen, &siglen)) != NULL);
	CHECK_ROW(ecsig == NULL || !forged_accepted(tbs, tbslen,
	    NID_ecdsa_with_SHA256, ecsig, siglen), "EC point at infinity");
	OPENSSL_free(ecsig);
	free(tbs);

	/* [S]B == R + [k]A holds for any k when A and R are the identity. */
	for (i = 0; i < sizeof(eddsa_identities) /
	    sizeof(eddsa_identities[0]); i++) {
		const struct eddsa_identity *t = &eddsa_identities[i];

		memset(spki, 0, sizeof(spki));
		memcpy(spki, t->spki, sizeof(t->spki));
		spki[sizeof(t->spki)] = 0x01;
		memset(sig, 0, sizeof(sig));
		sig[0] = 0x01;
		tbs = tbs_make(subject, spki, sizeof(t->spki) + t->keylen,
		    &tbslen);
		CHECK_ROW(tbs != NULL, t->row);
		CHECK_ROW(tbs == NULL || !forged_accepted(tbs, tbslen, t->nid,
		    sig, 2 * t->keylen), t->row);
		free(tbs);
	}
	X509_NAME_free(subject);
}

/* How a request asks for extensions, and what parse and check say. */
enum ext_form {
	EXT_DUP_KEY_USAGE,	/* keyUsage twice */
	EXT_SAN_AND_KU,		/* one of each */
	EXT_TWO_ATTRIBUTES,	/* extensionRequest and the Microsoft one */
	EXT_NOT_A_SEQUENCE,	/* an extensionRequest holding a string */
	EXT_NONE
};

static const struct ext_case {
	const char	*row;
	enum ext_form	 form;
	int		 parse;		/* csr_parse() */
	int		 check;		/* csr_check_extensions(), if parsed */
	const char	*msg;
} ext_cases[] = {
	{ "keyUsage twice", EXT_DUP_KEY_USAGE, 0, GF_ERR_POLICY,
	    "more than one keyUsage extension" },
	{ "subjectAltName and keyUsage", EXT_SAN_AND_KU, 0, 0, NULL },
	{ "no extensions", EXT_NONE, 0, 0, NULL },
	{ "two extension attributes", EXT_TWO_ATTRIBUTES, GF_ERR_POLICY, 0,
	    "in 2 attributes, not one" },
	{ "extensionRequest not a SEQUENCE", EXT_NOT_A_SEQUENCE,
	    GF_ERR_LIBCRYPTO, 0, "extensions do not parse" },
};

/* A signed P-256 request asking for extensions as form says. */
static X509_REQ *
ext_req_make(enum ext_form form)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_NAME *subject;
	X509_REQ *req = NULL;
	int ok;

	if ((subject = subject_make("ext-test")) == NULL ||
	    (req = X509_REQ_new()) == NULL)
		goto out;
	ok = X509_REQ_set_subject_name(req, subject) &&
	    X509_REQ_set_pubkey(req, keys[K_P256]);
	switch (form) {
	case EXT_DUP_KEY_USAGE:
		ok = ok && exts_add(&exts, NID_key_usage,
		    "digitalSignature") == 0 && exts_add(&exts, NID_key_usage,
		    "critical,keyCertSign") == 0 &&
		    X509_REQ_add_extensions(req, exts);
		break;
	case EXT_SAN_AND_KU:
	case EXT_TWO_ATTRIBUTES:
		ok = ok && exts_add(&exts, NID_subject_alt_name,
		    "DNS:a.example") == 0 && exts_add(&exts, NID_key_usage,
		    "digitalSignature") == 0 &&
		    X509_REQ_add_extensions(req, exts) &&
		    (form == EXT_SAN_AND_KU || X509_REQ_add_extensions_nid(req,
		    exts, NID_ms_ext_req));
		break;
	case EXT_NOT_A_SEQUENCE:
		ok = ok && X509_REQ_add1_attr_by_NID(req, NID_ext_req,
		    MBSTRING_UTF8, (const unsigned char *)"x", -1);
		break;
	case EXT_NONE:
		break;
	}
	if (!ok || X509_REQ_sign(req, keys[K_P256], EVP_sha256()) <= 0) {
		X509_REQ_free(req);
		req = NULL;
	}
 out:
	exts_free(exts);
	X509_NAME_free(subject);
	return req;
}

static void
test_csr_extensions(void)
{
	unsigned char *der;
	struct csr *csr;
	X509_REQ *req;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(ext_cases) / sizeof(ext_cases[0]); i++) {
		const struct ext_case *t = &ext_cases[i];

		der = NULL;
		CHECK_ROW((req = ext_req_make(t->form)) != NULL &&
		    (der = req_der(req, &len)) != NULL, t->row);
		if (der == NULL) {
			X509_REQ_free(req);
			continue;
		}
		r = parse(der, len, &csr);
		CHECK_ROW(r == t->parse, t->row);
		if (r != 0 && t->msg != NULL)
			CHECK_ERRMSG(r, t->msg, t->row);
		if (r == 0) {
			CHECK_ROW(csr_verify(csr) == 0, t->row);
			gf_errclear();
			r = csr_check_extensions(csr);
			CHECK_ROW(r == t->check, t->row);
			if (r != 0)
				CHECK_ERRMSG(r, t->msg, t->row);
			CHECK_ROW((csr->exts == NULL) == (t->form == EXT_NONE),
			    t->row);
		}
		csr_free(csr);
		free(der);
		X509_REQ_free(req);
	}
}

int
test_csr_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("csr", csr_init, csr_cleanup)) == NULL ||
	    CU_add_test(s, "key types, PEM and DER", test_csr_keys) == NULL ||
	    CU_add_test(s, "bad signatures", test_csr_bad_signature) == NULL ||
	    CU_add_test(s, "bit flips and truncations",
	    test_csr_mutations) == NULL ||
	    CU_add_test(s, "csr_get_san rows", test_csr_san) == NULL ||
	    CU_add_test(s, "input format", test_csr_format) == NULL ||
	    CU_add_test(s, "version", test_csr_version) == NULL ||
	    CU_add_test(s, "bad keys", test_csr_bad_key) == NULL ||
	    CU_add_test(s, "keys of a parser's reply",
	    test_csr_spki_parse) == NULL ||
	    CU_add_test(s, "signed bytes as received",
	    test_csr_signed_bytes) == NULL ||
	    CU_add_test(s, "EdDSA key parameters",
	    test_csr_eddsa_params) == NULL ||
	    CU_add_test(s, "keys anyone can sign for",
	    test_csr_weak_keys) == NULL ||
	    CU_add_test(s, "extension requests", test_csr_extensions) == NULL)
		return -1;
	return 0;
}
