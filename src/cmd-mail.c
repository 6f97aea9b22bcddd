/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mail out (issue 19): -s --mail sends each new certificate to its owner;
 * -e DAYS --notify sends each owner one reminder a day of theirs that
 * expire within DAYS, and --admin-mail a summary with the CRLs due.  The
 * mail goes after the certificates are committed: a failed hand-off is
 * reported and counted, never undoes a certificate, and never stops the
 * other messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/mail.h"
#include "genfic/notice.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

#define CERT_TYPE	"application/pem-certificate-chain"
#define REMINDER_ROWS	1000	/* certificates listed in one message */

struct mailer {
	const struct cli *cli;
	const char	*from;
	char		*copy;		/* the words of --sendmail */
	char		*argv[MAIL_ARGS_MAX + 1];
	char		 day[11];	/* today, UTC */
	size_t		 sent, failed, skipped;
};

static int
mailer_init(struct mailer *ml, const struct cli *cli)
{
	memset(ml, 0, sizeof(*ml));
	ml->cli = cli;
	ml->from = cli->mail_from != NULL ? cli->mail_from : cli->admin_mail;
	notice_day(time(NULL), ml->day);
	return mail_command(cli->sendmail != NULL ? cli->sendmail :
	    MAIL_SENDMAIL, &ml->copy, ml->argv);
}

static void
mailer_clear(struct mailer *ml)
{
	free(ml->copy);
}

/* Hands m to the mailer; a failure is reported as "what: why" and counted. */
static int
mailer_send(struct mailer *ml, struct mail *m, const char *what)
{
	int r;

	if ((r = mail_end(m)) == 0)
		r = mail_hand_off(ml->argv, m->data, m->len,
		    ml->cli->mail_timeout != 0 ? ml->cli->mail_timeout :
		    MAIL_TIMEOUT);
	if (r != 0) {
		gf_report(what, r);
		ml->failed++;
		return r;
	}
	ml->sent++;
	return 0;
}

/* The PEM of cert and of its issuers up to the root, which is left out. */
static int
chain_pem(struct store *st, int64_t ca_id, X509 *cert, FILE *out)
{
	STACK_OF(X509) *chain;
	int i, r;

	if (!PEM_write_X509(out, cert))
		return gf_fail_crypto("certificate");
	if ((r = generation_chain(st, ca_id, cert, 0, &chain)) != 0)
		return r;
	for (i = 0; i < sk_X509_num(chain) && r == 0; i++)
		if (!PEM_write_X509(out, sk_X509_value(chain, i)))
			r = gf_fail_crypto("chain");
	sk_X509_pop_free(chain, X509_free);
	return r;
}

/* Text of the store, as gf_escape() shows it: a name cannot forge a line. */
static void
put_safe(FILE *f, const char *s)
{
	char buf[1024];

	gf_escape(buf, sizeof(buf), s != NULL ? s : "-", s != NULL ?
	    strlen(s) : 1);
	fputs(buf, f);
}

/* The text part of a certificate's mail. */
static void
cert_body(FILE *f, X509 *cert, const char *ca, const char *hex,
    const char *file)
{
	char *subject = dn_format(X509_get_subject_name(cert));
	char from[GF_ISO_TIME_LEN] = "-", to[GF_ISO_TIME_LEN] = "-";
	time_t t;

	if (asn1_time_to_unix(X509_get0_notBefore(cert), &t) == 0)
		time_to_iso(t, from);
	if (asn1_time_to_unix(X509_get0_notAfter(cert), &t) == 0)
		time_to_iso(t, to);
	fputs("Your certificate has been issued by the CA ", f);
	put_safe(f, ca);
	fputs(".\n\nSubject:    ", f);
	put_safe(f, subject);
	fprintf(f, "\nSerial:     %s\nValid from: %s\nValid to:   %s\n\n", hex,
	    from, to);
	fprintf(f, "Attached, %s holds the certificate, then the certificates\n"
	    "of the CAs between it and the root.  Check it against the root\n"
	    "certificate you trust (ROOT.pem):\n\n"
	    "  openssl verify -CAfile ROOT.pem -untrusted %s %s\n\n"
	    "-- \ngenfic-ca\n", file, file, file);
	free(subject);
	gf_errclear();
}

/* Builds and sends the mail of certificate id to owner. */
static int
mail_one_cert(struct mailer *ml, struct store *st, int64_t id,
    const char *owner)
{
	struct mail m = { 0 };
	struct serial sn;
	struct ca *ca = NULL;
	X509 *cert = NULL;
	FILE *body = NULL, *pem = NULL;
	char *btext = NULL, *ptext = NULL, *cn = NULL, *subject = NULL;
	char hex[2 * GF_SERIAL_MAX + 1], file[2 * GF_SERIAL_MAX + 8];
	size_t blen = 0, plen = 0;
	int64_t ca_id;
	int r;

	if ((r = certdb_load(st, id, &cert, &ca_id)) != 0 ||
	    (r = ca_load_id(st, ca_id, &ca)) != 0 ||
	    (r = serial_from_asn1(X509_get0_serialNumber(cert), &sn)) != 0)
		goto out;
	serial_to_hex(&sn, hex);
	snprintf(file, sizeof(file), "%s.pem", hex);
	if ((pem = open_memstream(&ptext, &plen)) == NULL ||
	    (body = open_memstream(&btext, &blen)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = chain_pem(st, ca_id, cert, pem)) != 0)
		goto out;
	cert_body(body, cert, ca->name, hex, file);
	if (fclose(pem) != 0 || fclose(body) != 0) {
		pem = body = NULL;
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	pem = body = NULL;
	cn = dn_get_text(X509_get_subject_name(cert), NID_commonName);
	gf_errclear();
	if (asprintf(&subject, "Your certificate %s (%s)", cn != NULL ? cn :
	    hex, ca->name) == -1) {
		subject = NULL;
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = mail_begin(&m, ml->from, owner, subject, 1)) != 0 ||
	    (r = mail_text(&m, btext, blen)) != 0 ||
	    (r = mail_attach(&m, CERT_TYPE, file, ptext, plen)) != 0)
		goto out;
	snprintf(file, sizeof(file), "%s", hex);
	/* A failed hand-off is reported and counted there. */
	if (mailer_send(ml, &m, file) == 0) {
		fprintf(stderr, "%s: mailed %s %s to %s\n", gf_progname, ca->name,
		    hex, owner);
		r = notice_record(st, NOTICE_CERTIFICATE, owner, ml->day, id);
	}
 out:
	if (pem != NULL)
		fclose(pem);
	if (body != NULL)
		fclose(body);
	mail_free(&m);
	free(subject);
	free(cn);
	free(btext);
	free(ptext);
	ca_free(ca);
	X509_free(cert);
	return r;
}

int
cli_mail_certificates(const struct cli *cli, struct store *st,
    const int64_t *ids, size_t n)
{
	struct mailer ml;
	char *owner;
	size_t i;
	int r;

	if ((r = mailer_init(&ml, cli)) != 0) {
		gf_report("--mail", r);
		return EXIT_MAIL;
	}
	for (i = 0; i < n; i++) {
		if ((r = certdb_owner(st, ids[i], &owner)) == GF_ERR_NOT_FOUND) {
			/* Its group rolled back: nothing was issued. */
			gf_errclear();
			continue;
		}
		if (r == 0 && owner == NULL) {
			gf_warnx("certificate %lld has no owner: not mailed "
			    "(--set-owner gives it one)", (long long)ids[i]);
			ml.skipped++;
			continue;
		}
		if (r == 0)
			r = mail_one_cert(&ml, st, ids[i], owner);
		free(owner);
		if (r != 0) {
			gf_report("--mail", r);
			ml.failed++;
		}
	}
	if (ml.failed > 0 || ml.skipped > 0)
		gf_warnx("--mail: %zu sent, %zu failed, %zu without owner",
		    ml.sent, ml.failed, ml.skipped);
	mailer_clear(&ml);
	return ml.failed > 0 ? EXIT_MAIL : 0;
}

/* One expiring certificate, as -e lists it. */
struct due {
	char	*owner;		/* or NULL */
	char	*ca, *serial, *expires, *subject, *label;
	int	 days;
	size_t	 order;		/* soonest first */
};

static void
dues_free(struct due *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(d[i].owner);
		free(d[i].ca);
		free(d[i].serial);
		free(d[i].expires);
		free(d[i].subject);
		free(d[i].label);
	}
	free(d);
}

static int
due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;
	int c;

	if (x->owner == NULL || y->owner == NULL)
		c = (x->owner == NULL) - (y->owner == NULL);
	else
		c = strcmp(x->owner, y->owner);
	return c != 0 ? c : x->order < y->order ? -1 : x->order > y->order;
}

static int
due_order_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/* Reads the rows of stmt (certdb_list()'s columns) into *dues. */
static int
dues_read(struct store *st, sqlite3_stmt *stmt, struct due **dues, size_t *n)
{
	struct due *d = NULL, *p;
	size_t cap = 0;
	int step, r = 0;

	*n = 0;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap != 0 ? 2 * cap : 64;
			if ((p = realloc(d, cap * sizeof(*d))) == NULL) {
				r = gf_fail(GF_ERR_ALLOC, "out of memory");
				break;
			}
			d = p;
		}
		p = &d[*n];
		memset(p, 0, sizeof(*p));
		p->order = (*n)++;
		p->days = sqlite3_column_int(stmt, CERTDB_COL_DAYS);
		if ((r = store_column_dup(stmt, CERTDB_COL_OWNER, &p->owner)) != 0 ||
		    (r = store_column_dup(stmt, CERTDB_COL_CA, &p->ca)) != 0 ||
		    (r = store_column_dup(stmt, CERTDB_COL_SERIAL, &p->serial)) != 0 ||
		    (r = store_column_dup(stmt, CERTDB_COL_EXPIRES, &p->expires)) != 0 ||
		    (r = store_column_dup(stmt, CERTDB_COL_SUBJECT, &p->subject)) != 0 ||
		    (r = store_column_dup(stmt, CERTDB_COL_LABEL, &p->label)) != 0)
			break;
	}
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(st, "list");
	*dues = d;
	if (r != 0) {
		dues_free(d, *n);
		*dues = NULL;
		*n = 0;
	}
	return r;
}

static void
due_line(FILE *f, const struct due *d, int with_owner)
{
	fprintf(f, "%s  %4d  ", d->expires, d->days);
	put_safe(f, d->ca);
	fprintf(f, "  %s  ", d->serial);
	put_safe(f, d->subject);
	if (d->label != NULL) {
		fputs("  [", f);
		put_safe(f, d->label);
		fputc(']', f);
	}
	if (with_owner) {
		fputs("  ", f);
		if (d->owner != NULL)
			put_safe(f, d->owner);
		else
			fputs("(no owner)", f);
	}
	fputc('\n', f);
}

/* Sends text (of len) as a whole message, or says why not. */
static int
send_text(struct mailer *ml, const char *to, const char *subject,
    const char *text, size_t len, const char *what)
{
	struct mail m = { 0 };
	int r;

	if ((r = mail_begin(&m, ml->from, to, subject, 0)) == 0 &&
	    (r = mail_text(&m, text, len)) == 0)
		r = mailer_send(ml, &m, what);
	else {
		gf_report(what, r);
		ml->failed++;
	}
	mail_free(&m);
	return r;
}

/* One owner's reminder: dues d[0..n), all theirs. */
static int
remind(struct mailer *ml, struct store *st, const struct due *d, size_t n)
{
	const char *owner = d[0].owner;
	char subject[128], *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int sent, r;

	if ((r = notice_sent(st, NOTICE_REMINDER, owner, ml->day, &sent)) != 0)
		return r;
	if (sent) {
		fprintf(stderr, "%s: reminded %s today already\n", gf_progname,
		    owner);
		return 0;
	}
	if ((f = open_memstream(&text, &len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	fprintf(f, "%zu of your certificates expire%s within %d days:\n\n"
	    "EXPIRES     DAYS  CA  SERIAL  SUBJECT  [LABEL]\n", n, n == 1 ?
	    "s" : "", ml->cli->expiring_days);
	for (i = 0; i < n && i < REMINDER_ROWS; i++)
		due_line(f, &d[i], 0);
	if (n > REMINDER_ROWS)
		fprintf(f, "... and %zu more\n", n - REMINDER_ROWS);
	fputs("\nSend a new request before then, or ask the CA administrator\n"
	    "to renew them.\n\n-- \ngenfic-ca\n", f);
	if (fclose(f) != 0) {
		free(text);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	snprintf(subject, sizeof(subject), "%zu certificate%s expire%s "
	    "within %d days", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
	    ml->cli->expiring_days);
	r = send_text(ml, owner, subject, text, len, owner);
	free(text);
	if (r != 0)
		return 0;	/* reported and counted */
	fprintf(stderr, "%s: reminded %s of %zu certificate%s\n", gf_progname,
	    owner, n, n == 1 ? "" : "s");
	return notice_record(st, NOTICE_REMINDER, owner, ml->day, 0);
}

/* The CRLs due, as -e lists them, into f. */
static int
crls_due(struct store *st, const struct certdb_listing *l, FILE *f)
{
	sqlite3_stmt *stmt;
	int step, r;

	if ((r = certdb_list_crl_due(st, l, &stmt)) != 0)
		return r;
	fputs("CRLs to issue (-g) within the window:\n", f);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		fputs("  ", f);
		put_safe(f, (const char *)sqlite3_column_text(stmt, CERTDB_COL_CA));
		fprintf(f, "  %s  next update %s  (%s)\n",
		    sqlite3_column_text(stmt, CERTDB_COL_STATUS),
		    sqlite3_column_text(stmt, CERTDB_COL_EXPIRES),
		    sqlite3_column_text(stmt, CERTDB_COL_SUBJECT));
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "list CRLs");
	sqlite3_finalize(stmt);
	fputc('\n', f);
	return r;
}

/* The admin's summary: every certificate due, its owner, the CRLs due. */
static int
summarize(struct mailer *ml, struct store *st, const struct certdb_listing *l,
    const struct due *d, size_t n, size_t failed)
{
	const char *admin = ml->cli->admin_mail;
	char subject[128], *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int sent, r;

	if ((r = notice_sent(st, NOTICE_SUMMARY, admin, ml->day, &sent)) != 0)
		return r;
	if (sent) {
		fprintf(stderr, "%s: summary sent to %s today already\n",
		    gf_progname, admin);
		return 0;
	}
	if ((f = open_memstream(&text, &len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	fprintf(f, "genfic-ca --notify, %s: within %d days\n\n", ml->day,
	    l->days);
	if ((r = crls_due(st, l, f)) != 0) {
		fclose(f);
		free(text);
		return r;
	}
	fprintf(f, "%zu certificate%s expire%s (reminders: %zu sent, %zu "
	    "failed):\n\n", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
	    ml->sent, failed);
	for (i = 0; i < n && i < REMINDER_ROWS; i++)
		due_line(f, &d[i], 1);
	if (n > REMINDER_ROWS)
		fprintf(f, "... and %zu more\n", n - REMINDER_ROWS);
	fputs("\n-- \ngenfic-ca\n", f);
	if (fclose(f) != 0) {
		free(text);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	snprintf(subject, sizeof(subject), "PKI: %zu certificate%s expire%s "
	    "within %d days", n, n == 1 ? "" : "s", n == 1 ? "s" : "", l->days);
	r = send_text(ml, admin, subject, text, len, admin);
	free(text);
	if (r != 0)
		return 0;
	fprintf(stderr, "%s: summary sent to %s\n", gf_progname, admin);
	return notice_record(st, NOTICE_SUMMARY, admin, ml->day, 0);
}

/* Each owner's reminder, in turn; the dues sorted by owner. */
static int
remind_all(struct mailer *ml, struct store *st, struct due *d, size_t n)
{
	size_t i, j;
	int r;

	for (i = 0; i < n && d[i].owner != NULL; i = j) {
		for (j = i + 1; j < n && d[j].owner != NULL &&
		    strcmp(d[j].owner, d[i].owner) == 0; j++)
			;
		if ((r = remind(ml, st, &d[i], j - i)) != 0)
			return r;
	}
	for (; i < n; i++) {
		gf_warnx("%s %s expires %s and has no owner: no reminder",
		    d[i].ca, d[i].serial, d[i].expires);
		ml->skipped++;
	}
	return 0;
}

int
cli_notify(const struct cli *cli)
{
	struct certdb_listing l;
	struct mailer ml;
	struct store *st = NULL;
	struct due *d = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t n = 0, failed;
	int r;

	memset(&l, 0, sizeof(l));
	l.kind = CERTDB_LIST_EXPIRING;
	l.now = time(NULL);
	l.ca = cli->parent;
	l.days = cli->expiring_days;
	if ((r = mailer_init(&ml, cli)) != 0) {
		gf_report("--notify", r);
		return EXIT_MAIL;
	}
	if ((r = store_open(cli->dir, 0, &st)) != 0 ||
	    (r = generation_sql(st, &l.generation)) != 0 ||
	    (r = certdb_list(st, &l, &stmt)) != 0 ||
	    (r = dues_read(st, stmt, &d, &n)) != 0)
		goto out;
	sqlite3_finalize(stmt);
	stmt = NULL;
	qsort(d, n, sizeof(*d), due_cmp);
	if ((r = remind_all(&ml, st, d, n)) != 0)
		goto out;
	failed = ml.failed;
	if (cli->admin_mail != NULL) {
		/* The summary lists them soonest first. */
		qsort(d, n, sizeof(*d), due_order_cmp);
		r = summarize(&ml, st, &l, d, n, failed);
	}
 out:
	if (r != 0)
		gf_report("--notify", r);
	else if (ml.failed > 0)
		gf_warnx("--notify: %zu sent, %zu failed, %zu without owner",
		    ml.sent, ml.failed, ml.skipped);
	sqlite3_finalize(stmt);
	dues_free(d, n);
	store_free(st);
	mailer_clear(&ml);
	if (r != 0)
		return cli_exit_status(r);
	return ml.failed > 0 ? EXIT_MAIL : 0;
}
