/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dn.c: parsing OpenSSL's slash form, RFC 4514 output, value lookup. */
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "genfic/dn.h"
#include "genfic/err.h"

#include "test.h"

#define DN_MAX_TEXT	8192	/* dn.c's limit */

static const struct dn_good {
	const char	*text;
	int		 entries;
	int		 rdns;		/* distinct X509_NAME_ENTRY_set() values */
	const char	*rfc4514;	/* as dn_format() prints it */
} dn_good[] = {
	{ "/C=BE/O=Gentoo Fictional, Inc./CN=GenFic Root CA", 3, 3,
	    "CN=GenFic Root CA,O=Gentoo Fictional\\, Inc.,C=BE" },
	{ "/CN=a\\/b", 1, 1, "CN=a/b" },
	{ "/CN=a\\+b", 1, 1, "CN=a\\+b" },
	{ "/CN=a\\\\b", 1, 1, "CN=a\\\\b" },
	{ "/CN=a=b", 1, 1, "CN=a=b" },
	/* OpenSSL prints the entries of a multi-valued RDN reversed too. */
	{ "/CN=a+UID=b", 2, 1, "UID=b+CN=a" },
	{ "/O=Org/CN=a+UID=b", 3, 2, "UID=b+CN=a,O=Org" },
	{ "/CN=J\xc3\xbcrgen \xc5\x81ukasz \xe6\x97\xa5\xe6\x9c\xac"
	    "/O=\xc3\x9cn\xc3\xaf", 2, 2,
	    "O=\xc3\x9cn\xc3\xaf,CN=J\xc3\xbcrgen \xc5\x81ukasz "
	    "\xe6\x97\xa5\xe6\x9c\xac" },
	{ "/DC=org/DC=example/CN=x", 3, 3, "CN=x,DC=example,DC=org" },
	{ "/commonName=long form", 1, 1, "CN=long form" },
	{ "/2.5.4.3=by OID", 1, 1, "CN=by OID" },
	{ "/CN=a,b;c\"d<e>f", 1, 1, "CN=a\\,b\\;c\\\"d\\<e\\>f" },
	{ "/CN= lead", 1, 1, "CN=\\ lead" },
};

static const struct dn_bad {
	const char	*text;
	int		 code;
	const char	*msg;
} dn_bad[] = {
	{ "CN=x", GF_ERR_FORMAT, "starts with '/'" },
	{ "", GF_ERR_FORMAT, "starts with '/'" },
	{ "/", GF_ERR_FORMAT, "empty name" },
	{ "/XX=x", GF_ERR_FORMAT, "unknown attribute type 'XX'" },
	{ "/CN=a/NOSUCH=b", GF_ERR_FORMAT, "unknown attribute type 'NOSUCH'" },
	{ "/CN=", GF_ERR_FORMAT, "empty value for CN" },
	{ "/CN=a/O=", GF_ERR_FORMAT, "empty value for O" },
	{ "/CN=a+O=", GF_ERR_FORMAT, "empty value for O" },
	{ "/CN", GF_ERR_FORMAT, "missing '=' after 'CN'" },
	{ "/CN=a/O", GF_ERR_FORMAT, "missing '=' after 'O'" },
	{ "/CN=a\\", GF_ERR_FORMAT, "trailing backslash" },
	{ "/CN\\", GF_ERR_FORMAT, "trailing backslash" },
	{ "/CN=" "12345678901234567890123456789012345678901234567890"
	    "123456789012345", GF_ERR_LIBCRYPTO, "CN: error" },
	{ "/C=BEL", GF_ERR_LIBCRYPTO, "string too long" },
	{ "/CN=a\xc3(", GF_ERR_LIBCRYPTO, "CN: error" },
	{ "/CN=a/+O=b", GF_ERR_FORMAT, "missing '='" },
	{ "/ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ"
	    "ABCDE=x", GF_ERR_TOO_LARGE, "too long" },
};

static void
test_dn_parse_good(void)
{
	X509_NAME *name;
	char *text;
	size_t i;
	int r, j, sets;

	for (i = 0; i < sizeof(dn_good) / sizeof(dn_good[0]); i++) {
		const struct dn_good *t = &dn_good[i];

		name = NULL;
		r = dn_parse(t->text, &name);
		CHECK_ROW(r == 0, t->text);
		if (r != 0)
			continue;
		CHECK_ROW(X509_NAME_entry_count(name) == t->entries, t->text);
		/* Entries of one RDN share a set number, counted from 0. */
		for (j = 0, sets = 0; j < X509_NAME_entry_count(name); j++)
			if (X509_NAME_ENTRY_set(X509_NAME_get_entry(name, j)) ==
			    sets)
				sets++;
		CHECK_ROW(sets == t->rdns, t->text);
		text = dn_format(name);
		CHECK_ROW(text != NULL && strcmp(text, t->rfc4514) == 0,
		    t->text);
		free(text);
		X509_NAME_free(name);
	}
}

static void
test_dn_parse_bad(void)
{
	X509_NAME *name, *sentinel = (X509_NAME *)&name;
	size_t i;
	int r;

	for (i = 0; i < sizeof(dn_bad) / sizeof(dn_bad[0]); i++) {
		const struct dn_bad *t = &dn_bad[i];

		name = sentinel;
		gf_errclear();
		r = dn_parse(t->text, &name);
		CHECK_ROW(r == t->code, t->text);
		CHECK_ERRMSG(r, t->msg, t->text);
		/* The result is written only on success. */
		CHECK_ROW(name == sentinel, t->text);
		if (r == 0 && name != sentinel)
			X509_NAME_free(name);
	}
}

static void
test_dn_multivalued(void)
{
	X509_NAME *name = NULL;
	const X509_NAME_ENTRY *cn, *uid;

	CU_ASSERT_EQUAL_FATAL(dn_parse("/O=Org/CN=a+UID=b/OU=u", &name), 0);
	CU_ASSERT_EQUAL(X509_NAME_entry_count(name), 4);
	cn = X509_NAME_get_entry(name, 1);
	uid = X509_NAME_get_entry(name, 2);
	CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(cn)),
	    NID_commonName);
	CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(uid)),
	    NID_userId);
	/* CN and UID form one RDN; O before and OU after are their own. */
	CU_ASSERT_EQUAL(X509_NAME_ENTRY_set(cn), X509_NAME_ENTRY_set(uid));
	CU_ASSERT_NOT_EQUAL(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 0)),
	    X509_NAME_ENTRY_set(cn));
	CU_ASSERT_NOT_EQUAL(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 3)),
	    X509_NAME_ENTRY_set(cn));
	X509_NAME_free(name);
}

/* The length cap counts the whole text: 8192 bytes pass, 8193 do not. */
static void
test_dn_length_cap(void)
{
	static const char prefix[] = "/description=";
	X509_NAME *name = NULL;
	char *text, *value;
	size_t plen = sizeof(prefix) - 1;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text = malloc(DN_MAX_TEXT + 2));
	memcpy(text, prefix, plen);
	memset(text + plen, 'a', DN_MAX_TEXT - plen);
	text[DN_MAX_TEXT] = '\0';
	r = dn_parse(text, &name);
	CU_ASSERT_EQUAL(r, 0);
	if (r == 0) {
		value = dn_get_text(name, NID_description);
		CU_ASSERT(value != NULL &&
		    strlen(value) == DN_MAX_TEXT - plen);
		free(value);
		X509_NAME_free(name);
	}

	text[DN_MAX_TEXT] = 'a';
	text[DN_MAX_TEXT + 1] = '\0';
	name = NULL;
	gf_errclear();
	r = dn_parse(text, &name);
	CU_ASSERT_EQUAL(r, GF_ERR_TOO_LARGE);
	CHECK_ERRMSG(r, "longer than 8192", "8193 bytes");
	CU_ASSERT_PTR_NULL(name);
	free(text);
}

static const struct dn_lookup {
	const char	*text;
	int		 nid;
	const char	*want;		/* NULL: no such attribute */
} dn_lookup[] = {
	{ "/CN=first/O=org/CN=second", NID_commonName, "first" },
	{ "/CN=first/O=org/CN=second", NID_organizationName, "org" },
	{ "/CN=first/O=org/CN=second", NID_organizationalUnitName, NULL },
	{ "/CN=J\xc3\xbcrgen \xe6\x97\xa5", NID_commonName,
	    "J\xc3\xbcrgen \xe6\x97\xa5" },
	{ "/O=x/CN=a+UID=b", NID_userId, "b" },
	{ "/CN=a\\/b", NID_commonName, "a/b" },
};

static void
test_dn_get_text(void)
{
	X509_NAME *name;
	char *value;
	size_t i;

	for (i = 0; i < sizeof(dn_lookup) / sizeof(dn_lookup[0]); i++) {
		const struct dn_lookup *t = &dn_lookup[i];

		name = NULL;
		CHECK_ROW(dn_parse(t->text, &name) == 0, t->text);
		if (name == NULL)
			continue;
		value = dn_get_text(name, t->nid);
		if (t->want == NULL)
			CHECK_ROW(value == NULL, t->text);
		else
			CHECK_ROW(value != NULL && strcmp(value, t->want) == 0,
			    t->text);
		free(value);
		X509_NAME_free(name);
	}
}

/* A BMPString (UCS-2) value comes back as UTF-8. */
static void
test_dn_get_text_bmp(void)
{
	static const unsigned char ucs2[] = { 0x00, 'J', 0x00, 0xfc, 0x65, 0xe5 };
	X509_NAME *name;
	char *value;

	CU_ASSERT_PTR_NOT_NULL_FATAL(name = X509_NAME_new());
	CU_ASSERT(X509_NAME_add_entry_by_NID(name, NID_commonName,
	    V_ASN1_BMPSTRING, ucs2, sizeof(ucs2), -1, 0) == 1);
	value = dn_get_text(name, NID_commonName);
	CU_ASSERT(value != NULL &&
	    strcmp(value, "J\xc3\xbc\xe6\x97\xa5") == 0);
	free(value);
	X509_NAME_free(name);
}

static const struct dn_value_case {
	const char	*what;
	const char	*value;
	size_t		 len;
	const char	*msg;		/* NULL: accepted */
} dn_value_cases[] = {
	{ "ASCII", "host.example", 12, NULL },
	{ "letters", "J\xc3\xbcrgen \xc5\x81ukasz \xe6\x97\xa5", 16, NULL },
	{ "no-break space", "a\xc2\xa0" "b", 4, NULL },
	{ "ESC", "\033[2Jx", 5, "a control character or NUL byte: \\x1b" },
	{ "NUL", "a\0b", 3, "control character or NUL byte: \\x00" },
	{ "C1 CSI", "a\xc2\x9b" "2J", 5, "a C1 control character" },
	{ "C1 CSI shown", "a\xc2\x9b" "2J", 5, ": \\u009b" },
	{ "RLO", "evil\xe2\x80\xaegpj.exe", 14, "a bidirectional control" },
	{ "RLO shown", "evil\xe2\x80\xaegpj.exe", 14, ": \\u202e" },
	{ "LRE", "\xe2\x80\xaa" "a", 4, "bidirectional control" },
	{ "PDF", "a\xe2\x80\xac", 4, "bidirectional control" },
	{ "LRI", "a\xe2\x81\xa6", 4, "bidirectional control" },
	{ "PDI", "a\xe2\x81\xa9", 4, "bidirectional control" },
	{ "ZWSP", "pay\xe2\x80\x8bpal", 9, "an invisible (zero-width) character" },
	{ "ZWNJ", "a\xe2\x80\x8c" "b", 5, "invisible" },
	{ "ZWJ", "a\xe2\x80\x8d" "b", 5, "invisible" },
	{ "LRM", "a\xe2\x80\x8e" "b", 5, "bidirectional control" },
	{ "RLM", "a\xe2\x80\x8f" "b", 5, "bidirectional control" },
	{ "BOM", "\xef\xbb\xbf" "a", 4, "invisible" },
	{ "line separator", "a\xe2\x80\xa8" "b", 5, "line or paragraph separator" },
	{ "not UTF-8", "a\x9b" "b", 3, "bytes that are not UTF-8: \\x9b" },
};

/* The subject check: refused what would not print as itself, saying why. */
static void
test_dn_check_value(void)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(dn_value_cases) / sizeof(dn_value_cases[0]);
	    i++) {
		const struct dn_value_case *t = &dn_value_cases[i];

		gf_errclear();
		r = dn_check_value("CN", t->value, t->len);
		if (t->msg == NULL) {
			CHECK_ROW(r == 0, t->what);
			continue;
		}
		CHECK_ROW(r == GF_ERR_POLICY, t->what);
		CHECK_ERRMSG(r, "subject CN contains ", t->what);
		CHECK_ERRMSG(r, t->msg, t->what);
	}
	gf_errclear();
}

int
test_dn_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("dn", NULL, NULL)) == NULL ||
	    CU_add_test(s, "dn_parse good rows", test_dn_parse_good) == NULL ||
	    CU_add_test(s, "dn_parse bad rows", test_dn_parse_bad) == NULL ||
	    CU_add_test(s, "multi-valued RDN", test_dn_multivalued) == NULL ||
	    CU_add_test(s, "8192-byte cap", test_dn_length_cap) == NULL ||
	    CU_add_test(s, "dn_get_text", test_dn_get_text) == NULL ||
	    CU_add_test(s, "dn_get_text of a BMPString",
	    test_dn_get_text_bmp) == NULL ||
	    CU_add_test(s, "dn_check_value rows", test_dn_check_value) == NULL)
		return -1;
	return 0;
}
