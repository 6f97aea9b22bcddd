/* The CAs of a store. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
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

static char *
column_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s != NULL ? strdup((const char *)s) : NULL;
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
	file = ca->key_ref + strlen("file:private/");
	if (strncmp(ca->key_ref, "file:private/", strlen("file:private/")) !=
	    0 || (n = strlen(file)) <= 4 || strcmp(file + n - 4, ".key") != 0 ||
	    !file_name_ok(file, CA_NAME_MAX + 4))
		return gf_fail(GF_ERR_DB, "CA %s in the store: key reference "
		    "'%s' is not file:private/NAME.key; refused, as it would "
		    "be read as a path", ca->name, ca->key_ref);
	return 0;
}

static int
ca_from_row(sqlite3_stmt *stmt, struct ca **out)
{
	struct ca *ca;
	int r = 0;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	ca->id = sqlite3_column_int64(stmt, 0);
	ca->name = column_strdup(stmt, 1);
	ca->parent_id = sqlite3_column_int64(stmt, 2);
	ca->cert_id = sqlite3_column_int64(stmt, 3);
	ca->key_ref = column_strdup(stmt, 4);
	ca->template = column_strdup(stmt, 5);
	ca->leaf_template = column_strdup(stmt, 6);
	ca->crl_days = sqlite3_column_int(stmt, 7);
	ca->crl_url = column_strdup(stmt, 8);
	ca->ocsp_url = column_strdup(stmt, 9);
	ca->next_crl_number = sqlite3_column_int64(stmt, 10);
	ca->revoked = sqlite3_column_int(stmt, 12);
	ca->issuer_url = column_strdup(stmt, 13);
	if (ca->name == NULL || ca->key_ref == NULL || ca->template == NULL ||
	    ca->leaf_template == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
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
	if (name != NULL)
		sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, id);
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

static void
bind_text_or_null(sqlite3_stmt *stmt, int col, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, col);
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
	sqlite3_bind_text(stmt, 1, ca->name, -1, SQLITE_STATIC);
	if (ca->parent_id != 0)
		sqlite3_bind_int64(stmt, 2, ca->parent_id);
	sqlite3_bind_text(stmt, 3, ca->key_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, ca->template, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, ca->leaf_template, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, ca->crl_days);
	bind_text_or_null(stmt, 7, ca->crl_url);
	bind_text_or_null(stmt, 8, ca->ocsp_url);
	sqlite3_bind_int64(stmt, 9, (sqlite3_int64)time(NULL));
	bind_text_or_null(stmt, 10, ca->issuer_url);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
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
	sqlite3_bind_int64(stmt, 1, cert_id);
	sqlite3_bind_int64(stmt, 2, ca_id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "update CA");
	sqlite3_finalize(stmt);
	return r;
}

char *
ca_key_path(const struct store *st, const struct ca *ca)
{
	/* ca_row_check() made it "file:private/NAME.key". */
	return store_path(st, NULL, ca->key_ref + strlen("file:"), NULL);
}

int
ca_update(struct store *st, const struct ca *ca)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "UPDATE ca SET crl_url = ?2, ocsp_url = ?3, "
	    "crl_days = ?4, issuer_url = ?5 WHERE id = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca->id);
	bind_text_or_null(stmt, 2, ca->crl_url);
	bind_text_or_null(stmt, 3, ca->ocsp_url);
	sqlite3_bind_int(stmt, 4, ca->crl_days);
	bind_text_or_null(stmt, 5, ca->issuer_url);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "update CA");
	sqlite3_finalize(stmt);
	return r;
}
