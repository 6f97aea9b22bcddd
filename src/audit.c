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
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

#define AUDIT_STATE_MAX		(2 * GF_SHA256_LEN)	/* a CRL and its CA */
#define AUDIT_CHECKPOINT_MAX	4096	/* a checkpoint file's size */

struct audit_entry {
	int64_t		 time;
	int64_t		 uid;
	const char	*user;
	const char	*operation;
	const char	*ca;
	const char	*serial;
	const char	*subject;
	const char	*object;	/* NULL: an entry of before schema 3 */
	const unsigned char *state;
	size_t		 statelen;
};

/*
 * The columns of each object's state, in the order they are hashed.
 * Every column of the schema-3 tables: what a reader of the store is told
 * (status, dates, reason, subject, settings, CRL number).  A certificate's
 * DER is held by its fingerprint, which verification checks against it:
 * hashing it again at each issuance would cost a spool 2% of its time.
 */
#define CERT_STATE	"cert.id, cert.ca_id, cert.serial, cert.subject, " \
			"cert.cn, cert.san, cert.not_before, cert.not_after, " \
			"cert.is_ca, cert.revoked_at, cert.reason, " \
			"cert.invalidity, cert.label, cert.template, " \
			"cert.fingerprint, cert.subject_hash, cert.spki_hash, " \
			"cert.issued"
#define CA_STATE	"ca.id, ca.name, ca.parent_id, ca.cert_id, " \
			"ca.key_ref, ca.template, ca.leaf_template, " \
			"ca.crl_days, ca.crl_url, ca.ocsp_url, ca.issuer_url, " \
			"ca.next_crl_number, ca.created"
#define CRL_STATE	"crl.id, crl.ca_id, crl.number, crl.this_update, " \
			"crl.next_update, crl.der"

/*
 * SHA-256, fetched once: OpenSSL 3 looks EVP_sha256() up in its provider
 * on every use, which costs more than hashing an entry.
 */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;

static void
audit_md_init(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
audit_md(void)
{
	pthread_once(&md_once, audit_md_init);
	return md_sha256 != NULL ? md_sha256 : EVP_sha256();
}

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

static int
audit_hash(const unsigned char prev[GF_SHA256_LEN],
    const struct audit_entry *e, unsigned char out[GF_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return gf_fail_crypto("audit hash");
	ok = EVP_DigestInit_ex(ctx, audit_md(), NULL) &&
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
 */
static int
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
	ok = EVP_DigestInit_ex(ctx, audit_md(), NULL) &&
	    digest_text(ctx, kind);
	n = sqlite3_column_count(stmt);
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
		case SQLITE_TEXT:
			type = 3;
			ok = EVP_DigestUpdate(ctx, &type, 1) && digest_bytes(ctx,
			    sqlite3_column_text(stmt, i),
			    (size_t)sqlite3_column_bytes(stmt, i));
			break;
		case SQLITE_BLOB:
			type = 4;
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

static const char cert_state_sql[] = "SELECT " CERT_STATE " FROM cert "
    "WHERE serial = ?2 AND ca_id = (SELECT id FROM ca WHERE name = ?1)";
static const char ca_state_sql[] = "SELECT " CA_STATE " FROM ca "
    "WHERE name = ?1";
static const char crl_state_sql[] = "SELECT " CRL_STATE " FROM crl "
    "WHERE number = ?2 AND ca_id = (SELECT id FROM ca WHERE name = ?1)";

/*
 * The state of the row that sql selects with (ca, key): a serial (blob),
 * a CRL number, or none.  Missing is an internal error: the caller
 * has just written it.
 */
static int
audit_state_of(struct store *st, const char *kind, const char *sql,
    const char *ca, const struct serial *serial, int64_t number,
    unsigned char out[GF_SHA256_LEN])
{
	sqlite3_stmt *stmt;
	int ok, r;

	if ((r = store_cached(st, sql, &stmt)) != 0)
		return r;
	ok = sqlite3_bind_text(stmt, 1, ca, -1, SQLITE_STATIC) == SQLITE_OK;
	if (serial != NULL)
		ok = ok && sqlite3_bind_blob(stmt, 2, serial->bytes,
		    (int)serial->len, SQLITE_STATIC) == SQLITE_OK;
	else if (sql == crl_state_sql)
		ok = ok && sqlite3_bind_int64(stmt, 2, number) == SQLITE_OK;
	if (!ok)
		r = store_fail(st, "audit state");
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
	int ok, r;

	pthread_once(&user_once, audit_user_init);
	e->time = (int64_t)time(NULL);
	e->uid = (int64_t)user_id;
	e->user = user_name;
	if ((r = audit_last_hash(st, &last, prev)) != 0 ||
	    (r = audit_hash(prev, e, hash)) != 0)
		return r;
	if ((r = store_cached(st, insert_sql, &stmt)) != 0)
		return r;
	ok = sqlite3_bind_int64(stmt, 1, e->time) == SQLITE_OK &&
	    sqlite3_bind_int64(stmt, 2, e->uid) == SQLITE_OK &&
	    sqlite3_bind_text(stmt, 3, e->user, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(stmt, 4, e->operation, -1, SQLITE_STATIC) ==
	    SQLITE_OK &&
	    sqlite3_bind_text(stmt, 5, e->ca, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(stmt, 6, e->serial, -1, SQLITE_STATIC) ==
	    SQLITE_OK &&
	    sqlite3_bind_text(stmt, 7, e->subject, -1, SQLITE_STATIC) ==
	    SQLITE_OK &&
	    sqlite3_bind_blob(stmt, 8, prev, GF_SHA256_LEN, SQLITE_STATIC) ==
	    SQLITE_OK &&
	    sqlite3_bind_blob(stmt, 9, hash, GF_SHA256_LEN, SQLITE_STATIC) ==
	    SQLITE_OK &&
	    sqlite3_bind_text(stmt, 10, e->object, -1, SQLITE_STATIC) ==
	    SQLITE_OK &&
	    sqlite3_bind_blob(stmt, 11, e->state, (int)e->statelen,
	    SQLITE_STATIC) == SQLITE_OK;
	if (!ok || sqlite3_step(stmt) != SQLITE_DONE)
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
		    (r = audit_state_of(st, "cert", cert_state_sql, ca, &sn, 0,
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

/* Has the store the schema-3 audit columns? (A read-only open may be older.) */
static int
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

struct checkpoint {
	const char	*ca;
	int64_t		 crl_number;
	int64_t		 entry;
	unsigned char	 head[GF_SHA256_LEN];
	int64_t		 time;
};

/*
 * What a checkpoint signs, as the lines of its file before "signature:";
 * a new string.
 */
static char *
checkpoint_statement(const struct checkpoint *k)
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
checkpoint_text(const struct checkpoint *k, const unsigned char *sig,
    size_t siglen)
{
	char *statement, *b64, *s = NULL;

	if ((statement = checkpoint_statement(k)) == NULL)
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
		r = gf_fail_crypto("sign audit checkpoint");
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
checkpoint_verify(X509 *cert, const char *statement, const void *sig,
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
	struct checkpoint k;
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
	if ((statement = checkpoint_statement(&k)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = checkpoint_sign(key, statement, &sig, &siglen)) != 0 ||
	    (r = store_prepare(st, "INSERT INTO audit_checkpoint (ca_id, "
	    "crl_number, entry, head, time, signature) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6)", &stmt)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 1, ca->id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, crl_number) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, k.entry) != SQLITE_OK ||
	    sqlite3_bind_blob(stmt, 4, k.head, GF_SHA256_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 5, k.time) != SQLITE_OK ||
	    sqlite3_bind_blob(stmt, 6, sig, (int)siglen, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "audit checkpoint");
 out:
	sqlite3_finalize(stmt);
	OPENSSL_free(sig);
	free(statement);
	return r;
}

/* A checkpoint row (crl_number, entry, head, time, signature) as text. */
static char *
checkpoint_row_text(sqlite3_stmt *stmt, const char *ca)
{
	struct checkpoint k;

	memset(&k, 0, sizeof(k));
	k.ca = ca;
	k.crl_number = sqlite3_column_int64(stmt, 0);
	k.entry = sqlite3_column_int64(stmt, 1);
	if (sqlite3_column_bytes(stmt, 2) == GF_SHA256_LEN)
		memcpy(k.head, sqlite3_column_blob(stmt, 2), GF_SHA256_LEN);
	k.time = sqlite3_column_int64(stmt, 3);
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
	sqlite3_stmt *stmt;
	char *text, *path, *sub;
	int step, r;

	/* A read-only open may see a store of before schema 3. */
	if ((r = audit_has_state(st, &step)) != 0 || !step)
		return r;
	if ((sub = file_join(dir, "crl")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_mkdir(sub, 0755);
	if (r != 0 || (r = store_prepare(st, checkpoint_latest_sql,
	    &stmt)) != 0) {
		free(sub);
		return r;
	}
	if ((ca != NULL && sqlite3_bind_text(stmt, 1, ca, -1, SQLITE_STATIC) !=
	    SQLITE_OK))
		r = store_fail(st, "audit checkpoint");
	while (r == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		text = checkpoint_row_text(stmt,
		    (const char *)sqlite3_column_text(stmt, 5));
		path = NULL;
		if (text == NULL || asprintf(&path, "%s/%s.audit-checkpoint",
		    sub, sqlite3_column_text(stmt, 5)) == -1)
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
		else
			r = file_write_atomic(path, text, strlen(text), 0644, 1);
		free(path);
		free(text);
		if (r == 0 && count != NULL)
			(*count)++;
	}
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(st, "audit checkpoint");
	sqlite3_finalize(stmt);
	free(sub);
	return r;
}

/* --- Verification ----------------------------------------------------- */

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
	int ok, r = 0;

	ok = sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(s, 2, ca, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(s, 4, id) == SQLITE_OK &&
	    sqlite3_bind_text(s, 5, op, -1, SQLITE_STATIC) == SQLITE_OK &&
	    (state == NULL ? sqlite3_bind_null(s, 6) : sqlite3_bind_blob(s, 6,
	    state, GF_SHA256_LEN, SQLITE_STATIC)) == SQLITE_OK;
	if (!ok || sqlite3_step(s) != SQLITE_DONE)
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
	int ok, step = SQLITE_DONE, r = 0;

	*entry = 0;
	*has = 0;
	ok = sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(s, 2, ca, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC) == SQLITE_OK;
	if (!ok)
		r = store_fail(v->st, "audit");
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
	    (size_t)sqlite3_column_bytes(stmt, 5), md, NULL, audit_md(), NULL))
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

	if ((r = store_prepare(v->st, "SELECT ca.name, hex(cert.serial), "
	    "cert.subject, cert.revoked_at, cert.reason, cert.der, "
	    CERT_STATE " FROM cert LEFT JOIN ca ON ca.id = cert.ca_id ORDER BY "
	    "cert.id", &stmt)) != 0)
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

/* Is there a checkpoint for CRL number of CA ca_id? */
static int
verify_has_checkpoint(struct verify *v, sqlite3_stmt *k, int64_t ca_id,
    int64_t number, int *has)
{
	int step, r = 0;

	if (sqlite3_bind_int64(k, 1, ca_id) != SQLITE_OK ||
	    sqlite3_bind_int64(k, 2, number) != SQLITE_OK)
		r = store_fail(v->st, "audit");
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
 * The certificate of CA ca_id, if it verifies up to a self-signed root
 * through the CAs of the store (a checkpoint is only as good as the key
 * that signed it); NULL otherwise.
 */
static X509 *
verify_signer(struct store *st, int64_t ca_id)
{
	struct ca *ca = NULL, *up = NULL;
	X509 *signer = NULL;
	int depth;

	if (ca_load_id(st, ca_id, &ca) != 0)
		goto out;
	if (X509_up_ref(ca->cert))
		signer = ca->cert;
	for (depth = 0; signer != NULL && depth < 16; depth++) {
		if (ca->parent_id == 0) {
			if (X509_verify(ca->cert, X509_get0_pubkey(ca->cert)) == 1)
				goto out;
			break;
		}
		if (ca_load_id(st, ca->parent_id, &up) != 0 ||
		    X509_verify(ca->cert, X509_get0_pubkey(up->cert)) != 1)
			break;
		ca_free(ca);
		ca = up;
		up = NULL;
	}
	X509_free(signer);
	signer = NULL;
 out:
	gf_errclear();
	ca_free(ca);
	ca_free(up);
	return signer;
}

/* One checkpoint row: signed by its CA, over a head the log still has. */
static void
verify_one_checkpoint(struct verify *v, sqlite3_stmt *stmt, X509 *signer)
{
	struct audit_report *rep = v->rep;
	struct checkpoint k;
	const char *ca = column_text(stmt, 6);
	char *statement;
	int ok;

	memset(&k, 0, sizeof(k));
	k.ca = ca;
	k.crl_number = sqlite3_column_int64(stmt, 0);
	k.entry = sqlite3_column_int64(stmt, 1);
	if (sqlite3_column_bytes(stmt, 2) == GF_SHA256_LEN)
		memcpy(k.head, sqlite3_column_blob(stmt, 2), GF_SHA256_LEN);
	k.time = sqlite3_column_int64(stmt, 3);
	if ((statement = checkpoint_statement(&k)) == NULL) {
		finding(rep, "out of memory");
		return;
	}
	ok = signer != NULL && checkpoint_verify(signer, statement,
	    sqlite3_column_blob(stmt, 4),
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
	X509 *signer = NULL;
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
			X509_free(signer);
			signer = verify_signer(v->st, ca_id);
			signer_ca = ca_id;
		}
		verify_one_checkpoint(v, stmt, signer);
		v->rep->checkpoints++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(v->st, "audit");
	X509_free(signer);
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
	if (sqlite3_bind_int64(stmt, 1, ca_id) != SQLITE_OK)
		r = store_fail(v->st, "audit");
	while (r == 0 && !*match &&
	    (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((text = checkpoint_row_text(stmt, ca)) == NULL)
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
	if ((r = audit_has_state(st, &rep->has_state)) != 0)
		return r;
	if (rep->has_state && (r = verify_setup(&v)) != 0)
		goto out;
	if ((r = verify_chain(&v, rep->has_state)) != 0)
		goto out;
	if (rep->has_state &&
	    ((r = verify_cas(&v)) != 0 || (r = verify_certs(&v)) != 0 ||
	    (r = verify_crls(&v)) != 0 || (r = verify_missing(&v)) != 0 ||
	    (r = verify_checkpoints(&v)) != 0 ||
	    (r = verify_checkpoint_files(&v)) != 0))
		goto out;
	if (rep->problems > 0)
		r = gf_fail(GF_ERR_POLICY, "audit: %s", rep->nfindings > 0 ?
		    rep->findings[0] : "the log does not verify");
 out:
	if (rep->has_state)
		verify_cleanup(&v);
	return r;
}
