/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by genfic-ca's modes. */
#include <errno.h>
#include <fcntl.h>
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
#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/p11.h"
#include "genfic/pass.h"
#include "genfic/policy.h"
#include "genfic/request.h"
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

int
cli_parent_missing(const struct cli *cli, const char *mode, const char *what)
{
	if (cli->parent != NULL)
		return 0;
	fprintf(stderr, "%s: %s needs -p %s\n", gf_progname, mode, what);
	return 1;
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
	struct passphrase pass = { 0 };
	char *path, prompt[128];
	int r;

	if ((path = ca_key_path(st, ca)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	snprintf(prompt, sizeof(prompt), p11_is_uri(ca->key_ref) ?
	    "PIN of the token of CA %s: " : "Passphrase of CA %s: ", ca->name);
	if (!key_is_encrypted(path))
		r = ca_key_load(st, ca, NULL, key);
	else if ((r = pass_get(cli->passin, prompt, 0, cli->batch, &pass)) == 0) {
		if ((r = ca_key_load(st, ca, &pass, key)) == GF_ERR_PASSPHRASE &&
		    !p11_is_uri(ca->key_ref))
			r = gf_fail(r, "cannot decrypt CA key: wrong passphrase?");
		pass_clear(&pass);
	}
	free(path);
	return r;
}

/* The directory path would be created in must be writable. */
static int
cli_output_dir_check(const char *path)
{
	char *copy, *dir;
	int r = 0;

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

/*
 * In a sticky directory (/tmp) only the owner of an entry, or of the
 * directory, may replace it: found out now, not when rename() fails.
 */
static int
cli_output_sticky_check(const char *path, const struct stat *sb)
{
	struct stat dsb;
	char *copy;
	uid_t me = geteuid();
	int r = 0;

	if (me == 0 || sb->st_uid == me)
		return 0;
	if ((copy = strdup(path)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (stat(dirname(copy), &dsb) == 0 && (dsb.st_mode & S_ISVTX) &&
	    dsb.st_uid != me)
		r = gf_fail(GF_ERR_IO, "%s belongs to another user in a sticky "
		    "directory; not replaced", path);
	free(copy);
	return r;
}

int
cli_output_check(const char *path, int replace)
{
	struct stat sb, target;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : gf_fail(GF_ERR_IO, "%s: %s", path,
		    strerror(errno));
	/* rename() replaces a link, but a link is never written through. */
	if (S_ISLNK(sb.st_mode) && stat(path, &target) == -1)
		return gf_fail(GF_ERR_IO, "%s: a symbolic link to nothing; not "
		    "written", path);
	if (S_ISLNK(sb.st_mode) && !S_ISREG(target.st_mode))
		return gf_fail(GF_ERR_IO, "%s: a symbolic link to something "
		    "other than a regular file; not written", path);
	if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode))
		return gf_fail(GF_ERR_IO, "%s: not a regular file; not written",
		    path);
	if (!replace)
		return gf_fail(GF_ERR_EXISTS, "%s exists (--force replaces it)",
		    path);
	return cli_output_sticky_check(path, &sb);
}

int
cli_output_dir_open(const char *dir)
{
	struct stat sb;

	if (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode) &&
	    sb.st_uid != geteuid() && sb.st_uid != 0)
		return gf_fail(GF_ERR_IO, "-o %s: a symbolic link of another "
		    "user; not followed", dir);
	if (!file_is_dir(dir) || access(dir, W_OK | X_OK) != 0)
		return gf_fail(GF_ERR_IO, "-o %s: not a writable directory", dir);
	return 0;
}

/* /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: N, else -1. */
static int
cli_output_fd_name(const char *path)
{
	static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/",
	    NULL };
	const char *p;
	size_t i, k;
	int n = 0;

	if (strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	for (i = 0; prefixes[i] != NULL; i++) {
		k = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], k) != 0)
			continue;
		p = path + k;
		if (*p == '\0' || strlen(p) > 6 ||
		    strspn(p, "0123456789") != strlen(p))
			return -1;
		for (; *p != '\0'; p++)
			n = n * 10 + (*p - '0');
		return n;
	}
	return -1;
}

/*
 * A character device, or a FIFO with a reader, of ours or root's: opened
 * now, without blocking, so that nothing is committed for an output that
 * would hang or fail.
 */
static int
cli_output_special(struct cli_out *out, const char *path,
    const struct stat *sb)
{
	struct stat fsb;
	int fd, flags;

	if (sb->st_uid != geteuid() && sb->st_uid != 0)
		return gf_fail(GF_ERR_IO, "%s: a device or FIFO of another "
		    "user; not written", path);
	if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return gf_fail(GF_ERR_IO, "%s: %s", path, errno == ENXIO &&
		    S_ISFIFO(sb->st_mode) ? "a FIFO that no process reads" :
		    strerror(errno));
	if (fstat(fd, &fsb) == -1 || fsb.st_dev != sb->st_dev ||
	    fsb.st_ino != sb->st_ino ||
	    (flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		close(fd);
		return gf_fail(GF_ERR_IO, "%s: changed while opened", path);
	}
	out->fd = fd;
	return 0;
}

int
cli_output_open(struct cli_out *out, const char *path, int replace)
{
	struct stat sb;
	int fd, r;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->replace = replace;
	out->mode = 0644;
	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	if ((fd = cli_output_fd_name(path)) >= 0) {
		if ((out->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
			return gf_fail(GF_ERR_IO, "%s: %s", path,
			    strerror(errno));
		return 0;
	}
	if (lstat(path, &sb) == 0 && (S_ISCHR(sb.st_mode) ||
	    S_ISFIFO(sb.st_mode)))
		return cli_output_special(out, path, &sb);
	if ((r = cli_output_check(path, replace)) != 0 ||
	    (r = cli_output_dir_check(path)) != 0)
		return r;
	if ((out->path = strdup(path)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

int
cli_output_write(struct cli_out *out, const void *data, size_t len)
{
	int r;

	if (out->fd >= 0)
		return file_write_all(out->fd, data, len) == 0 ? 0 :
		    gf_fail(GF_ERR_IO, "output: %s", strerror(errno));
	if (out->path == NULL) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return gf_fail(GF_ERR_IO, "standard output: write failed");
		return 0;
	}
	r = file_write_atomic(out->path, data, len, out->mode, out->replace);
	if (r == GF_ERR_EXISTS)
		return gf_fail(r, "%s exists (--force replaces it)", out->path);
	if (r != 0)
		return gf_fail(r, "%s: %s", out->path, gf_errmsg(r));
	return 0;
}

int
cli_ca_cert_publish(struct store *st, const char *name, X509 *cert,
    struct cli_out *out)
{
	char *pem = NULL, *path = NULL;
	size_t len;
	int r;

	if ((r = x509_to_pem(cert, &pem, &len)) != 0)
		return r;
	if ((path = store_path(st, "certs", name, ".crt")) == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	else if ((r = file_write_atomic(path, pem, len, 0644, 1)) != 0)
		r = gf_fail(r, "%s: %s", path, gf_errmsg(r));
	else if (out != NULL)
		r = cli_output_write(out, pem, len);
	free(path);
	free(pem);
	return r;
}

void
cli_output_close(struct cli_out *out)
{
	/* A struct cli_out never opened is zeroed: not standard input. */
	if (out->fd > STDERR_FILENO)
		close(out->fd);
	free(out->path);
	out->fd = -1;
	out->path = NULL;
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

int
cli_issuer_load(const struct cli *cli, int flags, struct cli_issuer *is)
{
	int r;

	memset(is, 0, sizeof(*is));
	if (cli->parent != NULL &&
	    ((r = store_open(cli->dir, flags, &is->st)) != 0 ||
	    (r = ca_load(is->st, cli->parent, &is->ca)) != 0 ||
	    (r = constraints_load(is->st, is->ca, &is->constraints)) != 0))
		return r;
	if (is->ca != NULL && is->ca->revoked)
		return gf_fail(GF_ERR_POLICY, "this CA is revoked and signs "
		    "nothing");
	if ((r = cli_template(cli, cli->template != NULL ? cli->template :
	    is->ca->leaf_template, &is->tmpl)) != 0 ||
	    (r = cli_san(cli, &is->extra_san)) != 0)
		return r;
	if (is->tmpl->is_ca)
		return gf_fail(GF_ERR_POLICY, "template '%s' makes CAs; a CA is "
		    "created with -c, so that its key and limits stay in the "
		    "store", is->tmpl->name);
	return 0;
}

void
cli_issuer_rules(const struct cli *cli, const struct cli_issuer *is,
    struct request_rules *rules)
{
	memset(rules, 0, sizeof(*rules));
	rules->tmpl = is->tmpl;
	rules->constraints = is->constraints;
	rules->extra_san = is->extra_san;
	rules->issuer = is->ca != NULL ? is->ca->cert : NULL;
	rules->days = cli->days;
	rules->no_clamp = cli->no_clamp;
}

void
cli_issuer_clear(struct cli_issuer *is)
{
	GENERAL_NAMES_free(is->extra_san);
	template_free(is->tmpl);
	constraints_free(is->constraints);
	ca_free(is->ca);
	store_free(is->st);
	memset(is, 0, sizeof(*is));
}
