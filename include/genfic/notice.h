/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record of mail handed to the mailer (the notice table, schema 6):
 * what lets a daily --notify send each reminder once a day.  Not part of
 * the audit log: it records mail, not the CA's state.
 */
#ifndef GENFIC_NOTICE_H
#define GENFIC_NOTICE_H

#include <stdint.h>
#include <time.h>

struct store;

#define NOTICE_CERTIFICATE	"certificate"
#define NOTICE_REMINDER		"reminder"
#define NOTICE_SUMMARY		"summary"

/* The UTC date of t as YYYY-MM-DD, the day a notice counts for. */
void	notice_day(time_t t, char day[11]);

/* *sent: whether a notice of kind went to recipient on day. */
int	notice_sent(struct store *st, const char *kind, const char *recipient,
	    const char *day, int *sent);

/* Records a notice sent now (cert_id 0 for none), in its own transaction. */
int	notice_record(struct store *st, const char *kind, const char *recipient,
	    const char *day, int64_t cert_id);

#endif
