/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The spool as mail intake fills it: each request as SPOOL/<SHA-256 of
 * its DER>.req (PEM), written whole or not at all, so one request sent
 * twice is one file; beside it SPOOL/<same>.req.owner, the sender's
 * address on one line: the owner the spool signing gives a request that
 * names none of its own (owner_from_sidecar(), owner.h).
 */
#ifndef GENFIC_DROP_H
#define GENFIC_DROP_H

#include <stddef.h>

/* Mode of the files written: a request and its sender are not secret. */
#define DROP_FILE_MODE		0644

/*
 * Writes the request der (len bytes) into dir, with sender's sidecar
 * first when sender (checked by owner_check()) is not NULL.  *name (may
 * be NULL) gets the request's file name in a new string.  Returns 0, GF_ERR_EXISTS when the request
 * is in dir already (its files are left as they are), or GF_ERR_IO.
 */
int	drop_write(const char *dir, const unsigned char *der, size_t len,
	    const char *sender, char **name);

#endif
