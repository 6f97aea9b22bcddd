/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * certdb.c: the row certdb_row() derives from a certificate; the
 * responder's status reads, bounded to a CA generation's ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/store.h"

#include "test.h"

#define MAX_NAMES	8

/* One GeneralName of a subjectAltName, and its text in row.san. */
struct name_spec {
	int		 type;		/* GEN_*; 0 ends the list */
	const char	*value;		/* GEN_IPADD: the address bytes */
	size_t		 len;		/* 0: strlen(value) */
	const char	*text;		/* the entry, or NULL: not listed */
};

static EVP_PKEY *key;
static sqlite3 *jsondb;		/* in memory, for SQLite's JSON functions */

static int
certdb_init(void)
{
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return -1;
	return sqlite3_open(":memory:", &jsondb) == SQLITE_OK ? 0 : -1;
}

static int
certdb_cleanup(void)
{
	EVP_PKEY_free(key);
	key = NULL;
	sqlite3_close(jsondb);
	jsondb = NULL;
	return 0;
}

/* O=Genfic Test and, unless cn is NULL, CN=cn. */
static X509_NAME *
name_make(const char *cn)
{
	X509_NAME *name;

	if ((name = X509_NAME_new()) == NULL)
		return NULL;
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Genfic Test", -1, -1, 0) ||
	    (cn != NULL && !X509_NAME_add_entry_by_txt(name, "CN",
	    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0))) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

/* The GeneralName of spec, built by hand: any bytes go. */
static GENERAL_NAME *
gn_make(const struct name_spec *spec)
{
	GENERAL_NAME *gn;
	ASN1_STRING *s;
	size_t len = spec->len != 0 ? spec->len : strlen(spec->value);

	if ((gn = GENERAL_NAME_new()) == NULL)
		return NULL;
	if (spec->type == GEN_DIRNAME) {
		GENERAL_NAME_set0_value(gn, GEN_DIRNAME,
		    name_make(spec->value));
		return gn;
	}
	s = spec->type == GEN_IPADD ? ASN1_OCTET_STRING_new() :
	    ASN1_IA5STRING_new();
	if (s == NULL || !ASN1_STRING_set(s, spec->value, (int)len)) {
		ASN1_STRING_free(s);
		GENERAL_NAME_free(gn);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, spec->type, s);
	return gn;
}

/* The names of specs (up to type 0), or NULL. */
static GENERAL_NAMES *
names_make(const struct name_spec *specs)
{
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	size_t i;

	if ((names = GENERAL_NAMES_new()) == NULL)
		return NULL;
	for (i = 0; i < MAX_NAMES && specs[i].type != 0; i++)
		if ((gn = gn_make(&specs[i])) == NULL ||
		    !sk_GENERAL_NAME_push(names, gn)) {
			GENERAL_NAME_free(gn);
			GENERAL_NAMES_free(names);
			return NULL;
		}
	return names;
}

/* What a test certificate is made of. */
struct cert_spec {
	const unsigned char	*serial;
	size_t			 serial_len;
	const char		*cn;		/* or NULL */
	int			 ca;		/* -1: no basicConstraints */
	time_t			 not_before;
	time_t			 not_after;
	const GENERAL_NAMES	*san;		/* or NULL */
};

static int
cert_set_serial(X509 *cert, const unsigned char *bytes, size_t len)
{
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn;
	int ok;

	ok = (bn = BN_bin2bn(bytes, (int)len, NULL)) != NULL &&
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
	    X509_set_serialNumber(cert, ai);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok ? 0 : -1;
}

static int
cert_set_extensions(X509 *cert, const struct cert_spec *spec)
{
	BASIC_CONSTRAINTS *bc;
	int ok = 1;

	if (spec->ca >= 0) {
		if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
			return -1;
		bc->ca = spec->ca ? 0xff : 0;
		ok = X509_add1_ext_i2d(cert, NID_basic_constraints, bc, 1,
		    X509V3_ADD_DEFAULT) == 1;
		BASIC_CONSTRAINTS_free(bc);
	}
	if (ok && spec->san != NULL)
		ok = X509_add1_ext_i2d(cert, NID_subject_alt_name,
		    (void *)spec->san, 0, X509V3_ADD_DEFAULT) == 1;
	return ok ? 0 : -1;
}

/* A self-signed certificate of key, as spec says. */
static X509 *
cert_make(const struct cert_spec *spec)
{
	X509_NAME *name;
	X509 *cert;

	if ((cert = X509_new()) == NULL)
		return NULL;
	if ((name = name_make(spec->cn)) == NULL ||
	    !X509_set_version(cert, X509_VERSION_3) ||
	    cert_set_serial(cert, spec->serial, spec->serial_len) != 0 ||
	    !X509_set_subject_name(cert, name) ||
	    !X509_set_issuer_name(cert, name) ||
	    ASN1_TIME_set(X509_getm_notBefore(cert),
	    spec->not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(cert), spec->not_after) == NULL ||
	    !X509_set_pubkey(cert, key) ||
	    cert_set_extensions(cert, spec) != 0 ||
	    X509_sign(cert, key, EVP_sha256()) <= 0) {
		X509_free(cert);
		cert = NULL;
	}
	X509_NAME_free(name);
	return cert;
}

static const unsigned char serial16[] = { 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

/* The row of a certificate with the names of specs; NULL on failure. */
static int
row_of_names(const struct name_spec *specs, struct cert_row *row)
{
	struct cert_spec spec = { serial16, sizeof(serial16), "san-test", 0,
	    1700000000, 1800000000, NULL };
	GENERAL_NAMES *names;
	X509 *cert = NULL;
	int r = -100;

	if ((names = names_make(specs)) != NULL) {
		spec.san = names;
		if ((cert = cert_make(&spec)) != NULL) {
			gf_errclear();
			r = certdb_row(cert, row);
		}
	}
	X509_free(cert);
	GENERAL_NAMES_free(names);
	return r;
}

/* SELECT expr with ?1 bound to json (and ?2 to path); a new string. */
static char *
json_query(const char *expr, const char *json, const char *path, size_t *len)
{
	sqlite3_stmt *stmt;
	char sql[128], *out = NULL;

	snprintf(sql, sizeof(sql), "SELECT %s", expr);
	if (sqlite3_prepare_v2(jsondb, sql, -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
	if (path != NULL)
		sqlite3_bind_text(stmt, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*len = (size_t)sqlite3_column_bytes(stmt, 0);
		if ((out = malloc(*len + 1)) != NULL) {
			memcpy(out, sqlite3_column_blob(stmt, 0), *len);
			out[*len] = '\0';
		}
	}
	sqlite3_finalize(stmt);
	return out;
}

/* SQLite reads json back as the listed entries of specs, in order. */
static void
check_json(const char *json, const struct name_spec *specs, const char *row)
{
	char *got, path[16], want_count[16];
	size_t i, n = 0, len;

	got = json_query("json_valid(?1)", json, NULL, &len);
	CHECK_ROW(got != NULL && strcmp(got, "1") == 0, row);
	free(got);
	for (i = 0; i < MAX_NAMES && specs[i].type != 0; i++) {
		if (specs[i].text == NULL)
			continue;
		snprintf(path, sizeof(path), "$[%zu]", n++);
		got = json_query("json_extract(?1, ?2)", json, path, &len);
		CHECK_ROW(got != NULL && len == strlen(specs[i].text) &&
		    memcmp(got, specs[i].text, len) == 0, row);
		free(got);
	}
	snprintf(want_count, sizeof(want_count), "%zu", n);
	got = json_query("json_array_length(?1)", json, NULL, &len);
	CHECK_ROW(got != NULL && strcmp(got, want_count) == 0, row);
	free(got);
}

static const struct san_case {
	const char		*row;
	struct name_spec	 names[MAX_NAMES];
	const char		*json;		/* row.san, exactly */
} san_cases[] = {
	{ "every listed type", {
	    { GEN_DNS, "www.example.org", 0, "DNS:www.example.org" },
	    { GEN_IPADD, "\xc0\x00\x02\x01", 4, "IP:192.0.2.1" },
	    { GEN_IPADD, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16,
		"IP:2001:db8::1" },
	    { GEN_EMAIL, "ops@example.org", 0, "email:ops@example.org" },
	    { GEN_URI, "https://example.org/a\"b\\c\x01" "d\x1f" "e", 0,
		"URI:https://example.org/a\"b\\c\x01" "d\x1f" "e" },
	    { 0, NULL, 0, NULL } },
	    "[\"DNS:www.example.org\",\"IP:192.0.2.1\",\"IP:2001:db8::1\","
	    "\"email:ops@example.org\","
	    "\"URI:https://example.org/a\\\"b\\\\c\\u0001d\\u001fe\"]" },
	{ "one DNS name", {
	    { GEN_DNS, "host.example", 0, "DNS:host.example" },
	    { 0, NULL, 0, NULL } },
	    "[\"DNS:host.example\"]" },
	/* Control characters are escaped as \u00XX, DEL and UTF-8 are not. */
	{ "control characters", {
	    { GEN_EMAIL, "a\tb\nc\rd\x7f" "e\xc3\xa9", 0,
		"email:a\tb\nc\rd\x7f" "e\xc3\xa9" },
	    { 0, NULL, 0, NULL } },
	    "[\"email:a\\u0009b\\u000ac\\u000dd\x7f" "e\xc3\xa9\"]" },
	{ "quotes and backslashes only", {
	    { GEN_URI, "\"\\\"\\", 0, "URI:\"\\\"\\" },
	    { 0, NULL, 0, NULL } },
	    "[\"URI:\\\"\\\\\\\"\\\\\"]" },
	/* A directoryName is not listed; the commas stay right. */
	{ "unlisted type between", {
	    { GEN_DNS, "a.example", 0, "DNS:a.example" },
	    { GEN_DIRNAME, "dir", 0, NULL },
	    { GEN_DNS, "b.example", 0, "DNS:b.example" },
	    { 0, NULL, 0, NULL } },
	    "[\"DNS:a.example\",\"DNS:b.example\"]" },
	{ "unlisted type first", {
	    { GEN_DIRNAME, "dir", 0, NULL },
	    { GEN_IPADD, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x01", 16,
		"IP:::ffff:192.0.2.1" },
	    { 0, NULL, 0, NULL } },
	    "[\"IP:::ffff:192.0.2.1\"]" },
	{ "only unlisted types", {
	    { GEN_DIRNAME, "dir", 0, NULL },
	    { 0, NULL, 0, NULL } },
	    "[]" },
};

static void
test_certdb_san(void)
{
	struct cert_row row;
	size_t i;

	for (i = 0; i < sizeof(san_cases) / sizeof(san_cases[0]); i++) {
		const struct san_case *t = &san_cases[i];

		CHECK_ROW(row_of_names(t->names, &row) == 0, t->row);
		CHECK_ROW(row.san != NULL && strcmp(row.san, t->json) == 0,
		    t->row);
		if (row.san != NULL)
			check_json(row.san, t->names, t->row);
		certdb_row_clear(&row);
	}
}

/*
 * Names certdb_row() cannot render as the --san syntax says: an IP
 * address of neither 4 nor 16 bytes, a NUL inside a name.
 */
static const struct san_case odd_cases[] = {
	{ "IP of 1 byte", {
	    { GEN_IPADD, "\x0a", 1, NULL },
	    { GEN_DNS, "after.example", 0, "DNS:after.example" },
	    { 0, NULL, 0, NULL } },
	    "[\"DNS:after.example\"]" },
	{ "IP of 8 bytes (a name constraint)", {
	    { GEN_IPADD, "\xc0\x00\x02\x00\xff\xff\xff\x00", 8, NULL },
	    { 0, NULL, 0, NULL } },
	    "[]" },
	{ "NUL inside a DNS name", {
	    { GEN_DNS, "evil.example\0.good.example", 26,
		"DNS:evil.example\\u0000.good.example" },
	    { 0, NULL, 0, NULL } },
	    "[\"DNS:evil.example\\u0000.good.example\"]" },
};

static void
test_certdb_san_odd(void)
{
	struct cert_row row;
	size_t i;

	for (i = 0; i < sizeof(odd_cases) / sizeof(odd_cases[0]); i++) {
		const struct san_case *t = &odd_cases[i];

		CHECK_ROW(row_of_names(t->names, &row) == 0, t->row);
		CHECK_ROW(row.san != NULL && strcmp(row.san, t->json) == 0,
		    t->row);
		certdb_row_clear(&row);
	}
}

/* A URI of 4000 bytes is listed whole, not cut short. */
static void
test_certdb_long_name(void)
{
	struct name_spec names[2];
	struct cert_row row;
	char *uri, *json;
	size_t len = 4000;

	CU_ASSERT_PTR_NOT_NULL_FATAL(uri = malloc(len + 1));
	memset(uri, 'a', len);
	memcpy(uri, "https://example.org/", 20);
	uri[len] = '\0';
	CU_ASSERT_FATAL(asprintf(&json, "[\"URI:%s\"]", uri) != -1);
	memset(names, 0, sizeof(names));
	names[0].type = GEN_URI;
	names[0].value = uri;
	CU_ASSERT_EQUAL(row_of_names(names, &row), 0);
	CU_ASSERT(row.san != NULL && strcmp(row.san, json) == 0);
	certdb_row_clear(&row);
	free(json);
	free(uri);
}

static void
test_certdb_no_san(void)
{
	struct cert_spec spec = { serial16, sizeof(serial16), "no-san", 0,
	    1700000000, 1800000000, NULL };
	struct cert_row row;
	X509 *cert;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cert = cert_make(&spec));
	CU_ASSERT_EQUAL(certdb_row(cert, &row), 0);
	CU_ASSERT_PTR_NULL(row.san);
	CU_ASSERT_STRING_EQUAL(row.cn, "no-san");
	certdb_row_clear(&row);
	X509_free(cert);
}

static const unsigned char serial_high[] = { 0x80, 0xff, 0x00, 0x12, 0x34,
    0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const unsigned char serial_20[] = { 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
    0x12, 0x13, 0x14 };
static const unsigned char serial_1[] = { 0x2a };

static const struct field_case {
	const char		*row;
	struct cert_spec	 spec;
	const char		*subject;	/* RFC 4514 */
	int			 is_ca;
} field_cases[] = {
	{ "root CA", { serial16, sizeof(serial16), "Genfic Test Root", 1,
	    1700000000, 2015000000, NULL }, "CN=Genfic Test Root,O=Genfic Test",
	    1 },
	/* GeneralizedTime after 2049; a serial with its high bit set. */
	{ "leaf CA:FALSE", { serial_high, sizeof(serial_high), "leaf.example",
	    0, 1600000000, 2600000000, NULL }, "CN=leaf.example,O=Genfic Test",
	    0 },
	{ "no basicConstraints, no CN", { serial_20, sizeof(serial_20), NULL,
	    -1, 946684800, 946684801, NULL }, "O=Genfic Test", 0 },
	{ "UTF-8 CN, one-byte serial", { serial_1, sizeof(serial_1),
	    "J\xc3\xbcrgen", 1, 0, 2147483647, NULL },
	    "CN=J\xc3\xbcrgen,O=Genfic Test", 1 },
};

/* SHA-256 of the DER that i2d made of obj. */
static int
sha256_of_der(int len, unsigned char *der, unsigned char md[GF_SHA256_LEN])
{
	int ok;

	ok = len > 0 && EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(),
	    NULL) == 1;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/* Every column but san against what OpenSSL says of cert. */
static void
check_fields(X509 *cert, const struct field_case *t, const struct cert_row *row)
{
	unsigned char md[GF_SHA256_LEN], *der = NULL;
	char hash[16];
	int derlen;

	CHECK_ROW(row->subject != NULL &&
	    strcmp(row->subject, t->subject) == 0, t->row);
	CHECK_ROW(t->spec.cn == NULL ? row->cn == NULL : row->cn != NULL &&
	    strcmp(row->cn, t->spec.cn) == 0, t->row);
	CHECK_ROW(row->is_ca == t->is_ca, t->row);
	CHECK_ROW(row->serial.len == t->spec.serial_len &&
	    memcmp(row->serial.bytes, t->spec.serial, row->serial.len) == 0,
	    t->row);
	CHECK_ROW(row->not_before == t->spec.not_before, t->row);
	CHECK_ROW(row->not_after == t->spec.not_after, t->row);
	derlen = i2d_X509(cert, &der);
	CHECK_ROW(derlen > 0 && row->derlen == derlen && row->der != NULL &&
	    memcmp(row->der, der, (size_t)derlen) == 0, t->row);
	CHECK_ROW(sha256_of_der(derlen, der, md) == 0 &&
	    memcmp(row->fingerprint, md, sizeof(md)) == 0, t->row);
	der = NULL;
	derlen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	CHECK_ROW(sha256_of_der(derlen, der, md) == 0 &&
	    memcmp(row->spki_hash, md, sizeof(md)) == 0, t->row);
	snprintf(hash, sizeof(hash), "%08lx", X509_subject_name_hash(cert));
	CHECK_ROW(strcmp(row->subject_hash, hash) == 0, t->row);
	CHECK_ROW(row->san == NULL, t->row);
}

static void
test_certdb_fields(void)
{
	struct cert_row row;
	X509 *cert;
	size_t i;

	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *t = &field_cases[i];

		CHECK_ROW((cert = cert_make(&t->spec)) != NULL, t->row);
		if (cert == NULL)
			continue;
		gf_errclear();
		CHECK_ROW(certdb_row(cert, &row) == 0, t->row);
		check_fields(cert, t, &row);
		certdb_row_clear(&row);
		X509_free(cert);
	}
}

/* A cleared row is all zeros, and clearing twice is harmless. */
static void
test_certdb_row_clear(void)
{
	static const struct cert_row zero;
	struct cert_row row;
	static const struct name_spec names[] = {
		{ GEN_DNS, "clear.example", 0, "DNS:clear.example" },
		{ 0, NULL, 0, NULL },
	};

	CU_ASSERT_EQUAL_FATAL(row_of_names(names, &row), 0);
	certdb_row_clear(&row);
	CU_ASSERT(memcmp(&row, &zero, sizeof(row)) == 0);
	certdb_row_clear(&row);
}

/* A store with CA 1 and two certificates: serial 1 good, 2 revoked. */
static struct store *
status_store(char **dir, int64_t id[2])
{
	struct store *st = NULL;
	struct serial s;
	X509_NAME *name;
	char *path;
	int i, ok = 1;

	if ((*dir = test_tmpdir()) == NULL)
		return NULL;
	path = test_path(*dir, "store");
	name = X509_NAME_new();
	if (name == NULL || !X509_NAME_add_entry_by_txt(name, "CN",
	    MBSTRING_ASC, (const unsigned char *)"status.example", -1, -1, 0) ||
	    store_open(path, GF_STORE_CREATE, &st) != 0 ||
	    sqlite3_exec(st->db, "INSERT INTO ca (id, name, key_ref, template, "
	    "leaf_template, crl_days, created) VALUES (1, 'status', "
	    "'file:private/status.key', 'root', 'user', 7, 0)", NULL, NULL,
	    NULL) != SQLITE_OK)
		ok = 0;
	memset(&s, 0, sizeof(s));
	s.len = 1;
	for (i = 0; ok && i < 2; i++) {
		s.bytes[0] = (unsigned char)(i + 1);
		ok = certdb_insert_bare(st, 1, &s, name, 2000000000,
		    &id[i]) == 0;
	}
	if (ok && sqlite3_exec(st->db, "UPDATE cert SET revoked_at = 100, "
	    "reason = 1 WHERE serial = x'02'", NULL, NULL, NULL) != SQLITE_OK)
		ok = 0;
	X509_NAME_free(name);
	free(path);
	if (!ok) {
		store_free(st);
		st = NULL;
	}
	return st;
}

/* certdb_status() of serial byte b for CA ca_id in [first, end): found? */
static int
status_found(struct store *st, int64_t ca_id, unsigned char b, int64_t first,
    int64_t end, struct certdb_status *out)
{
	struct serial s;
	int found = -1;

	memset(&s, 0, sizeof(s));
	s.len = 1;
	s.bytes[0] = b;
	CU_ASSERT_EQUAL(certdb_status(st, ca_id, &s, first, end, out,
	    &found), 0);
	return found;
}

static void
test_certdb_status(void)
{
	struct certdb_status cs;
	struct store *st;
	int64_t id[2];
	char *dir = NULL;
	int found = -1;

	CU_ASSERT_PTR_NOT_NULL(st = status_store(&dir, id));
	if (st == NULL) {
		test_rmtree(dir);
		return;
	}
	CU_ASSERT_EQUAL(certdb_status_prepare(st), 0);
	CU_ASSERT_EQUAL(status_found(st, 1, 1, 0, 0, &cs), 1);
	CU_ASSERT_EQUAL(cs.revoked, 0);
	CU_ASSERT_EQUAL(status_found(st, 1, 2, 0, 0, &cs), 1);
	CU_ASSERT(cs.revoked && cs.revoked_at == 100 && cs.reason == 1 &&
	    cs.invalidity == 0);
	CU_ASSERT_EQUAL(status_found(st, 2, 1, 0, 0, &cs), 0);
	CU_ASSERT_EQUAL(status_found(st, 1, 3, 0, 0, &cs), 0);
	/* A generation's range: the first id is in it, the end is not. */
	CU_ASSERT_EQUAL(status_found(st, 1, 1, id[1], 0, &cs), 0);
	CU_ASSERT_EQUAL(status_found(st, 1, 2, id[1], 0, &cs), 1);
	CU_ASSERT_EQUAL(status_found(st, 1, 1, 0, id[1], &cs), 1);
	CU_ASSERT_EQUAL(status_found(st, 1, 2, 0, id[1], &cs), 0);
	/* The CA's own certificate, once it has one. */
	CU_ASSERT_EQUAL(certdb_ca_status(st, 1, 0, &cs, &found), 0);
	CU_ASSERT_EQUAL(found, 0);
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "UPDATE ca SET cert_id = (SELECT "
	    "id FROM cert WHERE serial = x'02')", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(certdb_ca_status(st, 1, 0, &cs, &found), 0);
	CU_ASSERT(found == 1 && cs.revoked && cs.revoked_at == 100);
	/* A generation without a row is the ca row's. */
	CU_ASSERT_EQUAL(certdb_ca_status(st, 1, 1, &cs, &found), 0);
	CU_ASSERT(found == 1 && cs.revoked);
	/* Each recorded generation its own, not the ca row's. */
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "INSERT INTO ca_generation (ca_id, "
	    "generation, key_ref, cert_id, first_cert, created) SELECT 1, 1, "
	    "'file:private/status.key', id, 0, 0 FROM cert WHERE serial = "
	    "x'01'", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(certdb_ca_status(st, 1, 1, &cs, &found), 0);
	CU_ASSERT(found == 1 && !cs.revoked);
	CU_ASSERT_EQUAL(certdb_ca_status(st, 1, 0, &cs, &found), 0);
	CU_ASSERT(found == 1 && cs.revoked);
	store_free(st);
	test_rmtree(dir);
}

int
test_certdb_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("certdb", certdb_init, certdb_cleanup)) == NULL ||
	    CU_add_test(s, "certdb_row san JSON", test_certdb_san) == NULL ||
	    CU_add_test(s, "certdb_row without san",
	    test_certdb_no_san) == NULL ||
	    CU_add_test(s, "certdb_row fields", test_certdb_fields) == NULL ||
	    CU_add_test(s, "certdb_row_clear", test_certdb_row_clear) == NULL)
		return -1;
	if (CU_add_test(s, "certdb_row odd names", test_certdb_san_odd) == NULL ||
	    CU_add_test(s, "certdb_row long name", test_certdb_long_name) == NULL)
		return -1;
	if (CU_add_test(s, "certdb_status: a generation's ids",
	    test_certdb_status) == NULL)
		return -1;
	return 0;
}
