/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Owner addresses (owner.h): checked once, where they enter the store. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/owner.h"

#define SIDECAR_MAX	1024

/* RFC 5322 atext, which a dot-atom's words are made of. */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
is_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* Words of ok characters joined by single dots, none empty. */
static int
dotted(const char *s, size_t len, int (*ok)(unsigned char))
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !ok((unsigned char)s[i]))
			return 0;
	return 1;
}

int
owner_check(const char *addr)
{
	const char *at;
	size_t len, local;

	if (addr == NULL || (len = strlen(addr)) == 0)
		return gf_fail(GF_ERR_USAGE, "owner: an empty address");
	if (len > OWNER_MAX)
		return gf_fail(GF_ERR_USAGE, "owner: longer than %d bytes",
		    OWNER_MAX);
	if ((at = strchr(addr, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return gf_fail(GF_ERR_USAGE, "owner: '%s' is not one "
		    "local@domain address", addr);
	local = (size_t)(at - addr);
	if (local > OWNER_LOCAL_MAX)
		return gf_fail(GF_ERR_USAGE, "owner: a local part longer than "
		    "%d bytes", OWNER_LOCAL_MAX);
	if (!dotted(addr, local, is_atext))
		return gf_fail(GF_ERR_USAGE, "owner: '%s': the part before @ "
		    "may hold letters, digits, !#$%%&'*+-/=?^_`{|}~ and single "
		    "dots, nothing else", addr);
	if (!dotted(at + 1, len - local - 1, is_label_char) ||
	    strchr(at + 1, '.') == NULL)
		return gf_fail(GF_ERR_USAGE, "owner: '%s': the domain must be "
		    "dotted names of letters, digits and '-'", addr);
	return 0;
}

/* A copy of an IA5String or UTF8String address that owner_check() likes. */
static int
usable(const ASN1_STRING *s, char **owner)
{
	const unsigned char *data = ASN1_STRING_get0_data(s);
	int len = ASN1_STRING_length(s);

	if (len <= 0 || len > OWNER_MAX || memchr(data, '\0', (size_t)len))
		return 0;
	if ((*owner = strndup((const char *)data, (size_t)len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (owner_check(*owner) != 0) {
		gf_errclear();
		free(*owner);
		*owner = NULL;
	}
	return 0;
}

int
owner_from_names(const X509_NAME *subject, const GENERAL_NAMES *san,
    char **owner)
{
	const GENERAL_NAME *gn;
	int i, r;

	*owner = NULL;
	if (subject != NULL && (i = X509_NAME_get_index_by_NID(subject,
	    NID_pkcs9_emailAddress, -1)) >= 0 &&
	    (r = usable(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject,
	    i)), owner)) != 0)
		return r;
	for (i = 0; *owner == NULL && san != NULL &&
	    i < sk_GENERAL_NAME_num(san); i++) {
		gn = sk_GENERAL_NAME_value(san, i);
		if (gn->type != GEN_EMAIL)
			continue;
		if ((r = usable(gn->d.rfc822Name, owner)) != 0)
			return r;
		break;
	}
	return 0;
}

int
owner_from_sidecar(const char *request_path, char **owner)
{
	unsigned char *data = NULL;
	char *path, *nl;
	size_t len;
	int r;

	*owner = NULL;
	if (asprintf(&path, "%s%s", request_path, OWNER_SIDECAR_EXT) == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_read(path, SIDECAR_MAX, &data, &len);
	free(path);
	if (r != 0) {
		/* No sidecar, or one we cannot use: the request has no owner. */
		gf_errclear();
		return 0;
	}
	if ((nl = memchr(data, '\n', len)) != NULL)
		len = (size_t)(nl - (char *)data);
	data[len] = '\0';
	if (memchr(data, '\0', len) == NULL && owner_check((char *)data) == 0)
		*owner = (char *)data;
	else
		gf_errclear();
	if (*owner == NULL)
		free(data);
	return 0;
}
