/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -s FILE... -p CA: sign certificate requests.  The mode settles the CA,
 * its key, the template and where the certificates go; the spool
 * (spool.h) judges, signs, records and writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/privsep.h"
#include "genfic/request.h"
#include "genfic/spool.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

struct sign {
	struct cli		*cli;
	struct cli_issuer	 is;		/* store, CA, template, --san */
	EVP_PKEY		*ca_key;
	struct privsep		*privsep;	/* the request parsers */
	struct request_rules	 rules;
	struct spool_params	 params;
	struct spool		*spool;
	int			 out_dir;	/* -o names a directory */
	struct cli_out		 out;		/* else where certificates go */
	struct spool_counts	 counts;
	int64_t			*ids;		/* --mail: what was recorded */
	size_t			 nids, capids;
	int			 ids_lost;	/* out of memory keeping them */
};

/* --mail: keeps the id of each certificate recorded. */
static void
sign_recorded(void *arg, int64_t cert_id)
{
	struct sign *s = arg;
	int64_t *p;
	size_t cap;

	if (s->nids == s->capids) {
		cap = s->capids != 0 ? 2 * s->capids : 64;
		if ((p = realloc(s->ids, cap * sizeof(*p))) == NULL) {
			s->ids_lost = 1;
			return;
		}
		s->ids = p;
		s->capids = cap;
	}
	s->ids[s->nids++] = cert_id;
}

/* Certificates to standard output (flushed once per group) or -o FILE. */
static int
sign_write(void *arg, const char *pem, size_t len)
{
	struct sign *s = arg;
	int r;

	if (s->out.path != NULL || s->out.fd >= 0) {
		if (pem == NULL)
			return 0;
		if ((r = cli_output_write(&s->out, pem, len)) == GF_ERR_EXISTS)
			r = gf_fail(r, "%s exists (--force replaces it)",
			    s->out.path);
		return r;
	}
	if ((pem == NULL && fflush(stdout) != 0) ||
	    (pem != NULL && fwrite(pem, 1, len, stdout) != len))
		return gf_fail(GF_ERR_IO, "standard output: write failed");
	return 0;
}

static void
sign_progress(void *arg, size_t done, size_t total)
{
	const struct sign *s = arg;

	if (s->cli->batch || total < 2 || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r%s: %s: %zu/%zu requests", gf_progname, s->is.ca->name,
	    done, total);
	if (done == total)
		fputc('\n', stderr);
}

/* The requests named, and where their certificates go. */
static int
sign_collect(struct sign *s)
{
	const char *output = s->cli->output;
	size_t i, n;
	int r;

	for (i = 0; s->cli->files[i] != NULL; i++)
		if ((r = spool_add(s->spool, s->cli->files[i])) != 0)
			return r;
	if ((n = spool_size(s->spool)) == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "no request files found");
	if (s->cli->label != NULL && n > 1)
		return gf_fail(GF_ERR_USAGE, "--label names one certificate, not "
		    "%zu", n);
	s->out_dir = output != NULL && (n > 1 || file_is_dir(output));
	if (n > 1 && output != NULL && !file_is_dir(output))
		return gf_fail(GF_ERR_USAGE, "-o %s: with several requests, -o "
		    "names an existing directory", output);
	if (!s->out_dir)
		return cli_output_open(&s->out, output, s->cli->force);
	if ((r = cli_output_dir_open(output)) != 0)
		return r;
	return spool_out_dir(s->spool, output);
}

static void
sign_setup(struct sign *s)
{
	cli_issuer_rules(s->cli, &s->is, &s->rules);
	s->params.st = s->is.st;
	s->params.store_dir = s->cli->dir;
	s->params.ca = s->is.ca;
	s->params.rules = &s->rules;
	s->params.label = s->cli->label;
	s->params.owner = s->cli->owner;
	s->params.force = s->cli->force;
	s->params.out_check = cli_output_check;
	s->params.out_write = sign_write;
	s->params.progress = sign_progress;
	if (s->cli->mail)
		s->params.recorded = sign_recorded;
	s->params.arg = s;
}

static int
sign_prepare(struct sign *s)
{
	const char *what = s->cli->parent;
	int r;

	if ((r = cli_issuer_load(s->cli, 0, &s->is)) != 0)
		goto out;
	sign_setup(s);
	what = "-s";
	if ((r = spool_new(&s->params, &s->spool)) != 0 ||
	    (r = sign_collect(s)) != 0)
		goto out;
	/* Without it, each certificate makes every extension itself. */
	if (template_prepare(s->is.tmpl, s->is.ca->cert) != 0)
		gf_errclear();
	/* The parsers never hold what follows: the CA key, its passphrase. */
	what = "-s";
	if ((r = privsep_start(&s->rules, spool_parsers(s->spool),
	    &s->privsep)) != 0)
		goto out;
	s->params.privsep = s->privsep;
	if ((r = spool_parse_ahead(s->spool)) != 0)
		goto out;
	what = s->is.ca->name;
	if ((r = cli_ca_key(s->cli, s->is.st, s->is.ca, &s->ca_key)) == 0)
		s->params.ca_key = s->ca_key;
 out:
	if (r != 0)
		gf_report(what, r);
	return r;
}

static void
sign_free(struct sign *s)
{
	spool_free(s->spool);
	privsep_stop(s->privsep);
	cli_output_close(&s->out);
	EVP_PKEY_free(s->ca_key);
	cli_issuer_clear(&s->is);
	free(s->ids);
}

static void
sign_warn_clamped(const struct sign *s)
{
	char date[GF_ISO_TIME_LEN];
	size_t n = s->counts.clamped;
	time_t end;

	if (asn1_time_to_unix(X509_get0_notAfter(s->is.ca->cert), &end) != 0)
		return;
	time_to_iso(end, date);
	gf_warnx("warning: %zu certificate%s had %s notAfter clamped to the "
	    "issuer's notAfter %s", n, n == 1 ? "" : "s", n == 1 ? "its" :
	    "their", date);
}

/* What was committed, what was not, and what was not written. */
static void
sign_summary(const struct sign *s)
{
	const struct spool_counts *c = &s->counts;
	size_t done = c->signed_ + c->refused + c->skipped;

	fprintf(stderr, "%s: %s: %zu signed, %zu refused, %zu skipped",
	    gf_progname, s->is.ca->name, c->signed_, c->refused, c->skipped);
	if (c->unwritten > 0)
		fprintf(stderr, ", %zu not written (-E writes them again)",
		    c->unwritten);
	if (done < c->requests)
		fprintf(stderr, ", %zu not recorded", c->requests - done);
	fputc('\n', stderr);
}

int
cmd_sign(struct cli *cli)
{
	struct sign s;
	int r, mailed = 0;

	if (cli_parent_missing(cli, "-s", "CA"))
		return EXIT_USAGE;
	memset(&s, 0, sizeof(s));
	s.cli = cli;
	s.out.fd = -1;
	if ((r = sign_prepare(&s)) != 0) {
		sign_free(&s);
		return cli_exit_status(r);
	}
	if ((r = spool_run(s.spool, &s.counts)) != 0)
		gf_report(s.is.ca->name, r);
	if (s.counts.clamped > 0)
		sign_warn_clamped(&s);
	if (s.counts.requests > 1)
		sign_summary(&s);
	/* Only what is committed is mailed; a mail failure undoes nothing. */
	if (cli->mail && s.nids > 0)
		mailed = cli_mail_certificates(cli, s.is.st, s.ids, s.nids);
	if (s.ids_lost) {
		gf_warnx("--mail: out of memory: not every certificate mailed");
		mailed = EXIT_MAIL;
	}
	sign_free(&s);
	if (r != 0 || s.counts.refused != 0 || s.counts.unwritten != 0)
		return EXIT_REFUSED;
	return mailed;
}
