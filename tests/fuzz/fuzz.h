/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the libFuzzer harnesses share: the fixture files of tests/fuzz/
 * and one way to report a broken invariant (an abort libFuzzer records
 * as a crash, with the input that caused it).
 */
#ifndef GENFIC_FUZZ_H
#define GENFIC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: what" (and the last genfic error) and aborts. */
void	fuzz_die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* tests/fuzz/fixtures/NAME, loaded once at start-up, or fuzz_die(). */
X509	 *fuzz_cert(const char *name);
EVP_PKEY *fuzz_key(const char *name);

/* The input as a NUL-terminated string (cut at its first NUL); free() it. */
char	*fuzz_string(const uint8_t *data, size_t size);

/* Decodes, re-encodes and compares: the DER of cert must round-trip. */
void	fuzz_check_der(X509 *cert);

#endif
