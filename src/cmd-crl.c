/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -g -p CA: issue the CA's next CRL, and one for each older generation
 * that still has certificates to answer for (crl/NAME.N.crl).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/crl.h"
#include "genfic/der.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/* crl/NAME.crl, or crl/NAME.N.crl for an older generation (out NULL). */
static int
crl_publish(const struct cli *cli, struct cli_out *out, struct store *st,
    const struct ca *ca, int generation, const struct buf *der)
{
	char ext[32] = ".crl", *pem = NULL, *path;
	size_t pemlen = 0;
	int r, want_der = cli->format != NULL && strcmp(cli->format, "der") == 0;

	if (out == NULL)
		snprintf(ext, sizeof(ext), ".%d.crl", generation);
	if ((path = store_path(st, "crl", ca->name, ext)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = der_to_pem(PEM_STRING_X509_CRL, der->data, der->len, &pem,
	    &pemlen)) != 0 ||
	    (r = file_write_atomic(path, pem, pemlen, 0644, 1)) != 0 ||
	    (r = audit_checkpoint_export(st, ca->name, st->dir, NULL)) != 0 ||
	    out == NULL)
		goto out;
	r = cli_output_write(out, want_der ? (void *)der->data : pem,
	    want_der ? der->len : pemlen);
 out:
	free(path);
	free(pem);
	return r;
}

/*
 * The CRL of an older generation g, signed by its own key (asked for as
 * the current one is): for what it issued until the last of that expires.
 * A failure is reported here, and keeps no other CRL from being issued.
 */
static int
gencrl_old(const struct cli *cli, struct store *st, const struct ca *ca,
    const struct generation *g, const struct crl_params *base)
{
	struct crl_params params = *base;
	struct ca *gca = NULL;
	EVP_PKEY *key = NULL;
	struct buf der;
	char next[GF_ISO_TIME_LEN];
	int64_t number;
	long entries;
	int live, r;

	buf_init(&der);
	if ((r = generation_live(st, ca, g, base->this_update, &live)) != 0 ||
	    !live)
		return r;
	params.generation = g->number;
	params.first_cert = g->first_cert;
	params.end_cert = g->end_cert;
	if ((r = generation_ca(ca, g, &gca)) != 0 ||
	    (r = cli_ca_key(cli, st, gca, &key)) != 0 ||
	    (r = crl_issue(st, gca, key, &params, &der, &number,
	    &entries)) != 0 ||
	    (r = crl_publish(cli, NULL, st, gca, g->number, &der)) != 0)
		goto out;
	time_to_iso(params.next_update, next);
	fprintf(stderr, "%s: %s generation %d: CRL number %lld, %ld entries, "
	    "next update %s, in crl/%s.%d.crl\n", gf_progname, ca->name,
	    g->number, (long long)number, entries, next, ca->name, g->number);
 out:
	if (r != 0) {
		snprintf(next, sizeof(next), "%d", g->number);
		gf_fail(r, "generation %s: %s; its CRL was not issued", next,
		    gf_errmsg(r));
		gf_report(ca->name, r);
	}
	buf_free(&der);
	EVP_PKEY_free(key);
	ca_free(gca);
	return r;
}

int
cmd_gencrl(struct cli *cli)
{
	struct crl_params params;
	struct generation *gens = NULL;
	struct cli_out out;
	struct store *st = NULL;
	struct ca *ca = NULL;
	EVP_PKEY *key = NULL;
	struct buf der;
	char next[GF_ISO_TIME_LEN];
	int64_t number;
	size_t ngens = 0, i;
	long entries;
	int old_failed = 0, r;

	buf_init(&der);
	memset(&out, 0, sizeof(out));
	if (cli_parent_missing(cli, "-g", "CA"))
		return EXIT_USAGE;
	if (cli->format != NULL && strcmp(cli->format, "pem") != 0 &&
	    strcmp(cli->format, "der") != 0) {
		fprintf(stderr, "%s: -g: --format is pem or der\n", gf_progname);
		return EXIT_USAGE;
	}
	/*
	 * An -o that cannot be written is found (a device or FIFO opened)
	 * now, not after the CRL number is spent and the CRL stored.  A CRL
	 * supersedes the previous one: an existing file is replaced.
	 */
	if ((r = cli_output_open(&out, cli->output, 1)) != 0 ||
	    (r = store_open(cli->dir, 0, &st)) != 0 ||
	    (r = ca_load(st, cli->parent, &ca)) != 0 ||
	    (r = generation_list(st, ca, &gens, &ngens)) != 0 ||
	    (r = cli_ca_key(cli, st, ca, &key)) != 0)
		goto out;
	memset(&params, 0, sizeof(params));
	params.this_update = time(NULL);
	params.next_update = params.this_update + (cli->crl_hours != 0 ?
	    (time_t)cli->crl_hours * 3600 :
	    (time_t)(cli->crl_days != 0 ? cli->crl_days : ca->crl_days) * 86400);
	params.include_expired = cli->include_expired;
	/* The older ones first: the current CRL is the CA's latest. */
	for (i = 0; i + 1 < ngens; i++)
		if (gencrl_old(cli, st, ca, &gens[i], &params) != 0)
			old_failed = 1;
	params.generation = gens[ngens - 1].number;
	params.first_cert = gens[ngens - 1].first_cert;
	if ((r = crl_issue(st, ca, key, &params, &der, &number,
	    &entries)) != 0 ||
	    (r = crl_publish(cli, &out, st, ca, params.generation, &der)) != 0)
		goto out;
	if (cli->output != NULL) {
		time_to_iso(params.next_update, next);
		printf("%s: CRL number %lld, %ld entries, next update %s\n",
		    ca->name, (long long)number, entries, next);
	}
 out:
	if (r != 0)
		gf_report(cli->parent, r);
	cli_output_close(&out);
	buf_free(&der);
	EVP_PKEY_free(key);
	generation_free_all(gens, ngens);
	ca_free(ca);
	store_free(st);
	return r == 0 && old_failed ? EXIT_REFUSED : cli_exit_status(r);
}
