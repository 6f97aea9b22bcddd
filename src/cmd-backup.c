/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --backup-key NAME and --restore-key NAME SHARE...: a CA's key file as
 * M-of-N share files, and the key file written again, encrypted, from
 * any M of them (the machinery is keybackup.c's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keybackup.h"
#include "genfic/keyshare.h"
#include "genfic/pass.h"
#include "genfic/store.h"
#include "cli.h"

/* DIR/NAME-share-K-of-N.txt for each share, none there (or --force). */
static int
backup_paths(const struct cli *cli, struct keybackup *b)
{
	char name[KEYSHARE_NAME_MAX + 64];
	int k, r;

	for (k = 0; k < b->ks.count; k++) {
		snprintf(name, sizeof(name), "%s-share-%d-of-%d.txt", b->ks.ca,
		    k + 1, b->ks.count);
		if ((b->paths[k] = file_join(cli->output, name)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		if ((r = cli_output_check(b->paths[k], cli->force)) != 0)
			return r;
	}
	return 0;
}

/* --shares, --threshold and -o, before the passphrase is asked. */
static int
backup_options(const struct cli *cli, struct keybackup *b)
{
	if (cli->shares == 0 || cli->threshold == 0 || cli->output == NULL)
		return gf_fail(GF_ERR_USAGE, "--backup-key needs --shares N, "
		    "--threshold M and -o DIR");
	if (cli->threshold < 2 || cli->threshold > cli->shares)
		return gf_fail(GF_ERR_USAGE, "--threshold %d of --shares %d: "
		    "from 2 to the number of shares", cli->threshold,
		    cli->shares);
	b->ks.count = cli->shares;
	b->ks.threshold = cli->threshold;
	return cli_output_dir_open(cli->output);
}

/* A CA whose key is a file in the store. */
static int
backup_load_ca(const struct cli *cli, struct store **st, struct ca **ca)
{
	int r;

	if ((r = ca_name_check(cli->arg)) != 0 ||
	    (r = store_open(cli->dir, 0, st)) != 0 ||
	    (r = ca_load(*st, cli->arg, ca)) != 0)
		return r;
	if (strncmp((*ca)->key_ref, "file:", 5) != 0)
		return gf_fail(GF_ERR_POLICY, "its key is not a file (%s); a "
		    "token's key never leaves the token", (*ca)->key_ref);
	return 0;
}

int
cmd_backup_key(struct cli *cli)
{
	struct keybackup b;
	struct store *st = NULL;
	struct ca *ca = NULL;
	EVP_PKEY *key = NULL;
	int k, r;

	memset(&b, 0, sizeof(b));
	if ((r = backup_options(cli, &b)) != 0 ||
	    (r = backup_load_ca(cli, &st, &ca)) != 0)
		goto out;
	snprintf(b.ks.ca, sizeof(b.ks.ca), "%s", ca->name);
	if ((r = keybackup_identity(ca->cert, &b.ks)) != 0 ||
	    (r = backup_paths(cli, &b)) != 0 ||
	    (r = cli_ca_key(cli, st, ca, &key)) != 0 ||
	    (r = keybackup_split(&b, key)) != 0 ||
	    (r = keybackup_commit(st, &b, cli->force)) != 0)
		goto out;
	for (k = 0; k < b.ks.count; k++)
		printf("%s\n", b.paths[k]);
	fprintf(stderr, "%s: %s: key split into %d shares, any %d rebuild "
	    "it; hand each to its holder and delete it here\n", gf_progname,
	    ca->name, b.ks.count, b.ks.threshold);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	keybackup_clear(&b);
	EVP_PKEY_free(key);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}

/* The rebuilt key, under a new passphrase, where the CA's key goes. */
static int
restore_key(const struct cli *cli, struct store *st, const struct ca *gen,
    struct keyrestore *rs)
{
	struct passphrase pass = { 0 };
	EVP_PKEY *key = NULL;
	char *path, prompt[128];
	int r;

	if ((path = ca_key_path(st, gen)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!cli->force && file_exists(path)) {
		r = gf_fail(GF_ERR_EXISTS, "%s: a key file is already there; "
		    "--force replaces it", path);
		goto out;
	}
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s: ",
	    gen->name);
	if ((r = keyrestore_combine(rs, gen->cert, &key)) != 0 ||
	    (r = pass_get(cli->passout, prompt, 1, cli->batch, &pass)) != 0 ||
	    (r = keyrestore_write(st, path, rs, key, &pass, cli->force)) != 0)
		goto out;
	fprintf(stderr, "%s: %s: key restored to %s\n", gf_progname,
	    gen->name, path);
 out:
	pass_clear(&pass);
	EVP_PKEY_free(key);
	free(path);
	return r;
}

int
cmd_restore_key(struct cli *cli)
{
	struct keyrestore *rs;
	struct store *st = NULL;
	struct ca *ca = NULL, *gen = NULL;
	int r;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return cli_fail(cli->arg, GF_ERR_ALLOC);
	if (cli->nopass)
		r = gf_fail(GF_ERR_USAGE, "--nopass: a restored CA key is "
		    "written encrypted (--passout)");
	else if ((r = backup_load_ca(cli, &st, &ca)) == 0 &&
	    (r = keyrestore_check(st, ca, cli->files, rs, &gen)) == 0)
		r = restore_key(cli, st, gen, rs);
	if (r != 0)
		gf_report(cli->arg, r);
	keyrestore_clear(rs);
	free(rs);
	ca_free(gen);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
