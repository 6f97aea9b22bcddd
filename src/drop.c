/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The intake's spool files (drop.h).  Names come from the content only,
 * so nothing a sender chose reaches the file system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "genfic/drop.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/owner.h"
#include "genfic/x509util.h"

/* The SHA-256 of der in hex, as a file name stem. */
static int
content_name(const unsigned char *der, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t i;

	if (EVP_Digest(der, len, md, &mdlen, gf_sha256(), NULL) != 1 ||
	    mdlen != sizeof(md))
		return gf_fail_crypto("SHA-256");
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int
write_pem(const char *path, const unsigned char *der, size_t len)
{
	BIO *bio;
	char *pem;
	long n;
	int r;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio(bio, "CERTIFICATE REQUEST", "", der, (long)len) <= 0 ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0) {
		BIO_free(bio);
		return gf_fail_crypto("PEM");
	}
	r = file_write_atomic(path, pem, (size_t)n, DROP_FILE_MODE, 0);
	BIO_free(bio);
	return r;
}

static int
write_owner(const char *path, const char *sender)
{
	char *text = NULL;
	int n, r;

	if ((n = asprintf(&text, "%s\n", sender)) < 0)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_write_atomic(path, text, (size_t)n, DROP_FILE_MODE, 1);
	free(text);
	return r;
}

/* dir/<hex><suffix> in a new string. */
static char *
drop_path(const char *dir, const char *hex, const char *suffix)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s%s", dir, hex, suffix) < 0)
		return NULL;
	return path;
}

int
drop_write(const char *dir, const unsigned char *der, size_t len,
    const char *sender, char **name)
{
	char hex[65], *req = NULL, *owner = NULL;
	int r;

	if ((r = content_name(der, len, hex)) != 0)
		return r;
	if ((req = drop_path(dir, hex, ".req")) == NULL ||
	    (owner = drop_path(dir, hex, ".req" OWNER_SIDECAR_EXT)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	/* The first sender stays the candidate; a spool run finds both. */
	if (file_exists(req)) {
		r = gf_fail(GF_ERR_EXISTS, "already in the spool");
		goto out;
	}
	if ((sender != NULL && (r = write_owner(owner, sender)) != 0) ||
	    (r = write_pem(req, der, len)) != 0)
		goto out;
	if (name != NULL && asprintf(name, "%s.req", hex) < 0) {
		*name = NULL;
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	}
 out:
	free(req);
	free(owner);
	return r;
}
