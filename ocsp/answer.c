/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one OCSP path: a request's DER (a POST body, or a GET path once
 * decoded) in, the signed answer out, through the cache, the signers'
 * health and the statuses of a status_source.  The daemon's HTTP handler,
 * the unit tests and fuzz-ocsp all call answer_request(); only where the
 * statuses come from differs (SQLite for the daemon, memory for them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "genfic/err.h"
#include "genfic/serial.h"
#include "ocspd-local.h"

/* What lookup_status() needs: the source, and the CAs' own status. */
struct lookup_arg {
	const struct responder	*rs;
	const struct caset	*cs;
};

void
result_clear(struct result *res)
{
	answer_clear(&res->a);
	memset(res, 0, sizeof(*res));
}

/*
 * The status of one certificate: the source's, or the CA's when the CA
 * itself was revoked for a compromise (RFC 6960 2.7).
 */
static int
lookup_status(void *arg, const struct served_ca *ca,
    const struct serial *serial, struct cert_status *st)
{
	struct lookup_arg *la = arg;
	const struct status_source *src = la->rs->src;
	struct cert_status ca_st;
	int r;

	if ((r = src->lookup(src->arg, ca, serial, st)) != 0) {
		logger_warnx("%s", gf_errmsg(r));
		gf_errclear();
		return r;
	}
	health_ca_status(la->cs, (size_t)(ca - la->cs->cas), &ca_st);
	responder_ca_revoked(&ca_st, st);
	return 0;
}

/* For health_check(): the CA's certificate, and its signer's. */
static int
health_lookup(void *arg, const struct served_ca *ca, struct cert_status *ca_st,
    struct cert_status *signer_st)
{
	const struct status_source *src = arg;
	int r;

	if ((r = src->ca_status(src->arg, ca, ca_st)) == 0) {
		if (!ca->signer.delegated)
			*signer_st = *ca_st;
		else if ((r = src->lookup(src->arg, ca, &ca->signer.serial,
		    signer_st)) == 0 &&
		    signer_st->status == V_OCSP_CERTSTATUS_UNKNOWN)
			/* Issued outside this store: nothing says revoked. */
			signer_st->status = V_OCSP_CERTSTATUS_GOOD;
	}
	if (r != 0) {
		logger_warnx("signer status: %s", gf_errmsg(r));
		gf_errclear();
	}
	return r;
}

/*
 * Only a GET answer carries an ETag: a POST or nonce answer is never
 * cached, and hashing it would cost more than its parse.
 */
const char *
result_etag(struct result *res)
{
	if (res->etag[0] == '\0' && res->a.der != NULL)
		etag_of(res->a.der, res->a.len, res->etag);
	return res->etag;
}

void
answer_health(const struct responder *rs, struct caset *cs, time_t now)
{
	health_check(cs, rs->src->generation(rs->src->arg), now, health_lookup,
	    (void *)rs->src);
}

/* Brings the signers' state up to gen and now; 0, or tryLater. */
static int
signer_usable(const struct responder *rs, struct caset *cs, size_t ca,
    uint64_t gen, time_t now)
{
	health_check(cs, gen, now, health_lookup, (void *)rs->src);
	return health_signer_ok(cs, ca);
}

static int
same_status(const struct cert_status *a, const struct cert_status *b)
{
	return a->status == b->status && a->reason == b->reason &&
	    a->revoked_at == b->revoked_at && a->invalidity == b->invalidity;
}

static void
describe(struct result *res, const struct caset *cs, const struct query *q)
{
	snprintf(res->ca, sizeof(res->ca), "%s", cs->cas[q->items[0].ca].name);
	if (q->items[0].issuable)
		serial_to_hex(&q->items[0].serial, res->serial);
	else
		snprintf(res->serial, sizeof(res->serial), "invalid");
	res->more = q->n - 1;
}

static int
sign(const struct responder *rs, const struct caset *cs,
    const struct query *q, const struct cert_status *st, time_t now,
    struct result *res)
{
	int r;

	if ((r = responder_sign(q, cs, st, now, rs->validity, &res->a)) != 0) {
		logger_warnx("CA %s: %s", res->ca, gf_errmsg(r));
		gf_errclear();
		return OCSP_RESPONSE_STATUS_INTERNALERROR;
	}
	res->status = cert_status_name(st[0].status);
	return OCSP_RESPONSE_STATUS_SUCCESSFUL;
}

static void
take_hit(struct result *res, const struct caset *cs, struct cache_hit *hit)
{
	res->a.ocsp_status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
	res->a.der = hit->der;
	res->a.len = hit->len;
	res->a.this_update = hit->this_update;
	res->a.next_update = hit->next_update;
	memcpy(res->etag, hit->etag, sizeof(res->etag));
	snprintf(res->ca, sizeof(res->ca), "%s", cs->cas[hit->ca].name);
	serial_to_hex(&hit->serial, res->serial);
	res->status = cert_status_name(hit->status.status);
	res->cache = "hit";
	hit->der = NULL;
}

/*
 * The cache: 1 when it answered (or the signer may not sign: tryLater),
 * 0 to go on (the request was not seen, or its status changed since it
 * was signed).
 */
static int
from_cache(const struct responder *rs, struct caset *cs,
    const struct cache_key *key, time_t now, uint64_t gen, struct result *res)
{
	struct lookup_arg la = { rs, cs };
	struct cache_hit hit;
	struct cert_status st;
	int r;

	memset(&hit, 0, sizeof(hit));
	if ((r = cache_get(rs->cache, key, now, gen, &hit)) == CACHE_MISS ||
	    r < 0)
		return 0;
	if (!signer_usable(rs, cs, hit.ca, gen, now)) {
		free(hit.der);
		snprintf(res->ca, sizeof(res->ca), "%s", cs->cas[hit.ca].name);
		serial_to_hex(&hit.serial, res->serial);
		res->cache = "-";
		res->a.ocsp_status = OCSP_RESPONSE_STATUS_TRYLATER;
		return 1;
	}
	if (r == CACHE_HIT) {
		take_hit(res, cs, &hit);
		return 1;
	}
	/* The database changed: has it for this certificate? */
	if (lookup_status(&la, &cs->cas[hit.ca], &hit.serial, &st) == 0 &&
	    same_status(&st, &hit.status)) {
		cache_confirm(rs->cache, key, gen);
		take_hit(res, cs, &hit);
		return 1;
	}
	free(hit.der);
	return 0;
}

/* Statuses, signature, and into the cache when key is not NULL. */
static int
answer_query(const struct responder *rs, struct caset *cs,
    const struct query *q, const struct cache_key *key, time_t now,
    uint64_t gen, struct result *res)
{
	struct lookup_arg la = { rs, cs };
	struct cert_status *st;
	time_t refresh_at;
	int s;

	res->cache = key != NULL ? "miss" : "live";
	/* RFC 6960 2.3: no answer signed by a revoked or expired signer. */
	if (!signer_usable(rs, cs, q->items[0].ca, gen, now)) {
		res->cache = "-";
		return OCSP_RESPONSE_STATUS_TRYLATER;
	}
	if ((st = calloc(q->n, sizeof(*st))) == NULL)
		return OCSP_RESPONSE_STATUS_INTERNALERROR;
	if ((s = responder_lookup(q, cs, lookup_status, &la, st)) ==
	    OCSP_RESPONSE_STATUS_SUCCESSFUL)
		s = sign(rs, cs, q, st, now, res);
	if (s == OCSP_RESPONSE_STATUS_SUCCESSFUL && key != NULL) {
		refresh_at = res->a.this_update + rs->refresh;
		if (refresh_at > res->a.next_update)
			refresh_at = res->a.next_update;
		if (cache_put(rs->cache, key, q->items[0].ca,
		    &q->items[0].serial, &st[0], gen, &res->a, refresh_at) != 0)
			gf_errclear();
	}
	free(st);
	return s;
}

/*
 * Only a request about one certificate without a nonce is cached: a
 * nonce makes the answer unique, and several CertIDs are rare.
 */
static int
cacheable(const struct responder *rs, const struct query *q)
{
	return rs->cache != NULL && q->n == 1 && !q->nonce &&
	    q->items[0].issuable;
}

/*
 * A parsed request, looked up again under its canonical form unless it
 * came in that form.  1 when the cache answered; 0 with key set to the
 * canonical form (*der to OPENSSL_free()); -1 when it cannot be cached
 * (its CertID is too long).
 */
static int
from_cache_canonical(const struct responder *rs, struct caset *cs,
    const struct query *q, struct cache_key *key, unsigned char **der,
    time_t now, uint64_t gen, struct result *res)
{
	size_t len;

	*der = NULL;
	if (cache_canonical(q->items[0].id, der, &len) != 0) {
		gf_errclear();
		return -1;
	}
	if (len == key->len && memcmp(*der, key->req, len) == 0)
		return 0;	/* looked up already, as it came */
	key->req = *der;
	key->len = len;
	return from_cache(rs, cs, key, now, gen, res);
}

void
answer_request(const struct responder *rs, struct caset *cs,
    const unsigned char *der, size_t len, time_t now, struct result *res)
{
	struct cache_key key;
	struct query q;
	unsigned char *canon = NULL;
	uint64_t gen;
	int s, c;

	/* Before the lookup, so that a change meanwhile makes it STALE. */
	gen = rs->src->generation(rs->src->arg);
	key.conf_gen = cs->gen;
	key.req = der;
	key.len = len;
	/* Only canonical requests are keys: one of them is served unparsed. */
	if (rs->cache != NULL && len > 0 && len <= OCSPD_CACHE_KEY_MAX &&
	    from_cache(rs, cs, &key, now, gen, res)) {
		s = res->a.ocsp_status;
		goto done;
	}
	if ((s = responder_parse(der, len, cs, &q)) ==
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		describe(res, cs, &q);
		c = cacheable(rs, &q) ? from_cache_canonical(rs, cs, &q, &key,
		    &canon, now, gen, res) : -1;
		if (c == 1)
			s = res->a.ocsp_status;
		else
			s = answer_query(rs, cs, &q, c == 0 ? &key : NULL, now,
			    gen, res);
		query_clear(&q);
	}
	OPENSSL_free(canon);
	/* Not on the cache's fast path: it costs more than the lookup. */
	ERR_clear_error();
 done:
	if (s != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		answer_clear(&res->a);
		res->status = responder_status_name(s);
		if (responder_error(s, &res->a) != 0)
			gf_errclear();
	}
}
