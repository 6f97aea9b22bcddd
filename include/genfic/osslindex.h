/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lines of an `openssl ca` (or easy-rsa) index.txt database. */
#ifndef GENFIC_OSSLINDEX_H
#define GENFIC_OSSLINDEX_H

#include <time.h>

#include "genfic/serial.h"

struct index_entry {
	char		 status;	/* 'V', 'R' or 'E' */
	time_t		 not_after;
	time_t		 revoked_at;	/* 0 unless 'R' */
	int		 reason;	/* RFC 5280 code, when revoked */
	time_t		 invalidity;	/* keyCompromise time, or 0 */
	struct serial	 serial;
	const char	*file;		/* "unknown" or a file name */
	const char	*subject;	/* "/C=BE/CN=x" */
};

/*
 * Parses one line (without its newline), in place: the entry points into
 * line.  Fields are tab-separated: status, expiry, revocation[,reason
 * [,time or hold instruction]], serial, file name, subject.
 */
int	index_parse_line(char *line, struct index_entry *e);

#endif
