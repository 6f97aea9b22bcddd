/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key share files as --restore-key reads them: keyshare_parse().  A share
 * that parses formats again into a file that parses to the same share.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "genfic/err.h"
#include "genfic/keyshare.h"
#include "fuzz.h"

static void
check_share(const struct keyshare *ks)
{
	struct keyshare again;
	char *text = NULL;
	size_t len = 0;

	if (keyshare_format(ks, &text, &len) != 0)
		fuzz_die("a parsed share does not format");
	if (keyshare_parse(text, len, &again) != 0)
		fuzz_die("a formatted share does not parse");
	if (strcmp(again.ca, ks->ca) != 0 || again.index != ks->index ||
	    again.count != ks->count || again.threshold != ks->threshold ||
	    memcmp(again.key_sha256, ks->key_sha256, 32) != 0 ||
	    memcmp(again.backup, ks->backup, sizeof(ks->backup)) != 0 ||
	    again.len != ks->len || memcmp(again.data, ks->data, ks->len) != 0)
		fuzz_die("a share does not round-trip");
	keyshare_clear(&again);
	keyshare_text_free(text, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyshare ks;

	if (keyshare_parse((const char *)data, size, &ks) == 0) {
		check_share(&ks);
		keyshare_clear(&ks);
	}
	gf_errclear();
	return 0;
}
