/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the CAs above a new certificate allow, checked at issuance so that
 * nothing is signed that verifiers would reject: pathLenConstraint
 * (RFC 5280 4.2.1.9) and nameConstraints (RFC 5280 4.2.1.10) of every CA
 * from the issuer up to the root; and the constraints a new CA is given.
 */
#ifndef GENFIC_CONSTRAINTS_H
#define GENFIC_CONSTRAINTS_H

#include <stddef.h>
#include <openssl/x509v3.h>

struct ca;
struct store;
struct constraints;

/* What a new CA is given at -r or -c. */
struct ca_limits {
	NAME_CONSTRAINTS	*nc;		/* --name-constraints, or NULL */
	int			 pathlen;	/* --pathlen, or -1 */
};

/* Loads the constraints of issuer and of each CA above it. */
int	constraints_load(struct store *st, const struct ca *issuer,
	    struct constraints **out);

/*
 * The same from certificates at hand: certs[0] the issuer, then each CA
 * above it, names[i] naming certs[i] in messages.
 */
int	constraints_from_certs(X509 *const *certs, const char *const *names,
	    size_t n, struct constraints **out);
void	constraints_free(struct constraints *c);

/*
 * Refuses cert (built, not yet signed) when a CA of c forbids it: a CA
 * certificate deeper than a pathLenConstraint allows, or a name outside
 * a permitted subtree or inside an excluded one.  The message names the
 * name, the subtree and the CA.
 */
int	constraints_check(const struct constraints *c, X509 *cert);

/*
 * The names half of constraints_check() for an end-entity certificate of
 * subject and names (NULL: none), before anything is built: the check of
 * a request.
 */
int	constraints_check_leaf(const struct constraints *c,
	    const X509_NAME *subject, const GENERAL_NAMES *names);

/*
 * Refuses, before anything is signed, a new CA right below the first CA
 * of c when a pathLenConstraint of c forbids one that deep: the depth
 * half of constraints_check(), with the same message.
 */
int	constraints_check_depth(const struct constraints *c);

/*
 * Parses --name-constraints values, "permitted;DNS:.example.org" or
 * "excluded;IP:10.0.0.0/8" (DNS, email, URI and IP; IP as a CIDR prefix
 * or address/mask), into *out; *out is NULL when specs is NULL.
 */
int	constraints_parse(const char *const *specs, NAME_CONSTRAINTS **out);

/*
 * Gives the new CA certificate cert the limits: nameConstraints
 * (critical) and a basicConstraints with the pathLenConstraint.
 */
int	constraints_apply(X509 *cert, const struct ca_limits *limits);

#endif
