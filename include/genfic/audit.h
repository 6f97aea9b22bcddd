/* The audit log: an append-only, hash-chained table of every change. */
#ifndef GENFIC_AUDIT_H
#define GENFIC_AUDIT_H

#include <stdint.h>

struct store;

/*
 * Appends an entry inside the caller's write transaction.  serial and
 * subject may be NULL.
 */
int	audit_append(struct store *st, const char *operation, const char *ca,
	    const char *serial, const char *subject);

/*
 * Walks the chain.  Returns 0 with *count entries when intact, or
 * GF_ERR_POLICY with *broken set to the id of the first bad entry.
 */
int	audit_verify(struct store *st, int64_t *count, int64_t *broken);

#endif
