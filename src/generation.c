/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CA generations (db/migrate-4.sql): the keys a CA has had under one
 * name, each with its current certificate, and the range of certificate
 * ids each signed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/p11.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

/* The generation of the issuer that signed cert (a row of cert). */
#define GENERATION_OF_CERT \
	"coalesce((SELECT max(g.generation) FROM ca_generation AS g WHERE " \
	"g.ca_id = cert.ca_id AND g.first_cert <= cert.id), 1)"

void
generation_free_all(struct generation *gens, size_t count)
{
	size_t i;

	if (gens == NULL)
		return;
	for (i = 0; i < count; i++) {
		free(gens[i].key_ref);
		X509_free(gens[i].cert);
	}
	free(gens);
}

/* The one generation of a CA that has no rows: its ca row. */
static int
generation_implicit(const struct ca *ca, struct generation **gens,
    size_t *count)
{
	struct generation *g;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->key_ref = strdup(ca->key_ref)) == NULL) {
		free(g);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	g->number = 1;
	g->cert_id = ca->cert_id;
	g->cert = ca->cert;
	X509_up_ref(g->cert);
	*gens = g;
	*count = 1;
	return 0;
}

static int
generation_from_row(sqlite3_stmt *stmt, struct generation *g)
{
	const unsigned char *ref = sqlite3_column_text(stmt, 1);

	g->number = sqlite3_column_int(stmt, 0);
	g->cert_id = sqlite3_column_int64(stmt, 2);
	g->first_cert = sqlite3_column_int64(stmt, 3);
	g->recorded = 1;
	if (ref == NULL || (g->key_ref = strdup((const char *)ref)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (sqlite3_column_type(stmt, 4) != SQLITE_BLOB)
		return gf_fail(GF_ERR_DB, "generation %d has no certificate "
		    "in the store", g->number);
	return x509_from_der(sqlite3_column_blob(stmt, 4),
	    (size_t)sqlite3_column_bytes(stmt, 4), &g->cert);
}

/*
 * The key file a generation names is read as a path: held to what the
 * store writes, as ca_load() holds the ca row's.
 */
static int
generation_check(const struct ca *ca, const struct generation *g)
{
	char want[160];

	if (p11_is_uri(g->key_ref))
		return 0;	/* on a token, never a path */
	if (g->number == 1)
		snprintf(want, sizeof(want), "file:private/%s.key", ca->name);
	else
		snprintf(want, sizeof(want), "file:private/%s.%d.key", ca->name,
		    g->number);
	if (strcmp(g->key_ref, want) != 0)
		return gf_fail(GF_ERR_DB, "CA %s generation %d in the store: "
		    "key reference '%s' is not %s; refused, as it would be "
		    "read as a path", ca->name, g->number, g->key_ref, want + 5);
	return 0;
}

static int
generation_read(struct store *st, const struct ca *ca,
    struct generation **out, size_t *count)
{
	struct generation *gens = NULL, *grown;
	sqlite3_stmt *stmt;
	size_t n = 0;
	int step, r;

	if ((r = store_prepare(st, "SELECT g.generation, g.key_ref, g.cert_id, "
	    "g.first_cert, cert.der FROM ca_generation AS g LEFT JOIN cert ON "
	    "cert.id = g.cert_id WHERE g.ca_id = ?1 ORDER BY g.generation",
	    &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((grown = reallocarray(gens, n + 1, sizeof(*gens))) == NULL) {
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			goto out;
		}
		gens = grown;
		memset(&gens[n], 0, sizeof(gens[n]));
		n++;
		if ((r = generation_from_row(stmt, &gens[n - 1])) != 0 ||
		    (r = generation_check(ca, &gens[n - 1])) != 0)
			goto out;
		if (n > 1)
			gens[n - 2].end_cert = gens[n - 1].first_cert;
	}
	if (step != SQLITE_DONE) {
		r = store_fail(st, "read generations");
		goto out;
	}
	*out = gens;
	*count = n;
	gens = NULL;
	n = 0;
 out:
	sqlite3_finalize(stmt);
	generation_free_all(gens, n);
	return r;
}

int
generation_list(struct store *st, const struct ca *ca,
    struct generation **gens, size_t *count)
{
	int has = 0, r;

	if ((r = store_has_table(st, "ca_generation", &has)) != 0)
		return r;
	if (has && (r = generation_read(st, ca, gens, count)) != 0)
		return r;
	if (has && *count > 0)
		return 0;
	if (has)
		free(*gens);
	return generation_implicit(ca, gens, count);
}

int
generation_ca(const struct ca *ca, const struct generation *g,
    struct ca **out)
{
	struct ca *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	*c = *ca;
	c->name = strdup(ca->name);
	c->key_ref = strdup(g->key_ref);
	c->template = strdup(ca->template);
	c->leaf_template = strdup(ca->leaf_template);
	c->crl_url = ca->crl_url != NULL ? strdup(ca->crl_url) : NULL;
	c->ocsp_url = ca->ocsp_url != NULL ? strdup(ca->ocsp_url) : NULL;
	c->issuer_url = ca->issuer_url != NULL ? strdup(ca->issuer_url) : NULL;
	c->cert_id = g->cert_id;
	c->cert = g->cert;
	X509_up_ref(c->cert);
	if (c->name == NULL || c->key_ref == NULL || c->template == NULL ||
	    c->leaf_template == NULL ||
	    (ca->crl_url != NULL && c->crl_url == NULL) ||
	    (ca->ocsp_url != NULL && c->ocsp_url == NULL) ||
	    (ca->issuer_url != NULL && c->issuer_url == NULL)) {
		ca_free(c);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	*out = c;
	return 0;
}

int
generation_live(struct store *st, const struct ca *ca,
    const struct generation *g, time_t now, int *live)
{
	if (g->end_cert == 0) {
		*live = 1;
		return 0;
	}
	return certdb_live_between(st, ca, g->first_cert, g->end_cert, now,
	    live);
}

int
generation_issuer(struct store *st, const struct ca *ca, X509 *cert,
    X509 **out)
{
	struct generation *gens = NULL;
	X509 *found = ca->cert;
	size_t n = 0, i;
	int r;

	if ((r = generation_list(st, ca, &gens, &n)) != 0)
		return r;
	for (i = n; cert != NULL && i-- > 0;)
		if (X509_check_issued(gens[i].cert, cert) == X509_V_OK) {
			found = gens[i].cert;
			break;
		}
	if (!X509_up_ref(found))
		r = gf_fail_crypto("certificate");
	else
		*out = found;
	generation_free_all(gens, n);
	return r;
}

int
generation_sql(struct store *st, const char **expr)
{
	sqlite3_stmt *stmt;
	int has = 0, r;

	*expr = "1";
	if ((r = store_has_table(st, "ca_generation", &has)) != 0 || !has)
		return r;
	if ((r = store_prepare(st, "SELECT 1 FROM ca_generation WHERE "
	    "generation > 1 LIMIT 1", &stmt)) != 0)
		return r;
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		*expr = GENERATION_OF_CERT;
		break;
	case SQLITE_DONE:
		break;
	default:
		r = store_fail(st, "read generations");
	}
	sqlite3_finalize(stmt);
	return r;
}

int
generation_record(struct store *st, const struct ca *ca,
    const struct generation *g, const char *operation)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "INSERT INTO ca_generation (ca_id, "
	    "generation, key_ref, cert_id, first_cert, created) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6) ON CONFLICT (ca_id, generation) DO UPDATE SET "
	    "cert_id = excluded.cert_id", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, g->number)) != 0 ||
	    (r = store_bind_text(stmt, 3, g->key_ref)) != 0 ||
	    (r = store_bind_int64(stmt, 4, g->cert_id)) != 0 ||
	    (r = store_bind_int64(stmt, 5, g->first_cert)) != 0 ||
	    (r = store_bind_int64(stmt, 6, (int64_t)time(NULL))) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "record generation");
	sqlite3_finalize(stmt);
	return r != 0 ? r : audit_append_generation(st, operation, ca->name,
	    g->number);
}

int
generation_make_current(struct store *st, const struct ca *ca,
    const struct generation *g)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "UPDATE ca SET cert_id = ?2, key_ref = ?3 "
	    "WHERE id = ?1", &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, g->cert_id)) != 0 ||
	    (r = store_bind_text(stmt, 3, g->key_ref)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "update CA");
	sqlite3_finalize(stmt);
	return r;
}

int
generation_chain(struct store *st, int64_t ca_id, X509 *cert, int with_root,
    STACK_OF(X509) **out)
{
	STACK_OF(X509) *chain;
	struct ca *ca;
	X509 *child = cert, *issuer;
	int r = 0;

	if ((chain = sk_X509_new_null()) == NULL)
		return gf_fail_crypto("chain");
	while (ca_id != 0) {
		if ((r = ca_load_id(st, ca_id, &ca)) != 0)
			break;
		r = generation_issuer(st, ca, child, &issuer);
		ca_id = ca->parent_id;
		ca_free(ca);
		if (r != 0)
			break;
		if (ca_id == 0 && !with_root) {
			X509_free(issuer);
			break;
		}
		if (!sk_X509_push(chain, issuer)) {
			X509_free(issuer);
			r = gf_fail_crypto("chain");
			break;
		}
		child = issuer;	/* held by the chain */
	}
	if (r != 0) {
		sk_X509_pop_free(chain, X509_free);
		return r;
	}
	*out = chain;
	return 0;
}
