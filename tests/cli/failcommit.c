/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A planted fault: LD_PRELOAD'ed into genfic-ca, it makes every COMMIT
 * run through sqlite3_exec() fail (SQLITE_IOERR), as a full disk would
 * after the transaction's other work has succeeded.
 */
#include <dlfcn.h>
#include <string.h>

#include <sqlite3.h>

int
sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **,
    char **), void *arg, char **errmsg)
{
	static int (*real)(sqlite3 *, const char *, int (*)(void *, int,
	    char **, char **), void *, char **);

	if (sql != NULL && strcmp(sql, "COMMIT") == 0)
		return SQLITE_IOERR;
	if (real == NULL &&
	    (real = (int (*)(sqlite3 *, const char *, int (*)(void *, int,
	    char **, char **), void *, char **))dlsym(RTLD_NEXT,
	    "sqlite3_exec")) == NULL)
		return SQLITE_ERROR;
	return real(db, sql, cb, arg, errmsg);
}
