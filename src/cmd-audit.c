/* --audit [--json] prints the audit log; --audit-verify checks its chain. */
#include <stdio.h>
#include <string.h>

#include "genfic/audit.h"
#include "genfic/err.h"
#include "genfic/store.h"
#include "cli.h"

int
cmd_audit_verify(struct cli *cli)
{
	struct store *st = NULL;
	int64_t count = 0, broken = 0;
	int r;

	if ((r = store_open(cli->dir, GF_STORE_READONLY, &st)) == 0 &&
	    (r = audit_verify(st, &count, &broken)) == 0)
		printf("audit: %lld entries, chain intact\n", (long long)count);
	if (r != 0)
		gf_report("audit", r);
	store_free(st);
	return cli_exit_status(r);
}

/*
 * time  user operation ca serial subject: each field escaped, as the log
 * keeps what it was given (an imported index.txt subject, say).
 */
static void
audit_line(sqlite3_stmt *stmt)
{
	static const int width[] = { 0, 10, 10, 16, 32, 0 };
	static const char *const sep[] = { "  ", " ", " ", " ", " ", "" };
	const unsigned char *s;
	size_t i;

	for (i = 0; i < sizeof(width) / sizeof(width[0]); i++) {
		s = sqlite3_column_text(stmt, (int)i);
		cli_put_text(stdout, s != NULL ? (const char *)s : "", 0,
		    width[i]);
		fputs(sep[i], stdout);
	}
	putchar('\n');
}

int
cmd_audit(struct cli *cli)
{
	struct store *st = NULL;
	sqlite3_stmt *stmt = NULL;
	long n = 0;
	int step, r;

	if ((r = store_open(cli->dir, GF_STORE_READONLY, &st)) != 0 ||
	    (r = store_prepare(st, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', time, "
	    "'unixepoch'), user, operation, ca, serial, subject, json_object("
	    "'id', id, 'time', strftime('%Y-%m-%dT%H:%M:%SZ', time, "
	    "'unixepoch'), 'uid', uid, 'user', user, 'operation', operation, "
	    "'ca', ca, 'serial', serial, 'subject', subject, 'hash', "
	    "lower(hex(hash))) FROM audit ORDER BY id", &stmt)) != 0)
		goto out;
	if (cli->json)
		fputs("[", stdout);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (cli->json)
			printf("%s\n  %s", n > 0 ? "," : "",
			    sqlite3_column_text(stmt, 6));
		else
			audit_line(stmt);
		n++;
	}
	if (cli->json)
		fputs(n > 0 ? "\n]\n" : "]\n", stdout);
	if (step != SQLITE_DONE)
		r = store_fail(st, "audit");
 out:
	if (r != 0)
		gf_report("audit", r);
	sqlite3_finalize(stmt);
	store_free(st);
	return cli_exit_status(r);
}
