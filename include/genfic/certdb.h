/* Certificate rows: the one insert path, and lookups. */
#ifndef GENFIC_CERTDB_H
#define GENFIC_CERTDB_H

#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

#include "genfic/serial.h"
#include "genfic/x509util.h"

struct store;

/* Every column of a certificate's row, derived from the certificate. */
struct cert_row {
	struct serial	 serial;
	char		*subject;	/* RFC 4514 */
	char		*cn;		/* or NULL */
	char		*san;		/* JSON array, or NULL */
	time_t		 not_before;
	time_t		 not_after;
	int		 is_ca;
	unsigned char	 fingerprint[GF_SHA256_LEN];
	char		 subject_hash[9];
	unsigned char	 spki_hash[GF_SHA256_LEN];
	unsigned char	*der;
	int		 derlen;
};

/* Fills row from cert.  It needs no store, so any thread may call it. */
int	certdb_row(X509 *cert, struct cert_row *row);
void	certdb_row_clear(struct cert_row *row);

/*
 * Inserts the row of a certificate issued by CA ca_id.  GF_ERR_CONFLICT
 * if the serial is already taken.
 */
int	certdb_insert_row(struct store *st, int64_t ca_id,
	    const struct cert_row *row, const char *label, const char *template,
	    int64_t *cert_id);

/* certdb_row() and certdb_insert_row() in one. */
int	certdb_insert(struct store *st, int64_t ca_id, X509 *cert,
	    const char *label, const char *template, int64_t *cert_id);

/*
 * Finds the certificates (of CA ca, or of any CA when NULL) that value
 * names: a hex serial, a label, a subject hash or a SHA-256 fingerprint.
 * Fills up to max ids, oldest first; *count may exceed max.
 */
int	certdb_find(struct store *st, const char *ca, const char *value,
	    int64_t *ids, size_t max, size_t *count);

/* Loads certificate row id and the id of its issuing CA. */
int	certdb_load(struct store *st, int64_t id, X509 **cert, int64_t *ca_id);

/*
 * Inserts what an index.txt line tells of a certificate whose file is
 * lost: serial, subject and notAfter, so that it can be revoked and served.
 */
int	certdb_insert_bare(struct store *st, int64_t ca_id,
	    const struct serial *serial, const X509_NAME *subject,
	    time_t not_after, int64_t *cert_id);

/* 1 if CA ca_id has a certificate labelled label, 0 if not, < 0 on error. */
int	certdb_label_taken(struct store *st, int64_t ca_id, const char *label);

/* Counts the certificates of CA ca_id (all CAs when 0). */
int	certdb_count(struct store *st, int64_t ca_id, int64_t *count);

#endif
