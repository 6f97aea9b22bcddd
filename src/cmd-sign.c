/* -s FILE... -p CA: sign certificate requests. */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/csr.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/issue.h"
#include "genfic/policy.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

struct sign {
	struct cli	*cli;
	struct store	*st;
	struct ca	*ca;
	EVP_PKEY	*ca_key;
	struct template	*tmpl;
	GENERAL_NAMES	*extra_san;	/* --san */
	char		**files;
	size_t		 nfiles;
	int		 out_dir;	/* -o names a directory */
};

static int
has_request_suffix(const char *name)
{
	static const char *const suffixes[] = { ".req", ".csr", ".pem", NULL };
	size_t i, n = strlen(name), k;

	for (i = 0; suffixes[i] != NULL; i++) {
		k = strlen(suffixes[i]);
		if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

static int
add_file(struct sign *s, char *path)
{
	char **files;

	if (path == NULL ||
	    (files = realloc(s->files, (s->nfiles + 1) * sizeof(*files))) == NULL) {
		free(path);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	s->files = files;
	s->files[s->nfiles++] = path;
	return 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every request file of a spool directory, in name order. */
static int
add_directory(struct sign *s, const char *dir)
{
	struct dirent *de;
	size_t first = s->nfiles;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL)
		return gf_fail(GF_ERR_IO, "%s: cannot read directory", dir);
	while (r == 0 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && has_request_suffix(de->d_name))
			r = add_file(s, file_join(dir, de->d_name));
	closedir(d);
	if (r == 0 && s->nfiles > first)
		qsort(s->files + first, s->nfiles - first, sizeof(*s->files),
		    compare_names);
	return r;
}

static int
sign_collect(struct sign *s)
{
	size_t i;
	int r;

	for (i = 0; s->cli->files[i] != NULL; i++) {
		if (file_is_dir(s->cli->files[i]))
			r = add_directory(s, s->cli->files[i]);
		else
			r = add_file(s, strdup(s->cli->files[i]));
		if (r != 0)
			return r;
	}
	if (s->nfiles == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "no request files found");
	if (s->cli->label != NULL && s->nfiles > 1)
		return gf_fail(GF_ERR_USAGE, "--label names one certificate, not "
		    "%zu", s->nfiles);
	s->out_dir = s->cli->output != NULL && (s->nfiles > 1 ||
	    file_is_dir(s->cli->output));
	if (s->nfiles > 1 && s->cli->output != NULL && !file_is_dir(s->cli->output))
		return gf_fail(GF_ERR_USAGE, "-o %s: with several requests, -o "
		    "names an existing directory", s->cli->output);
	return 0;
}

/* The request's SANs (if the template keeps them) followed by --san. */
static int
sign_san(const struct sign *s, X509_REQ *csr, GENERAL_NAMES **out)
{
	GENERAL_NAMES *san = NULL;
	int i, r;

	if (s->tmpl->copy_san && (r = csr_get_san(csr, &san)) != 0)
		return r;
	if (san != NULL && (r = policy_check_san(san)) != 0) {
		GENERAL_NAMES_free(san);
		return r;
	}
	if (s->extra_san != NULL) {
		if (san == NULL && (san = GENERAL_NAMES_new()) == NULL)
			return gf_fail_crypto("subjectAltName");
		for (i = 0; i < sk_GENERAL_NAME_num(s->extra_san); i++)
			if (!sk_GENERAL_NAME_push(san, GENERAL_NAME_dup(
			    sk_GENERAL_NAME_value(s->extra_san, i)))) {
				GENERAL_NAMES_free(san);
				return gf_fail_crypto("subjectAltName");
			}
	}
	*out = san;
	return 0;
}

/* Where the certificate for request path goes: NULL for stdout. */
static char *
sign_output_path(const struct sign *s, const char *path)
{
	char *copy, *base, *dot, *out = NULL;

	if (!s->out_dir)
		return s->cli->output != NULL ? strdup(s->cli->output) : NULL;
	if ((copy = strdup(path)) == NULL)
		return NULL;
	base = basename(copy);
	if ((dot = strrchr(base, '.')) != NULL && dot != base)
		*dot = '\0';
	if (asprintf(&out, "%s/%s.crt", s->cli->output, base) == -1)
		out = NULL;
	free(copy);
	return out;
}

static int
sign_record(struct sign *s, const struct issue_request *req, X509 **cert)
{
	int r;

	if ((r = store_begin(s->st)) != 0)
		return r;
	if ((r = issue_record(s->st, s->ca->id, s->ca->name, req,
	    s->cli->label, cert, NULL)) != 0 || (r = store_commit(s->st)) != 0)
		store_rollback(s->st);
	return r;
}

/* Checks, signs, records and writes one request. */
static int
sign_one(struct sign *s, const char *path)
{
	struct issue_request req;
	X509_REQ *csr = NULL;
	X509_NAME *subject = NULL;
	GENERAL_NAMES *san = NULL;
	X509 *cert = NULL;
	char *pem = NULL, *out = NULL;
	size_t len;
	int r;

	out = sign_output_path(s, path);
	if ((r = cli_output_check(out, s->cli->force)) != 0)
		goto out;
	if ((r = csr_load(path, &csr)) != 0 || (r = csr_verify(csr)) != 0 ||
	    (r = policy_check_key(s->tmpl, X509_REQ_get0_pubkey(csr))) != 0 ||
	    (r = policy_subject(s->tmpl, X509_REQ_get_subject_name(csr),
	    &subject)) != 0 || (r = sign_san(s, csr, &san)) != 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.tmpl = s->tmpl;
	req.subject = subject;
	req.pubkey = X509_REQ_get0_pubkey(csr);
	req.spki = X509_REQ_get_X509_PUBKEY(csr);
	req.san = san;
	req.days = s->cli->days != 0 ? s->cli->days : s->tmpl->days;
	req.no_clamp = s->cli->no_clamp;
	req.issuer_cert = s->ca->cert;
	req.issuer_key = s->ca_key;
	req.crl_url = s->ca->crl_url;
	req.ocsp_url = s->ca->ocsp_url;
	if ((r = sign_record(s, &req, &cert)) != 0 ||
	    (r = x509_to_pem(cert, &pem, &len)) != 0)
		goto out;
	/* Committed first: a certificate that exists is always revocable. */
	r = cli_output(out, pem, len, s->cli->force);
 out:
	if (r == GF_ERR_POLICY)
		r = gf_fail(r, "refused: %s", gf_errmsg(r));
	X509_REQ_free(csr);
	X509_NAME_free(subject);
	GENERAL_NAMES_free(san);
	X509_free(cert);
	free(pem);
	free(out);
	return r;
}

static void
sign_free(struct sign *s)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	store_free(s->st);
	ca_free(s->ca);
	EVP_PKEY_free(s->ca_key);
	template_free(s->tmpl);
	GENERAL_NAMES_free(s->extra_san);
}

static int
sign_prepare(struct sign *s)
{
	const char *what = s->cli->parent;
	int r;

	if ((r = store_open(s->cli->dir, 0, &s->st)) != 0 ||
	    (r = ca_load(s->st, s->cli->parent, &s->ca)) != 0)
		goto out;
	if (s->ca->revoked) {
		r = gf_fail(GF_ERR_POLICY, "this CA is revoked and signs nothing");
		goto out;
	}
	if ((r = cli_template(s->cli, s->cli->template != NULL ?
	    s->cli->template : s->ca->leaf_template, &s->tmpl)) != 0 ||
	    (r = cli_san(s->cli, &s->extra_san)) != 0)
		goto out;
	if (s->tmpl->is_ca) {
		r = gf_fail(GF_ERR_POLICY, "template '%s' makes CAs; a CA is "
		    "created with -c, so that its key and limits stay in the "
		    "store", s->tmpl->name);
		goto out;
	}
	what = "-s";
	if ((r = sign_collect(s)) != 0)
		goto out;
	what = s->ca->name;
	r = cli_ca_key(s->cli, s->st, s->ca, &s->ca_key);
 out:
	if (r != 0)
		gf_report(what, r);
	return r;
}

int
cmd_sign(struct cli *cli)
{
	struct sign s;
	size_t i, refused = 0;
	int r;

	if (cli->parent == NULL) {
		fprintf(stderr, "%s: -s needs -p CA\n", gf_progname);
		return EXIT_USAGE;
	}
	memset(&s, 0, sizeof(s));
	s.cli = cli;
	if (sign_prepare(&s) != 0) {
		sign_free(&s);
		return EXIT_REFUSED;
	}
	for (i = 0; i < s.nfiles; i++) {
		if ((r = sign_one(&s, s.files[i])) != 0) {
			gf_report(s.files[i], r);
			refused++;
		}
	}
	if (s.nfiles > 1)
		fprintf(stderr, "%s: %s: %zu signed, %zu refused\n", gf_progname,
		    s.ca->name, s.nfiles - refused, refused);
	sign_free(&s);
	return refused == 0 ? 0 : EXIT_REFUSED;
}
