/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Renewing certificates: a new certificate for the key, subject and names
 * of one already issued, judged as a request is (request_check_cert()),
 * from the template it was issued from, recorded as its renewal.
 */
#ifndef GENFIC_RENEW_H
#define GENFIC_RENEW_H

#include <stdint.h>
#include <openssl/x509.h>

#include "genfic/certdb.h"
#include "genfic/issue.h"
#include "genfic/request.h"
#include "genfic/serial.h"

struct ca;
struct constraints;
struct store;
struct template;

/* What renews under one CA. */
struct renewer {
	struct store		*st;
	const struct ca		*ca;
	EVP_PKEY		*ca_key;
	const struct constraints *constraints;	/* of the CA and above */
	int			 days;		/* 0: the template's */
	int			 no_clamp;
	int			 supersede;	/* revoke the old one, superseded */
	/* Loads the template named (the one the certificate came from). */
	int			(*template)(void *arg, const char *name,
				    struct template **tmpl);
	void			*arg;
	struct template		*tmpl;		/* the last one loaded */
};

/* One renewal, from renew_prepare() to renew_record(). */
struct renewal {
	int64_t			 old_id;
	struct renew_source	 src;
	char			 old_hex[2 * GF_SERIAL_MAX + 1];
	struct request		*req;
	struct request_rules	 rules;
	struct issue_request	 ir;
	X509			*cert;		/* the new certificate */
	struct cert_row		 row;
	int64_t			 new_id;
};

/*
 * Judges and signs the renewal of certificate old_id, writing nothing:
 * refused for a CA certificate, a revoked one, one renewed already, or
 * one its template or a compromised key would now refuse.
 */
int	renew_prepare(struct renewer *rn, int64_t old_id, struct renewal *rw);

/*
 * Records rw in the caller's write transaction: the new certificate
 * (audited "renew"), the link, the old one's label moved to it, and with
 * supersede the old one revoked.  Refused, writing nothing, when the old
 * one was revoked or renewed since renew_prepare() read it.
 */
int	renew_record(struct renewer *rn, struct renewal *rw);

/* What --renew-expiring does with the renewals of a group. */
struct renew_due {
	const char	*dir;		/* DIR/<label or old serial>.crt */
	int		 force;		/* replace existing files */
	/* 0 if path may be written (else the renewal, signed, is refused
	   before it is recorded). */
	int		(*out_check)(const char *path, int replace);
	/* Each renewal's end: written to path (r 0), or not, or refused. */
	void		(*told)(void *arg, const struct renewal *rw,
			    const char *path, int written, int r);
	void		*arg;
};

struct renew_counts {
	size_t	renewed, refused, unwritten;
};

/*
 * Renews certificates ids[0..n) in one transaction, as a spool group:
 * a renewal refused is told and left out; one that fails to record rolls
 * the group back and ends it (a run again finishes it); the files are
 * written once the group is committed.
 */
int	renew_group(struct renewer *rn, const struct renew_due *due,
	    const int64_t *ids, size_t n, struct renew_counts *counts);

void	renewal_clear(struct renewal *rw);
void	renewer_clear(struct renewer *rn);

#endif
