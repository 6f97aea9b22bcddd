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

#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "cli.h"
#include "listing.h"

#define SUBJECT_WIDTH	40
/* An imported serial may have the 20 bytes RFC 5280 allows. */
#define SERIAL_WIDTH	(2 * GF_SERIAL_MAX)

/* After the CA column, which names the generation too (list_prepare()). */
#define LIST_COLUMNS \
	"hex(cert.serial), " LIST_STATUS ", " \
	"date(cert.not_after, 'unixepoch'), cert.subject_hash, cert.subject, " \
	"cert.label, cert.is_ca, CAST((cert.not_after - ?1) / 86400 AS INTEGER), "
#define LIST_FROM	" FROM cert JOIN ca ON ca.id = cert.ca_id WHERE "

enum {
	COL_CA, COL_SERIAL, COL_STATUS, COL_EXPIRES, COL_HASH, COL_SUBJECT,
	COL_LABEL, COL_IS_CA, COL_DAYS, COL_JSON,
};

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
	printf("%-*s  %s%s\n", SUBJECT_WIDTH, "SUBJECT", "LABEL",
	    t->colour ? "\033[0m" : "");
}

/* CA SERIAL STATUS EXPIRES [DAYS] HASH SUBJECT LABEL IS_CA, tab-separated. */
static void
tsv_row(const struct table *t, sqlite3_stmt *stmt)
{
	static const int cols[] = { COL_CA, COL_SERIAL, COL_STATUS,
	    COL_EXPIRES, COL_HASH, COL_SUBJECT, COL_LABEL };
	size_t i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (i == 4 && t->days)
			printf("%d\t", sqlite3_column_int(stmt, COL_DAYS));
		cli_put_text(stdout, text(stmt, cols[i]), 0, 0);
		putchar('\t');
	}
	printf("%d\n", sqlite3_column_int(stmt, COL_IS_CA));
}

static void
table_row(struct table *t, sqlite3_stmt *stmt)
{
	const char *status = text(stmt, COL_STATUS);

	if (t->json) {
		printf("%s\n  %s", t->rows > 0 ? "," : "", text(stmt, COL_JSON));
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
	cli_put_text(stdout, text(stmt, COL_CA), 0, t->ca_width + 2);
	cli_put_text(stdout, text(stmt, COL_SERIAL), 0, SERIAL_WIDTH + 2);
	if (t->colour && strcmp(status, "valid") != 0)
		printf("\033[31m%-7s\033[0m  ", status);
	else
		printf("%-7s  ", status);
	printf("%-10s  ", text(stmt, COL_EXPIRES));
	cli_put_text(stdout, text(stmt, COL_HASH), 0, 10);
	if (t->days)
		printf("%4d  ", sqlite3_column_int(stmt, COL_DAYS));
	cli_put_text(stdout, text(stmt, COL_SUBJECT), SUBJECT_WIDTH,
	    SUBJECT_WIDTH + 2);
	cli_put_text(stdout, text(stmt, COL_LABEL), 0, 0);
	fputs(sqlite3_column_int(stmt, COL_IS_CA) ? " (CA)\n" : "\n", stdout);
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

/*
 * The listing query: the JSON column only for --json (building it costs
 * more than the rest of a row), and the CA named only with -p, so that
 * the planner can walk cert_ca_not_after for that CA alone.  A
 * certificate signed by a later generation of its CA (--rollover) shows
 * it as NAME#N; the generation is read only once a CA has rolled over.
 */
static int
list_prepare(struct store *st, const struct table *t, int by_ca,
    const char *where_order, sqlite3_stmt **stmt)
{
	const char *ca = by_ca ? "ca.name = ?2 AND " : "", *gen;
	char *sql;
	int n, r;

	if ((r = generation_sql(st, &gen)) != 0)
		return r;
	/* The parts as arguments: the SQL holds strftime's '%' conversions. */
	if (strcmp(gen, "1") == 0)
		n = asprintf(&sql, "SELECT ca.name, %s%s%s%s%s", LIST_COLUMNS,
		    t->json ? "json_object(" LIST_JSON_FIELDS ", 'generation', "
		    "1)" : "NULL", LIST_FROM, ca, where_order);
	else
		n = asprintf(&sql, "SELECT ca.name || CASE WHEN %s > 1 THEN "
		    "'#' || %s ELSE '' END, %s%s%s%s%s%s%s", gen, gen,
		    LIST_COLUMNS, t->json ? "json_object(" LIST_JSON_FIELDS
		    ", 'generation', " : "NULL", t->json ? gen : "",
		    t->json ? ")" : "", LIST_FROM, ca, where_order);
	if (n == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = store_prepare(st, sql, stmt);
	free(sql);
	return r;
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

static int
list_open(const struct cli *cli, struct store **st, struct table *t)
{
	const char *gen;
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
	if ((r = generation_sql(*st, &gen)) != 0)
		return r;
	if (strcmp(gen, "1") != 0)
		t->ca_width += 3;
	return 0;
}

int
cmd_list(struct cli *cli)
{
	struct store *st = NULL;
	struct table t;
	sqlite3_stmt *stmt = NULL;
	int r;

	if (cli->status != NULL && (r = status_check(cli->status)) != 0) {
		gf_report("-l", r);
		return EXIT_USAGE;
	}
	if ((r = list_open(cli, &st, &t)) != 0 ||
	    (r = list_prepare(st, &t, cli->parent != NULL,
	    "(?3 IS NULL OR cert.template = ?3) AND (?4 IS NULL OR ?4 = 'all' "
	    "OR " LIST_STATUS " = ?4) ORDER BY ca.name, cert.not_after",
	    &stmt)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)time(NULL));
	if (cli->parent != NULL)
		sqlite3_bind_text(stmt, 2, cli->parent, -1, SQLITE_STATIC);
	if (cli->template != NULL)
		sqlite3_bind_text(stmt, 3, cli->template, -1, SQLITE_STATIC);
	if (cli->status != NULL)
		sqlite3_bind_text(stmt, 4, cli->status, -1, SQLITE_STATIC);
	r = table_run(st, &t, &stmt, 1);
 out:
	if (r != 0)
		gf_report("-l", r);
	sqlite3_finalize(stmt);
	store_free(st);
	return cli_exit_status(r);
}

/* CRL rows of -e: the state of a CA's latest CRL, in the table's columns. */
#define CRL_STATE \
	"CASE WHEN last.number IS NULL THEN 'none' WHEN last.next_update <= " \
	"?1 THEN 'stale' ELSE 'due' END"
#define CRL_DAYS \
	"CAST((last.next_update - ?1) / 86400 AS INTEGER)"

/*
 * Each CA in service (its certificate valid) whose latest CRL's
 * nextUpdate is past or within ?3 days of ?1, or that has issued none:
 * the CRL that must be issued next.  The latest CRL of each CA is the row
 * of its max(number) (SQLite takes the bare column from that row).
 */
static const char crl_due_sql[] =
    "SELECT ca.name, 'CRL', " CRL_STATE ", coalesce(date(last.next_update, "
    "'unixepoch'), '-'), '', CASE WHEN last.number IS NULL THEN 'no CRL "
    "yet' ELSE 'latest CRL ' || last.number END, '', 0, coalesce("
    CRL_DAYS ", 0), "
    "json_object('kind', 'crl', 'ca', ca.name, 'status', " CRL_STATE ", "
    "'crl_number', last.number, 'next_update', " ISO("last.next_update")
    ", 'days_left', " CRL_DAYS ") "
    "FROM ca JOIN cert ON cert.id = ca.cert_id LEFT JOIN (SELECT ca_id, "
    "max(number) AS number, next_update FROM crl GROUP BY ca_id) AS last "
    "ON last.ca_id = ca.id WHERE cert.not_after > ?1 AND cert.revoked_at "
    "IS NULL AND (?2 IS NULL OR ca.name = ?2) AND (last.number IS NULL OR "
    "last.next_update <= ?1 + ?3 * 86400) ORDER BY coalesce("
    "last.next_update, 0), ca.name";

static int
expiring_bind(struct store *st, sqlite3_stmt *stmt, const struct cli *cli,
    time_t now)
{
	if (sqlite3_bind_int64(stmt, 1, (sqlite3_int64)now) != SQLITE_OK ||
	    (cli->parent != NULL && sqlite3_bind_text(stmt, 2, cli->parent, -1,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    sqlite3_bind_int(stmt, 3, cli->expiring_days) != SQLITE_OK)
		return store_fail(st, "-e");
	return 0;
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
	struct store *st = NULL;
	struct table t;
	sqlite3_stmt *stmts[2] = { NULL, NULL };
	time_t now = time(NULL);
	size_t n = 0;
	int r;

	if ((r = list_open(cli, &st, &t)) != 0)
		goto out;
	t.days = 1;
	if (!cli->expired && ((r = store_prepare(st, crl_due_sql,
	    &stmts[n++])) != 0 || (r = expiring_bind(st, stmts[0], cli,
	    now)) != 0))
		goto out;
	if (cli->expired)
		r = list_prepare(st, &t, cli->parent != NULL, "cert.not_after "
		    "<= ?1 AND cert.not_after > ?1 - ?3 * 86400 AND "
		    "cert.revoked_at IS NULL ORDER BY cert.not_after DESC",
		    &stmts[n]);
	else
		r = list_prepare(st, &t, cli->parent != NULL, "cert.not_after "
		    "> ?1 AND cert.not_after <= ?1 + ?3 * 86400 AND "
		    "cert.revoked_at IS NULL ORDER BY cert.not_after",
		    &stmts[n]);
	if (r != 0 || (r = expiring_bind(st, stmts[n++], cli, now)) != 0)
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
	return t.rows > 0 ? EXIT_EXPIRING : 0;
}
