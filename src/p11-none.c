/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PKCS#11 keys in a build without them: every URI is refused, clearly. */
#include <string.h>

#include "genfic/err.h"
#include "genfic/p11.h"

static int
p11_none(void)
{
	return gf_fail(GF_ERR_POLICY, "PKCS#11 key URI: genfic-ca was built "
	    "without PKCS#11 support (meson -Dpkcs11=enabled, with libp11 "
	    "and p11-kit)");
}

int
p11_is_uri(const char *ref)
{
	return ref != NULL && strncmp(ref, "pkcs11:", 7) == 0;
}

void
p11_set_module(const char *path)
{
	(void)path;
}

int
p11_uri_check(const char *uri)
{
	(void)uri;
	return p11_none();
}

int
p11_needs_pin(const char *uri)
{
	(void)uri;
	return 0;
}

int
p11_generate(const char *uri, const char *type, const struct passphrase *pin)
{
	(void)uri;
	(void)type;
	(void)pin;
	return p11_none();
}

int
p11_load(const char *uri, const struct passphrase *pin, EVP_PKEY **key)
{
	(void)uri;
	(void)pin;
	(void)key;
	return p11_none();
}

int
p11_sign_gone(const EVP_PKEY *key)
{
	(void)key;
	return 0;
}

void
p11_remove(const char *uri, const struct passphrase *pin)
{
	(void)uri;
	(void)pin;
}
