/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --recertify NAME: a new certificate for a CA's key; --rollover NAME: a
 * new key and certificate for a CA under the same name (its next
 * generation), with cross-certificates between the old and new root.
 * The mode: options, passphrases, -o and what is said; regen.c does it.
 */
#include <stdio.h>
#include <string.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/p11.h"
#include "genfic/pass.h"
#include "genfic/regen.h"
#include "genfic/store.h"
#include "cli.h"

/* -o, the store, the CA as regen_load() reads it, and the key that signs. */
static int
rollover_open(struct cli *cli, struct regen *g, struct cli_out *out)
{
	int r;

	memset(g, 0, sizeof(*g));
	memset(out, 0, sizeof(*out));
	g->template_dirs = cli->template_dirs;
	g->days = cli->days;
	g->no_clamp = cli->no_clamp;
	if ((r = ca_name_check(cli->arg)) != 0 ||
	    (r = cli_output_open(out, cli->output, cli->force)) != 0 ||
	    (r = store_open(cli->dir, 0, &g->st)) != 0 ||
	    (r = regen_load(g, cli->arg)) != 0)
		return r;
	return cli_ca_key(cli, g->st, regen_signer(g), &g->signer);
}

/* Says what failed, frees it all, and returns the mode's exit status. */
static int
rollover_close(struct cli *cli, struct regen *g, struct cli_out *out, int r)
{
	if (r != 0)
		gf_report(cli->arg, r);
	store_free(g->st);
	regen_clear(g);
	cli_output_close(out);
	return cli_exit_status(r);
}

int
cmd_recertify(struct cli *cli)
{
	struct regen g;
	struct cli_out out;
	int r;

	if ((r = rollover_open(cli, &g, &out)) != 0 ||
	    (r = regen_recertify(&g)) != 0 ||
	    (r = cli_ca_cert_publish(g.st, g.ca->name, g.new.cert, &out)) != 0)
		return rollover_close(cli, &g, &out, r);
	fprintf(stderr, "%s: %s: re-certified (generation %d), certs/%s.crt\n",
	    gf_progname, g.ca->name, g.gens[g.ngens - 1].number, g.ca->name);
	return rollover_close(cli, &g, &out, 0);
}

/* The next generation's key, and its passphrase (--passout). */
static int
rollover_key(struct cli *cli, struct regen *g, struct passphrase *pass)
{
	char prompt[128];
	int r;

	if (p11_is_uri(cli->key_type)) {
		snprintf(prompt, sizeof(prompt), "PIN of the token for CA %s "
		    "generation %d: ", g->ca->name, g->gens[g->ngens - 1].number +
		    1);
		if (p11_needs_pin(cli->key_type) && (r = pass_get(cli->passin,
		    prompt, 0, cli->batch, pass)) != 0)
			return r;
		return regen_next_token_key(g, cli->key_type, pass);
	}
	if ((r = regen_next_key(g, cli->key_type)) != 0)
		return r;
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s "
	    "generation %d: ", g->ca->name, g->next.number);
	return pass_get(cli->passout, prompt, 1, cli->batch, pass);
}

/*
 * certs/NAME.crt becomes the new generation's, and -o gets it; the old
 * one and a root's cross-certificates are kept beside it.
 */
static int
rollover_publish(struct regen *g, struct cli_out *out)
{
	struct regen_file files[REGEN_FILES];
	size_t i, n;
	int r;

	n = regen_rollover_files(g, files);
	for (i = 0; i < n; i++)
		if ((r = cli_ca_cert_publish(g->st, files[i].name,
		    files[i].cert, NULL)) != 0)
			return r;
	return cli_ca_cert_publish(g->st, g->ca->name, g->new.cert, out);
}

int
cmd_rollover(struct cli *cli)
{
	struct regen g;
	struct cli_out out;
	struct passphrase pass = { 0 };
	int r;

	if ((r = rollover_open(cli, &g, &out)) == 0 &&
	    (r = rollover_key(cli, &g, &pass)) == 0)
		r = regen_rollover(&g, &pass);
	pass_clear(&pass);
	if (r != 0 || (r = rollover_publish(&g, &out)) != 0)
		return rollover_close(cli, &g, &out, r);
	fprintf(stderr, "%s: %s: generation %d, key %s, certs/%s.crt; "
	    "generation %d keeps signing CRLs for what it issued "
	    "(crl/%s.%d.crl)\n", gf_progname, g.ca->name, g.next.number,
	    g.key_path != NULL ? g.next.key_ref + 5 : g.next.key_ref,
	    g.ca->name, g.next.number - 1, g.ca->name, g.next.number - 1);
	return rollover_close(cli, &g, &out, 0);
}
