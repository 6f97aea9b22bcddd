/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Importing an `openssl ca` directory (index.txt, crlnumber, newcerts/,
 * the CA certificate and key) or an easy-rsa 3 pki/ directory into the
 * store, keeping every serial, status and revocation: all or nothing.
 */
#ifndef GENFIC_IMPORT_H
#define GENFIC_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "genfic/pass.h"
#include "genfic/x509util.h"

struct ca;
struct store;

struct import_options {
	const char	*store_dir;	/* the store (made if missing) */
	const char	*name;		/* --name, or NULL: the directory's */
	const char	*ca_cert;	/* --ca-cert, or NULL: looked for */
	const char	*ca_key;	/* --ca-key, or NULL: looked for */
	const char	*leaf_template;	/* -t, or NULL: "server" */
	const char	*passin;	/* of the key to import */
	const char	*passout;	/* to store it under */
	int		 batch;		/* never prompt */
	/* Called for each line checked or imported, and with last once. */
	void		(*progress)(const char *doing, long done, long total,
			    int last);
};

struct import {
	struct import_options opt;
	const char	*dir;		/* the directory imported */
	char		*name;		/* the CA's name in the store */
	char		*cert_file;	/* the CA certificate's file */
	struct store	*st;		/* NULL until the input is found good */
	X509		*ca_cert;
	char		*key_file;	/* the CA key found, or NULL */
	char		*key_path;	/* private/NAME.key of the store */
	EVP_PKEY	*key;		/* the key to write there, or NULL */
	struct passphrase pass;		/* ... and its passphrase */
	char		*key_saved;	/* the key this run wrote, or NULL */
	struct ca	*parent;	/* the issuer in the store, or NULL */
	int		 self_signed;
	int		 ca_known;	/* an earlier import made the CA */
	unsigned char	*index;		/* index.txt */
	size_t		 index_len;
	char		*line;		/* a copy of the line being read */
	size_t		 line_size;
	int64_t		 next_crl;	/* from crlnumber, or 0 */
	int64_t		 ca_id;
	int		 ca_changed;	/* the CA row was written: audit it */
	long		 imported, skipped, failed, total;
	unsigned char	(*checked)[GF_SHA256_LEN];	/* per line: the
					   fingerprint of the certificate
					   file found good, or zeros */
};

/*
 * Imports directory dir as opt says.  Everything that can be refused is
 * refused before the store is made or the key written; then one
 * transaction.  On success im holds the open store, the CA's name and
 * certificate and the counts; on failure nothing is left written (the
 * key file this run wrote is removed).  Free im with import_free().
 */
int	import_dir(struct import *im, const char *dir,
	    const struct import_options *opt);
void	import_free(struct import *im);

#endif
