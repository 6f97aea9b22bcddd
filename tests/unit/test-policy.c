/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.c: keys, subjects and subjectAltNames against a template. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/dsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/policy.h"
#include "genfic/template.h"

#include "test.h"

/* A template stricter than every default, to see its settings matter. */
static const char strict_cnf[] = "[template]\ndays = 10\n"
    "min_rsa_bits = 3072\nec_curves = P-384\neddsa = no\n"
    "subject_required = CN, O\nsubject_copy = CN, O\n"
    "extensions = ext\n[ext]\nbasicConstraints = CA:FALSE\n";

enum { K_RSA1024, K_RSA2048, K_P256, K_P384, K_P521, K_K256, K_ED25519,
    K_ED448, K_DSA, K_COUNT };

static EVP_PKEY *pkeys[K_COUNT];
static struct template *system_tmpl, *strict_tmpl;

static EVP_PKEY *
dsa_generate(unsigned int bits)
{
	EVP_PKEY_CTX *ctx = NULL, *kctx = NULL;
	EVP_PKEY *params = NULL, *pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL)) == NULL ||
	    EVP_PKEY_paramgen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, (int)bits) <= 0 ||
	    EVP_PKEY_paramgen(ctx, &params) <= 0 ||
	    (kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(kctx) <= 0 ||
	    EVP_PKEY_keygen(kctx, &pkey) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(kctx);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return pkey;
}

static int
policy_init(void)
{
	const char *dirs[2] = { test_templates_dir(), NULL };
	char *dir, *path;
	int r;

	if (dirs[0] == NULL || template_load("system", dirs, &system_tmpl) != 0)
		return -1;
	if ((dir = test_tmpdir()) == NULL)
		return -1;
	path = test_path(dir, "strict.cnf");
	dirs[0] = dir;
	r = test_write_file(path, strict_cnf, sizeof(strict_cnf) - 1) == 0 &&
	    template_load("strict", dirs, &strict_tmpl) == 0 ? 0 : -1;
	free(path);
	test_rmtree(dir);
	if (r != 0)
		return r;
	pkeys[K_RSA1024] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	pkeys[K_RSA2048] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	pkeys[K_P256] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pkeys[K_P384] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	pkeys[K_P521] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	pkeys[K_K256] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	pkeys[K_ED25519] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	pkeys[K_ED448] = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	pkeys[K_DSA] = dsa_generate(2048);
	for (r = 0; r < K_COUNT; r++)
		if (pkeys[r] == NULL)
			return -1;
	return 0;
}

static int
policy_cleanup(void)
{
	int i;

	for (i = 0; i < K_COUNT; i++) {
		EVP_PKEY_free(pkeys[i]);
		pkeys[i] = NULL;
	}
	template_free(system_tmpl);
	template_free(strict_tmpl);
	system_tmpl = strict_tmpl = NULL;
	return 0;
}

static const struct key_case {
	int		 key;
	int		 strict;	/* against strict.cnf, not system */
	int		 code;
	const char	*msg;
} key_cases[] = {
	{ K_RSA1024, 0, GF_ERR_POLICY,
	    "RSA key of 1024 bits is below the template minimum 2048" },
	{ K_RSA2048, 0, 0, NULL },
	{ K_P256, 0, 0, NULL },
	{ K_P384, 0, 0, NULL },
	{ K_P521, 0, 0, NULL },
	{ K_K256, 0, GF_ERR_POLICY,
	    "EC key on secp256k1 is not allowed by template 'system'" },
	{ K_ED25519, 0, 0, NULL },
	{ K_ED448, 0, 0, NULL },
	{ K_DSA, 0, GF_ERR_POLICY, "unsupported key type" },
	{ K_RSA2048, 1, GF_ERR_POLICY,
	    "RSA key of 2048 bits is below the template minimum 3072" },
	{ K_P256, 1, GF_ERR_POLICY,
	    "EC key on P-256 is not allowed by template 'strict'" },
	{ K_P384, 1, 0, NULL },
	{ K_P521, 1, GF_ERR_POLICY, "EC key on P-521 is not allowed" },
	{ K_ED25519, 1, GF_ERR_POLICY,
	    "Ed25519 key is not allowed by template 'strict'" },
	{ K_ED448, 1, GF_ERR_POLICY, "Ed448 key is not allowed" },
	{ K_DSA, 1, GF_ERR_POLICY, "unsupported key type" },
};

static void
test_policy_key(void)
{
	char desc[64], row[80];
	size_t i;
	int r;

	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *t = &key_cases[i];

		key_describe(pkeys[t->key], desc, sizeof(desc));
		snprintf(row, sizeof(row), "%s (%s)", desc,
		    t->strict ? "strict" : "system");
		gf_errclear();
		r = policy_check_key(t->strict ? strict_tmpl : system_tmpl,
		    pkeys[t->key]);
		CHECK_ROW(r == t->code, row);
		if (t->code != 0)
			CHECK_ERRMSG(r, t->msg, row);
	}
}

static const struct subject_case {
	const char	*requested;
	int		 strict;
	int		 code;
	const char	*want;		/* RFC 4514, or the message */
} subject_cases[] = {
	{ "/CN=host.example", 0, 0, "CN=host.example" },
	{ "/C=BE/ST=Vlaanderen/L=Gent/O=Org/OU=Unit/CN=host", 0, 0,
	    "CN=host,OU=Unit,O=Org,L=Gent,ST=Vlaanderen,C=BE" },
	/* Not in subject_copy: dropped. */
	{ "/DC=org/CN=host/emailAddress=a@example.org/UID=x", 0, 0,
	    "CN=host" },
	{ "/O=Org/CN=a+UID=b", 0, 0, "CN=a,O=Org" },
	/* The template's order, whatever the request's. */
	{ "/CN=host/O=Org/C=BE", 0, 0, "CN=host,O=Org,C=BE" },
	{ "/CN=host/OU=b/C=BE/OU=a", 0, 0, "CN=host,OU=a,OU=b,C=BE" },
	{ "/O=Org/CN=host", 1, 0, "O=Org,CN=host" },
	{ "/O=Org", 0, GF_ERR_POLICY,
	    "subject has no CN, which template 'system' requires" },
	{ "/CN=host", 1, GF_ERR_POLICY,
	    "subject has no O, which template 'strict' requires" },
	{ "/C=BE/CN=J\xc3\xbcrgen", 0, 0, "CN=J\xc3\xbcrgen,C=BE" },
};

static void
test_policy_subject(void)
{
	X509_NAME *req, *out;
	char *text;
	size_t i;
	int r;

	for (i = 0; i < sizeof(subject_cases) / sizeof(subject_cases[0]); i++) {
		const struct subject_case *t = &subject_cases[i];

		req = NULL;
		CHECK_ROW(dn_parse(t->requested, &req) == 0, t->requested);
		if (req == NULL)
			continue;
		out = NULL;
		gf_errclear();
		r = policy_subject(t->strict ? strict_tmpl : system_tmpl, req,
		    &out);
		CHECK_ROW(r == t->code, t->requested);
		if (r == 0) {
			text = dn_format(out);
			CHECK_ROW(t->code == 0 && text != NULL &&
			    strcmp(text, t->want) == 0, t->requested);
			free(text);
			X509_NAME_free(out);
		} else {
			CHECK_ERRMSG(r, t->want, t->requested);
			CHECK_ROW(out == NULL, t->requested);
		}
		X509_NAME_free(req);
	}
}

/*
 * Attributes as a hostile CSR may carry them, bypassing the length and
 * character checks OpenSSL applies to MBSTRING input.
 */
static const struct raw_case {
	const char	*what;
	int		 nid;
	int		 type;
	const char	*value;
	int		 len;
	int		 code;
	const char	*msg;
} raw_cases[] = {
	{ "CN of 64", NID_commonName, V_ASN1_UTF8STRING,
	    "1234567890123456789012345678901234567890123456789012345678901234",
	    64, 0, NULL },
	{ "CN of 65", NID_commonName, V_ASN1_UTF8STRING,
	    "12345678901234567890123456789012345678901234567890123456789012345",
	    65, GF_ERR_POLICY,
	    "subject CN of 65 characters exceeds the RFC 5280 upper bound of 64" },
	/* 64 two-byte characters: the bound counts characters. */
	{ "CN of 64 umlauts", NID_commonName, V_ASN1_UTF8STRING,
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc",
	    128, 0, NULL },
	{ "CN with NUL", NID_commonName, V_ASN1_UTF8STRING,
	    "good.example\0.evil.example", 26, GF_ERR_POLICY,
	    "control character or NUL byte" },
	{ "CN with ^A", NID_commonName, V_ASN1_UTF8STRING, "a\001b", 3,
	    GF_ERR_POLICY, "control character" },
	{ "CN with newline", NID_commonName, V_ASN1_UTF8STRING, "a\nb", 3,
	    GF_ERR_POLICY, "control character" },
	{ "CN with DEL", NID_commonName, V_ASN1_UTF8STRING, "a\177b", 3,
	    GF_ERR_POLICY, "control character" },
	{ "empty CN", NID_commonName, V_ASN1_UTF8STRING, "", 0,
	    GF_ERR_POLICY, "subject CN is empty" },
	{ "C of 2", NID_countryName, V_ASN1_PRINTABLESTRING, "BE", 2, 0,
	    NULL },
	{ "C of 3", NID_countryName, V_ASN1_PRINTABLESTRING, "BEL", 3,
	    GF_ERR_POLICY, "subject C of 3 characters exceeds" },
	{ "O of 65", NID_organizationName, V_ASN1_UTF8STRING,
	    "12345678901234567890123456789012345678901234567890123456789012345",
	    65, GF_ERR_POLICY, "subject O of 65 characters" },
	{ "bad UTF-8", NID_commonName, V_ASN1_UTF8STRING, "a\xc3(", 3,
	    GF_ERR_POLICY, "not a valid string" },
	{ "CN with C1 CSI", NID_commonName, V_ASN1_UTF8STRING,
	    "a\xc2\x9b" "2J", 5, GF_ERR_POLICY, "a C1 control character" },
	{ "CN with RLO", NID_commonName, V_ASN1_UTF8STRING,
	    "evil\xe2\x80\xaegpj.exe", 14, GF_ERR_POLICY,
	    "subject CN contains a bidirectional control" },
	{ "O with ZWSP", NID_organizationName, V_ASN1_UTF8STRING,
	    "Pay\xe2\x80\x8bPal", 9, GF_ERR_POLICY,
	    "subject O contains an invisible (zero-width) character" },
	{ "CN with BOM", NID_commonName, V_ASN1_UTF8STRING,
	    "\xef\xbb\xbfhost", 7, GF_ERR_POLICY, "invisible" },
	{ "CN with RLI in a BMPString", NID_commonName, V_ASN1_BMPSTRING,
	    "\x00" "a\x20\x67\x00" "b", 6, GF_ERR_POLICY,
	    "CVE-2021-42574): \\u2067" },
	{ "CN with 0x9b in a T61String (Latin-1 CSI)", NID_commonName,
	    V_ASN1_T61STRING, "a\x9b" "2J", 4, GF_ERR_POLICY,
	    "C1 control character" },
	{ "CN with U+00E9 in a T61String", NID_commonName, V_ASN1_T61STRING,
	    "caf\xe9", 4, 0, NULL },
};

static void
test_policy_subject_raw(void)
{
	X509_NAME *req, *out;
	size_t i;
	int r;

	for (i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
		const struct raw_case *t = &raw_cases[i];

		if ((req = X509_NAME_new()) == NULL)
			break;
		CHECK_ROW(X509_NAME_add_entry_by_NID(req, t->nid, t->type,
		    (const unsigned char *)t->value, t->len, -1, 0) == 1,
		    t->what);
		/*
		 * The required CN after it, unless that is the attribute
		 * under test: the order the system template copies in.
		 */
		if (t->nid != NID_commonName)
			CHECK_ROW(X509_NAME_add_entry_by_NID(req, NID_commonName,
			    MBSTRING_UTF8, (const unsigned char *)"host", -1,
			    -1, 0) == 1, t->what);
		out = NULL;
		gf_errclear();
		r = policy_subject(system_tmpl, req, &out);
		CHECK_ROW(r == t->code, t->what);
		if (t->code != 0) {
			CHECK_ERRMSG(r, t->msg, t->what);
			CHECK_ROW(out == NULL, t->what);
		} else
			CHECK_ROW(out != NULL && X509_NAME_cmp(out, req) == 0,
			    t->what);
		X509_NAME_free(out);
		X509_NAME_free(req);
	}
}

/* An attribute the template copies in its order lands first. */
static void
test_policy_subject_order(void)
{
	X509_NAME *req = NULL, *out = NULL;
	static const int want[] = { NID_countryName, NID_organizationName,
	    NID_organizationalUnitName, NID_commonName };
	int i;

	CU_ASSERT_EQUAL_FATAL(dn_parse("/CN=c/OU=u/O=o/C=BE", &req), 0);
	CU_ASSERT_EQUAL(policy_subject(system_tmpl, req, &out), 0);
	if (out != NULL) {
		CU_ASSERT_EQUAL(X509_NAME_entry_count(out), 4);
		for (i = 0; i < X509_NAME_entry_count(out) && i < 4; i++) {
			CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
			    X509_NAME_get_entry(out, i))), want[i]);
			CU_ASSERT_EQUAL(X509_NAME_ENTRY_set(
			    X509_NAME_get_entry(out, i)), i);
		}
	}
	X509_NAME_free(out);
	X509_NAME_free(req);
}

static const char label63[] =
    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc";

static const struct san_case {
	const char	*what;
	int		 type;
	const char	*value;
	int		 len;		/* -1: strlen */
	int		 code;
} san_cases[] = {
	{ "DNS", GEN_DNS, "host.example.org", -1, 0 },
	{ "DNS single label", GEN_DNS, "localhost", -1, 0 },
	{ "DNS wildcard", GEN_DNS, "*.example.org", -1, 0 },
	{ "DNS hyphen inside", GEN_DNS, "a-b.example", -1, 0 },
	{ "DNS digits", GEN_DNS, "1.2.example", -1, 0 },
	{ "DNS IDN A-label", GEN_DNS, "xn--bcher-kva.example", -1, 0 },
	{ "DNS label of 63", GEN_DNS, NULL, 63, 0 },
	{ "DNS label of 64", GEN_DNS, NULL, 64, GF_ERR_POLICY },
	{ "DNS of 253", GEN_DNS, NULL, 253, 0 },
	{ "DNS of 254", GEN_DNS, NULL, 254, GF_ERR_POLICY },
	{ "DNS wildcard of 253", GEN_DNS, NULL, -253, 0 },
	{ "DNS wildcard of 254", GEN_DNS, NULL, -254, GF_ERR_POLICY },
	{ "DNS leading hyphen", GEN_DNS, "-a.example", -1, GF_ERR_POLICY },
	{ "DNS trailing hyphen", GEN_DNS, "a-.example", -1, GF_ERR_POLICY },
	{ "DNS ends in hyphen", GEN_DNS, "a.example-", -1, GF_ERR_POLICY },
	{ "DNS empty label", GEN_DNS, "a..b", -1, GF_ERR_POLICY },
	{ "DNS leading dot", GEN_DNS, ".example", -1, GF_ERR_POLICY },
	{ "DNS trailing dot", GEN_DNS, "example.", -1, GF_ERR_POLICY },
	{ "DNS underscore", GEN_DNS, "a_b.example", -1, GF_ERR_POLICY },
	{ "DNS space", GEN_DNS, "a b.example", -1, GF_ERR_POLICY },
	{ "DNS empty", GEN_DNS, "", -1, GF_ERR_POLICY },
	{ "DNS bare star", GEN_DNS, "*", -1, GF_ERR_POLICY },
	{ "DNS star dot", GEN_DNS, "*.", -1, GF_ERR_POLICY },
	{ "DNS inner wildcard", GEN_DNS, "a.*.example", -1, GF_ERR_POLICY },
	{ "DNS partial wildcard", GEN_DNS, "f*.example", -1, GF_ERR_POLICY },
	{ "DNS double wildcard", GEN_DNS, "*.*.example", -1, GF_ERR_POLICY },
	{ "DNS with NUL", GEN_DNS, "good.example\0.evil", 18, GF_ERR_POLICY },
	{ "DNS UTF-8", GEN_DNS, "b\xc3\xbc" "cher.example", -1,
	    GF_ERR_POLICY },
	{ "IPv4", GEN_IPADD, "\x0a\x00\x00\x01", 4, 0 },
	{ "IPv6", GEN_IPADD, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
	    16, 0 },
	{ "IP of 5", GEN_IPADD, "\x0a\x00\x00\x01\x02", 5, GF_ERR_POLICY },
	{ "IP of 0", GEN_IPADD, "", 0, GF_ERR_POLICY },
	{ "IP of 8 (a CA's constraint form)", GEN_IPADD,
	    "\x0a\0\0\0\xff\0\0\0", 8, GF_ERR_POLICY },
	{ "email", GEN_EMAIL, "user@example.org", -1, 0 },
	{ "email without @", GEN_EMAIL, "user.example.org", -1,
	    GF_ERR_POLICY },
	{ "email with space", GEN_EMAIL, "a b@example.org", -1,
	    GF_ERR_POLICY },
	{ "email empty", GEN_EMAIL, "", -1, GF_ERR_POLICY },
	{ "email with NUL", GEN_EMAIL, "a@b\0c", 5, GF_ERR_POLICY },
	{ "URI", GEN_URI, "https://example.org/path", -1, 0 },
	{ "URN", GEN_URI, "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
	    -1, 0 },
	{ "URI without :", GEN_URI, "example.org/path", -1, GF_ERR_POLICY },
	{ "URI with space", GEN_URI, "https://example.org/a b", -1,
	    GF_ERR_POLICY },
};

/* Builds "label63.label63.…" of exactly len characters ending in a letter. */
static char *
long_dns(int len, int wildcard)
{
	char *s;
	int i, n = 0;

	if ((s = malloc((size_t)len + 1)) == NULL)
		abort();
	if (wildcard) {
		s[n++] = '*';
		s[n++] = '.';
	}
	for (i = 0; n < len; i++, n++)
		s[n] = i % 64 == 63 ? '.' : label63[i % 64];
	s[len] = '\0';
	/* Never end on a dot or leave an empty last label. */
	if (s[len - 1] == '.')
		s[len - 1] = 'z';
	return s;
}

static GENERAL_NAME *
make_name(int type, const void *value, int len)
{
	GENERAL_NAME *gn;
	ASN1_STRING *s;
	X509_NAME *dn = NULL;

	if ((gn = GENERAL_NAME_new()) == NULL)
		return NULL;
	if (type == GEN_DIRNAME) {
		if (dn_parse("/CN=dir", &dn) != 0) {
			GENERAL_NAME_free(gn);
			return NULL;
		}
		GENERAL_NAME_set0_value(gn, type, dn);
		return gn;
	}
	s = ASN1_STRING_type_new(type == GEN_IPADD ? V_ASN1_OCTET_STRING :
	    V_ASN1_IA5STRING);
	if (s == NULL || !ASN1_STRING_set(s, value, len)) {
		ASN1_STRING_free(s);
		GENERAL_NAME_free(gn);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, type, s);
	return gn;
}

/* A stack of n entries of one name. */
static GENERAL_NAMES *
make_names(int n, int type, const void *value, int len)
{
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	int i;

	if ((names = sk_GENERAL_NAME_new_null()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((gn = make_name(type, value, len)) == NULL ||
		    !sk_GENERAL_NAME_push(names, gn)) {
			GENERAL_NAME_free(gn);
			GENERAL_NAMES_free(names);
			return NULL;
		}
	return names;
}

static void
test_policy_san(void)
{
	GENERAL_NAMES *names;
	char *value;
	size_t i;
	int len;

	for (i = 0; i < sizeof(san_cases) / sizeof(san_cases[0]); i++) {
		const struct san_case *t = &san_cases[i];

		if (t->value != NULL) {
			/* The literal may hold a NUL byte: copy len bytes. */
			len = t->len == -1 ? (int)strlen(t->value) : t->len;
			if ((value = malloc((size_t)len + 1)) == NULL)
				abort();
			memcpy(value, t->value, (size_t)len);
		} else {
			len = t->len < 0 ? -t->len : t->len;
			value = long_dns(len, t->len < 0);
		}
		names = make_names(1, t->type, value, len);
		CHECK_ROW(names != NULL, t->what);
		if (names != NULL)
			CHECK_ROW(policy_check_san(names) == t->code, t->what);
		GENERAL_NAMES_free(names);
		free(value);
	}
}

static void
test_policy_san_types(void)
{
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	ASN1_OBJECT *oid;

	names = make_names(1, GEN_DIRNAME, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	gf_errclear();
	CU_ASSERT_EQUAL(policy_check_san(names), GF_ERR_POLICY);
	CHECK_ERRMSG(GF_ERR_POLICY, "subjectAltName directoryName is not "
	    "supported", "dirName");
	GENERAL_NAMES_free(names);

	names = make_names(1, GEN_DNS, "ok.example", 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	gn = GENERAL_NAME_new();
	oid = OBJ_txt2obj("1.2.3.4", 1);
	CU_ASSERT(gn != NULL && oid != NULL);
	if (gn != NULL && oid != NULL) {
		GENERAL_NAME_set0_value(gn, GEN_RID, oid);
		oid = NULL;
		CU_ASSERT(sk_GENERAL_NAME_push(names, gn) > 0);
		gn = NULL;
		/* A bad entry after a good one is found. */
		CU_ASSERT_EQUAL(policy_check_san(names), GF_ERR_POLICY);
	}
	ASN1_OBJECT_free(oid);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(names);
}

static void
test_policy_san_count(void)
{
	GENERAL_NAMES *names;

	names = make_names(100, GEN_DNS, "a.example", 9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	CU_ASSERT_EQUAL(policy_check_san(names), 0);
	GENERAL_NAMES_free(names);

	names = make_names(101, GEN_DNS, "a.example", 9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	gf_errclear();
	CU_ASSERT_EQUAL(policy_check_san(names), GF_ERR_POLICY);
	CHECK_ERRMSG(GF_ERR_POLICY, "101 subjectAltName entries exceed",
	    "101 entries");
	GENERAL_NAMES_free(names);
}

int
test_policy_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("policy", policy_init, policy_cleanup)) == NULL ||
	    CU_add_test(s, "policy_check_key rows", test_policy_key) == NULL ||
	    CU_add_test(s, "policy_subject rows", test_policy_subject) == NULL ||
	    CU_add_test(s, "policy_subject hostile attributes",
	    test_policy_subject_raw) == NULL ||
	    CU_add_test(s, "policy_subject order",
	    test_policy_subject_order) == NULL ||
	    CU_add_test(s, "policy_check_san rows", test_policy_san) == NULL ||
	    CU_add_test(s, "policy_check_san types",
	    test_policy_san_types) == NULL ||
	    CU_add_test(s, "policy_check_san count",
	    test_policy_san_count) == NULL)
		return -1;
	return 0;
}
