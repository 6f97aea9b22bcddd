/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report (report.h): a handful of read-only queries, each bound
 * to "now", and a page written with every text of the store escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/report.h"
#include "genfic/store.h"

#define STR_(x)		#x
#define STR(x)		STR_(x)

#define SVG_BAR		36	/* px per month */
#define SVG_LEFT	40
#define SVG_TOP		20
#define SVG_PLOT	200	/* px of the tallest bar */
#define SVG_WIDTH	(SVG_LEFT + REPORT_MONTHS * SVG_BAR + 10)
#define SVG_HEIGHT	(SVG_TOP + SVG_PLOT + 70)

enum { ST_VALID, ST_HOLD, ST_REVOKED, ST_EXPIRED, ST_N };
static const char *const status_names[ST_N] = {
	"valid", "hold", "revoked", "expired"
};

struct report_ca {
	int64_t		 id;
	int64_t		 parent;	/* 0 for a root */
	char		*name;
	long		 counts[ST_N];
	time_t		 crl_next;	/* 0: no CRL yet */
};

struct report {
	struct store	*st;
	time_t		 now;
	FILE		*f;
	struct report_ca *cas;
	size_t		 ncas;
	int		 oom;
	time_t		 month[REPORT_MONTHS + 1];	/* each month's start */
	long		 expiring[REPORT_MONTHS];
};

/* text, HTML-escaped: for element content and quoted attributes alike. */
static void
html(FILE *f, const char *text)
{
	for (; text != NULL && *text != '\0'; text++)
		switch (*text) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*text, f);
		}
}

static const char *
column_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s != NULL ? (const char *)s : "";
}

static struct report_ca *
report_ca(struct report *rp, int64_t id)
{
	size_t i;

	for (i = 0; i < rp->ncas; i++)
		if (rp->cas[i].id == id)
			return &rp->cas[i];
	return NULL;
}

/* Runs sql (?1 now, ?2 arg), calling row for each row. */
static int
report_query(struct report *rp, const char *sql, int64_t arg,
    void (*row)(struct report *, sqlite3_stmt *))
{
	sqlite3_stmt *stmt;
	int n, step = SQLITE_DONE, r = 0;

	if ((r = store_prepare(rp->st, sql, &stmt)) != 0)
		return r;
	n = sqlite3_bind_parameter_count(stmt);
	if ((n >= 1 && sqlite3_bind_int64(stmt, 1, (sqlite3_int64)rp->now) !=
	    SQLITE_OK) || (n >= 2 && sqlite3_bind_int64(stmt, 2,
	    (sqlite3_int64)arg) != SQLITE_OK))
		r = store_fail(rp->st, "report");
	while (r == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW)
		row(rp, stmt);
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(rp->st, "report");
	sqlite3_finalize(stmt);
	return r;
}

static void
row_ca(struct report *rp, sqlite3_stmt *stmt)
{
	struct report_ca *cas, *ca;

	if ((cas = realloc(rp->cas, (rp->ncas + 1) * sizeof(*cas))) == NULL) {
		rp->oom = 1;
		return;
	}
	rp->cas = cas;
	ca = &cas[rp->ncas];
	memset(ca, 0, sizeof(*ca));
	if ((ca->name = strdup(column_text(stmt, 1))) == NULL) {
		rp->oom = 1;
		return;
	}
	ca->id = sqlite3_column_int64(stmt, 0);
	ca->parent = sqlite3_column_int64(stmt, 2);
	rp->ncas++;
}

static void
row_count(struct report *rp, sqlite3_stmt *stmt)
{
	struct report_ca *ca = report_ca(rp, sqlite3_column_int64(stmt, 0));
	const char *status = column_text(stmt, 1);
	int i;

	for (i = 0; ca != NULL && i < ST_N; i++)
		if (strcmp(status, status_names[i]) == 0)
			ca->counts[i] = (long)sqlite3_column_int64(stmt, 2);
}

static void
row_crl(struct report *rp, sqlite3_stmt *stmt)
{
	struct report_ca *ca = report_ca(rp, sqlite3_column_int64(stmt, 0));

	if (ca != NULL)
		ca->crl_next = (time_t)sqlite3_column_int64(stmt, 1);
}

/* The month bucket of a notAfter. */
static void
row_expiry(struct report *rp, sqlite3_stmt *stmt)
{
	time_t t = (time_t)sqlite3_column_int64(stmt, 0);
	int m;

	for (m = 0; m < REPORT_MONTHS; m++)
		if (t < rp->month[m + 1]) {
			rp->expiring[m] += (long)sqlite3_column_int64(stmt, 1);
			return;
		}
}

/* The first second of this month (UTC), and of the 24 after it. */
static void
report_months(struct report *rp)
{
	struct tm tm;
	int m;

	gmtime_r(&rp->now, &tm);
	for (m = 0; m <= REPORT_MONTHS; m++) {
		struct tm t = { 0 };

		t.tm_year = tm.tm_year + (tm.tm_mon + m) / 12;
		t.tm_mon = (tm.tm_mon + m) % 12;
		t.tm_mday = 1;
		rp->month[m] = timegm(&t);
	}
}

static int
report_load(struct report *rp)
{
	int r;

	report_months(rp);
	if ((r = report_query(rp, "SELECT id, name, coalesce(parent_id, 0) "
	    "FROM ca ORDER BY name", 0, row_ca)) != 0 ||
	    (r = report_query(rp, "SELECT ca_id, " CERTDB_STATUS_SQL
	    ", count(*) FROM cert GROUP BY 1, 2", 0, row_count)) != 0 ||
	    (r = report_query(rp, "SELECT ca_id, next_update FROM crl AS c "
	    "WHERE number = (SELECT max(number) FROM crl WHERE ca_id = "
	    "c.ca_id)", 0, row_crl)) != 0 ||
	    (r = report_query(rp, "SELECT not_after, count(*) FROM cert "
	    "WHERE revoked_at IS NULL AND not_after > ?1 AND not_after < ?2 "
	    "GROUP BY 1", (int64_t)rp->month[REPORT_MONTHS], row_expiry)) != 0)
		return r;
	return rp->oom ? gf_fail(GF_ERR_ALLOC, "out of memory") : 0;
}

enum { D_MINUTE, D_DAY, D_MONTH, D_SHORT };

/* t (UTC) in one of the forms above. */
static void
date(FILE *f, time_t t, int form)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (form) {
	case D_MINUTE:
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
		break;
	case D_DAY:
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
		break;
	case D_MONTH:
		strftime(buf, sizeof(buf), "%Y-%m", &tm);
		break;
	default:
		strftime(buf, sizeof(buf), "%b %Y", &tm);
	}
	fputs(buf, f);
}

/* The CAs under parent, as nested lists. */
static void
report_tree(struct report *rp, int64_t parent, int depth)
{
	size_t i;
	int any = 0;

	for (i = 0; i < rp->ncas && depth < 32; i++) {
		if (rp->cas[i].parent != parent || rp->cas[i].id == parent)
			continue;
		if (!any++)
			fputs("<ul>\n", rp->f);
		fputs("<li><span class=\"ca\">", rp->f);
		html(rp->f, rp->cas[i].name);
		fputs("</span>", rp->f);
		report_tree(rp, rp->cas[i].id, depth + 1);
		fputs("</li>\n", rp->f);
	}
	if (any)
		fputs("</ul>\n", rp->f);
}

static void
report_counts(struct report *rp)
{
	size_t i;
	long total;
	int s;

	fputs("<table id=\"counts\">\n<thead><tr><th>CA</th>", rp->f);
	for (s = 0; s < ST_N; s++)
		fprintf(rp->f, "<th>%s</th>", status_names[s]);
	fputs("<th>total</th><th>next CRL</th></tr></thead>\n<tbody>\n", rp->f);
	for (i = 0; i < rp->ncas; i++) {
		fputs("<tr data-ca=\"", rp->f);
		html(rp->f, rp->cas[i].name);
		fputs("\"><td>", rp->f);
		html(rp->f, rp->cas[i].name);
		fputs("</td>", rp->f);
		for (s = 0, total = 0; s < ST_N; s++) {
			fprintf(rp->f, "<td class=\"%s\">%ld</td>",
			    status_names[s], rp->cas[i].counts[s]);
			total += rp->cas[i].counts[s];
		}
		fprintf(rp->f, "<td class=\"total\">%ld</td><td>", total);
		if (rp->cas[i].crl_next != 0)
			date(rp->f, rp->cas[i].crl_next, D_MINUTE);
		else
			fputs("none yet", rp->f);
		fputs("</td></tr>\n", rp->f);
	}
	fputs("</tbody>\n</table>\n", rp->f);
}

/* x of time t on the timeline, or -1 outside it. */
static double
svg_x(const struct report *rp, time_t t)
{
	int m;

	for (m = 0; m < REPORT_MONTHS; m++)
		if (t >= rp->month[m] && t < rp->month[m + 1])
			return SVG_LEFT + SVG_BAR * (m + (double)(t - rp->month[m]) /
			    (double)(rp->month[m + 1] - rp->month[m]));
	return -1;
}

static void
report_timeline(struct report *rp)
{
	long top = 1;
	double x;
	size_t i;
	int m, h;

	for (m = 0; m < REPORT_MONTHS; m++)
		if (rp->expiring[m] > top)
			top = rp->expiring[m];
	fprintf(rp->f, "<svg id=\"timeline\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
	    "<title>Valid certificates expiring per month</title>\n",
	    SVG_WIDTH, SVG_HEIGHT, SVG_WIDTH, SVG_HEIGHT);
	fprintf(rp->f, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n<text x=\"2\" y=\"%d\">%ld</text>\n", SVG_LEFT,
	    SVG_TOP + SVG_PLOT, SVG_WIDTH - 10, SVG_TOP + SVG_PLOT,
	    SVG_TOP + 10, top);
	for (m = 0; m < REPORT_MONTHS; m++) {
		h = (int)(SVG_PLOT * rp->expiring[m] / top);
		fputs("<g class=\"month\" data-month=\"", rp->f);
		date(rp->f, rp->month[m], D_MONTH);
		fprintf(rp->f, "\" data-count=\"%ld\"><rect class=\"bar\" "
		    "x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>",
		    rp->expiring[m], SVG_LEFT + m * SVG_BAR + 4,
		    SVG_TOP + SVG_PLOT - h, SVG_BAR - 8, h);
		date(rp->f, rp->month[m], D_MONTH);
		fprintf(rp->f, ": %ld</title></rect>", rp->expiring[m]);
		fprintf(rp->f, "<text x=\"%d\" y=\"%d\" transform=\"rotate(60 "
		    "%d %d)\">", SVG_LEFT + m * SVG_BAR + 8,
		    SVG_TOP + SVG_PLOT + 12, SVG_LEFT + m * SVG_BAR + 8,
		    SVG_TOP + SVG_PLOT + 12);
		date(rp->f, rp->month[m], D_SHORT);
		fputs("</text></g>\n", rp->f);
	}
	for (i = 0; i < rp->ncas; i++) {
		if (rp->cas[i].crl_next == 0 ||
		    (x = svg_x(rp, rp->cas[i].crl_next)) < 0)
			continue;
		fputs("<line class=\"crl\" data-ca=\"", rp->f);
		html(rp->f, rp->cas[i].name);
		fprintf(rp->f, "\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\">"
		    "<title>next CRL of ", x, SVG_TOP, x, SVG_TOP + SVG_PLOT);
		html(rp->f, rp->cas[i].name);
		fputs(": ", rp->f);
		date(rp->f, rp->cas[i].crl_next, D_MINUTE);
		fputs("</title></line>\n", rp->f);
	}
	fputs("</svg>\n", rp->f);
}

static void
row_soon(struct report *rp, sqlite3_stmt *stmt)
{
	fputs("<tr><td>", rp->f);
	date(rp->f, (time_t)sqlite3_column_int64(stmt, 3), D_DAY);
	fprintf(rp->f, "</td><td>%lld</td><td>",
	    (long long)((sqlite3_column_int64(stmt, 3) - rp->now) / 86400));
	html(rp->f, column_text(stmt, 0));
	fputs("</td><td class=\"serial\">", rp->f);
	html(rp->f, column_text(stmt, 1));
	fputs("</td><td>", rp->f);
	html(rp->f, column_text(stmt, 2));
	fputs("</td></tr>\n", rp->f);
}

static void
row_soon_count(struct report *rp, sqlite3_stmt *stmt)
{
	long n = (long)sqlite3_column_int64(stmt, 0);

	if (n > REPORT_SOON_MAX)
		fprintf(rp->f, "<p>The first %d of %ld.</p>\n",
		    REPORT_SOON_MAX, n);
}

static int
report_soon(struct report *rp)
{
	int64_t until = (int64_t)rp->now + REPORT_SOON_DAYS * 86400LL;
	int r;

	fputs("<table id=\"soon\">\n<thead><tr><th>notAfter</th><th>days "
	    "left</th><th>CA</th><th>serial</th><th>subject</th></tr>"
	    "</thead>\n<tbody>\n", rp->f);
	r = report_query(rp, "SELECT ca.name, hex(cert.serial), cert.subject, "
	    "cert.not_after FROM cert JOIN ca ON ca.id = cert.ca_id WHERE "
	    "cert.revoked_at IS NULL AND cert.not_after > ?1 AND "
	    "cert.not_after <= ?2 ORDER BY cert.not_after, cert.id LIMIT "
	    STR(REPORT_SOON_MAX), until, row_soon);
	fputs("</tbody>\n</table>\n", rp->f);
	if (r == 0)
		r = report_query(rp, "SELECT count(*) FROM cert WHERE "
		    "revoked_at IS NULL AND not_after > ?1 AND not_after <= ?2",
		    until, row_soon_count);
	return r;
}

static const char style[] =
	"body{font-family:sans-serif;margin:2em;color:#222}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
	"table{border-collapse:collapse}"
	"th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
	"td.serial{font-family:monospace}"
	"ul{list-style:square}span.ca{font-weight:bold}"
	"svg text{font-size:11px;fill:#444}"
	".bar{fill:#4a7ab5}.axis{stroke:#444}"
	".crl{stroke:#c0392b;stroke-width:2;stroke-dasharray:4 3}";

int
report_write(struct store *st, time_t now, FILE *f)
{
	struct report rp = { .st = st, .now = now, .f = f };
	size_t i;
	int r;

	if ((r = report_load(&rp)) == 0) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n<title>genfic-ca report</title>\n"
		    "<style>", f);
		fputs(style, f);
		fputs("</style>\n</head>\n<body>\n<h1>genfic-ca report, ", f);
		date(f, now, D_MINUTE);
		fputs("</h1>\n<h2>CA tree</h2>\n<div id=\"tree\">\n", f);
		report_tree(&rp, 0, 0);
		fputs("</div>\n<h2>Certificates by status</h2>\n", f);
		report_counts(&rp);
		fprintf(f, "<h2>Valid certificates expiring per month, next %d "
		    "months (dashed: next CRL update)</h2>\n", REPORT_MONTHS);
		report_timeline(&rp);
		fprintf(f, "<h2>Expiring in the next %d days</h2>\n",
		    REPORT_SOON_DAYS);
		r = report_soon(&rp);
		fputs("</body>\n</html>\n", f);
	}
	for (i = 0; i < rp.ncas; i++)
		free(rp.cas[i].name);
	free(rp.cas);
	return r;
}
