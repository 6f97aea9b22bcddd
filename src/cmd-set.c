/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --set -p CA: change a CA's settings (--crl-url, --ocsp-url, --crl-days). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/store.h"
#include "cli.h"

/* An empty value clears the setting. */
static int
set_url(char **field, const char *option, const char *value)
{
	int r;

	if (value == NULL)
		return 0;
	free(*field);
	*field = NULL;
	if (*value == '\0')
		return 0;
	if ((r = cli_url_check(option, value)) != 0)
		return r;
	if ((*field = strdup(value)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

int
cmd_set(struct cli *cli)
{
	struct store *st = NULL;
	struct ca *ca = NULL;
	char detail[3300];
	int r;

	if (cli_parent_missing(cli, "--set", "CA"))
		return EXIT_USAGE;
	if (cli->crl_url == NULL && cli->ocsp_url == NULL &&
	    cli->issuer_url == NULL && cli->crl_days == 0) {
		fprintf(stderr, "%s: --set: nothing to set (--crl-url, "
		    "--ocsp-url, --issuer-url, --crl-days)\n", gf_progname);
		return EXIT_USAGE;
	}
	if ((r = store_open(cli->dir, 0, &st)) != 0 ||
	    (r = ca_load(st, cli->parent, &ca)) != 0 ||
	    (r = set_url(&ca->crl_url, "--crl-url", cli->crl_url)) != 0 ||
	    (r = set_url(&ca->ocsp_url, "--ocsp-url", cli->ocsp_url)) != 0 ||
	    (r = set_url(&ca->issuer_url, "--issuer-url", cli->issuer_url)) != 0)
		goto out;
	if (cli->crl_days != 0)
		ca->crl_days = cli->crl_days;
	snprintf(detail, sizeof(detail), "crl_url=%s ocsp_url=%s issuer_url=%s "
	    "crl_days=%d", ca->crl_url != NULL ? ca->crl_url : "-",
	    ca->ocsp_url != NULL ? ca->ocsp_url : "-",
	    ca->issuer_url != NULL ? ca->issuer_url : "-", ca->crl_days);
	if ((r = store_begin(st)) != 0)
		goto out;
	if ((r = ca_update(st, ca)) == 0)
		r = audit_append(st, "set", ca->name, NULL, detail);
	r = store_end(st, r);
 out:
	if (r != 0)
		gf_report(cli->parent, r);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
