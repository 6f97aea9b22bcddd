/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keybackup.c: a key split into shares and combined again, without a store. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/keybackup.h"
#include "genfic/keys.h"

#include "test.h"

/* A self-signed certificate of key, as small as encodes. */
static X509 *
cert_of(EVP_PKEY *key)
{
	X509 *cert;

	if ((cert = X509_new()) != NULL &&
	    (X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 86400) == NULL ||
	    X509_set_pubkey(cert, key) != 1 ||
	    X509_sign(cert, key, EVP_sha256()) <= 0)) {
		X509_free(cert);
		cert = NULL;
	}
	return cert;
}

/* Shares x of b, in that order, as a restore reads them. */
static void
restore_from(struct keyrestore *rs, struct keybackup *b, const int *xs,
    int n)
{
	int i;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < n; i++) {
		rs->ks[i] = b->ks;
		rs->ks[i].index = xs[i];
		rs->ks[i].data = keyshare_alloc(b->ks.len);
		CU_ASSERT_FATAL(rs->ks[i].data != NULL);
		memcpy(rs->ks[i].data, b->shares[xs[i] - 1], b->ks.len);
	}
	rs->n = n;
}

/*
 * 2 of 3: shares 3 and 1 rebuild the key; not for another certificate,
 * and not from a share with a byte flipped.
 */
static void
test_keybackup_split_combine(void)
{
	static const int xs[] = { 3, 1 };
	struct keybackup b;
	struct keyrestore rs;
	EVP_PKEY *key = NULL, *other = NULL, *back = NULL;
	X509 *cert = NULL, *other_cert = NULL;

	memset(&b, 0, sizeof(b));
	b.ks.count = 3;
	b.ks.threshold = 2;
	CU_ASSERT_FATAL(key_generate("ec:P-256", &key) == 0);
	CU_ASSERT_FATAL(key_generate("ec:P-256", &other) == 0);
	CU_ASSERT_FATAL((cert = cert_of(key)) != NULL);
	CU_ASSERT_FATAL((other_cert = cert_of(other)) != NULL);
	CU_ASSERT_FATAL(keybackup_identity(cert, &b.ks) == 0);
	CU_ASSERT_FATAL(keybackup_split(&b, key) == 0);

	restore_from(&rs, &b, xs, 2);
	CU_ASSERT(keyrestore_combine(&rs, cert, &back) == 0);
	CU_ASSERT(back != NULL && EVP_PKEY_eq(back, key) == 1);
	CU_ASSERT(rs.ks[0].data == NULL && rs.ks[1].data == NULL);
	keyrestore_clear(&rs);
	EVP_PKEY_free(back);
	back = NULL;

	restore_from(&rs, &b, xs, 2);
	CU_ASSERT(keyrestore_combine(&rs, other_cert, &back) ==
	    GF_ERR_POLICY && back == NULL);
	keyrestore_clear(&rs);

	/* In the private scalar: the public half still matches. */
	restore_from(&rs, &b, xs, 2);
	rs.ks[1].data[40] ^= 0x01;
	CU_ASSERT(keyrestore_combine(&rs, cert, &back) == GF_ERR_POLICY &&
	    back == NULL);
	/* The message says why: it reaches --restore-key's report. */
	CU_ASSERT(strstr(gf_errmsg(GF_ERR_POLICY), "a share is wrong") != NULL);
	keyrestore_clear(&rs);
	EVP_PKEY_free(back);
	back = NULL;

	restore_from(&rs, &b, xs, 2);
	rs.ks[1].data[b.ks.len - 1] ^= 0x01;	/* in the public key */
	CU_ASSERT(keyrestore_combine(&rs, cert, &back) == GF_ERR_POLICY &&
	    back == NULL);
	keyrestore_clear(&rs);

	gf_errclear();
	keybackup_clear(&b);
	X509_free(cert);
	X509_free(other_cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

int
test_keybackup_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("keybackup", NULL, NULL)) == NULL ||
	    CU_add_test(s, "split and combine",
	    test_keybackup_split_combine) == NULL)
		return -1;
	return 0;
}
