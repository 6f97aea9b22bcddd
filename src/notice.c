/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The notice table (notice.h). */
#include <time.h>

#include "genfic/err.h"
#include "genfic/notice.h"
#include "genfic/store.h"

void
notice_day(time_t t, char day[11])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

int
notice_sent(struct store *st, const char *kind, const char *recipient,
    const char *day, int *sent)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT count(*) FROM notice WHERE kind = ?1 "
	    "AND recipient = ?2 AND day = ?3", &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, kind)) == 0 &&
	    (r = store_bind_text(stmt, 2, recipient)) == 0 &&
	    (r = store_bind_text(stmt, 3, day)) == 0) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			*sent = sqlite3_column_int(stmt, 0) > 0;
		else
			r = store_fail(st, "read the notices");
	}
	sqlite3_finalize(stmt);
	return r;
}

int
notice_record(struct store *st, const char *kind, const char *recipient,
    const char *day, int64_t cert_id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = store_prepare(st, "INSERT INTO notice (kind, recipient, day, "
	    "cert_id, sent) VALUES (?1, ?2, ?3, ?4, ?5)", &stmt)) != 0)
		return store_end(st, r);
	if ((r = store_bind_text(stmt, 1, kind)) == 0 &&
	    (r = store_bind_text(stmt, 2, recipient)) == 0 &&
	    (r = store_bind_text(stmt, 3, day)) == 0 &&
	    (r = cert_id != 0 ? store_bind_int64(stmt, 4, cert_id) :
	    store_bind_text(stmt, 4, NULL)) == 0 &&
	    (r = store_bind_int64(stmt, 5, (int64_t)time(NULL))) == 0 &&
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "record the notice");
	sqlite3_finalize(stmt);
	return store_end(st, r);
}
