/*
 * --recertify NAME: a new certificate for a CA's key; --rollover NAME: a
 * new key and certificate for a CA under the same name (its next
 * generation), with cross-certificates between the old and new root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/issue.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/pass.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "cli.h"

/*
 * A certificate of the CA's subject, signed before the write transaction
 * (issue_prepare()) and recorded in it (issue_commit()), as every
 * certificate is.
 */
struct regen_cert {
	struct issue_request	 req;
	const struct ca		*issuer;	/* the CA it is recorded under */
	X509			*cert;		/* NULL: none to issue */
	struct cert_row		 row;
	int64_t			 id;		/* its row, once recorded */
};

struct regen {
	struct cli		*cli;
	struct store		*st;
	struct ca		*ca;
	struct ca		*parent;	/* NULL for a root */
	struct generation	*gens;		/* the last one current */
	size_t			 ngens;
	struct template		*tmpl;		/* the CA's own */
	struct constraints	*constraints;	/* of the issuer and above */
	struct ca_limits	 limits;	/* as its certificate has them */
	EVP_PKEY		*signer;	/* the parent's key, or its own */
	EVP_PKEY		*key;		/* --rollover: the new key */
	struct generation	 next;		/* --rollover: its generation */
	char			*key_path;	/* and the new key's file */
	struct passphrase	 pass;		/* of the new key, or its PIN */
	int			 made;		/* made on a token, not recorded */
	struct regen_cert	 new;		/* the new CA certificate */
	X509			*new_cert;	/* a reference to it, the issuer
						   of cross[1] */
	struct regen_cert	 cross[2];	/* root: old->new, new->old */
	int			 clamped;	/* cross-certificates shortened */
	struct cli_out		 out;		/* -o */
};

static void
regen_free(struct regen *g)
{
	store_free(g->st);
	ca_free(g->ca);
	ca_free(g->parent);
	generation_free_all(g->gens, g->ngens);
	template_free(g->tmpl);
	constraints_free(g->constraints);
	NAME_CONSTRAINTS_free(g->limits.nc);
	EVP_PKEY_free(g->signer);
	EVP_PKEY_free(g->key);
	free(g->next.key_ref);
	free(g->key_path);
	pass_clear(&g->pass);
	X509_free(g->new.cert);
	certdb_row_clear(&g->new.row);
	X509_free(g->new_cert);
	X509_free(g->cross[0].cert);
	certdb_row_clear(&g->cross[0].row);
	X509_free(g->cross[1].cert);
	certdb_row_clear(&g->cross[1].row);
	cli_output_close(&g->out);
}

/*
 * The CA, its parent, generations and template, and the limits its
 * certificate carries (--name-constraints, --pathlen at -c), which its
 * new certificates keep.
 */
static int
regen_load(struct regen *g)
{
	struct cli *cli = g->cli;
	int r;

	if ((r = ca_name_check(cli->arg)) != 0 ||
	    (r = cli_output_open(&g->out, cli->output, cli->force)) != 0 ||
	    (r = store_open(cli->dir, 0, &g->st)) != 0 ||
	    (r = ca_load(g->st, cli->arg, &g->ca)) != 0 ||
	    (g->ca->parent_id != 0 &&
	    (r = ca_load_id(g->st, g->ca->parent_id, &g->parent)) != 0) ||
	    (r = generation_list(g->st, g->ca, &g->gens, &g->ngens)) != 0 ||
	    (r = cli_template(cli, g->ca->template, &g->tmpl)) != 0)
		return r;
	if (g->ca->revoked)
		return gf_fail(GF_ERR_POLICY, "CA %s is revoked; it is not "
		    "certified again", g->ca->name);
	if (g->parent != NULL && g->parent->revoked)
		return gf_fail(GF_ERR_POLICY, "its parent %s is revoked",
		    g->parent->name);
	if ((r = constraints_load(g->st, g->parent != NULL ? g->parent : g->ca,
	    &g->constraints)) != 0)
		return r;
	g->limits.nc = X509_get_ext_d2i(g->ca->cert, NID_name_constraints,
	    NULL, NULL);
	g->limits.pathlen = (int)X509_get_pathlen(g->ca->cert);
	gf_errclear();
	return 0;
}

/*
 * The CA as regen_load() reads it, and the key that signs its certificate:
 * its parent's, or its own.
 */
static int
regen_open(struct regen *g, struct cli *cli)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->cli = cli;
	if ((r = regen_load(g)) != 0)
		return r;
	return cli_ca_key(g->cli, g->st, g->parent != NULL ? g->parent : g->ca,
	    &g->signer);
}

/*
 * The request of rc, a certificate of the CA's subject and key under
 * issuer (NULL: self-signed with key), to be recorded under the CA
 * issued_by: the CA's template, validity and limits; the URLs of whoever
 * signs.
 */
static void
regen_request(struct regen *g, struct regen_cert *rc, EVP_PKEY *subject,
    X509 *issuer, EVP_PKEY *key, const struct ca *issued_by)
{
	struct issue_request *req = &rc->req;

	memset(req, 0, sizeof(*req));
	req->tmpl = g->tmpl;
	req->subject = X509_get_subject_name(g->ca->cert);
	req->pubkey = subject;
	req->days = g->cli->days != 0 ? g->cli->days : g->tmpl->days;
	req->no_clamp = g->cli->no_clamp;
	req->issuer_cert = issuer;
	req->issuer_key = key;
	req->constraints = g->constraints;
	req->limits = &g->limits;
	if (issuer != NULL) {
		req->crl_url = issued_by->crl_url;
		req->ocsp_url = issued_by->ocsp_url;
		req->ca_issuers_url = issued_by->issuer_url;
	}
	rc->issuer = issued_by;
}

/* The CA's new certificate, for the key subject, signed. */
static int
regen_sign_new(struct regen *g, EVP_PKEY *subject, EVP_PKEY *self_key)
{
	if (g->parent != NULL)
		regen_request(g, &g->new, subject, g->parent->cert, g->signer,
		    g->parent);
	else
		regen_request(g, &g->new, subject, NULL, self_key, g->ca);
	return issue_prepare(&g->new.req, &g->new.cert, &g->new.row);
}

/* A root's cross-certificate i, subject's key under issuer's, signed. */
static int
regen_sign_cross(struct regen *g, int i, EVP_PKEY *subject, X509 *issuer,
    EVP_PKEY *key)
{
	struct regen_cert *rc = &g->cross[i];

	regen_request(g, rc, subject, issuer, key, g->ca);
	rc->req.no_clamp = 0;	/* it ends with the older of the two roots */
	rc->req.clamped = &g->clamped;
	return issue_prepare(&rc->req, &rc->cert, &rc->row);
}

/* Records rc (none if it was not signed), in the caller's transaction. */
static int
regen_commit(struct regen *g, struct regen_cert *rc)
{
	if (rc->cert == NULL)
		return 0;
	return issue_commit(g->st, rc->issuer->id, rc->issuer->name, &rc->req,
	    NULL, &rc->cert, &rc->row, &rc->id);
}

/* Signed before the write lock is taken, as every certificate is. */
static int
recertify_record(struct regen *g)
{
	struct generation cur = g->gens[g->ngens - 1];
	int r;

	if ((r = regen_sign_new(g, X509_get0_pubkey(g->ca->cert),
	    g->signer)) != 0 ||
	    (r = store_begin(g->st)) != 0)
		return r;
	if ((r = regen_commit(g, &g->new)) != 0)
		goto out;
	cur.cert_id = g->new.id;
	if ((r = generation_record(g->st, g->ca, &cur, "recertify")) != 0 ||
	    (r = ca_set_cert(g->st, g->ca->id, cur.cert_id)) != 0 ||
	    (r = audit_append(g->st, "recertify", g->ca->name, NULL,
	    NULL)) != 0)
		goto out;
	r = store_commit(g->st);
 out:
	if (r != 0)
		store_rollback(g->st);
	return r;
}

int
cmd_recertify(struct cli *cli)
{
	struct regen g;
	int r;

	if ((r = regen_open(&g, cli)) != 0 || (r = recertify_record(&g)) != 0 ||
	    (r = cli_ca_cert_publish(g.st, g.ca->name, g.new.cert, &g.out)) != 0)
		goto out;
	fprintf(stderr, "%s: %s: re-certified (generation %d), certs/%s.crt\n",
	    gf_progname, g.ca->name, g.gens[g.ngens - 1].number, g.ca->name);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	regen_free(&g);
	return cli_exit_status(r);
}

/* -k pkcs11:URI: the next generation's key pair, made on that token. */
static int
rollover_token_key(struct regen *g)
{
	const char *uri = g->cli->key_type;
	char prompt[128];
	int r;

	if ((r = p11_uri_check(uri)) != 0)
		return r;
	if ((g->next.key_ref = strdup(uri)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	snprintf(prompt, sizeof(prompt), "PIN of the token for CA %s "
	    "generation %d: ", g->ca->name, g->next.number);
	if (p11_needs_pin(uri) && (r = pass_get(g->cli->passin, prompt, 0,
	    g->cli->batch, &g->pass)) != 0)
		return r;
	if ((r = p11_generate(uri, g->tmpl->key_type, &g->pass)) != 0)
		return r;
	g->made = 1;
	return key_load(uri, &g->pass, &g->key);
}

/* The next generation's key, in memory, and where it will be written. */
static int
rollover_key(struct regen *g)
{
	const struct generation *cur = &g->gens[g->ngens - 1];
	char prompt[128], ref[160];
	int r;

	g->next.number = cur->number + 1;
	if (p11_is_uri(g->cli->key_type))
		return rollover_token_key(g);
	snprintf(ref, sizeof(ref), "file:private/%s.%d.key", g->ca->name,
	    g->next.number);
	if ((g->next.key_ref = strdup(ref)) == NULL ||
	    (g->key_path = store_path(g->st, NULL, ref + 5, NULL)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!file_name_ok(ref + strlen("file:private/"), 68))
		return gf_fail(GF_ERR_USAGE, "%s: the name is too long for a "
		    "generation's key file", ref + 5);
	if (access(g->key_path, F_OK) == 0)
		return gf_fail(GF_ERR_EXISTS, "%s exists; it is never "
		    "overwritten", g->key_path);
	if ((r = key_generate(g->cli->key_type != NULL ? g->cli->key_type :
	    g->tmpl->key_type, &g->key)) != 0)
		return r;
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s "
	    "generation %d: ", g->ca->name, g->next.number);
	return pass_get(g->cli->passout, prompt, 1, g->cli->batch, &g->pass);
}

/*
 * The new generation's certificate and, for a root, the cross-certificates
 * between the old and new key, signed before the write lock is taken.
 * cross[1] keeps its own reference to its issuer, the new certificate,
 * which issue_commit() may replace (a serial collision).
 */
static int
rollover_sign(struct regen *g)
{
	EVP_PKEY *old = X509_get0_pubkey(g->ca->cert);
	int r;

	if ((r = regen_sign_new(g, g->key, g->key)) != 0 || g->parent != NULL)
		return r;
	if (!X509_up_ref(g->new.cert))
		return gf_fail_crypto("certificate");
	g->new_cert = g->new.cert;
	if ((r = regen_sign_cross(g, 0, g->key, g->ca->cert, g->signer)) != 0)
		return r;
	return regen_sign_cross(g, 1, old, g->new_cert, g->key);
}

/*
 * One transaction: the current generation's row (a CA that never rolled
 * over has none yet), a root's old->new cross-certificate (signed by the
 * current generation, so recorded before the new one begins), the new
 * certificate (the new generation's first) and the new->old one, the new
 * generation, made current.
 */
static int
rollover_record(struct regen *g)
{
	struct generation *cur = &g->gens[g->ngens - 1];
	int r;

	if ((r = rollover_sign(g)) != 0 || (r = store_begin(g->st)) != 0)
		return r;
	if ((!cur->recorded && (r = generation_record(g->st, g->ca, cur,
	    "rollover")) != 0) ||
	    (r = regen_commit(g, &g->cross[0])) != 0 ||
	    (r = regen_commit(g, &g->new)) != 0)
		goto out;
	g->next.cert_id = g->new.id;
	g->next.first_cert = g->new.id;
	if ((r = regen_commit(g, &g->cross[1])) != 0 ||
	    (r = generation_record(g->st, g->ca, &g->next, "rollover")) != 0 ||
	    (r = generation_make_current(g->st, g->ca, &g->next)) != 0 ||
	    (r = audit_append(g->st, "rollover", g->ca->name, NULL,
	    NULL)) != 0)
		goto out;
	r = store_commit(g->st);
 out:
	if (r != 0)
		store_rollback(g->st);
	return r;
}

/*
 * certs/NAME.crt becomes the new generation's; the old one stays as
 * certs/NAME.N.crt, and a root's cross-certificates are
 * certs/NAME.cross-N-M.crt (signed by N, certifying M's key).
 */
static int
rollover_publish(struct regen *g)
{
	const struct generation *cur = &g->gens[g->ngens - 1];
	char name[160];
	int r;

	snprintf(name, sizeof(name), "%s.%d", g->ca->name, cur->number);
	if ((r = cli_ca_cert_publish(g->st, name, cur->cert, NULL)) != 0)
		return r;
	snprintf(name, sizeof(name), "%s.cross-%d-%d", g->ca->name,
	    cur->number, g->next.number);
	if (g->cross[0].cert != NULL && (r = cli_ca_cert_publish(g->st, name,
	    g->cross[0].cert, NULL)) != 0)
		return r;
	snprintf(name, sizeof(name), "%s.cross-%d-%d", g->ca->name,
	    g->next.number, cur->number);
	if (g->cross[1].cert != NULL && (r = cli_ca_cert_publish(g->st, name,
	    g->cross[1].cert, NULL)) != 0)
		return r;
	return cli_ca_cert_publish(g->st, g->ca->name, g->new.cert, &g->out);
}

int
cmd_rollover(struct cli *cli)
{
	struct regen g;
	int r;

	if ((r = regen_open(&g, cli)) != 0 || (r = rollover_key(&g)) != 0 ||
	    (g.key_path != NULL && (r = key_save(g.key_path, g.key,
	    &g.pass)) != 0))
		goto out;
	if ((r = rollover_record(&g)) != 0) {
		if (g.key_path != NULL)	/* no generation without its key */
			unlink(g.key_path);
		goto out;
	}
	g.made = 0;	/* the generation's key now */
	if ((r = rollover_publish(&g)) != 0)
		goto out;
	fprintf(stderr, "%s: %s: generation %d, key %s, certs/%s.crt; "
	    "generation %d keeps signing CRLs for what it issued "
	    "(crl/%s.%d.crl)\n", gf_progname, g.ca->name, g.next.number,
	    g.key_path != NULL ? g.next.key_ref + 5 : g.next.key_ref,
	    g.ca->name, g.next.number - 1, g.ca->name, g.next.number - 1);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	if (g.made) {	/* nor a key pair on a token without its generation */
		EVP_PKEY_free(g.key);
		g.key = NULL;
		p11_remove(g.next.key_ref, &g.pass);
	}
	regen_free(&g);
	return cli_exit_status(r);
}
