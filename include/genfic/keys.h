/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private keys: generation, and PKCS#8 files encrypted with AES-256-CBC
 * under scrypt.  Every key access goes through here, so that a PKCS#11
 * URI (p11.h) stands in for a file.
 */
#ifndef GENFIC_KEYS_H
#define GENFIC_KEYS_H

#include <openssl/evp.h>

struct passphrase;

/* Generates a key of a type such as "rsa:3072", "ec:P-256" or "ed25519". */
int	key_generate(const char *type, EVP_PKEY **pkey);

/* Returns 0 if type names a key type we can generate. */
int	key_type_check(const char *type);

/*
 * Writes pkey to a new file at path, mode 0600 from its creation, never
 * replacing an existing file.  Encrypted when pass is not NULL.
 */
int	key_save(const char *path, EVP_PKEY *pkey,
	    const struct passphrase *pass);

/*
 * Writes pkey, encrypted under pass, over the key file at path in one
 * rename: the old file stays whole until the new one is on disk.
 */
int	key_replace(const char *path, EVP_PKEY *pkey,
	    const struct passphrase *pass);

/*
 * Loads the key at ref ("file:PATH", a plain path, or a "pkcs11:" URI,
 * whose key signs on its token and pass is the PIN); GF_ERR_PASSPHRASE
 * when an encrypted key does not decrypt or the PIN is refused.
 */
int	key_load(const char *ref, const struct passphrase *pass,
	    EVP_PKEY **pkey);

/* True if the file at ref holds an encrypted key, or the token a PIN. */
int	key_is_encrypted(const char *ref);

/* The NID of an EC key's curve, or NID_undef. */
int	key_ec_curve(const EVP_PKEY *pkey);

/* "EC P-256", "RSA 3072", "ED25519": a description for messages. */
void	key_describe(const EVP_PKEY *pkey, char *buf, size_t size);

/*
 * 1 if private key key signs what the public key of cert verifies.  More
 * than X509_check_private_key(), which compares only the public half a
 * private key carries: a key rebuilt from a share edited in its private
 * part still carries the right public half.
 */
int	key_signs_for(EVP_PKEY *key, X509 *cert);

/*
 * After a signature by key failed: GF_ERR_KEY_GONE ("URI: token removed
 * (or not present)") when the key's token is gone, which no later
 * signature in this run can mend; else gf_fail_crypto(what).
 */
int	key_sign_failed(const EVP_PKEY *key, const char *what);

/* The digest to sign with for this key: NULL for EdDSA. */
const EVP_MD *key_digest(const EVP_PKEY *pkey);

/*
 * A signing context for key, set up once, for key_sign_copy(): setting one
 * up looks the algorithms up in the providers, which costs a tenth of a
 * P-256 signature.  *out NULL, and 0, for a key no provider holds (a
 * token's, through its engine), which signs as it always did.
 */
int	key_sign_setup(EVP_PKEY *key, EVP_MD_CTX **out);

/* A copy of ready, to sign one thing with; NULL when out of memory. */
EVP_MD_CTX *key_sign_copy(const EVP_MD_CTX *ready);

#endif
