/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private keys: generation, encrypted PKCS#8 files, and (p11.c) tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/pass.h"

/*
 * scrypt with N = 2^14, r = 8, p = 1 (16 MiB) is what `openssl pkcs8
 * -scrypt` writes; OpenSSL refuses to decrypt with more than 32 MiB.
 */
#define KEY_SCRYPT_N	16384
#define KEY_SCRYPT_R	8
#define KEY_SCRYPT_P	1

#define KEY_RSA_MIN	2048
#define KEY_RSA_MAX	8192

static const char *const ec_curves[] = { "P-256", "P-384", "P-521", NULL };

/* Splits "rsa:3072" into the algorithm and its parameter. */
static int
key_type_parse(const char *type, const char **alg, const char **curve,
    size_t *bits)
{
	char *end;
	long n;
	size_t i;

	*curve = NULL;
	*bits = 0;
	if (strncmp(type, "rsa:", 4) == 0) {
		n = strtol(type + 4, &end, 10);
		if (end == type + 4 || *end != '\0' || n < KEY_RSA_MIN ||
		    n > KEY_RSA_MAX)
			return gf_fail(GF_ERR_USAGE, "'%s': RSA keys are "
			    "rsa:%d to rsa:%d", type, KEY_RSA_MIN, KEY_RSA_MAX);
		*alg = "RSA";
		*bits = (size_t)n;
		return 0;
	}
	if (strncmp(type, "ec:", 3) == 0) {
		for (i = 0; ec_curves[i] != NULL; i++)
			if (strcmp(type + 3, ec_curves[i]) == 0) {
				*alg = "EC";
				*curve = ec_curves[i];
				return 0;
			}
		return gf_fail(GF_ERR_USAGE, "'%s': EC keys are ec:P-256, "
		    "ec:P-384 or ec:P-521", type);
	}
	if (strcmp(type, "ed25519") == 0 || strcmp(type, "ed448") == 0) {
		*alg = strcmp(type, "ed25519") == 0 ? "ED25519" : "ED448";
		return 0;
	}
	return gf_fail(GF_ERR_USAGE, "'%s': unknown key type (rsa:BITS, "
	    "ec:P-256, ec:P-384, ec:P-521, ed25519, ed448)", type);
}

int
key_type_check(const char *type)
{
	const char *alg, *curve;
	size_t bits;

	return key_type_parse(type, &alg, &curve, &bits);
}

int
key_generate(const char *type, EVP_PKEY **out)
{
	const char *alg, *curve;
	EVP_PKEY *pkey;
	size_t bits;
	int r;

	if ((r = key_type_parse(type, &alg, &curve, &bits)) != 0)
		return r;
	if (bits != 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, alg, bits);
	else if (curve != NULL)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, alg, curve);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, alg);
	if (pkey == NULL)
		return gf_fail_crypto("generate %s key", type);
	*out = pkey;
	return 0;
}

/* PEM of the key, encrypted when pass is set, in a secure-heap BIO. */
static int
key_encode(EVP_PKEY *pkey, const struct passphrase *pass, BIO **out)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *sig = NULL;
	BIO *bio;
	int r = GF_ERR_LIBCRYPTO;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    (p8 = EVP_PKEY2PKCS8(pkey)) == NULL)
		goto out;
	if (pass == NULL) {
		if (!PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8))
			goto out;
	} else {
		if ((pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, 0,
		    NULL, KEY_SCRYPT_N, KEY_SCRYPT_R, KEY_SCRYPT_P)) == NULL ||
		    (sig = PKCS8_set0_pbe(pass->text, (int)pass->len, p8,
		    pbe)) == NULL)
			goto out;
		pbe = NULL;	/* owned by sig now */
		if (!PEM_write_bio_PKCS8(bio, sig))
			goto out;
	}
	*out = bio;
	bio = NULL;
	r = 0;
 out:
	if (r != 0)
		r = gf_fail_crypto("encode private key");
	X509_ALGOR_free(pbe);
	X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8);
	BIO_free(bio);
	return r;
}

static int
key_write(const char *path, EVP_PKEY *pkey, const struct passphrase *pass,
    int replace)
{
	BIO *bio = NULL;
	char *data;
	long len;
	int r;

	if ((r = key_encode(pkey, pass, &bio)) != 0)
		return r;
	len = BIO_get_mem_data(bio, &data);
	r = file_write_atomic(path, data, (size_t)len, 0600, replace);
	if (r == GF_ERR_EXISTS)
		r = gf_fail(r, "%s: a key file is already there; it is never "
		    "overwritten", path);
	else if (r != 0)
		r = gf_fail(r, "%s: %s", path, gf_errmsg(r));
	/* The encoding may hold the key in the clear (pass NULL). */
	if (len > 0)
		OPENSSL_cleanse(data, (size_t)len);
	BIO_free(bio);
	return r;
}

int
key_save(const char *path, EVP_PKEY *pkey, const struct passphrase *pass)
{
	return key_write(path, pkey, pass, 0);
}

int
key_replace(const char *path, EVP_PKEY *pkey, const struct passphrase *pass)
{
	return key_write(path, pkey, pass, 1);
}

static const char *
key_ref_path(const char *ref)
{
	return strncmp(ref, "file:", 5) == 0 ? ref + 5 : ref;
}

static int
key_pass_cb(char *buf, int size, int rwflag, void *arg)
{
	const struct passphrase *pass = arg;

	(void)rwflag;
	if (pass == NULL || pass->len == 0 || pass->len > (size_t)size)
		return -1;
	memcpy(buf, pass->text, pass->len);
	return (int)pass->len;
}

int
key_is_encrypted(const char *ref)
{
	unsigned char *data;
	size_t len;
	int enc;

	if (p11_is_uri(ref))
		return p11_needs_pin(ref);
	if (file_read(key_ref_path(ref), GF_MAX_INPUT_FILE, &data, &len) != 0) {
		gf_errclear();
		return 0;
	}
	enc = strstr((char *)data, "-----BEGIN ENCRYPTED PRIVATE KEY-----") !=
	    NULL;
	OPENSSL_cleanse(data, len);
	free(data);
	return enc;
}

int
key_load(const char *ref, const struct passphrase *pass, EVP_PKEY **out)
{
	const char *path = key_ref_path(ref);
	unsigned char *data = NULL;
	size_t len = 0;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int r;

	if (p11_is_uri(ref))
		return p11_load(ref, pass, out);
	if ((r = file_read(path, GF_MAX_INPUT_FILE, &data, &len)) != 0)
		return gf_fail(r, "key %s: %s", path, gf_errmsg(r));
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		r = gf_fail_crypto("key %s", path);
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, key_pass_cb,
	    (void *)pass, NULL, NULL);
	if (pkey == NULL) {
		gf_errclear();
		if (strstr((char *)data, "ENCRYPTED PRIVATE KEY") != NULL)
			r = gf_fail(GF_ERR_PASSPHRASE, "cannot decrypt the key: "
			    "wrong passphrase?");
		else
			r = gf_fail(GF_ERR_FORMAT, "%s: not a private key",
			    path);
		goto out;
	}
	*out = pkey;
	r = 0;
 out:
	BIO_free(bio);
	OPENSSL_cleanse(data, len);
	free(data);
	return r;
}

int
key_ec_curve(const EVP_PKEY *pkey)
{
	char name[64];

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, sizeof(name), NULL))
		return NID_undef;
	return OBJ_sn2nid(name);
}

void
key_describe(const EVP_PKEY *pkey, char *buf, size_t size)
{
	const char *nist;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		snprintf(buf, size, "RSA key of %d bits", EVP_PKEY_get_bits(pkey));
		break;
	case EVP_PKEY_EC:
		nist = EC_curve_nid2nist(key_ec_curve(pkey));
		snprintf(buf, size, "EC key on %s", nist != NULL ? nist :
		    OBJ_nid2sn(key_ec_curve(pkey)));
		break;
	case EVP_PKEY_ED25519:
		snprintf(buf, size, "Ed25519 key");
		break;
	case EVP_PKEY_ED448:
		snprintf(buf, size, "Ed448 key");
		break;
	default:
		snprintf(buf, size, "%s key", OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
	}
}

int
key_sign_failed(const EVP_PKEY *key, const char *what)
{
	int r;

	if ((r = p11_sign_gone(key)) != 0)
		return r;
	return gf_fail_crypto("%s", what);
}

const EVP_MD *
key_digest(const EVP_PKEY *pkey)
{
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return NULL;
	case EVP_PKEY_EC:
		switch (key_ec_curve(pkey)) {
		case NID_secp384r1:
			return EVP_sha384();
		case NID_secp521r1:
			return EVP_sha512();
		}
		break;
	}
	return EVP_sha256();
}

int
key_sign_setup(EVP_PKEY *key, EVP_MD_CTX **out)
{
	*out = NULL;
	if (EVP_PKEY_get0_provider(key) == NULL)
		return 0;
	if ((*out = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(*out, NULL, key_digest(key), NULL, key) != 1) {
		EVP_MD_CTX_free(*out);
		*out = NULL;
		return gf_fail_crypto("signing context");
	}
	return 0;
}

EVP_MD_CTX *
key_sign_copy(const EVP_MD_CTX *ready)
{
	EVP_MD_CTX *ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (EVP_MD_CTX_copy_ex(ctx, ready) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	/* Used once: the signature need not leave it usable. */
	EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
	return ctx;
}

int
key_signs_for(EVP_PKEY *key, X509 *cert)
{
	unsigned char msg[32], sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx;
	int ok;

	if (RAND_bytes(msg, sizeof(msg)) != 1 || (ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_reset(ctx);
	ok = ok && EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL,
	    X509_get0_pubkey(cert), NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

