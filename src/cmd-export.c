/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -E VALUE: a certificate as PEM or DER, with its chain, as PKCS#12 with
 * its key, or (--format trust) the store's CA certificates as a directory
 * that update-ca-certificates and openssl -CApath accept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/* PKCS#12: PBKDF2 (HMAC-SHA-256) iterations for the key, the certificates and the MAC. */
#define EXPORT_P12_ITER		200000

struct export {
	struct cli		*cli;
	struct store		*st;
	X509			*cert;
	int64_t			 ca_id;		/* its issuer */
	STACK_OF(X509)		*chain;		/* issuers, nearest first */
	BIO			*out;		/* what -o or stdout gets */
	struct cli_out		 dest;		/* -o */
	struct cert_ref		 refs[CLI_MAX_MATCHES];	/* what -E VALUE named */
	size_t			 nrefs;
};

static int
export_p12(struct export *e)
{
	struct passphrase in = { 0 }, out = { 0 };
	EVP_PKEY *key = NULL;
	PKCS12 *p12 = NULL;
	char *name = NULL;
	int r;

	pass_clear(&in);
	pass_clear(&out);
	if (e->cli->key == NULL)
		return gf_fail(GF_ERR_USAGE, "--format p12 needs --key FILE, the "
		    "certificate's private key");
	if (key_is_encrypted(e->cli->key) &&
	    (r = pass_get(e->cli->passin, "Passphrase of the key: ", 0,
	    e->cli->batch, &in)) != 0)
		return r;
	if ((r = key_load(e->cli->key, in.len > 0 ? &in : NULL, &key)) != 0)
		goto out;
	/* The public half alone may match a key whose private half does not. */
	if (X509_check_private_key(e->cert, key) != 1 ||
	    !key_signs_for(key, e->cert)) {
		gf_errclear();
		r = gf_fail(GF_ERR_POLICY, "%s is not the key of this "
		    "certificate", e->cli->key);
		goto out;
	}
	if ((r = pass_get(e->cli->passout, "Passphrase of the PKCS#12 file: ",
	    1, e->cli->batch, &out)) != 0)
		goto out;
	name = dn_get_text(X509_get_subject_name(e->cert), NID_commonName);
	/* AES-256-CBC under PBKDF2 for both bags, not RC2 or 3DES. */
	if ((p12 = PKCS12_create(out.text, name, key, e->cert, e->chain,
	    NID_aes_256_cbc, NID_aes_256_cbc, EXPORT_P12_ITER, -1, 0)) == NULL ||
	    !PKCS12_set_mac(p12, out.text, -1, NULL, 0, EXPORT_P12_ITER,
	    EVP_sha256()) || !i2d_PKCS12_bio(e->out, p12))
		r = gf_fail_crypto("PKCS#12");
 out:
	pass_clear(&in);
	pass_clear(&out);
	free(name);
	PKCS12_free(p12);
	EVP_PKEY_free(key);
	return r;
}

static int
export_certs(struct export *e, const char *format)
{
	int i, ok;

	if (strcmp(format, "der") == 0)
		ok = i2d_X509_bio(e->out, e->cert);
	else
		ok = PEM_write_bio_X509(e->out, e->cert);
	for (i = 0; ok && strcmp(format, "chain") == 0 &&
	    i < sk_X509_num(e->chain); i++)
		ok = PEM_write_bio_X509(e->out, sk_X509_value(e->chain, i));
	return ok ? 0 : gf_fail_crypto("encode certificate");
}

/*
 * Writes what was collected in e->out to -o or stdout; a PKCS#12 file
 * holds a private key, so it is created 0600.
 */
static int
export_flush(struct export *e, int secret)
{
	char *data;
	long len = BIO_get_mem_data(e->out, &data);

	/* A private key's file is 0600 from its creation. */
	e->dest.mode = secret ? 0600 : 0644;
	return cli_output_write(&e->dest, data, (size_t)len);
}

/* The certificate -E names (under -p CA when given) and its issuers. */
static int
export_load(struct export *e)
{
	struct ca *ca = NULL;
	int r;

	if ((e->cli->parent != NULL && (r = ca_load(e->st, e->cli->parent,
	    &ca)) != 0) ||
	    (r = cli_find_cert(e->st, ca, e->cli->arg, e->refs,
	    &e->nrefs)) != 0 ||
	    (r = certdb_load(e->st, e->refs[0].id, &e->cert, &e->ca_id)) != 0)
		goto out;
	r = generation_chain(e->st, e->ca_id, e->cert, e->cli->with_root,
	    &e->chain);
 out:
	ca_free(ca);
	return r;
}

/*
 * HASH.N -> file, as openssl rehash links it: the first N whose link is
 * free, or already points to file (an export made again).  A link of
 * another certificate with the same subject hash is left alone.
 */
static int
export_link(const char *dir, unsigned long hash, const char *file)
{
	char link[32], target[256], *path = NULL;
	ssize_t n;
	int i, r = 0;

	for (i = 0; i < 100; i++) {
		snprintf(link, sizeof(link), "%08lx.%d", hash, i);
		free(path);
		if ((path = file_join(dir, link)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		if ((n = readlink(path, target, sizeof(target) - 1)) >= 0) {
			target[n] = '\0';
			if (strcmp(target, file) == 0)
				goto out;
			continue;
		}
		if (errno != ENOENT)
			continue;	/* not a link: taken */
		if (symlink(file, path) == 0)
			goto out;
		if (errno != EEXIST) {
			r = gf_fail(GF_ERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
	}
	r = gf_fail(GF_ERR_EXISTS, "%s: %08lx.0 to .99 are taken", dir, hash);
 out:
	free(path);
	return r;
}

/* -E all|CA --format trust -o DIR: NAME.crt per CA and HASH.N links. */
static int
export_trust(struct export *e)
{
	struct ca **cas = NULL;
	char *path = NULL, *pem = NULL;
	size_t len, n = 0, i;
	int r;

	if (e->cli->output == NULL)
		return gf_fail(GF_ERR_USAGE, "--format trust needs -o DIR");
	if ((r = ca_load_with_issuers(e->st, e->cli->arg, &cas, &n)) != 0 ||
	    (r = file_mkdir(e->cli->output, 0755)) != 0 ||
	    (r = cli_output_dir_open(e->cli->output)) != 0)
		goto out;
	for (i = 0; r == 0 && i < n; i++) {
		if ((r = x509_to_pem(cas[i]->cert, &pem, &len)) != 0)
			break;
		if (asprintf(&path, "%s/%s.crt", e->cli->output,
		    cas[i]->name) == -1) {
			path = NULL;
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
		} else if ((r = file_write_atomic(path, pem, len, 0644,
		    1)) == 0)
			r = export_link(e->cli->output,
			    X509_subject_name_hash(cas[i]->cert),
			    strrchr(path, '/') + 1);
		free(path);
		free(pem);
		path = pem = NULL;
	}
 out:
	ca_free_all(cas, n);
	return r;
}

int
cmd_export(struct cli *cli)
{
	static const char *const formats[] = { "pem", "der", "chain", "p12",
	    "trust", NULL };
	const char *format = cli->format != NULL ? cli->format : "pem";
	struct export e;
	size_t i;
	int r;

	for (i = 0; formats[i] != NULL && strcmp(formats[i], format) != 0; i++)
		;
	if (formats[i] == NULL) {
		fprintf(stderr, "%s: -E: --format is pem, der, chain, p12 or "
		    "trust\n", gf_progname);
		return EXIT_USAGE;
	}
	memset(&e, 0, sizeof(e));
	e.cli = cli;
	if ((r = store_open(cli->dir, GF_STORE_READONLY, &e.st)) != 0)
		goto out;
	if (strcmp(format, "trust") == 0) {
		r = export_trust(&e);
		goto out;
	}
	if ((r = cli_output_open(&e.dest, cli->output, cli->force)) != 0 ||
	    (r = export_load(&e)) != 0)
		goto out;
	if ((e.out = BIO_new(BIO_s_secmem())) == NULL) {
		r = gf_fail_crypto("output");
		goto out;
	}
	if ((r = strcmp(format, "p12") == 0 ? export_p12(&e) :
	    export_certs(&e, format)) == 0)
		r = export_flush(&e, strcmp(format, "p12") == 0);
 out:
	if (r != 0) {
		gf_report(cli->arg, r);
		if (e.nrefs > 1)
			cli_list_matches(e.refs, e.nrefs);
	}
	BIO_free(e.out);
	cli_output_close(&e.dest);
	X509_free(e.cert);
	sk_X509_pop_free(e.chain, X509_free);
	store_free(e.st);
	return cli_exit_status(r);
}
