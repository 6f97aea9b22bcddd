/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --intake SPOOL: one mail message on stdin (procmail's "|") and each
 * certificate request it carries as a file in SPOOL (drop.h), with the
 * sender beside it as the owner candidate.  No store is opened and no
 * key loaded: the message is hostile and this process holds nothing.
 * One line per part on stderr says what became of it.
 * Exit 0 when at least one request is in SPOOL (new or already there),
 * 1 when the message is refused or carries none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genfic/drop.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/intake.h"
#include "cli.h"

struct intake_run {
	const char	*spool;
	char		*sender;	/* the From address, or NULL */
	size_t		 spooled;	/* written, or there already */
};

/* Reads stdin, at most max bytes; more is GF_ERR_TOO_LARGE. */
static int
read_message(size_t max, char **out, size_t *outlen)
{
	size_t len = 0, cap = 64 * 1024;
	char *buf, *bigger;
	ssize_t n;

	if ((buf = malloc(cap)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				return gf_fail(GF_ERR_TOO_LARGE, "message larger "
				    "than %zu bytes", max);
			}
			if ((bigger = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				return gf_fail(GF_ERR_ALLOC, "out of memory");
			}
			buf = bigger;
			cap *= 2;
		}
		if ((n = read(STDIN_FILENO, buf + len, cap - len)) == 0)
			break;
		if (n < 0) {
			free(buf);
			return gf_fail(GF_ERR_IO, "standard input: %s",
			    strerror(errno));
		}
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return gf_fail(GF_ERR_TOO_LARGE, "message larger than %zu bytes",
		    max);
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static int
spool_request(void *arg, const unsigned char *der, size_t len,
    const char *where)
{
	struct intake_run *run = arg;
	char *name = NULL;
	int r;

	if ((r = drop_write(run->spool, der, len, run->sender, &name)) == 0)
		gf_warnx("intake: %s: spooled as %s", where, name);
	else if (r == GF_ERR_EXISTS)
		gf_warnx("intake: %s: %s", where, gf_errmsg(r));
	else
		return r;
	run->spooled++;
	free(name);
	return 0;
}

static void
left_out(void *arg, const char *where, const char *why)
{
	(void)arg;
	gf_warnx("intake: %s: ignored: %s", where, why);
}

int
cmd_intake(struct cli *cli)
{
	struct intake_run run = { .spool = cli->arg };
	struct intake_sink sink = { spool_request, left_out, &run };
	char *msg = NULL;
	size_t len = 0;
	int r;

	if (!file_is_dir(cli->arg))
		return cli_fail(cli->arg, gf_fail(GF_ERR_IO, "not a directory"));
	if ((r = read_message(INTAKE_MAX_MESSAGE, &msg, &len)) != 0)
		return cli_fail("intake", r);
	r = intake_parse(msg, len, &sink, &run.sender);
	free(msg);
	if (r == 0 && run.spooled > 0 && run.sender == NULL)
		gf_warnx("intake: no usable From address: no owner candidate");
	free(run.sender);
	if (r != 0)
		return cli_fail(r == GF_ERR_IO ? cli->arg : "intake", r);
	if (run.spooled == 0) {
		gf_warnx("intake: no certificate request in the message");
		return EXIT_REFUSED;
	}
	return 0;
}
