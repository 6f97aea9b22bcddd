/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CAs served: their certificates, the CertID hashes that name them
 * (RFC 6960 4.1.1) precomputed for every algorithm we match, and the key
 * that signs for each, delegated (RFC 6960 4.2.2.2) or the CA's own.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "ocspd-local.h"

#define CASET_MAX	256	/* CAs in one store we are willing to serve */

static const size_t md_len[CERTID_NMD] = { 20, 32 };

static const EVP_MD *
certid_evp(enum certid_md md)
{
	return md == CERTID_SHA1 ? EVP_sha1() : EVP_sha256();
}

static void
signer_clear(struct signer *sg)
{
	X509_free(sg->cert);
	EVP_PKEY_free(sg->key);
	EVP_MD_CTX_free(sg->tmpl);
	responder_der_free(sg->der);
	memset(sg, 0, sizeof(*sg));
}

/*
 * A signing context made once: OpenSSL 3 looks the algorithms up in its
 * provider store at every EVP_DigestSignInit(), which costs more than an
 * ECDSA P-256 signature.  Copying a ready context does not.  Without it
 * (a copy that fails), responder_sign() initialises its own.
 */
void
signer_prepare(struct signer *sg)
{
	if ((sg->tmpl = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(sg->tmpl, NULL, sg->md, NULL, sg->key) != 1) {
		EVP_MD_CTX_free(sg->tmpl);
		sg->tmpl = NULL;
		ERR_clear_error();
	}
	/* Without them, responder_sign() lets OpenSSL build every answer. */
	if (sg->tmpl != NULL && responder_der_new(sg, &sg->der) != 0)
		gf_errclear();
}

static void
signer_copy(struct signer *dst, const struct signer *src)
{
	*dst = *src;
	X509_up_ref(dst->cert);
	EVP_PKEY_up_ref(dst->key);
	dst->tmpl = NULL;
	dst->der = NULL;
	signer_prepare(dst);
}

int
signer_same(const struct signer *a, const struct signer *b)
{
	if (a == b)
		return 1;
	return a->delegated && b->delegated && X509_cmp(a->cert, b->cert) == 0;
}

static void
served_clear(struct served_ca *sc)
{
	free(sc->name);
	X509_free(sc->cert);
	signer_clear(&sc->signer);
	memset(sc, 0, sizeof(*sc));
}

void
caset_free(struct caset *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->n; i++)
		served_clear(&cs->cas[i]);
	free(cs->cas);
	health_free(cs->health);
	free(cs);
}

int
caset_find(const struct caset *cs, enum certid_md md,
    const ASN1_OCTET_STRING *name_hash, const ASN1_OCTET_STRING *key_hash)
{
	const struct served_ca *ca;
	size_t i;

	if (md >= CERTID_NMD ||
	    ASN1_STRING_length(name_hash) != (int)md_len[md] ||
	    ASN1_STRING_length(key_hash) != (int)md_len[md])
		return -1;
	for (i = 0; i < cs->n; i++) {
		ca = &cs->cas[i];
		if (memcmp(ca->key_hash[md], ASN1_STRING_get0_data(key_hash),
		    md_len[md]) == 0 &&
		    memcmp(ca->name_hash[md], ASN1_STRING_get0_data(name_hash),
		    md_len[md]) == 0)
			return (int)i;
	}
	return -1;
}

/* issuerNameHash and issuerKeyHash, as OCSP_cert_id_new() makes them. */
int
caset_hashes(struct served_ca *ca)
{
	unsigned int len;
	int md;

	for (md = 0; md < CERTID_NMD; md++) {
		if (!X509_NAME_digest(X509_get_subject_name(ca->cert),
		    certid_evp(md), ca->name_hash[md], &len) ||
		    len != md_len[md] ||
		    !X509_pubkey_digest(ca->cert, certid_evp(md),
		    ca->key_hash[md], &len) || len != md_len[md])
			return gf_fail_crypto("CA %s: CertID hashes", ca->name);
	}
	return 0;
}

/* The CAs to serve: those --ca names, else every CA of the store. */
static int
cas_to_serve(struct store *st, const char *const *names, struct ca ***out,
    size_t *count)
{
	sqlite3_stmt *stmt;
	struct ca **cas;
	size_t n = 0, i;
	int r;

	if (names != NULL) {
		while (names[n] != NULL)
			n++;
		if ((cas = calloc(n, sizeof(*cas))) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		for (i = 0; i < n; i++)
			if ((r = ca_load(st, names[i], &cas[i])) != 0) {
				ca_free_all(cas, n);
				return r;
			}
		*out = cas;
		*count = n;
		return 0;
	}
	if ((r = store_prepare(st, "SELECT id FROM ca WHERE cert_id IS NOT "
	    "NULL ORDER BY id", &stmt)) != 0)
		return r;
	r = ca_load_ids(st, stmt, &cas, &n);
	sqlite3_finalize(stmt);
	if (r != 0)
		return r;
	if (n == 0 || n > CASET_MAX) {
		ca_free_all(cas, n);
		return n == 0 ? gf_fail(GF_ERR_NOT_FOUND, "the store has no "
		    "CA") : gf_fail(GF_ERR_TOO_LARGE, "more than %d CAs in "
		    "the store: name those to serve with --ca", CASET_MAX);
	}
	*out = cas;
	*count = n;
	return 0;
}

static int
cert_not_after(X509 *cert, time_t *out)
{
	return asn1_time_to_unix(X509_get0_notAfter(cert), out);
}

/* What the health checks need: validity and serial of the signer's cert. */
static int
signer_identity(struct signer *sg, const char *what)
{
	int r;

	if ((r = asn1_time_to_unix(X509_get0_notBefore(sg->cert),
	    &sg->not_before)) != 0 ||
	    (r = cert_not_after(sg->cert, &sg->not_after)) != 0)
		return r;
	if (serial_from_asn1(X509_get0_serialNumber(sg->cert),
	    &sg->serial) != 0)
		return gf_fail(GF_ERR_POLICY, "%s: RFC 5280 4.1.2.2: serial "
		    "not positive or longer than 20 octets", what);
	return 0;
}

/* RFC 6960 4.2.2.2: issued by the CA itself, with id-kp-OCSPSigning. */
static int
delegated_check(const struct served_ca *ca, X509 *cert, EVP_PKEY *key,
    const char *path, time_t now)
{
	time_t not_before, not_after;
	int r;

	if (X509_check_issued(ca->cert, cert) != X509_V_OK ||
	    X509_verify(cert, X509_get0_pubkey(ca->cert)) != 1)
		return gf_fail(GF_ERR_POLICY, "%s was not issued by CA %s",
		    path, ca->name);
	if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(cert) & XKU_OCSP_SIGN))
		return gf_fail(GF_ERR_POLICY, "%s: RFC 6960 4.2.2.2: no "
		    "id-kp-OCSPSigning extended key usage (issue it with -t "
		    "ocsp)", path);
	if (X509_check_private_key(cert, key) != 1 || !key_signs_for(key, cert))
		return gf_fail(GF_ERR_POLICY, "%s: the key does not match the "
		    "certificate", path);
	if ((r = asn1_time_to_unix(X509_get0_notBefore(cert),
	    &not_before)) != 0 || (r = cert_not_after(cert, &not_after)) != 0)
		return r;
	if (now < not_before || now >= not_after)
		return gf_fail(GF_ERR_POLICY, "%s is not valid now", path);
	if (X509_get_ext_by_NID(cert, NID_id_pkix_OCSP_noCheck, -1) < 0)
		logger_warnx("%s: no id-pkix-ocsp-nocheck: clients may try to "
		    "check the responder certificate itself", path);
	return 0;
}

static int
signer_delegated(const struct served_ca *ca, const char *cert_path,
    const char *key_path, const struct passphrase *pass, time_t now,
    struct signer *out)
{
	struct signer sg;
	int r;

	memset(&sg, 0, sizeof(sg));
	if ((r = x509_load(cert_path, &sg.cert)) != 0) {
		r = gf_fail(r, "%s: %s", cert_path, gf_errmsg(r));
		goto out;
	}
	if ((r = key_load(key_path, pass, &sg.key)) != 0 ||
	    (r = delegated_check(ca, sg.cert, sg.key, cert_path, now)) != 0 ||
	    (r = signer_identity(&sg, cert_path)) != 0)
		goto out;
	sg.md = key_digest(sg.key);
	sg.delegated = 1;
	signer_prepare(&sg);
	*out = sg;
	memset(&sg, 0, sizeof(sg));
 out:
	signer_clear(&sg);
	return r;
}

/* The CA's own key from DIR/private/NAME.key, or its token. */
static int
signer_own(struct store *st, const struct ca *ca, const struct passphrase *pass,
    struct signer *out)
{
	struct signer sg;
	char *path;
	int r;

	memset(&sg, 0, sizeof(sg));
	if ((path = ca_key_path(st, ca)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!p11_is_uri(path) && !file_exists(path)) {
		r = gf_fail(GF_ERR_NOT_FOUND, "no signer: %s does not exist; "
		    "serve only the CAs that --signer-cert covers with --ca "
		    "NAME, or give this CA a responder with --signer "
		    "%s=CERT,KEY", path, ca->name);
		goto out;
	}
	if (pass == NULL && key_is_encrypted(path)) {
		r = gf_fail(GF_ERR_PASSPHRASE, "%s is encrypted: give "
		    "--passin, or a delegated responder with --signer-cert/"
		    "--signer-key", path);
		goto out;
	}
	/* A key left in private/ by another CA is refused there. */
	if ((r = ca_key_load(st, ca, pass, &sg.key)) != 0)
		goto out;
	sg.cert = ca->cert;
	X509_up_ref(sg.cert);
	if ((r = signer_identity(&sg, ca->name)) != 0)
		goto out;
	sg.md = key_digest(sg.key);
	signer_prepare(&sg);
	*out = sg;
	memset(&sg, 0, sizeof(sg));
 out:
	signer_clear(&sg);
	free(path);
	return r;
}

static const struct signer_spec *
spec_for(const struct caset_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nspecs; i++)
		if (strcmp(cfg->specs[i].ca, name) == 0)
			return &cfg->specs[i];
	return NULL;
}

/*
 * --signer NAME=... first; then --signer-cert when that CA issued it;
 * then the CA's own key.
 */
static int
signer_load(struct store *st, const struct caset_config *cfg,
    const struct ca *ca, struct served_ca *sc, int *used_cert, time_t now)
{
	const struct signer_spec *spec;
	X509 *cert = NULL;
	int r;

	if ((spec = spec_for(cfg, ca->name)) != NULL)
		return signer_delegated(sc, spec->cert, spec->key, cfg->pass,
		    now, &sc->signer);
	if (cfg->signer_cert != NULL) {
		if ((r = x509_load(cfg->signer_cert, &cert)) != 0)
			return gf_fail(r, "%s: %s", cfg->signer_cert,
			    gf_errmsg(r));
		r = X509_check_issued(ca->cert, cert) == X509_V_OK;
		X509_free(cert);
		if (r) {
			*used_cert = 1;
			return signer_delegated(sc, cfg->signer_cert,
			    cfg->signer_key, cfg->pass, now, &sc->signer);
		}
	}
	return signer_own(st, ca, cfg->pass, &sc->signer);
}

static const struct served_ca *
prev_ca(const struct caset *prev, const struct served_ca *sc)
{
	size_t i;

	for (i = 0; prev != NULL && i < prev->n; i++)
		if (prev->cas[i].id == sc->id &&
		    X509_cmp(prev->cas[i].cert, sc->cert) == 0)
			return &prev->cas[i];
	return NULL;
}

static int
served(const struct caset *cs, const char *name)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->cas[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * CA ca as its generation g signs (current: ca itself): its cert and key,
 * and in sc the range of certificate ids that key signed.
 */
static int
served_load(struct store *st, const struct caset_config *cfg,
    const struct ca *ca, const struct generation *g, int current,
    const struct caset *prev, struct served_ca *sc, int *used_cert,
    time_t now)
{
	const struct served_ca *old;
	struct ca *gen_ca = NULL;
	int r;

	if (!current) {
		if ((r = generation_ca(ca, g, &gen_ca)) != 0)
			return r;
		ca = gen_ca;
	}
	sc->id = ca->id;
	sc->first_cert = g->first_cert;
	sc->end_cert = g->end_cert;
	if ((sc->name = strdup(ca->name)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	sc->cert = ca->cert;
	X509_up_ref(sc->cert);
	if ((r = caset_hashes(sc)) != 0)
		goto out;
	/* Whether ca->revoked matters is health.c's to say and log. */
	r = signer_load(st, cfg, ca, sc, used_cert, now);
	/* After the privilege drop a key may be out of reach: keep ours. */
	if (r == GF_ERR_IO && (old = prev_ca(prev, sc)) != NULL) {
		logger_warnx("CA %s: %s; keeping the signer loaded before",
		    ca->name, gf_errmsg(r));
		gf_errclear();
		signer_copy(&sc->signer, &old->signer);
		r = 0;
	}
	if (r != 0)
		r = gf_fail(r, "CA %s: %s", ca->name, gf_errmsg(r));
 out:
	ca_free(gen_ca);
	return r;
}

/*
 * Every generation of ca (--rollover), the current one first, appended to
 * cs: one served CA each, matched by its key hash.  An older one whose
 * signer cannot be loaded is left out with a warning, not the whole set.
 */
static int
served_generations(struct store *st, const struct caset_config *cfg,
    const struct ca *ca, const struct caset *prev, struct caset *cs,
    int *used_cert, time_t now)
{
	struct generation *gens = NULL;
	struct served_ca *grown;
	size_t n = 0, j;
	int has, r;

	if ((r = store_has_table(st, "ca_generation", &has)) != 0 ||
	    (r = generation_list(st, ca, &gens, &n)) != 0)
		return r;
	if ((grown = reallocarray(cs->cas, cs->n + n, sizeof(*grown))) ==
	    NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	cs->cas = grown;
	for (j = n; j-- > 0;) {
		memset(&cs->cas[cs->n], 0, sizeof(cs->cas[0]));
		cs->cas[cs->n].generation = has ? gens[j].number : 0;
		r = served_load(st, cfg, ca, &gens[j], j + 1 == n, prev,
		    &cs->cas[cs->n++], used_cert, now);
		if (r != 0 && j + 1 == n)
			goto out;
		if (r != 0) {
			logger_warnx("%s generation %zu not served: %s",
			    ca->name, j + 1, gf_errmsg(r));
			gf_errclear();
			served_clear(&cs->cas[--cs->n]);
			r = 0;
		}
	}
 out:
	generation_free_all(gens, n);
	return r;
}

int
caset_load(struct store *st, const struct caset_config *cfg,
    const struct caset *prev, struct caset **out)
{
	static uint64_t next_gen;
	struct caset *cs = NULL;
	struct ca **cas = NULL;
	size_t n = 0, i;
	int used_cert = 0, r;
	time_t now = time(NULL);

	if ((r = cas_to_serve(st, cfg->names, &cas, &n)) != 0)
		return r;
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = served_generations(st, cfg, cas[i], prev, cs,
		    &used_cert, now)) != 0)
			goto out;
	if ((cs->health = health_new(cs->n)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if (cfg->signer_cert != NULL && !used_cert) {
		r = gf_fail(GF_ERR_POLICY, "%s was issued by none of the CAs "
		    "served", cfg->signer_cert);
		goto out;
	}
	for (i = 0; i < cfg->nspecs; i++)
		if (!served(cs, cfg->specs[i].ca)) {
			r = gf_fail(GF_ERR_USAGE, "--signer %s: not a CA "
			    "served", cfg->specs[i].ca);
			goto out;
		}
	/* Only the daemon's main thread loads; the counter needs no lock. */
	cs->gen = ++next_gen;
	cs->refs = 1;
	*out = cs;
	cs = NULL;
	r = 0;
 out:
	caset_free(cs);
	ca_free_all(cas, n);
	return r;
}
