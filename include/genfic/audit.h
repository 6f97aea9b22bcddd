/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log: an append-only, hash-chained table of every change.
 * Each entry commits to the state of the row it changed, and each -g
 * signs the chain head with the CA's key (a checkpoint).
 */
#ifndef GENFIC_AUDIT_H
#define GENFIC_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct ca;
struct store;

/*
 * Appends an entry inside the caller's write transaction, committing to
 * the row it changed as it is now: the certificate serial (hex) of CA ca,
 * or CA ca itself when serial is NULL.  subject may be NULL.
 */
int	audit_append(struct store *st, const char *operation, const char *ca,
	    const char *serial, const char *subject);

/*
 * Appends an entry committing to generation number of CA ca (its
 * ca_generation row), inside the caller's write transaction.
 */
int	audit_append_generation(struct store *st, const char *operation,
	    const char *ca, int number);

/* Appends the entry of CRL number of CA ca, committing to it and the CA. */
int	audit_append_crl(struct store *st, const char *ca, int64_t number);

/*
 * Signs the chain head with the CA's key and stores the checkpoint, in
 * the caller's transaction (the one that issues CRL crl_number).
 */
int	audit_checkpoint(struct store *st, const struct ca *ca, EVP_PKEY *key,
	    int64_t crl_number);

/*
 * Writes each CA's latest checkpoint (or only CA ca's) to
 * DIR/crl/NAME.audit-checkpoint; adds the files written to *count if
 * count is not NULL.
 */
int	audit_checkpoint_export(struct store *st, const char *ca,
	    const char *dir, long *count);

#define AUDIT_FINDINGS_MAX	100	/* findings kept; all are counted */

struct audit_report {
	int		 has_state;	/* schema 3: states and checkpoints */
	int64_t		 entries;	/* in the log */
	int64_t		 head_id;	/* the newest entry, 0 for none */
	unsigned char	 head[32];	/* and its hash */
	int64_t		 legacy;	/* entries 1..legacy commit to no state */
	int64_t		 broken;	/* the first entry found bad, or 0 */
	int64_t		 anchored;	/* the newest entry a checkpoint signs */
	char		 anchor_ca[65];	/* that checkpoint's CA */
	int64_t		 anchor_time;	/* and time */
	int64_t		 checkpoints;	/* checkpoints read */
	int64_t		 checked;	/* rows whose state the log explains */
	int64_t		 unchecked;	/* rows last changed before schema 3 */
	int64_t		 problems;	/* findings, all counted */
	char		*findings[AUDIT_FINDINGS_MAX];	/* the first ones */
	size_t		 nfindings;
};

/*
 * Walks the chain, replays it against the cert, ca and crl tables and
 * checks the checkpoints.  Returns 0 when the log explains every row,
 * GF_ERR_POLICY with rep's findings when it does not, or another error
 * when it could not look.  Clear rep with audit_report_clear().
 */
int	audit_verify(struct store *st, struct audit_report *rep);
void	audit_report_clear(struct audit_report *rep);

#endif
