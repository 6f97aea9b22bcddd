/*
 * A certificate request as genfic-ca -s sees it: csr_parse(), the proof
 * of possession, the SAN and key and subject policy of the server and
 * user templates, and issue_build() by a fixture CA, then by the same CA
 * given nameConstraints, where what it issues must pass OpenSSL's own
 * check.  Every rule runs whatever the signature says, since whoever sends
 * a request can sign any content.  What is issued must be a CA:FALSE certificate that
 * verifies and round-trips.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/constraints.h"
#include "genfic/csr.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/issue.h"
#include "genfic/policy.h"
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

/* What cmd-sign does with a request once it is accepted. */
static void
issue(const struct template *t, const struct csr *csr, X509_NAME *subject,
    const GENERAL_NAMES *san)
{
	static const struct serial serial = { { 0x42, 1, 2, 3, 4, 5, 6, 7, 8,
	    9, 10, 11, 12, 13, 14, 15 }, GF_SERIAL_LEN };
	struct issue_request ir;
	X509 *cert = NULL;
	int clamped = 0;

	memset(&ir, 0, sizeof(ir));
	ir.tmpl = t;
	ir.subject = subject;
	ir.pubkey = csr->pkey;
	ir.spki = csr->spki;
	ir.san = t->copy_san ? san : NULL;
	ir.days = t->days;
	ir.issuer_cert = ca;
	ir.issuer_key = ca_key;
	ir.constraints = ca_constraints;
	ir.crl_url = "http://crl.example.org/fuzz.crl";
	ir.ocsp_url = "http://ocsp.example.org/";
	ir.clamped = &clamped;
	if (issue_build(&ir, &serial, &cert) == 0)
		check_issued(cert);
	X509_free(cert);
	cert = NULL;
	ir.issuer_cert = nc_ca;
	ir.constraints = nc_constraints;
	if (issue_build(&ir, &serial, &cert) == 0)
		check_constrained(cert);
	X509_free(cert);
}

static void
apply_template(const struct template *t, const struct csr *csr,
    const GENERAL_NAMES *san)
{
	X509_NAME *subject = NULL;

	if (policy_check_key(t, csr->pkey) == 0 &&
	    policy_subject(t, csr->subject, &subject) == 0)
		issue(t, csr, subject, san);
	X509_NAME_free(subject);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csr *csr = NULL;
	GENERAL_NAMES *san = NULL;

	if (csr_parse(data, size, &csr) != 0)
		goto out;
	(void)csr_verify(csr);
	free(dn_format(csr->subject));
	free(dn_get_text(csr->subject, NID_commonName));
	if (csr_get_san(csr, &san) != 0 ||
	    (san != NULL && policy_check_san(san) != 0))
		goto out;
	apply_template(server, csr, san);
	apply_template(user, csr, san);
 out:
	GENERAL_NAMES_free(san);
	csr_free(csr);
	gf_errclear();
	return 0;
}
