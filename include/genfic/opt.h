/* Command-line helpers shared by genfic-ca and genfic-ocspd (popt). */
#ifndef GENFIC_OPT_H
#define GENFIC_OPT_H

#include <popt.h>

#define GF_EXIT_USAGE	2

/* "PROG: message", then the usage summary, on stderr; returns GF_EXIT_USAGE. */
int	opt_usage(poptContext pc, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Parses a decimal option value in [min, max] into *out; NULL text keeps
 * *out.  Returns 0, or opt_usage()'s status.
 */
int	opt_number(poptContext pc, const char *option, const char *text,
	    long long min, long long max, long long *out);

/* "PROGRAM VERSION" and the OpenSSL and SQLite versions in use. */
void	opt_print_versions(const char *program);

#endif
