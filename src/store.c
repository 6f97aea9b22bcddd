/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store directory and its SQLite database: opened to write (with the
 * schema migrated), or to read only (store_open_ro(), which is all that
 * genfic-ocspd links of this file).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/store.h"

#define STORE_DB		"ca.db"
#define STORE_BUSY_MS		60000	/* a spool signing holds the lock for long */
#define STORE_RO_VFS		"genfic-ro"

extern const char gf_schema_sql[];
extern const char gf_migrate_2_sql[];
extern const char gf_migrate_3_sql[];
extern const char gf_migrate_4_sql[];
extern const char gf_migrate_5_sql[];
extern const char gf_migrate_6_sql[];
extern const char gf_migrate_7_sql[];

/* Each entry brings the database from version - 1 to version. */
static const struct {
	int		 version;
	const char	*sql;
} migrations[] = {
	{ 1, gf_schema_sql },
	{ 2, gf_migrate_2_sql },
	{ 3, gf_migrate_3_sql },
	{ 4, gf_migrate_4_sql },
	{ 5, gf_migrate_5_sql },
	{ 6, gf_migrate_6_sql },
	{ 7, gf_migrate_7_sql },
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    GF_SCHEMA_VERSION, "one migration per schema version");

int
store_fail(struct store *st, const char *what)
{
	int code = sqlite3_errcode(st->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return gf_fail(GF_ERR_BUSY, "%s: the store is locked by another "
		    "genfic-ca; retry", what);
	if (code == SQLITE_NOTADB)
		return gf_fail(GF_ERR_DB, "%s/%s is not an SQLite database",
		    st->dir, STORE_DB);
	if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN ||
	    code == SQLITE_PERM || code == SQLITE_AUTH)
		return gf_fail(GF_ERR_IO, "%s: %s (is %s %s?)", what,
		    sqlite3_errmsg(st->db), st->dir, st->readonly ? "readable" :
		    "writable");
	return gf_fail(GF_ERR_DB, "%s: %s", what, sqlite3_errmsg(st->db));
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return store_fail(st, "prepare");
	return 0;
}

/* Kept for the life of st: SQLite may place it so. */
static int
store_prepare_persistent(struct store *st, const char *sql,
    sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt,
	    NULL) != SQLITE_OK)
		return store_fail(st, "prepare");
	return 0;
}

int
store_cached(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	size_t i;
	int r;

	for (i = 0; i < GF_STORE_CACHED && st->cached[i].sql != NULL; i++)
		if (st->cached[i].sql == sql) {
			*stmt = st->cached[i].stmt;
			return 0;
		}
	if (i == GF_STORE_CACHED)
		return gf_fail(GF_ERR_INTERNAL, "more than %d cached statements",
		    GF_STORE_CACHED);
	if ((r = store_prepare_persistent(st, sql, stmt)) != 0)
		return r;
	st->cached[i].sql = sql;
	st->cached[i].stmt = *stmt;
	return 0;
}

void
store_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static int
store_exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, what);
	return 0;
}

int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE", "begin transaction");
}

/* Written by the main thread only: every transaction runs there. */
static int64_t committed_id;
static unsigned char committed_hash[32];

int
store_commit(struct store *st)
{
	int r;

	if ((r = store_exec(st, "COMMIT", "commit")) == 0 && st->audit_id != 0) {
		committed_id = st->audit_id;
		memcpy(committed_hash, st->audit_hash, sizeof(committed_hash));
	}
	st->audit_id = 0;
	return r;
}

void
store_rollback(struct store *st)
{
	st->audit_id = 0;
	if (sqlite3_get_autocommit(st->db) == 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_end(struct store *st, int r)
{
	if (r == 0 && (r = store_commit(st)) == 0)
		return 0;
	store_rollback(st);
	return r;
}

int64_t
store_audit_head(unsigned char hash[32])
{
	memcpy(hash, committed_hash, sizeof(committed_hash));
	return committed_id;
}

static int
store_user_version(struct store *st, int *version)
{
	sqlite3_stmt *stmt;
	int r = 0;

	*version = 0;
	if ((r = store_prepare(st, "PRAGMA user_version", &stmt)) != 0)
		return r;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*version = sqlite3_column_int(stmt, 0);
	else
		r = store_fail(st, "read schema version");
	sqlite3_finalize(stmt);
	return r;
}

static int
store_set_version(struct store *st, int version)
{
	char sql[64];

	/* PRAGMA takes no bound parameters; version is our own constant. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	return store_exec(st, sql, "set schema version");
}

/*
 * Before anything is written: a database without our schema (version 0:
 * empty, or another program's) is made a store only by -r and -I, and
 * one newer than we are is left alone.
 */
static int
store_check_version(struct store *st, int create)
{
	int version, r;

	if ((r = store_user_version(st, &version)) != 0)
		return r;
	if (version == 0 && !create)
		return gf_fail(GF_ERR_DB, "%s/%s has no genfic-ca schema (a root "
		    "CA made with -r creates a store)", st->dir, STORE_DB);
	if (version > GF_SCHEMA_VERSION)
		return gf_fail(GF_ERR_DB, "%s/%s has schema version %d, newer than "
		    "this genfic-ca understands (%d)", st->dir, STORE_DB,
		    version, GF_SCHEMA_VERSION);
	return 0;
}

/* Brings the schema to GF_SCHEMA_VERSION in one transaction. */
static int
store_migrate(struct store *st)
{
	size_t i;
	int version, r;

	if ((r = store_user_version(st, &version)) != 0)
		return r;
	if (version > GF_SCHEMA_VERSION)
		return gf_fail(GF_ERR_DB, "%s/%s has schema version %d, newer than "
		    "this genfic-ca understands (%d)", st->dir, STORE_DB,
		    version, GF_SCHEMA_VERSION);
	if (version == GF_SCHEMA_VERSION)
		return 0;
	if ((r = store_begin(st)) != 0)
		return r;
	/* Another process may have migrated while we waited for the lock. */
	r = store_user_version(st, &version);
	for (i = 0; r == 0 && i < sizeof(migrations) / sizeof(migrations[0]);
	    i++) {
		if (migrations[i].version <= version)
			continue;
		if ((r = store_exec(st, migrations[i].sql, "create schema")) == 0)
			r = store_set_version(st, migrations[i].version);
	}
	return store_end(st, r);
}

static int
store_make_dirs(const char *dir)
{
	static const struct {
		const char	*name;
		mode_t		 mode;
	} subdirs[] = {
		{ "private", 0700 },
		{ "certs", 0755 },
		{ "crl", 0755 },
	};
	char *path;
	size_t i;
	int r;

	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		if ((path = file_join(dir, subdirs[i].name)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		r = file_mkdir(path, subdirs[i].mode);
		free(path);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
store_connect(struct store *st, const char *path, int flags)
{
	int oflags, r;

	oflags = SQLITE_OPEN_READWRITE | ((flags & GF_STORE_CREATE) ?
	    SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		return store_fail(st, path);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if ((r = store_exec(st, "PRAGMA foreign_keys = ON", "open")) != 0 ||
	    (r = store_check_version(st, (flags & GF_STORE_CREATE) != 0)) != 0)
		return r;
	/* FULL: a committed certificate survives a power cut, not just a crash. */
	if ((r = store_exec(st, "PRAGMA journal_mode = WAL", "open")) != 0 ||
	    (r = store_exec(st, "PRAGMA synchronous = FULL", "open")) != 0)
		return r;
	return 0;
}

/* RFC 3986 percent-encoding for SQLite's file: URI. */
static char *
store_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *uri, *q;

	if ((uri = malloc(5 + 3 * strlen(path) + strlen(query) + 1)) == NULL)
		return NULL;
	memcpy(uri, "file:", 5);
	q = uri + 5;
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-_.~", *p) != NULL)
			*q++ = (char)*p;
		else {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 0x0f];
		}
	}
	memcpy(q, query, strlen(query) + 1);
	return uri;
}

/*
 * The "genfic-ro" VFS: the default one, but the files of a database are
 * opened read-only and never made or deleted.  SQLite itself opens a WAL
 * file read-write whenever the permissions allow, even for a read-only
 * connection, and a descriptor genfic-ocspd opened so as root would
 * outlive its privilege drop (issue 14).  Temporary files are as usual.
 */
static sqlite3_vfs	 ro_vfs;
static sqlite3_vfs	*ro_base;
static pthread_once_t	 ro_once = PTHREAD_ONCE_INIT;
static int		 ro_registered;

static int
ro_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
    int flags, int *out)
{
	(void)vfs;
	if (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL |
	    SQLITE_OPEN_WAL | SQLITE_OPEN_SUPER_JOURNAL)) {
		flags &= ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_EXCLUSIVE | SQLITE_OPEN_DELETEONCLOSE);
		flags |= SQLITE_OPEN_READONLY;
	}
	return ro_base->xOpen(ro_base, name, file, flags, out);
}

static int
ro_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	(void)name;
	(void)sync;
	return SQLITE_IOERR_DELETE;
}

static void
ro_register(void)
{
	if ((ro_base = sqlite3_vfs_find(NULL)) == NULL)
		return;
	/* The base's methods and pAppData: its files are its own. */
	ro_vfs = *ro_base;
	ro_vfs.zName = STORE_RO_VFS;
	ro_vfs.pNext = NULL;
	ro_vfs.xOpen = ro_open;
	ro_vfs.xDelete = ro_delete;
	ro_registered = sqlite3_vfs_register(&ro_vfs, 0) == SQLITE_OK;
}

/* One read-only connection as flags say (see store_open_ro()). */
static int
store_connect_ro(struct store *st, const char *path, int flags, int busy_ms)
{
	const char *vfs = NULL;
	char *uri;
	int r;

	if (flags & GF_STORE_RO_FILES) {
		pthread_once(&ro_once, ro_register);
		if (!ro_registered)
			return gf_fail(GF_ERR_INTERNAL, "cannot register "
			    "SQLite's read-only VFS");
		vfs = STORE_RO_VFS;
	}
	if ((uri = store_uri(path, (flags & GF_STORE_IMMUTABLE) ?
	    "?mode=ro&immutable=1" : (flags & GF_STORE_RO_FILES) ?
	    "?mode=ro&readonly_shm=1" : "?mode=ro")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	sqlite3_close_v2(st->db);
	st->db = NULL;
	st->immutable = (flags & GF_STORE_IMMUTABLE) != 0;
	if (sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK)
		r = store_fail(st, path);
	else {
		sqlite3_busy_timeout(st->db, busy_ms);
		/* Migrations so far add indexes and audit columns: older reads. */
		r = store_check_version(st, 0);
	}
	free(uri);
	return r;
}

/* Whether PATH-wal holds anything an immutable read would miss. */
static int
store_wal_in_use(const char *path)
{
	struct stat sb;
	char *wal;
	int used;

	if (asprintf(&wal, "%s-wal", path) == -1)
		return 1;
	used = stat(wal, &sb) == 0 && sb.st_size > 0;
	free(wal);
	return used;
}

/* A new struct store for dir, and DIR/ca.db checked to be a file. */
static int
store_locate(const char *dir, int flags, struct store **out, char **path_out)
{
	struct store *st;
	struct stat sb;
	char *path = NULL;
	int r;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->dir = strdup(dir)) == NULL) {
		free(st);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	if ((flags & GF_STORE_CREATE) && (r = file_mkdir(dir, 0755)) != 0)
		goto out;
	if ((path = file_join(dir, STORE_DB)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if (!(flags & GF_STORE_CREATE) && !file_exists(path)) {
		r = gf_fail(GF_ERR_NOT_FOUND, "no store in %s (a root CA made "
		    "with -r creates one)", dir);
		goto out;
	}
	/* SQLite would block on a FIFO, and blame a directory on rights. */
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT) {
			r = gf_fail(GF_ERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
	} else if (!S_ISREG(sb.st_mode)) {
		r = gf_fail(GF_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	*out = st;
	*path_out = path;
	return 0;
 out:
	free(path);
	store_free(st);
	return r;
}

int
store_open_ro(const char *dir, int flags, int busy_ms, struct store **out)
{
	struct store *st = NULL;
	char *path = NULL, why[512];
	int r;

	if ((r = store_locate(dir, 0, &st, &path)) != 0)
		return r;
	st->readonly = 1;
	r = store_connect_ro(st, path, flags, busy_ms);
	/* A WAL database we cannot make the -wal and -shm of: see store.h. */
	if (r == GF_ERR_IO && !(flags & (GF_STORE_IMMUTABLE |
	    GF_STORE_NO_FALLBACK)) && !store_wal_in_use(path)) {
		snprintf(why, sizeof(why), "%s", gf_errmsg(r));
		if (store_connect_ro(st, path, flags | GF_STORE_IMMUTABLE,
		    busy_ms) == 0)
			r = 0;
		else
			gf_fail(r, "%s", why);
	}
	if (r == 0) {
		*out = st;
		st = NULL;
	}
	free(path);
	store_free(st);
	return r;
}

int
store_open(const char *dir, int flags, struct store **out)
{
	struct store *st = NULL;
	char *path = NULL;
	int r;

	if (flags & GF_STORE_READONLY)
		return store_open_ro(dir, 0, STORE_BUSY_MS, out);
	if ((r = store_locate(dir, flags, &st, &path)) != 0)
		return r;
	/* The subdirectories only once the database is known to be good. */
	if ((r = store_connect(st, path, flags)) != 0 ||
	    (r = store_migrate(st)) != 0 ||
	    ((flags & GF_STORE_CREATE) && (r = store_make_dirs(dir)) != 0))
		goto out;
	*out = st;
	st = NULL;
 out:
	free(path);
	store_free(st);
	return r;
}

int
store_exists(const char *dir)
{
	char *path;
	int r;

	if ((path = file_join(dir, STORE_DB)) == NULL)
		return 1;	/* then store_open says why */
	r = file_exists(path);
	free(path);
	return r;
}

void
store_free(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < GF_STORE_CACHED; i++)
		sqlite3_finalize(st->cached[i].stmt);
	sqlite3_close_v2(st->db);
	free(st->dir);
	free(st);
}

char *
store_path(const struct store *st, const char *sub, const char *name,
    const char *ext)
{
	return store_dir_path(st->dir, sub, name, ext);
}

char *
store_dir_path(const char *dir, const char *sub, const char *name,
    const char *ext)
{
	char *p;

	if (asprintf(&p, "%s/%s%s%s%s", dir, sub != NULL ? sub : "",
	    sub != NULL ? "/" : "", name, ext != NULL ? ext : "") == -1)
		return NULL;
	return p;
}

/*
 * The binders: each checks SQLite's answer, so that a value that could not
 * be bound (out of memory, too big) never runs the statement with NULL.
 */
static int
store_bound(sqlite3_stmt *stmt, int rc)
{
	sqlite3 *db = sqlite3_db_handle(stmt);

	if (rc == SQLITE_OK)
		return 0;
	return gf_fail(rc == SQLITE_NOMEM ? GF_ERR_ALLOC : GF_ERR_DB,
	    "bind parameter: %s", db != NULL ? sqlite3_errmsg(db) :
	    sqlite3_errstr(rc));
}

int
store_bind_int64(sqlite3_stmt *stmt, int col, int64_t value)
{
	return store_bound(stmt, sqlite3_bind_int64(stmt, col, value));
}

int
store_bind_text(sqlite3_stmt *stmt, int col, const char *text)
{
	if (text == NULL)
		return store_bound(stmt, sqlite3_bind_null(stmt, col));
	return store_bound(stmt, sqlite3_bind_text(stmt, col, text, -1,
	    SQLITE_STATIC));
}

int
store_bind_blob(sqlite3_stmt *stmt, int col, const void *data, size_t len)
{
	if (data == NULL || len > INT_MAX)
		return data == NULL ? store_bound(stmt, sqlite3_bind_null(stmt,
		    col)) : gf_fail(GF_ERR_DB, "bind parameter: %zu bytes",
		    len);
	return store_bound(stmt, sqlite3_bind_blob(stmt, col, data, (int)len,
	    SQLITE_STATIC));
}

int
store_has_table(struct store *st, const char *name, int *has)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?1", &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, name)) == 0) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			*has = sqlite3_column_int(stmt, 0) > 0;
		else
			r = store_fail(st, "read the schema");
	}
	sqlite3_finalize(stmt);
	return r;
}

int
store_has_column(struct store *st, const char *table, const char *column,
    int *has)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT count(*) FROM pragma_table_info(?1) "
	    "WHERE name = ?2", &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, table)) == 0 &&
	    (r = store_bind_text(stmt, 2, column)) == 0) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			*has = sqlite3_column_int(stmt, 0) > 0;
		else
			r = store_fail(st, "read the schema");
	}
	sqlite3_finalize(stmt);
	return r;
}

int
store_column_dup(sqlite3_stmt *stmt, int col, char **out)
{
	const unsigned char *text;

	*out = NULL;
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return 0;
	/* Not NULL, yet no text: SQLite could not convert it (memory). */
	if ((text = sqlite3_column_text(stmt, col)) == NULL ||
	    (*out = strdup((const char *)text)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

