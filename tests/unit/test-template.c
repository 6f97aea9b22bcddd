/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template.c: the shipped templates, lookup, and refused files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/template.h"

#include "test.h"

static const struct shipped {
	const char	*name;
	int		 is_ca;
	int		 days;
	const char	*key_type;
	const char	*child;		/* child_template, or NULL */
	int		 copy_san;
	const char	*extensions;
} shipped[] = {
	{ "root", 1, 7300, "ec:P-384", "intermediate", 0, "root_ext" },
	{ "intermediate", 1, 3650, "ec:P-256", "server", 0, "ca_ext" },
	{ "system-ca", 1, 5475, "ec:P-256", "system", 0, "ca_ext" },
	{ "user-ca", 1, 3636, "ec:P-256", "user", 0, "ca_ext" },
	{ "system", 0, 3650, "ec:P-256", NULL, 1, "leaf_ext" },
	{ "user", 0, 396, "ec:P-256", NULL, 1, "leaf_ext" },
	{ "server", 0, 397, "ec:P-256", NULL, 1, "leaf_ext" },
	{ "client", 0, 397, "ec:P-256", NULL, 1, "leaf_ext" },
	{ "ocsp", 0, 90, "ec:P-256", NULL, 0, "ocsp_ext" },
};

static void
test_template_shipped(void)
{
	const char *dirs[2] = { test_templates_dir(), NULL };
	struct template *t;
	size_t i;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dirs[0]);
	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		const struct shipped *w = &shipped[i];

		t = NULL;
		r = template_load(w->name, dirs, &t);
		CHECK_ROW(r == 0, w->name);
		if (r != 0)
			continue;
		CHECK_ROW(strcmp(t->name, w->name) == 0, w->name);
		CHECK_ROW(strstr(t->path, w->name) != NULL, w->name);
		CHECK_ROW(t->is_ca == w->is_ca, w->name);
		CHECK_ROW(t->days == w->days, w->name);
		CHECK_ROW(strcmp(t->key_type, w->key_type) == 0, w->name);
		CHECK_ROW(w->child == NULL ? t->child_template == NULL :
		    t->child_template != NULL &&
		    strcmp(t->child_template, w->child) == 0, w->name);
		CHECK_ROW(t->copy_san == w->copy_san, w->name);
		CHECK_ROW(strcmp(t->extensions, w->extensions) == 0, w->name);
		CHECK_ROW(t->description != NULL && *t->description != '\0',
		    w->name);
		CHECK_ROW(t->conf != NULL, w->name);
		template_free(t);
	}
}

/* The settings policy.c depends on, beyond the table above. */
static void
test_template_details(void)
{
	const char *dirs[2] = { test_templates_dir(), NULL };
	static const int system_copy[] = { NID_countryName,
	    NID_stateOrProvinceName, NID_localityName, NID_organizationName,
	    NID_organizationalUnitName, NID_commonName };
	struct template *t = NULL;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dirs[0]);
	CU_ASSERT_EQUAL_FATAL(template_load("root", dirs, &t), 0);
	CU_ASSERT_EQUAL(t->crl_days, 365);
	template_free(t);

	t = NULL;
	CU_ASSERT_EQUAL_FATAL(template_load("system", dirs, &t), 0);
	CU_ASSERT_EQUAL(t->min_rsa_bits, 2048);
	CU_ASSERT_EQUAL(t->allow_eddsa, 1);
	CU_ASSERT_EQUAL(t->ncurves, 3);
	if (t->ncurves == 3) {
		CU_ASSERT_EQUAL(t->curves[0], NID_X9_62_prime256v1);
		CU_ASSERT_EQUAL(t->curves[1], NID_secp384r1);
		CU_ASSERT_EQUAL(t->curves[2], NID_secp521r1);
	}
	CU_ASSERT_EQUAL(t->nsubject_required, 1);
	CU_ASSERT_EQUAL(t->subject_required[0], NID_commonName);
	CU_ASSERT_EQUAL(t->nsubject_copy, 6);
	for (i = 0; i < t->nsubject_copy && i < 6; i++)
		CU_ASSERT_EQUAL(t->subject_copy[i], system_copy[i]);
	template_free(t);

	t = NULL;
	CU_ASSERT_EQUAL_FATAL(template_load("user", dirs, &t), 0);
	CU_ASSERT_EQUAL(t->nsubject_copy, 7);
	CU_ASSERT_EQUAL(t->subject_copy[6], NID_pkcs9_emailAddress);
	template_free(t);
}

static void
test_template_names(void)
{
	static const struct {
		const char	*name;
		int		 code;
	} names[] = {
		{ "root", 0 }, { "system-ca", 0 }, { "a_b.c", 0 }, { "X9", 0 },
		{ "", GF_ERR_USAGE }, { "../root", GF_ERR_USAGE },
		{ "..", GF_ERR_USAGE }, { ".hidden", GF_ERR_USAGE },
		{ "a/b", GF_ERR_USAGE }, { "/etc/passwd", GF_ERR_USAGE },
		{ "-x", GF_ERR_USAGE }, { "a b", GF_ERR_USAGE },
		{ "ro\xc3\xb6t", GF_ERR_USAGE },
		{ "a234567890123456789012345678901234567890123456789012345678901234",
		    0 },
		{ "a2345678901234567890123456789012345678901234567890123456789012345",
		    GF_ERR_USAGE },
	};
	const char *dirs[2] = { test_templates_dir(), NULL };
	struct template *t;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_ROW(template_name_check(names[i].name) == names[i].code,
		    names[i].name);
		if (names[i].code == 0)
			continue;
		/* template_load() refuses the name before touching a file. */
		t = NULL;
		CHECK_ROW(template_load(names[i].name, dirs, &t) ==
		    names[i].code && t == NULL, names[i].name);
	}
}

static void
test_template_not_found(void)
{
	const char *dirs[2] = { test_templates_dir(), NULL };
	const char *none[1] = { NULL };
	struct template *t = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dirs[0]);
	gf_errclear();
	CU_ASSERT_EQUAL(template_load("no-such-template", dirs, &t),
	    GF_ERR_NOT_FOUND);
	CHECK_ERRMSG(GF_ERR_NOT_FOUND, "'no-such-template' not found",
	    "missing");
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(template_load("root", none, &t), GF_ERR_NOT_FOUND);
	CU_ASSERT_PTR_NULL(t);
}

/* The first directory holding NAME.cnf wins. */
static void
test_template_search_order(void)
{
	static const char mine[] = "[template]\ndays = 42\n"
	    "extensions = ext\n[ext]\nbasicConstraints = CA:FALSE\n";
	char *dir, *empty, *path;
	const char *dirs[4];
	struct template *t = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(test_templates_dir());
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	empty = test_path(dir, "empty");
	path = test_path(dir, "user.cnf");
	CU_ASSERT_EQUAL(mkdir(empty, 0700), 0);
	CU_ASSERT_EQUAL(test_write_file(path, mine, sizeof(mine) - 1), 0);

	dirs[0] = empty;
	dirs[1] = dir;
	dirs[2] = test_templates_dir();
	dirs[3] = NULL;
	if (template_load("user", dirs, &t) == 0) {
		CU_ASSERT_EQUAL(t->days, 42);
		CU_ASSERT_STRING_EQUAL(t->path, path);
		template_free(t);
	} else
		CU_FAIL("user.cnf in the second directory not loaded");

	dirs[1] = test_templates_dir();
	dirs[2] = NULL;
	t = NULL;
	if (template_load("user", dirs, &t) == 0) {
		CU_ASSERT_EQUAL(t->days, 396);
		template_free(t);
	} else
		CU_FAIL("shipped user.cnf not loaded");
	free(path);
	free(empty);
	test_rmtree(dir);
}

#define GOOD_TAIL	"extensions = ext\n[ext]\nbasicConstraints = CA:FALSE\n"

static const struct bad_template {
	const char	*what;
	const char	*content;
	int		 code;
	const char	*msg;		/* besides the file's path */
} bad_templates[] = {
	{ "syntax error", "[template]\ndays = 10\n[broken\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "line 3" },
	{ "syntax error later", "# comment\n[template]\ndays = 10\n"
	    GOOD_TAIL "no equals sign here\n", GF_ERR_FORMAT, "line 7" },
	{ "no template section", "[other]\ndays = 10\n", GF_ERR_FORMAT,
	    "no [template] section" },
	{ "unknown setting", "[template]\ndays = 10\nfrobnicate = yes\n"
	    GOOD_TAIL, GF_ERR_FORMAT, "unknown setting 'frobnicate'" },
	{ "missing days", "[template]\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "days is missing" },
	{ "days zero", "[template]\ndays = 0\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "days = '0'" },
	{ "days too large", "[template]\ndays = 36501\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "days = '36501'" },
	{ "days negative", "[template]\ndays = -5\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "days = '-5'" },
	{ "days not a number", "[template]\ndays = ten\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "days = 'ten'" },
	{ "days trailing junk", "[template]\ndays = 10d\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "days = '10d'" },
	{ "crl_days too large", "[template]\ndays = 10\ncrl_days = 4000\n"
	    GOOD_TAIL, GF_ERR_FORMAT, "crl_days = '4000'" },
	{ "min_rsa_bits too small", "[template]\ndays = 10\n"
	    "min_rsa_bits = 1024\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "min_rsa_bits = '1024'" },
	{ "bad boolean", "[template]\ndays = 10\nca = maybe\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "ca = 'maybe': yes or no" },
	{ "missing extensions", "[template]\ndays = 10\n", GF_ERR_FORMAT,
	    "extensions must name a section" },
	{ "extensions section missing", "[template]\ndays = 10\n"
	    "extensions = nowhere\n[ext]\nbasicConstraints = CA:FALSE\n",
	    GF_ERR_FORMAT, "extensions must name a section" },
	{ "bad key_type", "[template]\ndays = 10\nkey_type = rsa:1024\n"
	    GOOD_TAIL, GF_ERR_FORMAT, "key_type: 'rsa:1024'" },
	{ "unknown key_type", "[template]\ndays = 10\nkey_type = dsa:2048\n"
	    GOOD_TAIL, GF_ERR_FORMAT, "key_type: 'dsa:2048'" },
	{ "unknown curve", "[template]\ndays = 10\n"
	    "ec_curves = P-256, P-999\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "unknown name 'P-999'" },
	{ "non-NIST curve", "[template]\ndays = 10\n"
	    "ec_curves = secp256k1\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "unknown name 'secp256k1'" },
	{ "unknown attribute", "[template]\ndays = 10\n"
	    "subject_copy = CN, NOSUCH\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "unknown name 'NOSUCH'" },
	{ "17 attributes", "[template]\ndays = 10\nsubject_copy = "
	    "CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN,CN\n" GOOD_TAIL,
	    GF_ERR_FORMAT, "more than 16 entries" },
	{ "bad child_template", "[template]\ndays = 10\nca = yes\n"
	    "child_template = ../root\n" GOOD_TAIL, GF_ERR_FORMAT,
	    "child_template" },
};

static void
test_template_bad(void)
{
	char *dir, *path;
	const char *dirs[2];
	struct template *t;
	size_t i;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	dirs[0] = dir;
	dirs[1] = NULL;
	path = test_path(dir, "bad.cnf");
	for (i = 0; i < sizeof(bad_templates) / sizeof(bad_templates[0]); i++) {
		const struct bad_template *b = &bad_templates[i];

		CHECK_ROW(test_write_file(path, b->content,
		    strlen(b->content)) == 0, b->what);
		t = NULL;
		gf_errclear();
		r = template_load("bad", dirs, &t);
		CHECK_ROW(r == b->code, b->what);
		CHECK_ROW(t == NULL, b->what);
		CHECK_ERRMSG(r, path, b->what);
		CHECK_ERRMSG(r, b->msg, b->what);
		if (r == 0)
			template_free(t);
	}
	free(path);
	test_rmtree(dir);
}

/* Every line a prepared template makes once, and some it may not. */
static const char wide_template[] =
    "[template]\n"
    "days = 30\n"
    "key_type = ec:P-256\n"
    "extensions = wide_ext\n"
    "[wide_ext]\n"
    "basicConstraints = critical, CA:FALSE\n"
    "keyUsage = critical, digitalSignature, keyEncipherment\n"
    "extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.5.5.7.3.9\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid:always, issuer\n"
    "crlDistributionPoints = URI:http://crl.example/a.crl\n"
    "authorityInfoAccess = OCSP;URI:http://ocsp.example/\n"
    "certificatePolicies = 1.3.6.1.4.1.99999.1\n"
    "nsComment = \"made once\"\n"
    "subjectAltName = email:copy, DNS:fixed.example\n"
    "1.2.3.4 = ASN1:UTF8String:unknown to OpenSSL\n";

/* A new certificate of key and subject CN=cn, without extensions. */
static X509 *
bare_cert(EVP_PKEY *key, const char *cn)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_get_subject_name(cert);

	X509_set_version(cert, X509_VERSION_3);
	X509_set_pubkey(cert, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "emailAddress", MBSTRING_UTF8,
	    (const unsigned char *)"host@example.org", -1, -1, 0);
	return cert;
}

/* The extensions of cert, encoded one after the other, in out. */
static size_t
extensions_der(const X509 *cert, unsigned char *out, size_t size)
{
	unsigned char *p;
	size_t n = 0;
	int i, len;

	for (i = 0; i < X509_get_ext_count(cert); i++) {
		len = i2d_X509_EXTENSION(X509_get_ext(cert, i), NULL);
		if (len <= 0 || n + (size_t)len > size)
			return 0;
		p = out + n;
		i2d_X509_EXTENSION(X509_get_ext(cert, i), &p);
		n += (size_t)len;
	}
	return n;
}

/*
 * A prepared template adds the same extensions, byte for byte, as the
 * template made line by line, for every shipped template and a wide one.
 */
static void
test_template_prepared(void)
{
	const char *dirs[3] = { NULL, test_templates_dir(), NULL };
	static unsigned char want[8192], got[8192];
	struct template *root = NULL, *t;
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *issuer, *a, *b;
	char *dir, *path, row[64];
	size_t i, j, wantlen, gotlen, made;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	dirs[0] = dir;
	path = test_path(dir, "wide.cnf");
	CU_ASSERT_EQUAL_FATAL(test_write_file(path, wide_template,
	    strlen(wide_template)), 0);
	CU_ASSERT_EQUAL_FATAL(key_generate("ec:P-256", &ca_key), 0);
	CU_ASSERT_EQUAL_FATAL(key_generate("ec:P-256", &key), 0);
	CU_ASSERT_EQUAL_FATAL(template_load("root", dirs, &root), 0);
	issuer = bare_cert(ca_key, "issuer");
	CU_ASSERT_EQUAL(template_apply(root, issuer, issuer), 0);
	for (i = 0; i <= sizeof(shipped) / sizeof(shipped[0]); i++) {
		snprintf(row, sizeof(row), "%s", i < sizeof(shipped) /
		    sizeof(shipped[0]) ? shipped[i].name : "wide");
		t = NULL;
		CHECK_ROW(template_load(row, dirs, &t) == 0, row);
		if (t == NULL)
			continue;
		a = bare_cert(key, "leaf");
		b = bare_cert(key, "leaf");
		CHECK_ROW(template_apply(t, issuer, a) == 0, row);
		CHECK_ROW(template_prepare(t, issuer) == 0, row);
		for (made = 0, j = 0; j < t->nlines; j++)
			made += t->lines[j].made != NULL;
		CHECK_ROW(t->prepared_for == issuer && made > 0, row);
		/* All but subjectKeyIdentifier, subjectAltName and 1.2.3.4. */
		CHECK_ROW(strcmp(row, "wide") != 0 ||
		    (t->nlines == 11 && made == 8), row);
		CHECK_ROW(template_apply(t, issuer, b) == 0, row);
		wantlen = extensions_der(a, want, sizeof(want));
		gotlen = extensions_der(b, got, sizeof(got));
		CHECK_ROW(wantlen > 0 && wantlen == gotlen &&
		    memcmp(want, got, wantlen) == 0, row);
		CHECK_ROW(X509_get_ext_count(a) == (int)t->nlines, row);
		X509_free(a);
		X509_free(b);
		template_free(t);
	}
	X509_free(issuer);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	template_free(root);
	free(path);
	test_rmtree(dir);
}

/* A minimal file loads with the documented defaults. */
static void
test_template_defaults(void)
{
	static const char minimal[] = "[template]\ndays = 1\n" GOOD_TAIL;
	char *dir, *path;
	const char *dirs[2];
	struct template *t = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	dirs[0] = dir;
	dirs[1] = NULL;
	path = test_path(dir, "minimal.cnf");
	CU_ASSERT_EQUAL(test_write_file(path, minimal, sizeof(minimal) - 1), 0);
	if (template_load("minimal", dirs, &t) == 0) {
		CU_ASSERT_EQUAL(t->days, 1);
		CU_ASSERT_EQUAL(t->is_ca, 0);
		CU_ASSERT_STRING_EQUAL(t->key_type, "ec:P-256");
		CU_ASSERT_EQUAL(t->min_rsa_bits, 2048);
		CU_ASSERT_EQUAL(t->allow_eddsa, 1);
		CU_ASSERT_EQUAL(t->copy_san, 0);
		CU_ASSERT_EQUAL(t->ncurves, 3);
		CU_ASSERT_EQUAL(t->nsubject_required, 1);
		CU_ASSERT_EQUAL(t->nsubject_copy, 0);
		CU_ASSERT_PTR_NULL(t->child_template);
		template_free(t);
	} else
		CU_FAIL("minimal template refused");
	free(path);
	test_rmtree(dir);
}

int
test_template_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("template", NULL, NULL)) == NULL ||
	    CU_add_test(s, "shipped templates", test_template_shipped) == NULL ||
	    CU_add_test(s, "system and user details",
	    test_template_details) == NULL ||
	    CU_add_test(s, "template names", test_template_names) == NULL ||
	    CU_add_test(s, "not found", test_template_not_found) == NULL ||
	    CU_add_test(s, "directory order",
	    test_template_search_order) == NULL ||
	    CU_add_test(s, "bad templates", test_template_bad) == NULL ||
	    CU_add_test(s, "defaults", test_template_defaults) == NULL ||
	    CU_add_test(s, "prepared extensions are the same",
	    test_template_prepared) == NULL)
		return -1;
	return 0;
}
