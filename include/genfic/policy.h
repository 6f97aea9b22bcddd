/* What a template accepts from a CSR: key, subject and subjectAltName. */
#ifndef GENFIC_POLICY_H
#define GENFIC_POLICY_H

#include <openssl/x509v3.h>

struct template;

/* Refuses key types and sizes the template does not allow. */
int	policy_check_key(const struct template *tmpl, const EVP_PKEY *pkey);

/*
 * Builds the certificate subject from the CSR's: the template's copied
 * fields in its order, after checking the required ones are there.
 */
int	policy_subject(const struct template *tmpl, const X509_NAME *requested,
	    X509_NAME **subject);

/*
 * Checks each subjectAltName entry (DNS syntax, IP length, no NUL bytes,
 * known types).
 */
int	policy_check_san(const GENERAL_NAMES *names);

#endif
