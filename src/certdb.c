/* Certificate rows. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
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

/* basicConstraints cA (X509_get_extension_flags() would hash the whole certificate). */
static int
cert_is_ca(X509 *cert)
{
	BASIC_CONSTRAINTS *bc;
	int ca;

	if ((bc = X509_get_ext_d2i(cert, NID_basic_constraints, NULL,
	    NULL)) == NULL)
		return 0;
	ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

int
certdb_row(X509 *cert, struct cert_row *row)
{
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = serial_from_asn1(X509_get0_serialNumber(cert),
	    &row->serial)) != 0 ||
	    (r = asn1_time_to_unix(X509_get0_notBefore(cert),
	    &row->not_before)) != 0 ||
	    (r = asn1_time_to_unix(X509_get0_notAfter(cert),
	    &row->not_after)) != 0 ||
	    (r = spki_hash(X509_get_X509_PUBKEY(cert), row->spki_hash)) != 0 ||
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
	    EVP_sha256(), NULL)) {
		r = gf_fail_crypto("encode certificate");
		goto out;
	}
	snprintf(row->subject_hash, sizeof(row->subject_hash), "%08lx",
	    X509_subject_name_hash(cert));
	row->is_ca = cert_is_ca(cert);
 out:
	if (r != 0)
		certdb_row_clear(row);
	return r;
}

static const char insert_sql[] = "INSERT INTO cert (ca_id, serial, subject, "
    "san, not_before, not_after, is_ca, label, template, fingerprint, "
    "subject_hash, spki_hash, issued, der, cn) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

int
certdb_insert_row(struct store *st, int64_t ca_id, const struct cert_row *row,
    const char *label, const char *template, int64_t *cert_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, insert_sql, &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca_id);
	sqlite3_bind_blob(stmt, 2, row->serial.bytes, (int)row->serial.len,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, row->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, row->san, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)row->not_before);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)row->not_after);
	sqlite3_bind_int(stmt, 7, row->is_ca);
	sqlite3_bind_text(stmt, 8, label, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, template, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 10, row->fingerprint, GF_SHA256_LEN,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, row->subject_hash, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 12, row->spki_hash, GF_SHA256_LEN,
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 13, (sqlite3_int64)time(NULL));
	sqlite3_bind_blob(stmt, 14, row->der, row->derlen, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 15, row->cn, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE ?
		    gf_fail(GF_ERR_CONFLICT, "serial number or certificate "
		    "already in the store") : store_fail(st, "insert certificate");
	else if (cert_id != NULL)
		*cert_id = sqlite3_last_insert_rowid(st->db);
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
	r = certdb_insert_row(st, ca_id, &row, label, template, cert_id);
	certdb_row_clear(&row);
	return r;
}

int
certdb_find(struct store *st, const char *ca, const char *value, int64_t *ids,
    size_t max, size_t *count)
{
	struct serial serial;
	unsigned char md[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	size_t i;
	int step, r, is_serial, is_md;

	is_serial = serial_from_hex(value, &serial) == 0;
	is_md = strlen(value) == 2 * GF_SHA256_LEN &&
	    strspn(value, "0123456789abcdefABCDEF") == 2 * GF_SHA256_LEN;
	for (i = 0; is_md && i < GF_SHA256_LEN; i++)
		sscanf(value + 2 * i, "%2hhx", &md[i]);
	gf_errclear();
	/* Each alternative has its own index; "+" keeps the sort off them. */
	if ((r = store_prepare(st, "SELECT cert.id FROM cert JOIN ca ON ca.id = "
	    "cert.ca_id WHERE (?1 IS NULL OR ca.name = ?1) AND (cert.serial = ?2 "
	    "OR cert.label = ?3 OR cert.subject_hash = lower(?3) OR "
	    "cert.fingerprint = ?4) ORDER BY +cert.not_after", &stmt)) != 0)
		return r;
	if (ca != NULL)
		sqlite3_bind_text(stmt, 1, ca, -1, SQLITE_STATIC);
	if (is_serial)
		sqlite3_bind_blob(stmt, 2, serial.bytes, (int)serial.len,
		    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, value, -1, SQLITE_STATIC);
	if (is_md)
		sqlite3_bind_blob(stmt, 4, md, sizeof(md), SQLITE_STATIC);
	*count = 0;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*count < max)
			ids[*count] = sqlite3_column_int64(stmt, 0);
		(*count)++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "look up certificate");
	else if (*count == 0)
		r = gf_fail(GF_ERR_NOT_FOUND, "no certificate matches '%s'",
		    value);
	sqlite3_finalize(stmt);
	return r;
}

int
certdb_load(struct store *st, int64_t id, X509 **cert, int64_t *ca_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT der, ca_id FROM cert WHERE id = ?1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW)
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
	sqlite3_bind_int64(stmt, 1, ca_id);
	sqlite3_bind_blob(stmt, 2, serial->bytes, (int)serial->len, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
	if (cn != NULL)
		sqlite3_bind_text(stmt, 4, cn, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)not_after);
	sqlite3_bind_text(stmt, 6, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)time(NULL));
	if (sqlite3_step(stmt) != SQLITE_DONE)
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
	sqlite3_bind_int64(stmt, 1, ca_id);
	sqlite3_bind_text(stmt, 2, label, -1, SQLITE_STATIC);
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

int
certdb_count(struct store *st, int64_t ca_id, int64_t *count)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT count(*) FROM cert WHERE ?1 = 0 OR "
	    "ca_id = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca_id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*count = sqlite3_column_int64(stmt, 0);
	else
		r = store_fail(st, "count certificates");
	sqlite3_finalize(stmt);
	return r;
}
