/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store: one directory holding the SQLite database (ca.db), the CA
 * keys (private/), CA certificates (certs/) and the latest CRLs (crl/).
 */
#ifndef GENFIC_STORE_H
#define GENFIC_STORE_H

#include <stdint.h>

#include <sqlite3.h>

#define GF_STORE_DEFAULT	"/var/lib/genfic-ca"
#define GF_SCHEMA_VERSION	7
/* The oldest schema a read-only open reads as it is. */
#define GF_SCHEMA_READABLE	1

#define GF_STORE_CREATE		0x01	/* make the directory and database */
#define GF_STORE_READONLY	0x02	/* never writes: store_open_ro() */
/* For store_open_ro() (genfic-ocspd's needs): */
#define GF_STORE_RO_FILES	0x04	/* no file opened writable or made */
#define GF_STORE_IMMUTABLE	0x08	/* a snapshot: no locks, no -wal */
#define GF_STORE_NO_FALLBACK	0x10	/* never read as immutable instead */

#define GF_STORE_CACHED		8	/* statements kept prepared */

struct store {
	char		*dir;
	sqlite3		*db;
	int		 readonly;	/* opened by store_open_ro() */
	int		 immutable;	/* read as a snapshot (see there) */
	int64_t		 audit_id;	/* newest audit entry of the open transaction */
	unsigned char	 audit_hash[32];	/* and its hash */
	struct {
		const char	*sql;
		sqlite3_stmt	*stmt;
	} cached[GF_STORE_CACHED];
};

int	store_open(const char *dir, int flags, struct store **st);
void	store_free(struct store *st);

/*
 * Opens the store in dir for reading only, waiting busy_ms for a
 * writer's lock, with no migration (schema versions GF_SCHEMA_READABLE
 * to GF_SCHEMA_VERSION are read as they are); nothing here writes, so
 * the responder links it without any writing code.  flags:
 *
 * GF_STORE_RO_FILES: every file of the database is opened read-only and
 * none is made or deleted, whatever the permissions (the "genfic-ro"
 * VFS); the -shm is mapped read-only (readonly_shm), or SQLite builds
 * its index in memory while no writer is attached.
 * GF_STORE_IMMUTABLE: read as a file nobody writes (a --publish copy);
 * a WAL database's -wal is not read.
 *
 * A WAL database without its -wal and -shm, in a directory we may not
 * write, cannot be opened otherwise: when its -wal holds nothing, it is
 * then read as immutable (st->immutable says so), unless
 * GF_STORE_NO_FALLBACK, which makes that GF_ERR_IO.
 */
int	store_open_ro(const char *dir, int flags, int busy_ms,
	    struct store **st);

/*
 * True if dir holds a database (a store, or something store_open will
 * refuse).  -r and -I make a store only once their input is found good,
 * so that a refused one leaves nothing behind.
 */
int	store_exists(const char *dir);

/* DIR/sub/NAME.ext in a new string; sub may be NULL. */
char	*store_path(const struct store *st, const char *sub, const char *name,
	    const char *ext);

/* The same for the store in dir, before it is opened or made. */
char	*store_dir_path(const char *dir, const char *sub, const char *name,
	    const char *ext);

/* A write transaction: takes the write lock at once (BEGIN IMMEDIATE). */
int	store_begin(struct store *st);
int	store_commit(struct store *st);
void	store_rollback(struct store *st);

/*
 * Ends the write transaction whose work returned r: committed if r is 0,
 * else rolled back.  Returns r, or the commit's failure.
 */
int	store_end(struct store *st, int r);

/*
 * The newest audit entry a transaction of this process committed, and
 * its hash (the head of the chain for the logbook).  Returns its id, or 0.
 */
int64_t	store_audit_head(unsigned char hash[32]);

/* Prepares sql, recording SQLite's message on failure. */
int	store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt);

/*
 * The statement for sql, prepared once for the life of st: for those run
 * for every certificate.  sql must be a string constant, whose address
 * keys the cache.  Hand it back with store_done(), never finalize it.
 */
int	store_cached(struct store *st, const char *sql, sqlite3_stmt **stmt);
void	store_done(sqlite3_stmt *stmt);

/* Records SQLite's last error on st as the failure of what. */
int	store_fail(struct store *st, const char *what);

/*
 * Bind parameter col of stmt, checking SQLite's answer: 0, or a negative
 * GF_ERR_* with the reason recorded.  Text and blobs are bound without a
 * copy (SQLITE_STATIC): they must outlive the step; NULL binds SQL NULL.
 */
int	store_bind_int64(sqlite3_stmt *stmt, int col, int64_t value);
int	store_bind_text(sqlite3_stmt *stmt, int col, const char *text);
int	store_bind_blob(sqlite3_stmt *stmt, int col, const void *data,
	    size_t len);

/* *has: whether the database has table name (an older schema may not). */
int	store_has_table(struct store *st, const char *name, int *has);

/* *has: whether table has column (an older schema may not). */
int	store_has_column(struct store *st, const char *table,
	    const char *column, int *has);

/* A copy of text column col in *out (NULL for SQL NULL), or GF_ERR_ALLOC. */
int	store_column_dup(sqlite3_stmt *stmt, int col, char **out);

#endif
