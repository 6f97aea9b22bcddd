/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mail intake: the certificate requests one RFC 5322 message carries.
 * The message is hostile: MIME is parsed by GMime, every size and count
 * is capped, and nothing of it but a request's DER, recognised by
 * d2i_X509_REQ(), and a checked sender address ever leaves this module.
 * No CA key and no store: see docs/security.md.
 */
#ifndef GENFIC_INTAKE_H
#define GENFIC_INTAKE_H

#include <stddef.h>

/* The largest message read; a larger one is refused whole. */
#define INTAKE_MAX_MESSAGE	(2 * 1024 * 1024)
/* The largest request, as DER or as one attachment or PEM block. */
#define INTAKE_MAX_REQUEST	(64 * 1024)
/* MIME parts of one message, counted before any is looked at. */
#define INTAKE_MAX_PARTS	1000
/* Multiparts and forwarded messages within one another. */
#define INTAKE_MAX_DEPTH	16

/* What intake_parse() reports, part by part. */
struct intake_sink {
	/* A request's DER (whole, d2i'd); where names its part, escaped. */
	int	(*request)(void *arg, const unsigned char *der, size_t len,
		    const char *where);
	/* A part or block left out, and why. */
	void	(*ignored)(void *arg, const char *where, const char *why);
	void	*arg;
};

/*
 * Parses msg (len bytes) and hands each request it carries to sink, in
 * order.  *sender (may be NULL) gets, before the first request, the From
 * address in a new string, or NULL when it has none owner_check()
 * accepts.  Returns 0, the first failure of sink->request, or
 * GF_ERR_TOO_LARGE / GF_ERR_FORMAT when the message is refused whole
 * (its size, part count or depth) before anything is handed out.
 */
int	intake_parse(const char *msg, size_t len,
	    const struct intake_sink *sink, char **sender);

#endif
