/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What audit.c shares with audit-verify.c, and nothing else sees. */
#ifndef GENFIC_AUDIT_LOCAL_H
#define GENFIC_AUDIT_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "genfic/x509util.h"

struct store;

struct audit_entry {
	int64_t		 time;
	int64_t		 uid;
	const char	*user;
	const char	*operation;
	const char	*ca;
	const char	*serial;
	const char	*subject;
	const char	*object;	/* NULL: an entry of before schema 3 */
	const unsigned char *state;
	size_t		 statelen;
};

/*
 * The columns of each object's state, in the order they are hashed.
 * Every column of the schema-3 tables: what a reader of the store is told
 * (status, dates, reason, subject, settings, CRL number).  A certificate's
 * DER is held by its fingerprint, which verification checks against it:
 * hashing it again at each issuance would cost a spool 2% of its time.
 */
/* A certificate's: certdb_state_sql (certdb.h), with the other cert SQL. */
#define CA_STATE	"ca.id, ca.name, ca.parent_id, ca.cert_id, " \
			"ca.key_ref, ca.template, ca.leaf_template, " \
			"ca.crl_days, ca.crl_url, ca.ocsp_url, ca.issuer_url, " \
			"ca.next_crl_number, ca.created"
/* Schema 4: a CA generation (generation.c); its key is its number. */
#define GEN_STATE	"ca_generation.ca_id, ca_generation.generation, " \
			"ca_generation.key_ref, ca_generation.cert_id, " \
			"ca_generation.first_cert, ca_generation.created"
#define CRL_STATE	"crl.id, crl.ca_id, crl.number, crl.this_update, " \
			"crl.next_update, crl.der"

struct audit_ckpt {
	const char	*ca;
	int64_t		 crl_number;
	int64_t		 entry;
	unsigned char	 head[GF_SHA256_LEN];
	int64_t		 time;
};


/* An entry's hash, chained to prev (legacy entries: without object). */
int	audit_hash(const unsigned char prev[GF_SHA256_LEN],
	    const struct audit_entry *e, unsigned char out[GF_SHA256_LEN]);

/* The state digest of kind over the statement's columns from first on. */
int	audit_row_state(const char *kind, sqlite3_stmt *stmt, int first,
	    unsigned char out[GF_SHA256_LEN]);

/* Has the store the schema-3 audit columns? */
int	audit_has_state(struct store *st, int *has);

/* A checkpoint row's columns 0-3 (crl_number, entry, head, time) in k. */
void	audit_checkpoint_row(sqlite3_stmt *stmt, const char *ca,
	    struct audit_ckpt *k);

/* What a checkpoint signs, and its whole text (new strings, or NULL). */
char	*audit_checkpoint_statement(const struct audit_ckpt *k);
char	*audit_checkpoint_row_text(sqlite3_stmt *stmt, const char *ca);

/* 1 if sig is cert's key's signature over statement. */
int	audit_checkpoint_verify(X509 *cert, const char *statement,
	    const void *sig, size_t siglen);

#endif
