/* -g -p CA: issue the CA's next CRL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/crl.h"
#include "genfic/der.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

static int
crl_publish(const struct cli *cli, struct cli_out *out, struct store *st,
    const struct ca *ca, const struct buf *der)
{
	char *pem = NULL, *path;
	size_t pemlen = 0;
	int r, want_der = cli->format != NULL && strcmp(cli->format, "der") == 0;

	if ((path = store_path(st, "crl", ca->name, ".crl")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = der_to_pem(PEM_STRING_X509_CRL, der->data, der->len, &pem,
	    &pemlen)) != 0 ||
	    (r = file_write_atomic(path, pem, pemlen, 0644, 1)) != 0 ||
	    (r = audit_checkpoint_export(st, ca->name, st->dir, NULL)) != 0)
		goto out;
	r = cli_output_write(out, want_der ? (void *)der->data : pem,
	    want_der ? der->len : pemlen);
 out:
	free(path);
	free(pem);
	return r;
}

int
cmd_gencrl(struct cli *cli)
{
	struct crl_params params;
	struct cli_out out;
	struct store *st = NULL;
	struct ca *ca = NULL;
	EVP_PKEY *key = NULL;
	struct buf der;
	char next[GF_ISO_TIME_LEN];
	int64_t number;
	long entries;
	int r;

	buf_init(&der);
	memset(&out, 0, sizeof(out));
	if (cli_parent_missing(cli, "-g", "CA"))
		return EXIT_USAGE;
	if (cli->format != NULL && strcmp(cli->format, "pem") != 0 &&
	    strcmp(cli->format, "der") != 0) {
		fprintf(stderr, "%s: -g: --format is pem or der\n", gf_progname);
		return EXIT_USAGE;
	}
	/*
	 * An -o that cannot be written is found (a device or FIFO opened)
	 * now, not after the CRL number is spent and the CRL stored.  A CRL
	 * supersedes the previous one: an existing file is replaced.
	 */
	if ((r = cli_output_open(&out, cli->output, 1)) != 0 ||
	    (r = store_open(cli->dir, 0, &st)) != 0 ||
	    (r = ca_load(st, cli->parent, &ca)) != 0 ||
	    (r = cli_ca_key(cli, st, ca, &key)) != 0)
		goto out;
	memset(&params, 0, sizeof(params));
	params.this_update = time(NULL);
	params.next_update = params.this_update + (cli->crl_hours != 0 ?
	    (time_t)cli->crl_hours * 3600 :
	    (time_t)(cli->crl_days != 0 ? cli->crl_days : ca->crl_days) * 86400);
	params.include_expired = cli->include_expired;
	if ((r = crl_issue(st, ca, key, &params, &der, &number,
	    &entries)) != 0 || (r = crl_publish(cli, &out, st, ca, &der)) != 0)
		goto out;
	if (cli->output != NULL) {
		time_to_iso(params.next_update, next);
		printf("%s: CRL number %lld, %ld entries, next update %s\n",
		    ca->name, (long long)number, entries, next);
	}
 out:
	if (r != 0)
		gf_report(cli->parent, r);
	cli_output_close(&out);
	buf_free(&der);
	EVP_PKEY_free(key);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
