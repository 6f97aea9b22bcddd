/* -r NAME and -c NAME -p PARENT: a new CA, its key and certificate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/constraints.h"
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
	struct ca	*pred;		/* the CA it succeeds, or NULL */
	const char	*template_why;	/* how tmpl was chosen */
	char		*crl_url;	/* given, or carried over from pred */
	char		*ocsp_url;
	char		*issuer_url;
	EVP_PKEY	*parent_key;
	struct constraints *constraints;	/* the parent's and above */
	struct ca_limits limits;	/* --name-constraints, --pathlen */
	struct template	*tmpl;
	X509_NAME	*subject;
	EVP_PKEY	*key;
	char		*key_path;
	struct passphrase pass;		/* of the new key */
	X509		*cert;
	struct cli_out	 out;		/* -o */
};

static void
create_free(struct create *c)
{
	store_free(c->st);
	ca_free(c->parent);
	ca_free(c->pred);
	free(c->crl_url);
	free(c->ocsp_url);
	free(c->issuer_url);
	EVP_PKEY_free(c->parent_key);
	constraints_free(c->constraints);
	NAME_CONSTRAINTS_free(c->limits.nc);
	template_free(c->tmpl);
	X509_NAME_free(c->subject);
	EVP_PKEY_free(c->key);
	free(c->key_path);
	pass_clear(&c->pass);
	X509_free(c->cert);
	cli_output_close(&c->out);
}

/* The CA the new one succeeds under the same parent, if any. */
static int
create_find_predecessor(struct create *c)
{
	int r;

	if ((r = ca_predecessor(c->st, c->parent->id, c->name,
	    &c->pred)) == GF_ERR_NOT_FOUND) {
		gf_errclear();
		return 0;
	}
	return r;
}

/*
 * Loads template name if it is a CA template: 0, GF_ERR_NOT_FOUND (with
 * the error cleared) when there is no such template or it is not a CA
 * one, another error if it cannot be read.
 */
static int
create_try_template(struct create *c, const char *name)
{
	int r;

	if ((r = cli_template(c->cli, name, &c->tmpl)) == GF_ERR_NOT_FOUND ||
	    r == GF_ERR_USAGE) {
		gf_errclear();
		return GF_ERR_NOT_FOUND;
	}
	if (r == 0 && !c->tmpl->is_ca) {
		template_free(c->tmpl);
		c->tmpl = NULL;
		return GF_ERR_NOT_FOUND;
	}
	return r;
}

/*
 * A word of the name that names a CA template WORD-ca, the last word
 * first, without a trailing generation ("genfic-system-2027" and
 * "genfic-system2" give system-ca).
 */
static int
create_template_from_name(struct create *c)
{
	char *copy, *word, *dash, *guess;
	size_t n;
	int r = GF_ERR_NOT_FOUND;

	if ((copy = strdup(c->name)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (;;) {
		word = (dash = strrchr(copy, '-')) != NULL ? dash + 1 : copy;
		for (n = strlen(word); n > 0 && word[n - 1] >= '0' &&
		    word[n - 1] <= '9'; n--)
			word[n - 1] = '\0';
		if (n > 0) {
			if (asprintf(&guess, "%s-ca", word) == -1) {
				r = gf_fail(GF_ERR_ALLOC, "out of memory");
				break;
			}
			r = create_try_template(c, guess);
			free(guess);
		}
		if (r != GF_ERR_NOT_FOUND || dash == NULL)
			break;
		*dash = '\0';
	}
	free(copy);
	return r;
}

/*
 * The template of a new CA, and why (genfic-ca(1), -c): -t; for a
 * root, "root"; for a child, only when its parent's child template is a
 * CA template (the parent signs CAs): its predecessor's template (the
 * same name but for a trailing generation), else a word of its name that
 * names WORD-ca, else the parent's child template.
 */
static int
create_load_template(struct create *c)
{
	const char *child;
	int r;

	if (c->cli->template != NULL) {
		c->template_why = "-t";
		return cli_template(c->cli, c->cli->template, &c->tmpl);
	}
	if (c->parent == NULL) {
		c->template_why = "the default of -r";
		return cli_template(c->cli, "root", &c->tmpl);
	}
	child = c->parent->leaf_template;
	if ((r = create_try_template(c, child)) == GF_ERR_NOT_FOUND)
		return gf_fail(GF_ERR_USAGE, "%s signs end-entity certificates "
		    "(its child template '%s' is not a CA template); name a CA "
		    "template with -t", c->parent->name, child);
	if (r != 0)
		return r;
	template_free(c->tmpl);
	c->tmpl = NULL;
	if (c->pred != NULL &&
	    (r = create_try_template(c, c->pred->template)) != GF_ERR_NOT_FOUND) {
		c->template_why = "the template of its predecessor";
		return r;
	}
	if ((r = create_template_from_name(c)) != GF_ERR_NOT_FOUND) {
		c->template_why = "from its name";
		return r;
	}
	c->template_why = "the parent's child template";
	return create_try_template(c, child);
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
create_check_args(struct create *c)
{
	X509_NAME *subject = NULL;
	int r;

	c->limits.pathlen = c->cli->pathlen;
	if ((r = ca_name_check(c->name)) != 0 ||
	    (r = constraints_parse(c->cli->name_constraints,
	    &c->limits.nc)) != 0 ||
	    (r = cli_url_check("--crl-url", c->cli->crl_url)) != 0 ||
	    (r = cli_url_check("--ocsp-url", c->cli->ocsp_url)) != 0 ||
	    (r = cli_url_check("--issuer-url", c->cli->issuer_url)) != 0 ||
	    (c->cli->key_type != NULL &&
	    (r = key_type_check(c->cli->key_type)) != 0) ||
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

/* Before the store is made (c->st NULL), only its key file is looked for. */
static int
create_check(struct create *c)
{
	struct ca *existing = NULL;
	int r;

	if (c->st != NULL) {
		if ((r = ca_load(c->st, c->name, &existing)) == 0) {
			ca_free(existing);
			return gf_fail(GF_ERR_EXISTS, "a CA of that name already "
			    "exists in %s", c->st->dir);
		}
		if (r != GF_ERR_NOT_FOUND)
			return r;
		gf_errclear();
	}
	free(c->key_path);
	if ((c->key_path = store_dir_path(c->cli->dir, "private", c->name,
	    ".key")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (access(c->key_path, F_OK) == 0)
		return gf_fail(GF_ERR_EXISTS, "%s exists; it is never "
		    "overwritten", c->key_path);
	if (!c->tmpl->is_ca)
		return gf_fail(GF_ERR_POLICY, "template '%s' is not a CA "
		    "template", c->tmpl->name);
	/* Before any passphrase is asked; issuance checks it again. */
	return c->constraints != NULL ?
	    constraints_check_depth(c->constraints) : 0;
}

/* The new key and its passphrase, in memory: written by create_ca(). */
static int
create_key(struct create *c)
{
	char prompt[128];
	int r;

	if ((r = key_generate(c->cli->key_type != NULL ? c->cli->key_type :
	    c->tmpl->key_type, &c->key)) != 0)
		return r;
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s: ", c->name);
	return pass_get(c->cli->passout, prompt, 1, c->cli->batch, &c->pass);
}

/*
 * url with its last path segment's "OLD" or "OLD.ext" made "NEW[.ext]",
 * or NULL if that segment is not named after old (or out of memory).
 */
static char *
create_url_rename(const char *url, const char *old, const char *new)
{
	const char *seg = strrchr(url, '/');
	size_t n = strlen(old);
	char *out;

	seg = seg != NULL ? seg + 1 : url;
	if (strncmp(seg, old, n) != 0 || (seg[n] != '\0' && seg[n] != '.'))
		return NULL;
	if (asprintf(&out, "%.*s%s%s", (int)(seg - url), url, new,
	    seg + n) == -1)
		return NULL;
	return out;
}

/*
 * One URL of the new CA: the option's, else its predecessor's: the OCSP
 * responder as it is (one responder answers for several CAs), a CRL or
 * certificate URL only if it is named after the predecessor, renamed.
 */
static int
create_url(struct create *c, const char *option, const char *given,
    const char *pred_url, int as_is, char **out)
{
	if (given != NULL || pred_url == NULL)
		*out = given != NULL ? strdup(given) : NULL;
	else if ((*out = create_url_rename(pred_url, c->pred->name,
	    c->name)) == NULL && as_is)
		*out = strdup(pred_url);
	if ((given != NULL || (pred_url != NULL && as_is)) && *out == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (given == NULL && *out != NULL)
		gf_warnx("%s: %s %s (carried over from %s)", c->name, option,
		    *out, c->pred->name);
	else if (given == NULL && pred_url != NULL)
		gf_warnx("%s: %s %s of %s is not named after it, so not "
		    "carried over (give %s)", c->name, option, pred_url,
		    c->pred->name, option);
	return 0;
}

static int
create_urls(struct create *c)
{
	const struct ca *p = c->pred;
	int r;

	if ((r = create_url(c, "--crl-url", c->cli->crl_url,
	    p != NULL ? p->crl_url : NULL, 0, &c->crl_url)) != 0 ||
	    (r = create_url(c, "--ocsp-url", c->cli->ocsp_url,
	    p != NULL ? p->ocsp_url : NULL, 1, &c->ocsp_url)) != 0)
		return r;
	return create_url(c, "--issuer-url", c->cli->issuer_url,
	    p != NULL ? p->issuer_url : NULL, 0, &c->issuer_url);
}

/* Says which template a CA gets when -t did not name it. */
static void
create_say_template(const struct create *c)
{
	const char *child = c->parent != NULL ? c->parent->leaf_template : NULL;

	if (c->cli->template != NULL)
		return;
	if (child != NULL && strcmp(child, c->tmpl->name) != 0)
		gf_warnx("%s: using template %s (%s; %s's child template is "
		    "%s; -t names another)", c->name, c->tmpl->name,
		    c->template_why, c->parent->name, child);
	else
		gf_warnx("%s: using template %s (%s; -t names another)",
		    c->name, c->tmpl->name, c->template_why);
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
	ca.crl_url = c->crl_url;
	ca.ocsp_url = c->ocsp_url;
	ca.issuer_url = c->issuer_url;

	memset(&req, 0, sizeof(req));
	req.tmpl = c->tmpl;
	req.subject = c->subject;
	req.pubkey = c->key;
	req.days = c->cli->days != 0 ? c->cli->days : c->tmpl->days;
	req.no_clamp = c->cli->no_clamp;
	req.issuer_cert = c->parent != NULL ? c->parent->cert : NULL;
	req.issuer_key = c->parent != NULL ? c->parent_key : c->key;
	req.constraints = c->constraints;
	req.limits = &c->limits;
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
	/*
	 * What can be refused without a store is refused before making one:
	 * a root's new store is made once its passphrase is found good.
	 */
	if ((r = create_check_args(&c)) != 0 ||
	    (root && (r = create_load_template(&c)) != 0) ||
	    ((!root || store_exists(cli->dir)) && (r = store_open(cli->dir,
	    root ? GF_STORE_CREATE : 0, &c.st)) != 0) ||
	    (!root && (r = ca_load(c.st, cli->parent, &c.parent)) != 0) ||
	    (!root && (r = constraints_load(c.st, c.parent,
	    &c.constraints)) != 0) ||
	    (!root && (r = create_find_predecessor(&c)) != 0) ||
	    (!root && (r = create_load_template(&c)) != 0) ||
	    (r = create_check(&c)) != 0 ||
	    (r = create_subject(&c)) != 0)
		goto out;
	create_say_template(&c);
	if ((r = create_urls(&c)) != 0)
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
	if ((r = create_key(&c)) != 0 ||
	    (c.st == NULL && ((r = store_open(cli->dir, GF_STORE_CREATE,
	    &c.st)) != 0 || (r = create_check(&c)) != 0)) ||
	    (r = key_save(c.key_path, c.key, &c.pass)) != 0)
		goto out;
	if ((r = create_record(&c)) != 0) {
		unlink(c.key_path);	/* no CA without its key, nor the reverse */
		goto out;
	}
	r = cli_ca_cert_publish(c.st, c.name, c.cert, &c.out);
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
