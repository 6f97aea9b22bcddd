/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --renew VALUE -p CA: a new certificate for the key, subject and names
 * of one of CA's; --renew-expiring DAYS -p CA -o DIR: the same for every
 * valid certificate of CA due within DAYS and not renewed yet, one file
 * each, committed in groups like a spool.  renew.h does the work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/ca.h"
#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/renew.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

#define RENEW_GROUP	1000	/* renewals per commit, at most */

struct renew_run {
	struct cli	*cli;
	struct store	*st;
	struct ca	*ca;
	struct constraints *constraints;
	EVP_PKEY	*key;
	struct renewer	 rn;
	struct renew_counts counts;	/* of --renew-expiring */
};

static int
renew_load_template(void *arg, const char *name, struct template **tmpl)
{
	return cli_template(arg, name, tmpl);
}

/* --reason: superseded or nothing; the old one stays valid without. */
static int
renew_reason(const struct cli *cli, int *supersede)
{
	int reason;

	*supersede = 0;
	if (cli->reason == NULL)
		return 0;
	if (reason_from_name(cli->reason, &reason) != 0 ||
	    reason != GF_REASON_SUPERSEDED)
		return gf_fail(GF_ERR_USAGE, "--reason: a renewal takes "
		    "superseded (revoke the old one), or no --reason");
	*supersede = 1;
	return 0;
}

/* The store, the CA (not revoked) and what is above it. */
static int
renew_open(struct renew_run *run)
{
	struct cli *cli = run->cli;
	int r;

	if ((r = renew_reason(cli, &run->rn.supersede)) != 0 ||
	    (r = store_open(cli->dir, 0, &run->st)) != 0 ||
	    (r = ca_load(run->st, cli->parent, &run->ca)) != 0 ||
	    (r = constraints_load(run->st, run->ca, &run->constraints)) != 0)
		return r;
	if (run->ca->revoked)
		return gf_fail(GF_ERR_POLICY, "this CA is revoked and signs "
		    "nothing");
	return 0;
}

/* The CA's key, once there is something to sign. */
static int
renew_key(struct renew_run *run)
{
	int r;

	if ((r = cli_ca_key(run->cli, run->st, run->ca, &run->key)) != 0)
		return r;
	run->rn.st = run->st;
	run->rn.ca = run->ca;
	run->rn.ca_key = run->key;
	run->rn.constraints = run->constraints;
	run->rn.days = run->cli->days;
	run->rn.no_clamp = run->cli->no_clamp;
	run->rn.template = renew_load_template;
	run->rn.arg = run->cli;
	return 0;
}

static void
renew_close(struct renew_run *run)
{
	renewer_clear(&run->rn);
	EVP_PKEY_free(run->key);
	constraints_free(run->constraints);
	ca_free(run->ca);
	store_free(run->st);
}

/* Records rw in a transaction of its own. */
static int
renew_commit_one(struct renew_run *run, struct renewal *rw)
{
	int r;

	if ((r = store_begin(run->st)) != 0)
		return r;
	return store_end(run->st, renew_record(&run->rn, rw));
}

/* The renewal, recorded already, to out or standard output. */
static int
renew_write(struct cli_out *out, const struct renewal *rw)
{
	char *pem;
	size_t len;
	int r;

	if ((r = der_to_pem("CERTIFICATE", rw->row.der, (size_t)rw->row.derlen,
	    &pem, &len)) != 0)
		return r;
	if (out->path != NULL || out->fd >= 0)
		r = cli_output_write(out, pem, len);
	else if (fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0)
		r = gf_fail(GF_ERR_IO, "write failed");
	free(pem);
	return r;
}

int
cmd_renew(struct cli *cli)
{
	struct renew_run run = { .cli = cli };
	struct cert_ref refs[CLI_MAX_MATCHES];
	struct renewal rw = { 0 };
	struct cli_out out = { .fd = -1 };
	const char *what = cli->parent;
	char hex[2 * GF_SERIAL_MAX + 1];
	size_t n = 0;
	int r;

	if (cli_parent_missing(cli, "--renew", "CA"))
		return EXIT_USAGE;
	if ((r = renew_open(&run)) != 0)
		goto out;
	what = cli->arg;
	if ((r = cli_find_cert(run.st, run.ca, cli->arg, refs, &n)) != 0)
		goto out;
	/* Nothing is signed, nor committed, that cannot be written. */
	what = cli->output != NULL ? cli->output : cli->arg;
	if ((r = cli_output_open(&out, cli->output, cli->force)) != 0)
		goto out;
	what = cli->parent;
	if ((r = renew_key(&run)) != 0)
		goto out;
	what = cli->arg;
	if ((r = renew_prepare(&run.rn, refs[0].id, &rw)) != 0 ||
	    (r = renew_commit_one(&run, &rw)) != 0)
		goto out;
	what = cli->output != NULL ? cli->output : "standard output";
	if ((r = renew_write(&out, &rw)) == 0) {
		serial_to_hex(&rw.row.serial, hex);
		gf_warnx("%s: %s renewed as %s", run.ca->name, rw.old_hex, hex);
	}
 out:
	if (r != 0) {
		gf_report(what, r);
		if (n > 1)
			cli_list_matches(refs, n);
	}
	renewal_clear(&rw);
	cli_output_close(&out);
	renew_close(&run);
	return cli_exit_status(r);
}

/* A renewal written (r 0) or not, or refused (written 0). */
static void
renew_due_told(void *arg, const struct renewal *rw, const char *path,
    int written, int r)
{
	struct renew_run *run = arg;
	char hex[2 * GF_SERIAL_MAX + 1];

	if (r != 0) {
		gf_report(written ? path : rw->old_hex[0] != '\0' ?
		    rw->old_hex : "renewal", r);
		return;
	}
	serial_to_hex(&rw->row.serial, hex);
	if (run->cli->json) {
		printf("{\"old\":\"%s\",\"new\":\"%s\",\"file\":",
		    rw->old_hex, hex);
		cli_put_string(stdout, path, 1);
		printf("}\n");
	} else
		printf("%s renewed as %s: %s\n", rw->old_hex, hex, path);
}

static int
renew_due(struct renew_run *run)
{
	struct renew_due due = {
		.dir = run->cli->output,
		.force = run->cli->force,
		.out_check = cli_output_check,
		.told = renew_due_told,
		.arg = run,
	};
	time_t now = time(NULL);
	int64_t *ids = NULL;
	size_t n = 0, at;
	int r;

	if ((r = certdb_renew_due(run->st, run->ca->id, now,
	    now + (time_t)run->cli->expiring_days * 86400, &ids, &n)) != 0)
		return r;
	if (n > 0 && (r = renew_key(run)) == 0)
		for (at = 0; at < n && r == 0; at += RENEW_GROUP)
			r = renew_group(&run->rn, &due, ids + at,
			    n - at < RENEW_GROUP ? n - at : RENEW_GROUP,
			    &run->counts);
	free(ids);
	return r;
}

int
cmd_renew_expiring(struct cli *cli)
{
	struct renew_run run = { .cli = cli };
	int r;

	if (cli_parent_missing(cli, "--renew-expiring", "CA"))
		return EXIT_USAGE;
	if (cli->output == NULL) {
		fprintf(stderr, "%s: --renew-expiring needs -o DIR\n",
		    gf_progname);
		return EXIT_USAGE;
	}
	if ((r = cli_output_dir_open(cli->output)) != 0) {
		gf_report(cli->output, r);
		return cli_exit_status(r);
	}
	if ((r = renew_open(&run)) != 0 || (r = renew_due(&run)) != 0)
		gf_report(cli->parent, r);
	else
		fprintf(stderr, "%s: %s: %zu renewed, %zu refused%s\n",
		    gf_progname, run.ca->name, run.counts.renewed,
		    run.counts.refused, run.counts.unwritten > 0 ?
		    ", some not written" : "");
	renew_close(&run);
	if (r != 0)
		return cli_exit_status(r);
	return run.counts.refused == 0 && run.counts.unwritten == 0 ? 0 :
	    EXIT_REFUSED;
}
