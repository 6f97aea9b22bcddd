/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A certificate request as genfic-ca -s and --inspect see it:
 * request_check(), the one function that parses and judges requests, with
 * the server and user templates under a fixture CA, and with the server
 * template under the same CA given nameConstraints, where what is issued
 * must pass OpenSSL's own check.  Every verdict runs whatever the
 * signature says (--inspect's mode), and what is refused for its
 * signature alone is issued too, since whoever sends a request can sign
 * any content.  What is issued must be a CA:FALSE certificate that
 * verifies and round-trips.  The same bytes also take the parser
 * process's path (privsep.h): its reply, decoded as the signing process
 * decodes it, must say the same, and what it accepts the signing process
 * must accept when it judges it again.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/constraints.h"
#include "genfic/csr.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/issue.h"
#include "genfic/privsep.h"
#include "genfic/request.h"
#include "genfic/serial.h"
#include "genfic/template.h"
#include "fuzz.h"

static struct template	*server, *user;
static X509		*ca;
static EVP_PKEY		*ca_key;
static struct constraints *ca_constraints;
/* ca1 with nameConstraints, made by the code -c --name-constraints runs. */
static X509		*nc_ca;
static NAME_CONSTRAINTS	*nc;
static struct constraints *nc_constraints;

static const char *const nc_specs[] = { "permitted;DNS:.example.org",
    "permitted;email:example.org", "permitted;IP:192.0.2.0/24",
    "excluded;DNS:bad.example.org", "excluded;IP:192.0.2.128/25", NULL };

static void
make_nc_ca(void)
{
	struct ca_limits limits = { NULL, -1 };
	const char *name = "ca1-nc";

	if ((nc_ca = X509_dup(ca)) == NULL ||
	    constraints_parse(nc_specs, &limits.nc) != 0 ||
	    constraints_apply(nc_ca, &limits) != 0 ||
	    constraints_from_certs(&nc_ca, &name, 1, &nc_constraints) != 0)
		fuzz_die("cannot make the constrained fixture CA");
	nc = limits.nc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *const dirs[] = { GF_FUZZ_TEMPLATES, NULL };
	const char *name = "ca1";

	(void)argc;
	(void)argv;
	if (template_load("server", dirs, &server) != 0 ||
	    template_load("user", dirs, &user) != 0)
		fuzz_die("cannot load the templates of %s", GF_FUZZ_TEMPLATES);
	ca = fuzz_cert("ca1.pem");
	ca_key = fuzz_key("ca1.key");
	if (constraints_from_certs(&ca, &name, 1, &ca_constraints) != 0)
		fuzz_die("cannot read the constraints of ca1.pem");
	make_nc_ca();
	return 0;
}

static void
check_issued(X509 *cert)
{
	if (X509_verify(cert, ca_key) != 1)
		fuzz_die("an issued certificate does not verify");
	/* RFC 5280 4.2.1.9: nothing in a request makes a leaf a CA. */
	if (X509_check_ca(cert) != 0)
		fuzz_die("a leaf template issued a CA certificate");
	fuzz_check_der(cert);
}

/*
 * What issue_build() lets through under nc_ca, OpenSSL's own check of the
 * certificate as a verifier decodes it must let through too.
 */
static void
check_constrained(X509 *cert)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	X509 *decoded = NULL;
	int len, v;

	if ((len = i2d_X509(cert, &der)) <= 0 || (p = der,
	    decoded = d2i_X509(NULL, &p, len)) == NULL ||
	    X509_check_purpose(decoded, -1, 0) != 1)
		fuzz_die("an issued certificate does not decode");
	if ((v = NAME_CONSTRAINTS_check(decoded, nc)) == X509_V_OK &&
	    X509_get_ext_by_NID(decoded, NID_subject_alt_name, -1) < 0)
		v = NAME_CONSTRAINTS_check_CN(decoded, nc);
	if (v != X509_V_OK)
		fuzz_die("issued a certificate that its CA's nameConstraints "
		    "refuse: %s", X509_verify_cert_error_string(v));
	X509_free(decoded);
	OPENSSL_free(der);
}

/*
 * Accepted, or refused for its signature alone: whoever sends a request
 * can sign any content, so what the other checks let through is issued.
 */
static struct request *
issuable(struct request *req, struct request_verdicts *all)
{
	size_t i;

	if (req != NULL)
		return req;
	if (all->would == NULL)
		return NULL;
	for (i = 0; i < all->n; i++)
		if (all->v[i].state != REQUEST_OK &&
		    strcmp(all->v[i].check, "signature") != 0)
			return NULL;
	return all->would;
}

/*
 * What the spool does with a request once request_check() accepts it:
 * request_to_issue(), then issue_build() with a fixed serial (the fuzzer
 * stays deterministic) where the spool's issue_prepare() draws one.
 */
static void
issue(const struct request_rules *rules, struct request *req)
{
	static const struct serial serial = { { 0x42, 1, 2, 3, 4, 5, 6, 7, 8,
	    9, 10, 11, 12, 13, 14, 15 }, GF_SERIAL_LEN };
	struct ca issuer = { .cert = rules->issuer,
	    .crl_url = "http://crl.example.org/fuzz.crl",
	    .ocsp_url = "http://ocsp.example.org/" };
	struct issue_request ir;
	X509 *cert = NULL;
	int clamped = 0;

	request_to_issue(req, rules, &issuer, ca_key, &ir);
	ir.clamped = &clamped;
	if (issue_build(&ir, &serial, &cert) == 0) {
		check_issued(cert);
		if (rules->issuer == nc_ca)
			check_constrained(cert);
	}
	X509_free(cert);
}

/* The parser's reply to data, and the signing process's reading of it. */
static void
privsep_path(const struct request_rules *rules, const uint8_t *data,
    size_t size)
{
	struct privsep_buf msg = { 0 };
	struct privsep_reply reply;
	struct request_verdicts all;
	struct request *req = NULL, *here = NULL;
	int r;

	memset(&all, 0, sizeof(all));
	r = request_check(rules, data, size, &here, &all);
	if (privsep_frame_begin(&msg) != 0 ||
	    privsep_judge(rules, data, size, &msg) != 0)
		fuzz_die("the parser cannot encode its reply");
	privsep_frame_end(&msg, 1);
	if (privsep_get_replies(msg.data + 4, msg.len - 4, 1, &reply) != 0)
		fuzz_die("a parser's reply does not decode: %s",
		    gf_errmsg(GF_ERR_FORMAT));
	if (reply.all.refused != r || reply.all.n != all.n)
		fuzz_die("the reply does not say what request_check() said");
	if (r == 0) {
		r = request_check_parsed(rules, &reply.made, &req);
		if (r != 0)
			fuzz_die("the parser accepted what the signing process "
			    "refuses: %s", gf_errmsg(r));
		if (X509_NAME_cmp(req->subject, here->subject) != 0)
			fuzz_die("the signing process made another subject");
		request_free(req);
	}
	request_free(here);
	privsep_reply_clear(&reply);
	request_verdicts_clear(&all);
	privsep_buf_clear(&msg);
	gf_errclear();
}

/* request_check() with every verdict, as --inspect runs it, then -s's. */
static void
judge(const struct template *t, X509 *issuer, const struct constraints *c,
    const uint8_t *data, size_t size)
{
	struct request_rules rules;
	struct request_verdicts all;
	struct request *req = NULL, *ok;

	memset(&rules, 0, sizeof(rules));
	memset(&all, 0, sizeof(all));
	rules.tmpl = t;
	rules.constraints = c;
	rules.issuer = issuer;
	(void)request_check(&rules, data, size, &req, &all);
	if (all.csr != NULL) {
		free(dn_format(all.csr->subject));
		free(dn_get_text(all.csr->subject, NID_commonName));
	}
	if ((ok = issuable(req, &all)) != NULL)
		issue(&rules, ok);
	request_free(req);
	request_verdicts_clear(&all);
	/* The first refusal alone, as the spool judges. */
	req = NULL;
	if (request_check(&rules, data, size, &req, NULL) == 0)
		request_free(req);
	gf_errclear();
	privsep_path(&rules, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	judge(server, ca, ca_constraints, data, size);
	judge(user, ca, ca_constraints, data, size);
	judge(server, nc_ca, nc_constraints, data, size);
	gf_errclear();
	return 0;
}
