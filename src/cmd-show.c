/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -S VALUE: one certificate, found as certdb_lookup() says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/* openssl x509 -text of the DER, into a new string. */
static char *
show_text(const void *der, int len)
{
	X509 *cert = NULL;
	BIO *bio;
	char *data, *out = NULL;
	long n;

	if (x509_from_der(der, (size_t)len, &cert) != 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL) {
		X509_free(cert);
		return NULL;
	}
	if (X509_print_ex(bio, cert, XN_FLAG_ONELINE, 0) &&
	    PEM_write_bio_X509(bio, cert) &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(bio);
	X509_free(cert);
	return out;
}

/* "Name:      value" and end (a newline unless given), "-" for NULL. */
static void
show_field(const char *name, sqlite3_stmt *stmt, int col, const char *end)
{
	fputs(name, stdout);
	cli_put_text(stdout, sqlite3_column_type(stmt, col) == SQLITE_NULL ?
	    "-" : (const char *)sqlite3_column_text(stmt, col), 0, 0);
	fputs(end != NULL ? end : "\n", stdout);
}

static int
show_one(struct store *st, const struct cli *cli, int64_t id)
{
	sqlite3_stmt *stmt;
	const char *gen;
	char *body = NULL;
	int r;

	if ((r = generation_sql(st, &gen)) != 0 ||
	    (r = certdb_show(st, id, time(NULL), gen, &stmt)) != 0)
		return r;
	if (cli->json) {
		printf("%s\n", sqlite3_column_text(stmt, 1));
		goto out;
	}
	body = show_text(sqlite3_column_blob(stmt, 0),
	    sqlite3_column_bytes(stmt, 0));
	show_field("CA:        ", stmt, 2, NULL);
	show_field("Serial:    ", stmt, 3, NULL);
	show_field("Status:    ", stmt, 4, "");
	if (sqlite3_column_type(stmt, 5) != SQLITE_NULL)
		printf(" since %s (%s)", sqlite3_column_text(stmt, 5),
		    sqlite3_column_text(stmt, 6));
	show_field("\nLabel:     ", stmt, 7, NULL);
	show_field("Owner:     ", stmt, 13, NULL);
	show_field("Template:  ", stmt, 8, NULL);
	show_field("Chain:     ", stmt, 9, NULL);
	/* Which key of its CA signed it (--rollover makes more than one). */
	printf("Generation: %s generation %d\n", sqlite3_column_text(stmt, 2),
	    sqlite3_column_int(stmt, 10));
	if (sqlite3_column_type(stmt, 11) != SQLITE_NULL)
		show_field("Renews:    ", stmt, 11, NULL);
	if (sqlite3_column_type(stmt, 12) != SQLITE_NULL)
		show_field("Renewed by: ", stmt, 12, NULL);
	/* openssl's text prints a SAN's IA5String raw: escape it too. */
	putchar('\n');
	cli_put_lines(stdout, body != NULL ? body : "");
 out:
	free(body);
	sqlite3_finalize(stmt);
	return r;
}

int
cmd_show(struct cli *cli)
{
	struct cert_ref refs[CLI_MAX_MATCHES];
	struct store *st = NULL;
	struct ca *ca = NULL;
	size_t n = 0;
	int r;

	if ((r = store_open(cli->dir, GF_STORE_READONLY, &st)) != 0 ||
	    (cli->parent != NULL && (r = ca_load(st, cli->parent, &ca)) != 0) ||
	    (r = cli_find_cert(st, ca, cli->arg, refs, &n)) != 0)
		goto out;
	r = show_one(st, cli, refs[0].id);
 out:
	if (r != 0) {
		gf_report(cli->arg, r);
		if (n > 1)
			cli_list_matches(refs, n);
	}
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
