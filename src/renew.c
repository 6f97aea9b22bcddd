/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Renewals: the certificate a store already holds, judged again as a
 * request under the template it was issued from, signed with a new
 * serial and validity, and recorded as the old one's renewal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/renew.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"

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
renew_refusal(const struct renew_source *src)
{
	if (src->is_ca)
		return gf_fail(GF_ERR_POLICY, "%s is a CA certificate: "
		    "--recertify renews a CA", src->serial);
	if (src->revoked)
		return gf_fail(GF_ERR_POLICY, "%s is revoked (%s): a revoked "
		    "certificate is not renewed", src->serial,
		    reason_name(src->reason));
	if (src->renewed_by != NULL)
		return gf_fail(GF_ERR_EXISTS, "%s was already renewed as %s "
		    "(renew that one instead)", src->serial, src->renewed_by);
	return 0;
}

/*
 * renew_refusal() again, in the write transaction: --renew signs before
 * it takes the lock, and a revocation or renewal committed in between
 * would otherwise be overwritten or doubled.
 */
static int
renew_still(struct renewer *rn, const struct renewal *rw)
{
	struct renew_source now;
	int r;

	if ((r = certdb_renew_source(rn->st, rw->old_id, &now)) != 0)
		return r;
	r = renew_refusal(&now);
	certdb_renew_source_clear(&now);
	return r;
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
	if ((r = renew_refusal(&rw->src)) != 0 ||
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
	/* The old owner, else the address the certificate names. */
	if (rw->src.owner != NULL)
		rw->ir.owner = rw->src.owner;
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

	if ((r = renew_still(rn, rw)) != 0)
		return r;
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

/* One renewal of a group: where it goes, and the renewal. */
struct renew_item {
	char		*path;
	struct renewal	 rw;
	int		 recorded;
};

/* DIR/LABEL.crt when the label makes a file name, else DIR/SERIAL.crt. */
static char *
renew_path(const char *dir, const struct renewal *rw)
{
	const char *label = rw->src.label;
	char *path;

	if (asprintf(&path, "%s/%s.crt", dir, label != NULL &&
	    file_name_ok(label, 200) ? label : rw->old_hex) == -1)
		return NULL;
	return path;
}

/* Judges and signs certificate id into item, writing nothing. */
static int
renew_item_prepare(struct renewer *rn, const struct renew_due *due,
    int64_t id, struct renew_item *item)
{
	int r;

	if ((r = renew_prepare(rn, id, &item->rw)) != 0)
		return r;
	if ((item->path = renew_path(due->dir, &item->rw)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	/* Nothing is committed that cannot be written. */
	return due->out_check(item->path, due->force);
}

/*
 * Written once committed, synced with the group (renew_group()): a
 * failure or a crash leaves the renewal in the store, for -E.
 */
static int
renew_item_write(const struct renew_due *due, const struct renew_item *item)
{
	char hex[2 * GF_SERIAL_MAX + 1], *pem;
	size_t len;
	int r;

	if ((r = der_to_pem("CERTIFICATE", item->rw.row.der,
	    (size_t)item->rw.row.derlen, &pem, &len)) != 0)
		return r;
	r = file_write_unsynced(item->path, pem, len, 0644, due->force);
	free(pem);
	if (r == GF_ERR_EXISTS) {
		serial_to_hex(&item->rw.row.serial, hex);
		r = gf_fail(r, "exists (-E %s writes it again)", hex);
	}
	return r;
}

int
renew_group(struct renewer *rn, const struct renew_due *due,
    const int64_t *ids, size_t n, struct renew_counts *counts)
{
	struct renew_item *items;
	size_t i;
	int r;

	if ((items = calloc(n, sizeof(*items))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = store_begin(rn->st)) != 0)
		goto out;
	for (i = 0; i < n && r == 0; i++) {
		gf_errclear();
		r = renew_item_prepare(rn, due, ids[i], &items[i]);
		/* No renewal after it can be signed: the group is undone. */
		if (r == GF_ERR_KEY_GONE)
			break;
		if (r != 0) {
			due->told(due->arg, &items[i].rw, items[i].path, 0, r);
			counts->refused++;
			r = 0;
		} else if ((r = renew_record(rn, &items[i].rw)) == 0)
			items[i].recorded = 1;
	}
	if ((r = store_end(rn->st, r)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (!items[i].recorded)
			continue;
		r = renew_item_write(due, &items[i]);
		due->told(due->arg, &items[i].rw, items[i].path, 1, r);
		if (r == 0)
			counts->renewed++;
		else
			counts->unwritten++;
	}
	/* One flush for the group, as a spool does, not two per file. */
	if (file_sync_dir(due->dir) != 0)
		gf_warnx("warning: %s: sync failed", due->dir);
	r = 0;
 out:
	for (i = 0; i < n; i++) {
		free(items[i].path);
		renewal_clear(&items[i].rw);
	}
	free(items);
	return r;
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
