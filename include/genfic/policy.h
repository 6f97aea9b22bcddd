/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a template accepts from a CSR: key, subject and subjectAltName. */
#ifndef GENFIC_POLICY_H
#define GENFIC_POLICY_H

#include <openssl/x509v3.h>

struct template;

/* Refuses key types and sizes the template does not allow. */
int	policy_check_key(const struct template *tmpl, const EVP_PKEY *pkey);

/*
 * Checks a name: at most 64 attributes, each a valid string within its
 * RFC 5280 upper bound, without control characters or NUL bytes.
 */
int	policy_check_name(const X509_NAME *name);

/*
 * Builds the certificate subject from the CSR's: the template's copied
 * fields in its order, after checking the required ones are there (and
 * policy_check_name()).
 */
int	policy_subject(const struct template *tmpl, const X509_NAME *requested,
	    X509_NAME **subject);

/*
 * Checks each subjectAltName entry (DNS syntax, IP length, no NUL bytes,
 * known types).
 */
int	policy_check_san(const GENERAL_NAMES *names);

/*
 * Checks names against the template's limits: how many, whether IP
 * addresses and wildcards are allowed, and the DNS suffixes allowed.
 */
int	policy_check_san_limits(const struct template *tmpl,
	    const GENERAL_NAMES *names);

#endif
