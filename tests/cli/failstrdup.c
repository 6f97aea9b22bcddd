/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A planted fault: LD_PRELOAD'ed into genfic-ca, it makes strdup() run
 * out of memory for one string, the value of $GF_FAILSTRDUP, and for no
 * other: the copy of one option's value fails, and everything else runs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *
strdup(const char *s)
{
	static char *(*real)(const char *);
	const char *victim = getenv("GF_FAILSTRDUP");

	if (victim != NULL && strcmp(s, victim) == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (real == NULL &&
	    (real = (char *(*)(const char *))dlsym(RTLD_NEXT, "strdup")) == NULL)
		return NULL;
	return real(s);
}
