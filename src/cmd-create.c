/* -r NAME and -c NAME -p PARENT: a new CA, its key and certificate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/issue.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/policy.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

struct create {
	struct cli	*cli;
	const char	*name;
	struct store	*st;
	struct ca	*parent;	/* NULL for a root */
	EVP_PKEY	*parent_key;
	struct template	*tmpl;
	X509_NAME	*subject;
	EVP_PKEY	*key;
	char		*key_path;
	X509		*cert;
};

static void
create_free(struct create *c)
{
	store_free(c->st);
	ca_free(c->parent);
	EVP_PKEY_free(c->parent_key);
	template_free(c->tmpl);
	X509_NAME_free(c->subject);
	EVP_PKEY_free(c->key);
	free(c->key_path);
	X509_free(c->cert);
}

/*
 * Without -t a child CA named like "genfic-system" uses the template
 * "system-ca" when there is one; otherwise the parent's default.
 */
static int
create_load_template(struct create *c)
{
	const char *dash;
	char *guess = NULL;
	int r;

	if (c->cli->template != NULL)
		return cli_template(c->cli, c->cli->template, &c->tmpl);
	if (c->parent == NULL)
		return cli_template(c->cli, "root", &c->tmpl);
	if ((dash = strrchr(c->name, '-')) != NULL && dash[1] != '\0' &&
	    asprintf(&guess, "%s-ca", dash + 1) != -1) {
		r = cli_template(c->cli, guess, &c->tmpl);
		free(guess);
		if (r != GF_ERR_NOT_FOUND && r != GF_ERR_USAGE)
			return r;
		gf_errclear();
	}
	return cli_template(c->cli, c->parent->leaf_template, &c->tmpl);
}

/*
 * --subject, else the parent's subject with its CN replaced by the new
 * CA's name, else (a root) CN=NAME.
 */
static int
create_subject(struct create *c)
{
	X509_NAME *name;
	int i;

	if (c->cli->subject != NULL)
		return dn_parse(c->cli->subject, &c->subject);
	if (c->parent == NULL)
		name = X509_NAME_new();
	else
		name = X509_NAME_dup(X509_get_subject_name(c->parent->cert));
	if (name == NULL)
		return gf_fail_crypto("subject");
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) >= 0)
		X509_NAME_ENTRY_free(X509_NAME_delete_entry(name, i));
	if (!X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)c->name, -1, -1, 0)) {
		X509_NAME_free(name);
		return gf_fail_crypto("subject");
	}
	c->subject = name;
	return 0;
}

static int
create_check_args(const struct create *c)
{
	X509_NAME *subject = NULL;
	int r;

	if ((r = ca_name_check(c->name)) != 0 ||
	    (r = cli_url_check("--crl-url", c->cli->crl_url)) != 0 ||
	    (r = cli_url_check("--ocsp-url", c->cli->ocsp_url)) != 0 ||
	    (r = cli_url_check("--issuer-url", c->cli->issuer_url)) != 0 ||
	    (c->cli->key_type != NULL &&
	    (r = key_type_check(c->cli->key_type)) != 0) ||
	    (r = cli_output_check(c->cli->output, c->cli->force)) != 0)
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

static int
create_check(struct create *c)
{
	struct ca *existing = NULL;
	int r;

	if ((r = ca_load(c->st, c->name, &existing)) == 0) {
		ca_free(existing);
		return gf_fail(GF_ERR_EXISTS, "a CA of that name already exists "
		    "in %s", c->st->dir);
	}
	if (r != GF_ERR_NOT_FOUND)
		return r;
	gf_errclear();
	if ((c->key_path = store_path(c->st, "private", c->name, ".key")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (access(c->key_path, F_OK) == 0)
		return gf_fail(GF_ERR_EXISTS, "%s exists; it is never "
		    "overwritten", c->key_path);
	if (!c->tmpl->is_ca)
		return gf_fail(GF_ERR_POLICY, "template '%s' is not a CA "
		    "template", c->tmpl->name);
	return 0;
}

static int
create_key(struct create *c)
{
	struct passphrase pass;
	char prompt[128];
	int r;

	if ((r = key_generate(c->cli->key_type != NULL ? c->cli->key_type :
	    c->tmpl->key_type, &c->key)) != 0)
		return r;
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s: ", c->name);
	if ((r = pass_get(c->cli->passout, prompt, 1, c->cli->batch, &pass)) != 0)
		return r;
	r = key_save(c->key_path, c->key, &pass);
	pass_clear(&pass);
	return r;
}

/* The CA row and its certificate, in one transaction. */
static int
create_record(struct create *c)
{
	struct issue_request req;
	struct ca ca;
	char ref[128];
	int r;

	memset(&ca, 0, sizeof(ca));
	snprintf(ref, sizeof(ref), "file:private/%s.key", c->name);
	ca.name = (char *)c->name;
	ca.parent_id = c->parent != NULL ? c->parent->id : 0;
	ca.key_ref = ref;
	ca.template = c->tmpl->name;
	ca.leaf_template = c->tmpl->child_template != NULL ?
	    c->tmpl->child_template : "server";
	ca.crl_days = c->cli->crl_days != 0 ? c->cli->crl_days : c->tmpl->crl_days;
	ca.crl_url = (char *)c->cli->crl_url;
	ca.ocsp_url = (char *)c->cli->ocsp_url;
	ca.issuer_url = (char *)c->cli->issuer_url;

	memset(&req, 0, sizeof(req));
	req.tmpl = c->tmpl;
	req.subject = c->subject;
	req.pubkey = c->key;
	req.days = c->cli->days != 0 ? c->cli->days : c->tmpl->days;
	req.no_clamp = c->cli->no_clamp;
	req.issuer_cert = c->parent != NULL ? c->parent->cert : NULL;
	req.issuer_key = c->parent != NULL ? c->parent_key : c->key;
	if (c->parent != NULL) {
		req.crl_url = c->parent->crl_url;
		req.ocsp_url = c->parent->ocsp_url;
		req.ca_issuers_url = c->parent->issuer_url;
	}

	if ((r = store_begin(c->st)) != 0)
		return r;
	if ((r = ca_insert(c->st, &ca)) != 0 ||
	    (r = issue_record(c->st, c->parent != NULL ? c->parent->id : ca.id,
	    c->parent != NULL ? c->parent->name : c->name, &req, c->name,
	    &c->cert, &ca.cert_id)) != 0 ||
	    (r = ca_set_cert(c->st, ca.id, ca.cert_id)) != 0 ||
	    (r = audit_append(c->st, "create-ca", c->name, NULL, NULL)) != 0 ||
	    (r = store_commit(c->st)) != 0)
		store_rollback(c->st);
	return r;
}

static int
create_publish(struct create *c)
{
	char *pem = NULL, *path = NULL;
	size_t len;
	int r;

	if ((r = x509_to_pem(c->cert, &pem, &len)) != 0)
		return r;
	if ((path = store_path(c->st, "certs", c->name, ".crt")) == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	else if ((r = file_write_atomic(path, pem, len, 0644, 1)) != 0)
		;
	else
		r = cli_output(c->cli->output, pem, len, c->cli->force);
	free(path);
	free(pem);
	return r;
}

static int
create_ca(struct cli *cli, int root)
{
	struct create c;
	const char *what = cli->arg;
	int r;

	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.name = cli->arg;
	if (!root && cli->parent == NULL) {
		fprintf(stderr, "%s: -c needs -p PARENT\n", gf_progname);
		return EXIT_USAGE;
	}
	if (cli->nopass) {
		fprintf(stderr, "%s: %s: --nopass is for request keys (-R); CA "
		    "keys are always encrypted\n", gf_progname, cli->arg);
		return EXIT_USAGE;
	}
	/* What can be refused without a store is refused before making one. */
	if ((r = create_check_args(&c)) != 0 ||
	    (root && (r = create_load_template(&c)) != 0) ||
	    (r = store_open(cli->dir, root ? GF_STORE_CREATE : 0, &c.st)) != 0 ||
	    (!root && (r = ca_load(c.st, cli->parent, &c.parent)) != 0) ||
	    (!root && (r = create_load_template(&c)) != 0) ||
	    (r = create_check(&c)) != 0 ||
	    (r = create_subject(&c)) != 0)
		goto out;
	if (c.parent != NULL && c.parent->revoked) {
		r = gf_fail(GF_ERR_POLICY, "CA %s is revoked", c.parent->name);
		goto out;
	}
	if (c.parent != NULL && (r = cli_ca_key(cli, c.st, c.parent,
	    &c.parent_key)) != 0) {
		what = c.parent->name;
		goto out;
	}
	if ((r = create_key(&c)) != 0)
		goto out;
	if ((r = create_record(&c)) != 0) {
		unlink(c.key_path);	/* no CA without its key, nor the reverse */
		goto out;
	}
	r = create_publish(&c);
 out:
	if (r != 0)
		gf_report(what, r);
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
