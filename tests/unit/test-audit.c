/* SPDX-License-Identifier: GPL-2.0-or-later */
/* audit.c: the hash chain, the state it commits to, and tampering it must detect. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "genfic/audit.h"
#include "genfic/err.h"
#include "genfic/store.h"

#include "test.h"

/* The rows the entries below change: a CA and two certificates of it. */
static const char rows_sql[] =
    "INSERT INTO ca (id, name, key_ref, template, leaf_template, crl_days, "
    "created) VALUES (1, 'genfic', 'file:private/genfic.key', 'root', "
    "'server', 7, 1700000000);"
    "INSERT INTO cert (ca_id, serial, subject, not_after, subject_hash, "
    "issued) VALUES (1, x'0A1B', 'CN=GenFic Root CA', 2000000000, "
    "'00000000', 1700000000), (1, x'0C2D', 'CN=host.example', 2000000000, "
    "'00000001', 1700000000);";

/* A new store in a new directory holding n (0 to 3) audit entries. */
static struct store *
audit_store(char **dir, int n)
{
	static const struct {
		const char	*op, *ca, *serial, *subject;
	} entries[] = {
		{ "create-ca", "genfic", NULL, NULL },
		{ "issue", "genfic", "0A1B", "CN=GenFic Root CA" },
		{ "issue", "genfic", "0C2D", "CN=host.example" },
	};
	struct store *st = NULL;
	int i;

	if ((*dir = test_tmpdir()) == NULL)
		return NULL;
	if (store_open(*dir, GF_STORE_CREATE, &st) != 0)
		return NULL;
	if (store_begin(st) != 0)
		goto fail;
	if (n > 0 && sqlite3_exec(st->db, rows_sql, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_rollback(st);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (audit_append(st, entries[i].op, entries[i].ca,
		    entries[i].serial, entries[i].subject) != 0) {
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
	struct audit_report rep;
	struct store *st;
	char *dir = NULL;

	st = audit_store(&dir, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(audit_verify(st, &rep), 0);
	CU_ASSERT_EQUAL(rep.entries, 0);
	audit_report_clear(&rep);
	store_free(st);
	test_rmtree(dir);

	st = audit_store(&dir, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(audit_verify(st, &rep), 0);
	CU_ASSERT_EQUAL(rep.entries, 3);
	CU_ASSERT_EQUAL(rep.broken, 0);
	CU_ASSERT_EQUAL(rep.checked, 3);
	CU_ASSERT_EQUAL(rep.legacy, 0);
	audit_report_clear(&rep);

	/* A change and its entry in a later transaction extend the chain. */
	CU_ASSERT_EQUAL(store_begin(st), 0);
	CU_ASSERT_EQUAL(sqlite3_exec(st->db, "UPDATE cert SET revoked_at = 1, "
	    "reason = 1 WHERE serial = x'0C2D'", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(audit_append(st, "revoke", "genfic", "0C2D", NULL), 0);
	CU_ASSERT_EQUAL(store_commit(st), 0);
	CU_ASSERT_EQUAL(audit_verify(st, &rep), 0);
	CU_ASSERT_EQUAL(rep.entries, 4);
	CU_ASSERT_EQUAL(rep.head_id, 4);
	audit_report_clear(&rep);
	store_free(st);

	/* And survives closing and reopening the store. */
	st = NULL;
	CU_ASSERT_EQUAL(store_open(dir, GF_STORE_READONLY, &st), 0);
	if (st != NULL) {
		CU_ASSERT_EQUAL(audit_verify(st, &rep), 0);
		CU_ASSERT_EQUAL(rep.entries, 4);
		audit_report_clear(&rep);
	}
	store_free(st);
	test_rmtree(dir);
}

/* An entry for a row that is not there is refused: nothing to commit to. */
static void
test_audit_no_row(void)
{
	struct store *st;
	char *dir = NULL;

	st = audit_store(&dir, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st), 0);
	CU_ASSERT_EQUAL(audit_append(st, "revoke", "genfic", "0E3F", NULL),
	    GF_ERR_INTERNAL);
	CU_ASSERT_EQUAL(audit_append(st, "set", "genfic-user", NULL, NULL),
	    GF_ERR_INTERNAL);
	store_rollback(st);
	store_free(st);
	test_rmtree(dir);
}

static const struct tamper {
	const char	*sql;
	int64_t		 broken;	/* the first entry that fails, or 0 */
	const char	*why;		/* in the first finding */
} tampers[] = {
	{ "UPDATE audit SET subject = 'CN=Mallory' WHERE id = 2", 2,
	    "chain broken at entry 2" },
	{ "UPDATE audit SET operation = 'sign' WHERE id = 1", 1,
	    "chain broken at entry 1" },
	{ "UPDATE audit SET serial = '0E40' WHERE id = 3", 3,
	    "chain broken at entry 3" },
	{ "UPDATE audit SET ca = 'genfic-user' WHERE id = 3", 3,
	    "chain broken at entry 3" },
	{ "UPDATE audit SET time = time + 1 WHERE id = 2", 2,
	    "chain broken at entry 2" },
	{ "UPDATE audit SET uid = uid + 1 WHERE id = 1", 1,
	    "chain broken at entry 1" },
	{ "UPDATE audit SET user = user || 'x' WHERE id = 2", 2,
	    "chain broken at entry 2" },
	{ "UPDATE audit SET hash = zeroblob(32) WHERE id = 2", 2,
	    "chain broken at entry 2" },
	{ "UPDATE audit SET hash = x'00' WHERE id = 3", 3,
	    "chain broken at entry 3" },
	{ "UPDATE audit SET prev_hash = zeroblob(32) WHERE id = 3", 3,
	    "chain broken at entry 3" },
	{ "UPDATE audit SET prev_hash = x'' WHERE id = 1", 1,
	    "chain broken at entry 1" },
	{ "UPDATE audit SET state = zeroblob(32) WHERE id = 2", 2,
	    "chain broken at entry 2" },
	{ "UPDATE audit SET object = 'ca' WHERE id = 2", 2,
	    "chain broken at entry 2" },
	/* Made to look older than state commitments. */
	{ "UPDATE audit SET object = NULL, state = NULL WHERE id = 2", 2,
	    "chain broken at entry 2" },
	/* Moving the subject between fields must not hash the same. */
	{ "UPDATE audit SET serial = serial || subject, subject = '' "
	    "WHERE id = 2", 2, "chain broken at entry 2" },
	/* A deleted entry breaks the link of the one after it. */
	{ "DELETE FROM audit WHERE id = 2", 3, "chain broken at entry 3" },
	{ "DELETE FROM audit WHERE id = 1", 2, "chain broken at entry 2" },
	/* Two entries swapped. */
	{ "UPDATE audit SET id = -id WHERE id IN (1, 2); "
	    "UPDATE audit SET id = 2 WHERE id = -1; "
	    "UPDATE audit SET id = 1 WHERE id = -2", 1,
	    "chain broken at entry 1" },
	/* The last entry deleted: its row is left unexplained. */
	{ "DELETE FROM audit WHERE id = 3", 0,
	    "cert 0C2D (genfic, CN=host.example, valid): no audit entry" },
	/* The tables changed behind the log's back. */
	{ "UPDATE cert SET revoked_at = 1, reason = 1 WHERE serial = x'0C2D'",
	    0, "cert 0C2D (genfic, CN=host.example): state differs from "
	    "audit entry 3 (issue); the row now says revoked" },
	{ "UPDATE cert SET not_after = not_after + 1 WHERE serial = x'0A1B'",
	    0, "cert 0A1B (genfic, CN=GenFic Root CA): state differs" },
	{ "UPDATE cert SET not_after = CAST(not_after AS BLOB) WHERE "
	    "serial = x'0A1B'", 0, "cert 0A1B (genfic, CN=GenFic Root CA): "
	    "state differs" },
	{ "DELETE FROM cert WHERE serial = x'0A1B'", 0,
	    "cert 0A1B of genfic: audit entry 2 (issue) records it, but the "
	    "store has no such row" },
	{ "INSERT INTO cert (ca_id, serial, subject, not_after, subject_hash, "
	    "issued) VALUES (1, x'0E3F', 'CN=planted', 2000000000, '0', 0)", 0,
	    "cert 0E3F (genfic, CN=planted, valid): no audit entry records it" },
	{ "UPDATE ca SET crl_url = 'http://evil.example/'", 0,
	    "CA genfic: state differs from audit entry 1 (create-ca)" },
	{ "UPDATE ca SET next_crl_number = 7", 0,
	    "CA genfic: state differs from audit entry 1 (create-ca)" },
};

static void
test_audit_tamper(void)
{
	struct audit_report rep;
	struct store *st;
	char *dir = NULL;
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
		CHECK_ROW(audit_verify(st, &rep) == 0 && rep.entries == 3,
		    t->sql);
		audit_report_clear(&rep);
		CHECK_ROW(sqlite3_exec(st->db, t->sql, NULL, NULL, NULL) ==
		    SQLITE_OK, t->sql);
		gf_errclear();
		r = audit_verify(st, &rep);
		CHECK_ROW(r == GF_ERR_POLICY, t->sql);
		CHECK_ROW(rep.broken == t->broken, t->sql);
		CHECK_ERRMSG(r, t->why, t->sql);
		audit_report_clear(&rep);
		store_free(st);
		test_rmtree(dir);
	}
}

/*
 * A writer that commits while --audit-verify runs: the chain and the
 * tables must be read from one snapshot, or the new certificate shows up
 * in the tables without the entry that records it.
 */
static struct store *concurrent_writer;
static int concurrent_wrote;

static int
concurrent_trace(unsigned int type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);
	struct store *w = concurrent_writer;

	(void)type;
	(void)ctx;
	(void)x;
	if (concurrent_wrote || sql == NULL ||
	    strstr(sql, "hex(cert.serial)") == NULL)
		return 0;
	concurrent_wrote = 1;
	if (store_begin(w) != 0)
		return 0;
	if (sqlite3_exec(w->db, "INSERT INTO cert (ca_id, serial, subject, "
	    "not_after, subject_hash, issued) VALUES (1, x'0E3F', "
	    "'CN=late.example', 2000000000, '00000002', 1700000000)", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    audit_append(w, "issue", "genfic", "0E3F", "CN=late.example") != 0) {
		store_rollback(w);
		return 0;
	}
	if (store_commit(w) == 0)
		concurrent_wrote = 2;
	return 0;
}

static void
test_audit_snapshot(void)
{
	struct audit_report rep;
	struct store *st;
	char *dir = NULL;

	st = audit_store(&dir, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(store_open(dir, 0, &concurrent_writer), 0);
	concurrent_wrote = 0;
	sqlite3_trace_v2(st->db, SQLITE_TRACE_STMT, concurrent_trace, NULL);
	CU_ASSERT_EQUAL(audit_verify(st, &rep), 0);
	CU_ASSERT_EQUAL(concurrent_wrote, 2);
	CU_ASSERT_EQUAL(rep.entries, 3);
	audit_report_clear(&rep);
	sqlite3_trace_v2(st->db, 0, NULL, NULL);
	/* The next run sees the writer's entry and row alike. */
	CU_ASSERT_EQUAL(audit_verify(st, &rep), 0);
	CU_ASSERT_EQUAL(rep.entries, 4);
	audit_report_clear(&rep);
	store_free(concurrent_writer);
	concurrent_writer = NULL;
	store_free(st);
	test_rmtree(dir);
}

int
test_audit_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("audit", NULL, NULL)) == NULL ||
	    CU_add_test(s, "intact chain", test_audit_intact) == NULL ||
	    CU_add_test(s, "no row to commit to", test_audit_no_row) == NULL ||
	    CU_add_test(s, "one snapshot under a writer",
	    test_audit_snapshot) == NULL ||
	    CU_add_test(s, "tampered chain and tables",
	    test_audit_tamper) == NULL)
		return -1;
	return 0;
}
