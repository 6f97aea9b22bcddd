/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -I DIR: import an `openssl ca` or easy-rsa directory (src/import.c does
 * it): the options, a progress bar on a terminal, the summary.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "genfic/err.h"
#include "genfic/import.h"
#include "cli.h"

/* Long imports only, and never into a log: a terminal's stderr. */
static void
import_bar(const char *doing, long done, long total, int last)
{
	if (total < 1000 || (!last && done % 500 != 0))
		return;
	fprintf(stderr, "\r%s: %s %ld/%ld", gf_progname, doing, done, total);
	if (last)
		fputc('\n', stderr);
}

int
cmd_import(struct cli *cli)
{
	struct import_options opt;
	struct import im;
	int r;

	memset(&opt, 0, sizeof(opt));
	opt.store_dir = cli->dir;
	opt.name = cli->name;
	opt.ca_cert = cli->ca_cert;
	opt.ca_key = cli->ca_key;
	opt.leaf_template = cli->template;
	opt.passin = cli->passin;
	opt.passout = cli->passout;
	opt.batch = cli->batch;
	if (!cli->batch && isatty(STDERR_FILENO))
		opt.progress = import_bar;
	if ((r = import_dir(&im, cli->arg, &opt)) == 0) {
		printf("%s: imported %ld, skipped %ld (already in the store), "
		    "failed %ld\n", im.name, im.imported, im.skipped, im.failed);
		r = cli_ca_cert_publish(im.st, im.name, im.ca_cert, NULL);
	}
	if (r != 0)
		gf_report(cli->arg, r);
	import_free(&im);
	return cli_exit_status(r);
}
