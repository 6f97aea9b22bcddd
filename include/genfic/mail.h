/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mail out: MIME messages built by hand (output of ours, simple and
 * checked by Python's email package and munpack in the tests) and handed
 * to a sendmail-compatible command on its standard input.
 */
#ifndef GENFIC_MAIL_H
#define GENFIC_MAIL_H

#include <stddef.h>

#define MAIL_SENDMAIL		"/usr/sbin/sendmail -t -i"
#define MAIL_TIMEOUT		60	/* seconds a hand-off may take */
#define MAIL_ARGS_MAX		32	/* words of a --sendmail command */
#define MAIL_MAX		(4 * 1024 * 1024)	/* bytes of a message */

/* A message being built; mail_free() it. */
struct mail {
	char	*data;
	size_t	 len, cap;
	char	 boundary[40];	/* of the multipart, or "" */
	int	 failed;	/* out of memory, or over MAIL_MAX */
};

/*
 * Starts a message: From, To, Subject (RFC 2047-encoded, folded, when it
 * holds anything but printable ASCII: a CR or LF in a certificate's name
 * never starts a header), Date, Message-ID, MIME-Version and, with
 * multipart, a multipart/mixed Content-Type.  from and to must have
 * passed owner_check().
 */
int	mail_begin(struct mail *m, const char *from, const char *to,
	    const char *subject, int multipart);

/* A text/plain UTF-8 part (or the whole body), base64-encoded. */
int	mail_text(struct mail *m, const char *text, size_t len);

/*
 * An attachment of type (a constant), named filename (letters, digits,
 * '.', '-', '_' only: the caller's), base64-encoded.
 */
int	mail_attach(struct mail *m, const char *type, const char *filename,
	    const void *data, size_t len);

/* Closes the multipart; the message is m->data, m->len. */
int	mail_end(struct mail *m);
void	mail_free(struct mail *m);

/*
 * Splits cmd at spaces and tabs (no quoting, no shell) into at most
 * MAIL_ARGS_MAX words, in argv (NULL-terminated) pointing into *copy.
 */
int	mail_command(const char *cmd, char **copy, char *argv[MAIL_ARGS_MAX + 1]);

/*
 * Runs argv (execvp: argv[0] found in PATH), writes the message to its
 * standard input, and waits for it at most timeout seconds (then kills
 * it).  0 when it read the message and exited 0; else GF_ERR_IO saying
 * why (exit status, signal, timeout, could not run).
 */
int	mail_hand_off(char *const argv[], const char *msg, size_t len,
	    int timeout);

#endif
