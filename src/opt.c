/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line helpers shared by genfic-ca and genfic-ocspd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "genfic/err.h"
#include "genfic/opt.h"

static void opt_say(const char *, va_list) __attribute__((format(printf, 1, 0)));

static void
opt_say(const char *fmt, va_list ap)
{
	char msg[1024], safe[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* The message echoes option values: one line, whatever they hold. */
	gf_escape(safe, sizeof(safe), msg, strlen(msg));
	fprintf(stderr, "%s: %s\n", gf_progname, safe);
}

int
opt_usage(poptContext pc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	opt_say(fmt, ap);
	va_end(ap);
	poptPrintUsage(pc, stderr, 0);
	return GF_EXIT_USAGE;
}

int
opt_bad_value(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	opt_say(fmt, ap);
	va_end(ap);
	return GF_EXIT_USAGE;
}

int
opt_number(poptContext pc, const char *option, const char *text,
    long long min, long long max, long long *out)
{
	char *end;
	long long n;

	(void)pc;	/* kept for the callers: a bad value prints no usage */
	if (text == NULL)
		return 0;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < min || n > max)
		return opt_bad_value("%s '%s': a number from %lld to %lld",
		    option, text, min, max);
	*out = n;
	return 0;
}

/* Several options may share a variable (the modes do): noted once. */
static void
opt_strings_add(struct opt_strings *os, char **slot)
{
	size_t i;

	for (i = 0; i < os->n; i++)
		if (os->slot[i] == slot)
			return;
	if (os->n == GF_OPT_STRINGS_MAX)
		return;		/* then a repeated option only leaks */
	os->slot[os->n] = slot;
	os->seen[os->n] = *slot;
	os->owned[os->n++] = 0;
}

void
opt_strings_init(struct opt_strings *os, const struct poptOption *table)
{
	const struct poptOption *o;

	for (o = table; o->longName != NULL || o->shortName != '\0' ||
	    o->argInfo != 0; o++) {
		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE)
			opt_strings_init(os, o->arg);
		else if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_STRING &&
		    o->arg != NULL)
			opt_strings_add(os, o->arg);
	}
}

static void
opt_strings_collect(struct opt_strings *os)
{
	size_t i;

	for (i = 0; i < os->n; i++) {
		if (*os->slot[i] == os->seen[i])
			continue;
		if (os->owned[i] && os->seen[i] != NULL) {
			OPENSSL_cleanse(os->seen[i], strlen(os->seen[i]));
			free(os->seen[i]);
		}
		os->seen[i] = *os->slot[i];
		os->owned[i] = 1;
	}
}

int
opt_next(poptContext pc, struct opt_strings *os)
{
	int c;

	while ((c = poptGetNextOpt(pc)) == GF_OPT_VALUE)
		opt_strings_collect(os);
	opt_strings_collect(os);
	return c;
}

void
opt_print_versions(const char *program)
{
	printf("%s %s\n", program, GF_VERSION);
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("  SQLite %s\n", sqlite3_libversion());
}
