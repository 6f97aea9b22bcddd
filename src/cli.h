/* SPDX-License-Identifier: GPL-2.0-or-later */
/* genfic-ca's own declarations: parsed options and the modes. */
#ifndef GENFIC_CLI_H
#define GENFIC_CLI_H

#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/x509v3.h>

struct store;
struct template;
struct passphrase;
struct ca;
struct constraints;
struct request_rules;

#define EXIT_REFUSED	1	/* the operation was refused or failed */
#define EXIT_USAGE	2
#define EXIT_EXPIRING	3	/* -e listed at least one certificate */
#define EXIT_MAIL	4	/* done, but some mail was not handed off */

#define CLI_MAX_DAYS	36500
#define CLI_MAX_LABEL	64	/* bytes of a --label */

struct cli {
	int		  mode;		/* the short option of the mode */
	const char	 *arg;		/* the mode's value */
	const char	**files;	/* -s: the request files, --restore-key:
					   the shares, --set-owner: VALUE ADDR;
					   NULL-terminated */

	const char	 *parent;	/* -p */
	const char	 *output;	/* -o */
	const char	 *dir;		/* -d, else $GENFIC_CA_DIR, else default */
	const char	 *template;	/* -t */
	const char	 *templates;	/* --templates */
	const char	 *key_type;	/* -k */
	const char	 *subject;
	const char	**san;		/* --san, repeatable */
	const char	 *reason;
	const char	 *passin;
	const char	 *passout;
	const char	 *crl_url;
	const char	 *ocsp_url;
	const char	 *issuer_url;
	const char	 *label;
	const char	 *owner;	/* -s --owner */
	int		  mail;		/* -s --mail */
	int		  notify;	/* -e --notify */
	const char	 *sendmail;	/* --sendmail, or NULL: MAIL_SENDMAIL */
	const char	 *admin_mail;	/* --admin-mail */
	const char	 *mail_from;	/* --mail-from */
	int		  mail_timeout;	/* --mail-timeout, 0: MAIL_TIMEOUT */
	const char	 *format;
	const char	 *revocation_date;
	const char	 *invalidity_date;
	int		  crl_days;	/* 0: the CA's */
	int		  crl_hours;
	int		  include_expired;
	int		  expiring_days;	/* -e */
	int		  expired;	/* -e --expired */
	const char	 *status;	/* -l --status */
	const char	 *key;		/* -E --key */
	const char	 *publish_key;	/* --publish --publish-key */
	const char	 *publish_cert;	/* --publish --publish-cert */
	const char	 *name;		/* -I --name */
	const char	 *ca_cert;	/* -I */
	const char	 *ca_key;	/* -I */
	int		  with_root;	/* -E */
	int		  days;		/* -v, 0 for the template's */
	const char	**name_constraints;	/* -r, -c, repeatable */
	int		  pathlen;	/* -r, -c: --pathlen, or -1 */
	int		  nopass;
	int		  json;
	int		  tsv;		/* -l, -e: tab-separated */
	const char	 *html;		/* -l --html FILE */
	int		  batch;
	int		  no_clamp;
	int		  force;
	int		  shares;	/* --backup-key: N, else 0 */
	int		  threshold;	/* --backup-key: M, else 0 */

	const char	 *template_dirs[5];	/* search order, NULL-terminated */
	char		 *store_templates;	/* DIR/templates, owned */
};

/* Each mode returns an exit status. */
int	cmd_create_root(struct cli *cli);
int	cmd_create_child(struct cli *cli);
int	cmd_request(struct cli *cli);
int	cmd_sign(struct cli *cli);
int	cmd_revoke(struct cli *cli);
int	cmd_gencrl(struct cli *cli);
int	cmd_set(struct cli *cli);
int	cmd_list(struct cli *cli);
int	cmd_expiring(struct cli *cli);
int	cmd_show(struct cli *cli);
int	cmd_export(struct cli *cli);
int	cmd_import(struct cli *cli);
int	cmd_audit(struct cli *cli);
int	cmd_publish(struct cli *cli);
int	cmd_audit_verify(struct cli *cli);
int	cmd_passwd(struct cli *cli);
int	cmd_show_ca(struct cli *cli);
int	cmd_renew(struct cli *cli);
int	cmd_renew_expiring(struct cli *cli);
int	cmd_inspect(struct cli *cli);
int	cmd_recertify(struct cli *cli);
int	cmd_rollover(struct cli *cli);
int	cmd_backup_key(struct cli *cli);
int	cmd_restore_key(struct cli *cli);
int	cmd_intake(struct cli *cli);
int	cmd_set_owner(struct cli *cli);

/*
 * Mail out (cmd-mail.c), after the certificates are committed: each of
 * ids to its owner (-s --mail), or the reminders of -e DAYS --notify.
 * 0, or EXIT_MAIL when a message was not handed off (each reported).
 */
int	cli_mail_certificates(const struct cli *cli, struct store *st,
	    const int64_t *ids, size_t n);
int	cli_notify(const struct cli *cli);

/* Helpers shared by the modes (cli-util.c). */

/* Reports "what: why" for code and returns its exit status. */
int	cli_fail(const char *what, int code);

/*
 * The exit status of a mode that ended with code: 0, EXIT_USAGE for an
 * option value found wrong after parsing, else EXIT_REFUSED.
 */
int	cli_exit_status(int code);

/*
 * The modes that act as a CA: 1, with "MODE needs -p WHAT" said, if -p
 * is missing (the mode exits EXIT_USAGE), else 0.
 */
int	cli_parent_missing(const struct cli *cli, const char *mode,
	    const char *what);

/* After a change: "genfic-ca: audit head N HEX" on a terminal's stderr. */
void	cli_audit_head(void);

/* Parses --san values into one list; *names is NULL when none were given. */
int	cli_san(const struct cli *cli, GENERAL_NAMES **names);

/* Accepts NULL or an http://, https:// or ldap:// URL without spaces. */
int	cli_url_check(const char *option, const char *url);

/* Loads the template named, or fails with a message. */
int	cli_template(const struct cli *cli, const char *name,
	    struct template **tmpl);

/* Asks for (or reads) the passphrase of an existing CA key, and loads it. */
int	cli_ca_key(const struct cli *cli, struct store *st, const struct ca *ca,
	    EVP_PKEY **key);

/*
 * 0 if path is free, or (with replace) a regular file or a symbolic link
 * to one, which rename() replaces; GF_ERR_EXISTS without replace; any
 * other kind of file, or a link to one, is refused.  Thread-safe.
 */
int	cli_output_check(const char *path, int replace);

/*
 * -o DIR, where files are written by name: an existing, writable directory,
 * not through a symbolic link that another user than root owns.
 */
int	cli_output_dir_open(const char *dir);

/* Where -o goes, settled before anything is committed. */
struct cli_out {
	char	*path;		/* a file written atomically, or NULL */
	int	 fd;		/* a device or FIFO opened already, or -1 */
	int	 replace;	/* an existing file may be replaced */
	mode_t	 mode;		/* of a new file, from its creation: 0644, or
				   0600 for a private key */
};

/*
 * Settles out for -o path: standard output for NULL or "-"; the
 * descriptor /dev/stdout, /dev/stderr or /dev/fd/N names; a character
 * device or a FIFO of ours (or root's), opened now without blocking, so a
 * FIFO needs a reader; else a regular file as cli_output_check() allows,
 * in a writable directory.  Anything else (a block device, a link to a
 * device) is refused.  cli_output_close() frees it.
 */
int	cli_output_open(struct cli_out *out, const char *path, int replace);

/* Writes data where out goes; a file whole, or not at all. */
int	cli_output_write(struct cli_out *out, const void *data, size_t len);

void	cli_output_close(struct cli_out *out);

/*
 * DIR/certs/NAME.crt: the CA certificate as -r, -c and -I leave it; out,
 * unless NULL, gets the same PEM (-o).
 */
int	cli_ca_cert_publish(struct store *st, const char *name, X509 *cert,
	    struct cli_out *out);

/* Text from the store or a certificate on its way out (cli-text.c). */

/* The display columns s takes as gf_escape() shows it. */
int	cli_text_width(const char *s);

/*
 * Writes s to f as gf_escape() shows it, in at most max display columns
 * (0: no limit; a cut text ends in "..."), then spaces up to pad columns.
 */
void	cli_put_text(FILE *f, const char *s, int max, int pad);

/* Writes s to f as gf_escape() shows it, but its newlines kept. */
void	cli_put_lines(FILE *f, const char *s);

/*
 * Writes s (NULL: "-", or null for JSON) as gf_escape() shows it; with
 * json, as a JSON string of that text.
 */
void	cli_put_string(FILE *f, const char *s, int json);

/* How many candidates an ambiguous -x, -S or -E lists. */
#define CLI_MAX_MATCHES	20

struct cert_ref;

/*
 * The one certificate value names, under ca (every CA when NULL), by
 * certdb_lookup()'s rule; refs holds CLI_MAX_MATCHES.  A value that names
 * several is refused: then *count > 1 and cli_list_matches() shows them.
 */
int	cli_find_cert(struct store *st, const struct ca *ca, const char *value,
	    struct cert_ref *refs, size_t *count);

/* Lists the candidates of an ambiguous value on stderr, one a line. */
void	cli_list_matches(const struct cert_ref *refs, size_t count);

/* What -s and --inspect issue under. */
struct cli_issuer {
	struct store		*st;
	struct ca		*ca;		/* -p, or NULL without */
	struct constraints	*constraints;	/* of the CA and above */
	struct template		*tmpl;
	GENERAL_NAMES		*extra_san;	/* --san, or NULL */
};

/*
 * With -p CA: the store (store_open() flags), the CA, which must not be
 * revoked, and the constraints of it and the CAs above; then the template
 * (-t, else the CA's child template), which must not make CAs, and --san.
 * Without -p, -t alone.  cli_issuer_clear() frees it, filled or not.
 */
int	cli_issuer_load(const struct cli *cli, int flags, struct cli_issuer *is);
void	cli_issuer_clear(struct cli_issuer *is);

/* The request_check() rules of is, with -v and --no-clamp. */
void	cli_issuer_rules(const struct cli *cli, const struct cli_issuer *is,
	    struct request_rules *rules);

#endif
