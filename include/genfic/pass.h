/* Passphrase sources: pass:TEXT, env:VAR, file:PATH, fd:N, or the terminal. */
#ifndef GENFIC_PASS_H
#define GENFIC_PASS_H

#include <stddef.h>

#define GF_PASS_MAX	1024
#define GF_PASS_MIN	4	/* for new keys */

struct passphrase {
	char	 text[GF_PASS_MAX + 1];
	size_t	 len;
};

/*
 * Fills pass from src, or (src NULL) by asking on the terminal with
 * prompt, twice when confirm is set.  With batch set a NULL src fails
 * instead of prompting.
 */
int	pass_get(const char *src, const char *prompt, int confirm, int batch,
	    struct passphrase *pass);

/* Wipes the passphrase. */
void	pass_clear(struct passphrase *pass);

#endif
