/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key share files: writing one share as text, and reading one back with
 * every field and the checksum checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keyshare.h"
#include "genfic/x509util.h"

#define KEYSHARE_VERSION	1
#define KEYSHARE_HEADER_MAX	512
#define KEYSHARE_LINE		48	/* bytes per base64 line: 64 chars */

void *
keyshare_alloc(size_t len)
{
	void *p;

	if ((p = OPENSSL_secure_malloc(len)) == NULL)
		p = OPENSSL_malloc(len);
	return p;
}

/* The header lines the checksum covers, each ending in '\n'. */
static int
keyshare_fields(const struct keyshare *ks, char *buf, size_t size)
{
	char key[65], cert[65], backup[2 * KEYSHARE_BACKUP_LEN + 1];
	int n;

	hex_encode(ks->key_sha256, sizeof(ks->key_sha256), key);
	hex_encode(ks->cert_sha256, sizeof(ks->cert_sha256), cert);
	hex_encode(ks->backup, sizeof(ks->backup), backup);
	n = snprintf(buf, size, "Version: %d\nCA: %s\nKey-SHA256: %s\n"
	    "Certificate-SHA256: %s\nBackup: %s\nShare: %d of %d\n"
	    "Threshold: %d\n", KEYSHARE_VERSION, ks->ca, key, cert, backup,
	    ks->index, ks->count, ks->threshold);
	if (n < 0 || (size_t)n >= size)
		return gf_fail(GF_ERR_INTERNAL, "key share header too long");
	return n;
}

/* SHA-256 of the fields and the share, as hex. */
static int
keyshare_checksum(const char *fields, size_t n, const struct keyshare *ks,
    char hex[65])
{
	unsigned char md[32];
	EVP_MD_CTX *ctx;
	int r = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, fields, n) != 1 ||
	    EVP_DigestUpdate(ctx, ks->data, ks->len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		r = gf_fail_crypto("key share checksum");
	else
		hex_encode(md, sizeof(md), hex);
	EVP_MD_CTX_free(ctx);
	return r;
}

/* "Version: 1\n...Checksum: HEX\n": the whole header. */
static int
keyshare_header(const struct keyshare *ks, char *buf, size_t size)
{
	char sum[65];
	int n, r;

	if ((n = keyshare_fields(ks, buf, size)) < 0)
		return n;
	if ((r = keyshare_checksum(buf, n, ks, sum)) != 0)
		return r;
	if ((size_t)n + strlen("Checksum: \n") + 64 >= size)
		return gf_fail(GF_ERR_INTERNAL, "key share header too long");
	snprintf(buf + n, size - n, "Checksum: %s\n", sum);
	return 0;
}

int
keyshare_format(const struct keyshare *ks, char **text, size_t *len)
{
	char header[KEYSHARE_HEADER_MAX], intro[256], *out;
	size_t size, off, i, chunk;
	int r;

	if (ks->len == 0 || ks->len > KEYSHARE_MAX_SECRET)
		return gf_fail(GF_ERR_TOO_LARGE, "a key share of %zu bytes",
		    ks->len);
	if ((r = keyshare_header(ks, header, sizeof(header))) != 0)
		return r;
	snprintf(intro, sizeof(intro), "Share %d of %d of the key of CA %s; "
	    "any %d of the %d rebuild it:\n  genfic-ca --restore-key %s "
	    "SHARE-FILE...\n\n", ks->index, ks->count, ks->ca, ks->threshold,
	    ks->count, ks->ca);
	/* base64: 65 characters a line at most, each line of 48 bytes. */
	size = strlen(intro) + strlen(header) + 2 * sizeof(KEYSHARE_PEM_NAME) +
	    64 + (ks->len / KEYSHARE_LINE + 1) * 66;
	if ((out = keyshare_alloc(size)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	off = snprintf(out, size, "%s-----BEGIN " KEYSHARE_PEM_NAME "-----\n"
	    "%s\n", intro, header);
	for (i = 0; i < ks->len; i += chunk) {
		chunk = ks->len - i < KEYSHARE_LINE ? ks->len - i :
		    KEYSHARE_LINE;
		off += EVP_EncodeBlock((unsigned char *)out + off,
		    ks->data + i, (int)chunk);
		out[off++] = '\n';
	}
	off += snprintf(out + off, size - off, "-----END " KEYSHARE_PEM_NAME
	    "-----\n");
	*text = out;
	*len = off;
	return 0;
}

void
keyshare_text_free(char *text, size_t len)
{
	if (text != NULL)
		OPENSSL_secure_clear_free(text, len + 1);
}

void
keyshare_clear(struct keyshare *ks)
{
	if (ks->data != NULL)
		OPENSSL_secure_clear_free(ks->data, ks->len);
	memset(ks, 0, sizeof(*ks));
}

/*
 * The value of the line "NAME: value" at *p, which must come next; *p
 * moves past the line.  NULL when the line is another.
 */
static const char *
keyshare_field(const char **p, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *eol;

	if (strncmp(*p, name, n) != 0 || strncmp(*p + n, ": ", 2) != 0 ||
	    (eol = strchr(*p + n, '\n')) == NULL)
		return NULL;
	v = *p + n + 2;
	*vlen = eol - v;
	*p = eol + 1;
	return v;
}

/* 1 to 255, in decimal without a leading zero; -1 otherwise. */
static int
keyshare_number(const char *v, size_t len)
{
	int n = 0;
	size_t i;

	if (len == 0 || len > 3 || v[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n <= 255 ? n : -1;
}

/* A lower-case hex digit's value, or -1. */
static int
keyshare_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case hex of exactly size bytes. */
static int
keyshare_unhex(const char *v, size_t len, unsigned char *out, size_t size)
{
	size_t i;
	int hi, lo;

	if (len != 2 * size)
		return -1;
	for (i = 0; i < size; i++) {
		if ((hi = keyshare_nibble(v[2 * i])) < 0 ||
		    (lo = keyshare_nibble(v[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* "K of N". */
static int
keyshare_index(const char *v, size_t len, struct keyshare *ks)
{
	const char *of;

	if ((of = memchr(v, ' ', len)) == NULL || (size_t)(v + len - of) < 4 ||
	    strncmp(of, " of ", 4) != 0)
		return -1;
	ks->index = keyshare_number(v, of - v);
	ks->count = keyshare_number(of + 4, v + len - of - 4);
	return ks->index < 0 || ks->count < 0 ? -1 : 0;
}

/* The fields of the header, each where keyshare_fields() puts it. */
static int
keyshare_parse_fields(const char *header, struct keyshare *ks, char sum[65])
{
	const char *p = header, *v;
	size_t n;

	if ((v = keyshare_field(&p, "Version", &n)) == NULL ||
	    keyshare_number(v, n) != KEYSHARE_VERSION)
		return gf_fail(GF_ERR_FORMAT, "malformed: not a version %d "
		    "key share header", KEYSHARE_VERSION);
	if ((v = keyshare_field(&p, "CA", &n)) == NULL ||
	    n > KEYSHARE_NAME_MAX)
		return gf_fail(GF_ERR_FORMAT, "malformed: no CA line");
	memcpy(ks->ca, v, n);
	ks->ca[n] = '\0';
	if (!file_name_ok(ks->ca, KEYSHARE_NAME_MAX))
		return gf_fail(GF_ERR_FORMAT, "malformed: not a CA name");
	if ((v = keyshare_field(&p, "Key-SHA256", &n)) == NULL ||
	    keyshare_unhex(v, n, ks->key_sha256, sizeof(ks->key_sha256)) != 0 ||
	    (v = keyshare_field(&p, "Certificate-SHA256", &n)) == NULL ||
	    keyshare_unhex(v, n, ks->cert_sha256, sizeof(ks->cert_sha256)) != 0 ||
	    (v = keyshare_field(&p, "Backup", &n)) == NULL ||
	    keyshare_unhex(v, n, ks->backup, sizeof(ks->backup)) != 0)
		return gf_fail(GF_ERR_FORMAT, "malformed: a Key-SHA256, "
		    "Certificate-SHA256 or Backup line missing or not hex");
	if ((v = keyshare_field(&p, "Share", &n)) == NULL ||
	    keyshare_index(v, n, ks) != 0 ||
	    (v = keyshare_field(&p, "Threshold", &n)) == NULL ||
	    (ks->threshold = keyshare_number(v, n)) < 0 ||
	    ks->index > ks->count || ks->threshold < 2 ||
	    ks->threshold > ks->count)
		return gf_fail(GF_ERR_FORMAT, "malformed: Share K of N and "
		    "Threshold M need 1 <= K <= N, 2 <= M <= N <= 255");
	if ((v = keyshare_field(&p, "Checksum", &n)) == NULL || n != 64 ||
	    *p != '\0')
		return gf_fail(GF_ERR_FORMAT, "malformed: the Checksum line "
		    "must end the header");
	memcpy(sum, v, 64);
	sum[64] = '\0';
	return 0;
}

/* The block's header and share, checksum and all. */
static int
keyshare_check(const char *header, unsigned char *data, long len,
    struct keyshare *ks)
{
	char sum[65], want[KEYSHARE_HEADER_MAX];
	int n, r;

	if ((r = keyshare_parse_fields(header, ks, sum)) != 0)
		return r;
	if (len <= 0 || len > KEYSHARE_MAX_SECRET)
		return gf_fail(GF_ERR_FORMAT, "malformed: a share of %ld bytes",
		    len);
	ks->data = data;
	ks->len = (size_t)len;
	/* Written otherwise (spaces, case), it is no share we wrote. */
	if ((n = keyshare_fields(ks, want, sizeof(want))) < 0)
		return n;
	if (strncmp(header, want, n) != 0)
		return gf_fail(GF_ERR_FORMAT, "malformed: the header is not "
		    "as genfic-ca writes it");
	if ((r = keyshare_checksum(want, n, ks, want)) != 0)
		return r;
	if (CRYPTO_memcmp(want, sum, 64) != 0)
		return gf_fail(GF_ERR_POLICY, "checksum mismatch: the share "
		    "was changed or damaged");
	return 0;
}

/* Only white space may follow the block. */
static int
keyshare_rest_blank(BIO *bio)
{
	char *rest;
	long n, i;

	n = BIO_get_mem_data(bio, &rest);
	for (i = 0; i < n; i++)
		if (strchr(" \t\r\n", rest[i]) == NULL)
			return 0;
	return 1;
}

int
keyshare_parse(const char *text, size_t len, struct keyshare *ks)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	BIO *bio;
	int r;

	memset(ks, 0, sizeof(*ks));
	if (len > KEYSHARE_MAX_FILE)
		return gf_fail(GF_ERR_TOO_LARGE, "malformed: larger than %d "
		    "bytes", KEYSHARE_MAX_FILE);
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return gf_fail_crypto("key share");
	if ((r = PEM_read_bio_ex(bio, &name, &header, &data, &dlen,
	    PEM_FLAG_SECURE)) != 1 && BIO_reset(bio) == 1) {
		/* The secure heap may be full (200 shares of an RSA key). */
		gf_errclear();
		r = PEM_read_bio_ex(bio, &name, &header, &data, &dlen, 0);
	}
	if (r != 1) {
		gf_errclear();
		r = gf_fail(GF_ERR_FORMAT, "malformed: no " KEYSHARE_PEM_NAME
		    " block, or its base64 is damaged");
	} else if (strcmp(name, KEYSHARE_PEM_NAME) != 0)
		r = gf_fail(GF_ERR_FORMAT, "malformed: a %.40s block, not a "
		    KEYSHARE_PEM_NAME, name);
	else if (!keyshare_rest_blank(bio))
		r = gf_fail(GF_ERR_FORMAT, "malformed: text after the "
		    KEYSHARE_PEM_NAME " block");
	else if ((r = keyshare_check(header, data, dlen, ks)) == 0)
		data = NULL;	/* ks owns it */
	if (r != 0) {
		ks->data = NULL;
		keyshare_clear(ks);
	}
	OPENSSL_secure_clear_free(data, dlen > 0 ? (size_t)dlen : 0);
	OPENSSL_secure_free(name);
	OPENSSL_secure_free(header);
	BIO_free(bio);
	return r;
}
