/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A new CA (-r, -c): its template, subject and URLs as chosen from its
 * parent and predecessor, and its row and certificate recorded in one
 * transaction.
 */
#ifndef GENFIC_CA_CREATE_H
#define GENFIC_CA_CREATE_H

#include <openssl/x509.h>

#include "genfic/constraints.h"

struct ca;
struct constraints;
struct store;
struct template;

struct ca_new {
	/* Given. */
	const char	*name;
	const char *const *template_dirs;
	struct store	*st;		/* NULL before a root's store is made */
	struct ca	*parent;	/* NULL for a root */
	EVP_PKEY	*key;		/* the new CA's key */
	EVP_PKEY	*parent_key;	/* the parent's, for a child */
	const char	*key_uri;	/* a token's key, or NULL: a file */
	const struct constraints *constraints;	/* the parent's and above */
	struct ca_limits limits;	/* --name-constraints (owned), --pathlen */
	int		 days;		/* 0: the template's */
	int		 crl_days;	/* 0: the template's */
	int		 no_clamp;
	/* Chosen. */
	struct ca	*pred;		/* the CA it succeeds, or NULL */
	struct template	*tmpl;
	const char	*template_why;	/* how tmpl was chosen */
	X509_NAME	*subject;
	char		*crl_url;	/* given, or carried over from pred */
	char		*ocsp_url;
	char		*issuer_url;
};

void	ca_new_clear(struct ca_new *n);

/* The CA the new one succeeds under the same parent, if any (n->pred). */
int	ca_new_predecessor(struct ca_new *n);

/*
 * 0 when n->st has no CA n->name yet, or there is no store yet;
 * GF_ERR_EXISTS when it has.
 */
int	ca_new_absent(const struct ca_new *n);

/*
 * The template of a new CA, and why (genfic-ca(1), -c): given (-t); for
 * a root, "root"; for a child, only when its parent's child template is
 * a CA template (the parent signs CAs): its predecessor's template, else
 * a word of its name that names WORD-ca, else the parent's child template.
 */
int	ca_new_template(struct ca_new *n, const char *given);

/*
 * given (--subject), else the parent's subject with its CN replaced by
 * the new CA's name, else (a root) CN=NAME.
 */
int	ca_new_subject(struct ca_new *n, const char *given);

/*
 * Each URL is the one given, else its predecessor's: the OCSP responder
 * as it is, a CRL or certificate URL only if named after the
 * predecessor, renamed.  What is carried over, or not, is said.
 */
int	ca_new_urls(struct ca_new *n, const char *crl, const char *ocsp,
	    const char *issuer);

/*
 * The CA row and its certificate (issue_prepare() and issue_commit(), as
 * for every certificate) and the audit entries, in one transaction:
 * either all is recorded and *cert is the certificate, or nothing.
 */
int	ca_new_record(struct ca_new *n, X509 **cert);

#endif
