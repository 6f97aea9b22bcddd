/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gf-bench-fill: fills a store with N real certificates of a CA, signed by
 * its key, through certdb_insert() in one transaction, and revokes a share
 * of them.  Benchmarks use it to make stores of 10^5..10^6 certificates.
 *
 * usage: gf-bench-fill DIR CA N REVOKED-PERCENT PASSPHRASE-SOURCE
 * Validities are spread over 1 to 730 days.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/issue.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/template.h"

static int
fill_one(struct store *st, const struct ca *ca, struct issue_request *req,
    long i)
{
	struct serial serial;
	X509_NAME *subject;
	GENERAL_NAMES *san;
	char cn[64];
	X509 *cert = NULL;
	int r;

	snprintf(cn, sizeof(cn), "host-%ld.bench.example", i);
	subject = X509_NAME_new();
	X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Gentoo Fictional, Inc.", -1, -1, 0);
	X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	san = GENERAL_NAMES_new();
	sk_GENERAL_NAME_push(san, a2i_GENERAL_NAME(NULL, NULL, NULL, GEN_DNS,
	    cn, 0));
	req->subject = subject;
	req->san = san;
	/* Spread the expiry dates over two years, as in a real CA. */
	req->days = 1 + (int)(i % 730);
	do {
		X509_free(cert);
		cert = NULL;
		if ((r = serial_random(&serial)) != 0 ||
		    (r = issue_build(req, &serial, &cert)) != 0)
			break;
		r = certdb_insert(st, ca->id, cert, NULL, req->tmpl->name, NULL);
	} while (r == GF_ERR_CONFLICT);
	X509_free(cert);
	X509_NAME_free(subject);
	GENERAL_NAMES_free(san);
	return r;
}

static int
fill_revoke(struct store *st, int64_t ca_id, int percent)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "UPDATE cert SET revoked_at = ?2 - id % "
	    "86400, reason = 1 + id % 5 WHERE ca_id = ?1 AND is_ca = 0 AND "
	    "id % 100 < ?3", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, ca_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(stmt, 3, percent);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(st, "revoke");
	sqlite3_finalize(stmt);
	return r;
}

/* TEXT as a whole non-negative decimal number, or -1. */
static long
count_arg(const char *text)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	return errno != 0 || end == text || *end != '\0' || n < 0 ? -1 : n;
}

int
main(int argc, char **argv)
{
	const char *dirs[] = { getenv("GENFIC_CA_TEMPLATES"), NULL };
	struct issue_request req;
	struct passphrase pass;
	struct store *st = NULL;
	struct ca *ca = NULL;
	struct constraints *constraints = NULL;
	struct template *tmpl = NULL;
	EVP_PKEY *key = NULL, *subject_key = NULL;
	X509_PUBKEY *spki = NULL;
	char *keypath = NULL;
	long n, i, percent;
	int r;

	if (argc != 6 || dirs[0] == NULL || (n = count_arg(argv[3])) < 0 ||
	    (percent = count_arg(argv[4])) < 0 || percent > 100) {
		fprintf(stderr, "usage: GENFIC_CA_TEMPLATES=DIR gf-bench-fill "
		    "DIR CA N REVOKED-PERCENT PASSPHRASE-SOURCE\n");
		return 2;
	}
	if ((r = store_open(argv[1], 0, &st)) != 0 ||
	    (r = ca_load(st, argv[2], &ca)) != 0 ||
	    (r = constraints_load(st, ca, &constraints)) != 0 ||
	    (r = template_load(ca->leaf_template, dirs, &tmpl)) != 0 ||
	    (r = pass_get(argv[5], NULL, 0, 1, &pass)) != 0 ||
	    (keypath = ca_key_path(st, ca)) == NULL ||
	    (r = key_load(keypath, &pass, &key)) != 0 ||
	    (r = key_generate("ec:P-256", &subject_key)) != 0)
		goto out;
	pass_clear(&pass);
	memset(&req, 0, sizeof(req));
	req.tmpl = tmpl;
	req.pubkey = subject_key;
	if (!X509_PUBKEY_set(&spki, subject_key)) {
		r = gf_fail_crypto("public key");
		goto out;
	}
	req.spki = spki;
	req.issuer_cert = ca->cert;
	req.issuer_key = key;
	req.constraints = constraints;
	if ((r = store_begin(st)) != 0)
		goto out;
	for (i = 0; i < n && r == 0; i++)
		r = fill_one(st, ca, &req, i);
	if (r == 0 && (r = fill_revoke(st, ca->id, (int)percent)) == 0)
		r = store_commit(st);
	else
		store_rollback(st);
 out:
	if (r != 0)
		gf_report("gf-bench-fill", r);
	free(keypath);
	EVP_PKEY_free(key);
	EVP_PKEY_free(subject_key);
	X509_PUBKEY_free(spki);
	template_free(tmpl);
	constraints_free(constraints);
	ca_free(ca);
	store_free(st);
	return r == 0 ? 0 : 1;
}
