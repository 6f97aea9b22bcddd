/*
 * The audit log.  Each entry's hash is SHA-256 over the previous entry's
 * hash and this entry's fields, each field length-prefixed so that no two
 * different entries serialise alike.
 */
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "genfic/audit.h"
#include "genfic/err.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

struct audit_entry {
	int64_t		 time;
	int64_t		 uid;
	const char	*user;
	const char	*operation;
	const char	*ca;
	const char	*serial;
	const char	*subject;
};

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
digest_text(EVP_MD_CTX *ctx, const char *s)
{
	size_t len = strlen(s);

	return digest_u64(ctx, len) && EVP_DigestUpdate(ctx, s, len);
}

static int
audit_hash(const unsigned char prev[GF_SHA256_LEN],
    const struct audit_entry *e, unsigned char out[GF_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return gf_fail_crypto("audit hash");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, prev, GF_SHA256_LEN) &&
	    digest_u64(ctx, (uint64_t)e->time) &&
	    digest_u64(ctx, (uint64_t)e->uid) &&
	    digest_text(ctx, e->user) && digest_text(ctx, e->operation) &&
	    digest_text(ctx, e->ca) && digest_text(ctx, e->serial) &&
	    digest_text(ctx, e->subject) &&
	    EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : gf_fail_crypto("audit hash");
}

static const char last_hash_sql[] =
    "SELECT hash FROM audit ORDER BY id DESC LIMIT 1";

static int
audit_last_hash(struct store *st, unsigned char prev[GF_SHA256_LEN])
{
	sqlite3_stmt *stmt;
	int r;

	memset(prev, 0, GF_SHA256_LEN);
	if ((r = store_cached(st, last_hash_sql, &stmt)) != 0)
		return r;
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		if (sqlite3_column_bytes(stmt, 0) == GF_SHA256_LEN)
			memcpy(prev, sqlite3_column_blob(stmt, 0), GF_SHA256_LEN);
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
    "operation, ca, serial, subject, prev_hash, hash) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9)";

int
audit_append(struct store *st, const char *operation, const char *ca,
    const char *serial, const char *subject)
{
	struct audit_entry e;
	unsigned char prev[GF_SHA256_LEN], hash[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int r;

	pthread_once(&user_once, audit_user_init);
	e.time = (int64_t)time(NULL);
	e.uid = (int64_t)user_id;
	e.user = user_name;
	e.operation = operation;
	e.ca = ca;
	e.serial = serial != NULL ? serial : "";
	e.subject = subject != NULL ? subject : "";
	if ((r = audit_last_hash(st, prev)) != 0 ||
	    (r = audit_hash(prev, &e, hash)) != 0)
		return r;
	if ((r = store_cached(st, insert_sql, &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, e.time);
	sqlite3_bind_int64(stmt, 2, e.uid);
	sqlite3_bind_text(stmt, 3, e.user, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, e.operation, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, e.ca, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, e.serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, e.subject, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 8, prev, GF_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 9, hash, GF_SHA256_LEN, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "audit");
	store_done(stmt);
	return r;
}

static const char *
column_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s != NULL ? (const char *)s : "";
}

int
audit_verify(struct store *st, int64_t *count, int64_t *broken)
{
	struct audit_entry e;
	unsigned char prev[GF_SHA256_LEN], hash[GF_SHA256_LEN];
	sqlite3_stmt *stmt;
	int64_t n = 0, id;
	int r, step;

	memset(prev, 0, sizeof(prev));
	if ((r = store_prepare(st, "SELECT id, time, uid, user, operation, ca, "
	    "serial, subject, prev_hash, hash FROM audit ORDER BY id",
	    &stmt)) != 0)
		return r;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		e.time = sqlite3_column_int64(stmt, 1);
		e.uid = sqlite3_column_int64(stmt, 2);
		e.user = column_text(stmt, 3);
		e.operation = column_text(stmt, 4);
		e.ca = column_text(stmt, 5);
		e.serial = column_text(stmt, 6);
		e.subject = column_text(stmt, 7);
		if ((r = audit_hash(prev, &e, hash)) != 0)
			goto out;
		if (sqlite3_column_bytes(stmt, 8) != GF_SHA256_LEN ||
		    memcmp(sqlite3_column_blob(stmt, 8), prev, GF_SHA256_LEN) != 0 ||
		    sqlite3_column_bytes(stmt, 9) != GF_SHA256_LEN ||
		    memcmp(sqlite3_column_blob(stmt, 9), hash, GF_SHA256_LEN) != 0) {
			*broken = id;
			r = gf_fail(GF_ERR_POLICY, "audit: chain broken at entry "
			    "%lld (after %lld intact)", (long long)id,
			    (long long)n);
			goto out;
		}
		memcpy(prev, hash, sizeof(prev));
		n++;
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "audit");
	else
		*count = n;
 out:
	sqlite3_finalize(stmt);
	return r;
}
