/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judging certificate requests (request.h): proof of possession first,
 * then every policy verdict, in one order for every caller.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/constraints.h"
#include "genfic/csr.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/issue.h"
#include "genfic/owner.h"
#include "genfic/policy.h"
#include "genfic/request.h"
#include "genfic/revoke.h"
#include "genfic/template.h"
#include "genfic/x509util.h"

/* One request being judged. */
struct judging {
	const struct request_rules *rules;
	struct request_verdicts	*all;		/* or NULL: first refusal ends */
	struct request		*req;		/* what is being made */
	const X509_NAME		*requested;	/* the subject asked for */
	const struct csr	*csr;		/* the request, or NULL */
	GENERAL_NAMES		*asked_san;	/* the names asked for, or NULL */
	int			 subject_r;	/* policy_subject(), if run early */
	int			 subject_done;
	int			 refused;	/* the first refusal's code */
};

void
request_clear(struct request *req)
{
	X509_PUBKEY_free(req->spki);
	EVP_PKEY_free(req->pkey);
	X509_NAME_free(req->subject);
	GENERAL_NAMES_free(req->san);
	free(req->owner);
	memset(req, 0, sizeof(*req));
}

void
request_free(struct request *req)
{
	if (req == NULL)
		return;
	request_clear(req);
	free(req);
}

void
request_verdicts_clear(struct request_verdicts *all)
{
	size_t i;

	if (all == NULL)
		return;
	for (i = 0; i < all->n; i++)
		free(all->v[i].why);
	csr_free(all->csr);
	request_free(all->would);
	memset(all, 0, sizeof(*all));
}

static void
verdict_add(struct judging *j, const char *check, enum request_state state,
    int r, const char *why)
{
	struct request_verdict *v;

	if (j->all == NULL || j->all->n == REQUEST_CHECKS_MAX)
		return;
	v = &j->all->v[j->all->n++];
	v->check = check;
	v->state = state;
	v->r = r;
	v->why = why != NULL ? strdup(why) : NULL;
}

/*
 * Records check's verdict r.  Returns nonzero when judging stops there:
 * at the first refusal without all.  With all, the message is kept in
 * the verdict and the error cleared for the next check.
 */
static int
judge(struct judging *j, const char *check, int r)
{
	if (r == 0) {
		verdict_add(j, check, REQUEST_OK, 0, NULL);
		return 0;
	}
	if (j->refused == 0)
		j->refused = r;
	if (j->all == NULL)
		return 1;
	verdict_add(j, check, REQUEST_REFUSED, r, gf_errmsg(r));
	gf_errclear();
	if (j->all->refused == 0)
		j->all->refused = r;
	return 0;
}

/* A check that cannot run because check needed was refused. */
static void
unchecked(struct judging *j, const char *check, const char *needed)
{
	char why[64];

	snprintf(why, sizeof(why), "needs the %s check", needed);
	verdict_add(j, check, REQUEST_UNCHECKED, 0, why);
}

/* The certificate's names: the request's, if kept, then extra_san. */
static int
make_san(struct judging *j)
{
	const GENERAL_NAMES *extra = j->rules->extra_san;
	GENERAL_NAMES *san = NULL;
	GENERAL_NAME *gn;
	int i, r;

	/*
	 * A request's, only where the template keeps them, as before; a
	 * renewal keeps every name of the certificate (--san's included).
	 */
	if (j->rules->tmpl->copy_san && j->csr != NULL &&
	    (r = csr_get_san(j->csr, &j->asked_san)) != 0)
		return r;
	if ((j->rules->tmpl->copy_san || j->csr == NULL) &&
	    j->asked_san != NULL) {
		if ((r = policy_check_san(j->asked_san)) != 0)
			return r;
		san = j->asked_san;
		j->asked_san = NULL;
	}
	if (extra != NULL && sk_GENERAL_NAME_num(extra) > 0) {
		if (san == NULL && (san = GENERAL_NAMES_new()) == NULL)
			return gf_fail_crypto("subjectAltName");
		for (i = 0; i < sk_GENERAL_NAME_num(extra); i++)
			if ((gn = GENERAL_NAME_dup(sk_GENERAL_NAME_value(extra,
			    i))) == NULL || !sk_GENERAL_NAME_push(san, gn)) {
				GENERAL_NAME_free(gn);
				GENERAL_NAMES_free(san);
				return gf_fail_crypto("subjectAltName");
			}
	}
	j->req->san = san;
	return 0;
}

static int
judge_subject(struct judging *j)
{
	if (!j->subject_done) {
		j->subject_r = policy_subject(j->rules->tmpl, j->requested,
		    &j->req->subject);
		j->subject_done = 1;
	}
	return judge(j, "subject", j->subject_r);
}

/* Whether the issuer's notAfter allows it; issue_build() sets it. */
static int
judge_validity(struct judging *j)
{
	const struct request_rules *rules = j->rules;
	int days = rules->days != 0 ? rules->days : rules->tmpl->days;
	time_t not_after;
	int clamped;

	return judge(j, "validity", issue_validity(rules->issuer, days,
	    rules->no_clamp, time(NULL), &not_after, &clamped));
}

/* The names: their syntax, the template's limits, the CAs' subtrees. */
static int
judge_names(struct judging *j)
{
	const struct request_rules *rules = j->rules;
	int r;

	r = make_san(j);
	if (judge(j, "subjectAltName", r))
		return 1;
	if (rules->tmpl->san_limited) {
		if (r != 0)
			unchecked(j, "san-limits", "subjectAltName");
		else if (judge(j, "san-limits", policy_check_san_limits(
		    rules->tmpl, j->req->san)))
			return 1;
	}
	if (rules->constraints == NULL)
		return 0;
	if (r != 0 || j->subject_r != 0) {
		unchecked(j, "name-constraints", r != 0 ? "subjectAltName" :
		    "subject");
		return 0;
	}
	return judge(j, "name-constraints", constraints_check_leaf(
	    rules->constraints, j->req->subject, j->req->san));
}

/* Every verdict after the proof of possession, for both entry points. */
static int
judge_policy(struct judging *j)
{
	const struct request_rules *rules = j->rules;

	if (judge(j, "key", policy_check_key(rules->tmpl, j->req->pkey)) ||
	    judge_subject(j) || judge_names(j))
		return 1;
	if (rules->st != NULL && judge(j, "key-compromise",
	    revoke_check_key(rules->st, j->req->spki_hash)))
		return 1;
	if (rules->issuer != NULL && judge_validity(j))
		return 1;
	return 0;
}

/* Hands over the checked request, or keeps what was judged in all. */
static int
judged(struct judging *j, struct request **out)
{
	if (j->refused == 0) {
		*out = j->req;
		j->req = NULL;
		return 0;
	}
	if (j->all != NULL) {
		j->all->would = j->req;
		j->req = NULL;
	}
	return j->refused;
}

static void
judging_clear(struct judging *j)
{
	request_free(j->req);
	GENERAL_NAMES_free(j->asked_san);
}

/* Who the request is, for rules->seen: nonzero when it was certified. */
static int
seen_before(struct judging *j)
{
	const struct request_rules *rules = j->rules;

	if (rules->seen == NULL)
		return 0;
	if (policy_subject(rules->tmpl, j->requested, &j->req->subject) == 0)
		j->subject_done = 1;
	else
		/* Judged again in its turn, after the proof of possession. */
		gf_errclear();
	return rules->seen(rules->seen_arg, j->req->spki_hash, j->req->subject);
}

/* The parsed request's key, shared: the request keeps its decoded key. */
static int
take_key(struct judging *j, struct csr *csr)
{
	if ((j->req = calloc(1, sizeof(*j->req))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!EVP_PKEY_up_ref(csr->pkey))
		return gf_fail_crypto("public key");
	j->req->pkey = csr->pkey;
	j->req->spki = csr->spki;
	csr->spki = NULL;
	return spki_hash(j->req->spki, j->req->spki_hash);
}

static void
judge_csr(struct judging *j, struct csr *csr)
{
	/* Proof of possession first: every verdict is on what was signed. */
	if (judge(j, "signature", csr_verify(csr)) ||
	    judge(j, "extensions", csr_check_extensions(csr)))
		return;
	j->csr = csr;
	(void)judge_policy(j);
}

/*
 * The address the request names, from what it asks for, whatever the
 * template keeps: names that do not parse are the subjectAltName
 * verdict's to report, and make no owner.
 */
static int
request_owner(const struct csr *csr, char **owner)
{
	GENERAL_NAMES *asked = NULL;
	int r;

	if (csr_get_san(csr, &asked) != 0) {
		gf_errclear();
		asked = NULL;
	}
	r = owner_from_names(csr->subject, asked, owner);
	GENERAL_NAMES_free(asked);
	return r;
}

int
request_check(const struct request_rules *rules, const unsigned char *data,
    size_t len, struct request **out, struct request_verdicts *all)
{
	struct judging j;
	struct csr *csr = NULL;
	int r;

	memset(&j, 0, sizeof(j));
	j.rules = rules;
	j.all = all;
	if ((r = csr_parse(data, len, &csr)) != 0) {
		(void)judge(&j, "parse", r);
		return r;
	}
	(void)judge(&j, "parse", 0);
	j.requested = csr->subject;
	if ((r = take_key(&j, csr)) != 0 ||
	    (r = request_owner(csr, &j.req->owner)) != 0)
		goto out;
	if (seen_before(&j)) {
		r = GF_ERR_EXISTS;
		goto out;
	}
	judge_csr(&j, csr);
	r = judged(&j, out);
 out:
	judging_clear(&j);
	/* The subject asked for lives in the request: kept with it. */
	if (all != NULL && all->csr == NULL)
		all->csr = csr;
	else
		csr_free(csr);
	return r;
}

int
request_load(const struct request_rules *rules, const char *path,
    struct request **out, struct request_verdicts *all)
{
	unsigned char *data;
	size_t len;
	int r;

	if ((r = file_read(path, GF_MAX_INPUT_FILE, &data, &len)) != 0) {
		if (all != NULL) {
			verdict_add(&(struct judging){ .all = all }, "parse",
			    REQUEST_REFUSED, r, gf_errmsg(r));
			all->refused = r;
		}
		return r;
	}
	r = request_check(rules, data, len, out, all);
	free(data);
	return r;
}

int
request_check_cert(const struct request_rules *rules, X509 *cert,
    struct request **out, struct request_verdicts *all)
{
	struct judging j;
	int r;

	memset(&j, 0, sizeof(j));
	j.rules = rules;
	j.all = all;
	j.requested = X509_get_subject_name(cert);
	if ((j.req = calloc(1, sizeof(*j.req))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	/*
	 * Not X509_PUBKEY_dup(): OpenSSL 3.0's loses the bit string's
	 * unused-bits count, and a key ending in a 0 bit then encodes (and
	 * hashes) as another; a key revoked for keyCompromise went unseen.
	 */
	if ((j.req->spki = spki_copy(X509_get_X509_PUBKEY(cert))) == NULL ||
	    (j.req->pkey = X509_get_pubkey(cert)) == NULL) {
		r = gf_fail_crypto("the certificate's public key");
		goto out;
	}
	if ((r = spki_hash(X509_get_X509_PUBKEY(cert), j.req->spki_hash)) != 0)
		goto out;
	j.asked_san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if ((r = owner_from_names(j.requested, j.asked_san,
	    &j.req->owner)) != 0)
		goto out;
	(void)judge_policy(&j);
	r = judged(&j, out);
 out:
	judging_clear(&j);
	return r;
}

int
request_check_parsed(const struct request_rules *rules, struct request *made,
    struct request **out)
{
	struct request_rules parsed = *rules;
	struct judging j;
	int r;

	/* --san's names are among those the parser sent: not added twice. */
	parsed.extra_san = NULL;
	parsed.seen = NULL;
	memset(&j, 0, sizeof(j));
	j.rules = &parsed;
	j.requested = made->subject;	/* as asked: the template applies here */
	j.asked_san = made->san;
	made->subject = NULL;
	made->san = NULL;
	if ((j.req = calloc(1, sizeof(*j.req))) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	j.req->spki = made->spki;
	j.req->pkey = made->pkey;
	j.req->owner = made->owner;
	made->spki = NULL;
	made->pkey = NULL;
	made->owner = NULL;
	/* Hashed here: a key revoked for keyCompromise is known by it. */
	if (j.req->spki == NULL)
		r = gf_fail(GF_ERR_FORMAT, "a request without a key");
	else if ((r = spki_hash(j.req->spki, j.req->spki_hash)) == 0) {
		(void)judge_policy(&j);
		r = judged(&j, out);
	}
 out:
	judging_clear(&j);
	X509_NAME_free((X509_NAME *)j.requested);
	request_clear(made);
	return r;
}

void
request_to_issue(struct request *req, const struct request_rules *rules,
    const struct ca *ca, EVP_PKEY *key, struct issue_request *ir)
{
	memset(ir, 0, sizeof(*ir));
	ir->tmpl = rules->tmpl;
	ir->subject = req->subject;
	ir->pubkey = req->pkey;
	ir->spki = req->spki;
	ir->spki_hash = req->spki_hash;
	ir->san = req->san;
	ir->owner = req->owner;
	ir->days = rules->days != 0 ? rules->days : rules->tmpl->days;
	ir->no_clamp = rules->no_clamp;
	ir->issuer_key = key;
	if (ca == NULL)
		return;
	ir->issuer_cert = ca->cert;
	ir->constraints = rules->constraints;
	ir->crl_url = ca->crl_url;
	ir->ocsp_url = ca->ocsp_url;
	ir->ca_issuers_url = ca->issuer_url;
}
