/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CA generations: the keys a CA has had under one name (--rollover), each
 * with its current certificate (--recertify), and which generation signed
 * a certificate.
 */
#ifndef GENFIC_GENERATION_H
#define GENFIC_GENERATION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

struct ca;
struct store;

struct generation {
	int		 number;	/* 1, 2, ... */
	char		*key_ref;	/* "file:private/NAME[.N].key" */
	int64_t		 cert_id;	/* its current certificate */
	X509		*cert;		/* and that certificate */
	int64_t		 first_cert;	/* the first cert.id it signed */
	int64_t		 end_cert;	/* the first it did not; 0: current */
	int		 recorded;	/* has its ca_generation row */
};

/*
 * The generations of ca, oldest first, the last one current.  A CA
 * without recorded generations (or a store of before schema 4) has one,
 * made of its ca row.
 */
int	generation_list(struct store *st, const struct ca *ca,
	    struct generation **gens, size_t *count);
void	generation_free_all(struct generation *gens, size_t count);

/* A copy of ca as generation g: g's certificate and key. */
int	generation_ca(const struct ca *ca, const struct generation *g,
	    struct ca **out);

/*
 * Does generation g still sign CRLs: is it current, or has it signed a
 * certificate (other than the CA's own, self-issued ones) that has not
 * expired at now?
 */
int	generation_live(struct store *st, const struct ca *ca,
	    const struct generation *g, time_t now, int *live);

/*
 * The certificate of the generation of ca whose key signed cert (a new
 * reference in *out): the chain of what an older generation issued goes
 * through that generation.  The current one when none did.
 */
int	generation_issuer(struct store *st, const struct ca *ca, X509 *cert,
	    X509 **out);

/*
 * The issuers of cert, issued by CA ca_id, up to the root (the root only
 * with with_root), each the generation that signed the one before; *out
 * is a new stack the caller frees with sk_X509_pop_free(.., X509_free).
 */
int	generation_chain(struct store *st, int64_t ca_id, X509 *cert,
	    int with_root, STACK_OF(X509) **out);

/*
 * An SQL expression for the generation of the issuer that signed the
 * cert row (1 when no CA of the store has rolled over, cheap then).
 */
int	generation_sql(struct store *st, const char **expr);

/* Writing, in the caller's transaction. */

/* Records g (its ca_generation row) for CA ca_id, and audits it. */
int	generation_record(struct store *st, const struct ca *ca,
	    const struct generation *g, const char *operation);

/* Makes generation g current in the ca row: its certificate and key. */
int	generation_make_current(struct store *st, const struct ca *ca,
	    const struct generation *g);

#endif
