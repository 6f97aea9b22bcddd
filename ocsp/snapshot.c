/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published snapshots (genfic-ca --publish): MANIFEST lists the SHA-256
 * of every file, MANIFEST.sig is a detached CMS signature of it, by a CA
 * (-p CA) or by a dedicated publication certificate (--publish-key).  A
 * snapshot is served only when the signature chains to the anchor pinned
 * with --snapshot-trust (certificates inside the snapshot or the
 * signature are never trusted on their own), the signer is a CA or has
 * the publication extendedKeyUsage, every file matches the manifest,
 * none missing, none extra, and no certificate of the chain (but the
 * anchor) is revoked in the snapshot's own store, nor, at --install, in
 * the store of the snapshot installed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/manifest.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "ocspd-local.h"

#define SIG_MAX		(256 * 1024)
#define TRUST_MAX	(1024 * 1024)

int
snapshot_trust_load(const char *path, X509_STORE **out)
{
	X509_STORE *store;
	X509_INFO *xi;
	STACK_OF(X509_INFO) *infos = NULL;
	BIO *bio;
	int i, n = 0, r = 0;

	if ((store = X509_STORE_new()) == NULL)
		return gf_fail_crypto("trust store");
	if ((bio = BIO_new_file(path, "r")) == NULL ||
	    (infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL)) == NULL) {
		gf_errclear();
		r = gf_fail(GF_ERR_FORMAT, "%s: cannot read PEM certificates",
		    path);
		goto out;
	}
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL && X509_STORE_add_cert(store, xi->x509))
			n++;
	}
	if (n == 0) {
		r = gf_fail(GF_ERR_FORMAT, "%s: no certificate", path);
		goto out;
	}
	/* A CA certificate signs the manifest: no S/MIME key usage. */
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	*out = store;
	store = NULL;
 out:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	X509_STORE_free(store);
	return r;
}

/* The signingTime of the first SignerInfo, or 0. */
static time_t
signing_time(CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si;
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *t;
	time_t out = 0;
	int i;

	if (sis == NULL || sk_CMS_SignerInfo_num(sis) < 1)
		return 0;
	si = sk_CMS_SignerInfo_value(sis, 0);
	if ((i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)) <
	    0 || (attr = CMS_signed_get_attr(si, i)) == NULL ||
	    (t = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL)
		return 0;
	if ((t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
	    asn1_time_to_unix((const ASN1_TIME *)t->value.asn1_string, &out) !=
	    0)
		out = 0;
	return out;
}

/*
 * The chain from signer to an anchor of trust, the certificates the
 * signature carries as intermediates only.  Checked at the current time,
 * so an expired or not yet valid certificate is refused.
 */
static int
signer_chain(CMS_ContentInfo *cms, X509 *signer, X509_STORE *trust,
    STACK_OF(X509) **chain)
{
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509_STORE_CTX *ctx;
	char *who;
	int r = 0;

	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, trust, signer, certs)) {
		r = gf_fail_crypto("signer chain");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		who = dn_format(X509_get_subject_name(
		    X509_STORE_CTX_get_current_cert(ctx) != NULL ?
		    X509_STORE_CTX_get_current_cert(ctx) : signer));
		r = gf_fail(GF_ERR_POLICY, MANIFEST_SIG_NAME ": does not verify "
		    "against --snapshot-trust: %s: %s", who != NULL ? who :
		    "signer", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		free(who);
		ERR_clear_error();
		goto out;
	}
	*chain = X509_STORE_CTX_get1_chain(ctx);
 out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

/* The one signer of cms, checked: its chain to trust, its purpose. */
static int
verify_signer(CMS_ContentInfo *cms, X509_STORE *trust, STACK_OF(X509) **chain)
{
	STACK_OF(X509) *signers;
	char *who;
	int r;

	if ((signers = CMS_get0_signers(cms)) == NULL ||
	    sk_X509_num(signers) != 1) {
		sk_X509_free(signers);
		return gf_fail(GF_ERR_FORMAT, MANIFEST_SIG_NAME ": not exactly "
		    "one signer");
	}
	if ((r = signer_chain(cms, sk_X509_value(signers, 0), trust,
	    chain)) == 0 &&
	    (r = manifest_signer_check(sk_X509_value(signers, 0))) != 0) {
		who = dn_format(X509_get_subject_name(sk_X509_value(signers,
		    0)));
		r = gf_fail(r, MANIFEST_SIG_NAME ": signer %s: %s", who != NULL ?
		    who : "", gf_errmsg(r));
		free(who);
		sk_X509_pop_free(*chain, X509_free);
		*chain = NULL;
	}
	sk_X509_free(signers);
	return r;
}

/*
 * MANIFEST.sig signs text: the signature itself, then its signer (in
 * *chain, up to the anchor).
 */
static int
verify_signature(const char *dir, X509_STORE *trust, const unsigned char *text,
    size_t len, time_t *signed_at, STACK_OF(X509) **chain)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *sig = NULL;
	const unsigned char *p;
	char *path;
	size_t slen;
	BIO *content = NULL;
	int r;

	if ((path = file_join(dir, MANIFEST_SIG_NAME)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_read(path, SIG_MAX, &sig, &slen);
	free(path);
	if (r == GF_ERR_NOT_FOUND)
		r = gf_fail(r, MANIFEST_SIG_NAME ": missing (publish with -p "
		    "CA or --publish-key to sign the snapshot)");
	if (r != 0)
		return r;
	p = sig;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)slen)) == NULL ||
	    p != sig + slen) {
		gf_errclear();
		r = gf_fail(GF_ERR_FORMAT, MANIFEST_SIG_NAME ": not a DER CMS "
		    "signature");
		goto out;
	}
	if ((content = BIO_new_mem_buf(text, (int)len)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	/* The chain is built next, with the certificates as intermediates. */
	if (!CMS_verify(cms, NULL, trust, content, NULL, CMS_BINARY |
	    CMS_NO_SIGNER_CERT_VERIFY)) {
		r = gf_fail_crypto(MANIFEST_SIG_NAME ": does not verify "
		    "against --snapshot-trust");
		goto out;
	}
	if ((r = verify_signer(cms, trust, chain)) != 0)
		goto out;
	*signed_at = signing_time(cms);
 out:
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(sig);
	return r;
}

/*
 * Every certificate of chain but the anchor, looked up in the store of
 * dir: a publication certificate (or a CA) revoked there signs nothing.
 * With known set, each must be there (the snapshot's own store); else one
 * issued since (the store installed before) passes.
 */
static int
chain_unrevoked(const char *dir, STACK_OF(X509) *chain, int known)
{
	struct store *st = NULL;
	char *who;
	int i, r;

	if ((r = store_open_ro(dir, GF_STORE_RO_FILES | GF_STORE_IMMUTABLE, 0,
	    &st)) != 0)
		return r;
	for (i = 0; r == 0 && i < sk_X509_num(chain) - 1; i++) {
		if ((r = manifest_cert_unrevoked(st,
		    sk_X509_value(chain, i))) == 0)
			continue;
		if (r == GF_ERR_NOT_FOUND && !known) {
			gf_errclear();
			r = 0;
			continue;
		}
		who = dn_format(X509_get_subject_name(sk_X509_value(chain,
		    i)));
		r = gf_fail(r, MANIFEST_SIG_NAME ": signed by %s, %s in %s",
		    who != NULL ? who : "", gf_errmsg(r), dir);
		free(who);
	}
	store_free(st);
	return r;
}

int
snapshot_verify_with(const char *dir, X509_STORE *trust,
    const char *installed, time_t *signed_at, struct manifest_files *files)
{
	STACK_OF(X509) *chain = NULL;
	unsigned char *text = NULL;
	char *path;
	size_t len;
	int r;

	*signed_at = 0;
	if ((path = file_join(dir, MANIFEST_NAME)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_read(path, MANIFEST_MAX, &text, &len);
	free(path);
	if (r == GF_ERR_NOT_FOUND)
		r = gf_fail(r, MANIFEST_NAME ": missing (not a snapshot of "
		    "genfic-ca --publish)");
	if (r == 0)
		r = verify_signature(dir, trust, text, len, signed_at, &chain);
	if (r == 0)
		r = manifest_check(dir, (const char *)text, len, files);
	/* Only now is the snapshot's own store known to be authentic. */
	if (r == 0)
		r = chain_unrevoked(dir, chain, 1);
	if (r == 0 && installed != NULL)
		r = chain_unrevoked(installed, chain, 0);
	if (r != 0 && files != NULL)
		manifest_files_clear(files);
	sk_X509_pop_free(chain, X509_free);
	free(text);
	return r;
}

int
snapshot_verify(const char *dir, X509_STORE *trust, time_t *signed_at,
    struct manifest_files *files)
{
	return snapshot_verify_with(dir, trust, NULL, signed_at, files);
}
