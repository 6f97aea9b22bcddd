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

int
opt_usage(poptContext pc, const char *fmt, ...)
{
	char msg[1024], safe[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The message echoes option values: one line, whatever they hold. */
	gf_escape(safe, sizeof(safe), msg, strlen(msg));
	fprintf(stderr, "%s: %s\n", gf_progname, safe);
	poptPrintUsage(pc, stderr, 0);
	return GF_EXIT_USAGE;
}

int
opt_number(poptContext pc, const char *option, const char *text,
    long long min, long long max, long long *out)
{
	char *end;
	long long n;

	if (text == NULL)
		return 0;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < min || n > max)
		return opt_usage(pc, "%s '%s': a number from %lld to %lld", option,
		    text, min, max);
	*out = n;
	return 0;
}

void
opt_print_versions(const char *program)
{
	printf("%s %s\n", program, GF_VERSION);
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("  SQLite %s\n", sqlite3_libversion());
}
