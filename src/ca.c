/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CAs of a store. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

#define CA_NAME_MAX	64
#define CA_COLUMNS	"ca.id, ca.name, ca.parent_id, ca.cert_id, ca.key_ref, " \
			"ca.template, ca.leaf_template, ca.crl_days, ca.crl_url, " \
			"ca.ocsp_url, ca.next_crl_number, cert.der, " \
			"cert.revoked_at IS NOT NULL, ca.issuer_url"

int
ca_name_check(const char *name)
{
	if (!file_name_ok(name, CA_NAME_MAX))
		return gf_fail(GF_ERR_USAGE, "'%s': a CA name is 1 to %d letters, "
		    "digits, '-', '_' and '.', starting with a letter or digit, "
		    "without '..'", name, CA_NAME_MAX);
	return 0;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	free(ca->name);
	free(ca->key_ref);
	free(ca->template);
	free(ca->leaf_template);
	free(ca->crl_url);
	free(ca->ocsp_url);
	free(ca->issuer_url);
	X509_free(ca->cert);
	free(ca);
}

/*
 * What the store holds is used to build paths (private/NAME.key,
 * certs/NAME.crt, --publish and -E --format trust files): a row edited
 * or copied from elsewhere is held to what the command line is.
 */
static int
ca_row_check(const struct ca *ca)
{
	const char *file;
	size_t n;
	int r;

	if ((r = ca_name_check(ca->name)) != 0)
		return gf_fail(GF_ERR_DB, "CA %lld in the store: %s; "
		    "refused, as the name makes file names",
		    (long long)ca->id, gf_errmsg(r));
	if (p11_is_uri(ca->key_ref))
		return 0;	/* the key is on a token, never a path */
	file = ca->key_ref + strlen("file:private/");
	if (strncmp(ca->key_ref, "file:private/", strlen("file:private/")) !=
	    0 || (n = strlen(file)) <= 4 || strcmp(file + n - 4, ".key") != 0 ||
	    !file_name_ok(file, CA_NAME_MAX + 4))
		return gf_fail(GF_ERR_DB, "CA %s in the store: key reference "
		    "'%s' is not file:private/NAME.key nor a pkcs11: URI; "
		    "refused, as it would be read as a path", ca->name,
		    ca->key_ref);
	return 0;
}

static int
ca_from_row(sqlite3_stmt *stmt, struct ca **out)
{
	struct ca *ca;
	int r = 0, oom;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	ca->id = sqlite3_column_int64(stmt, 0);
	ca->parent_id = sqlite3_column_int64(stmt, 2);
	ca->cert_id = sqlite3_column_int64(stmt, 3);
	ca->crl_days = sqlite3_column_int(stmt, 7);
	ca->next_crl_number = sqlite3_column_int64(stmt, 10);
	ca->revoked = sqlite3_column_int(stmt, 12);
	/* A URL lost to a failed copy would drop from what the CA issues. */
	oom = store_column_dup(stmt, 1, &ca->name) != 0 ||
	    store_column_dup(stmt, 4, &ca->key_ref) != 0 ||
	    store_column_dup(stmt, 5, &ca->template) != 0 ||
	    store_column_dup(stmt, 6, &ca->leaf_template) != 0 ||
	    store_column_dup(stmt, 8, &ca->crl_url) != 0 ||
	    store_column_dup(stmt, 9, &ca->ocsp_url) != 0 ||
	    store_column_dup(stmt, 13, &ca->issuer_url) != 0;
	if (oom)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	else if (ca->name == NULL || ca->key_ref == NULL ||
	    ca->template == NULL || ca->leaf_template == NULL)
		r = gf_fail(GF_ERR_DB, "CA row %lld lacks its name, key or "
		    "templates", (long long)ca->id);
	else if ((r = ca_row_check(ca)) != 0)
		;
	else if (sqlite3_column_type(stmt, 11) != SQLITE_BLOB)
		r = gf_fail(GF_ERR_DB, "CA %s has no certificate in the store",
		    ca->name);
	else
		r = x509_from_der(sqlite3_column_blob(stmt, 11),
		    (size_t)sqlite3_column_bytes(stmt, 11), &ca->cert);
	if (r != 0) {
		ca_free(ca);
		return r;
	}
	*out = ca;
	return 0;
}

static int
ca_query(struct store *st, const char *where, const char *name, int64_t id,
    struct ca **ca)
{
	sqlite3_stmt *stmt;
	char *sql;
	int r;

	if (asprintf(&sql, "SELECT " CA_COLUMNS " FROM ca LEFT JOIN cert ON "
	    "cert.id = ca.cert_id WHERE %s", where) == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = store_prepare(st, sql, &stmt);
	free(sql);
	if (r != 0)
		return r;
	if ((r = name != NULL ? store_bind_text(stmt, 1, name) :
	    store_bind_int64(stmt, 1, id)) != 0) {
		sqlite3_finalize(stmt);
		return r;
	}
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		r = ca_from_row(stmt, ca);
		break;
	case SQLITE_DONE:
		if (name != NULL)
			r = gf_fail(GF_ERR_NOT_FOUND, "no CA named '%s' in %s",
			    name, st->dir);
		else
			r = gf_fail(GF_ERR_NOT_FOUND, "no CA with id %lld",
			    (long long)id);
		break;
	default:
		r = store_fail(st, "read CA");
	}
	sqlite3_finalize(stmt);
	return r;
}

void
ca_free_all(struct ca **cas, size_t count)
{
	size_t i;

	if (cas == NULL)
		return;
	for (i = 0; i < count; i++)
		ca_free(cas[i]);
	free(cas);
}

int
ca_load_ids(struct store *st, sqlite3_stmt *ids, struct ca ***out,
    size_t *count)
{
	struct ca **cas = NULL, **grown;
	size_t n = 0;
	int step, r = 0;

	while ((step = sqlite3_step(ids)) == SQLITE_ROW) {
		if ((grown = reallocarray(cas, n + 1, sizeof(*cas))) == NULL) {
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			goto out;
		}
		cas = grown;
		if ((r = ca_load_id(st, sqlite3_column_int64(ids, 0),
		    &cas[n])) != 0)
			goto out;
		n++;
	}
	if (step != SQLITE_DONE) {
		r = store_fail(st, "read CAs");
		goto out;
	}
	*out = cas;
	*count = n;
	cas = NULL;
	n = 0;
 out:
	ca_free_all(cas, n);
	return r;
}

int
ca_load(struct store *st, const char *name, struct ca **ca)
{
	return ca_query(st, "ca.name = ?1", name, 0, ca);
}

int
ca_load_id(struct store *st, int64_t id, struct ca **ca)
{
	return ca_query(st, "ca.id = ?1", NULL, id, ca);
}

int
ca_insert(struct store *st, struct ca *ca)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "INSERT INTO ca (name, parent_id, key_ref, "
	    "template, leaf_template, crl_days, crl_url, ocsp_url, created, "
	    "issuer_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, ca->name)) != 0 ||
	    (ca->parent_id != 0 &&
	    (r = store_bind_int64(stmt, 2, ca->parent_id)) != 0) ||
	    (r = store_bind_text(stmt, 3, ca->key_ref)) != 0 ||
	    (r = store_bind_text(stmt, 4, ca->template)) != 0 ||
	    (r = store_bind_text(stmt, 5, ca->leaf_template)) != 0 ||
	    (r = store_bind_int64(stmt, 6, ca->crl_days)) != 0 ||
	    (r = store_bind_text(stmt, 7, ca->crl_url)) != 0 ||
	    (r = store_bind_text(stmt, 8, ca->ocsp_url)) != 0 ||
	    (r = store_bind_int64(stmt, 9, (int64_t)time(NULL))) != 0 ||
	    (r = store_bind_text(stmt, 10, ca->issuer_url)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
			r = gf_fail(GF_ERR_EXISTS, "a CA named '%s' already "
			    "exists", ca->name);
		else
			r = store_fail(st, "insert CA");
	} else
		ca->id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(stmt);
	return r;
}

int
ca_set_cert(struct store *st, int64_t ca_id, int64_t cert_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "UPDATE ca SET cert_id = ?1 WHERE id = ?2",
	    &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, cert_id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, ca_id)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "update CA");
	sqlite3_finalize(stmt);
	return r;
}

char *
ca_key_path(const struct store *st, const struct ca *ca)
{
	if (p11_is_uri(ca->key_ref))
		return strdup(ca->key_ref);
	/* ca_row_check() made it "file:private/NAME.key". */
	return store_path(st, NULL, ca->key_ref + strlen("file:"), NULL);
}

int
ca_key_load(struct store *st, const struct ca *ca,
    const struct passphrase *pass, EVP_PKEY **out)
{
	EVP_PKEY *key = NULL;
	char *path;
	int r;

	if ((path = ca_key_path(st, ca)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = key_load(path, pass, &key)) != 0)
		goto out;
	/*
	 * A key left in private/ by another CA must never sign for this one,
	 * nor one whose private half no longer makes the signatures its
	 * public half verifies (key_signs_for()).
	 */
	if (X509_check_private_key(ca->cert, key) != 1 ||
	    !key_signs_for(key, ca->cert)) {
		gf_errclear();
		r = gf_fail(GF_ERR_POLICY, "key %s does not match the CA "
		    "certificate", strncmp(ca->key_ref, "file:", 5) == 0 ?
		    ca->key_ref + 5 : ca->key_ref);
		goto out;
	}
	*out = key;
	key = NULL;
 out:
	EVP_PKEY_free(key);
	free(path);
	return r;
}

int
ca_update(struct store *st, const struct ca *ca)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "UPDATE ca SET crl_url = ?2, ocsp_url = ?3, "
	    "crl_days = ?4, issuer_url = ?5 WHERE id = ?1", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_text(stmt, 2, ca->crl_url)) != 0 ||
	    (r = store_bind_text(stmt, 3, ca->ocsp_url)) != 0 ||
	    (r = store_bind_int64(stmt, 4, ca->crl_days)) != 0 ||
	    (r = store_bind_text(stmt, 5, ca->issuer_url)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "update CA");
	sqlite3_finalize(stmt);
	return r;
}

#define CA_ISO(col)	"strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

/* The settings and state of CA ?1, at time ?2, as one JSON object. */
static const char ca_settings_sql[] =
    "SELECT json_object('name', ca.name, 'parent', "
    "(SELECT p.name FROM ca p WHERE p.id = ca.parent_id), "
    "'subject', cert.subject, "
    "'status', CASE WHEN cert.revoked_at IS NOT NULL THEN 'revoked' "
    "WHEN cert.not_after <= ?2 THEN 'expired' ELSE 'valid' END, "
    "'not_before', " CA_ISO("cert.not_before") ", "
    "'not_after', " CA_ISO("cert.not_after") ", "
    "'serial', hex(cert.serial), 'template', ca.template, "
    "'child_template', ca.leaf_template, 'key', ca.key_ref, "
    "'key_type', ?3, 'key_encrypted', json(?4), 'pathlen', ?5, "
    "'crl_days', ca.crl_days, 'crl_url', ca.crl_url, "
    "'ocsp_url', ca.ocsp_url, 'issuer_url', ca.issuer_url, "
    "'crl_number', last.number, 'next_crl_number', ca.next_crl_number, "
    "'crl_this_update', " CA_ISO("last.this_update") ", "
    "'crl_next_update', " CA_ISO("last.next_update") ") "
    "FROM ca JOIN cert ON cert.id = ca.cert_id "
    "LEFT JOIN (SELECT number, this_update, next_update FROM crl "
    "WHERE ca_id = ?1 ORDER BY number DESC LIMIT 1) AS last "
    "WHERE ca.id = ?1";

int
ca_settings(struct store *st, const struct ca *ca, char **json)
{
	EVP_PKEY *pub;
	sqlite3_stmt *stmt;
	char key_type[64] = "unknown", *path;
	const char *text;
	long pathlen = X509_get_pathlen(ca->cert);
	int r, encrypted = 0;

	if ((pub = X509_get0_pubkey(ca->cert)) != NULL)
		key_describe(pub, key_type, sizeof(key_type));
	if ((path = ca_key_path(st, ca)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	/* A token's key never leaves it, whether or not a PIN is asked. */
	encrypted = p11_is_uri(ca->key_ref) || key_is_encrypted(path);
	free(path);
	if ((r = store_prepare(st, ca_settings_sql, &stmt)) != 0)
		return r;
	/* key_type lives until the statement is finalized. */
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, (int64_t)time(NULL))) != 0 ||
	    (r = store_bind_text(stmt, 3, key_type)) != 0 ||
	    (r = store_bind_text(stmt, 4, encrypted ? "true" : "false")) != 0 ||
	    (pathlen >= 0 && (r = store_bind_int64(stmt, 5, pathlen)) != 0))
		;
	else if (sqlite3_step(stmt) != SQLITE_ROW)
		r = store_fail(st, "CA settings");
	else if ((text = (const char *)sqlite3_column_text(stmt, 0)) == NULL ||
	    (*json = strdup(text)) == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	sqlite3_finalize(stmt);
	return r;
}

/* NAME without a trailing generation: "genfic-system-2027" -> "genfic-system". */
static size_t
ca_stem_len(const char *name)
{
	size_t n = strlen(name);

	while (n > 0 && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	while (n > 0 && strchr("-_.", name[n - 1]) != NULL)
		n--;
	return n;
}

int
ca_predecessor(struct store *st, int64_t parent_id, const char *name,
    struct ca **pred)
{
	sqlite3_stmt *stmt;
	const char *other;
	size_t stem = ca_stem_len(name);
	int64_t id = 0;
	int step, r;

	if (stem == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "no predecessor");
	if ((r = store_prepare(st, "SELECT id, name FROM ca WHERE parent_id = "
	    "?1 AND name != ?2 ORDER BY id DESC", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, parent_id)) != 0 ||
	    (r = store_bind_text(stmt, 2, name)) != 0)
		goto out;
	while (id == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		other = (const char *)sqlite3_column_text(stmt, 1);
		if (other != NULL && ca_stem_len(other) == stem &&
		    strncmp(other, name, stem) == 0)
			id = sqlite3_column_int64(stmt, 0);
	}
	if (id == 0 && step != SQLITE_DONE)
		r = store_fail(st, "find the CA's predecessor");
	else if (id == 0)
		r = gf_fail(GF_ERR_NOT_FOUND, "no predecessor");
 out:
	sqlite3_finalize(stmt);
	return r == 0 ? ca_load_id(st, id, pred) : r;
}

int
ca_raise_crl_number(struct store *st, int64_t ca_id, int64_t next,
    int *changed)
{
	sqlite3_stmt *stmt;
	int r;

	*changed = 0;
	if ((r = store_prepare(st, "UPDATE ca SET next_crl_number = ?2 "
	    "WHERE id = ?1 AND next_crl_number < ?2", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca_id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, next)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "crlnumber");
	else
		*changed = sqlite3_changes(st->db) > 0;
	sqlite3_finalize(stmt);
	return r;
}

int
ca_load_with_issuers(struct store *st, const char *name, struct ca ***cas,
    size_t *n)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "WITH RECURSIVE up(id) AS (SELECT id "
	    "FROM ca WHERE ?1 = 'all' OR name = ?1 UNION SELECT ca.parent_id "
	    "FROM ca JOIN up ON ca.id = up.id WHERE ca.parent_id IS NOT NULL) "
	    "SELECT ca.id FROM ca JOIN up ON up.id = ca.id WHERE ca.cert_id "
	    "IS NOT NULL ORDER BY ca.id", &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, name)) == 0)
		r = ca_load_ids(st, stmt, cas, n);
	sqlite3_finalize(stmt);
	if (r == 0 && *n == 0)
		r = gf_fail(GF_ERR_NOT_FOUND, "no CA named '%s'", name);
	return r;
}
