/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --show-ca NAME: a CA's settings and state, as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/generation.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/*
 * One generation as a JSON object (its key reference and the CA name in
 * it are held to [A-Za-z0-9._-] by generation_list(): nothing to escape).
 */
static int
show_ca_generation(struct store *st, const struct ca *ca,
    const struct generation *g, time_t now, char **out)
{
	char when[GF_ISO_TIME_LEN], hex[2 * GF_SERIAL_MAX + 1];
	struct serial serial;
	time_t not_after;
	int live, r;

	if ((r = generation_live(st, ca, g, now, &live)) != 0 ||
	    (r = asn1_time_to_unix(X509_get0_notAfter(g->cert),
	    &not_after)) != 0 ||
	    (r = serial_from_asn1(X509_get0_serialNumber(g->cert),
	    &serial)) != 0)
		return r;
	time_to_iso(not_after, when);
	serial_to_hex(&serial, hex);
	if (asprintf(out, "{\"generation\":%d,\"current\":%s,"
	    "\"key\":\"%s\",\"serial\":\"%s\",\"not_after\":\"%s\","
	    "\"signs_crls\":%s}", g->number, g->end_cert == 0 ? "true" :
	    "false", g->key_ref, hex, when,
	    live ? "true" : "false") == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

/* The settings with "generation" (the current one) and "generations". */
static int
show_ca_generations(struct store *st, const struct ca *ca, char **json)
{
	struct generation *gens = NULL;
	sqlite3_stmt *stmt = NULL;
	char *list = NULL, *one, *grown;
	const char *text;
	size_t n = 0, i;
	time_t now = time(NULL);
	int r;

	if ((r = generation_list(st, ca, &gens, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = show_ca_generation(st, ca, &gens[i], now, &one)) != 0)
			goto out;
		grown = NULL;
		if (asprintf(&grown, "%s%s%s", list != NULL ? list : "[",
		    i > 0 ? "," : "", one) == -1)
			grown = NULL;
		free(one);
		free(list);
		if ((list = grown) == NULL) {
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	if ((r = store_prepare(st, "SELECT json_set(?1, '$.generation', ?2, "
	    "'$.generations', json(?3 || ']'))", &stmt)) != 0)
		goto out;
	if ((r = store_bind_text(stmt, 1, *json)) != 0 ||
	    (r = store_bind_int64(stmt, 2, gens[n - 1].number)) != 0 ||
	    (r = store_bind_text(stmt, 3, list)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		r = store_fail(st, "CA settings");
	else if ((text = (const char *)sqlite3_column_text(stmt, 0)) == NULL ||
	    (one = strdup(text)) == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	else {
		free(*json);
		*json = one;
	}
 out:
	sqlite3_finalize(stmt);
	free(list);
	generation_free_all(gens, n);
	return r;
}

/* One "key: value" line per member of the object, in its order. */
static int
show_ca_text(struct store *st, const char *json)
{
	sqlite3_stmt *stmt;
	const char *key, *value;
	char safe[1024];
	int r, step;

	if ((r = store_prepare(st, "SELECT key, CASE type WHEN 'true' THEN "
	    "'yes' WHEN 'false' THEN 'no' WHEN 'null' THEN '-' ELSE value END "
	    "FROM json_each(?1)", &stmt)) != 0)
		return r;
	if ((r = store_bind_text(stmt, 1, json)) != 0) {
		sqlite3_finalize(stmt);
		return r;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(stmt, 0);
		if ((value = (const char *)sqlite3_column_text(stmt, 1)) == NULL)
			value = "-";
		gf_escape(safe, sizeof(safe), value, strlen(value));
		printf("%-16s %s\n", key, safe);
	}
	if (step != SQLITE_DONE)
		r = store_fail(st, "CA settings");
	sqlite3_finalize(stmt);
	return r;
}

int
cmd_show_ca(struct cli *cli)
{
	struct store *st = NULL;
	struct ca *ca = NULL;
	char *json = NULL;
	int r;

	if ((r = ca_name_check(cli->arg)) != 0 ||
	    (r = store_open(cli->dir, GF_STORE_READONLY, &st)) != 0 ||
	    (r = ca_load(st, cli->arg, &ca)) != 0 ||
	    (r = ca_settings(st, ca, &json)) != 0 ||
	    (r = show_ca_generations(st, ca, &json)) != 0)
		goto out;
	if (cli->json)
		printf("%s\n", json);
	else
		r = show_ca_text(st, json);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	free(json);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
