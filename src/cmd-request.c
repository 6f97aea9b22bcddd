/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -R PATH: the requester's side, a new key PATH.key and CSR PATH.req. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/policy.h"
#include "genfic/template.h"
#include "cli.h"

/* --subject, else CN = the last component of PATH. */
static int
request_subject(const struct cli *cli, X509_NAME **subject)
{
	X509_NAME *name;
	char *copy;
	int ok, r;

	if (cli->subject != NULL) {
		if ((r = dn_parse(cli->subject, &name)) != 0)
			return r;
		goto check;
	}
	if ((copy = strdup(cli->arg)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	ok = (name = X509_NAME_new()) != NULL &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (unsigned char *)basename(copy), -1, -1, 0);
	free(copy);
	if (!ok) {
		X509_NAME_free(name);
		return gf_fail_crypto("subject");
	}
 check:
	/* A request no CA would sign is not written. */
	if ((r = policy_check_name(name)) != 0) {
		X509_NAME_free(name);
		return gf_fail(r, "%s: %s", cli->subject != NULL ? "--subject" :
		    "the subject made of PATH", gf_errmsg(r));
	}
	*subject = name;
	return 0;
}

/*
 * PATH names two files, PATH.key and PATH.req, and (without --subject)
 * the CN: its last component must be a name, not "", "." or "..".
 */
static int
request_check_path(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return gf_fail(GF_ERR_USAGE, "PATH must end in a name: it makes "
		    "PATH.key and PATH.req");
	return 0;
}

static int
request_build(const struct cli *cli, EVP_PKEY *key, X509_REQ **out)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *san = NULL;
	X509_NAME *subject = NULL;
	X509_REQ *req = NULL;
	int r;

	if ((r = request_subject(cli, &subject)) != 0 ||
	    (r = cli_san(cli, &san)) != 0)
		goto out;
	if ((req = X509_REQ_new()) == NULL ||
	    !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, subject) ||
	    !X509_REQ_set_pubkey(req, key)) {
		r = gf_fail_crypto("build request");
		goto out;
	}
	if (san != NULL) {
		if (!X509V3_add1_i2d(&exts, NID_subject_alt_name, san, 0,
		    X509V3_ADD_DEFAULT) || !X509_REQ_add_extensions(req, exts)) {
			r = gf_fail_crypto("subjectAltName");
			goto out;
		}
	}
	if (X509_REQ_sign(req, key, key_digest(key)) <= 0) {
		r = gf_fail_crypto("sign request");
		goto out;
	}
	*out = req;
	req = NULL;
 out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(san);
	X509_NAME_free(subject);
	X509_REQ_free(req);
	return r;
}

static int
request_write(const char *path, X509_REQ *req)
{
	BIO *bio;
	char *data;
	long len;
	int r;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_REQ(bio, req)) {
		BIO_free(bio);
		return gf_fail_crypto("encode request");
	}
	len = BIO_get_mem_data(bio, &data);
	r = file_write_atomic(path, data, (size_t)len, 0644, 0);
	BIO_free(bio);
	return r;
}

static int
request_key(const struct cli *cli, const char *path, EVP_PKEY *key)
{
	struct passphrase pass = { 0 };
	char prompt[64];
	int r;

	if (cli->nopass)
		return key_save(path, key, NULL);
	snprintf(prompt, sizeof(prompt), "New passphrase for %s: ", path);
	if ((r = pass_get(cli->passout, prompt, 1, cli->batch, &pass)) != 0)
		return r;
	r = key_save(path, key, &pass);
	pass_clear(&pass);
	return r;
}

int
cmd_request(struct cli *cli)
{
	struct template *tmpl = NULL;
	char *key_path = NULL, *req_path = NULL;
	const char *key_type = cli->key_type;
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	int r;

	if ((r = request_check_path(cli->arg)) != 0)
		goto out;
	if (asprintf(&key_path, "%s.key", cli->arg) == -1 ||
	    asprintf(&req_path, "%s.req", cli->arg) == -1) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if (key_type == NULL && cli->template != NULL) {
		if ((r = cli_template(cli, cli->template, &tmpl)) != 0)
			goto out;
		key_type = tmpl->key_type;
	}
	if (file_exists(key_path) || file_exists(req_path)) {
		r = gf_fail(GF_ERR_EXISTS, "%s or %s exists; remove it first",
		    key_path, req_path);
		goto out;
	}
	if ((r = key_generate(key_type != NULL ? key_type : "ec:P-256",
	    &key)) != 0 || (r = request_build(cli, key, &req)) != 0 ||
	    (r = request_key(cli, key_path, key)) != 0)
		goto out;
	if ((r = request_write(req_path, req)) != 0) {
		unlink(key_path);
		goto out;
	}
	printf("%s\n%s\n", key_path, req_path);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	template_free(tmpl);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	free(key_path);
	free(req_path);
	return cli_exit_status(r);
}
