/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixtures and checks shared by the harnesses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/err.h"
#include "genfic/keys.h"
#include "genfic/x509util.h"
#include "fuzz.h"

void
fuzz_die(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (last error: %s)\n", gf_errmsg(GF_ERR_INTERNAL));
	abort();
}

static char *
fixture_path(const char *name)
{
	char *path;

	if (asprintf(&path, "%s/fixtures/%s", GF_FUZZ_DIR, name) == -1)
		fuzz_die("out of memory");
	return path;
}

X509 *
fuzz_cert(const char *name)
{
	X509 *cert;
	char *path = fixture_path(name);

	if (x509_load(path, &cert) != 0)
		fuzz_die("cannot load %s", path);
	free(path);
	return cert;
}

EVP_PKEY *
fuzz_key(const char *name)
{
	EVP_PKEY *key;
	char *path = fixture_path(name);

	if (key_load(path, NULL, &key) != 0)
		fuzz_die("cannot load %s", path);
	free(path);
	return key;
}

char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		fuzz_die("out of memory");
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzz_check_der(X509 *cert)
{
	unsigned char *der = NULL, *again = NULL;
	const unsigned char *p;
	X509 *copy;
	int len, len2;

	if ((len = i2d_X509(cert, &der)) <= 0)
		fuzz_die("a certificate we built does not encode");
	p = der;
	if ((copy = d2i_X509(NULL, &p, len)) == NULL || p != der + len)
		fuzz_die("a certificate we built does not decode");
	if ((len2 = i2d_X509(copy, &again)) != len ||
	    memcmp(der, again, (size_t)len) != 0)
		fuzz_die("a certificate we built encodes differently once "
		    "decoded");
	X509_free(copy);
	OPENSSL_free(der);
	OPENSSL_free(again);
}
