/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Importing an `openssl ca` directory (index.txt, crlnumber, newcerts/,
 * the CA certificate and key) or an easy-rsa 3 pki/ directory, keeping
 * every serial, status and revocation.  One transaction: all or nothing.
 * Importing twice adds nothing.  Lines are read by osslindex.c.
 */
#include <errno.h>
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
#include "genfic/import.h"
#include "genfic/keys.h"
#include "genfic/osslindex.h"
#include "genfic/pass.h"
#include "genfic/revoke.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

#define IMPORT_INDEX_MAX	(1024L * 1024 * 1024)


/*
 * The first of the candidate files under dir that exists in *out, or
 * NULL if none does; out of memory is an error, not a file not found.
 */
static int
first_file(const char *dir, const char *const *names, char **out)
{
	char *path;
	size_t i;

	*out = NULL;
	for (i = 0; names[i] != NULL; i++) {
		if ((path = file_join(dir, names[i])) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		if (file_exists(path)) {
			*out = path;
			return 0;
		}
		free(path);
	}
	return 0;
}

/* given (a copy), else the first of names under dir that exists. */
static int
import_file(const char *dir, const char *given, const char *const *names,
    char **out)
{
	if (given == NULL)
		return first_file(dir, names, out);
	/* A failed copy must not read as "none given": the key would be lost. */
	if ((*out = strdup(given)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

/*
 * --name, else the directory's own name (the one above pki/ for
 * easy-rsa), found from its absolute path: "-I ." or "-I pki" name the
 * directory, not ".".
 */
static int
import_name(struct import *im)
{
	char *path, *base;
	int r;

	if (im->opt.name != NULL)
		im->name = strdup(im->opt.name);
	else {
		if ((path = realpath(im->dir, NULL)) == NULL)
			return gf_fail(GF_ERR_IO, "%s", strerror(errno));
		base = basename(path);
		if (strcmp(base, "pki") == 0)
			base = basename(dirname(path));
		im->name = strdup(base);
		free(path);
	}
	if (im->name == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = ca_name_check(im->name)) != 0)
		return gf_fail(r, "%s; give the CA a name with --name",
		    gf_errmsg(r));
	return 0;
}

static int
import_locate(struct import *im)
{
	static const char *const certs[] = { "cacert.pem", "ca.crt", "ca.pem",
	    "certs/ca.crt", "certs/cacert.pem", NULL };
	static const char *const keys[] = { "private/cakey.pem",
	    "private/ca.key", "private/ca.pem", NULL };
	int r;

	if ((r = import_file(im->dir, im->opt.ca_cert, certs,
	    &im->cert_file)) != 0)
		return r;
	if (im->cert_file == NULL)
		return gf_fail(GF_ERR_NOT_FOUND, "no CA certificate (cacert.pem, "
		    "ca.crt; or give --ca-cert FILE)");
	if ((r = x509_load(im->cert_file, &im->ca_cert)) != 0)
		return gf_fail(r, "%s: %s", im->cert_file, gf_errmsg(r));
	if ((r = import_file(im->dir, im->opt.ca_key, keys,
	    &im->key_file)) != 0)
		return r;
	if ((r = import_name(im)) != 0)
		return r;
	if ((im->key_path = store_dir_path(im->opt.store_dir, "private", im->name,
	    ".key")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

/*
 * Only a CA certificate is imported as a CA: CA:TRUE, and keyCertSign
 * when it has a keyUsage (RFC 5280 4.2.1.3, 4.2.1.9).
 */
static int
import_check_ca(struct import *im)
{
	uint32_t flags = X509_get_extension_flags(im->ca_cert);

	if (flags & EXFLAG_INVALID) {
		gf_errclear();
		return gf_fail(GF_ERR_POLICY, "%s: its extensions do not parse",
		    im->cert_file);
	}
	if (!(flags & EXFLAG_CA))
		return gf_fail(GF_ERR_POLICY, "%s: not a CA certificate (no "
		    "basicConstraints CA:TRUE)", im->cert_file);
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(im->ca_cert) & KU_KEY_CERT_SIGN))
		return gf_fail(GF_ERR_POLICY, "%s: not a CA certificate (its "
		    "keyUsage has no keyCertSign)", im->cert_file);
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(im->ca_cert) & KU_CRL_SIGN))
		gf_warnx("%s: warning: its keyUsage has no cRLSign: the CRLs "
		    "it signs will not verify", im->name);
	/* A signature by its own key, not merely the same name. */
	im->self_signed = X509_self_signed(im->ca_cert, 1) == 1;
	gf_errclear();
	return 0;
}

/* The CA of the store that issued the imported CA's certificate, if any. */
static int
import_find_parent(struct import *im)
{
	sqlite3_stmt *stmt;
	struct ca *ca;
	int r;

	if (im->self_signed)
		return 0;	/* a root */
	if ((r = store_prepare(im->st, "SELECT id FROM ca", &stmt)) != 0)
		return r;
	while (im->parent == NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		if (ca_load_id(im->st, sqlite3_column_int64(stmt, 0), &ca) != 0)
			continue;
		/* check_issued also wants keyCertSign of the issuer. */
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

/*
 * With a store already there: the issuer, and whether an earlier import
 * made this CA (with this very certificate).
 */
static int
import_check_store(struct import *im)
{
	unsigned char a[GF_SHA256_LEN], b[GF_SHA256_LEN];
	struct ca *known = NULL;
	int r;

	if ((r = store_open(im->opt.store_dir, GF_STORE_CREATE, &im->st)) != 0 ||
	    (r = import_find_parent(im)) != 0)
		return r;
	if ((r = ca_load(im->st, im->name, &known)) == GF_ERR_NOT_FOUND) {
		gf_errclear();
		return 0;
	}
	if (r != 0)
		return r;
	if ((r = x509_fingerprint(known->cert, a)) == 0 &&
	    (r = x509_fingerprint(im->ca_cert, b)) == 0 &&
	    memcmp(a, b, sizeof(a)) != 0)
		r = gf_fail(GF_ERR_CONFLICT, "a different CA named %s is "
		    "already in the store", im->name);
	im->ca_known = r == 0;
	ca_free(known);
	return r;
}

/* The CA key to import, decrypted, and the passphrase to store it under. */
static int
import_key_read(struct import *im)
{
	struct passphrase in = { 0 };
	EVP_PKEY *key = NULL;
	int enc, r = 0;

	if ((enc = key_is_encrypted(im->key_file)) && im->opt.passin == NULL &&
	    im->opt.batch)
		return gf_fail(GF_ERR_PASSPHRASE, "%s is encrypted: give --passin",
		    im->key_file);
	if (enc && (r = pass_get(im->opt.passin, "Passphrase of the CA key to "
	    "import: ", 0, im->opt.batch, &in)) != 0)
		goto out;
	if ((r = key_load(im->key_file, enc ? &in : NULL, &key)) != 0)
		goto out;
	if (X509_check_private_key(im->ca_cert, key) != 1 ||
	    !key_signs_for(key, im->ca_cert)) {
		gf_errclear();
		r = gf_fail(GF_ERR_POLICY, "%s is not the key of the CA "
		    "certificate", im->key_file);
		goto out;
	}
	/* Without --passout the key keeps its passphrase, under scrypt now. */
	if (!enc && im->opt.passout == NULL && im->opt.batch)
		r = gf_fail(GF_ERR_PASSPHRASE, "%s is not encrypted, and the "
		    "store keeps CA keys encrypted: give --passout", im->key_file);
	else if (im->opt.passout != NULL || !enc)
		r = pass_get(im->opt.passout, "New passphrase for the CA key: ",
		    1, im->opt.batch, &im->pass);
	else {
		im->pass = in;	/* the buffer changes hands */
		in.text = NULL;
	}
	if (r == 0) {
		im->key = key;
		key = NULL;
	}
 out:
	pass_clear(&in);
	EVP_PKEY_free(key);
	return r;
}

/*
 * The key goes to private/NAME.key, never over a file there: one that an
 * earlier import of this CA wrote is kept, any other refused (it is some
 * other CA's, and would sign in this one's name).
 */
static int
import_key(struct import *im)
{
	if (file_exists(im->key_path)) {
		if (im->ca_known)
			return 0;
		return gf_fail(GF_ERR_EXISTS, "private/%s.key exists, and no CA "
		    "%s is in the store: a key of another CA is never taken "
		    "for it (move the file away, or give --name)", im->name,
		    im->name);
	}
	if (im->key_file == NULL) {
		gf_warnx("%s: warning: no CA key found (--ca-key FILE): its "
		    "certificates are imported, but it cannot sign", im->name);
		return 0;
	}
	return import_key_read(im);
}

static int
import_key_save(struct import *im)
{
	int r;

	if (im->key == NULL)
		return 0;
	if ((r = key_save(im->key_path, im->key, &im->pass)) != 0)
		return r;
	/* Removed if the import fails. */
	if ((im->key_saved = strdup(im->key_path)) == NULL) {
		unlink(im->key_path);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	return 0;
}

/*
 * A certificate imported as valid must not be of a key revoked for
 * keyCompromise (the whole import then fails): in index.txt's order, so
 * one issued before that revocation is imported as it was.
 */
static int
import_check_key(struct import *im, X509 *cert)
{
	unsigned char md[GF_SHA256_LEN];
	int r;

	if ((r = spki_hash(X509_get_X509_PUBKEY(cert), md)) != 0)
		return r;
	return revoke_check_key(im->st, md);
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
	ca.leaf_template = (char *)(im->opt.leaf_template != NULL ?
	    im->opt.leaf_template : "server");
	ca.crl_days = root ? 365 : 7;
	if ((r = ca_insert(im->st, &ca)) != 0)
		return r;
	if ((r = certdb_insert(im->st, root ? ca.id : im->parent->id,
	    im->ca_cert, im->name, NULL, &ca.cert_id)) == GF_ERR_CONFLICT)
		return gf_fail(r, "this CA certificate is already in the store "
		    "under another name (-l shows it)");
	if (r != 0 || (r = import_check_key(im, im->ca_cert)) != 0 ||
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
import_read_crlnumber(struct import *im)
{
	struct serial n;
	unsigned char *data;
	char *path;
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
		im->next_crl = im->next_crl << 8 | n.bytes[i];
	return 0;
}

static int
import_crlnumber(struct import *im)
{
	int changed, r;

	if ((r = ca_raise_crl_number(im->st, im->ca_id, im->next_crl,
	    &changed)) == 0 && changed)
		im->ca_changed = 1;
	return r;
}

/*
 * The certificate file of an index entry: newcerts/ of openssl ca;
 * certs_by_serial/ of easy-rsa, and where easy-rsa moves what it revokes
 * (3.0.x and 3.1) or renews (3.0.6 to 3.0.8).
 */
static int
import_cert_file(const struct import *im, const struct index_entry *e,
    X509 **cert)
{
	static const char *const dirs[][2] = {
		{ "newcerts", ".pem" },
		{ "certs_by_serial", ".pem" },
		{ "revoked/certs_by_serial", ".crt" },
		{ "renewed/certs_by_serial", ".crt" },
	};
	char hex[2 * GF_SERIAL_MAX + 1], name[2 * GF_SERIAL_MAX + 32];
	char *path;
	size_t i;
	int r = GF_ERR_NOT_FOUND;

	serial_to_hex(&e->serial, hex);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) &&
	    r == GF_ERR_NOT_FOUND; i++) {
		snprintf(name, sizeof(name), "%s/%s%s", dirs[i][0], hex,
		    dirs[i][1]);
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
 * What an entry is imported from: its certificate file, checked, or
 * (*cert NULL) the subject of the line.  checked is the line's
 * fingerprint slot: a file the check pass found good (the same bytes) is
 * not verified again by the import pass.
 */
static int
import_load_entry(const struct import *im, const struct index_entry *e,
    unsigned char checked[GF_SHA256_LEN], X509 **cert, X509_NAME **subject)
{
	unsigned char md[GF_SHA256_LEN];
	X509 *c = NULL;
	int r;

	if ((r = import_cert_file(im, e, &c)) == GF_ERR_NOT_FOUND) {
		gf_errclear();
		*cert = NULL;
		return dn_parse(e->subject, subject);
	}
	if (r == 0 && (r = x509_fingerprint(c, md)) == 0 &&
	    memcmp(md, checked, sizeof(md)) != 0 &&
	    (r = import_check_cert(im, e, c)) == 0)
		memcpy(checked, md, sizeof(md));
	if (r == 0) {
		*cert = c;
		*subject = NULL;
		return 0;
	}
	X509_free(c);
	return r;
}

/*
 * A serial this CA already has: GF_ERR_EXISTS when it is the same
 * certificate (imported before), a conflict when it is another.
 */
static int
import_seen(struct import *im, const struct index_entry *e, X509 *cert)
{
	unsigned char md[GF_SHA256_LEN], row_md[GF_SHA256_LEN];
	char hex[2 * GF_SERIAL_MAX + 1];
	int r, has_md, same;

	if (cert != NULL && (r = x509_fingerprint(cert, md)) != 0)
		return r;
	if ((r = certdb_serial_fingerprint(im->st, im->ca_id, &e->serial,
	    row_md, &has_md)) == GF_ERR_NOT_FOUND)
		return gf_fail(GF_ERR_CONFLICT, "the certificate is already in "
		    "the store under another CA");
	if (r != 0)
		return r;
	/* Without a file only the serial can be compared. */
	same = cert == NULL || (has_md && memcmp(row_md, md, sizeof(md)) == 0);
	serial_to_hex(&e->serial, hex);
	return same ? GF_ERR_EXISTS : gf_fail(GF_ERR_CONFLICT, "serial %s is "
	    "already in the store with a different certificate", hex);
}

/*
 * openssl ca lists an R line with removeFromCRL on its CRLs like any
 * other revocation; for genfic-ca removeFromCRL is the release of a hold
 * (RFC 5280 5.3.1), so the certificate stays revoked, on hold, which can
 * then be released.
 */
static int
import_reason(const struct import *im, const struct index_entry *e)
{
	char hex[2 * GF_SERIAL_MAX + 1];

	if (e->reason != GF_REASON_REMOVE_FROM_CRL)
		return e->reason;
	serial_to_hex(&e->serial, hex);
	gf_warnx("%s: warning: serial %s: revoked with reason removeFromCRL, "
	    "which openssl ca lists as revoked: imported on hold "
	    "(certificateHold); -x %s --reason removeFromCRL releases it",
	    im->name, hex, hex);
	return GF_REASON_CERTIFICATE_HOLD;
}

/*
 * One entry: the certificate from its file, or the index data alone; then
 * its revocation.  GF_ERR_EXISTS when it was imported before.
 */
static int
import_entry(struct import *im, const struct index_entry *e,
    unsigned char checked[GF_SHA256_LEN])
{
	char hex[2 * GF_SERIAL_MAX + 1];
	X509_NAME *subject = NULL;
	X509 *cert = NULL;
	int64_t id;
	int r;

	if ((r = import_load_entry(im, e, checked, &cert, &subject)) != 0)
		return r;
	if (cert != NULL) {
		r = certdb_insert(im->st, im->ca_id, cert, NULL, NULL, &id);
		if (r == 0 && e->status != 'R')
			r = import_check_key(im, cert);
	} else if ((r = certdb_insert_bare(im->st, im->ca_id, &e->serial,
	    subject, e->not_after, &id)) == 0)
		gf_warnx("%s: warning: serial %s: no certificate file, "
		    "imported from index.txt alone", im->name,
		    (serial_to_hex(&e->serial, hex), hex));
	if (r == GF_ERR_CONFLICT)
		r = import_seen(im, e, cert);
	if (r == 0 && e->status == 'R')
		r = revoke_set(im->st, id, import_reason(im, e), e->revoked_at,
		    e->invalidity);
	if (r == 0) {
		serial_to_hex(&e->serial, hex);
		r = audit_append(im->st, "import", im->name, hex, e->subject);
	}
	X509_free(cert);
	X509_NAME_free(subject);
	return r;
}

/* Before anything is written: the entry parses and its file is good. */
static int
import_check_entry(struct import *im, const struct index_entry *e,
    unsigned char checked[GF_SHA256_LEN])
{
	X509_NAME *subject = NULL;
	X509 *cert = NULL;
	int r;

	r = import_load_entry(im, e, checked, &cert, &subject);
	X509_free(cert);
	X509_NAME_free(subject);
	return r;
}

static void
import_progress(const struct import *im, const char *doing, long done,
    int last)
{
	if (im->opt.progress != NULL)
		im->opt.progress(doing, done, im->total, last);
}

static int
import_read_index(struct import *im)
{
	char *path;
	size_t i;
	int r;

	if ((path = file_join(im->dir, "index.txt")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	r = file_read(path, IMPORT_INDEX_MAX, &im->index, &im->index_len);
	free(path);
	if (r != 0)
		return gf_fail(r, "index.txt: %s", gf_errmsg(r));
	for (i = 0; i < im->index_len; i++)
		im->total += im->index[i] == '\n';
	if (im->index_len > 0 && im->index[im->index_len - 1] != '\n')
		im->total++;
	/* + 1: calloc(0) may give NULL. */
	if ((im->checked = calloc((size_t)im->total + 1,
	    sizeof(*im->checked))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

/* Line len bytes at p, as a string in im->line (reused). */
static int
import_copy_line(struct import *im, const unsigned char *p, size_t len)
{
	char *line;

	if (len >= im->line_size) {
		if ((line = realloc(im->line, len + 1)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		im->line = line;
		im->line_size = len + 1;
	}
	memcpy(im->line, p, len);
	im->line[len] = '\0';
	/* openssl ca would read on after a NUL; we would stop at it. */
	if (memchr(p, '\0', len) != NULL)
		return gf_fail(GF_ERR_FORMAT, "a NUL byte");
	return 0;
}

/*
 * Every line of index.txt: checked only (commit 0) or imported.  Each
 * failure is reported with its line number and counted.
 */
static int
import_lines(struct import *im, int commit)
{
	const unsigned char *p = im->index, *end = im->index + im->index_len;
	const unsigned char *nl;
	struct index_entry e;
	char what[64];
	long lineno = 0;
	int r = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		snprintf(what, sizeof(what), "index.txt line %ld", ++lineno);
		if ((r = import_copy_line(im, p, (size_t)(nl - p))) == 0 &&
		    (r = index_parse_line(im->line, &e)) == 0)
			r = commit ?
			    import_entry(im, &e, im->checked[lineno - 1]) :
			    import_check_entry(im, &e, im->checked[lineno - 1]);
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
		import_progress(im, commit ? "importing" : "checking", lineno, 0);
		r = 0;
	}
	import_progress(im, commit ? "importing" : "checking", lineno, 1);
	if (r == 0 && im->failed > 0)
		r = gf_fail(GF_ERR_POLICY, "%ld entries failed; nothing was "
		    "imported", im->failed);
	return r;
}

/*
 * Everything that can be refused is, before the store is made (when it
 * does not exist yet) and before the key is written.
 */
static int
import_check(struct import *im)
{
	int r;

	if ((r = import_locate(im)) != 0 || (r = import_check_ca(im)) != 0 ||
	    (r = import_read_crlnumber(im)) != 0 ||
	    (r = import_read_index(im)) != 0 || (r = import_lines(im, 0)) != 0)
		return r;
	im->imported = 0;
	if (store_exists(im->opt.store_dir) && (r = import_check_store(im)) != 0)
		return r;
	if (!im->self_signed && im->parent == NULL)
		return gf_fail(GF_ERR_POLICY, "%s: not self-signed, and no CA of "
		    "the store issued it (import its issuer first)",
		    im->cert_file);
	return import_key(im);
}

void
import_free(struct import *im)
{
	free(im->name);
	free(im->cert_file);
	free(im->key_file);
	free(im->key_path);
	free(im->key_saved);
	EVP_PKEY_free(im->key);
	pass_clear(&im->pass);
	free(im->index);
	free(im->checked);
	free(im->line);
	X509_free(im->ca_cert);
	ca_free(im->parent);
	store_free(im->st);
}

int
import_dir(struct import *im, const char *dir, const struct import_options *opt)
{
	int r;

	memset(im, 0, sizeof(*im));
	im->opt = *opt;
	im->dir = dir;
	if (!file_is_dir(dir))
		return gf_fail(GF_ERR_NOT_FOUND, "not a directory");
	if ((r = import_check(im)) != 0 ||
	    (im->st == NULL && (r = store_open(opt->store_dir, GF_STORE_CREATE,
	    &im->st)) != 0) ||
	    (r = import_key_save(im)) != 0 || (r = store_begin(im->st)) != 0)
		goto out;
	if ((r = import_ca_row(im)) != 0 || (r = import_crlnumber(im)) != 0 ||
	    (r = import_audit_ca(im)) != 0 || (r = import_lines(im, 1)) != 0 ||
	    (r = store_commit(im->st)) != 0)
		goto out;
	free(im->key_saved);	/* the CA's key now */
	im->key_saved = NULL;
 out:
	if (r != 0) {
		if (im->st != NULL)
			store_rollback(im->st);
		/* Nothing was imported: no key without its CA either. */
		if (im->key_saved != NULL)
			unlink(im->key_saved);
		free(im->key_saved);
		im->key_saved = NULL;
	}
	return r;
}
