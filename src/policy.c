/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a template accepts from a CSR. */
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/policy.h"
#include "genfic/template.h"

#define POLICY_RSA_MAX		8192	/* verifying larger keys costs too much */
#define POLICY_SAN_MAX		100
#define POLICY_DNS_MAX		253
#define POLICY_URI_MAX		2048
#define POLICY_SUBJECT_MAX	64	/* attributes in a requested subject */

/*
 * RSA: an odd public exponent of at least 3 (with e = 1 the "signature"
 * of a request is its padded digest, made without any private key, so it
 * proves nothing) and an odd modulus.
 */
static int
policy_rsa_numbers(const EVP_PKEY *pkey, const char *desc)
{
	BIGNUM *n = NULL, *e = NULL;
	int r = 0;

	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e))
		r = gf_fail_crypto("%s: unreadable", desc);
	else if (!BN_is_odd(e) || BN_is_one(e))
		r = BN_num_bits(e) <= 64 ? gf_fail(GF_ERR_POLICY, "%s has "
		    "public exponent %llu (an odd number of at least 3 is "
		    "required)", desc, (unsigned long long)BN_get_word(e)) :
		    gf_fail(GF_ERR_POLICY, "%s has an even public exponent",
		    desc);
	else if (!BN_is_odd(n))
		r = gf_fail(GF_ERR_POLICY, "%s has an even modulus", desc);
	BN_free(n);
	BN_free(e);
	return r;
}

/*
 * EC: the curve must be named (RFC 5480 2.1.1).  Explicit parameters equal
 * to an allowed curve would otherwise pass, and be copied into a
 * certificate that OpenSSL itself then refuses to verify.
 */
static int
policy_ec_named(const EVP_PKEY *pkey, const char *desc)
{
	char enc[32];

	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, sizeof(enc), NULL)) {
		gf_errclear();
		return 0;	/* no such parameter: named */
	}
	if (strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return gf_fail(GF_ERR_POLICY, "%s given with explicit curve "
		    "parameters: only named curves are allowed (RFC 5480 "
		    "2.1.1)", desc);
	return 0;
}

int
policy_check_key(const struct template *t, const EVP_PKEY *pkey)
{
	char desc[64];
	size_t i;
	int curve;

	key_describe(pkey, desc, sizeof(desc));
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < t->min_rsa_bits)
			return gf_fail(GF_ERR_POLICY, "%s is below the template "
			    "minimum %d", desc, t->min_rsa_bits);
		if (EVP_PKEY_get_bits(pkey) > POLICY_RSA_MAX)
			return gf_fail(GF_ERR_POLICY, "%s exceeds the maximum "
			    "%d", desc, POLICY_RSA_MAX);
		return policy_rsa_numbers(pkey, desc);
	case EVP_PKEY_EC:
		if (policy_ec_named(pkey, desc) != 0)
			return GF_ERR_POLICY;
		curve = key_ec_curve(pkey);
		for (i = 0; i < t->ncurves; i++)
			if (t->curves[i] == curve)
				return 0;
		return gf_fail(GF_ERR_POLICY, "%s is not allowed by template "
		    "'%s'", desc, t->name);
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		if (t->allow_eddsa)
			return 0;
		return gf_fail(GF_ERR_POLICY, "%s is not allowed by template "
		    "'%s'", desc, t->name);
	}
	return gf_fail(GF_ERR_POLICY, "%s: unsupported key type", desc);
}

/* Upper bounds of RFC 5280 appendix A.1 (ub-*), in characters. */
static int
attribute_max(int nid)
{
	switch (nid) {
	case NID_countryName:
		return 2;
	case NID_commonName:
	case NID_organizationName:
	case NID_organizationalUnitName:
	case NID_serialNumber:
		return 64;
	case NID_localityName:
	case NID_stateOrProvinceName:
		return 128;
	case NID_pkcs9_emailAddress:
		return 255;
	}
	return 256;
}

static int
policy_attribute(const X509_NAME_ENTRY *e)
{
	const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
	unsigned char *utf8 = NULL;
	int nid = OBJ_obj2nid(obj), len, chars, i, r = 0;

	if ((len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e))) < 0)
		return gf_fail(GF_ERR_POLICY, "subject %s: not a valid string",
		    OBJ_nid2sn(nid));
	if ((r = dn_check_value(OBJ_nid2sn(nid), utf8, (size_t)len)) != 0)
		goto out;
	for (i = 0, chars = 0; i < len; i++)
		if ((utf8[i] & 0xc0) != 0x80)
			chars++;
	if (chars == 0)
		r = gf_fail(GF_ERR_POLICY, "subject %s is empty",
		    OBJ_nid2sn(nid));
	else if (chars > attribute_max(nid))
		r = gf_fail(GF_ERR_POLICY, "subject %s of %d characters exceeds "
		    "the RFC 5280 upper bound of %d", OBJ_nid2sn(nid), chars,
		    attribute_max(nid));
 out:
	OPENSSL_free(utf8);
	return r;
}

int
policy_check_name(const X509_NAME *name)
{
	int j, r;

	if (X509_NAME_entry_count(name) > POLICY_SUBJECT_MAX)
		return gf_fail(GF_ERR_POLICY, "subject of %d attributes exceeds "
		    "the maximum %d", X509_NAME_entry_count(name),
		    POLICY_SUBJECT_MAX);
	for (j = 0; j < X509_NAME_entry_count(name); j++)
		if ((r = policy_attribute(X509_NAME_get_entry(name, j))) != 0)
			return r;
	return 0;
}

int
policy_subject(const struct template *t, const X509_NAME *requested,
    X509_NAME **out)
{
	X509_NAME *name;
	const X509_NAME_ENTRY *e;
	size_t i;
	int j, r;

	if ((r = policy_check_name(requested)) != 0)
		return r;
	for (i = 0; i < t->nsubject_required; i++)
		if (X509_NAME_get_index_by_NID(requested, t->subject_required[i],
		    -1) < 0)
			return gf_fail(GF_ERR_POLICY, "subject has no %s, which "
			    "template '%s' requires",
			    OBJ_nid2sn(t->subject_required[i]), t->name);
	if ((name = X509_NAME_new()) == NULL)
		return gf_fail_crypto("subject");
	for (i = 0; i < t->nsubject_copy; i++) {
		j = -1;
		while ((j = X509_NAME_get_index_by_NID(requested,
		    t->subject_copy[i], j)) >= 0) {
			e = X509_NAME_get_entry(requested, j);
			if (!X509_NAME_add_entry(name, e, -1, 0)) {
				X509_NAME_free(name);
				return gf_fail_crypto("subject");
			}
		}
	}
	if (X509_NAME_entry_count(name) == 0) {
		X509_NAME_free(name);
		return gf_fail(GF_ERR_POLICY, "subject keeps no attribute that "
		    "template '%s' copies", t->name);
	}
	*out = name;
	return 0;
}

/* Letters, digits and hyphens in labels of 1 to 63; "*." may lead. */
static int
dns_name_ok(const unsigned char *s, int len)
{
	int i, label = 0;

	/* The bound applies to the whole name, wildcard label included. */
	if (len > POLICY_DNS_MAX)
		return 0;
	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || (s[i] == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

static int
printable_ascii(const unsigned char *s, int len, int max)
{
	int i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* RFC 5280 4.2.1.6's name of a GeneralName type. */
static const char *
policy_gn_type(int type)
{
	static const char *const names[] = {
		"otherName", "rfc822Name", "dNSName", "x400Address",
		"directoryName", "ediPartyName", "uniformResourceIdentifier",
		"iPAddress", "registeredID",
	};

	if (type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0]))
		return "of an unknown type";
	return names[type];
}

static int
policy_general_name(const GENERAL_NAME *gn)
{
	const ASN1_STRING *s;
	char shown[4 * 80 + 1];
	int type;

	s = GENERAL_NAME_get0_value(gn, &type);
	switch (type) {
	case GEN_DNS:
		if (!dns_name_ok(ASN1_STRING_get0_data(s), ASN1_STRING_length(s))) {
			/* Shown whole up to 80 bytes, NUL and control bytes escaped. */
			gf_escape(shown, sizeof(shown), ASN1_STRING_get0_data(s),
			    ASN1_STRING_length(s) > 80 ? 80 :
			    (size_t)ASN1_STRING_length(s));
			return gf_fail(GF_ERR_POLICY, "subjectAltName DNS '%s'%s "
			    "is not a valid host name", shown,
			    ASN1_STRING_length(s) > 80 ? "..." : "");
		}
		return 0;
	case GEN_IPADD:
		if (ASN1_STRING_length(s) != 4 && ASN1_STRING_length(s) != 16)
			return gf_fail(GF_ERR_POLICY, "subjectAltName IP address "
			    "of %d octets (4 or 16 expected)",
			    ASN1_STRING_length(s));
		return 0;
	case GEN_EMAIL:
		if (!printable_ascii(ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s), 254) ||
		    memchr(ASN1_STRING_get0_data(s), '@',
		    (size_t)ASN1_STRING_length(s)) == NULL)
			return gf_fail(GF_ERR_POLICY, "subjectAltName email is "
			    "not an address");
		return 0;
	case GEN_URI:
		if (!printable_ascii(ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s), POLICY_URI_MAX) ||
		    memchr(ASN1_STRING_get0_data(s), ':',
		    (size_t)ASN1_STRING_length(s)) == NULL)
			return gf_fail(GF_ERR_POLICY, "subjectAltName URI is "
			    "not a URI");
		return 0;
	}
	return gf_fail(GF_ERR_POLICY, "subjectAltName %s is not supported "
	    "(DNS, IP, email and URI are)", policy_gn_type(type));
}

int
policy_check_san(const GENERAL_NAMES *names)
{
	int i, r;

	if (sk_GENERAL_NAME_num(names) > POLICY_SAN_MAX)
		return gf_fail(GF_ERR_POLICY, "%d subjectAltName entries exceed "
		    "the maximum %d", sk_GENERAL_NAME_num(names), POLICY_SAN_MAX);
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++)
		if ((r = policy_general_name(sk_GENERAL_NAME_value(names, i))) != 0)
			return r;
	return 0;
}

/* name (len bytes) is suffix or below it; ".suffix": below it only. */
static int
dns_under(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	if (suffix[0] != '.' && len == n && strncasecmp(name, suffix, n) == 0)
		return 1;
	if (suffix[0] != '.')
		return len > n + 1 && name[len - n - 1] == '.' &&
		    strncasecmp(name + len - n, suffix, n) == 0;
	return len > n && strncasecmp(name + len - n, suffix, n) == 0;
}

static int
policy_dns_limits(const struct template *tmpl, const ASN1_IA5STRING *dns)
{
	const char *name = (const char *)ASN1_STRING_get0_data(dns);
	size_t i, len = (size_t)ASN1_STRING_length(dns);

	if (!tmpl->san_wildcards && len > 0 && name[0] == '*')
		return gf_fail(GF_ERR_POLICY, "DNS:%.*s: template '%s' allows "
		    "no wildcard names (san_wildcards)", (int)len, name,
		    tmpl->name);
	if (tmpl->nsan_dns_suffixes == 0)
		return 0;
	for (i = 0; i < tmpl->nsan_dns_suffixes; i++)
		if (dns_under(name, len, tmpl->san_dns_suffixes[i]))
			return 0;
	return gf_fail(GF_ERR_POLICY, "DNS:%.*s: template '%s' allows only "
	    "names under %s%s (san_dns_suffixes)", (int)len, name, tmpl->name,
	    tmpl->san_dns_suffixes[0], tmpl->nsan_dns_suffixes > 1 ?
	    " and the other san_dns_suffixes" : "");
}

int
policy_check_san_limits(const struct template *tmpl,
    const GENERAL_NAMES *names)
{
	const GENERAL_NAME *gn;
	int i, r;

	if (tmpl->san_max > 0 && sk_GENERAL_NAME_num(names) > tmpl->san_max)
		return gf_fail(GF_ERR_POLICY, "%d subjectAltName entries: "
		    "template '%s' allows %d (san_max)",
		    sk_GENERAL_NAME_num(names), tmpl->name, tmpl->san_max);
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		gn = sk_GENERAL_NAME_value(names, i);
		if (gn->type == GEN_IPADD && !tmpl->san_ip)
			return gf_fail(GF_ERR_POLICY, "template '%s' allows no IP "
			    "addresses (san_ip)", tmpl->name);
		if (gn->type == GEN_DNS &&
		    (r = policy_dns_limits(tmpl, gn->d.dNSName)) != 0)
			return r;
	}
	return 0;
}
