/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mail messages as --intake reads them: intake_parse().  Whatever it
 * hands out is one whole request of at most INTAKE_MAX_REQUEST bytes,
 * and the sender, if any, an address owner_check() accepts.
 */
#include <stdlib.h>

#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/intake.h"
#include "genfic/owner.h"
#include "fuzz.h"

static int
check_request(void *arg, const unsigned char *der, size_t len,
    const char *where)
{
	const unsigned char *p = der;
	X509_REQ *req;

	(void)arg;
	(void)where;
	if (len > INTAKE_MAX_REQUEST)
		fuzz_die("a request of %zu bytes handed out", len);
	if ((req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		fuzz_die("handed out what is not one whole request");
	X509_REQ_free(req);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intake_sink sink = { check_request, NULL, NULL };
	char *sender = NULL;

	(void)intake_parse((const char *)data, size, &sink, &sender);
	if (sender != NULL && owner_check(sender) != 0)
		fuzz_die("sender address that owner_check() refuses");
	free(sender);
	gf_errclear();
	return 0;
}
