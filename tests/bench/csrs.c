/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gf-bench-csrs: writes N certificate requests DIR/rNNNNNN.req, each with
 * its own P-256 key, CN=host-N.bench.example and a DNS subjectAltName:
 * the spool of the bulk issuance benchmark and the crash tests.
 *
 * usage: gf-bench-csrs DIR N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* A request with its own key and a DNS subjectAltName, or NULL. */
static X509_REQ *
make_request(const char *cn)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *san = NULL;
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	char dns[80];
	int ok;

	snprintf(dns, sizeof(dns), "DNS:%s", cn);
	ok = (key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) != NULL &&
	    (req = X509_REQ_new()) != NULL &&
	    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
	    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
	    X509_REQ_set_pubkey(req, key) &&
	    (san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    dns)) != NULL && X509v3_add_ext(&exts, san, -1) != NULL &&
	    X509_REQ_add_extensions(req, exts) &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_EXTENSION_free(san);
	EVP_PKEY_free(key);
	if (!ok) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

static int
write_request(const char *dir, long i)
{
	X509_REQ *req;
	char cn[64], path[4096];
	FILE *f;
	int ok;

	snprintf(cn, sizeof(cn), "host-%ld.bench.example", i);
	snprintf(path, sizeof(path), "%s/r%06ld.req", dir, i);
	if ((req = make_request(cn)) == NULL)
		return -1;
	ok = (f = fopen(path, "w")) != NULL;
	if (ok) {
		ok = PEM_write_X509_REQ(f, req);
		ok = fclose(f) == 0 && ok;
	}
	X509_REQ_free(req);
	return ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char *end;
	long n, i;

	errno = 0;
	n = argc == 3 ? strtol(argv[2], &end, 10) : 0;
	if (argc != 3 || errno != 0 || *end != '\0' || n <= 0) {
		fprintf(stderr, "usage: gf-bench-csrs DIR N\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		if (write_request(argv[1], i) != 0) {
			fprintf(stderr, "gf-bench-csrs: request %ld failed\n", i);
			return 1;
		}
	return 0;
}
