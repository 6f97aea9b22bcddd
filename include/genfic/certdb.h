/* Certificate rows: the one insert path, and lookups. */
#ifndef GENFIC_CERTDB_H
#define GENFIC_CERTDB_H

#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

struct store;
struct serial;

/*
 * Inserts cert as issued by CA ca_id.  Every column is derived from the
 * certificate itself.  GF_ERR_CONFLICT if the serial is already taken.
 */
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
