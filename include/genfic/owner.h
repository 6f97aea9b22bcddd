/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A certificate's owner: the mail address its certificate and expiry
 * reminders go to.  Given with --owner, else the request's own address
 * (its subject's emailAddress, else its first rfc822Name), else what mail
 * intake recorded of the sender in a sidecar file next to the request.
 */
#ifndef GENFIC_OWNER_H
#define GENFIC_OWNER_H

#include <openssl/x509v3.h>

#define OWNER_MAX		254	/* RFC 5321's path limit, less <> */
#define OWNER_LOCAL_MAX		64
#define OWNER_SIDECAR_EXT	".owner"

/*
 * 0 if addr is an address we send mail to: local@domain in plain ASCII,
 * the local part a dot-atom (RFC 5322 atext and dots), the domain dotted
 * labels of letters, digits and '-'; at most OWNER_MAX bytes.  Nothing
 * that could break a header or a command line (spaces, controls, quotes,
 * '<', '>', ',', ';', '\') passes.  GF_ERR_USAGE says why ("owner: ...").
 */
int	owner_check(const char *addr);

/*
 * The address a request names for itself, in a new string in *owner:
 * subject's first emailAddress, else the first rfc822Name of san (either
 * may be NULL); *owner is NULL when it names none that owner_check()
 * accepts (an unusable address is no owner, not a refusal).
 */
int	owner_from_names(const X509_NAME *subject, const GENERAL_NAMES *san,
	    char **owner);

/*
 * The owner mail intake recorded for the request file at path: the first
 * line of path + OWNER_SIDECAR_EXT, if that file exists (a regular file
 * of at most 1 KiB) and the line passes owner_check(); else *owner NULL.
 */
int	owner_from_sidecar(const char *request_path, char **owner);

#endif
