/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A new CA (-r, -c): the choice of its template, subject and URLs, and
 * its row and certificate recorded in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/ca-create.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/issue.h"
#include "genfic/store.h"
#include "genfic/template.h"

void
ca_new_clear(struct ca_new *n)
{
	ca_free(n->pred);
	template_free(n->tmpl);
	X509_NAME_free(n->subject);
	NAME_CONSTRAINTS_free(n->limits.nc);
	free(n->crl_url);
	free(n->ocsp_url);
	free(n->issuer_url);
	n->pred = NULL;
	n->tmpl = NULL;
	n->subject = NULL;
	n->limits.nc = NULL;
	n->crl_url = n->ocsp_url = n->issuer_url = NULL;
}

int
ca_new_predecessor(struct ca_new *n)
{
	int r;

	if ((r = ca_predecessor(n->st, n->parent->id, n->name,
	    &n->pred)) == GF_ERR_NOT_FOUND) {
		gf_errclear();
		return 0;
	}
	return r;
}

int
ca_new_absent(const struct ca_new *n)
{
	struct ca *existing = NULL;
	int r;

	if (n->st == NULL)
		return 0;
	if ((r = ca_load(n->st, n->name, &existing)) == 0) {
		ca_free(existing);
		return gf_fail(GF_ERR_EXISTS, "a CA of that name already "
		    "exists in %s", n->st->dir);
	}
	if (r != GF_ERR_NOT_FOUND)
		return r;
	gf_errclear();
	return 0;
}

/*
 * Loads template name if it is a CA template: 0, GF_ERR_NOT_FOUND (with
 * the error cleared) when there is no such template or it is not a CA
 * one, another error if it cannot be read.
 */
static int
ca_new_try_template(struct ca_new *n, const char *name)
{
	int r;

	if ((r = template_load(name, n->template_dirs, &n->tmpl)) ==
	    GF_ERR_NOT_FOUND || r == GF_ERR_USAGE) {
		gf_errclear();
		return GF_ERR_NOT_FOUND;
	}
	if (r == 0 && !n->tmpl->is_ca) {
		template_free(n->tmpl);
		n->tmpl = NULL;
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
ca_new_template_from_name(struct ca_new *n)
{
	char *copy, *word, *dash, *guess;
	size_t len;
	int r = GF_ERR_NOT_FOUND;

	if ((copy = strdup(n->name)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (;;) {
		word = (dash = strrchr(copy, '-')) != NULL ? dash + 1 : copy;
		for (len = strlen(word); len > 0 && word[len - 1] >= '0' &&
		    word[len - 1] <= '9'; len--)
			word[len - 1] = '\0';
		if (len > 0) {
			if (asprintf(&guess, "%s-ca", word) == -1) {
				r = gf_fail(GF_ERR_ALLOC, "out of memory");
				break;
			}
			r = ca_new_try_template(n, guess);
			free(guess);
		}
		if (r != GF_ERR_NOT_FOUND || dash == NULL)
			break;
		*dash = '\0';
	}
	free(copy);
	return r;
}

int
ca_new_template(struct ca_new *n, const char *given)
{
	const char *child;
	int r;

	if (given != NULL) {
		n->template_why = "-t";
		return template_load(given, n->template_dirs, &n->tmpl);
	}
	if (n->parent == NULL) {
		n->template_why = "the default of -r";
		return template_load("root", n->template_dirs, &n->tmpl);
	}
	child = n->parent->leaf_template;
	if ((r = ca_new_try_template(n, child)) == GF_ERR_NOT_FOUND)
		return gf_fail(GF_ERR_USAGE, "%s signs end-entity certificates "
		    "(its child template '%s' is not a CA template); name a CA "
		    "template with -t", n->parent->name, child);
	if (r != 0)
		return r;
	template_free(n->tmpl);
	n->tmpl = NULL;
	if (n->pred != NULL && (r = ca_new_try_template(n,
	    n->pred->template)) != GF_ERR_NOT_FOUND) {
		n->template_why = "the template of its predecessor";
		return r;
	}
	if ((r = ca_new_template_from_name(n)) != GF_ERR_NOT_FOUND) {
		n->template_why = "from its name";
		return r;
	}
	n->template_why = "the parent's child template";
	return ca_new_try_template(n, child);
}

int
ca_new_subject(struct ca_new *n, const char *given)
{
	X509_NAME *name;
	int i;

	if (given != NULL)
		return dn_parse(given, &n->subject);
	if (n->parent == NULL)
		name = X509_NAME_new();
	else
		name = X509_NAME_dup(X509_get_subject_name(n->parent->cert));
	if (name == NULL)
		return gf_fail_crypto("subject");
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) >= 0)
		X509_NAME_ENTRY_free(X509_NAME_delete_entry(name, i));
	if (!X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)n->name, -1, -1, 0)) {
		X509_NAME_free(name);
		return gf_fail_crypto("subject");
	}
	n->subject = name;
	return 0;
}

/*
 * url with its last path segment's "OLD" or "OLD.ext" made "NEW[.ext]"
 * in *out, or *out NULL if that segment is not named after old.  Out of
 * memory is an error, never a URL silently not carried over.
 */
static int
ca_new_url_rename(const char *url, const char *old, const char *new,
    char **out)
{
	const char *seg = strrchr(url, '/');
	size_t n = strlen(old);

	*out = NULL;
	seg = seg != NULL ? seg + 1 : url;
	if (strncmp(seg, old, n) != 0 || (seg[n] != '\0' && seg[n] != '.'))
		return 0;
	if (asprintf(out, "%.*s%s%s", (int)(seg - url), url, new,
	    seg + n) == -1) {
		*out = NULL;
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	return 0;
}

/* One URL of the new CA: the option's, else its predecessor's. */
static int
ca_new_url(struct ca_new *n, const char *option, const char *given,
    const char *pred_url, int as_is, char **out)
{
	int r;

	*out = NULL;
	if (given != NULL || pred_url == NULL) {
		if (given != NULL && (*out = strdup(given)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		return 0;
	}
	if ((r = ca_new_url_rename(pred_url, n->pred->name, n->name,
	    out)) != 0)
		return r;
	if (*out == NULL && as_is && (*out = strdup(pred_url)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (*out != NULL)
		gf_warnx("%s: %s %s (carried over from %s)", n->name, option,
		    *out, n->pred->name);
	else
		gf_warnx("%s: %s %s of %s is not named after it, so not "
		    "carried over (give %s)", n->name, option, pred_url,
		    n->pred->name, option);
	return 0;
}

int
ca_new_urls(struct ca_new *n, const char *crl, const char *ocsp,
    const char *issuer)
{
	const struct ca *p = n->pred;
	int r;

	if ((r = ca_new_url(n, "--crl-url", crl, p != NULL ? p->crl_url :
	    NULL, 0, &n->crl_url)) != 0 ||
	    (r = ca_new_url(n, "--ocsp-url", ocsp, p != NULL ? p->ocsp_url :
	    NULL, 1, &n->ocsp_url)) != 0)
		return r;
	return ca_new_url(n, "--issuer-url", issuer, p != NULL ?
	    p->issuer_url : NULL, 0, &n->issuer_url);
}

static void
ca_new_request(const struct ca_new *n, struct issue_request *req)
{
	memset(req, 0, sizeof(*req));
	req->tmpl = n->tmpl;
	req->subject = n->subject;
	req->pubkey = n->key;
	req->days = n->days != 0 ? n->days : n->tmpl->days;
	req->no_clamp = n->no_clamp;
	req->issuer_cert = n->parent != NULL ? n->parent->cert : NULL;
	req->issuer_key = n->parent != NULL ? n->parent_key : n->key;
	req->constraints = n->constraints;
	req->limits = &n->limits;
	if (n->parent != NULL) {
		req->crl_url = n->parent->crl_url;
		req->ocsp_url = n->parent->ocsp_url;
		req->ca_issuers_url = n->parent->issuer_url;
	}
}

/* The row of the CA; its certificate's id comes with the certificate. */
static void
ca_new_row(const struct ca_new *n, char *ref, size_t size, struct ca *ca)
{
	memset(ca, 0, sizeof(*ca));
	snprintf(ref, size, "file:private/%s.key", n->name);
	ca->name = (char *)n->name;
	ca->parent_id = n->parent != NULL ? n->parent->id : 0;
	ca->key_ref = n->key_uri != NULL ? (char *)n->key_uri : ref;
	ca->template = n->tmpl->name;
	ca->leaf_template = n->tmpl->child_template != NULL ?
	    n->tmpl->child_template : "server";
	ca->crl_days = n->crl_days != 0 ? n->crl_days : n->tmpl->crl_days;
	ca->crl_url = n->crl_url;
	ca->ocsp_url = n->ocsp_url;
	ca->issuer_url = n->issuer_url;
}

int
ca_new_record(struct ca_new *n, X509 **out)
{
	struct issue_request req;
	struct cert_row row;
	struct ca ca;
	X509 *cert = NULL;
	char ref[128];
	int r;

	memset(&row, 0, sizeof(row));
	ca_new_request(n, &req);
	ca_new_row(n, ref, sizeof(ref), &ca);
	/* Signed before the write lock is taken, as a leaf is. */
	if ((r = issue_prepare(&req, &cert, &row)) != 0)
		return r;
	if ((r = store_begin(n->st)) != 0)
		goto out;
	if ((r = ca_insert(n->st, &ca)) != 0 ||
	    (r = issue_commit(n->st, n->parent != NULL ? n->parent->id : ca.id,
	    n->parent != NULL ? n->parent->name : n->name, &req, n->name,
	    &cert, &row, &ca.cert_id)) != 0 ||
	    (r = ca_set_cert(n->st, ca.id, ca.cert_id)) != 0 ||
	    (r = audit_append(n->st, "create-ca", n->name, NULL, NULL)) != 0 ||
	    (r = store_commit(n->st)) != 0) {
		store_rollback(n->st);
		goto out;
	}
	*out = cert;
	cert = NULL;
 out:
	certdb_row_clear(&row);
	X509_free(cert);
	return r;
}
