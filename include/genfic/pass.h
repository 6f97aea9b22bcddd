/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passphrase sources: pass:TEXT, env:VAR, file:PATH, fd:N, or the terminal. */
#ifndef GENFIC_PASS_H
#define GENFIC_PASS_H

#include <stddef.h>

#define GF_PASS_MAX	1024
#define GF_PASS_MIN	4	/* for new keys */
#define GF_PASS_SIZE	(GF_PASS_MAX + 1)

/*
 * Owns its buffer, which is in OpenSSL's secure heap once
 * pass_protect() set one up: never copy the struct.  Zeroed, or after
 * pass_clear(), it holds nothing.
 */
struct passphrase {
	char	*text;		/* GF_PASS_SIZE bytes, or NULL */
	size_t	 len;
};

/*
 * Fills pass from src, or (src NULL) by asking on the terminal with
 * prompt, twice when confirm is set.  With batch set a NULL src fails
 * instead of prompting.  pass is written over, not freed: clear it with
 * pass_clear().
 */
int	pass_get(const char *src, const char *prompt, int confirm, int batch,
	    struct passphrase *pass);

/* Wipes and frees the passphrase; pass then holds nothing. */
void	pass_clear(struct passphrase *pass);

/*
 * For a process that will hold keys or passphrases: no core dump, no
 * ptrace or /proc/PID/{mem,environ} by the same user, and OpenSSL's
 * secure heap (locked in memory, guarded) for private keys and
 * passphrases.  Before any is read.  Returns 0, or -1 when the secure
 * heap could not be set up (the rest is done; keys go to the heap).
 */
int	pass_protect(void);

#endif
