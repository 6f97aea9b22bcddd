/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `openssl ca` index.txt lines (see apps/ca.c in OpenSSL). */
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>

#include "genfic/err.h"
#include "genfic/osslindex.h"
#include "genfic/revoke.h"
#include "genfic/x509util.h"

#define INDEX_FIELDS	6

/* A UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime as openssl writes them. */
static int
index_time(const char *text, time_t *out)
{
	ASN1_TIME *t;
	int r;

	if ((t = ASN1_TIME_new()) == NULL)
		return gf_fail_crypto("time");
	if (!ASN1_TIME_set_string(t, text) || !ASN1_TIME_check(t)) {
		ASN1_TIME_free(t);
		gf_errclear();
		return gf_fail(GF_ERR_FORMAT, "'%s' is not a time", text);
	}
	r = asn1_time_to_unix(t, out);
	ASN1_TIME_free(t);
	return r;
}

/* openssl ca spells "cACompromise" as "CACompromise"; names are matched case-insensitively. */
static int
index_revocation(char *field, struct index_entry *e)
{
	char *reason, *extra;
	int r;

	if ((reason = strchr(field, ',')) != NULL)
		*reason++ = '\0';
	if ((r = index_time(field, &e->revoked_at)) != 0)
		return r;
	e->reason = GF_REASON_UNSPECIFIED;
	if (reason == NULL)
		return 0;
	if ((extra = strchr(reason, ',')) != NULL)
		*extra++ = '\0';
	/* -crl_compromise, -crl_CA_compromise and -crl_hold write these. */
	if (strcasecmp(reason, "keyTime") == 0)
		e->reason = GF_REASON_KEY_COMPROMISE;
	else if (strcasecmp(reason, "CAkeyTime") == 0)
		e->reason = GF_REASON_CA_COMPROMISE;
	else if (strcasecmp(reason, "holdInstruction") == 0)
		e->reason = GF_REASON_CERTIFICATE_HOLD;
	else if (reason_from_name(reason, &e->reason) != 0)
		return gf_fail(GF_ERR_FORMAT, "unknown revocation reason '%s'",
		    reason);
	/* keyCompromise and CACompromise carry the compromise time. */
	if (extra != NULL && (e->reason == GF_REASON_KEY_COMPROMISE ||
	    e->reason == GF_REASON_CA_COMPROMISE))
		return index_time(extra, &e->invalidity);
	return 0;
}

int
index_parse_line(char *line, struct index_entry *e)
{
	char *field[INDEX_FIELDS], *p = line;
	int i, r;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < INDEX_FIELDS; i++) {
		field[i] = p;
		if (i < INDEX_FIELDS - 1) {
			if ((p = strchr(p, '\t')) == NULL)
				return gf_fail(GF_ERR_FORMAT, "%d fields instead "
				    "of %d", i + 1, INDEX_FIELDS);
			*p++ = '\0';
		}
	}
	if (strlen(field[0]) != 1 || strchr("VRE", field[0][0]) == NULL)
		return gf_fail(GF_ERR_FORMAT, "status '%s' is not V, R or E",
		    field[0]);
	e->status = field[0][0];
	if ((r = index_time(field[1], &e->not_after)) != 0)
		return r;
	if (e->status == 'R' && (r = index_revocation(field[2], e)) != 0)
		return r;
	if ((r = serial_from_hex(field[3], &e->serial)) != 0)
		return r;
	e->file = field[4];
	e->subject = field[5];
	return 0;
}
