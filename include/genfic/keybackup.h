/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key backups: a CA's key file split into M-of-N share files (Shamir
 * over GF(2^8) on the decrypted PKCS#8 key), each write audited; and the
 * shares read back, checked against each other and the CA's
 * generations, and combined into the key file again.
 */
#ifndef GENFIC_KEYBACKUP_H
#define GENFIC_KEYBACKUP_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "genfic/keyshare.h"
#include "genfic/shamir.h"

struct ca;
struct passphrase;
struct store;

/* The shares of one split, and where they go. */
struct keybackup {
	struct keyshare	  ks;		/* the fields all shares have */
	uint8_t		 *shares[SHAMIR_MAX_SHARES];	/* secure heap */
	char		 *paths[SHAMIR_MAX_SHARES];	/* set by the caller */
	size_t		  written;	/* files written so far */
};

/* What a restore read: the shares, each with its file. */
struct keyrestore {
	struct keyshare	  ks[SHAMIR_MAX_SHARES];
	const char	 *files[SHAMIR_MAX_SHARES];
	int		  n;
};

/* ks's key and certificate digests, from the CA certificate cert. */
int	keybackup_identity(X509 *cert, struct keyshare *ks);

/*
 * Splits key (unencrypted PKCS#8 DER) into b->ks.count shares, any
 * b->ks.threshold of which rebuild it, under a new backup id.
 */
int	keybackup_split(struct keybackup *b, EVP_PKEY *key);

/*
 * The audit entry and every share file (b->paths, replaced only with
 * force), in one transaction: on failure the files written are removed.
 */
int	keybackup_commit(struct store *st, struct keybackup *b, int force);

/* Wipes and frees the shares; frees the paths. */
void	keybackup_clear(struct keybackup *b);

/*
 * Reads the share files (a NULL-terminated list), checks them against
 * each other, ca and their threshold, and finds the generation of ca
 * whose key they are of (*gen, a file key).
 */
int	keyrestore_check(struct store *st, const struct ca *ca,
	    const char *const *files, struct keyrestore *rs, struct ca **gen);

/* The key the first threshold shares rebuild, if it is cert's. */
int	keyrestore_combine(struct keyrestore *rs, X509 *cert, EVP_PKEY **key);

/*
 * The audit entry and the key file at path, encrypted under pass, in one
 * transaction; with force an existing file is replaced.
 */
int	keyrestore_write(struct store *st, const char *path,
	    const struct keyrestore *rs, EVP_PKEY *key,
	    const struct passphrase *pass, int force);

/* Wipes and frees the shares read. */
void	keyrestore_clear(struct keyrestore *rs);

#endif
