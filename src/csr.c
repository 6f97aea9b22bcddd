/* Certificate signing requests. */
#include <stdlib.h>

#include <openssl/x509v3.h>

#include "genfic/csr.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/x509util.h"

int
csr_parse(const unsigned char *data, size_t len, X509_REQ **out)
{
	static const char *const labels[] = { "CERTIFICATE REQUEST",
	    "NEW CERTIFICATE REQUEST", NULL };
	const unsigned char *p;
	unsigned char *der = NULL;
	size_t derlen;
	X509_REQ *req = NULL;
	int r;

	if (len == 0)
		return gf_fail(GF_ERR_FORMAT, "empty file");
	if ((r = pem_or_der(data, len, labels, &der, &derlen)) != 0)
		return r;
	p = der;
	if ((req = d2i_X509_REQ(NULL, &p, (long)derlen)) == NULL)
		r = gf_fail_crypto("not a certificate request");
	else if (p != der + derlen)
		r = gf_fail(GF_ERR_FORMAT, "%zu bytes of trailing data after the "
		    "request", (size_t)(der + derlen - p));
	else if (X509_REQ_get0_pubkey(req) == NULL)
		r = gf_fail_crypto("unusable public key in the request");
	if (r == 0) {
		*out = req;
		req = NULL;
	}
	X509_REQ_free(req);
	free(der);
	return r;
}

int
csr_load(const char *path, X509_REQ **req)
{
	unsigned char *data;
	size_t len;
	int r;

	if ((r = file_read(path, GF_MAX_INPUT_FILE, &data, &len)) != 0)
		return r;
	r = csr_parse(data, len, req);
	free(data);
	return r;
}

int
csr_verify(X509_REQ *req)
{
	EVP_PKEY *pkey;

	if ((pkey = X509_REQ_get0_pubkey(req)) == NULL ||
	    X509_REQ_verify(req, pkey) != 1) {
		gf_errclear();
		return gf_fail(GF_ERR_POLICY, "bad signature: the request is "
		    "not signed by its own key (RFC 2986 proof of possession)");
	}
	return 0;
}

int
csr_get_san(X509_REQ *req, GENERAL_NAMES **out)
{
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES *san;
	int crit = -1, r = 0;

	*out = NULL;
	if ((exts = X509_REQ_get_extensions(req)) == NULL) {
		gf_errclear();
		return 0;
	}
	san = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	if (san == NULL && crit == -2)
		r = gf_fail(GF_ERR_POLICY, "the request has more than one "
		    "subjectAltName extension (RFC 5280 4.2)");
	else if (san == NULL && crit >= 0)
		r = gf_fail_crypto("the request's subjectAltName does not parse");
	else
		*out = san;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r;
}
