/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CA keys on PKCS#11 tokens, named by RFC 7512 URIs
 * ("pkcs11:token=genfic-root;object=root").  keys.c sends every
 * "pkcs11:" reference here; a build without PKCS#11 support answers
 * every call with "built without PKCS#11 support".
 */
#ifndef GENFIC_P11_H
#define GENFIC_P11_H

#include <openssl/evp.h>

struct passphrase;

/* True if ref is a PKCS#11 URI rather than a key file. */
int	p11_is_uri(const char *ref);

/*
 * The module to load: path, else $GENFIC_CA_PKCS11_MODULE, else
 * p11-kit's proxy.  Before the first p11_generate() or p11_load().
 */
void	p11_set_module(const char *path);

/*
 * Returns 0 if uri parses, names a token and an object (label or id),
 * and this build can reach tokens.
 */
int	p11_uri_check(const char *uri);

/* True if the URI carries no PIN (pin-value or pin-source). */
int	p11_needs_pin(const char *uri);

/*
 * Generates a key pair of type ("ec:P-256", "rsa:3072") on the token of
 * uri, labelled with its object: the private key sensitive, never
 * extractable.  GF_ERR_EXISTS when a key of that label is there already.
 * pin is used when the URI carries none.  One login attempt per token.
 */
int	p11_generate(const char *uri, const char *type,
	    const struct passphrase *pin);

/*
 * The private key of uri, as a key that signs on the token (it never
 * leaves it).  Exactly one private key must match.
 */
int	p11_load(const char *uri, const struct passphrase *pin,
	    EVP_PKEY **key);

/*
 * After a signature by key failed: GF_ERR_KEY_GONE, with the key's URI,
 * if OpenSSL's error queue holds what a pulled token answers
 * (CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, a session that is no
 * more); else 0, the queue as it was.
 */
int	p11_sign_gone(const EVP_PKEY *key);

/*
 * Removes the key pair p11_generate() made, after a failure later on;
 * warns when it cannot.
 */
void	p11_remove(const char *uri, const struct passphrase *pin);

#endif
