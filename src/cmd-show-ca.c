/* --show-ca NAME: a CA's settings and state, as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/store.h"
#include "cli.h"

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
	    (r = ca_settings(st, ca, &json)) != 0)
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
