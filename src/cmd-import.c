/*
 * -I DIR: import an `openssl ca` directory (index.txt, crlnumber,
 * newcerts/, the CA certificate and key) or an easy-rsa 3 pki/ directory,
 * keeping every serial, status and revocation.  One transaction: all or
 * nothing.  Importing twice adds nothing.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/osslindex.h"
#include "genfic/pass.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

#define IMPORT_INDEX_MAX	(1024L * 1024 * 1024)

struct import {
	struct cli	*cli;
	const char	*dir;
	char		*name;
	struct store	*st;
	X509		*ca_cert;
	char		*key_file;	/* the CA key found, or NULL */
	char		*key_saved;	/* the key this run wrote, or NULL */
	struct ca	*parent;	/* the issuer in the store, or NULL */
	int64_t		 ca_id;
	int		 ca_changed;	/* the CA row was written: audit it */
	long		 imported, skipped, failed, total;
};

/* The first of the candidate files under dir that exists, or NULL. */
static char *
first_file(const char *dir, const char *const *names)
{
	char *path;
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if ((path = file_join(dir, names[i])) != NULL && file_exists(path))
			return path;
		free(path);
	}
	return NULL;
}

static int
import_locate(struct import *im)
{
	static const char *const certs[] = { "cacert.pem", "ca.crt", "ca.pem",
	    "certs/ca.crt", "certs/cacert.pem", NULL };
	static const char *const keys[] = { "private/cakey.pem",
	    "private/ca.key", "private/ca.pem", NULL };
	char *cert, *copy, *base;
	int r;

	cert = im->cli->ca_cert != NULL ? strdup(im->cli->ca_cert) :
	    first_file(im->dir, certs);
	if (cert == NULL)
		return gf_fail(GF_ERR_NOT_FOUND, "no CA certificate (cacert.pem, "
		    "ca.crt; or give --ca-cert FILE)");
	r = x509_load(cert, &im->ca_cert);
	if (r != 0)
		r = gf_fail(r, "%s: %s", cert, gf_errmsg(r));
	free(cert);
	if (r != 0)
		return r;
	im->key_file = im->cli->ca_key != NULL ? strdup(im->cli->ca_key) :
	    first_file(im->dir, keys);
	if (im->cli->name != NULL)
		im->name = strdup(im->cli->name);
	else if ((copy = strdup(im->dir)) != NULL) {
		/* easy-rsa keeps everything in NAME/pki. */
		base = basename(copy);
		if (strcmp(base, "pki") == 0)
			base = basename(dirname(copy));
		im->name = strdup(base);
		free(copy);
	}
	if (im->name == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = ca_name_check(im->name)) != 0)
		return gf_fail(r, "%s; give the CA a name with --name",
		    gf_errmsg(r));
	return 0;
}

/* The CA of the store that issued the imported CA's certificate, if any. */
static int
import_find_parent(struct import *im)
{
	sqlite3_stmt *stmt;
	struct ca *ca;
	int r;

	if (X509_check_issued(im->ca_cert, im->ca_cert) == X509_V_OK)
		return 0;	/* self-issued: a root */
	if ((r = store_prepare(im->st, "SELECT id FROM ca", &stmt)) != 0)
		return r;
	while (im->parent == NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		if (ca_load_id(im->st, sqlite3_column_int64(stmt, 0), &ca) != 0)
			continue;
		if (X509_check_issued(ca->cert, im->ca_cert) == X509_V_OK &&
		    X509_verify(im->ca_cert, X509_get0_pubkey(ca->cert)) == 1)
			im->parent = ca;
		else
			ca_free(ca);
	}
	sqlite3_finalize(stmt);
	gf_errclear();
	return 0;
}

/* Re-encrypts the CA key into DIR/private/NAME.key under our KDF. */
static int
import_key(struct import *im)
{
	struct passphrase in, out;
	EVP_PKEY *key = NULL;
	char *path;
	int r;

	pass_clear(&in);
	pass_clear(&out);
	if ((path = store_path(im->st, "private", im->name, ".key")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (im->key_file == NULL || file_exists(path)) {
		if (im->key_file == NULL)
			gf_warnx("%s: warning: no CA key found (--ca-key FILE): "
			    "its certificates are imported, but it cannot sign",
			    im->name);
		free(path);
		return 0;
	}
	if (key_is_encrypted(im->key_file) && (r = pass_get(im->cli->passin,
	    "Passphrase of the CA key to import: ", 0, im->cli->batch,
	    &in)) != 0)
		goto out;
	if ((r = key_load(im->key_file, in.len > 0 ? &in : NULL, &key)) != 0)
		goto out;
	if (X509_check_private_key(im->ca_cert, key) != 1) {
		gf_errclear();
		r = gf_fail(GF_ERR_POLICY, "%s is not the key of the CA "
		    "certificate", im->key_file);
		goto out;
	}
	/* Without --passout the key keeps its passphrase, under scrypt now. */
	if (im->cli->passout != NULL || in.len == 0)
		r = pass_get(im->cli->passout, "New passphrase for the CA key: ",
		    1, im->cli->batch, &out);
	else
		out = in;
	if (r == 0 && (r = key_save(path, key, &out)) == 0) {
		im->key_saved = path;	/* removed if the import fails */
		path = NULL;
	}
 out:
	pass_clear(&in);
	pass_clear(&out);
	EVP_PKEY_free(key);
	free(path);
	return r;
}

/* The entry of a certificate the import adds outside index.txt. */
static int
import_audit_cert(struct import *im, const char *issuer, X509 *cert)
{
	struct cert_row row;
	char hex[2 * GF_SERIAL_MAX + 1];
	int r;

	if ((r = certdb_row(cert, &row)) != 0)
		return r;
	serial_to_hex(&row.serial, hex);
	r = audit_append(im->st, "import", issuer, hex, row.subject);
	certdb_row_clear(&row);
	return r;
}

/* The CA row (new, or the one a previous import made) and its certificate. */
static int
import_ca_row(struct import *im)
{
	struct ca *existing = NULL, ca;
	unsigned char a[GF_SHA256_LEN], b[GF_SHA256_LEN];
	char ref[128];
	int root = im->parent == NULL, r;

	if ((r = ca_load(im->st, im->name, &existing)) == 0) {
		im->ca_id = existing->id;
		if ((r = x509_fingerprint(existing->cert, a)) == 0 &&
		    (r = x509_fingerprint(im->ca_cert, b)) == 0 &&
		    memcmp(a, b, sizeof(a)) != 0)
			r = gf_fail(GF_ERR_CONFLICT, "a different CA named %s is "
			    "already in the store", im->name);
		ca_free(existing);
		return r;
	}
	if (r != GF_ERR_NOT_FOUND)
		return r;
	gf_errclear();
	memset(&ca, 0, sizeof(ca));
	snprintf(ref, sizeof(ref), "file:private/%s.key", im->name);
	ca.name = im->name;
	ca.parent_id = root ? 0 : im->parent->id;
	ca.key_ref = ref;
	ca.template = root ? "root" : "intermediate";
	ca.leaf_template = (char *)(im->cli->template != NULL ?
	    im->cli->template : "server");
	ca.crl_days = root ? 365 : 7;
	if ((r = ca_insert(im->st, &ca)) != 0)
		return r;
	if ((r = certdb_insert(im->st, root ? ca.id : im->parent->id,
	    im->ca_cert, im->name, NULL, &ca.cert_id)) == GF_ERR_CONFLICT)
		return gf_fail(r, "this CA certificate is already in the store "
		    "under another name (-l shows it)");
	if (r != 0 ||
	    (r = ca_set_cert(im->st, ca.id, ca.cert_id)) != 0 ||
	    (r = import_audit_cert(im, root ? im->name : im->parent->name,
	    im->ca_cert)) != 0)
		return r;
	im->ca_id = ca.id;
	im->ca_changed = 1;
	return 0;
}

/*
 * The import-ca entry, once the CA row is as the import leaves it (its
 * CRL number too): the entry commits to that state.
 */
static int
import_audit_ca(struct import *im)
{
	if (!im->ca_changed)
		return 0;
	return audit_append(im->st, "import-ca", im->name, NULL, NULL);
}

/* The next CRL number continues from the directory's crlnumber file. */
static int
import_crlnumber(struct import *im)
{
	struct serial n;
	unsigned char *data;
	sqlite3_stmt *stmt;
	char *path;
	int64_t next = 0;
	size_t len, i;
	int r;

	if ((path = file_join(im->dir, "crlnumber")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_read(path, 64, &data, &len);
	free(path);
	if (r != 0) {
		gf_errclear();
		return 0;	/* no CRL was ever issued */
	}
	data[strcspn((char *)data, "\r\n")] = '\0';
	if ((r = serial_from_hex((char *)data, &n)) != 0 || n.len > 7)
		r = gf_fail(GF_ERR_FORMAT, "crlnumber: '%s' is not a number",
		    data);
	free(data);
	if (r != 0)
		return r;
	for (i = 0; i < n.len; i++)
		next = next << 8 | n.bytes[i];
	if ((r = store_prepare(im->st, "UPDATE ca SET next_crl_number = ?2 "
	    "WHERE id = ?1 AND next_crl_number < ?2", &stmt)) != 0)
		return r;
	if (sqlite3_bind_int64(stmt, 1, im->ca_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, next) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = store_fail(im->st, "crlnumber");
	else if (sqlite3_changes(im->st->db) > 0)
		im->ca_changed = 1;
	sqlite3_finalize(stmt);
	return r;
}

/* The certificate file of an index entry: newcerts/ or certs_by_serial/. */
static int
import_cert_file(const struct import *im, const struct index_entry *e,
    X509 **cert)
{
	char hex[2 * GF_SERIAL_MAX + 1], name[2 * GF_SERIAL_MAX + 32];
	const char *dirs[] = { "newcerts", "certs_by_serial", NULL };
	char *path;
	size_t i;
	int r = GF_ERR_NOT_FOUND;

	serial_to_hex(&e->serial, hex);
	for (i = 0; dirs[i] != NULL && r == GF_ERR_NOT_FOUND; i++) {
		snprintf(name, sizeof(name), "%s/%s.pem", dirs[i], hex);
		if ((path = file_join(im->dir, name)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		if (file_exists(path))
			r = x509_load(path, cert);
		free(path);
	}
	return r;
}

/* Does the certificate belong to this entry and this CA? */
static int
import_check_cert(const struct import *im, const struct index_entry *e,
    X509 *cert)
{
	struct serial s;
	int r;

	if ((r = serial_from_asn1(X509_get0_serialNumber(cert), &s)) != 0)
		return r;
	if (s.len != e->serial.len || memcmp(s.bytes, e->serial.bytes, s.len))
		return gf_fail(GF_ERR_CONFLICT, "its file holds another serial");
	if (X509_check_issued(im->ca_cert, cert) != X509_V_OK ||
	    X509_verify(cert, X509_get0_pubkey(im->ca_cert)) != 1) {
		gf_errclear();
		return gf_fail(GF_ERR_POLICY, "not issued by the CA certificate");
	}
	return 0;
}

/*
 * A serial this CA already has: GF_ERR_EXISTS when it is the same
 * certificate (imported before), a conflict when it is another.
 */
static int
import_seen(struct import *im, const struct index_entry *e, X509 *cert)
{
	unsigned char md[GF_SHA256_LEN];
	char hex[2 * GF_SERIAL_MAX + 1];
	sqlite3_stmt *stmt;
	int r, same;

	if (cert != NULL && (r = x509_fingerprint(cert, md)) != 0)
		return r;
	if ((r = store_prepare(im->st, "SELECT fingerprint FROM cert WHERE "
	    "ca_id = ?1 AND serial = ?2", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, im->ca_id);
	sqlite3_bind_blob(stmt, 2, e->serial.bytes, (int)e->serial.len,
	    SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return gf_fail(GF_ERR_CONFLICT, "the certificate is already in "
		    "the store under another CA");
	}
	/* Without a file only the serial can be compared. */
	same = cert == NULL || (sqlite3_column_bytes(stmt, 0) == GF_SHA256_LEN &&
	    memcmp(sqlite3_column_blob(stmt, 0), md, GF_SHA256_LEN) == 0);
	sqlite3_finalize(stmt);
	serial_to_hex(&e->serial, hex);
	return same ? GF_ERR_EXISTS : gf_fail(GF_ERR_CONFLICT, "serial %s is "
	    "already in the store with a different certificate", hex);
}

/*
 * One entry: the certificate from its file, or the index data alone; then
 * its revocation.  GF_ERR_EXISTS when it was imported before.
 */
static int
import_entry(struct import *im, const struct index_entry *e)
{
	char hex[2 * GF_SERIAL_MAX + 1];
	X509_NAME *subject = NULL;
	X509 *cert = NULL;
	int64_t id;
	int r;

	r = import_cert_file(im, e, &cert);
	if (r == 0 && (r = import_check_cert(im, e, cert)) == 0)
		r = certdb_insert(im->st, im->ca_id, cert, NULL, NULL, &id);
	else if (r == GF_ERR_NOT_FOUND) {
		gf_errclear();
		if ((r = dn_parse(e->subject, &subject)) == 0)
			r = certdb_insert_bare(im->st, im->ca_id, &e->serial,
			    subject, e->not_after, &id);
		if (r == 0)
			gf_warnx("%s: warning: serial %s: no certificate file, "
			    "imported from index.txt alone", im->name,
			    (serial_to_hex(&e->serial, hex), hex));
	}
	if (r == GF_ERR_CONFLICT)
		r = import_seen(im, e, cert);
	if (r == 0 && e->status == 'R')
		r = revoke_set(im->st, id, e->reason, e->revoked_at, e->invalidity);
	if (r == 0) {
		serial_to_hex(&e->serial, hex);
		r = audit_append(im->st, "import", im->name, hex, e->subject);
	}
	X509_free(cert);
	X509_NAME_free(subject);
	return r;
}

static void
import_progress(const struct import *im, long done, int last)
{
	if (im->cli->batch || !isatty(STDERR_FILENO) || im->total < 1000 ||
	    (!last && done % 500 != 0))
		return;
	fprintf(stderr, "\r%s: importing %ld/%ld", gf_progname, done,
	    im->total);
	if (last)
		fputc('\n', stderr);
}

/* Every line of index.txt; failures are reported and counted. */
static int
import_index(struct import *im)
{
	struct index_entry e;
	unsigned char *data;
	char *path, *line, *next, what[64];
	size_t len;
	long lineno = 0;
	int r;

	if ((path = file_join(im->dir, "index.txt")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_read(path, IMPORT_INDEX_MAX, &data, &len);
	free(path);
	if (r != 0)
		return gf_fail(r, "index.txt: %s", gf_errmsg(r));
	for (line = (char *)data; *line != '\0'; line++)
		im->total += *line == '\n';
	for (line = (char *)data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		snprintf(what, sizeof(what), "index.txt line %ld", ++lineno);
		if ((r = index_parse_line(line, &e)) == 0)
			r = import_entry(im, &e);
		if (r == 0)
			im->imported++;
		else if (r == GF_ERR_EXISTS)
			im->skipped++;
		else if (r == GF_ERR_DB || r == GF_ERR_BUSY || r == GF_ERR_ALLOC)
			break;
		else {
			gf_report(what, r);
			im->failed++;
		}
		import_progress(im, lineno, 0);
		r = 0;
	}
	import_progress(im, lineno, 1);
	free(data);
	return r;
}

static void
import_free(struct import *im)
{
	free(im->name);
	free(im->key_file);
	free(im->key_saved);
	X509_free(im->ca_cert);
	ca_free(im->parent);
	store_free(im->st);
}

int
cmd_import(struct cli *cli)
{
	struct import im;
	int r;

	memset(&im, 0, sizeof(im));
	im.cli = cli;
	im.dir = cli->arg;
	if (!file_is_dir(im.dir)) {
		r = gf_fail(GF_ERR_NOT_FOUND, "not a directory");
		goto out;
	}
	if ((r = import_locate(&im)) != 0 ||
	    (r = store_open(cli->dir, GF_STORE_CREATE, &im.st)) != 0 ||
	    (r = import_find_parent(&im)) != 0 ||
	    (r = import_key(&im)) != 0 || (r = store_begin(im.st)) != 0)
		goto out;
	if ((r = import_ca_row(&im)) != 0 || (r = import_crlnumber(&im)) != 0 ||
	    (r = import_audit_ca(&im)) != 0 || (r = import_index(&im)) != 0)
		goto out;
	if (im.failed > 0) {
		r = gf_fail(GF_ERR_POLICY, "%ld entries failed; nothing was "
		    "imported", im.failed);
		goto out;
	}
	if ((r = store_commit(im.st)) != 0)
		goto out;
	printf("%s: imported %ld, skipped %ld (already in the store), failed "
	    "%ld\n", im.name, im.imported, im.skipped, im.failed);
 out:
	if (r != 0) {
		if (im.st != NULL)
			store_rollback(im.st);
		/* Nothing was imported: no key without its CA either. */
		if (im.key_saved != NULL)
			unlink(im.key_saved);
		gf_report(cli->arg, r);
	}
	import_free(&im);
	return cli_exit_status(r);
}
