/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A planted fault: LD_PRELOAD'ed into genfic-ca, it makes the first
 * EVP_MD_CTX_new() after the first certificate row is inserted, in the
 * thread that inserted it, run out of memory: the audit entry of that
 * certificate (its row state's hash) then fails with the row already in
 * the transaction.
 */
#include <dlfcn.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

static __thread int armed;
static int fired;

int
sqlite3_step(sqlite3_stmt *stmt)
{
	static int (*real)(sqlite3_stmt *);
	const char *sql;
	int rc;

	if (real == NULL && (real = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT,
	    "sqlite3_step")) == NULL)
		return SQLITE_ERROR;
	rc = real(stmt);
	if (rc == SQLITE_DONE && !fired && (sql = sqlite3_sql(stmt)) != NULL &&
	    strncmp(sql, "INSERT INTO cert ", 17) == 0)
		armed = 1;
	return rc;
}

EVP_MD_CTX *
EVP_MD_CTX_new(void)
{
	static EVP_MD_CTX *(*real)(void);

	if (armed) {
		armed = 0;
		fired = 1;
		return NULL;
	}
	if (real == NULL && (real = (EVP_MD_CTX *(*)(void))dlsym(RTLD_NEXT,
	    "EVP_MD_CTX_new")) == NULL)
		return NULL;
	return real();
}
