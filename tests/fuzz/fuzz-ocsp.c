/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An OCSP request as genfic-ocspd receives it (POST body or decoded GET):
 * answer_request(), the daemon's own path with its cache and the signers'
 * health, against two fixture CAs, the store replaced by a status_source
 * in memory.  ca1 (EC P-256) signs through a delegated responder, ca2
 * (Ed25519) with its own key.  Statuses come from the serial's last octet;
 * the source's generation moves every few inputs, so that cached entries
 * are rechecked (STALE) as the daemon's are after a write.
 *
 * Every answer must decode and carry the status returned; a successful
 * one must verify against the fixture CAs, answer each CertID in order,
 * and echo the nonce.  A request that went into the cache must be
 * answered from it the second time, byte for byte.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "ocspd-local.h"
#include "fuzz.h"

#define NOW		((time_t)1800000000)	/* fixed: reproducible */
#define VALIDITY	86400
#define SERIAL_BUSY	0xbb
#define SERIAL_BROKEN	0xee
#define GEN_EVERY	8	/* inputs between two "writes" */

static struct served_ca	 cas[2];
static struct caset	 cs = { cas, 2, 1, 1, NULL };
static uint64_t		 inputs;
static struct responder	 rs;	/* filled below, with the source */
static X509_STORE	*trust;
static STACK_OF(X509)	*untrusted;

/* caset.c's hashes and signing context, for fixture files. */
static void
ca_init(struct served_ca *sc, int64_t id, const char *name, const char *ca,
    const char *ca_key, const char *rsp, const char *rsp_key)
{
	struct signer *sg = &sc->signer;

	sc->id = id;
	sc->name = (char *)name;
	sc->cert = fuzz_cert(ca);
	if (caset_hashes(sc) != 0)
		fuzz_die("CertID hashes of %s", name);
	sg->delegated = rsp != NULL;
	sg->cert = sg->delegated ? fuzz_cert(rsp) : sc->cert;
	sg->key = fuzz_key(sg->delegated ? rsp_key : ca_key);
	sg->md = EVP_PKEY_get_base_id(sg->key) == EVP_PKEY_ED25519 ? NULL :
	    EVP_sha256();
	sg->not_after = NOW + 10 * 86400;
	if (serial_from_asn1(X509_get0_serialNumber(sg->cert), &sg->serial) != 0)
		fuzz_die("serial of the signer of %s", name);
	signer_prepare(sg);
	if (sg->tmpl == NULL)
		fuzz_die("signing context of %s", name);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ca_init(&cas[0], 1, "ca1", "ca1.pem", NULL, "rsp1.pem", "rsp1.key");
	ca_init(&cas[1], 2, "ca2", "ca2.pem", "ca2.key", NULL, NULL);
	if ((trust = X509_STORE_new()) == NULL ||
	    !X509_STORE_add_cert(trust, cas[0].cert) ||
	    !X509_STORE_add_cert(trust, cas[1].cert) ||
	    (untrusted = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(untrusted, cas[1].cert))
		fuzz_die("trust store");
	/* A few entries a shard, so that eviction is reached too. */
	if ((cs.health = health_new(2)) == NULL ||
	    (rs.cache = cache_new(256, 4 << 20)) == NULL)
		fuzz_die("health and cache");
	logger_init(LOGGER_OFF);
	return 0;
}

/*
 * By the serial's last octet.  Odd: good; even: revoked, with every
 * reason code and sometimes an invalidityDate; a few: unknown, busy or
 * broken.
 */
static int
lookup(void *arg, const struct served_ca *ca, const struct serial *s,
    struct cert_status *st)
{
	unsigned char last;

	(void)arg;
	if (ca != &cas[0] && ca != &cas[1])
		fuzz_die("lookup for a CA not in the set");
	if (s->len == 0 || s->len > GF_SERIAL_MAX || s->bytes[0] == 0)
		fuzz_die("lookup of a serial we cannot have issued");
	memset(st, 0, sizeof(*st));
	/* The responder certificate, for the signers' health. */
	if (s->len == ca->signer.serial.len &&
	    memcmp(s->bytes, ca->signer.serial.bytes, s->len) == 0) {
		st->status = V_OCSP_CERTSTATUS_GOOD;
		return 0;
	}
	last = s->bytes[s->len - 1];
	if (last == SERIAL_BUSY)
		return GF_ERR_BUSY;
	if (last == SERIAL_BROKEN)
		return GF_ERR_DB;
	if (last % 16 == 14)
		st->status = V_OCSP_CERTSTATUS_UNKNOWN;
	else if (last % 2 == 1)
		st->status = V_OCSP_CERTSTATUS_GOOD;
	else {
		st->status = V_OCSP_CERTSTATUS_REVOKED;
		st->reason = (last / 2) % 12;
		st->revoked_at = NOW - (time_t)last * 3600;
		if (last % 4 == 0)
			st->invalidity = st->revoked_at - 86400;
	}
	return 0;
}

static uint64_t
generation(void *arg)
{
	(void)arg;
	return 1 + inputs / GEN_EVERY;
}

/* The CAs themselves are good: their own status is read, not invented. */
static int
ca_status(void *arg, const struct served_ca *ca, struct cert_status *st)
{
	(void)arg;
	if (ca != &cas[0] && ca != &cas[1])
		fuzz_die("CA status for a CA not in the set");
	memset(st, 0, sizeof(*st));
	st->status = V_OCSP_CERTSTATUS_GOOD;
	return 0;
}

static const struct status_source source = { generation, lookup, ca_status,
    NULL };
static struct responder rs = { &source, NULL, VALIDITY, VALIDITY / 2 };

static void
check_success(const uint8_t *data, size_t size, OCSP_RESPONSE *resp)
{
	const unsigned char *p = data;
	OCSP_REQUEST *req;
	OCSP_BASICRESP *bs;
	OCSP_ONEREQ *one;
	int i, n;

	if ((req = d2i_OCSP_REQUEST(NULL, &p, (long)size)) == NULL)
		fuzz_die("answered a request OpenSSL cannot decode");
	if ((bs = OCSP_response_get1_basic(resp)) == NULL)
		fuzz_die("a successful answer without a basic response");
	if (OCSP_basic_verify(bs, untrusted, trust, 0) != 1)
		fuzz_die("a successful answer does not verify");
	n = OCSP_request_onereq_count(req);
	if (OCSP_resp_count(bs) != n)
		fuzz_die("%d CertIDs, %d answers", n, OCSP_resp_count(bs));
	for (i = 0; i < n; i++) {
		one = OCSP_request_onereq_get0(req, i);
		if (OCSP_id_cmp(OCSP_onereq_get0_id(one),
		    OCSP_SINGLERESP_get0_id(OCSP_resp_get0(bs, i))) != 0)
			fuzz_die("answer %d is about another CertID", i);
	}
	/* 1: the same nonce in both; 2: in neither. */
	if ((i = OCSP_check_nonce(req, bs)) != 1 && i != 2)
		fuzz_die("nonce not echoed (%d)", i);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
}

/* Decodes res's answer and checks what every answer must be. */
static void
check_answer(const uint8_t *data, size_t size, const struct result *res)
{
	const struct answer *a = &res->a;
	const unsigned char *p;
	OCSP_RESPONSE *resp;

	p = a->der;
	if (a->der == NULL ||
	    (resp = d2i_OCSP_RESPONSE(NULL, &p, (long)a->len)) == NULL ||
	    p != a->der + a->len)
		fuzz_die("an answer that does not decode");
	if (OCSP_response_status(resp) != a->ocsp_status)
		fuzz_die("answer says %d, we said %d",
		    OCSP_response_status(resp), a->ocsp_status);
	if (a->ocsp_status == OCSP_RESPONSE_STATUS_SUCCESSFUL)
		check_success(data, size, resp);
	else if (a->ocsp_status != OCSP_RESPONSE_STATUS_MALFORMEDREQUEST &&
	    a->ocsp_status != OCSP_RESPONSE_STATUS_UNAUTHORIZED &&
	    a->ocsp_status != OCSP_RESPONSE_STATUS_TRYLATER &&
	    a->ocsp_status != OCSP_RESPONSE_STATUS_INTERNALERROR)
		fuzz_die("answer status %d", a->ocsp_status);
	OCSP_RESPONSE_free(resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result res, again;

	inputs++;
	memset(&res, 0, sizeof(res));
	answer_request(&rs, &cs, data, size, NOW, &res);
	check_answer(data, size, &res);
	/* Just put in the cache: the same request must come from it. */
	if (res.a.ocsp_status == OCSP_RESPONSE_STATUS_SUCCESSFUL &&
	    res.cache != NULL && strcmp(res.cache, "miss") == 0) {
		memset(&again, 0, sizeof(again));
		answer_request(&rs, &cs, data, size, NOW, &again);
		if (again.cache == NULL || strcmp(again.cache, "hit") != 0 ||
		    again.a.len != res.a.len ||
		    memcmp(again.a.der, res.a.der, res.a.len) != 0)
			fuzz_die("a cached answer not served from the cache "
			    "(%s %s %d, then %s %s %d)", res.ca, res.serial,
			    res.a.ocsp_status, again.ca, again.cache != NULL ?
			    again.cache : "-", again.a.ocsp_status);
		result_clear(&again);
	}
	result_clear(&res);
	gf_errclear();
	return 0;
}
