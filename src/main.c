/* SPDX-License-Identifier: GPL-2.0-or-later */
/* genfic-ca: option parsing and dispatch to one mode.  The only exit. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <popt.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/mail.h"
#include "genfic/opt.h"
#include "genfic/owner.h"
#include "genfic/p11.h"
#include "genfic/pass.h"
#include "genfic/shamir.h"
#include "genfic/store.h"
#include "cli.h"

enum {
	OPT_VERSION = 1000, OPT_SET, OPT_AUDIT, OPT_AUDIT_VERIFY, OPT_PUBLISH, OPT_HELP, OPT_USAGE,
	OPT_PASSWD, OPT_SHOW_CA, OPT_INSPECT, OPT_RECERTIFY, OPT_ROLLOVER,
	OPT_RENEW, OPT_RENEW_EXPIRING, OPT_BACKUP_KEY, OPT_RESTORE_KEY,
	OPT_INTAKE,
	OPT_SET_OWNER,
};

static struct cli cli;
static const char *days_text;
static const char *crl_days_text;
static const char *pkcs11_module;	/* --pkcs11-module */
static const char *crl_hours_text;
static const char *pathlen_text;
static const char *shares_text;
static const char *threshold_text;
static const char *mode_arg;
static const char *mail_timeout_text;

static struct poptOption mode_table[] = {
	{ "create-root", 'r', POPT_ARG_STRING, &mode_arg, 'r',
	  "new key + self-signed root CA certificate", "NAME" },
	{ "create-child", 'c', POPT_ARG_STRING, &mode_arg, 'c',
	  "new key + intermediate CA certificate signed by --parent", "NAME" },
	{ "create-request", 'R', POPT_ARG_STRING, &mode_arg, 'R',
	  "new key PATH.key + certificate request PATH.req", "PATH" },
	{ "sign-request", 's', POPT_ARG_STRING, &mode_arg, 's',
	  "sign request files (a directory: every *.req, *.csr, *.pem in it)",
	  "FILE..." },
	{ "revoke", 'x', POPT_ARG_STRING, &mode_arg, 'x',
	  "revoke under --parent: hex serial, certificate file, label or CN",
	  "VALUE" },
	{ "gencrl", 'g', POPT_ARG_NONE, NULL, 'g',
	  "issue the next CRL of --parent", NULL },
	{ "list", 'l', POPT_ARG_NONE, NULL, 'l',
	  "table of certificates (all CAs, or --parent's)", NULL },
	{ "expiring", 'e', POPT_ARG_STRING, &mode_arg, 'e',
	  "valid certificates whose notAfter is within DAYS, soonest first "
	  "(exit 3 when any)", "DAYS" },
	{ "show", 'S', POPT_ARG_STRING, &mode_arg, 'S',
	  "one certificate: serial, label, subject hash or SHA-256", "VALUE" },
	{ "export", 'E', POPT_ARG_STRING, &mode_arg, 'E',
	  "a certificate, its chain or a PKCS#12 bundle (--format pem, der, "
	  "chain, p12); 'all' or a CA name with --format trust", "VALUE" },
	{ "import-openssl", 'I', POPT_ARG_STRING, &mode_arg, 'I',
	  "import an openssl ca or easy-rsa directory", "DIR" },
	{ "publish", '\0', POPT_ARG_STRING, &mode_arg, OPT_PUBLISH,
	  "copy what the OCSP host needs, and no key, into DIR", "DIR" },
	{ "audit", '\0', POPT_ARG_NONE, NULL, OPT_AUDIT,
	  "print the audit log (--json for JSON)", NULL },
	{ "audit-verify", '\0', POPT_ARG_NONE, NULL, OPT_AUDIT_VERIFY,
	  "check the audit log's hash chain", NULL },
	{ "passwd", '\0', POPT_ARG_STRING, &mode_arg, OPT_PASSWD,
	  "change CA NAME's key passphrase (--passin old, --passout new)",
	  "NAME" },
	{ "show-ca", '\0', POPT_ARG_STRING, &mode_arg, OPT_SHOW_CA,
	  "a CA's settings, key, CRL number and next update", "NAME" },
	{ "inspect", '\0', POPT_ARG_STRING, &mode_arg, OPT_INSPECT,
	  "a request, what -p CA (or -t) would issue from it and every "
	  "verdict; writes nothing", "FILE" },
	{ "recertify", '\0', POPT_ARG_STRING, &mode_arg, OPT_RECERTIFY,
	  "new certificate for CA NAME's key, signed by its parent (itself "
	  "for a root)", "NAME" },
	{ "rollover", '\0', POPT_ARG_STRING, &mode_arg, OPT_ROLLOVER,
	  "new key + certificate for CA NAME, its next generation", "NAME" },
	{ "renew", '\0', POPT_ARG_STRING, &mode_arg, OPT_RENEW,
	  "a new certificate for the key, subject and names of one of "
	  "--parent's (serial, label, CN or file); --reason superseded "
	  "revokes the old one", "VALUE" },
	{ "renew-expiring", '\0', POPT_ARG_STRING, &mode_arg,
	  OPT_RENEW_EXPIRING, "renew every valid certificate of --parent "
	  "expiring within DAYS and not renewed yet, into -o DIR", "DAYS" },
	{ "backup-key", '\0', POPT_ARG_STRING, &mode_arg, OPT_BACKUP_KEY,
	  "CA NAME's key as --shares N files in -o DIR, any --threshold M "
	  "of which rebuild it", "NAME" },
	{ "restore-key", '\0', POPT_ARG_STRING, &mode_arg, OPT_RESTORE_KEY,
	  "CA NAME's key file again from the share files after it "
	  "(--passout)", "NAME SHARE..." },
	{ "intake", '\0', POPT_ARG_STRING, &mode_arg, OPT_INTAKE,
	  "one mail message on stdin: its certificate requests into SPOOL, "
	  "the sender beside them (no store, no key)", "SPOOL" },
	{ "set-owner", '\0', POPT_ARG_STRING, &mode_arg, OPT_SET_OWNER,
	  "give the certificate VALUE (serial, label, CN or file) the owner "
	  "ADDR ('' for none)", "VALUE ADDR" },
	{ "set", '\0', POPT_ARG_NONE, NULL, OPT_SET,
	  "change --parent's --crl-url, --ocsp-url or --crl-days", NULL },
	POPT_TABLEEND
};

static struct poptOption option_table[] = {
	{ "parent", 'p', POPT_ARG_STRING, &cli.parent, GF_OPT_VALUE,
	  "the CA acting", "NAME" },
	{ "output", 'o', POPT_ARG_STRING, &cli.output, GF_OPT_VALUE,
	  "write the result here (several requests: a directory)", "FILE" },
	{ "valid", 'v', POPT_ARG_STRING, &days_text, GF_OPT_VALUE,
	  "validity in days (default: the template's)", "DAYS" },
	{ "dir", 'd', POPT_ARG_STRING, &cli.dir, GF_OPT_VALUE,
	  "the store (default $GENFIC_CA_DIR, else " GF_STORE_DEFAULT ")",
	  "DIR" },
	{ "template", 't', POPT_ARG_STRING, &cli.template, GF_OPT_VALUE,
	  "certificate template", "NAME" },
	{ "templates", '\0', POPT_ARG_STRING, &cli.templates, GF_OPT_VALUE,
	  "template directory searched first", "DIR" },
	{ "key-type", 'k', POPT_ARG_STRING, &cli.key_type, GF_OPT_VALUE,
	  "rsa:2048..8192, ec:P-256, ec:P-384, ec:P-521, ed25519, ed448; "
	  "at -r/-c a pkcs11: URI generates the CA key on that token",
	  "TYPE" },
	{ "subject", '\0', POPT_ARG_STRING, &cli.subject, GF_OPT_VALUE,
	  "subject, as /C=BE/O=Example/CN=Name", "DN" },
	{ "san", '\0', POPT_ARG_ARGV, &cli.san, 0,
	  "subjectAltName: DNS:a.example,IP:10.0.0.1,email:x@y (repeatable)",
	  "LIST" },
	{ "passin", '\0', POPT_ARG_STRING, &cli.passin, GF_OPT_VALUE,
	  "passphrase of the acting CA's key: pass:, env:, file:, fd:", "SRC" },
	{ "passout", '\0', POPT_ARG_STRING, &cli.passout, GF_OPT_VALUE,
	  "passphrase for the new key: pass:, env:, file:, fd:", "SRC" },
	{ "nopass", '\0', POPT_ARG_NONE, &cli.nopass, 0,
	  "write the new request key unencrypted", NULL },
	{ "crl-url", '\0', POPT_ARG_STRING, &cli.crl_url, GF_OPT_VALUE,
	  "CRL distribution point put in what the new CA issues", "URL" },
	{ "ocsp-url", '\0', POPT_ARG_STRING, &cli.ocsp_url, GF_OPT_VALUE,
	  "OCSP responder put in what the new CA issues", "URL" },
	{ "issuer-url", '\0', POPT_ARG_STRING, &cli.issuer_url, GF_OPT_VALUE,
	  "where the new CA's certificate is published (caIssuers of what it "
	  "issues)", "URL" },
	{ "name-constraints", '\0', POPT_ARG_ARGV, &cli.name_constraints, 0,
	  "-r, -c: permitted;DNS:.example.org or excluded;IP:10.0.0.0/8 "
	  "(repeatable)", "SPEC" },
	{ "pathlen", '\0', POPT_ARG_STRING, &pathlen_text, GF_OPT_VALUE,
	  "-r, -c: how many CAs may be below the new one", "N" },
	{ "crl-days", '\0', POPT_ARG_STRING, &crl_days_text, GF_OPT_VALUE,
	  "CRL validity in days (-r, -c, --set: the CA's default; -g: this CRL)",
	  "DAYS" },
	{ "crl-hours", '\0', POPT_ARG_STRING, &crl_hours_text, GF_OPT_VALUE,
	  "-g: CRL validity in hours, instead of days", "HOURS" },
	{ "include-expired", '\0', POPT_ARG_NONE, &cli.include_expired, 0,
	  "-g: keep revoked certificates past their notAfter", NULL },
	{ "reason", '\0', POPT_ARG_STRING, &cli.reason, GF_OPT_VALUE,
	  "-x: RFC 5280 reason (keyCompromise, certificateHold, removeFromCRL...)",
	  "NAME" },
	{ "revocation-date", '\0', POPT_ARG_STRING, &cli.revocation_date, GF_OPT_VALUE,
	  "-x: when it was revoked (default now), YYYY-MM-DD[THH:MM:SSZ]",
	  "DATE" },
	{ "invalidity-date", '\0', POPT_ARG_STRING, &cli.invalidity_date, GF_OPT_VALUE,
	  "-x: since when the key is compromised, YYYY-MM-DD[THH:MM:SSZ]",
	  "DATE" },
	{ "json", '\0', POPT_ARG_NONE, &cli.json, 0,
	  "-l, -e, -S: JSON output", NULL },
	{ "html", '\0', POPT_ARG_STRING, &cli.html, GF_OPT_VALUE,
	  "-l: one self-contained HTML report (CA tree, counts, expiry "
	  "timeline, next 90 days) to FILE", "FILE" },
	{ "tsv", '\0', POPT_ARG_NONE, &cli.tsv, 0,
	  "-l, -e: tab-separated rows for scripts: no header, no colour, "
	  "nothing cut", NULL },
	{ "status", '\0', POPT_ARG_STRING, &cli.status, GF_OPT_VALUE,
	  "-l: valid, revoked, hold, expired or all", "STATUS" },
	{ "expired", '\0', POPT_ARG_NONE, &cli.expired, 0,
	  "-e: list those that expired within DAYS instead", NULL },
	{ "format", '\0', POPT_ARG_STRING, &cli.format, GF_OPT_VALUE,
	  "-g: pem or der; -E: pem, der, chain, p12 or trust", "FORMAT" },
	{ "name", '\0', POPT_ARG_STRING, &cli.name, GF_OPT_VALUE,
	  "-I: the imported CA's name (default: the directory's)", "NAME" },
	{ "ca-cert", '\0', POPT_ARG_STRING, &cli.ca_cert, GF_OPT_VALUE,
	  "-I: the CA certificate, if not cacert.pem or ca.crt", "FILE" },
	{ "ca-key", '\0', POPT_ARG_STRING, &cli.ca_key, GF_OPT_VALUE,
	  "-I: the CA key, if not private/cakey.pem or private/ca.key", "FILE" },
	{ "with-root", '\0', POPT_ARG_NONE, &cli.with_root, 0,
	  "-E: include the root in a chain or PKCS#12", NULL },
	{ "key", '\0', POPT_ARG_STRING, &cli.key, GF_OPT_VALUE,
	  "-E --format p12: the certificate's private key; -r/-c: adopt the "
	  "key of this pkcs11: URI", "FILE" },
	{ "publish-key", '\0', POPT_ARG_STRING, &cli.publish_key, GF_OPT_VALUE,
	  "--publish: sign MANIFEST with this publication key (--passin if "
	  "encrypted) instead of a CA's", "FILE" },
	{ "publish-cert", '\0', POPT_ARG_STRING, &cli.publish_cert,
	  GF_OPT_VALUE, "--publish: the certificate of --publish-key "
	  "(template publisher, issued by a CA of the store)", "FILE" },
	{ "pkcs11-module", '\0', POPT_ARG_STRING, &pkcs11_module, GF_OPT_VALUE,
	  "PKCS#11 module for pkcs11: keys (default "
	  "$GENFIC_CA_PKCS11_MODULE, else p11-kit's proxy)", "PATH" },
	{ "label", '\0', POPT_ARG_STRING, &cli.label, GF_OPT_VALUE,
	  "a short name for the certificate, unique per CA", "NAME" },
	{ "mail", '\0', POPT_ARG_NONE, &cli.mail, 0,
	  "-s: mail each new certificate, with its chain, to its owner", NULL },
	{ "notify", '\0', POPT_ARG_NONE, &cli.notify, 0,
	  "-e: mail each owner a reminder (once a day), and --admin-mail a "
	  "summary", NULL },
	{ "sendmail", '\0', POPT_ARG_STRING, &cli.sendmail, GF_OPT_VALUE,
	  "the mailer, split at spaces, the message on its stdin (default "
	  "\"" MAIL_SENDMAIL "\")", "CMD" },
	{ "admin-mail", '\0', POPT_ARG_STRING, &cli.admin_mail, GF_OPT_VALUE,
	  "--notify: where the summary goes; the From: without --mail-from",
	  "ADDR" },
	{ "mail-from", '\0', POPT_ARG_STRING, &cli.mail_from, GF_OPT_VALUE,
	  "--mail, --notify: the From: address", "ADDR" },
	{ "mail-timeout", '\0', POPT_ARG_STRING, &mail_timeout_text,
	  GF_OPT_VALUE, "--mail, --notify: seconds the mailer may take per "
	  "message (default 60)", "SECONDS" },
	{ "owner", '\0', POPT_ARG_STRING, &cli.owner, GF_OPT_VALUE,
	  "-s: the mail address that owns the certificates (default: the "
	  "request's emailAddress or first email: name)", "ADDR" },
	{ "no-clamp", '\0', POPT_ARG_NONE, &cli.no_clamp, 0,
	  "refuse a validity past the issuer's instead of shortening it", NULL },
	{ "shares", '\0', POPT_ARG_STRING, &shares_text, GF_OPT_VALUE,
	  "--backup-key: how many shares (2 to 255)", "N" },
	{ "threshold", '\0', POPT_ARG_STRING, &threshold_text, GF_OPT_VALUE,
	  "--backup-key: how many shares rebuild the key (2 to N)", "M" },
	{ "force", '\0', POPT_ARG_NONE, &cli.force, 0,
	  "replace existing output files", NULL },
	{ "batch", '\0', POPT_ARG_NONE, &cli.batch, 0,
	  "never prompt; fail instead", NULL },
	{ "version", '\0', POPT_ARG_NONE, NULL, OPT_VERSION,
	  "print the version and the libraries in use", NULL },
	POPT_TABLEEND
};

static struct poptOption table[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, mode_table, 0,
	  "Modes (exactly one):", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, option_table, 0,
	  "Options:", NULL },
	{ "help", '?', POPT_ARG_NONE, NULL, OPT_HELP,
	  "show this help, with an example of each mode", NULL },
	/* -h as most programs have it; --help lists it once. */
	{ NULL, 'h', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, OPT_HELP,
	  NULL, NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, OPT_USAGE,
	  "show a short usage message", NULL },
	POPT_TABLEEND
};

static const char examples[] =
    "\nExamples (store in $GENFIC_CA_DIR or -d DIR):\n"
    "  genfic-ca -r genfic -v 7300 --subject '/C=BE/O=Example/CN=Example Root CA'\n"
    "  genfic-ca -p genfic -c genfic-system -v 3650\n"
    "  genfic-ca -R /var/db/ca/self/myhostname --san DNS:myhostname.example --nopass\n"
    "  genfic-ca -p genfic-system -s /var/db/ca/self/myhostname.req -o myhostname.crt\n"
    "  genfic-ca -p genfic-system -s /var/spool/csr -o /var/spool/crt\n"
    "  genfic-ca -p genfic-system -x myhostname --reason keyCompromise\n"
    "  genfic-ca -p genfic-system -g -o /srv/pki/genfic-system.crl\n"
    "  genfic-ca -l --status revoked --json\n"
    "  genfic-ca -e 30          # exit 3 when something expires within 30 days\n"
    "  genfic-ca -p genfic-system --inspect myhostname.req --json\n"
    "  genfic-ca -S myhostname\n"
    "  genfic-ca -E myhostname --format p12 --key myhostname.key -o host.p12\n"
    "  genfic-ca -I /etc/ssl/demoCA --name legacy\n"
    "  genfic-ca -p genfic-system --set --ocsp-url http://ocsp.example/\n"
    "  genfic-ca --publish /media/usb/pki\n"
    "  genfic-ca --publish /media/usb/pki --publish-key pub.key --publish-cert pub.crt\n"
    "  genfic-ca --recertify genfic-system -v 3650 --passin env:ROOT_PASS\n"
    "  genfic-ca --rollover genfic --passin env:ROOT_PASS --passout env:NEW_PASS\n"
    "  genfic-ca --backup-key genfic --shares 5 --threshold 3 -o /media/usb\n"
    "  genfic-ca --restore-key genfic share1.txt share3.txt share5.txt\n"
    "  genfic-ca --intake /var/spool/csr <message   # procmail's |\n"
    "  genfic-ca --audit-verify\n"
    "See genfic-ca(1) and genfic-ca-templates(5).\n";

static void
print_version(void)
{
	opt_print_versions("genfic-ca");
#ifdef GF_MHD_VERSION
	/* genfic-ocspd --version names the one it runs with. */
	printf("  libmicrohttpd %s (genfic-ocspd is built with)\n",
	    GF_MHD_VERSION);
#endif
	printf("  templates: %s\n", GF_TEMPLATE_DIR);
}

/* An int option from 1 to max: NULL leaves *out alone. */
static int
parse_number(poptContext pc, const char *option, const char *text, int max,
    int *out)
{
	long long n = *out;
	int r;

	if ((r = opt_number(pc, option, text, 1, max, &n)) == 0)
		*out = (int)n;
	return r;
}

/* --pathlen: 0 to 16, or -1 when not given. */
static int
parse_pathlen(poptContext pc)
{
	long long n = -1;
	int r;

	if ((r = opt_number(pc, "--pathlen", pathlen_text, 0, 16, &n)) == 0)
		cli.pathlen = (int)n;
	return r;
}

/*
 * A label is shown in listings and matched by -x, -S and -E: printable
 * (nothing gf_escape() would escape, as in a subject), on one line, and
 * short.
 */
static int
label_ok(const char *label)
{
	char shown[GF_ESCAPE_MAX + 1];
	size_t i, step, n = strlen(label);
	int kind;

	if (n == 0 || n > CLI_MAX_LABEL)
		return 0;
	for (i = 0; i < n; i += step) {
		step = gf_escape_next(label + i, n - i, shown, &kind);
		if (kind != GF_TEXT_SHOWN)
			return 0;
	}
	return 1;
}

/*
 * --owner goes with -s; --set-owner takes exactly VALUE ADDR, ADDR empty
 * for none.  Each address is checked here, before the store is opened.
 */
static int
owner_options(poptContext pc)
{
	const char **rest = poptGetArgs(pc);
	const char *addr = NULL;

	if (cli.owner != NULL && cli.mode != 's')
		return opt_bad_value("%s", "--owner goes with -s (--set-owner "
		    "changes one later)");
	if (cli.mode == OPT_SET_OWNER) {
		if (rest == NULL || rest[0] == NULL || rest[1] != NULL)
			return opt_usage(pc, "%s", "--set-owner VALUE ADDR: one "
			    "certificate and one address ('' for none)");
		addr = rest[0];
		if (*addr == '\0')
			return 0;
	} else if ((addr = cli.owner) == NULL)
		return 0;
	if (owner_check(addr) != 0)
		return opt_bad_value("%s", gf_errmsg(GF_ERR_USAGE));
	return 0;
}

/* An address option, checked as an owner is. */
static int
address_option(const char *option, const char *addr)
{
	if (addr == NULL || owner_check(addr) == 0)
		return 0;
	return opt_bad_value("%s %s", option, gf_errmsg(GF_ERR_USAGE));
}

/* --mail with -s, --notify with -e; the mail options with either. */
static int
mail_options(poptContext pc)
{
	int mailing = cli.mail || cli.notify, r;

	if (cli.mail && cli.mode != 's')
		return opt_bad_value("%s", "--mail goes with -s");
	if (cli.notify && (cli.mode != 'e' || cli.expired))
		return opt_bad_value("%s", "--notify goes with -e DAYS (not "
		    "--expired)");
	if (!mailing && (cli.sendmail != NULL || cli.admin_mail != NULL ||
	    cli.mail_from != NULL || mail_timeout_text != NULL))
		return opt_bad_value("%s", "--sendmail, --admin-mail, "
		    "--mail-from and --mail-timeout go with --mail or --notify");
	if ((r = address_option("--admin-mail:", cli.admin_mail)) != 0 ||
	    (r = address_option("--mail-from:", cli.mail_from)) != 0 ||
	    (r = parse_number(pc, "--mail-timeout", mail_timeout_text, 3600,
	    &cli.mail_timeout)) != 0)
		return r;
	if (mailing && cli.mail_from == NULL && cli.admin_mail == NULL)
		return opt_bad_value("%s", "--mail and --notify need a From: "
		    "address: --mail-from or --admin-mail");
	return 0;
}

/* --publish-key and --publish-cert: together, with --publish, not -p. */
static int
publish_options(void)
{
	if (cli.publish_key == NULL && cli.publish_cert == NULL)
		return 0;
	if (cli.mode != OPT_PUBLISH)
		return opt_bad_value("%s", "--publish-key and --publish-cert go "
		    "with --publish");
	if (cli.publish_key == NULL || cli.publish_cert == NULL)
		return opt_bad_value("%s", "--publish-key and --publish-cert go "
		    "together");
	if (cli.parent != NULL)
		return opt_bad_value("%s", "--publish: -p CA or --publish-key "
		    "signs the manifest, not both");
	return 0;
}

/* The template search order of DESIGN section 4. */
static int
setup_template_dirs(void)
{
	const char *env;
	size_t n = 0;

	if (cli.templates != NULL)
		cli.template_dirs[n++] = cli.templates;
	if ((env = getenv("GENFIC_CA_TEMPLATES")) != NULL && *env != '\0')
		cli.template_dirs[n++] = env;
	if ((cli.store_templates = file_join(cli.dir, "templates")) == NULL)
		return -1;
	cli.template_dirs[n++] = cli.store_templates;
	cli.template_dirs[n++] = GF_TEMPLATE_DIR;
	cli.template_dirs[n] = NULL;
	return 0;
}

static int
dispatch(void)
{
	switch (cli.mode) {
	case 'r':
		return cmd_create_root(&cli);
	case 'c':
		return cmd_create_child(&cli);
	case 'R':
		return cmd_request(&cli);
	case 's':
		return cmd_sign(&cli);
	case 'x':
		return cmd_revoke(&cli);
	case 'g':
		return cmd_gencrl(&cli);
	case 'l':
		return cmd_list(&cli);
	case 'e':
		return cmd_expiring(&cli);
	case 'S':
		return cmd_show(&cli);
	case 'E':
		return cmd_export(&cli);
	case 'I':
		return cmd_import(&cli);
	case OPT_SET:
		return cmd_set(&cli);
	case OPT_AUDIT:
		return cmd_audit(&cli);
	case OPT_PUBLISH:
		return cmd_publish(&cli);
	case OPT_AUDIT_VERIFY:
		return cmd_audit_verify(&cli);
	case OPT_PASSWD:
		return cmd_passwd(&cli);
	case OPT_SHOW_CA:
		return cmd_show_ca(&cli);
	case OPT_INSPECT:
		return cmd_inspect(&cli);
	case OPT_RECERTIFY:
		return cmd_recertify(&cli);
	case OPT_ROLLOVER:
		return cmd_rollover(&cli);
	case OPT_RENEW:
		return cmd_renew(&cli);
	case OPT_RENEW_EXPIRING:
		return cmd_renew_expiring(&cli);
	case OPT_BACKUP_KEY:
		return cmd_backup_key(&cli);
	case OPT_RESTORE_KEY:
		return cmd_restore_key(&cli);
	case OPT_INTAKE:
		return cmd_intake(&cli);
	case OPT_SET_OWNER:
		return cmd_set_owner(&cli);
	}
	return EXIT_USAGE;
}

/*
 * -s takes every remaining argument as a request file too; --restore-key
 * takes them as its share files.
 */
static int
collect_files(poptContext pc)
{
	const char **rest = poptGetArgs(pc);
	size_t n = 0, i, k = 0;

	while (rest != NULL && rest[n] != NULL)
		n++;
	if ((cli.files = calloc(n + 2, sizeof(*cli.files))) == NULL)
		return -1;
	if (cli.mode == 's' || cli.mode == OPT_SET_OWNER)
		cli.files[k++] = cli.arg;
	for (i = 0; i < n; i++)
		cli.files[k++] = rest[i];
	return 0;
}

int
main(int argc, const char **argv)
{
	poptContext pc;
	struct opt_strings strings = { 0 };
	const char *bad;
	char safe[256];
	int c, status;

	/* CA keys and passphrases may be in memory: see pass.h. */
	pass_protect();
	pc = poptGetContext("genfic-ca", argc, argv, table, 0);
	opt_strings_init(&strings, table);
	while ((c = opt_next(pc, &strings)) > 0) {
		switch (c) {
		case OPT_VERSION:
			print_version();
			poptFreeContext(pc);
			return 0;
		case OPT_HELP:
			poptPrintHelp(pc, stdout, 0);
			fputs(examples, stdout);
			poptFreeContext(pc);
			return 0;
		case OPT_USAGE:
			poptPrintUsage(pc, stdout, 0);
			poptFreeContext(pc);
			return 0;
		default:
			if (cli.mode != 0) {
				status = opt_usage(pc, "%s", "give exactly one mode");
				goto out;
			}
			cli.mode = c;
			cli.arg = mode_arg;
		}
	}
	if (c < -1) {
		bad = poptBadOption(pc, POPT_BADOPTION_NOALIAS);
		gf_escape(safe, sizeof(safe), bad, strlen(bad));
		fprintf(stderr, "%s: %s: %s (--help lists the options)\n",
		    gf_progname, safe, poptStrerror(c));
		status = EXIT_USAGE;
		goto out;
	}
	if (cli.mode == 0) {
		status = opt_usage(pc, "%s", "no mode given (-r, -c, -R, -s, -x, -g, ...)");
		goto out;
	}
	if (cli.mode != 's' && cli.mode != OPT_RESTORE_KEY &&
	    cli.mode != OPT_SET_OWNER && poptPeekArg(pc) != NULL) {
		status = opt_usage(pc, "unexpected argument '%s'", poptPeekArg(pc));
		goto out;
	}
	if (cli.mode == 'e' && strcmp(cli.arg, "0") != 0 &&
	    (status = parse_number(pc, "-e", cli.arg, CLI_MAX_DAYS,
	    &cli.expiring_days)) != 0)
		goto out;
	if (cli.mode == OPT_RENEW_EXPIRING && (status = parse_number(pc,
	    "--renew-expiring", cli.arg, CLI_MAX_DAYS, &cli.expiring_days)) != 0)
		goto out;
	if ((status = parse_number(pc, "-v", days_text, CLI_MAX_DAYS,
	    &cli.days)) != 0 ||
	    (status = parse_number(pc, "--crl-days", crl_days_text, 3660,
	    &cli.crl_days)) != 0 ||
	    (status = parse_number(pc, "--crl-hours", crl_hours_text, 87840,
	    &cli.crl_hours)) != 0 ||
	    (status = parse_pathlen(pc)) != 0 ||
	    (status = parse_number(pc, "--shares", shares_text,
	    SHAMIR_MAX_SHARES, &cli.shares)) != 0 ||
	    (status = parse_number(pc, "--threshold", threshold_text,
	    SHAMIR_MAX_SHARES, &cli.threshold)) != 0)
		goto out;
	if ((cli.shares != 0 || cli.threshold != 0) &&
	    cli.mode != OPT_BACKUP_KEY) {
		status = opt_bad_value("%s", "--shares and --threshold go "
		    "with --backup-key");
		goto out;
	}
	if ((cli.name_constraints != NULL || cli.pathlen >= 0) &&
	    cli.mode != 'r' && cli.mode != 'c') {
		status = opt_bad_value("%s", "--name-constraints and --pathlen "
		    "go with -r or -c");
		goto out;
	}
	if ((status = owner_options(pc)) != 0 ||
	    (status = mail_options(pc)) != 0 ||
	    (status = publish_options()) != 0)
		goto out;
	if (cli.label != NULL && !label_ok(cli.label)) {
		status = opt_bad_value("--label '%s': 1 to %d bytes, no control, "
		    "bidirectional or invisible characters", cli.label, CLI_MAX_LABEL);
		goto out;
	}
	if (cli.dir == NULL && (cli.dir = getenv("GENFIC_CA_DIR")) == NULL)
		cli.dir = GF_STORE_DEFAULT;
	p11_set_module(pkcs11_module);
	if (setup_template_dirs() != 0 || ((cli.mode == 's' ||
	    cli.mode == OPT_RESTORE_KEY || cli.mode == OPT_SET_OWNER) &&
	    collect_files(pc) != 0)) {
		status = cli_fail("genfic-ca", GF_ERR_ALLOC);
		goto out;
	}
	status = dispatch();
	cli_audit_head();
 out:
	free(cli.files);
	free(cli.store_templates);
	poptFreeContext(pc);
	return status;
}
