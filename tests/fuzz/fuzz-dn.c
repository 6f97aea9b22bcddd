/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subject strings as given to -s/--subject and -r/-c: dn_parse(), then
 * what is done with the name (RFC 4514 text, the CN, DER).  A name that
 * parses has at least one attribute and round-trips through DER.
 */
#include <stdlib.h>

#include "genfic/dn.h"
#include "genfic/err.h"
#include "fuzz.h"

static void
check_name(const X509_NAME *name)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	X509_NAME *copy;
	int len;

	if (X509_NAME_entry_count(name) < 1)
		fuzz_die("an empty name parsed");
	if ((len = i2d_X509_NAME(name, &der)) <= 0)
		fuzz_die("a parsed name does not encode");
	p = der;
	if ((copy = d2i_X509_NAME(NULL, &p, len)) == NULL ||
	    p != der + len || X509_NAME_cmp(name, copy) != 0)
		fuzz_die("a parsed name does not round-trip");
	X509_NAME_free(copy);
	OPENSSL_free(der);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_NAME *name = NULL;
	char *text = fuzz_string(data, size);

	if (dn_parse(text, &name) == 0) {
		check_name(name);
		free(dn_format(name));
		free(dn_get_text(name, NID_commonName));
		X509_NAME_free(name);
	}
	free(text);
	gf_errclear();
	return 0;
}
