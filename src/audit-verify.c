/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --audit-verify: the chain walked, replayed against the cert, ca and crl
 * tables, and checked against the signed checkpoints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "audit-local.h"

#define AUDIT_CHECKPOINT_MAX	4096	/* a checkpoint file's size */

struct verify {
	struct store		*st;
	struct audit_report	*rep;
	sqlite3_stmt		*remember;	/* into temp.audit_latest */
	sqlite3_stmt		*recall;	/* and out of it */
	int64_t			 stated;	/* the first entry with a state */
};

static void
finding(struct audit_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
finding(struct audit_report *rep, const char *fmt, ...)
{
	va_list ap;
	char *s;

	rep->problems++;
	if (rep->nfindings >= AUDIT_FINDINGS_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) != -1)
		rep->findings[rep->nfindings++] = s;
	va_end(ap);
}

void
audit_report_clear(struct audit_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nfindings; i++)
		free(rep->findings[i]);
	memset(rep, 0, sizeof(*rep));
}

static int
verify_setup(struct verify *v)
{
	struct store *st = v->st;

	/*
	 * The list holds an entry per row of the store, looked up by random
	 * serial: with SQLite's 2 MiB default it spills to a file and each
	 * lookup reads and writes pages.  64 MiB hold it for 5 * 10^5 rows
	 * (10^6 certificates: 102 s before, 24 to 43 s with it, 77 MiB peak).
	 */
	if (sqlite3_exec(st->db, "PRAGMA temp.cache_size = -65536", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(st, "audit");
	if (sqlite3_exec(st->db, "CREATE TEMP TABLE audit_latest (kind TEXT, "
	    "ca TEXT, key TEXT, entry INTEGER, operation TEXT, state BLOB, "
	    "PRIMARY KEY (kind, ca, key)) WITHOUT ROWID", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(st, "audit");
	if (store_prepare(st, "INSERT OR REPLACE INTO temp.audit_latest VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6)", &v->remember) != 0 ||
	    store_prepare(st, "DELETE FROM temp.audit_latest WHERE kind = ?1 "
	    "AND ca = ?2 AND key = ?3 RETURNING entry, operation, state",
	    &v->recall) != 0)
		return GF_ERR_DB;
	return 0;
}

static void
verify_cleanup(struct verify *v)
{
	sqlite3_finalize(v->remember);
	sqlite3_finalize(v->recall);
	sqlite3_exec(v->st->db, "DROP TABLE IF EXISTS temp.audit_latest", NULL,
	    NULL, NULL);
}

/* Notes that entry id is now the newest to have changed (kind, ca, key). */
static int
verify_remember(struct verify *v, const char *kind, const char *ca,
    const char *key, int64_t id, const char *op, const unsigned char *state)
{
	sqlite3_stmt *s = v->remember;
	int r = 0;

	if ((r = store_bind_text(s, 1, kind)) != 0 ||
	    (r = store_bind_text(s, 2, ca)) != 0 ||
	    (r = store_bind_text(s, 3, key)) != 0 ||
	    (r = store_bind_int64(s, 4, id)) != 0 ||
	    (r = store_bind_text(s, 5, op)) != 0 ||
	    (r = store_bind_blob(s, 6, state, GF_SHA256_LEN)) != 0)
		;
	else if (sqlite3_step(s) != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	store_done(s);
	return r;
}

/*
 * What entry e changed.  Entries of before schema 3 name it only by
 * their fields: gencrl a CRL (and its CA), a serial a certificate, else
 * the CA.
 */
static int
verify_note(struct verify *v, int64_t id, const struct audit_entry *e)
{
	const unsigned char *s1 = NULL, *s2 = NULL;
	const char *object = e->object;
	int r;

	if (object != NULL && e->statelen == GF_SHA256_LEN)
		s1 = e->state;
	else if (object != NULL && e->statelen == 2 * GF_SHA256_LEN) {
		s1 = e->state;
		s2 = e->state + GF_SHA256_LEN;
	}
	if (object == NULL)
		object = strcmp(e->operation, "gencrl") == 0 ? "crl" :
		    *e->serial != '\0' ? "cert" : "ca";
	if (strcmp(object, "ca") == 0)
		return verify_remember(v, "ca", e->ca, "", id, e->operation, s1);
	if ((r = verify_remember(v, object, e->ca, e->serial, id,
	    e->operation, s1)) != 0)
		return r;
	if (strcmp(object, "crl") == 0)
		return verify_remember(v, "ca", e->ca, "", id, e->operation,
		    e->object != NULL ? s2 : NULL);
	return 0;
}

static const char *
column_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s != NULL ? (const char *)s : "";
}

/* One entry: its link to the one before, its hash, its place. */
static void
verify_entry(struct verify *v, int64_t id, const struct audit_entry *e,
    sqlite3_stmt *stmt, const unsigned char prev[GF_SHA256_LEN],
    int64_t previd, const unsigned char hash[GF_SHA256_LEN])
{
	struct audit_report *rep = v->rep;
	int bad = 0;

	if (sqlite3_column_bytes(stmt, 8) != GF_SHA256_LEN ||
	    memcmp(sqlite3_column_blob(stmt, 8), prev, GF_SHA256_LEN) != 0) {
		bad = 1;
		if (previd == 0)
			finding(rep, "chain broken at entry %lld: it is the "
			    "first entry, but does not start the chain (entries "
			    "before it deleted?)", (long long)id);
		else
			finding(rep, "chain broken at entry %lld: it does not "
			    "follow entry %lld (an entry between them deleted, "
			    "or entries reordered)", (long long)id,
			    (long long)previd);
	}
	if (sqlite3_column_bytes(stmt, 9) != GF_SHA256_LEN ||
	    memcmp(sqlite3_column_blob(stmt, 9), hash, GF_SHA256_LEN) != 0) {
		bad = 1;
		finding(rep, "chain broken at entry %lld: its content does not "
		    "match its hash (edited)", (long long)id);
	}
	if (e->object == NULL && v->stated != 0) {
		bad = 1;
		finding(rep, "entry %lld (%s %s %s) commits to no state, but "
		    "follows entry %lld, which does (edited?)", (long long)id,
		    e->operation, e->ca, e->serial, (long long)v->stated);
	}
	if (bad && rep->broken == 0)
		rep->broken = id;
}

/* Walks the chain in id order, noting the newest entry of each object. */
static int
verify_chain(struct verify *v, int has_state)
{
	struct audit_report *rep = v->rep;
	struct audit_entry e;
	unsigned char prev[GF_SHA256_LEN], hash[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int64_t id, previd = 0;
	int r, step;

	memset(prev, 0, sizeof(prev));
	if ((r = store_prepare(v->st, has_state ? "SELECT id, time, uid, user, "
	    "operation, ca, serial, subject, prev_hash, hash, object, state "
	    "FROM audit ORDER BY id" : "SELECT id, time, uid, user, operation, "
	    "ca, serial, subject, prev_hash, hash, NULL, NULL FROM audit "
	    "ORDER BY id", &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		id = sqlite3_column_int64(stmt, 0);
		e.time = sqlite3_column_int64(stmt, 1);
		e.uid = sqlite3_column_int64(stmt, 2);
		e.user = column_text(stmt, 3);
		e.operation = column_text(stmt, 4);
		e.ca = column_text(stmt, 5);
		e.serial = column_text(stmt, 6);
		e.subject = column_text(stmt, 7);
		if (sqlite3_column_type(stmt, 10) != SQLITE_NULL) {
			e.object = column_text(stmt, 10);
			e.state = sqlite3_column_blob(stmt, 11);
			e.statelen = (size_t)sqlite3_column_bytes(stmt, 11);
		}
		/* The hash as the entry's own prev_hash makes it: edits
		 * further on are found too. */
		if ((r = audit_hash(sqlite3_column_bytes(stmt, 8) ==
		    GF_SHA256_LEN ? sqlite3_column_blob(stmt, 8) : prev, &e,
		    hash)) != 0)
			goto out;
		verify_entry(v, id, &e, stmt, prev, previd, hash);
		if (e.object == NULL && v->stated == 0)
			rep->legacy = id;
		else if (e.object != NULL && v->stated == 0)
			v->stated = id;
		if (has_state && (r = verify_note(v, id, &e)) != 0)
			goto out;
		if (sqlite3_column_bytes(stmt, 9) == GF_SHA256_LEN)
			memcpy(prev, sqlite3_column_blob(stmt, 9), sizeof(prev));
		else
			memset(prev, 0, sizeof(prev));
		previd = id;
		rep->entries++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	rep->head_id = previd;
	memcpy(rep->head, prev, sizeof(prev));
 out:
	sqlite3_finalize(stmt);
	return r;
}

/*
 * The newest entry that changed (kind, ca, key), taken out of the list:
 * *entry 0 when there is none.
 */
static int
verify_recall(struct verify *v, const char *kind, const char *ca,
    const char *key, int64_t *entry, char *op, size_t opsize,
    unsigned char state[GF_SHA256_LEN], int *has)
{
	sqlite3_stmt *s = v->recall;
	int step = SQLITE_DONE, r = 0;

	*entry = 0;
	*has = 0;
	if ((r = store_bind_text(s, 1, kind)) != 0 ||
	    (r = store_bind_text(s, 2, ca)) != 0 ||
	    (r = store_bind_text(s, 3, key)) != 0)
		;
	else if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		*entry = sqlite3_column_int64(s, 0);
		snprintf(op, opsize, "%s", column_text(s, 1));
		if (sqlite3_column_bytes(s, 2) == GF_SHA256_LEN) {
			memcpy(state, sqlite3_column_blob(s, 2), GF_SHA256_LEN);
			*has = 1;
		}
		while ((step = sqlite3_step(s)) == SQLITE_ROW)
			;
	}
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	store_done(s);
	return r;
}

/*
 * A row against the newest entry that changed it: 1 when that entry
 * commits to its state as it is, 0 when it predates state commitments,
 * -1 when it does not explain the row (*entry 0: there is no entry).
 */
static int
verify_row(struct verify *v, const char *kind, const char *ca,
    const char *key, const unsigned char state[GF_SHA256_LEN],
    int64_t *entry, char *op, size_t opsize, int *verdict)
{
	unsigned char want[GF_SHA256_LEN];
	int has, r;

	if ((r = verify_recall(v, kind, ca, key, entry, op, opsize, want,
	    &has)) != 0)
		return r;
	if (*entry == 0)
		*verdict = v->rep->legacy > 0 ? 0 : -1;
	else if (!has)
		*verdict = 0;
	else
		*verdict = memcmp(want, state, GF_SHA256_LEN) == 0 ? 1 : -1;
	if (*verdict == 1)
		v->rep->checked++;
	else if (*verdict == 0)
		v->rep->unchecked++;
	return 0;
}

static const char *
cert_status(sqlite3_stmt *stmt, int revoked_col, int reason_col)
{
	if (sqlite3_column_type(stmt, revoked_col) == SQLITE_NULL)
		return "valid";
	return sqlite3_column_int(stmt, reason_col) == 6 ? "on hold" :
	    "revoked";
}

/* The DER must be what the fingerprint, which the state holds, says. */
static int
verify_der(struct verify *v, sqlite3_stmt *stmt)
{
	unsigned char md[GF_SHA256_LEN];
	const void *fp;
	int fplen;

	if (sqlite3_column_type(stmt, 5) == SQLITE_NULL &&
	    sqlite3_column_type(stmt, 20) == SQLITE_NULL)
		return 0;	/* imported from index.txt alone */
	fp = sqlite3_column_blob(stmt, 20);
	fplen = sqlite3_column_bytes(stmt, 20);
	if (!EVP_Digest(sqlite3_column_blob(stmt, 5),
	    (size_t)sqlite3_column_bytes(stmt, 5), md, NULL, gf_sha256(), NULL))
		return gf_fail_crypto("audit state");
	if (fplen != GF_SHA256_LEN || memcmp(fp, md, GF_SHA256_LEN) != 0)
		finding(v->rep, "cert %s (%s, %s): its DER does not match its "
		    "fingerprint (edited)", column_text(stmt, 1),
		    column_text(stmt, 0), column_text(stmt, 2));
	return 0;
}

static int
verify_certs(struct verify *v)
{
	unsigned char state[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int64_t entry;
	char op[32];
	int step, verdict, r;

	if ((r = certdb_states_prepare(v->st, &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = verify_der(v, stmt)) != 0 ||
		    (r = audit_row_state("cert", stmt, 6, state)) != 0 ||
		    (r = verify_row(v, "cert", column_text(stmt, 0),
		    column_text(stmt, 1), state, &entry, op, sizeof(op),
		    &verdict)) != 0)
			goto out;
		if (verdict >= 0)
			continue;
		if (entry == 0)
			finding(v->rep, "cert %s (%s, %s, %s): no audit entry "
			    "records it", column_text(stmt, 1),
			    column_text(stmt, 0), column_text(stmt, 2),
			    cert_status(stmt, 3, 4));
		else
			finding(v->rep, "cert %s (%s, %s): state differs from "
			    "audit entry %lld (%s); the row now says %s",
			    column_text(stmt, 1), column_text(stmt, 0),
			    column_text(stmt, 2), (long long)entry, op,
			    cert_status(stmt, 3, 4));
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
 out:
	sqlite3_finalize(stmt);
	return r;
}

static int
verify_cas(struct verify *v)
{
	unsigned char state[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int64_t entry;
	char op[32];
	int step, verdict, r;

	if ((r = store_prepare(v->st, "SELECT ca.name, " CA_STATE " FROM ca "
	    "ORDER BY ca.id", &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = audit_row_state("ca", stmt, 1, state)) != 0 ||
		    (r = verify_row(v, "ca", column_text(stmt, 0), "", state,
		    &entry, op, sizeof(op), &verdict)) != 0)
			goto out;
		if (verdict >= 0)
			continue;
		if (entry == 0)
			finding(v->rep, "CA %s: no audit entry records it",
			    column_text(stmt, 0));
		else
			finding(v->rep, "CA %s: state differs from audit entry "
			    "%lld (%s)", column_text(stmt, 0), (long long)entry,
			    op);
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* The generations of CAs (schema 4): each row as its last entry left it. */
static int
verify_generations(struct verify *v)
{
	unsigned char state[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int64_t entry;
	char op[32];
	int step, verdict, has, r;

	if ((r = store_has_table(v->st, "ca_generation", &has)) != 0 || !has)
		return r;
	if ((r = store_prepare(v->st, "SELECT ca.name, CAST(ca_generation."
	    "generation AS TEXT), " GEN_STATE " FROM ca_generation LEFT JOIN "
	    "ca ON ca.id = ca_generation.ca_id ORDER BY ca_generation.ca_id, "
	    "ca_generation.generation", &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = audit_row_state("generation", stmt, 2, state)) != 0 ||
		    (r = verify_row(v, "generation", column_text(stmt, 0),
		    column_text(stmt, 1), state, &entry, op, sizeof(op),
		    &verdict)) != 0)
			goto out;
		if (verdict < 0 && entry == 0)
			finding(v->rep, "generation %s of %s: no audit entry "
			    "records it", column_text(stmt, 1),
			    column_text(stmt, 0));
		else if (verdict < 0)
			finding(v->rep, "generation %s of %s: state differs "
			    "from audit entry %lld (%s)", column_text(stmt, 1),
			    column_text(stmt, 0), (long long)entry, op);
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* Is there a checkpoint for CRL number of CA ca_id? */
static int
verify_has_checkpoint(struct verify *v, sqlite3_stmt *k, int64_t ca_id,
    int64_t number, int *has)
{
	int step, r = 0;

	if ((r = store_bind_int64(k, 1, ca_id)) != 0 ||
	    (r = store_bind_int64(k, 2, number)) != 0)
		;
	else if ((step = sqlite3_step(k)) == SQLITE_ROW || step == SQLITE_DONE)
		*has = step == SQLITE_ROW;
	else
		r = store_fail(v->st, "audit");
	store_done(k);
	return r;
}

static int
verify_crls(struct verify *v)
{
	unsigned char state[GF_SHA256_LEN];
	sqlite3_stmt *stmt, *k = NULL;
	int64_t entry;
	char op[32];
	int step, verdict, has = 0, r;

	if ((r = store_prepare(v->st, "SELECT ca.name, CAST(crl.number AS "
	    "TEXT), crl.ca_id, " CRL_STATE " FROM crl LEFT JOIN ca ON ca.id = "
	    "crl.ca_id ORDER BY crl.id", &stmt)) != 0)
		return r;
	if ((r = store_prepare(v->st, "SELECT 1 FROM audit_checkpoint WHERE "
	    "ca_id = ?1 AND crl_number = ?2", &k)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = audit_row_state("crl", stmt, 3, state)) != 0 ||
		    (r = verify_row(v, "crl", column_text(stmt, 0),
		    column_text(stmt, 1), state, &entry, op, sizeof(op),
		    &verdict)) != 0)
			goto out;
		if (verdict < 0 && entry == 0)
			finding(v->rep, "CRL %s of %s: no audit entry records "
			    "it", column_text(stmt, 1), column_text(stmt, 0));
		else if (verdict < 0)
			finding(v->rep, "CRL %s of %s: state differs from "
			    "audit entry %lld (%s)", column_text(stmt, 1),
			    column_text(stmt, 0), (long long)entry, op);
		/* Since schema 3 each -g signs a checkpoint with its CRL. */
		if (verdict == 0)
			continue;
		if ((r = verify_has_checkpoint(v, k, sqlite3_column_int64(stmt,
		    2), sqlite3_column_int64(stmt, 5), &has)) != 0)
			goto out;
		if (!has)
			finding(v->rep, "CRL %s of %s: its audit checkpoint is "
			    "missing (deleted)", column_text(stmt, 1),
			    column_text(stmt, 0));
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
 out:
	sqlite3_finalize(k);
	sqlite3_finalize(stmt);
	return r;
}

/* What the log records and the tables no longer hold. */
static int
verify_missing(struct verify *v)
{
	sqlite3_stmt *stmt;
	const char *kind;
	int step, r;

	if ((r = store_prepare(v->st, "SELECT kind, ca, key, entry, operation "
	    "FROM temp.audit_latest ORDER BY entry, kind", &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		kind = column_text(stmt, 0);
		if (strcmp(kind, "ca") == 0)
			finding(v->rep, "CA %s: audit entry %lld (%s) records "
			    "it, but the store has no such CA (deleted)",
			    column_text(stmt, 1),
			    (long long)sqlite3_column_int64(stmt, 3),
			    column_text(stmt, 4));
		else
			finding(v->rep, "%s %s of %s: audit entry %lld (%s) "
			    "records it, but the store has no such row "
			    "(deleted)", strcmp(kind, "crl") == 0 ? "CRL" :
			    strcmp(kind, "generation") == 0 ? "generation" :
			    "cert", column_text(stmt, 2), column_text(stmt, 1),
			    (long long)sqlite3_column_int64(stmt, 3),
			    column_text(stmt, 4));
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	sqlite3_finalize(stmt);
	return r;
}

/*
 * Does cert, a certificate of CA ca_id, verify up to a self-signed root
 * through the CAs of the store, any generation of each?  (A checkpoint
 * is only as good as the key that signed it.)
 */
static int
verify_chains(struct store *st, int64_t ca_id, X509 *cert, int depth)
{
	struct generation *gens = NULL;
	struct ca *ca = NULL, *up = NULL;
	size_t n = 0, i;
	int ok = 0;

	if (depth > 16 || ca_load_id(st, ca_id, &ca) != 0)
		goto out;
	if (ca->parent_id == 0) {
		ok = X509_verify(cert, X509_get0_pubkey(cert)) == 1;
		goto out;
	}
	if (ca_load_id(st, ca->parent_id, &up) != 0 ||
	    generation_list(st, up, &gens, &n) != 0)
		goto out;
	for (i = 0; !ok && i < n; i++)
		ok = X509_verify(cert, X509_get0_pubkey(gens[i].cert)) == 1 &&
		    verify_chains(st, up->id, gens[i].cert, depth + 1);
 out:
	gf_errclear();
	generation_free_all(gens, n);
	ca_free(ca);
	ca_free(up);
	return ok;
}

/*
 * The certificates of CA ca_id's generations that verify up to a root
 * (verify_chains()); NULL when none does.
 */
static STACK_OF(X509) *
verify_signer(struct store *st, int64_t ca_id)
{
	STACK_OF(X509) *signers = NULL;
	struct generation *gens = NULL;
	struct ca *ca = NULL;
	size_t n = 0, i;

	if (ca_load_id(st, ca_id, &ca) != 0 ||
	    generation_list(st, ca, &gens, &n) != 0 ||
	    (signers = sk_X509_new_null()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (verify_chains(st, ca_id, gens[i].cert, 0) &&
		    sk_X509_push(signers, gens[i].cert) > 0)
			X509_up_ref(gens[i].cert);
	if (sk_X509_num(signers) == 0) {
		sk_X509_free(signers);
		signers = NULL;
	}
 out:
	gf_errclear();
	generation_free_all(gens, n);
	ca_free(ca);
	return signers;
}

/* One checkpoint row: signed by its CA, over a head the log still has. */
static void
verify_one_checkpoint(struct verify *v, sqlite3_stmt *stmt,
    STACK_OF(X509) *signers)
{
	struct audit_report *rep = v->rep;
	struct audit_ckpt k;
	const char *ca = column_text(stmt, 6);
	char *statement;
	int i, ok = 0;

	audit_checkpoint_row(stmt, ca, &k);
	if ((statement = audit_checkpoint_statement(&k)) == NULL) {
		finding(rep, "out of memory");
		return;
	}
	/* Each generation of the CA signs the checkpoints of its CRLs. */
	for (i = 0; !ok && i < sk_X509_num(signers); i++)
		ok = audit_checkpoint_verify(sk_X509_value(signers, i),
		    statement, sqlite3_column_blob(stmt, 4),
		    (size_t)sqlite3_column_bytes(stmt, 4));
	free(statement);
	if (!ok) {
		finding(rep, "checkpoint of CRL %lld of %s (entry %lld): its "
		    "signature does not verify with %s's certificate",
		    (long long)k.crl_number, ca, (long long)k.entry, ca);
		return;
	}
	if (sqlite3_column_type(stmt, 7) == SQLITE_NULL) {
		finding(rep, "checkpoint of CRL %lld of %s signs entry %lld, "
		    "which is not in the log (deleted)", (long long)k.crl_number,
		    ca, (long long)k.entry);
		return;
	}
	if (sqlite3_column_bytes(stmt, 7) != GF_SHA256_LEN ||
	    memcmp(sqlite3_column_blob(stmt, 7), k.head, GF_SHA256_LEN) != 0) {
		finding(rep, "checkpoint of CRL %lld of %s signs a head that "
		    "entry %lld no longer has: entries %lld..%lld were "
		    "rewritten", (long long)k.crl_number, ca, (long long)k.entry,
		    (long long)rep->anchored + 1, (long long)k.entry);
		if (rep->broken == 0 || rep->broken > k.entry)
			rep->broken = k.entry;
		return;
	}
	if (k.entry > rep->anchored) {
		rep->anchored = k.entry;
		rep->anchor_time = k.time;
		snprintf(rep->anchor_ca, sizeof(rep->anchor_ca), "%s", ca);
	}
}

static int
verify_checkpoints(struct verify *v)
{
	sqlite3_stmt *stmt;
	STACK_OF(X509) *signer = NULL;
	int64_t signer_ca = -1, ca_id;
	int step, r;

	if ((r = store_prepare(v->st, "SELECT k.crl_number, k.entry, k.head, "
	    "k.time, k.signature, k.ca_id, ca.name, a.hash FROM "
	    "audit_checkpoint AS k LEFT JOIN ca ON ca.id = k.ca_id LEFT JOIN "
	    "audit AS a ON a.id = k.entry ORDER BY k.entry, k.id",
	    &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((ca_id = sqlite3_column_int64(stmt, 5)) != signer_ca) {
			sk_X509_pop_free(signer, X509_free);
			signer = verify_signer(v->st, ca_id);
			signer_ca = ca_id;
		}
		verify_one_checkpoint(v, stmt, signer);
		v->rep->checkpoints++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	sk_X509_pop_free(signer, X509_free);
	sqlite3_finalize(stmt);
	/* A checkpoint anchors nothing before a break in the chain. */
	if (v->rep->broken != 0 && v->rep->anchored >= v->rep->broken)
		v->rep->anchored = 0;
	return r;
}

/* Does the file hold one of CA ca_id's checkpoints, byte for byte? */
static int
verify_file_matches(struct verify *v, int64_t ca_id, const char *ca,
    const unsigned char *data, size_t len, int *match)
{
	sqlite3_stmt *stmt;
	char *text;
	int step, r;

	*match = 0;
	if ((r = store_prepare(v->st, "SELECT crl_number, entry, head, time, "
	    "signature FROM audit_checkpoint WHERE ca_id = ?1 ORDER BY entry "
	    "DESC", &stmt)) != 0)
		return r;
	r = store_bind_int64(stmt, 1, ca_id);
	while (r == 0 && !*match &&
	    (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((text = audit_checkpoint_row_text(stmt, ca)) == NULL)
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
		else
			*match = strlen(text) == len &&
			    memcmp(text, data, len) == 0;
		free(text);
	}
	if (r == 0 && !*match && step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	sqlite3_finalize(stmt);
	return r;
}

/*
 * The copies kept with the CRLs (crl/NAME.audit-checkpoint): each must
 * be a checkpoint of the table, or the table lost one.
 */
static int
verify_checkpoint_files(struct verify *v)
{
	sqlite3_stmt *stmt;
	unsigned char *data;
	char *path;
	size_t len;
	int step, match, r;

	if ((r = store_prepare(v->st, "SELECT id, name FROM ca ORDER BY id",
	    &stmt)) != 0)
		return r;
	while (r == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (ca_name_check(column_text(stmt, 1)) != 0) {
			gf_errclear();
			continue;	/* named by the CA's own finding */
		}
		if ((path = store_path(v->st, "crl", column_text(stmt, 1),
		    ".audit-checkpoint")) == NULL) {
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			break;
		}
		if (!file_exists(path)) {
			free(path);
			continue;
		}
		if (file_read(path, AUDIT_CHECKPOINT_MAX, &data, &len) != 0) {
			gf_errclear();
			finding(v->rep, "crl/%s.audit-checkpoint: unreadable",
			    column_text(stmt, 1));
		} else {
			r = verify_file_matches(v, sqlite3_column_int64(stmt, 0),
			    column_text(stmt, 1), data, len, &match);
			if (r == 0 && !match)
				finding(v->rep, "crl/%s.audit-checkpoint: its "
				    "checkpoint is not in the store (deleted or "
				    "edited)", column_text(stmt, 1));
			free(data);
		}
		free(path);
	}
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	sqlite3_finalize(stmt);
	return r;
}

int
audit_verify(struct store *st, struct audit_report *rep)
{
	struct verify v;
	int r;

	memset(rep, 0, sizeof(*rep));
	memset(&v, 0, sizeof(v));
	v.st = st;
	v.rep = rep;
	/*
	 * One read transaction: the chain and the tables from one snapshot
	 * (a spool committing meanwhile adds rows whose entries the walk did
	 * not see), and the temporary table's writes in one commit.
	 */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "audit");
	if ((r = audit_has_state(st, &rep->has_state)) != 0)
		goto out;
	if (rep->has_state && (r = verify_setup(&v)) != 0)
		goto out;
	if ((r = verify_chain(&v, rep->has_state)) != 0)
		goto out;
	if (rep->has_state &&
	    ((r = verify_cas(&v)) != 0 || (r = verify_certs(&v)) != 0 ||
	    (r = verify_crls(&v)) != 0 || (r = verify_generations(&v)) != 0 ||
	    (r = verify_missing(&v)) != 0 ||
	    (r = verify_checkpoints(&v)) != 0 ||
	    (r = verify_checkpoint_files(&v)) != 0))
		goto out;
	if (rep->problems > 0)
		r = gf_fail(GF_ERR_POLICY, "audit: %s", rep->nfindings > 0 ?
		    rep->findings[0] : "the log does not verify");
 out:
	if (rep->has_state)
		verify_cleanup(&v);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}
