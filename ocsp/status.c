/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificate status from the store's database: one read-only connection
 * per worker thread, opened lazily, and a watcher thread that notices
 * changes (PRAGMA data_version; the file replaced or rewritten) once a
 * second.
 *
 * Nothing here can write a file of the store, whoever we run as (issue
 * 14).  Every connection is the core's store_open_ro() with
 * GF_STORE_RO_FILES: the "genfic-ro" VFS opens each file read-only and
 * creates or deletes none, and the -shm is mapped read-only (see store.h).
 *
 * A WAL database needs its -wal and -shm to be read that way.  Before the
 * drop, missing ones are made empty, as any SQLite reader would make
 * them; the watcher's connection stays open, so that a writer's last close
 * leaves them in place.  A file that replaces the database later is opened
 * as the unprivileged user; if it is in WAL mode without -wal/-shm and
 * they cannot be made, it is opened immutable, and changes are seen
 * through its mtime (a writer's final checkpoint rewrites the file).  A
 * rollback-journal database (genfic-ca --publish) needs neither file.
 *
 * An installed snapshot (DIR/current followed) is verified against its
 * MANIFEST before it is served and never written: a new state comes as a
 * new snapshot, which the watcher switches to.  The workers read it
 * immutable, without SQLite's locks and change checks on every lookup
 * (about a third of a live answer's CPU, docs/performance.md); the
 * watcher's connection is the usual one, and a file replaced in place
 * still makes every thread reopen.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/store.h"
#include "ocspd-local.h"

#define SDB_BUSY_MS	2000	/* a worker waits no longer, then tryLater */
#define SDB_POLL_SEC	1
#define SDB_FLAGS	(GF_STORE_RO_FILES | GF_STORE_NO_FALLBACK)

struct conn {
	struct store	*st;
	uint64_t	 epoch;		/* of the file it was opened on */
};

/*
 * The directory served and its database.  A switch to another snapshot
 * pushes a new one; the older stay until the end, so that a worker that
 * read the pointer just before may still use its strings.
 */
struct where {
	char		*dir;		/* the store, absolute */
	char		*path;		/* DIR/ca.db */
	time_t		 signed_at;	/* of its MANIFEST.sig; 0: none */
	struct where	*older;
};

struct statusdb {
	_Atomic(struct where *) at;	/* what is served now */
	char		*link;		/* DIR/current followed, or NULL */
	X509_STORE	*trust;		/* --snapshot-trust, borrowed */
	pthread_mutex_t	 snap_lock;	/* guards the fields below */
	char		*refused;	/* the last snapshot refused */
	char		 refused_why[512];
	unsigned long	 switches, refusals;
	void		(*on_switch)(void *);	/* after a switch */
	void		*on_switch_arg;
	struct store	*watch;		/* the watcher's connection */
	int64_t		 data_version;
	int		 moved;		/* data_version did, since the last bump */
	struct stat	 sb;		/* of path when watch was opened */
	struct stat	 wal_sb;	/* of path-wal at the last look */
	time_t		 wal_looked;	/* when */
	_Atomic uint64_t gen;		/* bumped on any change */
	_Atomic uint64_t epoch;		/* bumped: connections must reopen */
	atomic_int	 reopen;	/* SIGHUP asked for it */
	atomic_int	 immutable;	/* opened so, for want of -wal/-shm */
	atomic_int	 failing;	/* the watcher warned already */
	void		(*on_poll)(void *);	/* after each look */
	void		*on_poll_arg;
	pthread_key_t	 key;		/* the thread's struct conn */
	int		 have_key;
	pthread_t	 thread;
	pthread_mutex_t	 lock;		/* guards stop, with cond */
	pthread_cond_t	 cond;
	int		 stop;
	int		 running;
};

static const char version_sql[] = "PRAGMA data_version";

static const struct where *
here(const struct statusdb *sdb)
{
	return atomic_load(&((struct statusdb *)sdb)->at);
}

static int
where_push(struct statusdb *sdb, const char *dir, time_t signed_at)
{
	struct where *w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->dir = strdup(dir)) == NULL ||
	    (w->path = store_dir_path(dir, NULL, "ca.db", NULL)) == NULL) {
		if (w != NULL)
			free(w->dir);
		free(w);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	w->signed_at = signed_at;
	w->older = atomic_load(&sdb->at);
	atomic_store(&sdb->at, w);
	return 0;
}

static void
where_free_all(struct statusdb *sdb)
{
	struct where *w = atomic_load(&sdb->at), *older;

	for (; w != NULL; w = older) {
		older = w->older;
		free(w->dir);
		free(w->path);
		free(w);
	}
}

/*
 * Makes the missing -wal and -shm of a database SQLite could not open
 * without them, empty, with its owner and mode, as SQLite would for a
 * reader that may write the directory (see the top).  Never by opening
 * the database itself: closing any descriptor of it would drop the
 * POSIX locks our connections hold.  Returns whether it made one.
 */
static int
wal_files_make(const struct statusdb *sdb)
{
	static const char *const ext[] = { "-wal", "-shm" };
	struct stat sb;
	char *path;
	size_t i;
	int fd, made = 0;

	if (stat(here(sdb)->path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    access(here(sdb)->path, R_OK) == -1)
		return 0;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		if (asprintf(&path, "%s%s", here(sdb)->path, ext[i]) == -1)
			return made;
		fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, sb.st_mode & 0666);
		/* The umask aside; root's are the owner's, as SQLite's. */
		if (fd != -1 && (fchmod(fd, sb.st_mode & 0666) == -1 ||
		    (geteuid() == 0 && fchown(fd, sb.st_uid, sb.st_gid) == -1)))
			logger_warnx("%s: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			made = 1;
		}
		free(path);
	}
	return made;
}

/*
 * As the core opens a store read-only; a WAL database whose -wal and
 * -shm are missing gets them first when we may make them (see the top).
 * flags: SDB_FLAGS, or with GF_STORE_IMMUTABLE (snapshot_flags()).
 */
static int
sdb_open(struct statusdb *sdb, int flags, struct store **out)
{
	const struct where *w = here(sdb);
	int r;

	if ((r = store_open_ro(w->dir, flags, SDB_BUSY_MS, out)) !=
	    GF_ERR_IO || (flags & GF_STORE_IMMUTABLE))
		return r;
	gf_errclear();
	wal_files_make(sdb);
	if ((r = store_open_ro(w->dir, GF_STORE_RO_FILES, SDB_BUSY_MS,
	    out)) != 0)
		return r;
	if ((*out)->immutable && atomic_exchange(&sdb->immutable, 1) == 0)
		logger_warnx("%s: no -wal/-shm files, and they cannot be "
		    "created here: reading it as immutable; changes are seen "
		    "when the file itself changes (genfic-ca --publish makes "
		    "a copy that needs neither)", w->path);
	return 0;
}

int
statusdb_connect(struct statusdb *sdb, struct store **st)
{
	return sdb_open(sdb, SDB_FLAGS, st);
}

/* Whether path's -wal holds anything (1 when that cannot be told). */
static int
wal_in_use(const char *path)
{
	struct stat sb;
	char *wal;
	int used;

	if (asprintf(&wal, "%s-wal", path) == -1)
		return 1;
	used = stat(wal, &sb) == 0 ? sb.st_size > 0 : errno != ENOENT;
	free(wal);
	return used;
}

/*
 * The flags of a worker's connection: immutable on an installed
 * snapshot, whose file is verified and never written (see the top),
 * unless a -wal holds part of it.
 */
static int
snapshot_flags(const struct statusdb *sdb)
{
	if (sdb->link == NULL || wal_in_use(here(sdb)->path))
		return SDB_FLAGS;
	return SDB_FLAGS | GF_STORE_IMMUTABLE;
}

static int
data_version(struct statusdb *sdb, int64_t *v)
{
	sqlite3_stmt *stmt;
	int r;

	*v = 0;
	if ((r = store_cached(sdb->watch, version_sql, &stmt)) != 0)
		return r;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*v = sqlite3_column_int64(stmt, 0);
	else
		r = store_fail(sdb->watch, "data_version");
	store_done(stmt);
	return r;
}

/* (Re)opens the watcher's connection, remembering the file it is on. */
static int
watch_open(struct statusdb *sdb)
{
	struct store *st = NULL;
	struct stat sb;
	int64_t v;
	int r;

	if (stat(here(sdb)->path, &sb) == -1)
		return gf_fail(errno == ENOENT ? GF_ERR_NOT_FOUND : GF_ERR_IO,
		    "%s: %s", here(sdb)->path, strerror(errno));
	if ((r = sdb_open(sdb, SDB_FLAGS, &st)) != 0)
		return r;
	/* Open the new one before closing the old: the -shm stays mapped. */
	store_free(sdb->watch);
	sdb->watch = st;
	sdb->sb = sb;
	if ((r = data_version(sdb, &v)) != 0)
		return r;
	sdb->data_version = v;
	return 0;
}

static void
conn_close(struct conn *c)
{
	store_free(c->st);
	c->st = NULL;
}

static void
conn_destroy(void *arg)
{
	struct conn *c = arg;

	conn_close(c);
	free(c);
}

int
statusdb_open(const char *dir, struct statusdb **out)
{
	struct statusdb *sdb;
	char real[PATH_MAX];
	int r;

	if (realpath(dir, real) == NULL)
		return errno == ENOENT ? gf_fail(GF_ERR_NOT_FOUND, "no store "
		    "here (no such directory)") : gf_fail(GF_ERR_IO, "%s",
		    strerror(errno));
	if ((sdb = calloc(1, sizeof(*sdb))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	pthread_mutex_init(&sdb->lock, NULL);
	pthread_cond_init(&sdb->cond, NULL);
	pthread_mutex_init(&sdb->snap_lock, NULL);
	if ((r = where_push(sdb, real, 0)) != 0)
		goto out;
	if (pthread_key_create(&sdb->key, conn_destroy) != 0) {
		r = gf_fail(GF_ERR_ALLOC, "pthread_key_create failed");
		goto out;
	}
	sdb->have_key = 1;
	if ((r = watch_open(sdb)) == GF_ERR_NOT_FOUND)
		r = gf_fail(r, "no store here (no ca.db; genfic-ca -r makes "
		    "one)");
	if (r != 0)
		goto out;
	*out = sdb;
	sdb = NULL;
 out:
	statusdb_free(sdb);
	return r;
}

void
statusdb_free(struct statusdb *sdb)
{
	struct conn *c;

	if (sdb == NULL)
		return;
	statusdb_stop(sdb);
	if (sdb->have_key) {
		/* The caller's own; the workers' went with their threads. */
		if ((c = pthread_getspecific(sdb->key)) != NULL) {
			pthread_setspecific(sdb->key, NULL);
			conn_destroy(c);
		}
		pthread_key_delete(sdb->key);
	}
	store_free(sdb->watch);
	pthread_mutex_destroy(&sdb->lock);
	pthread_cond_destroy(&sdb->cond);
	where_free_all(sdb);
	free(sdb->link);
	free(sdb->refused);
	pthread_mutex_destroy(&sdb->snap_lock);
	free(sdb);
}

const char *
statusdb_path(const struct statusdb *sdb)
{
	return here(sdb)->path;
}

static int
conn_open(struct statusdb *sdb, struct conn *c)
{
	int r;

	if ((r = sdb_open(sdb, snapshot_flags(sdb), &c->st)) != 0)
		return r;
	if ((r = certdb_status_prepare(c->st)) != 0)
		conn_close(c);
	return r;
}

/* This thread's connection, reopened when the file changed. */
static int
conn_get(struct statusdb *sdb, struct conn **out)
{
	struct conn *c;
	uint64_t epoch = atomic_load(&sdb->epoch);
	int r;

	if ((c = pthread_getspecific(sdb->key)) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		if (pthread_setspecific(sdb->key, c) != 0) {
			free(c);
			return gf_fail(GF_ERR_ALLOC, "pthread_setspecific "
			    "failed");
		}
	}
	if (c->st != NULL && c->epoch == epoch) {
		*out = c;
		return 0;
	}
	conn_close(c);
	if ((r = conn_open(sdb, c)) != 0)
		return r;
	c->epoch = epoch;
	*out = c;
	return 0;
}

/* What a status lookup asks: a certificate, or the CA's own (no serial). */
struct ask {
	int64_t			 ca_id;
	const struct serial	*serial;	/* NULL: the CA's own */
	int64_t			 first, end;	/* the generation's ids */
	int			 generation;	/* the CA's own: whose */
};

static int
status_query(struct store *st, const struct ask *q, struct cert_status *out,
    int *found)
{
	struct certdb_status cs;
	int r;

	memset(out, 0, sizeof(*out));
	if (q->serial != NULL)
		r = certdb_status(st, q->ca_id, q->serial, q->first, q->end,
		    &cs, found);
	else
		r = certdb_ca_status(st, q->ca_id, q->generation, &cs, found);
	if (r != 0 || !*found)
		return r;
	out->status = cs.revoked ? V_OCSP_CERTSTATUS_REVOKED :
	    V_OCSP_CERTSTATUS_GOOD;
	out->revoked_at = cs.revoked_at;
	out->reason = cs.reason;
	out->invalidity = cs.invalidity;
	return 0;
}

/* status_query() on this thread's connection, dropped when it failed. */
static int
conn_query(struct statusdb *sdb, const struct ask *q, struct cert_status *out,
    int *found)
{
	struct conn *c = NULL;
	int r;

	if ((r = conn_get(sdb, &c)) != 0)
		return r;
	/* A fresh connection may do better on the next request. */
	if ((r = status_query(c->st, q, out, found)) != 0 && r != GF_ERR_BUSY)
		conn_close(c);
	return r;
}

int
statusdb_lookup(struct statusdb *sdb, const struct served_ca *ca,
    const struct serial *serial, struct cert_status *st)
{
	const struct ask q = { ca->id, serial, ca->first_cert, ca->end_cert };
	struct cert_status out;
	int found, r;

	if ((r = conn_query(sdb, &q, &out, &found)) != 0)
		return r;
	/* Not issued by this CA (with this key): never "good". */
	if (!found)
		out.status = V_OCSP_CERTSTATUS_UNKNOWN;
	*st = out;
	return 0;
}

int
statusdb_ca_status(struct statusdb *sdb, const struct served_ca *ca,
    struct cert_status *st)
{
	const struct ask q = { ca->id, NULL, 0, 0, ca->generation };
	struct cert_status out;
	int found, r;

	if ((r = conn_query(sdb, &q, &out, &found)) != 0)
		return r;
	if (!found)
		return gf_fail(GF_ERR_NOT_FOUND, "%s: CA %s generation %d has "
		    "no certificate", here(sdb)->path, ca->name,
		    ca->generation);
	*st = out;
	return 0;
}

int
statusdb_failing(struct statusdb *sdb)
{
	return atomic_load(&sdb->failing);
}

void
statusdb_on_poll(struct statusdb *sdb, void (*fn)(void *), void *arg)
{
	sdb->on_poll = fn;
	sdb->on_poll_arg = arg;
}

int
statusdb_check(struct statusdb *sdb)
{
	struct conn c;
	struct serial s;
	struct ask q = { 0, &s, 0, 0 };
	struct cert_status st;
	int found, r;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	s.len = 1;
	if ((r = conn_open(sdb, &c)) != 0)
		return r;
	r = status_query(c.st, &q, &st, &found);
	conn_close(&c);
	return r;
}

uint64_t
statusdb_generation(struct statusdb *sdb)
{
	return atomic_load(&sdb->gen);
}

void
statusdb_reopen(struct statusdb *sdb)
{
	atomic_store(&sdb->reopen, 1);
	pthread_mutex_lock(&sdb->lock);
	pthread_cond_signal(&sdb->cond);
	pthread_mutex_unlock(&sdb->lock);
}

static int
file_changed(const struct stat *a, const struct stat *b)
{
	return a->st_dev != b->st_dev || a->st_ino != b->st_ino ||
	    a->st_size != b->st_size ||
	    a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

/*
 * Whether a change may have reached the database through its -wal (1
 * when there is none).  A reader that may not write the -shm (see the
 * top) sees data_version move on every read while the WAL is empty, so in
 * WAL mode a change must show in the file too.  A write within the clock
 * tick of our last look would not show in its mtime: a file modified less
 * than 2 s before that look counts as changed.
 */
static int
wal_changed(struct statusdb *sdb)
{
	struct stat sb;
	char *wal;
	int gone, changed;

	if (asprintf(&wal, "%s-wal", here(sdb)->path) == -1)
		return 1;
	gone = stat(wal, &sb) == -1;
	free(wal);
	if (gone)
		return 1;
	changed = file_changed(&sb, &sdb->wal_sb) ||
	    sdb->wal_sb.st_mtim.tv_sec >= sdb->wal_looked - 2;
	sdb->wal_sb = sb;
	sdb->wal_looked = time(NULL);
	return changed;
}

static void
refuse_snapshot(struct statusdb *sdb, const char *target, const char *why)
{
	pthread_mutex_lock(&sdb->snap_lock);
	free(sdb->refused);
	sdb->refused = strdup(target);
	snprintf(sdb->refused_why, sizeof(sdb->refused_why), "%s refused: %s",
	    target, why);
	sdb->refusals++;
	pthread_mutex_unlock(&sdb->snap_lock);
	logger_warnx("snapshot %s refused: %s; still serving %s", target, why,
	    here(sdb)->dir);
}

/*
 * Whether the link now points at another snapshot that verifies (then
 * served from now on).  One that does not is refused once, with a
 * warning, and the one served stays.
 */
static int
follow(struct statusdb *sdb)
{
	char target[PATH_MAX], why[256];
	time_t signed_at;
	int same, r;

	if (realpath(sdb->link, target) == NULL ||
	    strcmp(target, here(sdb)->dir) == 0)
		return 0;
	pthread_mutex_lock(&sdb->snap_lock);
	same = sdb->refused != NULL && strcmp(sdb->refused, target) == 0;
	pthread_mutex_unlock(&sdb->snap_lock);
	if (same)
		return 0;
	/* Judged by the store served too: it may tell of a stolen signer. */
	if ((r = snapshot_verify_with(target, sdb->trust, here(sdb)->dir,
	    &signed_at, NULL)) != 0) {
		snprintf(why, sizeof(why), "%s", gf_errmsg(r));
		gf_errclear();
		refuse_snapshot(sdb, target, why);
		return 0;
	}
	if (signed_at < here(sdb)->signed_at) {
		refuse_snapshot(sdb, target, "signed before the snapshot "
		    "served");
		return 0;
	}
	if (where_push(sdb, target, signed_at) != 0) {
		gf_errclear();
		return 0;
	}
	pthread_mutex_lock(&sdb->snap_lock);
	sdb->switches++;
	free(sdb->refused);	/* history now: the metrics keep the count */
	sdb->refused = NULL;
	pthread_mutex_unlock(&sdb->snap_lock);
	logger_info("snapshot %s verified: serving it", target);
	return 1;
}

void
statusdb_follow(struct statusdb *sdb, char *link, X509_STORE *trust,
    time_t signed_at)
{
	sdb->link = link;
	sdb->trust = trust;
	atomic_load(&sdb->at)->signed_at = signed_at;
}

void
statusdb_on_switch(struct statusdb *sdb, void (*fn)(void *), void *arg)
{
	sdb->on_switch = fn;
	sdb->on_switch_arg = arg;
}

void
statusdb_snapshot(struct statusdb *sdb, struct snapshot_info *out)
{
	const struct where *w = here(sdb);

	pthread_mutex_lock(&sdb->snap_lock);
	out->dir = w->dir;
	out->signed_at = w->signed_at;
	out->switches = sdb->switches;
	out->refusals = sdb->refusals;
	snprintf(out->refused_why, sizeof(out->refused_why), "%s",
	    sdb->refused != NULL ? sdb->refused_why : "");
	pthread_mutex_unlock(&sdb->snap_lock);
}

/* One look at the database; bumps gen (and epoch) on a change. */
static void
poll_once(struct statusdb *sdb)
{
	struct stat sb;
	int64_t v;
	int reopen, wal, switched = 0, r;

	reopen = atomic_exchange(&sdb->reopen, 0);
	if (sdb->link != NULL && follow(sdb))
		reopen = switched = 1;
	if (!reopen && stat(here(sdb)->path, &sb) == 0 &&
	    file_changed(&sb, &sdb->sb))
		reopen = 1;
	if (reopen) {
		if ((r = watch_open(sdb)) != 0) {
			/* Keep serving from the old file; retry next time. */
			if (!sdb->failing)
				logger_warnx("reopen: %s", gf_errmsg(r));
			sdb->failing = 1;
			atomic_store(&sdb->reopen, 1);
			gf_errclear();
			return;
		}
		if (sdb->failing)
			logger_info("%s: reopened", here(sdb)->path);
		sdb->failing = 0;
		atomic_fetch_add(&sdb->epoch, 1);
		atomic_fetch_add(&sdb->gen, 1);
		if (switched && sdb->on_switch != NULL)
			sdb->on_switch(sdb->on_switch_arg);
		return;
	}
	/* The file before data_version: a write between is seen next time. */
	wal = wal_changed(sdb);
	if ((r = data_version(sdb, &v)) != 0) {
		logger_warnx("%s", gf_errmsg(r));
		gf_errclear();
		atomic_store(&sdb->reopen, 1);
		return;
	}
	if (v != sdb->data_version) {
		sdb->data_version = v;
		sdb->moved = 1;
	}
	if (sdb->moved && wal) {
		sdb->moved = 0;
		atomic_fetch_add(&sdb->gen, 1);
	}
}

static void *
watcher(void *arg)
{
	struct statusdb *sdb = arg;
	struct timespec ts;

	pthread_mutex_lock(&sdb->lock);
	while (!sdb->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += SDB_POLL_SEC;
		pthread_cond_timedwait(&sdb->cond, &sdb->lock, &ts);
		if (sdb->stop)
			break;
		pthread_mutex_unlock(&sdb->lock);
		poll_once(sdb);
		if (sdb->on_poll != NULL)
			sdb->on_poll(sdb->on_poll_arg);
		pthread_mutex_lock(&sdb->lock);
	}
	pthread_mutex_unlock(&sdb->lock);
	return NULL;
}

int
statusdb_start(struct statusdb *sdb)
{
	if (pthread_create(&sdb->thread, NULL, watcher, sdb) != 0)
		return gf_fail(GF_ERR_INTERNAL, "cannot start the watcher "
		    "thread");
	sdb->running = 1;
	return 0;
}

void
statusdb_stop(struct statusdb *sdb)
{
	if (!sdb->running)
		return;
	pthread_mutex_lock(&sdb->lock);
	sdb->stop = 1;
	pthread_cond_signal(&sdb->cond);
	pthread_mutex_unlock(&sdb->lock);
	pthread_join(sdb->thread, NULL);
	sdb->running = 0;
}

static uint64_t
source_generation(void *arg)
{
	return statusdb_generation(arg);
}

static int
source_lookup(void *arg, const struct served_ca *ca,
    const struct serial *serial, struct cert_status *st)
{
	return statusdb_lookup(arg, ca, serial, st);
}

static int
source_ca_status(void *arg, const struct served_ca *ca, struct cert_status *st)
{
	return statusdb_ca_status(arg, ca, st);
}

void
statusdb_source(struct statusdb *sdb, struct status_source *src)
{
	src->generation = source_generation;
	src->lookup = source_lookup;
	src->ca_status = source_ca_status;
	src->arg = sdb;
}
