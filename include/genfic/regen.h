/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A CA's new certificates under its own name: --recertify (its key, a new
 * certificate) and --rollover (a new key and certificate, its next
 * generation, and for a root the cross-certificates between the old and
 * new key), signed before the write transaction and recorded in one.
 */
#ifndef GENFIC_REGEN_H
#define GENFIC_REGEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "genfic/certdb.h"
#include "genfic/constraints.h"
#include "genfic/generation.h"
#include "genfic/issue.h"

struct ca;
struct passphrase;
struct store;
struct template;

/*
 * A certificate of the CA's subject, signed before the write transaction
 * (issue_prepare()) and recorded in it (issue_commit()), as every
 * certificate is.
 */
struct regen_cert {
	struct issue_request	 req;
	const struct ca		*issuer;	/* the CA it is recorded under */
	X509			*cert;		/* NULL: none to issue */
	struct cert_row		 row;
	int64_t			 id;		/* its row, once recorded */
};

struct regen {
	/* Given. */
	struct store		*st;		/* the caller's to free */
	const char *const	*template_dirs;
	int			 days;		/* 0: the template's */
	int			 no_clamp;
	EVP_PKEY		*signer;	/* the key of regen_signer(),
						   which the caller loads */
	/* Read by regen_load(). */
	struct ca		*ca;
	struct ca		*parent;	/* NULL for a root */
	struct generation	*gens;		/* the last one current */
	size_t			 ngens;
	struct template		*tmpl;		/* the CA's own */
	struct constraints	*constraints;	/* of the issuer and above */
	struct ca_limits	 limits;	/* as its certificate has them */
	/* Made. */
	EVP_PKEY		*key;		/* --rollover: the new key */
	struct generation	 next;		/* --rollover: its generation */
	char			*key_path;	/* and the new key's file, or
						   NULL on a token */
	int			 made;		/* made on a token, unrecorded */
	struct regen_cert	 new;		/* the new CA certificate */
	X509			*new_cert;	/* a reference to it, the issuer
						   of cross[1] */
	struct regen_cert	 cross[2];	/* root: old->new, new->old */
	int			 clamped;	/* cross-certificates shortened */
};

/*
 * The CA named, its parent, generations and template, and the limits its
 * certificate carries (--name-constraints, --pathlen at -c), which its
 * new certificates keep.  Refused for a revoked CA or parent.
 */
int	regen_load(struct regen *g, const char *name);

/* The CA whose key signs the new certificate: the parent, or a root. */
const struct ca *regen_signer(const struct regen *g);

/*
 * --recertify: a new certificate for the CA's key (g->new), made its
 * current generation's, in one transaction.
 */
int	regen_recertify(struct regen *g);

/*
 * --rollover, first step: the next generation's key of key_type (NULL:
 * the template's), in memory, and its file, which must not exist.
 */
int	regen_next_key(struct regen *g, const char *key_type);

/*
 * The next generation's key pair made on the PKCS #11 token of uri (pin:
 * its PIN), in the CA template's key type; regen_rollover() removes it
 * again if the generation is not recorded.
 */
int	regen_next_token_key(struct regen *g, const char *uri,
	    const struct passphrase *pin);

/*
 * --rollover: writes the new key under pass (NULL: unencrypted; the PIN
 * for a key on a token), then records in one transaction the new
 * certificate and, for a root, the cross-certificates, and makes the new
 * generation current.  When that fails the key file (or the token's key
 * pair) is removed: no generation without its key.
 */
int	regen_rollover(struct regen *g, const struct passphrase *pass);

/* Files of certs/ besides NAME.crt, as -r and -c write that one. */
#define REGEN_FILES	3
struct regen_file {
	char	 name[160];	/* NAME.N, or NAME.cross-N-M */
	X509	*cert;
};

/*
 * After regen_rollover(): the old generation's certificate (NAME.N) and a
 * root's cross-certificates (NAME.cross-N-M: signed by N, certifying M's
 * key), to write as certs/NAME.crt is written.  Returns how many.
 */
size_t	regen_rollover_files(const struct regen *g,
	    struct regen_file files[REGEN_FILES]);

/* Frees what g holds, but its store; g is not used again. */
void	regen_clear(struct regen *g);

#endif
