/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line helpers shared by genfic-ca and genfic-ocspd (popt). */
#ifndef GENFIC_OPT_H
#define GENFIC_OPT_H

#include <popt.h>

#define GF_EXIT_USAGE	2

/* "PROG: message", then the usage summary, on stderr; returns GF_EXIT_USAGE. */
int	opt_usage(poptContext pc, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * "PROG: message" alone, for an option whose value is wrong (the usage
 * summary would bury it); returns GF_EXIT_USAGE.
 */
int	opt_bad_value(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Parses a decimal option value in [min, max] into *out; NULL text keeps
 * *out.  Returns 0, or opt_bad_value()'s status.
 */
int	opt_number(poptContext pc, const char *option, const char *text,
	    long long min, long long max, long long *out);

#define GF_OPT_STRINGS_MAX	64

/*
 * popt strdup()s a string option's value into its variable and never frees
 * the value a repeated option replaces; opt_next() does, wiping it first
 * (it may name a passphrase).  The string options carry GF_OPT_VALUE as
 * their val, so that popt stops after each and opt_next() sees them all.
 */
#define GF_OPT_VALUE		999
struct opt_strings {
	char		**slot[GF_OPT_STRINGS_MAX];
	char		 *seen[GF_OPT_STRINGS_MAX];
	unsigned char	  owned[GF_OPT_STRINGS_MAX];	/* seen came from popt */
	size_t		  n;
};

/* Notes the variables of table's string options (included tables too). */
void	opt_strings_init(struct opt_strings *os, const struct poptOption *table);

/*
 * poptGetNextOpt() until an option other than a string one, freeing what a
 * repeated string option replaced.
 */
int	opt_next(poptContext pc, struct opt_strings *os);

/* "PROGRAM VERSION" and the OpenSSL and SQLite versions in use. */
void	opt_print_versions(const char *program);

#endif
