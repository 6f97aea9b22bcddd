/*
 * Renewals: the certificate a store already holds, judged again as a
 * request under the template it was issued from, signed with a new
 * serial and validity, and recorded as the old one's renewal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/renew.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/template.h"

/* The template old was issued from, loaded once for a run of them. */
static int
renew_template(struct renewer *rn, const struct renew_source *src,
    struct template **tmpl)
{
	int r;

	if (src->template == NULL)
		return gf_fail(GF_ERR_POLICY, "the store does not say which "
		    "template it was issued from");
	if (rn->tmpl == NULL || strcmp(rn->tmpl->name, src->template) != 0) {
		template_free(rn->tmpl);
		rn->tmpl = NULL;
		if ((r = rn->template(rn->arg, src->template, &rn->tmpl)) != 0)
			return r;
		/* Without it, each certificate makes every extension itself. */
		if (template_prepare(rn->tmpl, rn->ca->cert) != 0)
			gf_errclear();
	}
	*tmpl = rn->tmpl;
	return 0;
}

/* What may not be renewed at all, whatever the template says. */
static int
renew_refusal(const struct renewal *rw)
{
	const struct renew_source *src = &rw->src;

	if (src->is_ca)
		return gf_fail(GF_ERR_POLICY, "%s is a CA certificate: "
		    "--recertify renews a CA", rw->old_hex);
	if (src->revoked)
		return gf_fail(GF_ERR_POLICY, "%s is revoked (%s): a revoked "
		    "certificate is not renewed", rw->old_hex,
		    reason_name(src->reason));
	if (src->renewed_by != NULL)
		return gf_fail(GF_ERR_EXISTS, "%s was already renewed as %s "
		    "(renew that one instead)", rw->old_hex, src->renewed_by);
	return 0;
}

int
renew_prepare(struct renewer *rn, int64_t old_id, struct renewal *rw)
{
	struct request_rules *rules = &rw->rules;
	struct template *tmpl = NULL;
	int r;

	memset(rw, 0, sizeof(*rw));
	rw->old_id = old_id;
	if ((r = certdb_renew_source(rn->st, old_id, &rw->src)) != 0)
		return r;
	snprintf(rw->old_hex, sizeof(rw->old_hex), "%s", rw->src.serial);
	if ((r = renew_refusal(rw)) != 0 ||
	    (r = renew_template(rn, &rw->src, &tmpl)) != 0)
		return r;
	rules->tmpl = tmpl;
	rules->constraints = rn->constraints;
	rules->issuer = rn->ca->cert;
	rules->days = rn->days;
	rules->no_clamp = rn->no_clamp;
	rules->st = rn->st;
	if ((r = request_check_cert(rules, rw->src.cert, &rw->req, NULL)) != 0)
		return r;
	request_to_issue(rw->req, rules, rn->ca, rn->ca_key, &rw->ir);
	rw->ir.operation = "renew";
	return issue_prepare(&rw->ir, &rw->cert, &rw->row);
}

/* The old certificate revoked as superseded, by what renews it. */
static int
renew_supersede(struct renewer *rn, const struct renewal *rw)
{
	struct cert_ref ref;
	int r;

	memset(&ref, 0, sizeof(ref));
	ref.id = rw->old_id;
	ref.ca_id = rn->ca->id;
	if ((r = serial_from_hex(rw->old_hex, &ref.serial)) != 0)
		return r;
	snprintf(ref.subject, sizeof(ref.subject), "%s", rw->src.subject);
	return revoke_apply(rn->st, rn->ca, &ref, GF_REASON_SUPERSEDED,
	    time(NULL), 0);
}

int
renew_record(struct renewer *rn, struct renewal *rw)
{
	const char *label = rw->src.label;
	int r;

	/* The label names the current certificate: it moves. */
	if (label != NULL && (r = certdb_label_clear(rn->st, rw->old_id)) != 0)
		return r;
	if ((r = issue_commit(rn->st, rn->ca->id, rn->ca->name, &rw->ir, label,
	    &rw->cert, &rw->row, &rw->new_id)) != 0 ||
	    (r = certdb_renew_link(rn->st, rw->old_id, rw->new_id)) != 0)
		return r;
	if (label != NULL && (r = audit_append(rn->st, "renewed", rn->ca->name,
	    rw->old_hex, rw->src.subject)) != 0)
		return r;
	return rn->supersede ? renew_supersede(rn, rw) : 0;
}

void
renewal_clear(struct renewal *rw)
{
	certdb_renew_source_clear(&rw->src);
	request_free(rw->req);
	X509_free(rw->cert);
	certdb_row_clear(&rw->row);
	memset(rw, 0, sizeof(*rw));
}

void
renewer_clear(struct renewer *rn)
{
	template_free(rn->tmpl);
	rn->tmpl = NULL;
}
