/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -x VALUE -p CA: revoke, put on hold, or release a certificate. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/* Reason and dates from the options; refuses what RFC 5280 does not mean. */
static int
revoke_options(const struct cli *cli, int *reason, time_t *when,
    time_t *invalidity)
{
	int r;

	*reason = GF_REASON_UNSPECIFIED;
	*when = time(NULL);
	*invalidity = 0;
	if (cli->reason != NULL && (r = reason_from_name(cli->reason, reason)) != 0)
		return r;
	if (cli->revocation_date != NULL &&
	    (r = time_from_iso(cli->revocation_date, when)) != 0)
		return r;
	if (*when > time(NULL))
		return gf_fail(GF_ERR_USAGE, "--revocation-date is in the future");
	if (cli->invalidity_date == NULL)
		return 0;
	if (*reason != GF_REASON_KEY_COMPROMISE &&
	    *reason != GF_REASON_CA_COMPROMISE &&
	    *reason != GF_REASON_AA_COMPROMISE)
		return gf_fail(GF_ERR_USAGE, "--invalidity-date goes with a "
		    "compromise reason (keyCompromise, cACompromise, "
		    "aACompromise)");
	if ((r = time_from_iso(cli->invalidity_date, invalidity)) != 0)
		return r;
	if (*invalidity > *when)
		return gf_fail(GF_ERR_USAGE, "--invalidity-date is after the "
		    "revocation date");
	return 0;
}

int
cmd_revoke(struct cli *cli)
{
	struct cert_ref refs[CLI_MAX_MATCHES];
	struct store *st = NULL;
	struct ca *ca = NULL;
	char hex[2 * GF_SERIAL_MAX + 1];
	time_t when, invalidity;
	size_t n = 0;
	int reason, r;

	if (cli_parent_missing(cli, "-x", "CA"))
		return EXIT_USAGE;
	if ((r = revoke_options(cli, &reason, &when, &invalidity)) != 0) {
		gf_report(cli->parent, r);
		return EXIT_USAGE;
	}
	if ((r = store_open(cli->dir, 0, &st)) != 0 ||
	    (r = ca_load(st, cli->parent, &ca)) != 0 ||
	    (r = store_begin(st)) != 0)
		goto out;
	if ((r = cli_find_cert(st, ca, cli->arg, refs, &n)) != 0)
		goto out;
	if ((r = revoke_apply(st, ca, &refs[0], reason, when, invalidity)) != 0 ||
	    (r = store_commit(st)) != 0)
		goto out;
	serial_to_hex(&refs[0].serial, hex);
	printf("%s %s ", hex, reason == GF_REASON_REMOVE_FROM_CRL ?
	    "released from hold:" : "revoked:");
	cli_put_text(stdout, refs[0].subject, 0, 0);
	printf(" (%s)\n", reason_name(reason));
 out:
	if (r != 0) {
		if (st != NULL)
			store_rollback(st);
		gf_report(cli->parent, r);
		if (n > 1)
			cli_list_matches(refs, n);
	}
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
