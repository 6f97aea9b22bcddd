/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Certificate rows: the one insert path, and lookups. */
#ifndef GENFIC_CERTDB_H
#define GENFIC_CERTDB_H

#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "genfic/serial.h"
#include "genfic/x509util.h"

struct store;
struct ca;

/* A certificate's status as -l shows it, reading ?1 as "now". */
#define CERTDB_STATUS_SQL \
	"CASE WHEN cert.revoked_at IS NOT NULL THEN " \
	"CASE cert.reason WHEN 6 THEN 'hold' ELSE 'revoked' END " \
	"WHEN cert.not_after <= ?1 THEN 'expired' ELSE 'valid' END"

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

/* certdb_row() of a certificate whose key's spki_hash() is known. */
int	certdb_row_keyed(X509 *cert, const unsigned char spki_hash[GF_SHA256_LEN],
	    struct cert_row *row);
void	certdb_row_clear(struct cert_row *row);

/*
 * Inserts the row of a certificate issued by CA ca_id; owner (owner.h)
 * may be NULL.  GF_ERR_CONFLICT if the serial is already taken.
 */
int	certdb_insert_row(struct store *st, int64_t ca_id,
	    const struct cert_row *row, const char *label, const char *template,
	    const char *owner, int64_t *cert_id);

/* certdb_row() and certdb_insert_row() in one, with no owner. */
int	certdb_insert(struct store *st, int64_t ca_id, X509 *cert,
	    const char *label, const char *template, int64_t *cert_id);

/* A certificate row, as far as finding and revoking it needs. */
struct cert_ref {
	int64_t		 id;
	int64_t		 ca_id;		/* its issuer */
	char		 ca_name[65];
	struct serial	 serial;
	char		 subject[512];	/* RFC 4514, shortened if longer */
	time_t		 not_after;
	int		 revoked;	/* revoked or on hold */
	time_t		 revoked_at;	/* when revoked (may be 0, the epoch) */
	int		 reason;	/* when revoked */
};

/*
 * The one lookup of -x, -S and -E: the certificates of ca (any CA when
 * NULL) that value names.  A path to a certificate file names that
 * certificate and nothing else; otherwise value is matched as a hex
 * serial, a SHA-256 fingerprint (64 hex digits, or 32 pairs joined by
 * ':' as openssl x509 -fingerprint prints it), a label, a CN or a subject
 * hash, and every certificate any of these names is a match.  Of those a
 * label, CN or subject hash names, the ones in use (not expired, valid
 * or on hold) are taken if there are any.  Fills up to max refs, the
 * soonest to expire first; *count (which may exceed max) is the number
 * of matches.  GF_ERR_NOT_FOUND when there is none.
 */
int	certdb_lookup(struct store *st, const struct ca *ca, const char *value,
	    struct cert_ref *refs, size_t max, size_t *count);

/*
 * Was the public key whose certdb_row() spki_hash is given ever revoked,
 * by any CA of the store, for keyCompromise (or, on a CA certificate, for
 * cACompromise)?  1 and that certificate in *ref (id, serial, reason), 0
 * if not, < 0 on error.  Every path that certifies a key asks it first.
 */
int	certdb_key_compromised(struct store *st,
	    const unsigned char spki_hash[GF_SHA256_LEN], struct cert_ref *ref);

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

/*
 * The fingerprint of the certificate of CA ca_id with that serial:
 * *has_md is 0 for a row imported without its certificate.
 * GF_ERR_NOT_FOUND (nothing recorded) when CA ca_id has no such serial.
 */
int	certdb_serial_fingerprint(struct store *st, int64_t ca_id,
	    const struct serial *serial, unsigned char md[GF_SHA256_LEN],
	    int *has_md);

/*
 * Has CA ca issued a certificate with an id in [first, end) (end 0: no
 * bound) that is unexpired at now, other than its own, self-issued ones?
 * The question generation_live() asks of an older generation.
 */
int	certdb_live_between(struct store *st, const struct ca *ca,
	    int64_t first, int64_t end, time_t now, int *live);

/*
 * The rows of the listing modes (-l, -e), streamed from a prepared
 * statement the caller steps and finalizes; its columns, as text unless
 * said: CA, serial (hex), status (valid, revoked, hold, expired),
 * notAfter (a date), subject hash, subject, label, is_ca (int), days
 * left (int), the row as a JSON object (NULL unless json), which
 * has the "generation" of its CA that signed it and its "owner", and the
 * owner (NULL for none, and on CRL rows).  The CA column names a
 * generation above 1 as NAME#N.
 */
enum certdb_list_column {
	CERTDB_COL_CA, CERTDB_COL_SERIAL, CERTDB_COL_STATUS,
	CERTDB_COL_EXPIRES, CERTDB_COL_HASH, CERTDB_COL_SUBJECT,
	CERTDB_COL_LABEL, CERTDB_COL_IS_CA, CERTDB_COL_DAYS, CERTDB_COL_JSON,
	CERTDB_COL_OWNER,
};

struct certdb_listing {
	enum {
		CERTDB_LIST_ALL,	/* -l, by CA and notAfter */
		CERTDB_LIST_EXPIRING,	/* valid, notAfter within days */
		CERTDB_LIST_EXPIRED,	/* notAfter past, within days */
	}		 kind;
	time_t		 now;
	const char	*ca;		/* a CA's name, or NULL for all */
	const char	*template;	/* CERTDB_LIST_ALL: or NULL */
	const char	*status;	/* CERTDB_LIST_ALL: or NULL, "all" */
	int		 days;
	int		 json;		/* fill the JSON column */
	/* generation_sql()'s expression: NULL or "1" when none rolled over. */
	const char	*generation;
};

int	certdb_list(struct store *st, const struct certdb_listing *l,
	    sqlite3_stmt **stmt);

/*
 * -e's CRL rows, in the same columns: each CA in service whose latest
 * CRL's nextUpdate is past or within l->days, or that has none.
 */
int	certdb_list_crl_due(struct store *st, const struct certdb_listing *l,
	    sqlite3_stmt **stmt);

/*
 * -S: the row of certificate id, stepped: DER, the JSON object (with
 * its chain and generation), CA, serial, status, revoked at, reason,
 * label, template, the chain of CA names ("sub <- root"), and the
 * generation of its CA that signed it (int), generation being
 * generation_sql()'s expression for it (NULL: 1), the serials of
 * what it renews and of what renewed it (NULL for none), and its owner
 * (NULL for none; the JSON object's "owner").
 */
int	certdb_show(struct store *st, int64_t id, time_t now,
	    const char *generation, sqlite3_stmt **stmt);

/*
 * The audit's statements on the cert table, run by its row hasher, which
 * hashes their state columns in order.  certdb_state_sql: the state of
 * the certificate of CA ?1 (a name) with serial ?2.  certdb_states_prepare():
 * every certificate, by id, as CA name, hex serial, subject, revoked_at,
 * reason and DER, then its state from column 6.
 */
extern const char certdb_state_sql[];
int	certdb_states_prepare(struct store *st, sqlite3_stmt **stmt);


/*
 * The valid certificate (not revoked, not expired at now) of CA ca_id
 * for the key spki_hash and the subject (RFC 4514, as certdb_row() makes
 * it): 1, with its hex serial in hex and a copy of its DER in *der (each
 * when not NULL); 0 if there is none; < 0 on error.  Through the
 * statement cache: one thread at a time per store.
 */
int	certdb_find_signed(struct store *st, int64_t ca_id,
	    const unsigned char spki_hash[GF_SHA256_LEN], const char *subject,
	    time_t now, char hex[2 * GF_SERIAL_MAX + 1], unsigned char **der,
	    int *derlen);

/*
 * certdb_find_signed() by the SHA-256 of a request file's bytes, as
 * certdb_record_request() recorded it: the valid certificate of CA ca_id
 * that file was signed as.
 */
int	certdb_find_request(struct store *st, int64_t ca_id,
	    const unsigned char digest[GF_SHA256_LEN], time_t now,
	    char hex[2 * GF_SERIAL_MAX + 1], unsigned char **der, int *derlen);

/* Records that the request file of SHA-256 digest was signed as cert_id. */
int	certdb_record_request(struct store *st,
	    const unsigned char digest[GF_SHA256_LEN], int64_t cert_id);

/* What a renewal copies of a certificate, and whether it was renewed. */
struct renew_source {
	X509		*cert;
	char		*label;		/* or NULL; moves to the renewal */
	char		*template;	/* the template it was issued from */
	int		 is_ca;
	char		*renewed_by;	/* the renewal's hex serial, or NULL */
	char		*serial;	/* its own, hex */
	char		*subject;	/* RFC 4514 */
	int		 revoked;	/* or on hold */
	int		 reason;
	char		*owner;		/* or NULL; the renewal keeps it */
};

/* Certificate id's renew_source; clear it with certdb_renew_source_clear(). */
int	certdb_renew_source(struct store *st, int64_t id,
	    struct renew_source *src);
void	certdb_renew_source_clear(struct renew_source *src);

/* Records that new_id renews old_id (a certificate is renewed once). */
int	certdb_renew_link(struct store *st, int64_t old_id, int64_t new_id);

/* Certificate id's owner in a new string (NULL for none); GF_ERR_NOT_FOUND. */
int	certdb_owner(struct store *st, int64_t id, char **owner);

/* Sets (NULL: clears) certificate id's owner, checked by owner_check(). */
int	certdb_set_owner(struct store *st, int64_t id, const char *owner);

/* Takes certificate id's label away, so that its renewal may carry it. */
int	certdb_label_clear(struct store *st, int64_t id);

/*
 * The valid end-entity certificates of CA ca_id whose notAfter falls in
 * (now, until] and that were not renewed, soonest first: *count ids in a
 * new array *ids.
 */
int	certdb_renew_due(struct store *st, int64_t ca_id, time_t now,
	    time_t until, int64_t **ids, size_t *count);

/* The responder's reads: genfic-ocspd links these and no writer. */

/* A certificate's revocation state. */
struct certdb_status {
	int	 revoked;	/* or on hold */
	int	 reason;	/* CRLReason (0 when none recorded) */
	time_t	 revoked_at;
	time_t	 invalidity;	/* invalidityDate, or 0 */
};

/*
 * Prepares the status statements on st's statement cache, so that a
 * failure shows when a connection opens, not at its first request.
 */
int	certdb_status_prepare(struct store *st);

/*
 * The certificate of CA ca_id with serial, if one of the ids [first, end)
 * (end 0: no end), those one CA generation signed: *found, and its state
 * in *out.  On st's statement cache: one thread at a time per store.
 */
int	certdb_status(struct store *st, int64_t ca_id,
	    const struct serial *serial, int64_t first, int64_t end,
	    struct certdb_status *out, int *found);

/*
 * The state of the current certificate of CA ca_id's generation (its
 * number, 1 the first; 0 in a store without generations: the ca row's),
 * as certdb_status().  Each generation has its own: an older one's is not
 * the one the ca row names.
 */
int	certdb_ca_status(struct store *st, int64_t ca_id, int generation,
	    struct certdb_status *out, int *found);

/*
 * The certificate whose SHA-256 fingerprint is md: *found, its state in
 * *out, as certdb_status(), and (ca_id not NULL) its issuer's id.  Reads
 * only.
 */
int	certdb_fingerprint_status(struct store *st,
	    const unsigned char md[GF_SHA256_LEN], struct certdb_status *out,
	    int *found, int64_t *ca_id);

/* Rows (ca.id, cert.der): every CA's current certificate. */
extern const char certdb_ca_certs_sql[];

#endif
