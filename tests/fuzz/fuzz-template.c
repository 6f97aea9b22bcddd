/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A template file: template_load() of the input, as fuzz.cnf in a
 * private directory (a link to a memfd, so that no input touches the
 * disk); then the key and subject policy it sets, and
 * issue_build() of a self-signed certificate, which runs template_apply()
 * on the file's extension section.  What is issued verifies and
 * round-trips.
 *
 * Inputs with ".include" are skipped: NCONF would read whatever file
 * they name (/dev/stdin, say), which fuzzes the file system, not us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/issue.h"
#include "genfic/policy.h"
#include "genfic/serial.h"
#include "genfic/template.h"
#include "fuzz.h"

static char	 dir[] = "/tmp/genfic-fuzz-template.XXXXXX";
static char	*path;
static int	 fd = -1;
static EVP_PKEY	*ec_key, *ed_key;
static X509_NAME *subject;
static GENERAL_NAMES *san;

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	GENERAL_NAME *gn;
	ASN1_IA5STRING *dns;
	char *target;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL || asprintf(&path, "%s/fuzz.cnf", dir) == -1)
		fuzz_die("cannot make a directory in /tmp");
	atexit(cleanup);
	if ((fd = memfd_create("fuzz.cnf", 0)) == -1 ||
	    asprintf(&target, "/proc/self/fd/%d", fd) == -1 ||
	    symlink(target, path) == -1)
		fuzz_die("cannot link %s to a memfd", path);
	free(target);
	ec_key = fuzz_key("ca1.key");
	ed_key = fuzz_key("ca2.key");
	if (dn_parse("/C=BE/O=Example/OU=Fuzz/CN=fuzz.example.org/"
	    "emailAddress=fuzz@example.org", &subject) != 0)
		fuzz_die("subject");
	if ((san = GENERAL_NAMES_new()) == NULL ||
	    (gn = GENERAL_NAME_new()) == NULL ||
	    (dns = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(dns, "fuzz.example.org", -1))
		fuzz_die("subjectAltName");
	GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
	if (!sk_GENERAL_NAME_push(san, gn))
		fuzz_die("subjectAltName");
	return 0;
}

static void
write_input(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		fuzz_die("cannot write %s", path);
}

/* A self-signed certificate of key, as genfic-ca -r makes a root. */
static void
issue(const struct template *t, EVP_PKEY *key, const X509_NAME *name)
{
	static const struct serial serial = { { 0x42, 1, 2, 3, 4, 5, 6, 7, 8,
	    9, 10, 11, 12, 13, 14, 15 }, GF_SERIAL_LEN };
	struct issue_request ir;
	X509 *cert = NULL;

	memset(&ir, 0, sizeof(ir));
	ir.tmpl = t;
	ir.subject = name;
	ir.pubkey = key;
	ir.san = t->copy_san ? san : NULL;
	ir.days = t->days;
	ir.issuer_key = key;
	ir.crl_url = "http://crl.example.org/fuzz.crl";
	ir.ocsp_url = "http://ocsp.example.org/";
	ir.ca_issuers_url = "http://example.org/ca.crt";
	if (issue_build(&ir, &serial, &cert) == 0) {
		if (X509_verify(cert, key) != 1)
			fuzz_die("a self-signed certificate does not verify");
		fuzz_check_der(cert);
	}
	X509_free(cert);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const dirs[] = { dir, NULL };
	struct template *t = NULL;
	X509_NAME *name = NULL;

	if (memmem(data, size, ".include", 8) != NULL)
		return -1;	/* not worth keeping in the corpus */
	write_input(data, size);
	if (template_load("fuzz", dirs, &t) != 0)
		goto out;
	(void)policy_check_key(t, ed_key);
	if (policy_check_key(t, ec_key) == 0 &&
	    policy_subject(t, subject, &name) == 0)
		issue(t, ec_key, name);
	issue(t, ed_key, subject);
 out:
	X509_NAME_free(name);
	template_free(t);
	gf_errclear();
	return 0;
}
