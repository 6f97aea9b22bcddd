/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A CA's new certificates under its own name (--recertify, --rollover):
 * the CA and what limits them, the signing before the write transaction,
 * the one transaction that records them and the generation, and the
 * files a rollover leaves in certs/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/regen.h"
#include "genfic/store.h"
#include "genfic/template.h"

void
regen_clear(struct regen *g)
{
	int i;

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
	X509_free(g->new.cert);
	certdb_row_clear(&g->new.row);
	X509_free(g->new_cert);
	for (i = 0; i < 2; i++) {
		X509_free(g->cross[i].cert);
		certdb_row_clear(&g->cross[i].row);
	}
}

int
regen_load(struct regen *g, const char *name)
{
	int r;

	if ((r = ca_load(g->st, name, &g->ca)) != 0 ||
	    (g->ca->parent_id != 0 &&
	    (r = ca_load_id(g->st, g->ca->parent_id, &g->parent)) != 0) ||
	    (r = generation_list(g->st, g->ca, &g->gens, &g->ngens)) != 0 ||
	    (r = template_load(g->ca->template, g->template_dirs,
	    &g->tmpl)) != 0)
		return r;
	if (g->ca->revoked)
		return gf_fail(GF_ERR_POLICY, "CA %s is revoked; it is not "
		    "certified again", g->ca->name);
	if (g->parent != NULL && g->parent->revoked)
		return gf_fail(GF_ERR_POLICY, "its parent %s is revoked",
		    g->parent->name);
	if ((r = constraints_load(g->st, regen_signer(g),
	    &g->constraints)) != 0)
		return r;
	g->limits.nc = X509_get_ext_d2i(g->ca->cert, NID_name_constraints,
	    NULL, NULL);
	g->limits.pathlen = (int)X509_get_pathlen(g->ca->cert);
	gf_errclear();
	return 0;
}

const struct ca *
regen_signer(const struct regen *g)
{
	return g->parent != NULL ? g->parent : g->ca;
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
	req->days = g->days != 0 ? g->days : g->tmpl->days;
	req->no_clamp = g->no_clamp;
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

/* The rows of --recertify, in its transaction. */
static int
regen_recertify_rows(struct regen *g)
{
	struct generation cur = g->gens[g->ngens - 1];
	int r;

	if ((r = regen_commit(g, &g->new)) != 0)
		return r;
	cur.cert_id = g->new.id;
	if ((r = generation_record(g->st, g->ca, &cur, "recertify")) != 0 ||
	    (r = ca_set_cert(g->st, g->ca->id, cur.cert_id)) != 0)
		return r;
	return audit_append(g->st, "recertify", g->ca->name, NULL, NULL);
}

/* Signed before the write lock is taken, as every certificate is. */
int
regen_recertify(struct regen *g)
{
	int r;

	if ((r = regen_sign_new(g, X509_get0_pubkey(g->ca->cert),
	    g->signer)) != 0 ||
	    (r = store_begin(g->st)) != 0)
		return r;
	return store_end(g->st, regen_recertify_rows(g));
}

int
regen_next_token_key(struct regen *g, const char *uri,
    const struct passphrase *pin)
{
	int r;

	g->next.number = g->gens[g->ngens - 1].number + 1;
	if ((r = p11_uri_check(uri)) != 0)
		return r;
	if ((g->next.key_ref = strdup(uri)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = p11_generate(uri, g->tmpl->key_type, pin)) != 0)
		return r;
	/* Left on the token, the pair would refuse a re-run (GF_ERR_EXISTS). */
	if ((r = key_load(uri, pin, &g->key)) != 0) {
		p11_remove(uri, pin);
		return r;
	}
	g->made = 1;
	return 0;
}

int
regen_next_key(struct regen *g, const char *key_type)
{
	const struct generation *cur = &g->gens[g->ngens - 1];
	char ref[160];

	g->next.number = cur->number + 1;
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
	return key_generate(key_type != NULL ? key_type : g->tmpl->key_type,
	    &g->key);
}

/*
 * The new generation's certificate and, for a root, the cross-certificates
 * between the old and new key, signed before the write lock is taken.
 * cross[1] keeps its own reference to its issuer, the new certificate,
 * which issue_commit() may replace (a serial collision).
 */
static int
regen_rollover_sign(struct regen *g)
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
 * The rows of --rollover, in its transaction: the current generation's
 * (a CA that never rolled over has none yet), a root's old->new
 * cross-certificate (signed by the current generation, so recorded before
 * the new one begins), the new certificate (the new generation's first)
 * and the new->old one, the new generation, made current.
 */
static int
regen_rollover_rows(struct regen *g)
{
	struct generation *cur = &g->gens[g->ngens - 1];
	int r;

	if ((!cur->recorded && (r = generation_record(g->st, g->ca, cur,
	    "rollover")) != 0) ||
	    (r = regen_commit(g, &g->cross[0])) != 0 ||
	    (r = regen_commit(g, &g->new)) != 0)
		return r;
	g->next.cert_id = g->new.id;
	g->next.first_cert = g->new.id;
	if ((r = regen_commit(g, &g->cross[1])) != 0 ||
	    (r = generation_record(g->st, g->ca, &g->next, "rollover")) != 0 ||
	    (r = generation_make_current(g->st, g->ca, &g->next)) != 0)
		return r;
	return audit_append(g->st, "rollover", g->ca->name, NULL, NULL);
}

int
regen_rollover(struct regen *g, const struct passphrase *pass)
{
	int r;

	if (g->key_path != NULL && (r = key_save(g->key_path, g->key,
	    pass)) != 0)
		return r;
	if ((r = regen_rollover_sign(g)) == 0 &&
	    (r = store_begin(g->st)) == 0)
		r = store_end(g->st, regen_rollover_rows(g));
	/* No generation without its key, nor a key without its generation. */
	if (r != 0 && g->key_path != NULL)
		unlink(g->key_path);
	if (r != 0 && g->made) {
		EVP_PKEY_free(g->key);
		g->key = NULL;
		p11_remove(g->next.key_ref, pass);
	}
	g->made = 0;
	return r;
}

size_t
regen_rollover_files(const struct regen *g,
    struct regen_file files[REGEN_FILES])
{
	const struct generation *cur = &g->gens[g->ngens - 1];
	const char *name = g->ca->name;
	size_t n = 0;

	snprintf(files[n].name, sizeof(files[n].name), "%s.%d", name,
	    cur->number);
	files[n++].cert = cur->cert;
	if (g->cross[0].cert != NULL) {
		snprintf(files[n].name, sizeof(files[n].name),
		    "%s.cross-%d-%d", name, cur->number, g->next.number);
		files[n++].cert = g->cross[0].cert;
	}
	if (g->cross[1].cert != NULL) {
		snprintf(files[n].name, sizeof(files[n].name),
		    "%s.cross-%d-%d", name, g->next.number, cur->number);
		files[n++].cert = g->cross[1].cert;
	}
	return n;
}
