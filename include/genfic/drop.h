/*
 * The spool as mail intake fills it: each request as SPOOL/<SHA-256 of
 * its DER>.req (PEM), written whole or not at all, so one request sent
 * twice is one file; beside it SPOOL/<same>.owner, "sender=ADDR", the
 * owner candidate the spool signing reads.
 */
#ifndef GENFIC_DROP_H
#define GENFIC_DROP_H

#include <stddef.h>

/* The longest owner address (RFC 5321 4.5.3.1.3: 254 in a path). */
#define DROP_MAX_ADDRESS	254
/* Mode of the files written: a request and its sender are not secret. */
#define DROP_FILE_MODE		0644

/*
 * True if addr can be an owner address: local@domain in printable ASCII,
 * no space, quote, bracket, comma, semicolon or control character, one
 * '@', at most DROP_MAX_ADDRESS bytes.
 */
int	drop_address_ok(const char *addr);

/*
 * Writes the request der (len bytes) into dir, with sender's sidecar
 * first when sender is not NULL.  *name (may be NULL) gets the request's
 * file name in a new string.  Returns 0, GF_ERR_EXISTS when the request
 * is in dir already (its files are left as they are), or GF_ERR_IO.
 */
int	drop_write(const char *dir, const unsigned char *der, size_t len,
	    const char *sender, char **name);

/*
 * The owner candidate of the request file path: the address in the
 * sidecar beside it (same name, suffix .owner) in a new string.  Returns
 * 0, GF_ERR_NOT_FOUND when there is no sidecar, or GF_ERR_FORMAT when it
 * holds no address drop_address_ok() accepts.
 */
int	drop_owner(const char *path, char **owner);

#endif
