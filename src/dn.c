/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Distinguished names in OpenSSL's slash form, and RFC 4514 output. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/objects.h>

#include "genfic/dn.h"
#include "genfic/err.h"

#define DN_MAX_TEXT	8192

/*
 * Copies the next token of *p up to an unescaped stop character into buf,
 * removing backslash escapes.  Leaves *p at the stop character (or NUL).
 */
static int
dn_token(const char **p, const char *stops, char *buf, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	while (*s != '\0' && strchr(stops, *s) == NULL) {
		if (*s == '\\') {
			if (*++s == '\0')
				return gf_fail(GF_ERR_FORMAT,
				    "trailing backslash");
		}
		if (n + 1 >= size)
			return gf_fail(GF_ERR_TOO_LARGE, "value too long");
		buf[n++] = *s++;
	}
	buf[n] = '\0';
	*p = s;
	return 0;
}

int
dn_parse(const char *text, X509_NAME **out)
{
	X509_NAME *name = NULL;
	char type[64], *value = NULL;
	const char *p = text;
	int nid, set = 0, r;

	if (strlen(text) > DN_MAX_TEXT)
		return gf_fail(GF_ERR_TOO_LARGE, "name longer than %d bytes",
		    DN_MAX_TEXT);
	if (*p != '/')
		return gf_fail(GF_ERR_FORMAT, "'%s': a name starts with '/', "
		    "as in /O=Example/CN=Name", text);
	if ((name = X509_NAME_new()) == NULL || (value = malloc(DN_MAX_TEXT + 1)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	p++;
	while (*p != '\0') {
		if ((r = dn_token(&p, "=/+", type, sizeof(type))) != 0)
			goto out;
		if (*p != '=') {
			r = gf_fail(GF_ERR_FORMAT, "'%s': missing '=' after '%s'",
			    text, type);
			goto out;
		}
		p++;
		if ((nid = OBJ_txt2nid(type)) == NID_undef) {
			r = gf_fail(GF_ERR_FORMAT, "'%s': unknown attribute "
			    "type '%s'", text, type);
			goto out;
		}
		if ((r = dn_token(&p, "/+", value, DN_MAX_TEXT + 1)) != 0)
			goto out;
		if (*value == '\0') {
			r = gf_fail(GF_ERR_FORMAT, "'%s': empty value for %s",
			    text, type);
			goto out;
		}
		if (!X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
		    (unsigned char *)value, -1, -1, set)) {
			r = gf_fail_crypto("'%s': %s", text, type);
			goto out;
		}
		/* After '+' the next attribute joins this RDN (multi-valued). */
		set = *p == '+' ? -1 : 0;
		if (*p != '\0')
			p++;
	}
	if (X509_NAME_entry_count(name) == 0) {
		r = gf_fail(GF_ERR_FORMAT, "'%s': empty name", text);
		goto out;
	}
	*out = name;
	name = NULL;
	r = 0;
 out:
	X509_NAME_free(name);
	free(value);
	return r;
}

char *
dn_format(const X509_NAME *name)
{
	BIO *bio;
	char *data, *text = NULL;
	long len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(bio, &data)) >= 0 &&
	    (text = malloc((size_t)len + 1)) != NULL) {
		memcpy(text, data, (size_t)len);
		text[len] = '\0';
	}
	BIO_free(bio);
	return text;
}

char *
dn_get_text(const X509_NAME *name, int nid)
{
	const X509_NAME_ENTRY *e;
	unsigned char *utf8;
	char *text;
	int i, len;

	if ((i = X509_NAME_get_index_by_NID(name, nid, -1)) < 0)
		return NULL;
	e = X509_NAME_get_entry(name, i);
	if ((len = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(e))) < 0)
		return NULL;
	text = strndup((char *)utf8, (size_t)len);
	OPENSSL_free(utf8);
	return text;
}

int
dn_check_value(const char *type, const void *utf8, size_t len)
{
	const unsigned char *p = utf8;
	char shown[GF_ESCAPE_MAX + 1];
	size_t i, n;
	int kind;

	for (i = 0; i < len; i += n) {
		n = gf_escape_next(p + i, len - i, shown, &kind);
		if (kind != GF_TEXT_SHOWN)
			return gf_fail(GF_ERR_POLICY, "subject %s contains "
			    "%s: %s", type, gf_text_kind_name(kind), shown);
	}
	return 0;
}
