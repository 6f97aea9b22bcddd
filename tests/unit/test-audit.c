/* audit.c: the hash chain, and tampering it must detect. */
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "genfic/audit.h"
#include "genfic/err.h"
#include "genfic/store.h"

#include "test.h"

/* A new store in a new directory holding n audit entries. */
static struct store *
audit_store(char **dir, int n)
{
	static const struct {
		const char	*op, *ca, *serial, *subject;
	} entries[] = {
		{ "create-root", "genfic", "0A1B", "CN=GenFic Root CA" },
		{ "create-child", "genfic", "0C2D", "CN=GenFic System CA" },
		{ "sign", "genfic-system", "0E3F", "CN=host.example" },
		{ "revoke", "genfic-system", NULL, NULL },
	};
	struct store *st = NULL;
	int i;

	if ((*dir = test_tmpdir()) == NULL)
		return NULL;
	if (store_open(*dir, GF_STORE_CREATE, &st) != 0)
		return NULL;
	if (store_begin(st) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (audit_append(st, entries[i % 4].op, entries[i % 4].ca,
		    entries[i % 4].serial, entries[i % 4].subject) != 0) {
			store_rollback(st);
			goto fail;
		}
	if (store_commit(st) != 0)
		goto fail;
	return st;
 fail:
	store_free(st);
	return NULL;
}

static void
test_audit_intact(void)
{
	struct store *st;
	char *dir = NULL;
	int64_t count = -1, broken = -1;

	st = audit_store(&dir, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(audit_verify(st, &count, &broken), 0);
	CU_ASSERT_EQUAL(count, 0);
	store_free(st);
	test_rmtree(dir);

	st = audit_store(&dir, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(audit_verify(st, &count, &broken), 0);
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT_EQUAL(broken, -1);

	/* Appending in a later transaction extends the same chain. */
	CU_ASSERT_EQUAL(store_begin(st), 0);
	CU_ASSERT_EQUAL(audit_append(st, "revoke", "genfic-system", NULL,
	    NULL), 0);
	CU_ASSERT_EQUAL(store_commit(st), 0);
	CU_ASSERT_EQUAL(audit_verify(st, &count, &broken), 0);
	CU_ASSERT_EQUAL(count, 4);
	store_free(st);

	/* And survives closing and reopening the store. */
	st = NULL;
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st), 0);
	if (st != NULL) {
		CU_ASSERT_EQUAL(audit_verify(st, &count, &broken), 0);
		CU_ASSERT_EQUAL(count, 4);
	}
	store_free(st);
	test_rmtree(dir);
}

static const struct tamper {
	const char	*sql;
	int64_t		 broken;	/* the first entry that fails */
} tampers[] = {
	{ "UPDATE audit SET subject = 'CN=Mallory' WHERE id = 2", 2 },
	{ "UPDATE audit SET operation = 'sign' WHERE id = 1", 1 },
	{ "UPDATE audit SET serial = '0E40' WHERE id = 3", 3 },
	{ "UPDATE audit SET ca = 'genfic' WHERE id = 3", 3 },
	{ "UPDATE audit SET time = time + 1 WHERE id = 2", 2 },
	{ "UPDATE audit SET uid = uid + 1 WHERE id = 1", 1 },
	{ "UPDATE audit SET user = user || 'x' WHERE id = 2", 2 },
	{ "UPDATE audit SET hash = zeroblob(32) WHERE id = 2", 2 },
	{ "UPDATE audit SET hash = x'00' WHERE id = 3", 3 },
	{ "UPDATE audit SET prev_hash = zeroblob(32) WHERE id = 3", 3 },
	{ "UPDATE audit SET prev_hash = x'' WHERE id = 1", 1 },
	/* Moving the subject between fields must not hash the same. */
	{ "UPDATE audit SET serial = serial || subject, subject = '' "
	    "WHERE id = 2", 2 },
	/* A deleted entry breaks the link of the one after it. */
	{ "DELETE FROM audit WHERE id = 2", 3 },
	{ "DELETE FROM audit WHERE id = 1", 2 },
	/* Two entries swapped. */
	{ "UPDATE audit SET id = -id WHERE id IN (1, 2); "
	    "UPDATE audit SET id = 2 WHERE id = -1; "
	    "UPDATE audit SET id = 1 WHERE id = -2", 1 },
};

static void
test_audit_tamper(void)
{
	struct store *st;
	char *dir = NULL;
	int64_t count, broken;
	size_t i;
	int r;

	for (i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		const struct tamper *t = &tampers[i];

		st = audit_store(&dir, 3);
		CHECK_ROW(st != NULL, t->sql);
		if (st == NULL) {
			test_rmtree(dir);
			continue;
		}
		count = broken = -1;
		CHECK_ROW(audit_verify(st, &count, &broken) == 0 && count == 3,
		    t->sql);
		CHECK_ROW(sqlite3_exec(st->db, t->sql, NULL, NULL, NULL) ==
		    SQLITE_OK, t->sql);
		count = broken = -1;
		gf_errclear();
		r = audit_verify(st, &count, &broken);
		CHECK_ROW(r == GF_ERR_POLICY, t->sql);
		CHECK_ROW(broken == t->broken, t->sql);
		CHECK_ERRMSG(r, "chain broken at entry", t->sql);
		store_free(st);
		test_rmtree(dir);
	}
}

int
test_audit_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("audit", NULL, NULL)) == NULL ||
	    CU_add_test(s, "intact chain", test_audit_intact) == NULL ||
	    CU_add_test(s, "tampered chain", test_audit_tamper) == NULL)
		return -1;
	return 0;
}
