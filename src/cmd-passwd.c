/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --passwd NAME: a CA's key file under a new passphrase. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/store.h"
#include "cli.h"

/*
 * The audit entry and the new file go together: the file is renamed into
 * place inside the transaction, which is rolled back if that fails.  The
 * old file is gone once the rename is done: a commit that fails after it
 * says that the key has the new passphrase, unaudited.
 */
static int
passwd_replace(struct store *st, const struct ca *ca, EVP_PKEY *key,
    const struct passphrase *pass)
{
	char *path;
	int r;

	if ((path = ca_key_path(st, ca)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = store_begin(st)) != 0)
		goto out;
	if ((r = audit_append(st, "passwd", ca->name, NULL,
	    "key passphrase changed")) != 0 ||
	    (r = key_replace(path, key, pass)) != 0)
		store_rollback(st);
	else if ((r = store_commit(st)) != 0) {
		store_rollback(st);
		r = gf_fail(r, "%s: %s; the key file has the NEW passphrase "
		    "already, and no audit entry records the change", path,
		    gf_errmsg(r));
	}
 out:
	free(path);
	return r;
}

int
cmd_passwd(struct cli *cli)
{
	struct passphrase pass;
	struct store *st = NULL;
	struct ca *ca = NULL;
	EVP_PKEY *key = NULL;
	char prompt[128];
	int r;

	memset(&pass, 0, sizeof(pass));
	if ((r = ca_name_check(cli->arg)) != 0 ||
	    (r = store_open(cli->dir, 0, &st)) != 0 ||
	    (r = ca_load(st, cli->arg, &ca)) != 0)
		goto out;
	if (strncmp(ca->key_ref, "file:", 5) != 0) {
		r = gf_fail(GF_ERR_POLICY, "its key is not a file (%s); a "
		    "token's PIN is changed with the token's own tools",
		    ca->key_ref);
		goto out;
	}
	if ((r = cli_ca_key(cli, st, ca, &key)) != 0)
		goto out;
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s: ", ca->name);
	if ((r = pass_get(cli->passout, prompt, 1, cli->batch, &pass)) != 0 ||
	    (r = passwd_replace(st, ca, key, &pass)) != 0)
		goto out;
	fprintf(stderr, "%s: %s: key passphrase changed\n", gf_progname,
	    ca->name);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	pass_clear(&pass);
	EVP_PKEY_free(key);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
