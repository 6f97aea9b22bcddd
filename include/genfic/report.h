/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -l --html FILE: one self-contained HTML page of the store (no script, no
 * fetch): the CA tree, each CA's certificates by status, an inline SVG
 * of the valid certificates expiring per month over the next 24 months
 * with the CRLs' next updates marked, and the certificates expiring in
 * the next 90 days.  Read-only; every text from the store is escaped.
 */
#ifndef GENFIC_REPORT_H
#define GENFIC_REPORT_H

#include <stdio.h>
#include <time.h>

struct store;

#define REPORT_MONTHS		24
#define REPORT_SOON_DAYS	90
#define REPORT_SOON_MAX		1000	/* rows of the 90-day table, at most */

/* Writes the report of st as of now to f. */
int	report_write(struct store *st, time_t now, FILE *f);

#endif
