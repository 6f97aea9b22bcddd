/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The spool: many requests signed by one CA.  Worker threads have batches
 * of requests judged by parser processes (privsep.h), judge again what
 * crosses back (request.h) and sign it; the calling thread alone talks to
 * SQLite, records the results in request order and commits them in
 * groups; only then does a relay thread write the certificates out, so a
 * certificate that exists anywhere is always in the store, and so
 * revocable.
 */
#ifndef GENFIC_SPOOL_H
#define GENFIC_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct ca;
struct privsep;
struct request_rules;
struct spool;
struct store;

struct spool_params {
	struct store		*st;		/* the write connection */
	const char		*store_dir;	/* for the workers' own, read-only */
	const struct ca		*ca;
	EVP_PKEY		*ca_key;
	const struct request_rules *rules;	/* what judges each request */
	/* spool_parsers() parsers started with rules, before ca_key. */
	struct privsep		*privsep;
	const char		*label;		/* for one request, or NULL */
	const char		*owner;		/* --owner of each, or NULL */
	int			 force;		/* re-sign, replace files */
	/* With spool_out_dir(): 0 if path may be written; thread-safe. */
	int			(*out_check)(const char *path, int replace);
	/* Else: writes one certificate's PEM; pem NULL: the group's end. */
	int			(*out_write)(void *arg, const char *pem,
				    size_t len);
	/* Called with each certificate's row id as it is recorded; or NULL. */
	void			(*recorded)(void *arg, int64_t cert_id);
	/* Certificates written so far, of total; or NULL. */
	void			(*progress)(void *arg, size_t done,
				    size_t total);
	void			*arg;
};

/* What was committed, what was not, and what was not written. */
struct spool_counts {
	size_t	requests;
	size_t	signed_, refused, skipped;
	size_t	clamped;	/* of those signed */
	size_t	unwritten;	/* recorded, but the file failed */
};

/* A spool of no request yet; p is kept, not copied. */
int	spool_new(const struct spool_params *p, struct spool **out);
void	spool_free(struct spool *s);

/*
 * Adds a request file, or every request file (.req, .csr, .pem) of a
 * directory in name order; those found in a directory are skipped when
 * already signed (unless force).
 */
int	spool_add(struct spool *s, const char *path);
size_t	spool_size(const struct spool *s);

/* How many parser processes (privsep_start()) spool_run() keeps busy. */
size_t	spool_parsers(const struct spool *s);

/*
 * Each request's certificate goes to dir/BASENAME.crt; two requests of
 * one file name are both refused, before either is signed.
 */
int	spool_out_dir(struct spool *s, const char *dir);

/*
 * Has the parsers judge the first requests (up to the window the workers
 * keep) while the caller loads the CA key: what needs no key overlaps
 * what loading it costs (scrypt, or a token's login).  Optional; after
 * spool_out_dir(), before spool_run().
 */
int	spool_parse_ahead(struct spool *s);

/*
 * Judges, signs, records and writes every request; a refused request is
 * reported ("path: why") and counted.  Returns 0, or the failure that
 * stopped it (the group then rolled back): the store's, or any once a
 * certificate's row was inserted.
 */
int	spool_run(struct spool *s, struct spool_counts *counts);

#endif
