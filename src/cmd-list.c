/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -l and -e: certificate tables, one indexed query each, streamed row by
 * row.  --json rows are built by SQLite's JSON functions; --tsv rows are
 * the table's fields, whole, tab-separated.  Text from the store is
 * escaped (cli_put_text) in every form but JSON, which escapes its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/report.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "cli.h"

#define SUBJECT_WIDTH	40
/* An imported serial may have the 20 bytes RFC 5280 allows. */
#define SERIAL_WIDTH	(2 * GF_SERIAL_MAX)

struct table {
	int	json;
	int	tsv;
	int	days;		/* -e: a DAYS LEFT column */
	int	colour;		/* bold header, red status */
	int	progress;	/* a row count on stderr: stdout goes elsewhere */
	int	ca_width;
	long	rows;
};

static const char *
text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s != NULL ? (const char *)s : "";
}

/* The width of the CA column: the widest CA name (the ca table is small). */
static int
ca_width(struct store *st)
{
	sqlite3_stmt *stmt;
	int w = 2, n;

	if (store_prepare(st, "SELECT name FROM ca", &stmt) == 0) {
		while (sqlite3_step(stmt) == SQLITE_ROW)
			if ((n = cli_text_width(text(stmt, 0))) > w)
				w = n;
		sqlite3_finalize(stmt);
	}
	gf_errclear();
	return w;
}

/* Colour on a terminal, unless NO_COLOR (no-color.org) or TERM=dumb say no. */
static int
colour_wanted(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && (no == NULL || *no == '\0') &&
	    term != NULL && strcmp(term, "dumb") != 0;
}

static void
table_header(const struct table *t)
{
	if (t->json) {
		fputs("[", stdout);
		return;
	}
	if (t->tsv)
		return;
	printf("%s%-*s  %-*s  %-7s  %-10s  %-8s  ", t->colour ? "\033[1m" : "",
	    t->ca_width, "CA", SERIAL_WIDTH, "SERIAL", "STATUS", "EXPIRES",
	    "HASH");
	if (t->days)
		printf("%4s  ", "DAYS");
	printf("%-*s  %s%s\n", SUBJECT_WIDTH, "SUBJECT", "LABEL <OWNER>",
	    t->colour ? "\033[0m" : "");
}

/*
 * CA SERIAL STATUS EXPIRES [DAYS] HASH SUBJECT LABEL IS_CA OWNER,
 * tab-separated.
 */
static void
tsv_row(const struct table *t, sqlite3_stmt *stmt)
{
	static const int cols[] = { CERTDB_COL_CA, CERTDB_COL_SERIAL, CERTDB_COL_STATUS,
	    CERTDB_COL_EXPIRES, CERTDB_COL_HASH, CERTDB_COL_SUBJECT, CERTDB_COL_LABEL };
	size_t i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (i == 4 && t->days)
			printf("%d\t", sqlite3_column_int(stmt, CERTDB_COL_DAYS));
		cli_put_text(stdout, text(stmt, cols[i]), 0, 0);
		putchar('\t');
	}
	printf("%d\t", sqlite3_column_int(stmt, CERTDB_COL_IS_CA));
	cli_put_text(stdout, text(stmt, CERTDB_COL_OWNER), 0, 0);
	putchar('\n');
}

static void
table_row(struct table *t, sqlite3_stmt *stmt)
{
	const char *status = text(stmt, CERTDB_COL_STATUS);

	if (t->json) {
		printf("%s\n  %s", t->rows > 0 ? "," : "", text(stmt, CERTDB_COL_JSON));
		t->rows++;
		return;
	}
	if (t->rows == 0)
		table_header(t);
	t->rows++;
	if (t->tsv) {
		tsv_row(t, stmt);
		return;
	}
	cli_put_text(stdout, text(stmt, CERTDB_COL_CA), 0, t->ca_width + 2);
	cli_put_text(stdout, text(stmt, CERTDB_COL_SERIAL), 0, SERIAL_WIDTH + 2);
	if (t->colour && strcmp(status, "valid") != 0)
		printf("\033[31m%-7s\033[0m  ", status);
	else
		printf("%-7s  ", status);
	printf("%-10s  ", text(stmt, CERTDB_COL_EXPIRES));
	cli_put_text(stdout, text(stmt, CERTDB_COL_HASH), 0, 10);
	if (t->days)
		printf("%4d  ", sqlite3_column_int(stmt, CERTDB_COL_DAYS));
	cli_put_text(stdout, text(stmt, CERTDB_COL_SUBJECT), SUBJECT_WIDTH,
	    SUBJECT_WIDTH + 2);
	cli_put_text(stdout, text(stmt, CERTDB_COL_LABEL), 0, 0);
	if (sqlite3_column_type(stmt, CERTDB_COL_OWNER) != SQLITE_NULL) {
		fputs(*text(stmt, CERTDB_COL_LABEL) != '\0' ? " <" : "<", stdout);
		cli_put_text(stdout, text(stmt, CERTDB_COL_OWNER), 0, 0);
		putchar('>');
	}
	fputs(sqlite3_column_int(stmt, CERTDB_COL_IS_CA) ? " (CA)\n" : "\n", stdout);
}

/* The rows of each statement in turn, as one table (or JSON array). */
static int
table_run(struct store *st, struct table *t, sqlite3_stmt *const *stmts,
    size_t n)
{
	size_t i;
	int step = SQLITE_DONE;

	if (t->json)
		table_header(t);
	for (i = 0; i < n && step == SQLITE_DONE; i++)
		while ((step = sqlite3_step(stmts[i])) == SQLITE_ROW) {
			table_row(t, stmts[i]);
			if (t->progress && t->rows % 50000 == 0)
				fprintf(stderr, "\r%s: %ld rows", gf_progname,
				    t->rows);
		}
	if (t->progress && t->rows >= 50000)
		fprintf(stderr, "\r%s: %ld rows\n", gf_progname, t->rows);
	if (t->json)
		fputs(t->rows > 0 ? "\n]\n" : "]\n", stdout);
	if (step != SQLITE_DONE)
		return store_fail(st, "list");
	if (fflush(stdout) != 0)
		return gf_fail(GF_ERR_IO, "standard output: write failed");
	return 0;
}

static int
status_check(const char *status)
{
	static const char *const known[] = { "all", "valid", "revoked",
	    "expired", "hold", NULL };
	size_t i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(status, known[i]) == 0)
			return 0;
	return gf_fail(GF_ERR_USAGE, "--status '%s': valid, revoked, hold, "
	    "expired or all", status);
}

/* The store and the table; l learns whether a CA has rolled over. */
static int
list_open(const struct cli *cli, struct store **st, struct table *t,
    struct certdb_listing *l)
{
	int r;

	memset(t, 0, sizeof(*t));
	if (cli->json && cli->tsv)
		return gf_fail(GF_ERR_USAGE, "--json or --tsv, not both");
	t->json = cli->json;
	t->tsv = cli->tsv;
	t->colour = !cli->json && !cli->tsv && colour_wanted();
	t->progress = !cli->batch && !isatty(STDOUT_FILENO) &&
	    isatty(STDERR_FILENO);
	if ((r = store_open(cli->dir, GF_STORE_READONLY, st)) != 0)
		return r;
	t->ca_width = ca_width(*st);
	/* Room for "#N" once a CA has rolled over. */
	if ((r = generation_sql(*st, &l->generation)) != 0)
		return r;
	if (strcmp(l->generation, "1") != 0)
		t->ca_width += 3;
	return 0;
}

static void
listing_init(struct certdb_listing *l, const struct cli *cli, int kind)
{
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->now = time(NULL);
	l->ca = cli->parent;
	l->template = cli->template;
	l->status = cli->status;
	l->days = cli->expiring_days;
	l->json = cli->json;
}

/* -l --html FILE: the page built in memory, then written whole. */
static int
list_html(struct cli *cli)
{
	struct cli_out out;
	struct store *st = NULL;
	char *page = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (cli->json || cli->tsv || cli->parent != NULL || cli->status != NULL)
		r = gf_fail(GF_ERR_USAGE, "--html reports the whole store: "
		    "not with --json, --tsv, -p or --status");
	else if ((r = cli_output_open(&out, cli->html, cli->force)) == 0) {
		if ((r = store_open(cli->dir, GF_STORE_READONLY, &st)) == 0) {
			if ((f = open_memstream(&page, &len)) == NULL)
				r = gf_fail(GF_ERR_ALLOC, "out of memory");
			else {
				r = report_write(st, time(NULL), f);
				if (fclose(f) != 0 && r == 0)
					r = gf_fail(GF_ERR_ALLOC, "out of memory");
			}
		}
		if (r == 0)
			r = cli_output_write(&out, page, len);
		cli_output_close(&out);
	}
	if (r != 0)
		gf_report("-l --html", r);
	free(page);
	store_free(st);
	return cli_exit_status(r);
}

int
cmd_list(struct cli *cli)
{
	struct certdb_listing l;
	struct store *st = NULL;
	struct table t;
	sqlite3_stmt *stmt = NULL;
	int r;

	if (cli->html != NULL)
		return list_html(cli);
	if (cli->status != NULL && (r = status_check(cli->status)) != 0) {
		gf_report("-l", r);
		return EXIT_USAGE;
	}
	listing_init(&l, cli, CERTDB_LIST_ALL);
	if ((r = list_open(cli, &st, &t, &l)) == 0 &&
	    (r = certdb_list(st, &l, &stmt)) == 0)
		r = table_run(st, &t, &stmt, 1);
	if (r != 0)
		gf_report("-l", r);
	sqlite3_finalize(stmt);
	store_free(st);
	return cli_exit_status(r);
}

/*
 * -e DAYS: first the CAs whose next CRL is due within DAYS (or overdue,
 * or never issued), then the valid certificates whose notAfter falls
 * within DAYS, soonest first; --expired: the certificates already past
 * it, and no CRL rows.  A range on not_after, so the cert_not_after (or
 * cert_ca_not_after) index answers it.
 */
int
cmd_expiring(struct cli *cli)
{
	struct certdb_listing l;
	struct store *st = NULL;
	struct table t;
	sqlite3_stmt *stmts[2] = { NULL, NULL };
	size_t n = 0;
	int r;

	listing_init(&l, cli, cli->expired ? CERTDB_LIST_EXPIRED :
	    CERTDB_LIST_EXPIRING);
	if ((r = list_open(cli, &st, &t, &l)) != 0)
		goto out;
	t.days = 1;
	/* --expired lists no CRL rows. */
	if (!cli->expired && (r = certdb_list_crl_due(st, &l,
	    &stmts[n++])) != 0)
		goto out;
	if ((r = certdb_list(st, &l, &stmts[n++])) != 0)
		goto out;
	r = table_run(st, &t, stmts, n);
 out:
	if (r != 0)
		gf_report("-e", r);
	sqlite3_finalize(stmts[0]);
	sqlite3_finalize(stmts[1]);
	store_free(st);
	if (r != 0)
		return cli_exit_status(r);
	/* After the table: what cron mails the admin is there even so. */
	if (cli->notify && (r = cli_notify(cli)) != 0)
		return r;
	return t.rows > 0 ? EXIT_EXPIRING : 0;
}
