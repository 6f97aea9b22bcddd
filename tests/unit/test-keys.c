/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keys.c: generation, encrypted PKCS#8 files, loading, key types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/pass.h"

#include "test.h"

static const struct key_case {
	const char	*type;
	int		 base_id;
	int		 bits;		/* 0: not checked */
	int		 digest;	/* NID_undef: EdDSA signs without one */
} key_cases[] = {
	{ "rsa:2048", EVP_PKEY_RSA, 2048, NID_sha256 },
	{ "ec:P-256", EVP_PKEY_EC, 256, NID_sha256 },
	{ "ec:P-384", EVP_PKEY_EC, 384, NID_sha384 },
	{ "ec:P-521", EVP_PKEY_EC, 521, NID_sha512 },
	{ "ed25519", EVP_PKEY_ED25519, 0, NID_undef },
	{ "ed448", EVP_PKEY_ED448, 0, NID_undef },
};
#define NKEYS	(sizeof(key_cases) / sizeof(key_cases[0]))

/* Generated once for the suite: RSA generation is slow under ASan. */
static EVP_PKEY *keys[NKEYS];
static char *keydir;

static int
keys_init(void)
{
	size_t i;

	if ((keydir = test_tmpdir()) == NULL)
		return -1;
	for (i = 0; i < NKEYS; i++)
		if (key_generate(key_cases[i].type, &keys[i]) != 0)
			return -1;
	return 0;
}

static int
keys_cleanup(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		EVP_PKEY_free(keys[i]);
		keys[i] = NULL;
	}
	test_rmtree(keydir);
	keydir = NULL;
	return 0;
}

static void
set_pass(struct passphrase *pass, const char *text)
{
	memset(pass, 0, sizeof(*pass));
	pass->len = strlen(text);
	if ((pass->text = OPENSSL_secure_zalloc(GF_PASS_SIZE)) == NULL)
		abort();
	memcpy(pass->text, text, pass->len);
}

static void
test_keys_generate(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key_case *t = &key_cases[i];

		CHECK_ROW(keys[i] != NULL, t->type);
		if (keys[i] == NULL)
			continue;
		CHECK_ROW(EVP_PKEY_get_base_id(keys[i]) == t->base_id, t->type);
		CHECK_ROW(t->bits == 0 || EVP_PKEY_get_bits(keys[i]) == t->bits,
		    t->type);
	}
}

/*
 * Checks that the PEM file is PBES2 with scrypt (N = 2^14, r = 8, p = 1)
 * and AES-256-CBC, by decoding the AlgorithmIdentifier.
 */
static int
file_uses_scrypt(const char *path)
{
	/* id-scrypt, 1.3.6.1.4.1.11591.4.11, as DER. */
	static const unsigned char scrypt_oid[] = { 0x06, 0x09, 0x2b, 0x06,
	    0x01, 0x04, 0x01, 0xda, 0x47, 0x04, 0x0b };
	const X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	const void *pval;
	const ASN1_STRING *seq;
	const unsigned char *p;
	PBE2PARAM *pbe2 = NULL;
	SCRYPT_PARAMS *sp = NULL;
	X509_SIG *sig = NULL;
	unsigned char *der = NULL;
	BIO *bio;
	int ptype, derlen, ok = 0;

	if ((bio = BIO_new_file(path, "r")) == NULL)
		return 0;
	sig = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (sig == NULL)
		goto out;
	if ((derlen = i2d_X509_SIG(sig, &der)) <= 0 ||
	    memmem(der, (size_t)derlen, scrypt_oid, sizeof(scrypt_oid)) == NULL)
		goto out;
	X509_SIG_get0(sig, &alg, NULL);
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (OBJ_obj2nid(obj) != NID_pbes2 || ptype != V_ASN1_SEQUENCE)
		goto out;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	if ((pbe2 = d2i_PBE2PARAM(NULL, &p, ASN1_STRING_length(seq))) == NULL)
		goto out;
	if (OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_scrypt ||
	    OBJ_obj2nid(pbe2->encryption->algorithm) != NID_aes_256_cbc)
		goto out;
	X509_ALGOR_get0(&obj, &ptype, &pval, pbe2->keyfunc);
	if (ptype != V_ASN1_SEQUENCE)
		goto out;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	if ((sp = d2i_SCRYPT_PARAMS(NULL, &p, ASN1_STRING_length(seq))) == NULL)
		goto out;
	ok = ASN1_INTEGER_get(sp->costParameter) == 16384 &&
	    ASN1_INTEGER_get(sp->blockSize) == 8 &&
	    ASN1_INTEGER_get(sp->parallelizationParameter) == 1;
 out:
	SCRYPT_PARAMS_free(sp);
	PBE2PARAM_free(pbe2);
	OPENSSL_free(der);
	X509_SIG_free(sig);
	ERR_clear_error();
	return ok;
}

static void
test_keys_encrypted(void)
{
	struct passphrase pass, wrong;
	struct stat sb;
	EVP_PKEY *loaded;
	char *path, *ref, *data, name[64];
	size_t i;
	int r;

	set_pass(&pass, "correct horse battery staple");
	set_pass(&wrong, "correct horse battery stapler");
	for (i = 0; i < NKEYS; i++) {
		const struct key_case *t = &key_cases[i];

		if (keys[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "enc-%zu.key", i);
		path = test_path(keydir, name);
		CHECK_ROW(key_save(path, keys[i], &pass) == 0, t->type);
		CHECK_ROW(stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (sb.st_mode & 07777) == 0600, t->type);
		data = test_read_file(path, NULL);
		CHECK_ROW(data != NULL &&
		    strstr(data, "-----BEGIN ENCRYPTED PRIVATE KEY-----") !=
		    NULL && strstr(data, "BEGIN PRIVATE KEY") == NULL, t->type);
		free(data);
		CHECK_ROW(key_is_encrypted(path), t->type);
		CHECK_ROW(file_uses_scrypt(path), t->type);

		loaded = NULL;
		CHECK_ROW(key_load(path, &pass, &loaded) == 0, t->type);
		CHECK_ROW(loaded != NULL && EVP_PKEY_eq(loaded, keys[i]) == 1,
		    t->type);
		EVP_PKEY_free(loaded);

		/* The "file:" form of a reference names the same file. */
		if (asprintf(&ref, "file:%s", path) == -1)
			abort();
		loaded = NULL;
		CHECK_ROW(key_load(ref, &pass, &loaded) == 0 &&
		    loaded != NULL && EVP_PKEY_eq(loaded, keys[i]) == 1,
		    t->type);
		EVP_PKEY_free(loaded);
		CHECK_ROW(key_is_encrypted(ref), t->type);
		free(ref);

		loaded = NULL;
		gf_errclear();
		r = key_load(path, &wrong, &loaded);
		CHECK_ROW(r == GF_ERR_PASSPHRASE && loaded == NULL, t->type);
		CHECK_ERRMSG(r, "wrong passphrase", t->type);

		loaded = NULL;
		r = key_load(path, NULL, &loaded);
		CHECK_ROW(r == GF_ERR_PASSPHRASE && loaded == NULL, t->type);
		free(path);
	}
	pass_clear(&pass);
	pass_clear(&wrong);
}

static void
test_keys_plain(void)
{
	struct stat sb;
	EVP_PKEY *loaded;
	char *path, *data, name[64];
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key_case *t = &key_cases[i];

		if (keys[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "plain-%zu.key", i);
		path = test_path(keydir, name);
		CHECK_ROW(key_save(path, keys[i], NULL) == 0, t->type);
		CHECK_ROW(stat(path, &sb) == 0 &&
		    (sb.st_mode & 07777) == 0600, t->type);
		data = test_read_file(path, NULL);
		CHECK_ROW(data != NULL &&
		    strstr(data, "-----BEGIN PRIVATE KEY-----") != NULL &&
		    strstr(data, "ENCRYPTED") == NULL, t->type);
		free(data);
		CHECK_ROW(!key_is_encrypted(path), t->type);
		loaded = NULL;
		CHECK_ROW(key_load(path, NULL, &loaded) == 0 && loaded != NULL &&
		    EVP_PKEY_eq(loaded, keys[i]) == 1, t->type);
		EVP_PKEY_free(loaded);
		free(path);
	}
}

/* key_save never replaces a file, and leaves it as it was. */
static void
test_keys_no_overwrite(void)
{
	static const char before[] = "an existing key file\n";
	struct passphrase pass;
	struct stat sb;
	char *path, *data;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(keys[1]);
	set_pass(&pass, "passphrase");
	path = test_path(keydir, "existing.key");
	CU_ASSERT_EQUAL(test_write_file(path, before, sizeof(before) - 1), 0);
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	gf_errclear();
	CU_ASSERT_EQUAL(key_save(path, keys[1], &pass), GF_ERR_EXISTS);
	CHECK_ERRMSG(GF_ERR_EXISTS, "never overwritten", "encrypted");
	CU_ASSERT_EQUAL(key_save(path, keys[1], NULL), GF_ERR_EXISTS);
	data = test_read_file(path, &len);
	CU_ASSERT(data != NULL && len == sizeof(before) - 1 &&
	    memcmp(data, before, len) == 0);
	free(data);
	CU_ASSERT(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0640);
	CU_ASSERT_EQUAL(test_count_names(keydir, ".tmp-"), 0);
	free(path);
	pass_clear(&pass);
}

static void
test_keys_load_errors(void)
{
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nnot base64\n"
	    "-----END PRIVATE KEY-----\n";
	struct passphrase pass;
	EVP_PKEY *loaded = NULL;
	char *path;

	set_pass(&pass, "passphrase");
	CU_ASSERT_EQUAL(key_load("/nonexistent/genfic.key", &pass, &loaded),
	    GF_ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(key_is_encrypted("/nonexistent/genfic.key"), 0);
	path = test_path(keydir, "junk.key");
	CU_ASSERT_EQUAL(test_write_file(path, junk, sizeof(junk) - 1), 0);
	CU_ASSERT_EQUAL(key_load(path, &pass, &loaded), GF_ERR_FORMAT);
	CU_ASSERT_PTR_NULL(loaded);
	free(path);
	pass_clear(&pass);
}

static const struct type_case {
	const char	*type;
	int		 ok;
} type_cases[] = {
	{ "rsa:2048", 1 }, { "rsa:3072", 1 }, { "rsa:8192", 1 },
	{ "ec:P-256", 1 }, { "ec:P-384", 1 }, { "ec:P-521", 1 },
	{ "ed25519", 1 }, { "ed448", 1 },
	{ "rsa:1024", 0 }, { "rsa:2047", 0 }, { "rsa:8193", 0 },
	{ "rsa:9000", 0 }, { "rsa:", 0 }, { "rsa:2048x", 0 }, { "rsa", 0 },
	{ "rsa:-2048", 0 }, { "ec:P-1", 0 }, { "ec:", 0 },
	{ "ec:secp256k1", 0 }, { "ec:p-256", 0 }, { "dsa:2048", 0 },
	{ "", 0 }, { "ed25519:1", 0 }, { "x25519", 0 }, { "RSA:2048", 0 },
};

static void
test_keys_type_check(void)
{
	EVP_PKEY *pkey;
	size_t i;
	int r;

	for (i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++) {
		const struct type_case *t = &type_cases[i];

		gf_errclear();
		r = key_type_check(t->type);
		CHECK_ROW(t->ok ? r == 0 : r == GF_ERR_USAGE, t->type);
		if (t->ok)
			continue;
		CHECK_ERRMSG(r, t->type, t->type);
		/* key_generate() refuses the same types. */
		pkey = NULL;
		CHECK_ROW(key_generate(t->type, &pkey) == GF_ERR_USAGE &&
		    pkey == NULL, t->type);
	}
}

static void
test_keys_digest(void)
{
	const EVP_MD *md;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key_case *t = &key_cases[i];

		if (keys[i] == NULL)
			continue;
		md = key_digest(keys[i]);
		if (t->digest == NID_undef)
			CHECK_ROW(md == NULL, t->type);
		else
			CHECK_ROW(md != NULL && EVP_MD_get_type(md) == t->digest,
			    t->type);
	}
}

static const struct describe_case {
	size_t		 key;		/* index into key_cases */
	const char	*want;
	int		 curve;
} describe_cases[] = {
	{ 0, "RSA key of 2048 bits", NID_undef },
	{ 1, "EC key on P-256", NID_X9_62_prime256v1 },
	{ 2, "EC key on P-384", NID_secp384r1 },
	{ 3, "EC key on P-521", NID_secp521r1 },
	{ 4, "Ed25519 key", NID_undef },
	{ 5, "Ed448 key", NID_undef },
};

static void
test_keys_describe(void)
{
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(describe_cases) / sizeof(describe_cases[0]);
	    i++) {
		const struct describe_case *t = &describe_cases[i];

		if (keys[t->key] == NULL)
			continue;
		key_describe(keys[t->key], buf, sizeof(buf));
		CHECK_ROW(strcmp(buf, t->want) == 0, t->want);
		CHECK_ROW(key_ec_curve(keys[t->key]) == t->curve, t->want);
	}
}

int
test_keys_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("keys", keys_init, keys_cleanup)) == NULL ||
	    CU_add_test(s, "key_generate", test_keys_generate) == NULL ||
	    CU_add_test(s, "encrypted save and load",
	    test_keys_encrypted) == NULL ||
	    CU_add_test(s, "unencrypted save and load",
	    test_keys_plain) == NULL ||
	    CU_add_test(s, "no overwrite", test_keys_no_overwrite) == NULL ||
	    CU_add_test(s, "load errors", test_keys_load_errors) == NULL ||
	    CU_add_test(s, "key_type_check", test_keys_type_check) == NULL ||
	    CU_add_test(s, "key_digest", test_keys_digest) == NULL ||
	    CU_add_test(s, "key_describe and key_ec_curve",
	    test_keys_describe) == NULL)
		return -1;
	return 0;
}
