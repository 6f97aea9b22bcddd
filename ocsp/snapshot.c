/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published snapshots (genfic-ca --publish -p CA): MANIFEST lists the
 * SHA-256 of every file, MANIFEST.sig is a detached CMS signature of it.
 * A snapshot is served only when the signature chains to the anchor
 * pinned with --snapshot-trust (certificates inside the snapshot, the one
 * in the signature included, are never trusted on their own) and every
 * file matches the manifest, none missing, none extra.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/manifest.h"
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

static int
verify_signature(const char *dir, X509_STORE *trust, const unsigned char *text,
    size_t len, time_t *signed_at)
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
		    "CA to sign the snapshot)");
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
	if (!CMS_verify(cms, NULL, trust, content, NULL, CMS_BINARY)) {
		r = gf_fail_crypto(MANIFEST_SIG_NAME ": does not verify "
		    "against --snapshot-trust");
		goto out;
	}
	*signed_at = signing_time(cms);
 out:
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(sig);
	return r;
}

int
snapshot_verify(const char *dir, X509_STORE *trust, time_t *signed_at,
    struct manifest_files *files)
{
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
		r = verify_signature(dir, trust, text, len, signed_at);
	if (r == 0)
		r = manifest_check(dir, (const char *)text, len, files);
	free(text);
	return r;
}
