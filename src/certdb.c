/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificate rows: every statement on the cert table lives here, but
 * revocation's (revoke.c) and the joins that load a CA or a CA generation
 * with its own certificate (ca.c, generation.c), one row each.  The
 * responder's reads are at the end; genfic-ocspd links them alone.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/owner.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

/* Appends len bytes to json as JSON string content (RFC 8259 7). */
static void
json_chars(FILE *json, const unsigned char *p, size_t len)
{
	for (; len > 0; p++, len--)
		if (*p == '"' || *p == '\\')
			fprintf(json, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(json, "\\u%04x", *p);
		else
			fputc(*p, json);
}

/*
 * One entry in the --san syntax, "DNS:name", "IP:addr", "email:x" or
 * "URI:x", as a JSON string after a comma if it is not the first.
 * Returns 0 if the entry is not listed (other types, and addresses of
 * neither 4 nor 16 bytes).
 */
static int
san_entry(FILE *json, const GENERAL_NAME *gn, int first)
{
	const ASN1_STRING *s;
	char addr[INET6_ADDRSTRLEN];
	const char *prefix;
	int type, len;

	s = GENERAL_NAME_get0_value(gn, &type);
	len = ASN1_STRING_length(s);
	switch (type) {
	case GEN_DNS:
		prefix = "DNS:";
		break;
	case GEN_EMAIL:
		prefix = "email:";
		break;
	case GEN_URI:
		prefix = "URI:";
		break;
	case GEN_IPADD:
		if ((len != 4 && len != 16) || inet_ntop(len == 4 ? AF_INET :
		    AF_INET6, ASN1_STRING_get0_data(s), addr,
		    sizeof(addr)) == NULL)
			return 0;
		fprintf(json, "%s\"IP:%s\"", first ? "" : ",", addr);
		return 1;
	default:
		return 0;
	}
	fprintf(json, "%s\"%s", first ? "" : ",", prefix);
	json_chars(json, ASN1_STRING_get0_data(s), (size_t)len);
	fputc('"', json);
	return 1;
}

/* The certificate's subjectAltName entries as a JSON array of strings. */
static int
san_json(X509 *cert, char **out)
{
	GENERAL_NAMES *names;
	size_t size;
	FILE *json;
	int i, n = 0, r = 0;

	*out = NULL;
	if ((names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL,
	    NULL)) == NULL)
		return 0;
	if ((json = open_memstream(out, &size)) == NULL) {
		GENERAL_NAMES_free(names);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	fputc('[', json);
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++)
		n += san_entry(json, sk_GENERAL_NAME_value(names, i), n == 0);
	fputc(']', json);
	if (fclose(json) != 0) {
		free(*out);
		*out = NULL;
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	GENERAL_NAMES_free(names);
	return r;
}

void
certdb_row_clear(struct cert_row *row)
{
	free(row->subject);
	free(row->cn);
	free(row->san);
	OPENSSL_free(row->der);
	memset(row, 0, sizeof(*row));
}

int
certdb_row(X509 *cert, struct cert_row *row)
{
	unsigned char hash[GF_SHA256_LEN];
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = spki_hash(X509_get_X509_PUBKEY(cert), hash)) != 0)
		return r;
	return certdb_row_keyed(cert, hash, row);
}

int
certdb_row_keyed(X509 *cert, const unsigned char spki_hash[GF_SHA256_LEN],
    struct cert_row *row)
{
	int r;

	memset(row, 0, sizeof(*row));
	memcpy(row->spki_hash, spki_hash, GF_SHA256_LEN);
	if ((r = serial_from_asn1(X509_get0_serialNumber(cert),
	    &row->serial)) != 0 ||
	    (r = asn1_time_to_unix(X509_get0_notBefore(cert),
	    &row->not_before)) != 0 ||
	    (r = asn1_time_to_unix(X509_get0_notAfter(cert),
	    &row->not_after)) != 0 ||
	    (r = san_json(cert, &row->san)) != 0)
		goto out;
	if ((row->subject = dn_format(X509_get_subject_name(cert))) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	row->cn = dn_get_text(X509_get_subject_name(cert), NID_commonName);
	/* One encoding, for the row and for the fingerprint. */
	if ((row->derlen = i2d_X509(cert, &row->der)) <= 0 ||
	    !EVP_Digest(row->der, (size_t)row->derlen, row->fingerprint, NULL,
	    gf_sha256(), NULL)) {
		r = gf_fail_crypto("encode certificate");
		goto out;
	}
	snprintf(row->subject_hash, sizeof(row->subject_hash), "%08lx",
	    X509_subject_name_hash(cert));
	row->is_ca = x509_is_ca(cert, NULL);
 out:
	if (r != 0)
		certdb_row_clear(row);
	return r;
}

static const char insert_sql[] = "INSERT INTO cert (ca_id, serial, subject, "
    "san, not_before, not_after, is_ca, label, template, fingerprint, "
    "subject_hash, spki_hash, issued, der, cn, owner) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

int
certdb_insert_row(struct store *st, int64_t ca_id, const struct cert_row *row,
    const char *label, const char *template, const char *owner,
    int64_t *cert_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, insert_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_blob(stmt, 2, row->serial.bytes,
	    row->serial.len)) != 0 ||
	    (r = store_bind_text(stmt, 3, row->subject)) != 0 ||
	    (r = store_bind_text(stmt, 4, row->san)) != 0 ||
	    (r = store_bind_int64(stmt, 5, (int64_t)row->not_before)) != 0 ||
	    (r = store_bind_int64(stmt, 6, (int64_t)row->not_after)) != 0 ||
	    (r = store_bind_int64(stmt, 7, row->is_ca)) != 0 ||
	    (r = store_bind_text(stmt, 8, label)) != 0 ||
	    (r = store_bind_text(stmt, 9, template)) != 0 ||
	    (r = store_bind_blob(stmt, 10, row->fingerprint,
	    GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_text(stmt, 11, row->subject_hash)) != 0 ||
	    (r = store_bind_blob(stmt, 12, row->spki_hash, GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_int64(stmt, 13, (int64_t)time(NULL))) != 0 ||
	    (r = store_bind_blob(stmt, 14, row->der, (size_t)row->derlen)) != 0 ||
	    (r = store_bind_text(stmt, 15, row->cn)) != 0 ||
	    (r = store_bind_text(stmt, 16, owner)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE ?
		    gf_fail(GF_ERR_CONFLICT, "serial number or certificate "
		    "already in the store") : store_fail(st, "insert certificate");
	else if (cert_id != NULL)
		*cert_id = sqlite3_last_insert_rowid(st->db);
 out:
	store_done(stmt);
	return r;
}

int
certdb_insert(struct store *st, int64_t ca_id, X509 *cert, const char *label,
    const char *template, int64_t *cert_id)
{
	struct cert_row row;
	int r;

	if ((r = certdb_row(cert, &row)) != 0)
		return r;
	r = certdb_insert_row(st, ca_id, &row, label, template, NULL, cert_id);
	certdb_row_clear(&row);
	return r;
}

#define REF_COLUMNS	"cert.id, cert.ca_id, ca.name, cert.serial, " \
			"cert.subject, cert.not_after, cert.revoked_at, cert.reason"
#define REF_FROM	" FROM cert JOIN ca ON ca.id = cert.ca_id WHERE " \
			"(?1 = 0 OR +cert.ca_id = ?1) AND "
/* In use: not expired, and valid or on hold (certificateHold, 6). */
#define REF_IN_USE	" AND +cert.not_after > ?5 AND (cert.revoked_at IS " \
			"NULL OR cert.reason = 6)"
#define REF_ORDER	" ORDER BY +cert.not_after, cert.id"

static void
ref_copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	snprintf(dst, size, "%s", s != NULL ? (const char *)s : "");
}

static void
ref_from_row(sqlite3_stmt *stmt, struct cert_ref *ref)
{
	int n = sqlite3_column_bytes(stmt, 3);

	memset(ref, 0, sizeof(*ref));
	ref->id = sqlite3_column_int64(stmt, 0);
	ref->ca_id = sqlite3_column_int64(stmt, 1);
	ref_copy_text(ref->ca_name, sizeof(ref->ca_name), stmt, 2);
	ref->serial.len = n > GF_SERIAL_MAX ? GF_SERIAL_MAX : (size_t)n;
	if (ref->serial.len > 0)
		memcpy(ref->serial.bytes, sqlite3_column_blob(stmt, 3),
		    ref->serial.len);
	ref_copy_text(ref->subject, sizeof(ref->subject), stmt, 4);
	ref->not_after = (time_t)sqlite3_column_int64(stmt, 5);
	/* NULL is "not revoked": 0 is a date, the epoch. */
	ref->revoked = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
	ref->revoked_at = (time_t)sqlite3_column_int64(stmt, 6);
	ref->reason = sqlite3_column_int(stmt, 7);
}

/*
 * One cert_spki lookup per CA (the index leads with ca_id); the "+" keeps
 * SQLite off cert_revoked, a walk over every revoked certificate.
 */
static const char compromised_sql[] = "SELECT " REF_COLUMNS " FROM cert "
    "JOIN ca ON ca.id = cert.ca_id WHERE cert.ca_id IN (SELECT id FROM ca) "
    "AND cert.spki_hash = ?1 AND +cert.revoked_at IS NOT NULL AND "
    "(cert.reason = 1 OR (cert.reason = 2 AND cert.is_ca)) LIMIT 1";

int
certdb_key_compromised(struct store *st,
    const unsigned char spki_hash[GF_SHA256_LEN], struct cert_ref *ref)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, compromised_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_blob(stmt, 1, spki_hash, GF_SHA256_LEN)) != 0)
		;
	else if ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		ref_from_row(stmt, ref);
		r = 1;
	} else
		r = r == SQLITE_DONE ? 0 : store_fail(st, "look up key");
	store_done(stmt);
	return r;
}

/* What value may be besides a name, parsed once. */
struct lookup_key {
	int64_t		 ca_id;		/* 0: every CA */
	const char	*value;
	struct serial	 serial;
	int		 is_serial;
	unsigned char	 md[GF_SHA256_LEN];
	int		 is_md;
	char		 hash[9];	/* subject hash, lower case */
	int		 is_hash;
};

/*
 * A SHA-256 fingerprint: 64 hex digits, or 32 pairs joined by ':', after
 * an optional "sha256 Fingerprint=" (openssl x509 -fingerprint -sha256).
 */
static int
lookup_parse_md(const char *value, unsigned char *md)
{
	const char *p = value, *eq;
	size_t i;
	int colons;

	if ((eq = strchr(p, '=')) != NULL) {
		if (strncasecmp(p, "sha256 fingerprint=", (size_t)(eq - p) + 1) != 0)
			return 0;
		p = eq + 1;
	}
	colons = strlen(p) == 3 * GF_SHA256_LEN - 1;
	if (!colons && strlen(p) != 2 * GF_SHA256_LEN)
		return 0;
	for (i = 0; i < GF_SHA256_LEN; i++, p += colons ? 3 : 2) {
		if (!isxdigit((unsigned char)p[0]) ||
		    !isxdigit((unsigned char)p[1]) ||
		    (colons && i + 1 < GF_SHA256_LEN && p[2] != ':'))
			return 0;
		if (sscanf(p, "%2hhx", &md[i]) != 1)
			return 0;
	}
	return 1;
}

static void
lookup_key_init(struct lookup_key *k, const struct ca *ca, const char *value)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->ca_id = ca != NULL ? ca->id : 0;
	k->value = value;
	k->is_serial = serial_from_hex(value, &k->serial) == 0;
	k->is_md = lookup_parse_md(value, k->md);
	k->is_hash = strlen(value) == 8 && strspn(value,
	    "0123456789abcdefABCDEF") == 8;
	for (i = 0; k->is_hash && i < 8; i++)
		k->hash[i] = (char)tolower((unsigned char)value[i]);
	gf_errclear();
}

/*
 * Runs one lookup query (?1 the CA id or 0, ?2 the serial, ?3 the
 * fingerprint, ?4 the value as a name, ?5 now, ?6 the subject hash) and
 * adds the rows not seen yet to refs.
 */
static int
lookup_rows(struct store *st, const char *sql, const struct lookup_key *k,
    struct cert_ref *refs, size_t max, size_t *count)
{
	sqlite3_stmt *stmt;
	struct cert_ref ref;
	size_t i;
	int step, r, seen, np;

	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	/* Each query uses some of the parameters; a NULL matches nothing. */
	np = sqlite3_bind_parameter_count(stmt);
	if ((r = store_bind_int64(stmt, 1, k->ca_id)) != 0 ||
	    (np >= 2 && k->is_serial && (r = store_bind_blob(stmt, 2,
	    k->serial.bytes, k->serial.len)) != 0) ||
	    (np >= 3 && k->is_md && (r = store_bind_blob(stmt, 3, k->md,
	    GF_SHA256_LEN)) != 0) ||
	    (np >= 4 && (r = store_bind_text(stmt, 4, k->value)) != 0) ||
	    (np >= 5 && (r = store_bind_int64(stmt, 5,
	    (int64_t)time(NULL))) != 0) ||
	    (np >= 6 && k->is_hash && (r = store_bind_text(stmt, 6,
	    k->hash)) != 0))
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		ref_from_row(stmt, &ref);
		for (i = 0, seen = 0; i < *count && i < max; i++)
			seen |= refs[i].id == ref.id;
		if (seen)
			continue;
		if (*count < max)
			refs[*count] = ref;
		(*count)++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "look up certificate");
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* A certificate file: the row with its fingerprint, under ca if given. */
static int
lookup_file(struct store *st, const struct ca *ca, const char *path,
    struct cert_ref *refs, size_t max, size_t *count)
{
	struct lookup_key k;
	X509 *cert = NULL;
	int r;

	if ((r = x509_load(path, &cert)) != 0)
		return gf_fail(r, "%s: %s", path, gf_errmsg(r));
	lookup_key_init(&k, ca, "");
	if ((r = x509_fingerprint(cert, k.md)) != 0)
		goto out;
	k.is_md = 1;
	if ((r = lookup_rows(st, "SELECT " REF_COLUMNS REF_FROM
	    "cert.fingerprint = ?3", &k, refs, max, count)) != 0)
		goto out;
	if (*count > 0)
		goto out;
	if (ca != NULL && X509_check_issued(ca->cert, cert) != X509_V_OK)
		r = gf_fail(GF_ERR_NOT_FOUND, "%s was not issued by %s", path,
		    ca->name);
	else
		r = gf_fail(GF_ERR_NOT_FOUND, "%s is not in the store", path);
 out:
	X509_free(cert);
	return r;
}

int
certdb_lookup(struct store *st, const struct ca *ca, const char *value,
    struct cert_ref *refs, size_t max, size_t *count)
{
	struct lookup_key k;
	size_t exact;
	int r;

	*count = 0;
	if (file_exists(value) && !file_is_dir(value))
		return lookup_file(st, ca, value, refs, max, count);
	lookup_key_init(&k, ca, value);
	/* What names one certificate; "+" keeps SQLite on their indexes. */
	if ((k.is_serial || k.is_md) && (r = lookup_rows(st, "SELECT "
	    REF_COLUMNS REF_FROM "(cert.serial = ?2 OR cert.fingerprint = ?3)"
	    REF_ORDER, &k, refs, max, count)) != 0)
		return r;
	/* Names: those in use, else (to show why) the others. */
	exact = *count;
	if ((r = lookup_rows(st, "SELECT " REF_COLUMNS REF_FROM "(cert.label "
	    "= ?4 OR cert.cn = ?4 OR cert.subject_hash = ?6)" REF_IN_USE
	    REF_ORDER, &k, refs, max, count)) != 0)
		return r;
	if (*count == exact && (r = lookup_rows(st, "SELECT " REF_COLUMNS
	    REF_FROM "(cert.label = ?4 OR cert.cn = ?4 OR cert.subject_hash = "
	    "?6)" REF_ORDER, &k, refs, max, count)) != 0)
		return r;
	if (*count == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "no certificate matches '%s'",
		    value);
	return 0;
}

int
certdb_load(struct store *st, int64_t id, X509 **cert, int64_t *ca_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT der, ca_id FROM cert WHERE id = ?1",
	    &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, id)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_ROW)
		r = store_fail(st, "read certificate");
	else if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		r = gf_fail(GF_ERR_NOT_FOUND, "only the index data of this "
		    "certificate was imported, not the certificate");
	else if ((r = x509_from_der(sqlite3_column_blob(stmt, 0),
	    (size_t)sqlite3_column_bytes(stmt, 0), cert)) == 0)
		*ca_id = sqlite3_column_int64(stmt, 1);
	sqlite3_finalize(stmt);
	return r;
}

int
certdb_insert_bare(struct store *st, int64_t ca_id, const struct serial *serial,
    const X509_NAME *subject, time_t not_after, int64_t *cert_id)
{
	sqlite3_stmt *stmt;
	char *text = NULL, *cn = NULL, hash[9];
	int r;

	if ((text = dn_format(subject)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	cn = dn_get_text(subject, NID_commonName);
	snprintf(hash, sizeof(hash), "%08lx", X509_NAME_hash_ex(subject, NULL,
	    NULL, NULL));
	if ((r = store_prepare(st, "INSERT INTO cert (ca_id, serial, subject, "
	    "cn, not_after, subject_hash, issued) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7)", &stmt)) != 0)
		goto out;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_blob(stmt, 2, serial->bytes, serial->len)) != 0 ||
	    (r = store_bind_text(stmt, 3, text)) != 0 ||
	    (r = store_bind_text(stmt, 4, cn)) != 0 ||
	    (r = store_bind_int64(stmt, 5, (int64_t)not_after)) != 0 ||
	    (r = store_bind_text(stmt, 6, hash)) != 0 ||
	    (r = store_bind_int64(stmt, 7, (int64_t)time(NULL))) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE ?
		    gf_fail(GF_ERR_CONFLICT, "serial number already in the "
		    "store") : store_fail(st, "insert certificate");
	else if (cert_id != NULL)
		*cert_id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(stmt);
 out:
	free(text);
	free(cn);
	return r;
}

int
certdb_label_taken(struct store *st, int64_t ca_id, const char *label)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT 1 FROM cert WHERE ca_id = ?1 AND "
	    "label = ?2", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_text(stmt, 2, label)) != 0) {
		sqlite3_finalize(stmt);
		return r;
	}
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		r = 1;
		break;
	case SQLITE_DONE:
		r = 0;
		break;
	default:
		r = store_fail(st, "look up label");
	}
	sqlite3_finalize(stmt);
	return r;
}

/* Added for the modes that ran their own SQL on the cert table. */

int
certdb_serial_fingerprint(struct store *st, int64_t ca_id,
    const struct serial *serial, unsigned char md[GF_SHA256_LEN], int *has_md)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT fingerprint FROM cert WHERE "
	    "ca_id = ?1 AND serial = ?2", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_blob(stmt, 2, serial->bytes, serial->len)) != 0)
		goto out;
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		*has_md = sqlite3_column_bytes(stmt, 0) == GF_SHA256_LEN;
		if (*has_md)
			memcpy(md, sqlite3_column_blob(stmt, 0), GF_SHA256_LEN);
		break;
	case SQLITE_DONE:
		r = GF_ERR_NOT_FOUND;
		break;
	default:
		r = store_fail(st, "look up serial");
	}
 out:
	sqlite3_finalize(stmt);
	return r;
}

/*
 * Through cert_ca_not_after (and the rowid every index carries): the
 * CA's own certificates and cross-certificates are self-issued, and keep
 * no generation alive.
 */
static const char live_sql[] = "SELECT 1 FROM cert WHERE ca_id = ?1 AND "
    "not_after > ?2 AND id >= ?3 AND (?4 = 0 OR id < ?4) AND "
    "subject != (SELECT subject FROM cert WHERE id = ?5) LIMIT 1";

int
certdb_live_between(struct store *st, const struct ca *ca, int64_t first,
    int64_t end, time_t now, int *live)
{
	sqlite3_stmt *stmt;
	int step, r;

	if ((r = store_prepare(st, live_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, (int64_t)now)) != 0 ||
	    (r = store_bind_int64(stmt, 3, first)) != 0 ||
	    (r = store_bind_int64(stmt, 4, end)) != 0 ||
	    (r = store_bind_int64(stmt, 5, ca->cert_id)) != 0)
		;
	else if ((step = sqlite3_step(stmt)) != SQLITE_ROW &&
	    step != SQLITE_DONE)
		r = store_fail(st, "read generations");
	else
		*live = step == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return r;
}

/*
 * The listing modes (-l, -e, -S): SQL fragments that read ?1 as "now"
 * (seconds since the epoch).
 */
#define LIST_STATUS CERTDB_STATUS_SQL
#define LIST_REASON \
	"CASE cert.reason WHEN 0 THEN 'unspecified' WHEN 1 THEN " \
	"'keyCompromise' WHEN 2 THEN 'cACompromise' WHEN 3 THEN " \
	"'affiliationChanged' WHEN 4 THEN 'superseded' WHEN 5 THEN " \
	"'cessationOfOperation' WHEN 6 THEN 'certificateHold' WHEN 9 THEN " \
	"'privilegeWithdrawn' WHEN 10 THEN 'aACompromise' END"
#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"
#define LIST_JSON_FIELDS \
	"'kind', 'cert', 'ca', ca.name, 'serial', hex(cert.serial), " \
	"'status', " LIST_STATUS ", 'not_before', " ISO("cert.not_before") \
	", 'not_after', " ISO("cert.not_after") ", 'days_left', " \
	"CAST((cert.not_after - ?1) / 86400 AS INTEGER), 'subject', " \
	"cert.subject, 'san', json(coalesce(cert.san, '[]')), 'hash', " \
	"cert.subject_hash, 'sha256', lower(hex(cert.fingerprint)), 'label', " \
	"cert.label, 'template', cert.template, 'is_ca', " \
	"json(CASE cert.is_ca WHEN 1 THEN 'true' ELSE 'false' END), " \
	"'revoked_at', " ISO("cert.revoked_at") ", 'reason', " LIST_REASON \
	", 'invalidity_date', " ISO("cert.invalidity")
#define LIST_JSON	"json_object(" LIST_JSON_FIELDS ")"

/* After the CA column, which names the generation too (list_prepare()). */
#define LIST_COLUMNS \
	"hex(cert.serial), " LIST_STATUS ", " \
	"date(cert.not_after, 'unixepoch'), cert.subject_hash, cert.subject, " \
	"cert.label, cert.is_ca, CAST((cert.not_after - ?1) / 86400 AS INTEGER), "
#define LIST_FROM	" FROM cert JOIN ca ON ca.id = cert.ca_id WHERE "

/* CRL rows of -e: the state of a CA's latest CRL, in the table's columns. */
#define CRL_STATE \
	"CASE WHEN last.number IS NULL THEN 'none' WHEN last.next_update <= " \
	"?1 THEN 'stale' ELSE 'due' END"
#define CRL_DAYS \
	"CAST((last.next_update - ?1) / 86400 AS INTEGER)"

/*
 * Each CA in service (its certificate valid) whose latest CRL's
 * nextUpdate is past or within ?3 days of ?1, or that has issued none:
 * the CRL that must be issued next.  The latest CRL of each CA is the row
 * of its max(number) (SQLite takes the bare column from that row).
 */
static const char crl_due_sql[] =
    "SELECT ca.name, 'CRL', " CRL_STATE ", coalesce(date(last.next_update, "
    "'unixepoch'), '-'), '', CASE WHEN last.number IS NULL THEN 'no CRL "
    "yet' ELSE 'latest CRL ' || last.number END, '', 0, coalesce("
    CRL_DAYS ", 0), "
    "json_object('kind', 'crl', 'ca', ca.name, 'status', " CRL_STATE ", "
    "'crl_number', last.number, 'next_update', " ISO("last.next_update")
    ", 'days_left', " CRL_DAYS "), NULL "
    "FROM ca JOIN cert ON cert.id = ca.cert_id LEFT JOIN (SELECT ca_id, "
    "max(number) AS number, next_update FROM crl GROUP BY ca_id) AS last "
    "ON last.ca_id = ca.id WHERE cert.not_after > ?1 AND cert.revoked_at "
    "IS NULL AND (?2 IS NULL OR ca.name = ?2) AND (last.number IS NULL OR "
    "last.next_update <= ?1 + ?3 * 86400) ORDER BY coalesce("
    "last.next_update, 0), ca.name";

/*
 * The listing query: the JSON column only when asked (building it costs
 * more than the rest of a row), and the CA named only when given, so
 * that the planner can walk cert_ca_not_after for that CA alone.  A
 * certificate signed by a later generation of its CA (--rollover) shows
 * it as NAME#N; the generation is read only once a CA has rolled over.
 */
/* cert.owner, or NULL in a store of before schema 6 read as it is. */
static int
owner_column(struct store *st, const char **expr)
{
	int owners, r;

	if ((r = store_has_column(st, "cert", "owner", &owners)) != 0)
		return r;
	*expr = owners ? "cert.owner" : "NULL";
	return 0;
}

static int
list_prepare(struct store *st, const struct certdb_listing *l,
    const char *where_order, sqlite3_stmt **stmt)
{
	const char *ca = l->ca != NULL ? "ca.name = ?2 AND " : "";
	const char *gen = l->generation != NULL ? l->generation : "1";
	const char *owner;
	char *sql;
	int n, r;

	if ((r = owner_column(st, &owner)) != 0)
		return r;
	/* The parts as arguments: the SQL holds strftime's '%' conversions. */
	if (strcmp(gen, "1") == 0)
		n = asprintf(&sql, "SELECT ca.name, %s%s%s%s, %s%s%s%s",
		    LIST_COLUMNS, l->json ? "json_object(" LIST_JSON_FIELDS
		    ", 'generation', 1, 'owner', " : "NULL", l->json ? owner : "",
		    l->json ? ")" : "", owner, LIST_FROM, ca, where_order);
	else
		n = asprintf(&sql, "SELECT ca.name || CASE WHEN %s > 1 THEN "
		    "'#' || %s ELSE '' END, %s%s%s%s%s%s, %s%s%s%s", gen, gen,
		    LIST_COLUMNS, l->json ? "json_object(" LIST_JSON_FIELDS
		    ", 'generation', " : "NULL", l->json ? gen : "",
		    l->json ? ", 'owner', " : "", l->json ? owner : "",
		    l->json ? ")" : "", owner, LIST_FROM, ca, where_order);
	if (n == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = store_prepare(st, sql, stmt);
	free(sql);
	return r;
}

/* -l: ?3 the template, ?4 the status; -e: ?3 the days. */
static const char list_all_sql[] = "(?3 IS NULL OR cert.template = ?3) AND "
    "(?4 IS NULL OR ?4 = 'all' OR " LIST_STATUS " = ?4) ORDER BY ca.name, "
    "cert.not_after";
static const char list_expired_sql[] = "cert.not_after <= ?1 AND "
    "cert.not_after > ?1 - ?3 * 86400 AND cert.revoked_at IS NULL ORDER BY "
    "cert.not_after DESC";
static const char list_expiring_sql[] = "cert.not_after > ?1 AND "
    "cert.not_after <= ?1 + ?3 * 86400 AND cert.revoked_at IS NULL ORDER BY "
    "cert.not_after";

static int
list_bind(sqlite3_stmt *stmt, const struct certdb_listing *l)
{
	int r;

	if ((r = store_bind_int64(stmt, 1, (int64_t)l->now)) != 0 ||
	    (l->ca != NULL && (r = store_bind_text(stmt, 2, l->ca)) != 0))
		return r;
	if (l->kind != CERTDB_LIST_ALL)
		return store_bind_int64(stmt, 3, l->days);
	if ((r = store_bind_text(stmt, 3, l->template)) != 0)
		return r;
	return store_bind_text(stmt, 4, l->status);
}

int
certdb_list(struct store *st, const struct certdb_listing *l,
    sqlite3_stmt **out)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = list_prepare(st, l, l->kind == CERTDB_LIST_ALL ? list_all_sql :
	    l->kind == CERTDB_LIST_EXPIRED ? list_expired_sql :
	    list_expiring_sql, &stmt)) != 0)
		return r;
	if ((r = list_bind(stmt, l)) != 0) {
		sqlite3_finalize(stmt);
		return r;
	}
	*out = stmt;
	return 0;
}

int
certdb_list_crl_due(struct store *st, const struct certdb_listing *l,
    sqlite3_stmt **out)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, crl_due_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, (int64_t)l->now)) != 0 ||
	    (r = store_bind_text(stmt, 2, l->ca)) != 0 ||
	    (r = store_bind_int64(stmt, 3, l->days)) != 0) {
		sqlite3_finalize(stmt);
		return r;
	}
	*out = stmt;
	return 0;
}

/* The CA names from the issuer up to the root, aggregated by agg. */
#define SHOW_CHAIN(agg) \
	"(WITH RECURSIVE up(id, name, parent_id) AS (SELECT id, name, " \
	"parent_id FROM ca WHERE id = cert.ca_id UNION ALL SELECT ca.id, " \
	"ca.name, ca.parent_id FROM ca JOIN up ON ca.id = up.parent_id) " \
	"SELECT " agg " FROM up)"

/* The serial of what a certificate renews, and of what renewed it. */
#define SHOW_RENEWS \
	"(SELECT hex(o.serial) FROM renewal JOIN cert o ON o.id = " \
	"renewal.old_id WHERE renewal.new_id = cert.id)"
#define SHOW_RENEWED_BY \
	"(SELECT hex(n.serial) FROM renewal JOIN cert n ON n.id = " \
	"renewal.new_id WHERE renewal.old_id = cert.id)"

int
certdb_show(struct store *st, int64_t id, time_t now, const char *generation,
    sqlite3_stmt **out)
{
	const char *gen = generation != NULL ? generation : "1";
	const char *renews = SHOW_RENEWS, *renewed_by = SHOW_RENEWED_BY;
	const char *owner;
	sqlite3_stmt *stmt;
	char *sql;
	int renewals, r;

	if ((r = owner_column(st, &owner)) != 0)
		return r;
	/* A store of before schema 5, read as it is, renewed nothing. */
	if ((r = store_has_table(st, "renewal", &renewals)) != 0)
		return r;
	if (!renewals)
		renews = renewed_by = "NULL";
	/* The parts as arguments: the SQL holds strftime's '%' conversions. */
	if (asprintf(&sql, "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s",
	    "SELECT cert.der, "
	    "json_set(" LIST_JSON ", '$.chain', json("
	    SHOW_CHAIN("json_group_array(name)") "), '$.generation', ", gen,
	    ", '$.renews', ", renews, ", '$.renewed_by', ", renewed_by,
	    ", '$.owner', ", owner,
	    "), ca.name, hex(cert.serial), " LIST_STATUS ", "
	    ISO("cert.revoked_at") ", " LIST_REASON ", cert.label, "
	    "cert.template, " SHOW_CHAIN("group_concat(name, ' <- ')") ", ",
	    gen, ", ", renews, ", ", renewed_by, ", ", owner, " FROM cert JOIN "
	    "ca ON ca.id = cert.ca_id WHERE cert.id = ?2") == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = store_prepare(st, sql, &stmt);
	free(sql);
	if (r != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, (int64_t)now)) != 0 ||
	    (r = store_bind_int64(stmt, 2, id)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = store_fail(st, "read certificate");
		goto out;
	}
	*out = stmt;
	return 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/*
 * A certificate's state as the audit log hashes it, column by column
 * (audit-local.h says why these): never reorder.  The owner (schema 6)
 * comes last: a trailing NULL is not hashed, so the states of before it
 * stay what they were.
 */
#define CERT_STATE_V5	"cert.id, cert.ca_id, cert.serial, cert.subject, " \
			"cert.cn, cert.san, cert.not_before, cert.not_after, " \
			"cert.is_ca, cert.revoked_at, cert.reason, " \
			"cert.invalidity, cert.label, cert.template, " \
			"cert.fingerprint, cert.subject_hash, cert.spki_hash, " \
			"cert.issued"
#define CERT_STATE	CERT_STATE_V5 ", cert.owner"

const char certdb_state_sql[] = "SELECT " CERT_STATE " FROM cert WHERE "
    "serial = ?2 AND ca_id = (SELECT id FROM ca WHERE name = ?1)";
#define STATES_HEAD	"SELECT ca.name, hex(cert.serial), cert.subject, " \
			"cert.revoked_at, cert.reason, cert.der, "
#define STATES_TAIL	" FROM cert LEFT JOIN ca ON ca.id = cert.ca_id " \
			"ORDER BY cert.id"

int
certdb_states_prepare(struct store *st, sqlite3_stmt **stmt)
{
	int owners, r;

	/* A store of before schema 6, read as it is, has no owners. */
	if ((r = store_has_column(st, "cert", "owner", &owners)) != 0)
		return r;
	return store_prepare(st, owners ? STATES_HEAD CERT_STATE STATES_TAIL :
	    STATES_HEAD CERT_STATE_V5 STATES_TAIL, stmt);
}

/*
 * The spool's look for what it signed before.  "+not_after": the key hash
 * index, not a range scan of the expiry index.
 */
/* The row of a certificate lookup: 1, 0 when none, < 0 on error. */
static int
find_signed_row(struct store *st, sqlite3_stmt *stmt,
    char hex[2 * GF_SERIAL_MAX + 1], unsigned char **der, int *derlen)
{
	const void *blob;
	int r = 0;

	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		r = 1;
		break;
	case SQLITE_DONE:
		r = 0;
		goto out;
	default:
		r = store_fail(st, "look up a signed request");
		goto out;
	}
	if (hex != NULL)
		snprintf(hex, 2 * GF_SERIAL_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
	if (der != NULL) {
		blob = sqlite3_column_blob(stmt, 1);
		*derlen = sqlite3_column_bytes(stmt, 1);
		if (blob == NULL || (*der = OPENSSL_memdup(blob,
		    (size_t)*derlen)) == NULL)
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
	}
 out:
	store_done(stmt);
	return r;
}

static const char signed_sql[] = "SELECT hex(serial), der FROM cert WHERE "
    "ca_id = ?1 AND spki_hash = ?2 AND subject = ?3 AND revoked_at IS NULL "
    "AND +not_after > ?4 LIMIT 1";

int
certdb_find_signed(struct store *st, int64_t ca_id,
    const unsigned char spki_hash[GF_SHA256_LEN], const char *subject,
    time_t now, char hex[2 * GF_SERIAL_MAX + 1], unsigned char **der,
    int *derlen)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, signed_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_blob(stmt, 2, spki_hash, GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_text(stmt, 3, subject)) != 0 ||
	    (r = store_bind_int64(stmt, 4, (int64_t)now)) != 0) {
		store_done(stmt);
		return r;
	}
	return find_signed_row(st, stmt, hex, der, derlen);
}

static const char request_sql[] = "SELECT hex(cert.serial), cert.der FROM "
    "request_digest JOIN cert ON cert.id = request_digest.cert_id WHERE "
    "request_digest.digest = ?1 AND cert.ca_id = ?2 AND cert.revoked_at IS "
    "NULL AND cert.not_after > ?3";

int
certdb_find_request(struct store *st, int64_t ca_id,
    const unsigned char digest[GF_SHA256_LEN], time_t now,
    char hex[2 * GF_SERIAL_MAX + 1], unsigned char **der, int *derlen)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, request_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_blob(stmt, 1, digest, GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_int64(stmt, 2, ca_id)) != 0 ||
	    (r = store_bind_int64(stmt, 3, (int64_t)now)) != 0) {
		store_done(stmt);
		return r;
	}
	return find_signed_row(st, stmt, hex, der, derlen);
}

static const char record_request_sql[] = "INSERT OR REPLACE INTO "
    "request_digest (digest, cert_id) VALUES (?1, ?2)";

int
certdb_record_request(struct store *st,
    const unsigned char digest[GF_SHA256_LEN], int64_t cert_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, record_request_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_blob(stmt, 1, digest, GF_SHA256_LEN)) == 0 &&
	    (r = store_bind_int64(stmt, 2, cert_id)) == 0 &&
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "record the request's digest");
	store_done(stmt);
	return r;
}


/*
 * Renewals (the renewal table, schema 5): what a renewal copies of a
 * certificate, the link it records, and which certificates are due.
 */
static const char renew_source_sql[] = "SELECT cert.der, cert.label, "
    "cert.template, cert.is_ca, (SELECT hex(n.serial) FROM renewal JOIN "
    "cert n ON n.id = renewal.new_id WHERE renewal.old_id = cert.id), "
    "hex(cert.serial), cert.subject, cert.revoked_at IS NOT NULL, "
    "cert.reason, cert.owner FROM cert WHERE cert.id = ?1";

int
certdb_renew_source(struct store *st, int64_t id, struct renew_source *src)
{
	sqlite3_stmt *stmt;
	int r;

	memset(src, 0, sizeof(*src));
	if ((r = store_cached(st, renew_source_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, id)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = store_fail(st, "read certificate");
		goto out;
	}
	src->is_ca = sqlite3_column_int(stmt, 3);
	src->revoked = sqlite3_column_int(stmt, 7);
	src->reason = sqlite3_column_int(stmt, 8);
	if ((r = x509_from_der(sqlite3_column_blob(stmt, 0),
	    (size_t)sqlite3_column_bytes(stmt, 0), &src->cert)) != 0 ||
	    (r = store_column_dup(stmt, 1, &src->label)) != 0 ||
	    (r = store_column_dup(stmt, 2, &src->template)) != 0 ||
	    (r = store_column_dup(stmt, 4, &src->renewed_by)) != 0 ||
	    (r = store_column_dup(stmt, 5, &src->serial)) != 0 ||
	    (r = store_column_dup(stmt, 6, &src->subject)) != 0 ||
	    (r = store_column_dup(stmt, 9, &src->owner)) != 0)
		certdb_renew_source_clear(src);
 out:
	store_done(stmt);
	return r;
}

void
certdb_renew_source_clear(struct renew_source *src)
{
	X509_free(src->cert);
	free(src->label);
	free(src->template);
	free(src->renewed_by);
	free(src->serial);
	free(src->subject);
	free(src->owner);
	memset(src, 0, sizeof(*src));
}

static const char renew_link_sql[] = "INSERT INTO renewal (old_id, new_id) "
    "VALUES (?1, ?2)";
static const char label_clear_sql[] = "UPDATE cert SET label = NULL "
    "WHERE id = ?1";

int
certdb_renew_link(struct store *st, int64_t old_id, int64_t new_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, renew_link_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, old_id)) == 0 &&
	    (r = store_bind_int64(stmt, 2, new_id)) == 0 &&
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "record the renewal");
	store_done(stmt);
	return r;
}

int
certdb_owner(struct store *st, int64_t id, char **owner)
{
	sqlite3_stmt *stmt;
	int r;

	*owner = NULL;
	if ((r = store_prepare(st, "SELECT owner FROM cert WHERE id = ?1",
	    &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, id)) == 0)
		switch (sqlite3_step(stmt)) {
		case SQLITE_ROW:
			r = store_column_dup(stmt, 0, owner);
			break;
		case SQLITE_DONE:
			r = gf_fail(GF_ERR_NOT_FOUND, "certificate %lld is not "
			    "in the store", (long long)id);
			break;
		default:
			r = store_fail(st, "read the owner");
		}
	sqlite3_finalize(stmt);
	return r;
}

int
certdb_set_owner(struct store *st, int64_t id, const char *owner)
{
	sqlite3_stmt *stmt;
	int r;

	if (owner != NULL && (r = owner_check(owner)) != 0)
		return r;
	if ((r = store_prepare(st, "UPDATE cert SET owner = ?2 WHERE id = ?1",
	    &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, id)) == 0 &&
	    (r = store_bind_text(stmt, 2, owner)) == 0 &&
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "set the owner");
	sqlite3_finalize(stmt);
	return r;
}

int
certdb_label_clear(struct store *st, int64_t id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, label_clear_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, id)) == 0 &&
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "move the label");
	store_done(stmt);
	return r;
}

/* Valid end-entity certificates of a CA expiring in (now, until], not renewed. */
static const char renew_due_sql[] = "SELECT cert.id FROM cert "
    "WHERE cert.ca_id = ?1 AND cert.not_after > ?2 AND cert.not_after <= ?3 "
    "AND cert.revoked_at IS NULL AND cert.is_ca = 0 AND NOT EXISTS "
    "(SELECT 1 FROM renewal WHERE renewal.old_id = cert.id) "
    "ORDER BY cert.not_after, cert.id";

int
certdb_renew_due(struct store *st, int64_t ca_id, time_t now, time_t until,
    int64_t **ids, size_t *count)
{
	sqlite3_stmt *stmt;
	int64_t *grown;
	size_t cap = 0;
	int rc, r;

	*ids = NULL;
	*count = 0;
	if ((r = store_prepare(st, renew_due_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, (int64_t)now)) != 0 ||
	    (r = store_bind_int64(stmt, 3, (int64_t)until)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*count == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			if ((grown = reallocarray(*ids, cap, sizeof(**ids))) ==
			    NULL) {
				r = gf_fail(GF_ERR_ALLOC, "out of memory");
				goto out;
			}
			*ids = grown;
		}
		(*ids)[(*count)++] = sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE)
		r = store_fail(st, "list certificates to renew");
 out:
	if (r != 0) {
		free(*ids);
		*ids = NULL;
		*count = 0;
	}
	sqlite3_finalize(stmt);
	return r;
}

/*
 * The responder's reads (genfic-ocspd links these, and no writer: the
 * build's --gc-sections drops the rest of this file from it).
 */

/* ?3 and ?4 bound the ids to those one CA generation signed. */
static const char status_sql[] = "SELECT revoked_at, reason, invalidity "
    "FROM cert WHERE ca_id = ?1 AND serial = ?2 AND id >= ?3 AND "
    "(?4 = 0 OR id < ?4)";
static const char ca_status_sql[] = "SELECT c.revoked_at, c.reason, "
    "c.invalidity FROM ca JOIN cert AS c ON c.id = ca.cert_id "
    "WHERE ca.id = ?1";
/* A generation without a row is the CA's only one: its ca row's (schema 4). */
static const char gen_status_sql[] = "SELECT revoked_at, reason, invalidity "
    "FROM cert WHERE id = coalesce((SELECT cert_id FROM ca_generation "
    "WHERE ca_id = ?1 AND generation = ?2), (SELECT cert_id FROM ca WHERE "
    "id = ?1))";
static const char fingerprint_status_sql[] = "SELECT revoked_at, reason, "
    "invalidity, ca_id FROM cert WHERE fingerprint = ?1";
const char certdb_ca_certs_sql[] = "SELECT ca.id, cert.der FROM ca "
    "JOIN cert ON cert.id = ca.cert_id";

int
certdb_status_prepare(struct store *st)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, status_sql, &stmt)) != 0)
		return r;
	store_done(stmt);
	if ((r = store_cached(st, ca_status_sql, &stmt)) != 0)
		return r;
	store_done(stmt);
	return 0;
}

static void
status_from_row(sqlite3_stmt *stmt, struct certdb_status *out)
{
	if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		return;
	out->revoked = 1;
	out->revoked_at = (time_t)sqlite3_column_int64(stmt, 0);
	out->reason = sqlite3_column_int(stmt, 1);	/* NULL reads 0 */
	out->invalidity = (time_t)sqlite3_column_int64(stmt, 2);
}

/* Steps stmt, bound: *found whether it had a row, read into *out. */
static int
status_step(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct certdb_status *out, int *found)
{
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		status_from_row(stmt, out);
		*found = 1;
		return 0;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, what);
	}
}

int
certdb_status(struct store *st, int64_t ca_id, const struct serial *serial,
    int64_t first, int64_t end, struct certdb_status *out, int *found)
{
	sqlite3_stmt *stmt;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((r = store_cached(st, status_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) == 0 &&
	    (r = store_bind_blob(stmt, 2, serial->bytes, serial->len)) == 0 &&
	    (r = store_bind_int64(stmt, 3, first)) == 0 &&
	    (r = store_bind_int64(stmt, 4, end)) == 0)
		r = status_step(st, stmt, "look up certificate", out, found);
	store_done(stmt);
	return r;
}

int
certdb_ca_status(struct store *st, int64_t ca_id, int generation,
    struct certdb_status *out, int *found)
{
	sqlite3_stmt *stmt;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	/* Prepared on first use: a store of before schema 4 has no table. */
	if ((r = store_cached(st, generation != 0 ? gen_status_sql :
	    ca_status_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) == 0 &&
	    (generation == 0 || (r = store_bind_int64(stmt, 2,
	    generation)) == 0))
		r = status_step(st, stmt, "look up a CA's certificate", out,
		    found);
	store_done(stmt);
	return r;
}

int
certdb_fingerprint_status(struct store *st,
    const unsigned char md[GF_SHA256_LEN], struct certdb_status *out,
    int *found, int64_t *ca_id)
{
	sqlite3_stmt *stmt;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((r = store_prepare(st, fingerprint_status_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_blob(stmt, 1, md, GF_SHA256_LEN)) == 0)
		r = status_step(st, stmt, "look up a certificate", out, found);
	if (r == 0 && *found && ca_id != NULL)
		*ca_id = sqlite3_column_int64(stmt, 3);
	sqlite3_finalize(stmt);
	return r;
}
