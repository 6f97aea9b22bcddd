/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --audit [--json] prints the audit log; --audit-verify checks its chain. */
#include <stdio.h>
#include <string.h>

#include "genfic/audit.h"
#include "genfic/err.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

static void
escape_name(char *dst, size_t size, const char *s)
{
	gf_escape(dst, size, s, strlen(s));
}

static void
print_hex(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* What the log vouches for, on stdout; each finding on stderr. */
static void
verify_print(const struct audit_report *rep)
{
	char when[GF_ISO_TIME_LEN], safe[1024];
	size_t i;

	for (i = 0; i < rep->nfindings; i++) {
		gf_escape(safe, sizeof(safe), rep->findings[i],
		    strlen(rep->findings[i]));
		fprintf(stderr, "%s: audit: %s\n", gf_progname, safe);
	}
	if (rep->problems > (int64_t)rep->nfindings)
		fprintf(stderr, "%s: audit: and %lld findings more\n",
		    gf_progname, (long long)(rep->problems -
		    (int64_t)rep->nfindings));
	if (rep->broken == 0)
		printf("audit: %lld entries, chain intact\n",
		    (long long)rep->entries);
	else
		printf("audit: %lld entries, chain broken at entry %lld\n",
		    (long long)rep->entries, (long long)rep->broken);
	if (rep->head_id != 0) {
		printf("audit: head %lld ", (long long)rep->head_id);
		print_hex(rep->head, sizeof(rep->head));
		putchar('\n');
	}
	if (rep->legacy > 0)
		printf("audit: entries 1..%lld predate state commitments%s\n",
		    (long long)rep->legacy, rep->has_state ? "" :
		    " (schema before 3: open the store writable once)");
	if (rep->has_state)
		printf("audit: %lld rows explained by the log, %lld last changed "
		    "before state commitments (not checked)\n",
		    (long long)rep->checked, (long long)rep->unchecked);
	if (rep->anchored > 0) {
		escape_name(safe, sizeof(safe), rep->anchor_ca);
		time_to_iso((time_t)rep->anchor_time, when);
		printf("audit: anchored up to entry %lld (checkpoint by %s at "
		    "%s)", (long long)rep->anchored, safe, when);
	} else
		printf("audit: no checkpoint anchors the log");
	if (rep->head_id == rep->anchored + 1)
		printf("; entry %lld unanchored", (long long)rep->head_id);
	else if (rep->head_id > rep->anchored)
		printf("; entries %lld..%lld unanchored", (long long)
		    rep->anchored + 1, (long long)rep->head_id);
	putchar('\n');
}

int
cmd_audit_verify(struct cli *cli)
{
	struct audit_report rep;
	struct store *st = NULL;
	int r;

	memset(&rep, 0, sizeof(rep));
	if ((r = store_open(cli->dir, GF_STORE_READONLY, &st)) == 0) {
		r = audit_verify(st, &rep);
		if (r == 0 || r == GF_ERR_POLICY)
			verify_print(&rep);
	}
	if (r != 0 && r != GF_ERR_POLICY)
		gf_report("audit", r);
	audit_report_clear(&rep);
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
