/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --inspect FILE [-p CA] [-t TEMPLATE] [--san ...] [-v DAYS]: a request,
 * the certificate that would be issued from it and every verdict of
 * request_check(), as text or JSON.  Nothing is signed with the CA's key
 * and nothing is written: the store is opened read-only, and the preview
 * is signed with a throwaway key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/csr.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/issue.h"
#include "genfic/privsep.h"
#include "genfic/request.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

struct inspect {
	struct cli		*cli;
	struct cli_issuer	 is;		/* store, CA, template, --san */
	struct request_rules	 rules;
	struct request_verdicts	 all;		/* the parser's, and ours */
	X509_NAME		*asked;		/* the request's subject */
	EVP_PKEY		*key;		/* the request's key */
	struct request		*req;		/* accepted, or NULL */
	X509			*preview;	/* as it would be issued */
	int			 clamped;	/* its notAfter was cut */
};

static const char *const state_names[] = { "ok", "refused", "unchecked" };

/* What BIO-printing fn wrote of obj, as a string to free, or NULL. */
static char *
bio_text(int (*fn)(BIO *, const void *), const void *obj)
{
	BIO *bio;
	char *text = NULL, *data;
	long len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (fn(bio, obj) > 0 && (len = BIO_get_mem_data(bio, &data)) >= 0)
		text = OPENSSL_strndup(data, (size_t)len);
	BIO_free(bio);
	return text;
}

static int
print_ext(BIO *bio, const void *ext)
{
	if (X509V3_EXT_print(bio, (X509_EXTENSION *)ext, 0, 0) <= 0)
		ASN1_STRING_print(bio, X509_EXTENSION_get_data(
		    (X509_EXTENSION *)ext));
	return 1;
}

static int
print_name(BIO *bio, const void *gn)
{
	return GENERAL_NAME_print(bio, (GENERAL_NAME *)gn);
}

static int
print_key(BIO *bio, const void *pkey)
{
	char group[64];

	if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) == 1)
		return BIO_printf(bio, "%s %s", EVP_PKEY_get0_type_name(pkey),
		    group);
	return BIO_printf(bio, "%s %d bits", EVP_PKEY_get0_type_name(pkey),
	    EVP_PKEY_get_bits(pkey));
}

static void
put_field(const struct inspect *in, const char *key, const char *value,
    int first)
{
	if (in->cli->json)
		printf("%s\"%s\": ", first ? "" : ", ", key);
	else
		printf("  %-16s ", key);
	cli_put_string(stdout, value, in->cli->json);
	if (!in->cli->json)
		putchar('\n');
}

static void
show_request(const struct inspect *in)
{
	char *subject = in->asked != NULL ? dn_format(in->asked) : NULL;
	char *key = in->key != NULL ? bio_text(print_key, in->key) : NULL;

	printf(in->cli->json ? "\"request\": {" : "request\n");
	put_field(in, "file", in->cli->arg, 1);
	put_field(in, "subject", subject, 0);
	put_field(in, "key", key, 0);
	printf(in->cli->json ? "}, " : "");
	free(subject);
	OPENSSL_free(key);
}

/* The preview's names and extensions, as a list. */
static void
show_list(const struct inspect *in, const char *key, int names)
{
	GENERAL_NAMES *san = NULL;
	X509_EXTENSION *ext;
	char *text, *nl, obj[80];
	int i, n;

	if (names)
		san = X509_get_ext_d2i(in->preview, NID_subject_alt_name, NULL,
		    NULL);
	n = names ? sk_GENERAL_NAME_num(san) : X509_get_ext_count(in->preview);
	printf(in->cli->json ? ", \"%s\": [" : "  %s\n", key);
	for (i = 0; i < n; i++) {
		if (names)
			text = bio_text(print_name, sk_GENERAL_NAME_value(san, i));
		else {
			ext = X509_get_ext(in->preview, i);
			OBJ_obj2txt(obj, sizeof(obj),
			    X509_EXTENSION_get_object(ext), 0);
			text = bio_text(print_ext, ext);
			/* One line each: multi-line values joined. */
			while (text != NULL && (nl = strchr(text, '\n')) != NULL)
				*nl = ' ';
			if (in->cli->json)
				printf("%s{\"name\": \"%s\", \"critical\": "
				    "%s, \"value\": ", i > 0 ? ", " : "", obj,
				    X509_EXTENSION_get_critical(ext) ? "true" :
				    "false");
			else
				printf("    %s%s: ", obj,
				    X509_EXTENSION_get_critical(ext) ?
				    " (critical)" : "");
		}
		if (!in->cli->json && names)
			fputs("    ", stdout);
		else if (names && i > 0)
			fputs(", ", stdout);
		cli_put_string(stdout, text, in->cli->json);
		printf(in->cli->json ? (names ? "" : "}") : "\n");
		OPENSSL_free(text);
	}
	printf(in->cli->json ? "]" : "");
	GENERAL_NAMES_free(san);
}

static void
show_certificate(const struct inspect *in)
{
	char *subject, nb[GF_ISO_TIME_LEN] = "", na[GF_ISO_TIME_LEN] = "";
	time_t t;

	if (in->preview == NULL) {
		printf(in->cli->json ? "\"certificate\": null, " :
		    "would issue: nothing\n");
		return;
	}
	subject = dn_format(X509_get_subject_name(in->preview));
	if (asn1_time_to_unix(X509_get0_notBefore(in->preview), &t) == 0)
		time_to_iso(t, nb);
	if (asn1_time_to_unix(X509_get0_notAfter(in->preview), &t) == 0)
		time_to_iso(t, na);
	printf(in->cli->json ? "\"certificate\": {" : "would issue\n");
	put_field(in, "ca", in->is.ca != NULL ? in->is.ca->name : NULL, 1);
	put_field(in, "template", in->is.tmpl->name, 0);
	put_field(in, "subject", subject, 0);
	put_field(in, "not_before", nb, 0);
	put_field(in, "not_after", na, 0);
	if (in->cli->json)
		printf(", \"clamped\": %s", in->clamped ? "true" : "false");
	else
		printf("  %-16s %s\n", "clamped", in->clamped ?
		    "yes, to the CA's notAfter" : "no");
	show_list(in, "subjectAltName", 1);
	show_list(in, "extensions", 0);
	printf(in->cli->json ? "}, " : "");
	free(subject);
}

static void
show_verdicts(const struct inspect *in)
{
	const struct request_verdict *v;
	size_t i;

	printf(in->cli->json ? "\"verdicts\": [" : "verdicts\n");
	for (i = 0; i < in->all.n; i++) {
		v = &in->all.v[i];
		if (in->cli->json) {
			printf("%s{\"check\": \"%s\", \"result\": \"%s\", "
			    "\"why\": ", i > 0 ? ", " : "", v->check,
			    state_names[v->state]);
			cli_put_string(stdout, v->why, 1);
			putchar('}');
		} else {
			printf("  %-9s %s%s", state_names[v->state], v->check,
			    v->why != NULL ? ": " : "");
			if (v->why != NULL)
				cli_put_string(stdout, v->why, 0);
			putchar('\n');
		}
	}
	printf(in->cli->json ? "], \"issue\": %s}\n" : "result: %s\n",
	    in->req != NULL ? in->cli->json ? "true" : "would be issued" :
	    in->cli->json ? "false" : "refused");
}

/* The certificate, signed with a throwaway key: the CA's is not needed. */
static int
inspect_preview(struct inspect *in)
{
	static const struct serial serial = { { 0x42 }, 1 };
	struct issue_request ir;
	EVP_PKEY *key;
	int r;

	if ((key = EVP_EC_gen("P-256")) == NULL)
		return gf_fail_crypto("throwaway key");
	request_to_issue(in->req, &in->rules, in->is.ca, key, &ir);
	ir.clamped = &in->clamped;
	r = issue_build(&ir, &serial, &in->preview);
	EVP_PKEY_free(key);
	return r;
}

static void
inspect_free(struct inspect *in)
{
	X509_free(in->preview);
	X509_NAME_free(in->asked);
	EVP_PKEY_free(in->key);
	request_free(in->req);
	request_verdicts_clear(&in->all);
	cli_issuer_clear(&in->is);
}

/* "genfic-ca: FILE: refused: " the first refusal, on standard error. */
static void
inspect_refused(const struct inspect *in, int r)
{
	size_t i;

	for (i = 0; i < in->all.n; i++)
		if (in->all.v[i].state == REQUEST_REFUSED) {
			r = gf_fail(in->all.v[i].r, "%s%s", in->all.v[i].r ==
			    GF_ERR_POLICY ? "refused: " : "", in->all.v[i].why);
			break;
		}
	gf_report(in->cli->arg, r);
}

/* A verdict of ours among the parser's, before check before (or last). */
static void
verdict_insert(struct request_verdicts *all, const char *check, int r,
    const char *before)
{
	size_t i;

	if (all->n == REQUEST_CHECKS_MAX)
		return;
	for (i = 0; i < all->n && strcmp(all->v[i].check, before) != 0; i++)
		continue;
	memmove(&all->v[i + 1], &all->v[i], (all->n - i) * sizeof(all->v[0]));
	all->n++;
	all->v[i].check = check;
	all->v[i].state = r == 0 ? REQUEST_OK : REQUEST_REFUSED;
	all->v[i].r = r;
	all->v[i].why = r == 0 ? NULL : strdup(gf_errmsg(r));
	gf_errclear();
	/* The refusal is the first in the order of the checks. */
	for (all->refused = 0, i = 0; i < all->n && all->refused == 0; i++)
		if (all->v[i].state == REQUEST_REFUSED)
			all->refused = all->v[i].r;
}

/* The request file could not be read: the parse verdict says why. */
static int
inspect_unread(struct inspect *in, int r)
{
	verdict_insert(&in->all, "parse", r, "");
	return r;
}

/*
 * The request judged by a parser process (privsep.h), as -s judges it;
 * then, here, what needs the store (a key revoked for keyCompromise) and
 * the checked fields judged again.
 */
static int
inspect_judge(struct inspect *in, struct privsep *ps)
{
	struct privsep_reply reply;
	unsigned char hash[GF_SHA256_LEN], *data;
	const unsigned char *cdata;
	size_t len;
	int r;

	if ((r = file_read(in->cli->arg, GF_MAX_INPUT_FILE, &data, &len)) != 0)
		return inspect_unread(in, r);
	cdata = data;
	r = privsep_parse(ps, &cdata, &len, 1, &reply);
	free(data);
	if (r != 0)
		return r;
	in->all = reply.all;
	memset(&reply.all, 0, sizeof(reply.all));
	if (reply.made.subject != NULL &&
	    (in->asked = X509_NAME_dup(reply.made.subject)) == NULL) {
		privsep_reply_clear(&reply);
		return gf_fail_crypto("subject");
	}
	if (reply.made.pkey != NULL && EVP_PKEY_up_ref(reply.made.pkey))
		in->key = reply.made.pkey;
	if (in->is.st != NULL && reply.made.spki != NULL &&
	    spki_hash(reply.made.spki, hash) == 0)
		verdict_insert(&in->all, "key-compromise", revoke_check_key(
		    in->is.st, hash), "validity");
	if ((r = in->all.refused) == 0)
		r = request_check_parsed(&in->rules, &reply.made, &in->req);
	privsep_reply_clear(&reply);
	return r;
}

/* The parser is forked before the store's keyCompromise rows are read. */
static int
inspect_request(struct inspect *in)
{
	struct privsep *ps = NULL;
	int r;

	if ((r = privsep_start(&in->rules, 1, &ps)) == 0)
		r = inspect_judge(in, ps);
	privsep_stop(ps);
	return r;
}

int
cmd_inspect(struct cli *cli)
{
	struct inspect in;
	int r;

	if (cli->parent == NULL && cli->template == NULL) {
		fprintf(stderr, "%s: --inspect needs -p CA or -t TEMPLATE\n",
		    gf_progname);
		return EXIT_USAGE;
	}
	memset(&in, 0, sizeof(in));
	in.cli = cli;
	if ((r = cli_issuer_load(cli, GF_STORE_READONLY, &in.is)) != 0) {
		gf_report(cli->parent != NULL ? cli->parent : cli->template, r);
		inspect_free(&in);
		return cli_exit_status(r);
	}
	cli_issuer_rules(cli, &in.is, &in.rules);
	in.rules.st = in.is.st;		/* the keyCompromise verdict too */
	if ((r = inspect_request(&in)) == 0 &&
	    (r = inspect_preview(&in)) != 0) {
		request_free(in.req);
		in.req = NULL;
	}
	if (in.all.n == 0) {
		/* No verdict at all: the parser failed. */
		gf_report(cli->arg, r);
		inspect_free(&in);
		return EXIT_REFUSED;
	}
	printf(cli->json ? "{" : "");
	show_request(&in);
	show_certificate(&in);
	show_verdicts(&in);
	if (r != 0)
		inspect_refused(&in, r);
	inspect_free(&in);
	return r == 0 ? 0 : EXIT_REFUSED;
}
