/* SPDX-License-Identifier: GPL-2.0-or-later */
/* store.c: creating, reopening and refusing store directories; statements. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "genfic/err.h"
#include "genfic/store.h"

#include "test.h"

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static int
table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *stmt;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?1", -1, &stmt, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return found;
}

static int
dir_mode(const char *dir, const char *sub)
{
	struct stat sb;
	char *path = test_path(dir, sub);
	int mode = -1;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		mode = (int)(sb.st_mode & 07777);
	free(path);
	return mode;
}

static void
test_store_create(void)
{
	static const char *const tables[] = { "ca", "cert", "crl", "audit" };
	struct store *st = NULL;
	struct stat sb;
	char *tmp, *dir, *db;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp = test_tmpdir());
	/* CREATE makes the store directory itself too. */
	dir = test_path(tmp, "store");
	db = test_path(dir, "ca.db");
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_CREATE, &st), 0);
	CU_ASSERT_PTR_NOT_NULL(st);
	if (st != NULL) {
		CU_ASSERT_STRING_EQUAL(st->dir, dir);
		CU_ASSERT_EQUAL(user_version(st->db), GF_SCHEMA_VERSION);
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			CHECK_ROW(table_exists(st->db, tables[i]), tables[i]);
	}
	store_free(st);
	CU_ASSERT(stat(db, &sb) == 0 && S_ISREG(sb.st_mode));
	CU_ASSERT_EQUAL(dir_mode(dir, "private"), 0700);
	CU_ASSERT(dir_mode(dir, "certs") >= 0);
	CU_ASSERT(dir_mode(dir, "crl") >= 0);

	/* Reopening, with or without CREATE, finds the same schema. */
	st = NULL;
	CU_ASSERT_EQUAL(store_open(dir, 0, &st), 0);
	if (st != NULL)
		CU_ASSERT_EQUAL(user_version(st->db), GF_SCHEMA_VERSION);
	store_free(st);
	st = NULL;
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_CREATE, &st), 0);
	if (st != NULL)
		CU_ASSERT(table_exists(st->db, "audit"));
	store_free(st);
	st = NULL;
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st), 0);
	if (st != NULL)
		CU_ASSERT_EQUAL(user_version(st->db), GF_SCHEMA_VERSION);
	store_free(st);
	free(db);
	free(dir);
	test_rmtree(tmp);
}

static void
test_store_not_found(void)
{
	struct store *st = NULL;
	char *dir, *missing, *db;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	gf_errclear();
	CU_ASSERT_EQUAL(store_open(dir, 0, &st), GF_ERR_NOT_FOUND);
	CHECK_ERRMSG(GF_ERR_NOT_FOUND, "no store in", "empty directory");
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st),
	    GF_ERR_NOT_FOUND);
	CU_ASSERT_PTR_NULL(st);
	/* Opening without CREATE creates nothing. */
	db = test_path(dir, "ca.db");
	CU_ASSERT_EQUAL(access(db, F_OK), -1);
	CU_ASSERT_EQUAL(test_count_names(dir, ""), 2);	/* . and .. */
	missing = test_path(dir, "missing");
	CU_ASSERT_EQUAL(store_open(missing, 0, &st), GF_ERR_NOT_FOUND);
	CU_ASSERT_PTR_NULL(st);
	free(missing);
	free(db);
	test_rmtree(dir);
}

/* A ca.db that is not a database is refused, and left as it was. */
static void
test_store_not_sqlite(void)
{
	unsigned char junk[4096];
	struct store *st = NULL;
	char *dir, *db, *after;
	size_t len;
	int flags[] = { 0, GF_STORE_CREATE, GF_STORE_READONLY };
	size_t i;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	db = test_path(dir, "ca.db");
	CU_ASSERT_EQUAL(RAND_bytes(junk, sizeof(junk)), 1);
	memcpy(junk, "not a database!", 15);
	CU_ASSERT_EQUAL(test_write_file(db, junk, sizeof(junk)), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		st = NULL;
		gf_errclear();
		r = store_open(dir, flags[i], &st);
		CU_ASSERT_EQUAL(r, GF_ERR_DB);
		CU_ASSERT_PTR_NULL(st);
		CHECK_ERRMSG(r, "ca.db is not an SQLite database", "junk");
		after = test_read_file(db, &len);
		CU_ASSERT(after != NULL && len == sizeof(junk) &&
		    memcmp(after, junk, len) == 0);
		free(after);
	}
	free(db);
	test_rmtree(dir);
}

static void
test_store_newer(void)
{
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char *dir, *path;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	path = test_path(dir, "ca.db");
	CU_ASSERT_EQUAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE future (x); "
	    "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	gf_errclear();
	r = store_open(dir, 0, &st);
	CU_ASSERT_EQUAL(r, GF_ERR_DB);
	CU_ASSERT_PTR_NULL(st);
	CHECK_ERRMSG(r, "schema version 99, newer", "version 99");
	r = store_open(dir, GF_STORE_CREATE, &st);
	CU_ASSERT_EQUAL(r, GF_ERR_DB);
	CU_ASSERT_PTR_NULL(st);

	/* The database was not migrated down or touched. */
	db = NULL;
	CU_ASSERT_EQUAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(user_version(db), 99);
	CU_ASSERT(!table_exists(db, "cert"));
	sqlite3_close(db);
	free(path);
	test_rmtree(dir);
}

extern const char gf_schema_sql[];

/* The first row of sql's result, as text, in buf (empty when none). */
static void
first_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *stmt;
	const unsigned char *t;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    (t = sqlite3_column_text(stmt, 0)) != NULL)
		snprintf(buf, size, "%s", (const char *)t);
	sqlite3_finalize(stmt);
}

/* The details of sql's query plan, one after the other, in buf. */
static void
query_plan(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *stmt;
	const unsigned char *t;
	size_t n = 0;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(stmt) == SQLITE_ROW && n < size)
		if ((t = sqlite3_column_text(stmt, 3)) != NULL)
			n += (size_t)snprintf(buf + n, size - n, "%s; ",
			    (const char *)t);
	sqlite3_finalize(stmt);
}

/*
 * A store of schema 1 is read as it is by read-only opens, and brought
 * to the current schema by the first writable one: cert_revoked then
 * covers the CRL's query, which reads no table row.
 */
static void
test_store_migrates(void)
{
	static const char plan_sql[] = "EXPLAIN QUERY PLAN SELECT serial, "
	    "revoked_at, reason, invalidity FROM cert WHERE ca_id = 1 AND "
	    "revoked_at IS NOT NULL AND (0 OR not_after >= 0) "
	    "ORDER BY length(serial), serial";
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char *dir, *path, text[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	path = test_path(dir, "ca.db");
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, gf_schema_sql, NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);

	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st), 0);
	if (st != NULL)
		CU_ASSERT_EQUAL(user_version(st->db), 1);
	store_free(st);
	st = NULL;
	CU_ASSERT_EQUAL(store_open(dir, 0, &st), 0);
	if (st != NULL) {
		CU_ASSERT_EQUAL(user_version(st->db), GF_SCHEMA_VERSION);
		query_plan(st->db, plan_sql, text, sizeof(text));
		CU_ASSERT_PTR_NOT_NULL(strstr(text,
		    "USING COVERING INDEX cert_revoked"));
	}
	store_free(st);
	db = NULL;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	first_text(db, "SELECT sql FROM sqlite_master WHERE name = "
	    "'cert_revoked'", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "revoked_at, reason, invalidity, "
	    "not_after"));
	sqlite3_close(db);
	free(path);
	test_rmtree(dir);
}

/* A read-only open never creates the schema of an empty database. */
static void
test_store_readonly_empty(void)
{
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char *dir, *path;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	path = test_path(dir, "ca.db");
	CU_ASSERT_EQUAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE other (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st), GF_ERR_DB);
	CU_ASSERT_PTR_NULL(st);
	free(path);
	test_rmtree(dir);
}

static int
exists(const char *dir, const char *name)
{
	char *path = test_path(dir, name);
	int r = access(path, F_OK) == 0;

	free(path);
	return r;
}

/*
 * store_open_ro() as genfic-ocspd opens: with GF_STORE_RO_FILES a WAL
 * store closed by its last writer (no -wal, no -shm) gets neither made,
 * whoever we are; that is GF_ERR_IO with GF_STORE_NO_FALLBACK, else it
 * is read as immutable.  Nothing can be written through any of them.
 */
static void
test_store_open_ro(void)
{
	struct store *st = NULL;
	char *dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	CU_ASSERT_EQUAL_FATAL(store_open(dir, GF_STORE_CREATE, &st), 0);
	store_free(st);
	st = NULL;
	CU_ASSERT(!exists(dir, "ca.db-wal") && !exists(dir, "ca.db-shm"));
	CU_ASSERT_EQUAL(store_open_ro(dir, GF_STORE_RO_FILES |
	    GF_STORE_NO_FALLBACK, 100, &st), GF_ERR_IO);
	CU_ASSERT_PTR_NULL(st);
	gf_errclear();
	CU_ASSERT_EQUAL(store_open_ro(dir, GF_STORE_RO_FILES, 100, &st), 0);
	if (st != NULL) {
		CU_ASSERT(st->readonly && st->immutable);
		CU_ASSERT_EQUAL(user_version(st->db), GF_SCHEMA_VERSION);
		CU_ASSERT_NOT_EQUAL(sqlite3_exec(st->db, "CREATE TABLE x (y)",
		    NULL, NULL, NULL), SQLITE_OK);
	}
	store_free(st);
	st = NULL;
	CU_ASSERT(!exists(dir, "ca.db-wal") && !exists(dir, "ca.db-shm"));
	CU_ASSERT_EQUAL(store_open_ro(dir, GF_STORE_IMMUTABLE, 100, &st), 0);
	if (st != NULL) {
		CU_ASSERT(st->immutable);
		CU_ASSERT(table_exists(st->db, "cert"));
	}
	store_free(st);
	st = NULL;
	/* The CLI's read-only open may make them, as any SQLite reader. */
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st), 0);
	if (st != NULL) {
		CU_ASSERT(st->readonly && !st->immutable);
		CU_ASSERT_NOT_EQUAL(sqlite3_exec(st->db, "CREATE TABLE x (y)",
		    NULL, NULL, NULL), SQLITE_OK);
	}
	store_free(st);
	test_rmtree(dir);
}

static void
test_store_path(void)
{
	struct store st = { (char *)"/var/lib/genfic-ca", NULL };
	static const struct {
		const char	*sub, *name, *ext, *want;
	} rows[] = {
		{ "private", "root", ".key", "/var/lib/genfic-ca/private/root.key" },
		{ NULL, "ca", ".db", "/var/lib/genfic-ca/ca.db" },
		{ "crl", "root", NULL, "/var/lib/genfic-ca/crl/root" },
	};
	char *p;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		p = store_path(&st, rows[i].sub, rows[i].name, rows[i].ext);
		CHECK_ROW(p != NULL && strcmp(p, rows[i].want) == 0,
		    rows[i].want);
		free(p);
	}
}

/* store_cached() keys its cache by the address of the SQL. */
static const char cached_sql[] = "SELECT ?1";
static const char cached_twin[] = "SELECT ?1";
static const char cached_bad[] = "SELEC ?1";
static char cached_many[GF_STORE_CACHED + 1][32];

/* A fresh store in a new directory, or NULL; *dir to test_rmtree(). */
static struct store *
cached_store(char **dir)
{
	struct store *st = NULL;
	char *path;

	if ((*dir = test_tmpdir()) == NULL)
		return NULL;
	path = test_path(*dir, "store");
	if (store_open(path, GF_STORE_CREATE, &st) != 0)
		st = NULL;
	free(path);
	return st;
}

static void
test_store_cached(void)
{
	sqlite3_stmt *a = NULL, *b = NULL, *twin = NULL;
	struct store *st;
	char *dir;

	CU_ASSERT_PTR_NOT_NULL(st = cached_store(&dir));
	if (st == NULL) {
		test_rmtree(dir);
		return;
	}
	CU_ASSERT_EQUAL(store_cached(st, cached_sql, &a), 0);
	CU_ASSERT_EQUAL(store_cached(st, cached_sql, &b), 0);
	CU_ASSERT(a != NULL && a == b);
	/* The same text at another address is another statement. */
	CU_ASSERT_EQUAL(store_cached(st, cached_twin, &twin), 0);
	CU_ASSERT(twin != NULL && twin != a);
	if (a == NULL || a != b) {
		store_free(st);
		test_rmtree(dir);
		return;
	}

	CU_ASSERT_EQUAL(sqlite3_bind_int(a, 1, 42), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(a), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(a, 0), 42);
	CU_ASSERT(sqlite3_stmt_busy(a) != 0);
	store_done(a);
	CU_ASSERT_EQUAL(sqlite3_stmt_busy(a), 0);
	/* The binding went with it: ?1 is NULL again. */
	b = NULL;
	CU_ASSERT(store_cached(st, cached_sql, &b) == 0 && b == a);
	CU_ASSERT_EQUAL(sqlite3_step(a), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_type(a, 0), SQLITE_NULL);
	store_done(a);
	CU_ASSERT_EQUAL(sqlite3_stmt_busy(a), 0);
	/* Each cached statement is prepared on the store's connection. */
	CU_ASSERT_PTR_EQUAL(sqlite3_db_handle(a), st->db);
	/* store_free() finalizes them: ASan reports a leak otherwise. */
	store_free(st);
	test_rmtree(dir);
}

/* Counts the statements prepared on db. */
static int
count_stmts(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int n = 0;

	while ((s = sqlite3_next_stmt(db, s)) != NULL)
		n++;
	return n;
}

/* Steps stmt, expecting the single integer value want. */
static int
steps_to(sqlite3_stmt *stmt, int want)
{
	int ok;

	ok = sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_int(stmt, 0) == want;
	store_done(stmt);
	return ok;
}

static void
test_store_cached_full(void)
{
	sqlite3_stmt *stmts[GF_STORE_CACHED + 1], *s;
	struct store *st;
	char *dir, row[48];
	size_t i, j;
	int r;

	for (i = 0; i <= GF_STORE_CACHED; i++)
		snprintf(cached_many[i], sizeof(cached_many[i]), "SELECT %zu",
		    i);
	CU_ASSERT_PTR_NOT_NULL(st = cached_store(&dir));
	if (st == NULL) {
		test_rmtree(dir);
		return;
	}
	/* SQL that does not prepare takes no place. */
	s = NULL;
	gf_errclear();
	r = store_cached(st, cached_bad, &s);
	CU_ASSERT_EQUAL(r, GF_ERR_DB);
	CHECK_ERRMSG(r, "syntax error", "SELEC");
	CU_ASSERT_PTR_NULL(s);

	memset(stmts, 0, sizeof(stmts));
	for (i = 0; i < GF_STORE_CACHED; i++) {
		CHECK_ROW(store_cached(st, cached_many[i], &stmts[i]) == 0 &&
		    stmts[i] != NULL, cached_many[i]);
		for (j = 0; j < i; j++)
			CHECK_ROW(stmts[i] != stmts[j], cached_many[i]);
	}
	CU_ASSERT_EQUAL(count_stmts(st->db), GF_STORE_CACHED);
	s = NULL;
	gf_errclear();
	r = store_cached(st, cached_many[GF_STORE_CACHED], &s);
	CU_ASSERT_EQUAL(r, GF_ERR_INTERNAL);
	snprintf(row, sizeof(row), "more than %d cached", GF_STORE_CACHED);
	CHECK_ERRMSG(r, row, "one too many");
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(count_stmts(st->db), GF_STORE_CACHED);

	/* A full cache still hands out what it holds, each its own. */
	for (i = 0; i < GF_STORE_CACHED; i++) {
		s = NULL;
		CHECK_ROW(store_cached(st, cached_many[i], &s) == 0 &&
		    s == stmts[i] && steps_to(s, (int)i), cached_many[i]);
	}
	store_free(st);
	test_rmtree(dir);
}

/*
 * The binders report what SQLite refuses (a parameter out of range, a
 * blob over INT_MAX bytes) instead of leaving the parameter NULL, and
 * bind NULL for a NULL pointer.
 */
static void
test_store_bind(void)
{
	sqlite3_stmt *stmt = NULL;
	struct store *st;
	char *dir;

	CU_ASSERT_PTR_NOT_NULL(st = cached_store(&dir));
	if (st == NULL) {
		test_rmtree(dir);
		return;
	}
	CU_ASSERT_EQUAL(store_prepare(st, "SELECT ?1, ?2, ?3", &stmt), 0);
	if (stmt == NULL)
		goto out;
	CU_ASSERT_EQUAL(store_bind_int64(stmt, 1, 7), 0);
	CU_ASSERT_EQUAL(store_bind_text(stmt, 2, NULL), 0);
	CU_ASSERT_EQUAL(store_bind_blob(stmt, 3, "ab", 2), 0);
	CU_ASSERT_EQUAL(sqlite3_step(stmt), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int64(stmt, 0), 7);
	CU_ASSERT_EQUAL(sqlite3_column_type(stmt, 1), SQLITE_NULL);
	CU_ASSERT_EQUAL(sqlite3_column_bytes(stmt, 2), 2);
	sqlite3_reset(stmt);
	CU_ASSERT_EQUAL(store_bind_int64(stmt, 4, 1), GF_ERR_DB);
	CU_ASSERT_PTR_NOT_NULL(strstr(gf_errmsg(GF_ERR_DB), "bind parameter"));
	CU_ASSERT_EQUAL(store_bind_text(stmt, 0, "x"), GF_ERR_DB);
	CU_ASSERT_EQUAL(store_bind_blob(stmt, 3, "ab", (size_t)INT_MAX + 1),
	    GF_ERR_DB);
	gf_errclear();
 out:
	sqlite3_finalize(stmt);
	store_free(st);
	test_rmtree(dir);
}

/*
 * store_has_table() (how a read-only open of an older store learns what it
 * lacks): the schema's tables, no other, the name bound and not spliced.
 */
static void
test_store_has_table(void)
{
	struct store *st;
	char *dir;
	int has;

	CU_ASSERT_PTR_NOT_NULL(st = cached_store(&dir));
	if (st == NULL) {
		test_rmtree(dir);
		return;
	}
	has = -1;
	CU_ASSERT(store_has_table(st, "cert", &has) == 0 && has == 1);
	has = -1;
	CU_ASSERT(store_has_table(st, "ca_generation", &has) == 0 && has == 1);
	has = -1;
	CU_ASSERT(store_has_table(st, "nosuch", &has) == 0 && has == 0);
	has = -1;
	CU_ASSERT(store_has_table(st, "x' OR name = 'cert", &has) == 0 &&
	    has == 0);
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "DROP TABLE renewal", NULL, NULL,
	    NULL), SQLITE_OK);
	has = -1;
	CU_ASSERT(store_has_table(st, "renewal", &has) == 0 && has == 0);
	store_free(st);
	test_rmtree(dir);
}

/* store_end(): the work's 0 commits, its failure rolls back and is kept. */
static void
test_store_end(void)
{
	sqlite3_stmt *stmt = NULL;
	struct store *st;
	char *dir;

	CU_ASSERT_PTR_NOT_NULL(st = cached_store(&dir));
	if (st == NULL) {
		test_rmtree(dir);
		return;
	}
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(store_begin(st), 0);
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "INSERT INTO t VALUES (1)", NULL,
	    NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(store_end(st, GF_ERR_POLICY), GF_ERR_POLICY);
	CU_ASSERT(sqlite3_get_autocommit(st->db));
	CU_ASSERT_EQUAL(store_begin(st), 0);
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "INSERT INTO t VALUES (2)", NULL,
	    NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(store_end(st, 0), 0);
	CU_ASSERT(sqlite3_get_autocommit(st->db));
	/* Only the second row: the first was rolled back. */
	CU_ASSERT_EQUAL(store_prepare(st, "SELECT group_concat(x) FROM t",
	    &stmt), 0);
	if (stmt != NULL) {
		CU_ASSERT_EQUAL(sqlite3_step(stmt), SQLITE_ROW);
		CU_ASSERT_STRING_EQUAL(sqlite3_column_text(stmt, 0), "2");
		sqlite3_finalize(stmt);
	}
	store_free(st);
	test_rmtree(dir);
}

int
test_store_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("store", NULL, NULL)) == NULL ||
	    CU_add_test(s, "create and reopen", test_store_create) == NULL ||
	    CU_add_test(s, "no store", test_store_not_found) == NULL ||
	    CU_add_test(s, "not an SQLite database",
	    test_store_not_sqlite) == NULL ||
	    CU_add_test(s, "newer schema", test_store_newer) == NULL ||
	    CU_add_test(s, "schema 1 migrated", test_store_migrates) == NULL ||
	    CU_add_test(s, "read-only without schema",
	    test_store_readonly_empty) == NULL ||
	    CU_add_test(s, "store_open_ro", test_store_open_ro) == NULL ||
	    CU_add_test(s, "store_path", test_store_path) == NULL ||
	    CU_add_test(s, "store_cached and store_done",
	    test_store_cached) == NULL ||
	    CU_add_test(s, "store_cached when full",
	    test_store_cached_full) == NULL ||
	    CU_add_test(s, "store_bind_* report", test_store_bind) == NULL ||
	    CU_add_test(s, "store_has_table", test_store_has_table) == NULL ||
	    CU_add_test(s, "store_end", test_store_end) == NULL)
		return -1;
	return 0;
}
