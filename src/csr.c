/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificate signing requests.  They are parsed with templates of their
 * own rather than as X509_REQ: OpenSSL 3.0 decodes the key of every
 * X509_REQ it parses through the provider decoders, which costs more than
 * verifying the request's signature.  Here the key is kept as its bytes
 * and decoded directly for the common types.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>

#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/x509v3.h>

#include "genfic/csr.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/x509util.h"

typedef struct {
	X509_ALGOR		*algor;
	ASN1_BIT_STRING		*key;
} CSR_SPKI;

typedef struct {
	ASN1_ENCODING		 enc;	/* the signed bytes, as they came */
	ASN1_INTEGER		*version;
	X509_NAME		*subject;
	CSR_SPKI		*spki;
	STACK_OF(X509_ATTRIBUTE) *attributes;
} CSR_INFO;

struct csr_asn1 {
	CSR_INFO		*info;
	X509_ALGOR		*sig_alg;
	ASN1_BIT_STRING		*signature;
};
typedef struct csr_asn1 CSR_ASN1;

ASN1_SEQUENCE(CSR_SPKI) = {
	ASN1_SIMPLE(CSR_SPKI, algor, X509_ALGOR),
	ASN1_SIMPLE(CSR_SPKI, key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CSR_SPKI)

ASN1_SEQUENCE_enc(CSR_INFO, enc, NULL) = {
	ASN1_SIMPLE(CSR_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(CSR_INFO, subject, X509_NAME),
	ASN1_SIMPLE(CSR_INFO, spki, CSR_SPKI),
	/* Required by RFC 2986, but left out by some old clients. */
	ASN1_IMP_SET_OF_OPT(CSR_INFO, attributes, X509_ATTRIBUTE, 0)
} static_ASN1_SEQUENCE_END_ref(CSR_INFO, CSR_INFO)

ASN1_SEQUENCE(CSR_ASN1) = {
	ASN1_SIMPLE(CSR_ASN1, info, CSR_INFO),
	ASN1_SIMPLE(CSR_ASN1, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(CSR_ASN1, signature, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CSR_ASN1)

#define CSR_CURVES	8	/* named curves whose parameters are kept */

static pthread_mutex_t curves_lock = PTHREAD_MUTEX_INITIALIZER;
static struct curve {
	int		 nid;
	EVP_PKEY	*params;	/* a key holding only the curve */
	EC_GROUP	*group;		/* the same curve, to check points on */
} curves[CSR_CURVES];

/* Curve nid's entry, made once: building it costs five times copying it. */
static const struct curve *
curve_of(int nid)
{
	OSSL_PARAM params[2];
	EVP_PKEY_CTX *ctx;
	struct curve *c = NULL;
	const char *name;
	size_t i;

	pthread_mutex_lock(&curves_lock);
	for (i = 0; i < CSR_CURVES && curves[i].params != NULL; i++)
		if (curves[i].nid == nid) {
			c = &curves[i];
			goto out;
		}
	if (i == CSR_CURVES || (name = OBJ_nid2sn(nid)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((curves[i].group = EC_GROUP_new_by_curve_name(nid)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL) {
		if (EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx,
		    &curves[i].params, EVP_PKEY_KEY_PARAMETERS, params) == 1) {
			curves[i].nid = nid;
			c = &curves[i];
		}
		EVP_PKEY_CTX_free(ctx);
	}
	if (c == NULL) {
		EC_GROUP_free(curves[i].group);
		curves[i].group = NULL;
	}
 out:
	pthread_mutex_unlock(&curves_lock);
	return c;
}

/* The named curve of an EC key's algorithm, or NULL: the decoders judge. */
static const struct curve *
ec_named_curve(const X509_ALGOR *alg)
{
	const void *curve;
	int ptype;

	X509_ALGOR_get0(NULL, &ptype, &curve, alg);
	if (ptype != V_ASN1_OBJECT)
		return NULL;	/* explicit parameters */
	return curve_of(OBJ_obj2nid(curve));
}

/* An EC key on a named curve, from its point. */
static EVP_PKEY *
ec_key(const X509_ALGOR *alg, const ASN1_BIT_STRING *key)
{
	const struct curve *c;
	EVP_PKEY *pkey;

	if ((c = ec_named_curve(alg)) == NULL ||
	    (pkey = EVP_PKEY_dup(c->params)) == NULL)
		return NULL;
	/* The point is checked to be on the curve. */
	if (EVP_PKEY_set1_encoded_public_key(pkey, ASN1_STRING_get0_data(key),
	    (size_t)ASN1_STRING_length(key)) != 1) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * The curve alone, shared, once the point is checked to be on it: what a
 * key that is judged and copied as it is needs (csr_spki_parse()).
 */
static EVP_PKEY *
ec_curve_checked(const X509_ALGOR *alg, const ASN1_BIT_STRING *key)
{
	const struct curve *c;
	EC_POINT *point = NULL;
	int on_curve;

	if ((c = ec_named_curve(alg)) == NULL)
		return NULL;
	on_curve = (point = EC_POINT_new(c->group)) != NULL &&
	    EC_POINT_oct2point(c->group, point, ASN1_STRING_get0_data(key),
	    (size_t)ASN1_STRING_length(key), NULL) == 1;
	EC_POINT_free(point);
	if (!on_curve || !EVP_PKEY_up_ref(c->params))
		return NULL;
	return c->params;
}

/*
 * The y coordinates, canonical or not, of the points of small order of
 * Ed25519 and Ed448 (RFC 8032 5.1.2, 5.2.2), and the EC point at
 * infinity: keys that anyone can sign for, so that a signature proves
 * nothing.
 */
static const char *const ed25519_small[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	NULL
};
static const char *const ed448_small[] = {
	"0000000000000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000000000000000",
	"fefffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffff"
	    "ffffffffffffffffffffffffffffffffffffffffffffffff",
	"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffff"
	    "ffffffffffffffffffffffffffffffffffffffffffffffff",
	"00000000000000000000000000000000000000000000000000000000ffffffff"
	    "ffffffffffffffffffffffffffffffffffffffffffffffff",
	NULL
};

static int
small_order(int nid, const unsigned char *key, size_t len)
{
	const char *const *ys;
	unsigned char y[57];
	char hex[2 * sizeof(y) + 1];
	size_t ylen, i;

	switch (nid) {
	case NID_X9_62_id_ecPublicKey:
		return len == 1 && key[0] == 0x00;
	case NID_ED25519:
		ys = ed25519_small;
		ylen = 32;
		break;
	case NID_ED448:
		ys = ed448_small;
		ylen = 56;	/* then a byte for the sign of x */
		break;
	default:
		return 0;
	}
	if (len < ylen)
		return 0;	/* refused as it is decoded */
	memcpy(y, key, ylen);
	if (nid == NID_ED25519)
		y[31] &= 0x7f;	/* the sign of x */
	hex_encode(y, ylen, hex);
	for (i = 0; ys[i] != NULL; i++)
		if (strcmp(hex, ys[i]) == 0)
			return 1;
	return 0;
}

/* Any other key, through OpenSSL's decoders. */
static EVP_PKEY *
decoded_key(const X509_PUBKEY *spki)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pkey = NULL;
	int len;

	if ((len = i2d_X509_PUBKEY(spki, &der)) > 0) {
		p = der;
		pkey = d2i_PUBKEY(NULL, &p, len);
	}
	OPENSSL_free(der);
	return pkey;
}

/*
 * The key of spki, as encoded in *out and decoded in *pkey; with
 * curve_only, an EC key on a named curve decodes to its curve alone
 * (ec_curve_checked()).
 */
static int
spki_decode(const CSR_SPKI *spki, int curve_only, X509_PUBKEY **out,
    EVP_PKEY **pkey)
{
	const unsigned char *key = ASN1_STRING_get0_data(spki->key);
	size_t keylen = (size_t)ASN1_STRING_length(spki->key);
	int ptype;

	if ((spki->key->flags & 0x07) != 0)
		return gf_fail(GF_ERR_FORMAT, "the request's public key is not "
		    "a whole number of bytes");
	if (small_order(OBJ_obj2nid(spki->algor->algorithm), key, keylen))
		return gf_fail(GF_ERR_POLICY, "the public key is a point of "
		    "small order, for which anyone can sign");
	if ((*out = X509_PUBKEY_new()) == NULL ||
	    spki_set(*out, spki->algor, key, (int)keylen) != 0)
		return gf_fail_crypto("public key");
	X509_ALGOR_get0(NULL, &ptype, NULL, spki->algor);
	switch (OBJ_obj2nid(spki->algor->algorithm)) {
	case NID_X9_62_id_ecPublicKey:
		*pkey = curve_only ? ec_curve_checked(spki->algor, spki->key) :
		    ec_key(spki->algor, spki->key);
		break;
	case NID_ED25519:
	case NID_ED448:
		/* RFC 8410 3: the parameters are absent. */
		if (ptype == V_ASN1_UNDEF)
			*pkey = EVP_PKEY_new_raw_public_key_ex(NULL,
			    OBJ_nid2sn(OBJ_obj2nid(spki->algor->algorithm)),
			    NULL, key, keylen);
		break;
	}
	if (*pkey == NULL)
		*pkey = decoded_key(*out);
	if (*pkey == NULL)
		return gf_fail_crypto("unusable public key in the request");
	gf_errclear();
	return 0;
}

static int
csr_decode_key(struct csr *csr)
{
	return spki_decode(csr->asn1->info->spki, 0, &csr->spki, &csr->pkey);
}

/*
 * The extensions the request asks for (RFC 2985 5.4.2), in csr->exts, or
 * NULL when it asks for none.
 */
static int
csr_decode_extensions(struct csr *csr)
{
	static const int nids[] = { NID_ext_req, NID_ms_ext_req };
	STACK_OF(X509_ATTRIBUTE) *attrs = csr->asn1->info->attributes;
	const unsigned char *p;
	ASN1_TYPE *req = NULL;
	size_t i;
	int at, n = 0;

	for (i = 0; i < sizeof(nids) / sizeof(nids[0]); i++)
		for (at = -1; (at = X509at_get_attr_by_NID(attrs, nids[i],
		    at)) >= 0; n++)
			req = X509_ATTRIBUTE_get0_type(X509at_get_attr(attrs, at),
			    0);
	if (n > 1)
		return gf_fail(GF_ERR_POLICY, "the request asks for extensions "
		    "in %d attributes, not one", n);
	if (n == 0)
		return 0;
	p = req != NULL && req->type == V_ASN1_SEQUENCE ?
	    req->value.sequence->data : NULL;
	if (p == NULL || (csr->exts = (STACK_OF(X509_EXTENSION) *)ASN1_item_d2i(
	    NULL, &p, req->value.sequence->length,
	    ASN1_ITEM_rptr(X509_EXTENSIONS))) == NULL)
		return gf_fail_crypto("the request's extensions do not parse");
	return 0;
}

static int
csr_decode(const unsigned char *der, size_t len, struct csr *csr)
{
	const unsigned char *p = der;
	int r;

	if (len > LONG_MAX || (csr->asn1 = (CSR_ASN1 *)ASN1_item_d2i(NULL, &p,
	    (long)len, ASN1_ITEM_rptr(CSR_ASN1))) == NULL)
		return gf_fail_crypto("not a certificate request");
	if (p != der + len)
		return gf_fail(GF_ERR_FORMAT, "%zu bytes of trailing data after "
		    "the request", (size_t)(der + len - p));
	if (ASN1_INTEGER_get(csr->asn1->info->version) != 0)
		return gf_fail(GF_ERR_FORMAT, "unsupported request version "
		    "(RFC 2986 has only v1)");
	csr->subject = csr->asn1->info->subject;
	if ((r = csr_decode_extensions(csr)) != 0)
		return r;
	return csr_decode_key(csr);
}

int
csr_parse(const unsigned char *data, size_t len, struct csr **out)
{
	static const char *const labels[] = { "CERTIFICATE REQUEST",
	    "NEW CERTIFICATE REQUEST", NULL };
	unsigned char *der = NULL;
	size_t derlen;
	struct csr *csr;
	int r;

	if (len == 0)
		return gf_fail(GF_ERR_FORMAT, "empty file");
	if ((r = pem_or_der(data, len, labels, &der, &derlen)) != 0)
		return r;
	if ((csr = calloc(1, sizeof(*csr))) == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	else if ((r = csr_decode(der, derlen, csr)) == 0) {
		*out = csr;
		csr = NULL;
	}
	csr_free(csr);
	free(der);
	return r;
}

int
csr_spki_parse(const unsigned char *der, size_t len, X509_PUBKEY **spki,
    EVP_PKEY **pkey)
{
	const unsigned char *p = der;
	X509_PUBKEY *x = NULL;
	EVP_PKEY *k = NULL;
	CSR_SPKI *a;
	int r;

	if (len > LONG_MAX || (a = (CSR_SPKI *)ASN1_item_d2i(NULL, &p,
	    (long)len, ASN1_ITEM_rptr(CSR_SPKI))) == NULL)
		return gf_fail_crypto("not a public key");
	if (p != der + len)
		r = gf_fail(GF_ERR_FORMAT, "trailing data after the public key");
	else if ((r = spki_decode(a, 1, &x, &k)) == 0) {
		*spki = x;
		*pkey = k;
		x = NULL;
		k = NULL;
	}
	X509_PUBKEY_free(x);
	EVP_PKEY_free(k);
	ASN1_item_free((ASN1_VALUE *)a, ASN1_ITEM_rptr(CSR_SPKI));
	return r;
}

int
csr_load(const char *path, struct csr **csr)
{
	unsigned char *data;
	size_t len;
	int r;

	if ((r = file_read(path, GF_MAX_INPUT_FILE, &data, &len)) != 0)
		return r;
	r = csr_parse(data, len, csr);
	free(data);
	return r;
}

void
csr_free(struct csr *csr)
{
	if (csr == NULL)
		return;
	ASN1_item_free((ASN1_VALUE *)csr->asn1, ASN1_ITEM_rptr(CSR_ASN1));
	X509_PUBKEY_free(csr->spki);
	EVP_PKEY_free(csr->pkey);
	sk_X509_EXTENSION_pop_free(csr->exts, X509_EXTENSION_free);
	free(csr);
}

int
csr_verify(const struct csr *csr)
{
	const CSR_ASN1 *a = csr->asn1;

	/* CSR_INFO keeps its encoding: the bytes verified are those signed. */
	if (ASN1_item_verify(ASN1_ITEM_rptr(CSR_INFO), a->sig_alg, a->signature,
	    a->info, csr->pkey) != 1) {
		gf_errclear();
		return gf_fail(GF_ERR_POLICY, "bad signature: the request is "
		    "not signed by its own key (RFC 2986 proof of possession)");
	}
	return 0;
}

int
csr_check_extensions(const struct csr *csr)
{
	const ASN1_OBJECT *a;
	int i, j, n = sk_X509_EXTENSION_num(csr->exts);

	for (i = 0; i < n; i++) {
		a = X509_EXTENSION_get_object(sk_X509_EXTENSION_value(csr->exts,
		    i));
		for (j = i + 1; j < n; j++)
			if (OBJ_cmp(a, X509_EXTENSION_get_object(
			    sk_X509_EXTENSION_value(csr->exts, j))) == 0)
				return gf_fail(GF_ERR_POLICY, "the request has "
				    "more than one %s extension (RFC 5280 4.2)",
				    OBJ_nid2sn(OBJ_obj2nid(a)));
	}
	return 0;
}

int
csr_get_san(const struct csr *csr, GENERAL_NAMES **out)
{
	GENERAL_NAMES *san;
	int crit = -1;

	if (csr->exts == NULL) {
		*out = NULL;
		return 0;
	}
	san = X509V3_get_d2i(csr->exts, NID_subject_alt_name, &crit, NULL);
	if (san == NULL && crit == -2)
		return gf_fail(GF_ERR_POLICY, "the request has more than one "
		    "subjectAltName extension (RFC 5280 4.2)");
	if (san == NULL && crit >= 0)
		return gf_fail_crypto("the request's subjectAltName does not "
		    "parse");
	*out = san;
	return 0;
}
