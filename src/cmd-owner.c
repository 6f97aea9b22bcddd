/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --set-owner VALUE ADDR: change (or, with '', clear) a certificate's owner. */
#include <stdio.h>
#include <stdlib.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "cli.h"

int
cmd_set_owner(struct cli *cli)
{
	struct cert_ref refs[CLI_MAX_MATCHES];
	const char *addr = cli->files[1];
	struct store *st = NULL;
	struct ca *ca = NULL;
	char hex[2 * GF_SERIAL_MAX + 1], detail[300];
	size_t n = 0;
	int r;

	if (*addr == '\0')
		addr = NULL;
	if ((r = store_open(cli->dir, 0, &st)) != 0 ||
	    (cli->parent != NULL && (r = ca_load(st, cli->parent, &ca)) != 0) ||
	    (r = store_begin(st)) != 0)
		goto out;
	if ((r = cli_find_cert(st, ca, cli->arg, refs, &n)) != 0)
		goto out;
	serial_to_hex(&refs[0].serial, hex);
	snprintf(detail, sizeof(detail), "owner=%s", addr != NULL ? addr : "-");
	if ((r = certdb_set_owner(st, refs[0].id, addr)) != 0 ||
	    (r = audit_append(st, "set-owner", refs[0].ca_name, hex,
	    detail)) != 0 || (r = store_commit(st)) != 0)
		goto out;
	printf("%s %s: owner %s\n", refs[0].ca_name, hex, addr != NULL ? addr :
	    "none");
 out:
	if (r != 0) {
		if (st != NULL)
			store_rollback(st);
		gf_report("--set-owner", r);
		if (n > 1)
			cli_list_matches(refs, n);
	}
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
