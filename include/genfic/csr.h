/* Certificate signing requests: bounded loading and proof of possession. */
#ifndef GENFIC_CSR_H
#define GENFIC_CSR_H

#include <stddef.h>
#include <openssl/x509.h>

/* Parses a PEM or DER CSR, refusing trailing bytes. */
int	csr_parse(const unsigned char *data, size_t len, X509_REQ **req);

/* Reads and parses the CSR at path (at most GF_MAX_INPUT_FILE bytes). */
int	csr_load(const char *path, X509_REQ **req);

/* Checks the CSR's self-signature (proof of possession). */
int	csr_verify(X509_REQ *req);

/* The CSR's subjectAltName, or NULL in *san when it has none. */
int	csr_get_san(X509_REQ *req, GENERAL_NAMES **san);

#endif
