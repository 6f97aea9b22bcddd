/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -r NAME and -c NAME -p PARENT: a new CA, its key (a file, or on a
 * PKCS#11 token) and certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genfic/ca.h"
#include "genfic/ca-create.h"
#include "genfic/constraints.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/pass.h"
#include "genfic/policy.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

struct create {
	struct cli	*cli;
	struct ca_new	 n;		/* what the core chooses and records */
	struct constraints *constraints;	/* the parent's and above */
	char		*key_path;
	const char	*token;		/* -k or --key pkcs11: URI, or NULL */
	int		 made;		/* the key pair was made on token */
	struct passphrase pass;		/* of the new key, or token's PIN */
	X509		*cert;
	struct cli_out	 out;		/* -o */
};

static void
create_free(struct create *c)
{
	store_free(c->n.st);
	ca_free(c->n.parent);
	EVP_PKEY_free(c->n.parent_key);
	EVP_PKEY_free(c->n.key);
	ca_new_clear(&c->n);
	constraints_free(c->constraints);
	free(c->key_path);
	pass_clear(&c->pass);
	X509_free(c->cert);
	cli_output_close(&c->out);
}

/* -k TYPE, -k URI (make the key there) or --key URI (adopt it). */
static int
create_check_key_args(struct create *c)
{
	const struct cli *cli = c->cli;

	if (cli->key != NULL && !p11_is_uri(cli->key))
		return gf_fail(GF_ERR_USAGE, "--key '%s': at -r/-c it adopts a "
		    "key on a token, named by a pkcs11: URI", cli->key);
	if (cli->key != NULL && cli->key_type != NULL)
		return gf_fail(GF_ERR_USAGE, "-k and --key: one or the other "
		    "(--key adopts a key that exists)");
	if (cli->key != NULL)
		c->token = cli->key;
	else if (p11_is_uri(cli->key_type))
		c->token = cli->key_type;
	else if (cli->key_type != NULL)
		return key_type_check(cli->key_type);
	c->n.key_uri = c->token;
	return c->token != NULL ? p11_uri_check(c->token) : 0;
}

static int
create_check_args(struct create *c)
{
	X509_NAME *subject = NULL;
	int r;

	c->n.limits.pathlen = c->cli->pathlen;
	if ((r = ca_name_check(c->n.name)) != 0 ||
	    (r = constraints_parse(c->cli->name_constraints,
	    &c->n.limits.nc)) != 0 ||
	    (r = cli_url_check("--crl-url", c->cli->crl_url)) != 0 ||
	    (r = cli_url_check("--ocsp-url", c->cli->ocsp_url)) != 0 ||
	    (r = cli_url_check("--issuer-url", c->cli->issuer_url)) != 0 ||
	    (r = create_check_key_args(c)) != 0 ||
	    (r = cli_output_open(&c->out, c->cli->output, c->cli->force)) != 0)
		return r;
	if (c->cli->subject != NULL && (r = dn_parse(c->cli->subject,
	    &subject)) == 0) {
		/* The bounds a request's subject is held to hold for a CA's. */
		if ((r = policy_check_name(subject)) != 0)
			r = gf_fail(r, "--subject: %s", gf_errmsg(r));
		X509_NAME_free(subject);
	}
	return r;
}

/* Before the store is made (no store yet), only its key file is looked for. */
static int
create_check(struct create *c)
{
	int r;

	if ((r = ca_new_absent(&c->n)) != 0)
		return r;
	free(c->key_path);
	if ((c->key_path = store_dir_path(c->cli->dir, "private", c->n.name,
	    ".key")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (c->token == NULL && access(c->key_path, F_OK) == 0)
		return gf_fail(GF_ERR_EXISTS, "%s exists; it is never "
		    "overwritten", c->key_path);
	if (!c->n.tmpl->is_ca)
		return gf_fail(GF_ERR_POLICY, "template '%s' is not a CA "
		    "template", c->n.tmpl->name);
	/* Before any passphrase is asked; issuance checks it again. */
	return c->constraints != NULL ?
	    constraints_check_depth(c->constraints) : 0;
}

/*
 * The key on the token: made there (-k URI, in the template's type) or
 * found there (--key URI).  Its PIN is asked once.
 */
static int
create_token_key(struct create *c)
{
	char prompt[128];
	int r;

	snprintf(prompt, sizeof(prompt), "PIN of the token for CA %s: ",
	    c->n.name);
	if (p11_needs_pin(c->token) && (r = pass_get(c->cli->passin, prompt, 0,
	    c->cli->batch, &c->pass)) != 0)
		return r;
	if (c->cli->key == NULL) {
		if ((r = p11_generate(c->token, c->n.tmpl->key_type,
		    &c->pass)) != 0)
			return r;
		c->made = 1;
	}
	return key_load(c->token, &c->pass, &c->n.key);
}

/* The new key and its passphrase, in memory: written by create_ca(). */
static int
create_key(struct create *c)
{
	char prompt[128];
	int r;

	if (c->token != NULL)
		return create_token_key(c);
	if ((r = key_generate(c->cli->key_type != NULL ? c->cli->key_type :
	    c->n.tmpl->key_type, &c->n.key)) != 0)
		return r;
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s: ",
	    c->n.name);
	return pass_get(c->cli->passout, prompt, 1, c->cli->batch, &c->pass);
}

/* Says which template a CA gets when -t did not name it. */
static void
create_say_template(const struct create *c)
{
	const struct ca_new *n = &c->n;
	const char *child = n->parent != NULL ? n->parent->leaf_template : NULL;

	if (c->cli->template != NULL)
		return;
	if (child != NULL && strcmp(child, n->tmpl->name) != 0)
		gf_warnx("%s: using template %s (%s; %s's child template is "
		    "%s; -t names another)", n->name, n->tmpl->name,
		    n->template_why, n->parent->name, child);
	else
		gf_warnx("%s: using template %s (%s; -t names another)",
		    n->name, n->tmpl->name, n->template_why);
}

/* The parent of a child CA, what binds it, and the CA it succeeds. */
static int
create_load_parent(struct create *c)
{
	int r;

	if ((r = ca_load(c->n.st, c->cli->parent, &c->n.parent)) != 0 ||
	    (r = constraints_load(c->n.st, c->n.parent, &c->constraints)) != 0)
		return r;
	c->n.constraints = c->constraints;
	return ca_new_predecessor(&c->n);
}

/*
 * What can be refused without a store is refused before making one:
 * a root's new store is made once its passphrase is found good.
 */
static int
create_prepare(struct create *c, int root)
{
	struct cli *cli = c->cli;
	int r;

	if ((r = create_check_args(c)) != 0 ||
	    (root && (r = ca_new_template(&c->n, cli->template)) != 0) ||
	    ((!root || store_exists(cli->dir)) && (r = store_open(cli->dir,
	    root ? GF_STORE_CREATE : 0, &c->n.st)) != 0) ||
	    (!root && (r = create_load_parent(c)) != 0) ||
	    (!root && (r = ca_new_template(&c->n, cli->template)) != 0) ||
	    (r = create_check(c)) != 0 ||
	    (r = ca_new_subject(&c->n, cli->subject)) != 0)
		return r;
	create_say_template(c);
	if ((r = ca_new_urls(&c->n, cli->crl_url, cli->ocsp_url,
	    cli->issuer_url)) != 0)
		return r;
	if (c->n.parent != NULL && c->n.parent->revoked)
		return gf_fail(GF_ERR_POLICY, "CA %s is revoked",
		    c->n.parent->name);
	return 0;
}

/* A key pair this run made on a token goes when its CA was not made. */
static void
create_undo(struct create *c)
{
	if (c->made) {
		EVP_PKEY_free(c->n.key);
		c->n.key = NULL;
		p11_remove(c->token, &c->pass);
	}
}

static int
create_ca(struct cli *cli, int root)
{
	struct create c;
	const char *what = cli->arg;
	int r;

	if (!root && cli_parent_missing(cli, "-c", "PARENT"))
		return EXIT_USAGE;
	if (cli->nopass) {
		fprintf(stderr, "%s: %s: --nopass is for request keys (-R); CA "
		    "keys are always encrypted\n", gf_progname, cli->arg);
		return EXIT_USAGE;
	}
	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.n.name = cli->arg;
	c.n.template_dirs = cli->template_dirs;
	c.n.days = cli->days;
	c.n.crl_days = cli->crl_days;
	c.n.no_clamp = cli->no_clamp;
	if ((r = create_prepare(&c, root)) != 0)
		goto out;
	if (c.n.parent != NULL && (r = cli_ca_key(cli, c.n.st, c.n.parent,
	    &c.n.parent_key)) != 0) {
		what = c.n.parent->name;
		goto out;
	}
	if ((r = create_key(&c)) != 0 ||
	    (c.n.st == NULL && ((r = store_open(cli->dir, GF_STORE_CREATE,
	    &c.n.st)) != 0 || (r = create_check(&c)) != 0)) ||
	    (c.token == NULL && (r = key_save(c.key_path, c.n.key,
	    &c.pass)) != 0))
		goto out;
	if ((r = ca_new_record(&c.n, &c.cert)) != 0) {
		if (c.token == NULL)	/* no CA without its key, nor the reverse */
			unlink(c.key_path);
		goto out;
	}
	c.made = 0;	/* the CA's key now */
	r = cli_ca_cert_publish(c.n.st, c.n.name, c.cert, &c.out);
 out:
	if (r != 0)
		gf_report(what, r);
	create_undo(&c);
	create_free(&c);
	return cli_exit_status(r);
}

int
cmd_create_root(struct cli *cli)
{
	return create_ca(cli, 1);
}

int
cmd_create_child(struct cli *cli)
{
	return create_ca(cli, 0);
}
