/* Helpers shared by genfic-ca's modes. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/pass.h"
#include "genfic/policy.h"
#include "genfic/store.h"
#include "genfic/template.h"
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

int
cli_san(const struct cli *cli, GENERAL_NAMES **out)
{
	STACK_OF(CONF_VALUE) *values;
	GENERAL_NAMES *all = NULL, *one;
	X509V3_CTX ctx;
	size_t i;
	int r = 0;

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
		    (one = v2i_GENERAL_NAMES(NULL, &ctx, values)) == NULL) {
			r = gf_fail_crypto("--san '%s'", cli->san[i]);
		} else {
			while (sk_GENERAL_NAME_num(one) > 0)
				sk_GENERAL_NAME_push(all, sk_GENERAL_NAME_shift(one));
			GENERAL_NAMES_free(one);
		}
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
	r = file_write_atomic(path, data, len, 0644, replace);
	if (r == GF_ERR_EXISTS)
		return gf_fail(r, "%s exists (--force replaces it)", path);
	if (r != 0)
		return gf_fail(r, "%s: %s", path, gf_errmsg(r));
	return 0;
}

void
cli_audit_head(void)
{
	unsigned char hash[32];
	int64_t id;
	size_t i;

	/* For the logbook, on the admin's terminal only: scripts parse stderr. */
	if ((id = store_audit_head(hash)) == 0 || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "%s: audit head %lld ", gf_progname, (long long)id);
	for (i = 0; i < sizeof(hash); i++)
		fprintf(stderr, "%02x", hash[i]);
	fputc('\n', stderr);
}
