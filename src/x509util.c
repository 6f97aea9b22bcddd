/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading certificates, times and digests. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/x509util.h"

int
pem_or_der(const unsigned char *data, size_t len, const char *const *labels,
    unsigned char **der, size_t *derlen)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *body = NULL;
	long bodylen = 0;
	const char *why;
	size_t i;
	int r, malformed;

	if (len > 0 && data[0] == 0x30) {	/* a DER SEQUENCE */
		if ((*der = malloc(len)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		memcpy(*der, data, len);
		*derlen = len;
		return 0;
	}
	if (len > INT32_MAX || (bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return gf_fail(GF_ERR_TOO_LARGE, "input too large");
	if (!PEM_read_bio(bio, &name, &header, &body, &bodylen)) {
		BIO_free(bio);
		/* A BEGIN line was found: say what is wrong with the block. */
		why = ERR_reason_error_string(ERR_peek_last_error());
		malformed = ERR_GET_REASON(ERR_peek_last_error()) !=
		    PEM_R_NO_START_LINE && why != NULL;
		r = malformed ? gf_fail(GF_ERR_FORMAT, "malformed PEM: %s", why) :
		    gf_fail(GF_ERR_FORMAT, "neither PEM nor DER");
		ERR_clear_error();
		return r;
	}
	BIO_free(bio);
	r = gf_fail(GF_ERR_FORMAT, "unexpected PEM block '%s'", name);
	for (i = 0; labels[i] != NULL; i++)
		if (strcmp(name, labels[i]) == 0) {
			*der = body;
			*derlen = (size_t)bodylen;
			body = NULL;
			gf_errclear();
			r = 0;
			break;
		}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(body);
	return r;
}

int
x509_from_der(const unsigned char *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *cert;

	if ((cert = d2i_X509(NULL, &p, (long)len)) == NULL)
		return gf_fail_crypto("not a certificate");
	if (p != der + len) {
		X509_free(cert);
		return gf_fail(GF_ERR_FORMAT, "%zu bytes of trailing data after "
		    "the certificate", (size_t)(der + len - p));
	}
	*out = cert;
	return 0;
}

int
x509_load(const char *path, X509 **out)
{
	static const char *const labels[] = { "CERTIFICATE",
	    "X509 CERTIFICATE", "TRUSTED CERTIFICATE", NULL };
	unsigned char *data = NULL, *der = NULL;
	size_t len, derlen;
	int r;

	if ((r = file_read(path, GF_MAX_INPUT_FILE, &data, &len)) == 0 &&
	    (r = pem_or_der(data, len, labels, &der, &derlen)) == 0)
		r = x509_from_der(der, derlen, out);
	free(data);
	free(der);
	return r;
}

int
der_to_pem(const char *label, const unsigned char *der, size_t derlen,
    char **pem, size_t *len)
{
	size_t lines = (derlen + 47) / 48, size, i, chunk;
	char *p, *end;
	int n;

	/* 48 bytes make a line of 64 characters, as PEM_write() writes them. */
	if (derlen > (SIZE_MAX - 256) / 2)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	size = 2 * (strlen(label) + 16) + (derlen + 2) / 3 * 4 + lines + 1;
	if ((*pem = p = malloc(size)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	end = p + size;
	p += snprintf(p, (size_t)(end - p), "-----BEGIN %s-----\n", label);
	for (i = 0; i < derlen; i += chunk) {
		chunk = derlen - i < 48 ? derlen - i : 48;
		n = EVP_EncodeBlock((unsigned char *)p, der + i, (int)chunk);
		p += n;
		*p++ = '\n';
	}
	p += snprintf(p, (size_t)(end - p), "-----END %s-----\n", label);
	*len = (size_t)(p - *pem);
	return 0;
}

int
x509_to_pem(X509 *cert, char **pem, size_t *len)
{
	unsigned char *der = NULL;
	int derlen, r;

	if ((derlen = i2d_X509(cert, &der)) <= 0)
		return gf_fail_crypto("encode certificate");
	r = der_to_pem("CERTIFICATE", der, (size_t)derlen, pem, len);
	OPENSSL_free(der);
	return r;
}

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_fetched;

static void
sha256_fetch(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
gf_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_fetched != NULL ? sha256_fetched : EVP_sha256();
}

int
x509_fingerprint(X509 *cert, unsigned char md[GF_SHA256_LEN])
{
	unsigned int n;

	if (!X509_digest(cert, gf_sha256(), md, &n))
		return gf_fail_crypto("certificate fingerprint");
	return 0;
}

int
spki_set(X509_PUBKEY *spki, const X509_ALGOR *alg, const unsigned char *key,
    int keylen)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	void *pcopy = NULL;
	unsigned char *copy;
	int ptype;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype == V_ASN1_OBJECT)
		pcopy = OBJ_dup(pval);
	else if (ptype == V_ASN1_SEQUENCE)
		pcopy = ASN1_STRING_dup(pval);
	else if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
		return gf_fail(GF_ERR_FORMAT, "unexpected public key parameters");
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL && pcopy == NULL)
		return gf_fail_crypto("public key");
	if ((copy = OPENSSL_memdup(key, (size_t)keylen)) == NULL ||
	    !X509_PUBKEY_set0_param(spki, OBJ_dup(obj), ptype, pcopy, copy,
	    keylen)) {
		OPENSSL_free(copy);
		return gf_fail_crypto("public key");
	}
	return 0;
}

int
spki_hash(const X509_PUBKEY *spki, unsigned char md[GF_SHA256_LEN])
{
	unsigned char *der = NULL;
	int len, r = 0;

	/* The encoded structure, not i2d_PUBKEY(): no provider encoder runs. */
	if ((len = i2d_X509_PUBKEY(spki, &der)) <= 0 ||
	    !EVP_Digest(der, (size_t)len, md, NULL, gf_sha256(), NULL))
		r = gf_fail_crypto("public key hash");
	OPENSSL_free(der);
	return r;
}

X509_PUBKEY *
spki_copy(const X509_PUBKEY *spki)
{
	const unsigned char *p;
	unsigned char *der = NULL;
	X509_PUBKEY *copy = NULL;
	int len;

	if ((len = i2d_X509_PUBKEY(spki, &der)) > 0) {
		p = der;
		copy = d2i_X509_PUBKEY(NULL, &p, len);
	}
	OPENSSL_free(der);
	return copy;
}

int
asn1_time_to_unix(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return gf_fail(GF_ERR_FORMAT, "invalid time");
	*out = timegm(&tm);
	return 0;
}

void
time_to_iso(time_t t, char buf[GF_ISO_TIME_LEN])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, GF_ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, GF_ISO_TIME_LEN, "?");
}

void
hex_encode(const unsigned char *data, size_t len, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		buf[2 * i] = hex[data[i] >> 4];
		buf[2 * i + 1] = hex[data[i] & 0x0f];
	}
	buf[2 * len] = '\0';
}

int
time_from_iso(const char *text, time_t *out)
{
	struct tm tm, check;
	char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end, "T%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70)
		return gf_fail(GF_ERR_USAGE, "'%s': a date is YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM:SSZ (UTC)", text);
	/* strptime accepts 2026-02-31; timegm normalises it to March. */
	check = tm;
	t = timegm(&check);
	if (check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
		return gf_fail(GF_ERR_USAGE, "'%s': no such date", text);
	*out = t;
	return 0;
}

int
x509_is_ca(X509 *cert, long *pathlen)
{
	BASIC_CONSTRAINTS *bc;
	int ca;

	if (pathlen != NULL)
		*pathlen = -1;
	if ((bc = X509_get_ext_d2i(cert, NID_basic_constraints, NULL,
	    NULL)) == NULL)
		return 0;
	ca = bc->ca != 0;
	if (ca && pathlen != NULL && bc->pathlen != NULL)
		*pathlen = ASN1_INTEGER_get(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}
