/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether each CA's signer may sign now.  A responder certificate that
 * is revoked, expired or not yet valid must not vouch for anything: the
 * daemon then answers tryLater (RFC 6960 2.3) for that CA and /health
 * says why.  The state is read again when the database changes and when
 * a signer's validity begins or ends, by whichever thread sees it first
 * (the watcher once a second, or a request); each change is logged once.
 * The CA's own certificate status is kept too, for RFC 6960 2.7.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/err.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "genfic/x509util.h"
#include "ocspd-local.h"

struct ca_health {
	atomic_int		 state;		/* enum signer_state */
	struct cert_status	 signer_st;	/* guarded by lock */
	struct cert_status	 ca_st;		/* guarded by lock */
};

struct health {
	pthread_mutex_t		 lock;
	_Atomic uint64_t	 checked;	/* generation + 1; 0: never */
	_Atomic int64_t		 recheck_at;	/* a validity bound */
	int			 failed;	/* the last lookup failed */
	size_t			 n;
	struct ca_health	 ca[];
};

enum signer_state
signer_state(const struct signer *sg, const struct cert_status *st,
    time_t now)
{
	if (st->status == V_OCSP_CERTSTATUS_REVOKED)
		return SIGNER_REVOKED;
	if (sg->not_after != 0 && now >= sg->not_after)
		return SIGNER_EXPIRED;
	if (now < sg->not_before)
		return SIGNER_NOT_YET_VALID;
	return SIGNER_OK;
}

struct health *
health_new(size_t n)
{
	struct health *h;

	if ((h = calloc(1, sizeof(*h) + n * sizeof(h->ca[0]))) == NULL)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->n = n;
	return h;
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* "signer revoked: CA x: responder certificate 1A..: keyCompromise at T" */
static int
describe(const struct served_ca *ca, int state, const struct cert_status *st,
    char *buf, size_t size)
{
	char serial[2 * GF_SERIAL_MAX + 1], when[GF_ISO_TIME_LEN];
	const char *what = ca->signer.delegated ? "responder certificate" :
	    "own certificate (it signs the responses)";
	const char *reason;

	serial_to_hex(&ca->signer.serial, serial);
	switch (state) {
	case SIGNER_REVOKED:
		time_to_iso(st->revoked_at, when);
		reason = reason_name(st->reason);
		return snprintf(buf, size, "signer revoked: CA %s: %s %s "
		    "revoked at %s (%s)", ca->name, what, serial, when,
		    reason != NULL ? reason : "unspecified");
	case SIGNER_EXPIRED:
		time_to_iso(ca->signer.not_after, when);
		return snprintf(buf, size, "signer expired: CA %s: %s %s "
		    "expired at %s", ca->name, what, serial, when);
	case SIGNER_NOT_YET_VALID:
		time_to_iso(ca->signer.not_before, when);
		return snprintf(buf, size, "signer not yet valid: CA %s: %s "
		    "%s is valid from %s", ca->name, what, serial, when);
	case SIGNER_UNCHECKED:
		return snprintf(buf, size, "signer unchecked: CA %s: the "
		    "status of its signer could not be read", ca->name);
	}
	return snprintf(buf, size, "ok");
}

/* One loud line when a signer becomes unusable; one when it is back. */
static void
log_change(const struct served_ca *ca, int was, int now_state,
    const struct cert_status *st)
{
	char text[512];

	if (now_state == was || now_state == SIGNER_UNCHECKED)
		return;
	if (now_state == SIGNER_OK) {
		if (was != SIGNER_UNCHECKED)
			logger_info("CA %s: the signer is valid again: signing",
			    ca->name);
		return;
	}
	describe(ca, now_state, st, text, sizeof(text));
	logger_warnx("%s; answering tryLater for this CA and /health 503 "
	    "until a valid signer is loaded (SIGHUP)", text);
}

static void
log_ca_change(const struct served_ca *ca, const struct cert_status *was,
    const struct cert_status *st, int first)
{
	char when[GF_ISO_TIME_LEN];
	const char *reason;

	if (!first && was->status == st->status &&
	    was->revoked_at == st->revoked_at && was->reason == st->reason)
		return;
	if (st->status != V_OCSP_CERTSTATUS_REVOKED) {
		if (!first && was->status == V_OCSP_CERTSTATUS_REVOKED)
			logger_info("CA %s: its own certificate is no longer "
			    "revoked", ca->name);
		return;
	}
	time_to_iso(st->revoked_at, when);
	reason = reason_name(st->reason);
	if (st->reason == GF_REASON_KEY_COMPROMISE ||
	    st->reason == GF_REASON_CA_COMPROMISE)
		logger_warnx("CA %s: its own certificate is revoked at %s "
		    "(%s): every certificate it issued is answered revoked "
		    "(cACompromise), RFC 6960 2.7", ca->name, when, reason);
	else
		logger_warnx("CA %s: its own certificate is revoked at %s "
		    "(%s)", ca->name, when,
		    reason != NULL ? reason : "unspecified");
}

/* The earliest moment after now at which a signer's state changes. */
static time_t
next_bound(const struct caset *cs, time_t now)
{
	time_t next = INT64_MAX, t;
	size_t i;

	for (i = 0; i < cs->n; i++) {
		t = cs->cas[i].signer.not_before;
		if (t > now && t < next)
			next = t;
		t = cs->cas[i].signer.not_after;
		if (t > now && t < next)
			next = t;
	}
	return next;
}

static int
check_locked(struct caset *cs, uint64_t gen, time_t now, health_fn fn,
    void *arg)
{
	struct health *h = cs->health;
	struct cert_status ca_st, signer_st;
	int first, state, was, r = 0, failed = 0;
	size_t i;

	for (i = 0; i < cs->n; i++) {
		memset(&ca_st, 0, sizeof(ca_st));
		memset(&signer_st, 0, sizeof(signer_st));
		was = atomic_load(&h->ca[i].state);
		first = was == SIGNER_UNCHECKED;
		if ((r = fn(arg, &cs->cas[i], &ca_st, &signer_st)) != 0) {
			/* Keep what we knew; try again in a second. */
			failed = r;
			continue;
		}
		state = signer_state(&cs->cas[i].signer, &signer_st, now);
		log_change(&cs->cas[i], was, state, &signer_st);
		log_ca_change(&cs->cas[i], &h->ca[i].ca_st, &ca_st, first);
		h->ca[i].signer_st = signer_st;
		h->ca[i].ca_st = ca_st;
		atomic_store(&h->ca[i].state, state);
	}
	h->failed = failed != 0;
	atomic_store(&h->recheck_at, failed != 0 ? now + 1 :
	    next_bound(cs, now));
	atomic_store(&h->checked, gen + 1);
	return failed;
}

int
health_check(struct caset *cs, uint64_t gen, time_t now, health_fn fn,
    void *arg)
{
	struct health *h = cs->health;
	int r = 0;

	if (atomic_load(&h->checked) > gen && now < atomic_load(&h->recheck_at))
		return 0;
	pthread_mutex_lock(&h->lock);
	/* Another thread may have done it meanwhile. */
	if (atomic_load(&h->checked) <= gen ||
	    now >= atomic_load(&h->recheck_at))
		r = check_locked(cs, gen, now, fn, arg);
	pthread_mutex_unlock(&h->lock);
	return r;
}

int
health_signer_ok(const struct caset *cs, size_t ca)
{
	int state = atomic_load(&cs->health->ca[ca].state);

	/* Never read (the database failing): as before, sign. */
	return state == SIGNER_OK || state == SIGNER_UNCHECKED;
}

void
health_ca_status(const struct caset *cs, size_t ca, struct cert_status *st)
{
	struct health *h = cs->health;

	pthread_mutex_lock(&h->lock);
	*st = h->ca[ca].ca_st;
	pthread_mutex_unlock(&h->lock);
}

int
health_report(const struct caset *cs, char *buf, size_t size)
{
	struct health *h = cs->health;
	size_t i, off = 0;
	int n, state, bad = 0;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < cs->n && off < size; i++) {
		state = atomic_load(&h->ca[i].state);
		if (state == SIGNER_OK)
			continue;
		bad = 1;
		if ((n = describe(&cs->cas[i], state, &h->ca[i].signer_st,
		    buf + off, size - off)) < 0)
			break;
		off += (size_t)n;
		if (off < size)
			off += (size_t)snprintf(buf + off, size - off, "\n");
	}
	if (h->failed && off < size) {
		bad = 1;
		snprintf(buf + off, size - off, "database: the signers' "
		    "status cannot be read\n");
	}
	pthread_mutex_unlock(&h->lock);
	if (!bad)
		snprintf(buf, size, "ok\n");
	return bad ? -1 : 0;
}
