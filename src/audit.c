/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log.  Each entry's hash is SHA-256 over the previous entry's
 * hash and this entry's fields, each field length-prefixed so that no two
 * different entries serialise alike.  Since schema 3 an entry also names
 * the object it changed and commits to that object's state (its row, read
 * back after the change), and each -g signs the chain head with the CA's
 * key (a checkpoint), so that neither the tables nor a recomputed chain
 * can pass for what the log recorded.
 */
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "audit-local.h"

#define AUDIT_STATE_MAX		(2 * GF_SHA256_LEN)	/* a CRL and its CA */

static int
digest_u64(EVP_MD_CTX *ctx, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)v;
	return EVP_DigestUpdate(ctx, b, sizeof(b));
}

static int
digest_bytes(EVP_MD_CTX *ctx, const void *p, size_t len)
{
	return digest_u64(ctx, len) && (len == 0 ||
	    EVP_DigestUpdate(ctx, p, len));
}

static int
digest_text(EVP_MD_CTX *ctx, const char *s)
{
	return digest_bytes(ctx, s, strlen(s));
}

int
audit_hash(const unsigned char prev[GF_SHA256_LEN],
    const struct audit_entry *e, unsigned char out[GF_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return gf_fail_crypto("audit hash");
	ok = EVP_DigestInit_ex(ctx, gf_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, prev, GF_SHA256_LEN) &&
	    digest_u64(ctx, (uint64_t)e->time) &&
	    digest_u64(ctx, (uint64_t)e->uid) &&
	    digest_text(ctx, e->user) && digest_text(ctx, e->operation) &&
	    digest_text(ctx, e->ca) && digest_text(ctx, e->serial) &&
	    digest_text(ctx, e->subject);
	if (ok && e->object != NULL)
		ok = digest_text(ctx, e->object) &&
		    digest_bytes(ctx, e->state, e->statelen);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : gf_fail_crypto("audit hash");
}

/*
 * The state of one row: SHA-256 over the object's kind and the columns
 * from first on, each a type byte (0 NULL, 1 integer, 2 real, 3 text,
 * 4 blob) and its value (8 bytes big-endian; or the length, 8 bytes, and
 * the bytes).  A value of another type than the change wrote differs.
 * Trailing NULL columns are left out: a column a migration appends (the
 * owner of a certificate) leaves the states recorded before it valid.
 * The last column of each kind before such a one is NOT NULL, so no two
 * rows share a state by it.
 */
int
audit_row_state(const char *kind, sqlite3_stmt *stmt, int first,
    unsigned char out[GF_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	unsigned char type;
	double d;
	uint64_t bits;
	int i, n, ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return gf_fail_crypto("audit state");
	ok = EVP_DigestInit_ex(ctx, gf_sha256(), NULL) &&
	    digest_text(ctx, kind);
	n = sqlite3_column_count(stmt);
	while (n > first && sqlite3_column_type(stmt, n - 1) == SQLITE_NULL)
		n--;
	for (i = first; ok && i < n; i++) {
		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_INTEGER:
			type = 1;
			ok = EVP_DigestUpdate(ctx, &type, 1) && digest_u64(ctx,
			    (uint64_t)sqlite3_column_int64(stmt, i));
			break;
		case SQLITE_FLOAT:
			type = 2;
			d = sqlite3_column_double(stmt, i);
			memcpy(&bits, &d, sizeof(bits));
			ok = EVP_DigestUpdate(ctx, &type, 1) &&
			    digest_u64(ctx, bits);
			break;
		case SQLITE_TEXT:	/* blob reads its UTF-8 bytes as they are */
		case SQLITE_BLOB:
			type = sqlite3_column_type(stmt, i) == SQLITE_TEXT ? 3 : 4;
			ok = EVP_DigestUpdate(ctx, &type, 1) && digest_bytes(ctx,
			    sqlite3_column_blob(stmt, i),
			    (size_t)sqlite3_column_bytes(stmt, i));
			break;
		default:
			type = 0;
			ok = EVP_DigestUpdate(ctx, &type, 1);
		}
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : gf_fail_crypto("audit state");
}

static const char ca_state_sql[] = "SELECT " CA_STATE " FROM ca "
    "WHERE name = ?1";
static const char gen_state_sql[] = "SELECT " GEN_STATE " FROM "
    "ca_generation WHERE generation = ?2 AND ca_id = (SELECT id FROM ca "
    "WHERE name = ?1)";
static const char crl_state_sql[] = "SELECT " CRL_STATE " FROM crl "
    "WHERE number = ?2 AND ca_id = (SELECT id FROM ca WHERE name = ?1)";

/*
 * The state of the row that sql selects with (ca, ?2): a serial (blob),
 * a CRL or generation number, or none (no ?2).  Missing is an internal
 * error: the caller has just written it.
 */
static int
audit_state_of(struct store *st, const char *kind, const char *sql,
    const char *ca, const struct serial *serial, int64_t number,
    unsigned char out[GF_SHA256_LEN])
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_cached(st, sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, ca)) != 0 ||
	    (serial != NULL && (r = store_bind_blob(stmt, 2, serial->bytes,
	    serial->len)) != 0) ||
	    (serial == NULL && sqlite3_bind_parameter_count(stmt) > 1 &&
	    (r = store_bind_int64(stmt, 2, number)) != 0))
		;
	else switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		r = audit_row_state(kind, stmt, 0, out);
		break;
	case SQLITE_DONE:
		r = gf_fail(GF_ERR_INTERNAL, "audit: no %s row for %s to "
		    "commit to", kind, ca);
		break;
	default:
		r = store_fail(st, "audit state");
	}
	store_done(stmt);
	return r;
}

static const char last_hash_sql[] =
    "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";

/* The newest entry's id and hash (0 and zeros for an empty log). */
static int
audit_last_hash(struct store *st, int64_t *id,
    unsigned char prev[GF_SHA256_LEN])
{
	sqlite3_stmt *stmt;
	int r;

	/* Within one transaction the head is the entry we appended. */
	if (st->audit_id != 0) {
		*id = st->audit_id;
		memcpy(prev, st->audit_hash, GF_SHA256_LEN);
		return 0;
	}
	*id = 0;
	memset(prev, 0, GF_SHA256_LEN);
	if ((r = store_cached(st, last_hash_sql, &stmt)) != 0)
		return r;
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		*id = sqlite3_column_int64(stmt, 0);
		if (sqlite3_column_bytes(stmt, 1) == GF_SHA256_LEN)
			memcpy(prev, sqlite3_column_blob(stmt, 1), GF_SHA256_LEN);
		else
			r = gf_fail(GF_ERR_DB, "audit: last entry has no valid "
			    "hash");
		break;
	case SQLITE_DONE:
		break;
	default:
		r = store_fail(st, "audit");
	}
	store_done(stmt);
	return r;
}

/* Who runs us, looked up once: a spool of 10^5 entries would read passwd 10^5 times. */
static pthread_once_t user_once = PTHREAD_ONCE_INIT;
static char user_name[64];
static uid_t user_id;

static void
audit_user_init(void)
{
	struct passwd *pw;

	user_id = getuid();
	if ((pw = getpwuid(user_id)) != NULL)
		snprintf(user_name, sizeof(user_name), "%s", pw->pw_name);
	else
		snprintf(user_name, sizeof(user_name), "uid%lld",
		    (long long)user_id);
}

static const char insert_sql[] = "INSERT INTO audit (time, uid, user, "
    "operation, ca, serial, subject, prev_hash, hash, object, state) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

static int
audit_insert(struct store *st, struct audit_entry *e)
{
	unsigned char prev[GF_SHA256_LEN], hash[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int64_t last;
	int r;

	pthread_once(&user_once, audit_user_init);
	e->time = (int64_t)time(NULL);
	e->uid = (int64_t)user_id;
	e->user = user_name;
	if ((r = audit_last_hash(st, &last, prev)) != 0 ||
	    (r = audit_hash(prev, e, hash)) != 0)
		return r;
	if ((r = store_cached(st, insert_sql, &stmt)) != 0)
		return r;
	if ((r = store_bind_int64(stmt, 1, e->time)) != 0 ||
	    (r = store_bind_int64(stmt, 2, e->uid)) != 0 ||
	    (r = store_bind_text(stmt, 3, e->user)) != 0 ||
	    (r = store_bind_text(stmt, 4, e->operation)) != 0 ||
	    (r = store_bind_text(stmt, 5, e->ca)) != 0 ||
	    (r = store_bind_text(stmt, 6, e->serial)) != 0 ||
	    (r = store_bind_text(stmt, 7, e->subject)) != 0 ||
	    (r = store_bind_blob(stmt, 8, prev, GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_blob(stmt, 9, hash, GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_text(stmt, 10, e->object)) != 0 ||
	    (r = store_bind_blob(stmt, 11, e->state, e->statelen)) != 0)
		;
	else if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "audit");
	else {
		st->audit_id = sqlite3_last_insert_rowid(st->db);
		memcpy(st->audit_hash, hash, GF_SHA256_LEN);
	}
	store_done(stmt);
	return r;
}

int
audit_append(struct store *st, const char *operation, const char *ca,
    const char *serial, const char *subject)
{
	struct audit_entry e;
	struct serial sn;
	unsigned char state[GF_SHA256_LEN];
	int r;

	memset(&e, 0, sizeof(e));
	e.operation = operation;
	e.ca = ca;
	e.serial = serial != NULL ? serial : "";
	e.subject = subject != NULL ? subject : "";
	if (serial != NULL) {
		if ((r = serial_from_hex(serial, &sn)) != 0 ||
		    (r = audit_state_of(st, "cert", certdb_state_sql, ca, &sn, 0,
		    state)) != 0)
			return r;
		e.object = "cert";
	} else {
		if ((r = audit_state_of(st, "ca", ca_state_sql, ca, NULL, 0,
		    state)) != 0)
			return r;
		e.object = "ca";
	}
	e.state = state;
	e.statelen = sizeof(state);
	return audit_insert(st, &e);
}

int
audit_append_crl(struct store *st, const char *ca, int64_t number)
{
	struct audit_entry e;
	unsigned char state[AUDIT_STATE_MAX];
	char num[32];
	int r;

	snprintf(num, sizeof(num), "%lld", (long long)number);
	memset(&e, 0, sizeof(e));
	e.operation = "gencrl";
	e.ca = ca;
	e.serial = num;
	e.subject = "";
	e.object = "crl";
	if ((r = audit_state_of(st, "crl", crl_state_sql, ca, NULL, number,
	    state)) != 0 ||
	    (r = audit_state_of(st, "ca", ca_state_sql, ca, NULL, 0,
	    state + GF_SHA256_LEN)) != 0)
		return r;
	e.state = state;
	e.statelen = sizeof(state);
	return audit_insert(st, &e);
}

int
audit_append_generation(struct store *st, const char *operation,
    const char *ca, int number)
{
	struct audit_entry e;
	unsigned char state[GF_SHA256_LEN];
	char num[32];
	int r;

	snprintf(num, sizeof(num), "%d", number);
	memset(&e, 0, sizeof(e));
	e.operation = operation;
	e.ca = ca;
	e.serial = num;
	e.subject = "";
	e.object = "generation";
	if ((r = audit_state_of(st, "generation", gen_state_sql, ca, NULL,
	    number, state)) != 0)
		return r;
	e.state = state;
	e.statelen = sizeof(state);
	return audit_insert(st, &e);
}

/* Has the store the schema-3 audit columns? (A read-only open may be older.) */
int
audit_has_state(struct store *st, int *has)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT count(*) FROM pragma_table_info("
	    "'audit') WHERE name = 'state'", &stmt)) != 0)
		return r;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*has = sqlite3_column_int(stmt, 0) > 0;
	else
		r = store_fail(st, "audit");
	sqlite3_finalize(stmt);
	return r;
}

/* --- Checkpoints ------------------------------------------------------ */

/*
 * What a checkpoint signs, as the lines of its file before "signature:";
 * a new string.
 */
char *
audit_checkpoint_statement(const struct audit_ckpt *k)
{
	char hex[2 * GF_SHA256_LEN + 1], when[GF_ISO_TIME_LEN], *s;
	size_t i;

	for (i = 0; i < GF_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", k->head[i]);
	time_to_iso((time_t)k->time, when);
	if (asprintf(&s, "genfic-ca audit checkpoint 1\nca: %s\ncrl: %lld\n"
	    "entry: %lld\nhead: %s\ntime: %s\n", k->ca,
	    (long long)k->crl_number, (long long)k->entry, hex, when) == -1)
		return NULL;
	return s;
}

/* The checkpoint file: the statement, then "signature: BASE64". */
static char *
checkpoint_text(const struct audit_ckpt *k, const unsigned char *sig,
    size_t siglen)
{
	char *statement, *b64, *s = NULL;

	if ((statement = audit_checkpoint_statement(k)) == NULL)
		return NULL;
	if ((b64 = malloc(4 * ((siglen + 2) / 3) + 1)) != NULL) {
		EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
		if (asprintf(&s, "%ssignature: %s\n", statement, b64) == -1)
			s = NULL;
	}
	free(b64);
	free(statement);
	return s;
}

static int
checkpoint_sign(EVP_PKEY *key, const char *statement, unsigned char **sig,
    size_t *siglen)
{
	EVP_MD_CTX *ctx;
	size_t len = strlen(statement);
	int r = 0;

	*sig = NULL;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, key_digest(key), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, siglen, (const unsigned char *)statement,
	    len) != 1 ||
	    (*sig = OPENSSL_malloc(*siglen)) == NULL ||
	    EVP_DigestSign(ctx, *sig, siglen, (const unsigned char *)statement,
	    len) != 1) {
		OPENSSL_free(*sig);
		*sig = NULL;
		r = key_sign_failed(key, "sign audit checkpoint");
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

int
audit_checkpoint_verify(X509 *cert, const char *statement, const void *sig,
    size_t siglen)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	EVP_MD_CTX *ctx;
	int ok;

	if (key == NULL || (ctx = EVP_MD_CTX_new()) == NULL) {
		gf_errclear();
		return 0;
	}
	ok = EVP_DigestVerifyInit(ctx, NULL, key_digest(key), NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen,
	    (const unsigned char *)statement, strlen(statement)) == 1;
	EVP_MD_CTX_free(ctx);
	gf_errclear();
	return ok;
}

int
audit_checkpoint(struct store *st, const struct ca *ca, EVP_PKEY *key,
    int64_t crl_number)
{
	struct audit_ckpt k;
	unsigned char *sig = NULL;
	sqlite3_stmt *stmt = NULL;
	char *statement = NULL;
	size_t siglen = 0;
	int r;

	memset(&k, 0, sizeof(k));
	k.ca = ca->name;
	k.crl_number = crl_number;
	k.time = (int64_t)time(NULL);
	if ((r = audit_last_hash(st, &k.entry, k.head)) != 0)
		return r;
	if ((statement = audit_checkpoint_statement(&k)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = checkpoint_sign(key, statement, &sig, &siglen)) != 0 ||
	    (r = store_prepare(st, "INSERT INTO audit_checkpoint (ca_id, "
	    "crl_number, entry, head, time, signature) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6)", &stmt)) != 0)
		goto out;
	if ((r = store_bind_int64(stmt, 1, ca->id)) != 0 ||
	    (r = store_bind_int64(stmt, 2, crl_number)) != 0 ||
	    (r = store_bind_int64(stmt, 3, k.entry)) != 0 ||
	    (r = store_bind_blob(stmt, 4, k.head, GF_SHA256_LEN)) != 0 ||
	    (r = store_bind_int64(stmt, 5, k.time)) != 0 ||
	    (r = store_bind_blob(stmt, 6, sig, siglen)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "audit checkpoint");
 out:
	sqlite3_finalize(stmt);
	OPENSSL_free(sig);
	free(statement);
	return r;
}

void
audit_checkpoint_row(sqlite3_stmt *stmt, const char *ca,
    struct audit_ckpt *k)
{
	memset(k, 0, sizeof(*k));
	k->ca = ca;
	k->crl_number = sqlite3_column_int64(stmt, 0);
	k->entry = sqlite3_column_int64(stmt, 1);
	if (sqlite3_column_bytes(stmt, 2) == GF_SHA256_LEN)
		memcpy(k->head, sqlite3_column_blob(stmt, 2), GF_SHA256_LEN);
	k->time = sqlite3_column_int64(stmt, 3);
}

/* A checkpoint row (crl_number, entry, head, time, signature) as text. */
char *
audit_checkpoint_row_text(sqlite3_stmt *stmt, const char *ca)
{
	struct audit_ckpt k;

	audit_checkpoint_row(stmt, ca, &k);
	return checkpoint_text(&k, sqlite3_column_blob(stmt, 4),
	    (size_t)sqlite3_column_bytes(stmt, 4));
}

static const char checkpoint_latest_sql[] = "SELECT k.crl_number, k.entry, "
    "k.head, k.time, k.signature, ca.name FROM audit_checkpoint AS k JOIN "
    "ca ON ca.id = k.ca_id WHERE (?1 IS NULL OR ca.name = ?1) AND k.entry = "
    "(SELECT max(entry) FROM audit_checkpoint AS l WHERE l.ca_id = k.ca_id)";

int
audit_checkpoint_export(struct store *st, const char *ca, const char *dir,
    long *count)
{
	sqlite3_stmt *stmt = NULL;
	const char *name;
	char *text, *path, *sub;
	int has, step = SQLITE_DONE, r;

	/* A read-only open may see a store of before schema 3. */
	if ((r = audit_has_state(st, &has)) != 0 || !has)
		return r;
	if ((sub = file_join(dir, "crl")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = file_mkdir(sub, 0755)) != 0 ||
	    (r = store_prepare(st, checkpoint_latest_sql, &stmt)) != 0 ||
	    (ca != NULL && (r = store_bind_text(stmt, 1, ca)) != 0))
		goto out;
	while (r == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(stmt, 5);
		/* The name becomes a file name: as strict as at -c. */
		if (name == NULL || (r = ca_name_check(name)) != 0) {
			r = gf_fail(GF_ERR_DB, "a CA name in the store is not "
			    "a valid name");
			break;
		}
		text = audit_checkpoint_row_text(stmt, name);
		if (text == NULL || asprintf(&path, "%s/%s.audit-checkpoint",
		    sub, name) == -1)
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
		else {
			r = file_write_atomic(path, text, strlen(text), 0644, 1);
			free(path);
		}
		free(text);
		if (r == 0 && count != NULL)
			(*count)++;
	}
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(st, "audit checkpoint");
 out:
	sqlite3_finalize(stmt);
	free(sub);
	return r;
}
