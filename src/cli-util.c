/* Helpers shared by genfic-ca's modes. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/policy.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

int
cli_fail(const char *what, int code)
{
	gf_report(what, code);
	return cli_exit_status(code);
}

int
cli_exit_status(int code)
{
	if (code == 0)
		return 0;
	return code == GF_ERR_USAGE ? EXIT_USAGE : EXIT_REFUSED;
}

/*
 * One --san entry, TYPE:VALUE, appended to all.  Checked here, so that a
 * missing or unknown type and a value OpenSSL cannot parse are named in
 * words, not in OpenSSL's error queue.
 */
static int
cli_san_entry(X509V3_CTX *ctx, CONF_VALUE *v, GENERAL_NAMES *all)
{
	static const char *const types[] = { "DNS", "IP", "email", "URI" };
	GENERAL_NAME *gn;
	size_t i;

	if (v->value == NULL)
		return gf_fail(GF_ERR_FORMAT, "--san '%s': TYPE:VALUE expected, "
		    "the type one of DNS, IP, email, URI (as in "
		    "DNS:%s)", v->name, v->name);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(v->name, types[i]) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return gf_fail(GF_ERR_FORMAT, "--san '%s:%s': '%s' is not a "
		    "type genfic-ca issues (DNS, IP, email, URI)", v->name,
		    v->value, v->name);
	if ((gn = v2i_GENERAL_NAME(NULL, ctx, v)) == NULL) {
		gf_errclear();
		return gf_fail(GF_ERR_FORMAT, "--san '%s:%s': not a valid %s "
		    "value", v->name, v->value, v->name);
	}
	if (!sk_GENERAL_NAME_push(all, gn)) {
		GENERAL_NAME_free(gn);
		return gf_fail_crypto("--san");
	}
	return 0;
}

int
cli_san(const struct cli *cli, GENERAL_NAMES **out)
{
	STACK_OF(CONF_VALUE) *values;
	GENERAL_NAMES *all = NULL;
	X509V3_CTX ctx;
	size_t i;
	int j, r = 0;

	*out = NULL;
	if (cli->san == NULL)
		return 0;
	/* A context without a config: dirName and the like cannot resolve. */
	memset(&ctx, 0, sizeof(ctx));
	if ((all = GENERAL_NAMES_new()) == NULL)
		return gf_fail_crypto("--san");
	for (i = 0; cli->san[i] != NULL && r == 0; i++) {
		/* OpenSSL's own syntax: "DNS:a,IP:10.0.0.1,email:x,URI:y". */
		if ((values = X509V3_parse_list(cli->san[i])) == NULL ||
		    sk_CONF_VALUE_num(values) == 0) {
			gf_errclear();
			r = gf_fail(GF_ERR_FORMAT, "--san '%s': TYPE:VALUE,... "
			    "expected", cli->san[i]);
		}
		for (j = 0; r == 0 && j < sk_CONF_VALUE_num(values); j++)
			r = cli_san_entry(&ctx, sk_CONF_VALUE_value(values, j),
			    all);
		sk_CONF_VALUE_pop_free(values, X509V3_conf_free);
	}
	if (r == 0 && (r = policy_check_san(all)) != 0)
		r = gf_fail(r, "--san: %s", gf_errmsg(r));
	if (r != 0) {
		GENERAL_NAMES_free(all);
		return r;
	}
	*out = all;
	return 0;
}

int
cli_url_check(const char *option, const char *url)
{
	const char *p;

	if (url == NULL)
		return 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "ldap://", 7) != 0)
		return gf_fail(GF_ERR_USAGE, "%s '%s': an http://, https:// or "
		    "ldap:// URL expected", option, url);
	for (p = url; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return gf_fail(GF_ERR_USAGE, "%s: the URL has a space or "
			    "a non-ASCII character", option);
	return strlen(url) > 1024 ?
	    gf_fail(GF_ERR_USAGE, "%s: URL too long", option) : 0;
}

int
cli_template(const struct cli *cli, const char *name, struct template **tmpl)
{
	return template_load(name, cli->template_dirs, tmpl);
}

int
cli_ca_key(const struct cli *cli, struct store *st, const struct ca *ca,
    EVP_PKEY **key)
{
	struct passphrase pass;
	char *path, prompt[128];
	int r;

	if ((path = ca_key_path(st, ca)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	snprintf(prompt, sizeof(prompt), "Passphrase of CA %s: ", ca->name);
	if (!key_is_encrypted(path))
		r = key_load(path, NULL, key);
	else if ((r = pass_get(cli->passin, prompt, 0, cli->batch, &pass)) == 0) {
		if ((r = key_load(path, &pass, key)) == GF_ERR_PASSPHRASE)
			r = gf_fail(r, "cannot decrypt CA key: wrong passphrase?");
		pass_clear(&pass);
	}
	free(path);
	return r;
}

int
cli_output_check(const char *path, int replace)
{
	struct stat sb;
	char *copy, *dir;
	int r = 0;

	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &sb) == 0)
		return !replace && S_ISREG(sb.st_mode) ? gf_fail(GF_ERR_EXISTS,
		    "%s exists (--force replaces it)", path) : 0;
	/* Found out now, not after the certificate is committed. */
	if ((copy = strdup(path)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	/* dirname() may return a static "." instead of changing copy. */
	dir = dirname(copy);
	if (!file_is_dir(dir) || access(dir, W_OK | X_OK) != 0)
		r = gf_fail(GF_ERR_IO, "%s: no writable directory %s", path,
		    dir);
	free(copy);
	return r;
}

static int
cli_write_special(const char *path, const void *data, size_t len)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "w")) == NULL)
		return gf_fail(GF_ERR_IO, "%s: %s", path, strerror(errno));
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok ? 0 : gf_fail(GF_ERR_IO, "%s: write failed", path);
}

int
cli_output(const char *path, const void *data, size_t len, int replace)
{
	return cli_output_mode(path, data, len, replace, 0644);
}

int
cli_output_mode(const char *path, const void *data, size_t len, int replace,
    mode_t mode)
{
	struct stat sb;
	int r;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return gf_fail(GF_ERR_IO, "standard output: write failed");
		return 0;
	}
	/* A device or pipe (/dev/stdout, a FIFO) is written, never renamed over. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return cli_write_special(path, data, len);
	if ((r = cli_output_check(path, replace)) != 0)
		return r;
	r = file_write_atomic(path, data, len, mode, replace);
	if (r == GF_ERR_EXISTS)
		return gf_fail(r, "%s exists (--force replaces it)", path);
	if (r != 0)
		return gf_fail(r, "%s: %s", path, gf_errmsg(r));
	return 0;
}

int
cli_find_cert(struct store *st, const struct ca *ca, const char *value,
    struct cert_ref *refs, size_t *count)
{
	int r;

	if ((r = certdb_lookup(st, ca, value, refs, CLI_MAX_MATCHES,
	    count)) != 0)
		return r;
	if (*count > 1)
		return gf_fail(GF_ERR_CONFLICT, "'%s' matches %zu certificates; "
		    "name one by serial or SHA-256 fingerprint:", value, *count);
	return 0;
}

void
cli_list_matches(const struct cert_ref *refs, size_t count)
{
	char hex[2 * GF_SERIAL_MAX + 1], line[1024], safe[1024];
	const char *status;
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < count && i < CLI_MAX_MATCHES; i++) {
		serial_to_hex(&refs[i].serial, hex);
		if (refs[i].revoked)
			status = refs[i].reason == 6 ? "hold" : "revoked";
		else
			status = refs[i].not_after <= now ? "expired" : "valid";
		snprintf(line, sizeof(line), "  %s  %s  %s  %s", hex,
		    refs[i].ca_name, status, refs[i].subject);
		gf_escape(safe, sizeof(safe), line, strlen(line));
		fprintf(stderr, "%s\n", safe);
	}
	if (count > CLI_MAX_MATCHES)
		fprintf(stderr, "  ... and %zu more\n", count - CLI_MAX_MATCHES);
}
