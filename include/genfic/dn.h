/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Distinguished names in OpenSSL's "/C=BE/O=Org/CN=Name" form. */
#ifndef GENFIC_DN_H
#define GENFIC_DN_H

#include <openssl/x509.h>

/*
 * Parses "/TYPE=value/TYPE=value+TYPE=value" (backslash escapes the next
 * character) into a new X509_NAME.  Values are UTF-8.
 */
int	 dn_parse(const char *text, X509_NAME **name);

/* The name in RFC 4514 form ("CN=x,O=y"), or NULL; free() it. */
char	*dn_format(const X509_NAME *name);

/* The first value of the given NID as a new UTF-8 string, or NULL. */
char	*dn_get_text(const X509_NAME *name, int nid);

/*
 * Refuses an attribute value (len bytes of UTF-8) that would not print as
 * itself: one gf_escape() would escape (control characters and NUL, C1
 * controls, bidirectional controls, invisible characters, line separators,
 * bytes that are not UTF-8).  type names the attribute in the message.
 */
int	 dn_check_value(const char *type, const void *utf8, size_t len);

#endif
