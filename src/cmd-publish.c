/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --publish DIR: what the networked side needs and nothing secret: a
 * consistent copy of the database (SQLite's online backup), every CA
 * certificate and every CA's latest CRL.  private/ is never read, but for
 * the key of the CA that -p names: it signs MANIFEST, the SHA-256 of each
 * file, as a detached CMS signature (MANIFEST.sig) that genfic-ocspd
 * checks against the trust anchor pinned on the online host.  Or a
 * dedicated publication key signs (--publish-key, --publish-cert: a
 * certificate of the template publisher), so that the weekly publication
 * needs no CA passphrase.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "genfic/ca.h"
#include "genfic/audit.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/keys.h"
#include "genfic/manifest.h"
#include "genfic/pass.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/*
 * Copies the database to DIR/ca.db through a temporary file renamed into
 * place, so a responder reading the old copy never sees a partial one.
 * The copy uses a rollback journal: a read-only reader then needs no -shm.
 */
static int
publish_db(struct store *st, const char *dir)
{
	sqlite3 *copy = NULL;
	sqlite3_backup *b;
	char *tmp = NULL, *path = NULL;
	int r = 0;

	if (asprintf(&tmp, "%s/ca.db.tmp", dir) == -1 ||
	    asprintf(&path, "%s/ca.db", dir) == -1) {
		free(tmp);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &copy, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    (b = sqlite3_backup_init(copy, "main", st->db, "main")) == NULL) {
		r = gf_fail(GF_ERR_DB, "%s: %s", tmp, sqlite3_errmsg(copy));
		goto out;
	}
	sqlite3_backup_step(b, -1);
	if (sqlite3_backup_finish(b) != SQLITE_OK ||
	    sqlite3_exec(copy, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		r = gf_fail(GF_ERR_DB, "%s: %s", tmp, sqlite3_errmsg(copy));
		goto out;
	}
	sqlite3_close(copy);
	copy = NULL;
	if (rename(tmp, path) == -1)
		r = gf_fail(GF_ERR_IO, "%s: cannot rename into place", path);
 out:
	sqlite3_close(copy);
	if (r != 0)
		unlink(tmp);
	free(tmp);
	free(path);
	return r;
}

/* The name of the CA with this id among those loaded, or NULL. */
static const char *
publish_name(struct ca **cas, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cas[i]->id == id)
			return cas[i]->name;
	return NULL;
}

/*
 * DIR/SUB/NAME.EXT as PEM of each row's DER (CA id, der), NAME that of
 * the CA as loaded (and checked) by ca_load_ids().
 */
static int
publish_rows(struct store *st, const char *dir, const char *sql,
    const char *sub, const char *ext, const char *label, struct ca **cas,
    size_t ncas, long *count)
{
	sqlite3_stmt *stmt;
	char *path = NULL, *sdir;
	const char *name;
	BIO *bio;
	char *data;
	long len;
	int step, r;

	if ((sdir = file_join(dir, sub)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = file_mkdir(sdir, 0755)) != 0 ||
	    (r = store_prepare(st, sql, &stmt)) != 0) {
		free(sdir);
		return r;
	}
	while (r == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((name = publish_name(cas, ncas,
		    sqlite3_column_int64(stmt, 0))) == NULL) {
			r = gf_fail(GF_ERR_DB, "%s of CA %lld: no such CA", sub,
			    (long long)sqlite3_column_int64(stmt, 0));
			break;
		}
		if ((bio = BIO_new(BIO_s_mem())) == NULL ||
		    PEM_write_bio(bio, label, "", sqlite3_column_blob(stmt, 1),
		    sqlite3_column_bytes(stmt, 1)) <= 0 ||
		    asprintf(&path, "%s/%s%s", sdir, name, ext) == -1) {
			r = gf_fail_crypto("publish");
			BIO_free(bio);
			break;
		}
		len = BIO_get_mem_data(bio, &data);
		r = file_write_atomic(path, data, (size_t)len, 0644, 1);
		free(path);
		BIO_free(bio);
		(*count)++;
	}
	if (r == 0 && step != SQLITE_DONE)
		r = store_fail(st, "publish");
	sqlite3_finalize(stmt);
	free(sdir);
	return r;
}

/* Every CA of the store, checked (ca_load_ids) before a file is written. */
static int
publish_load(struct store *st, struct ca ***cas, size_t *n)
{
	sqlite3_stmt *stmt;
	int r;

	if ((r = store_prepare(st, "SELECT id FROM ca WHERE cert_id IS NOT "
	    "NULL ORDER BY id", &stmt)) != 0)
		return r;
	r = ca_load_ids(st, stmt, cas, n);
	sqlite3_finalize(stmt);
	return r;
}

/* The copy would replace the database it is made from. */
static int
publish_check_target(const struct store *st, const char *dir)
{
	struct stat a, b;

	if (stat(st->dir, &a) == 0 && stat(dir, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return gf_fail(GF_ERR_USAGE, "is the store itself; publish "
		    "to another directory");
	return 0;
}

/* The manifest's signer: a certificate, its key, what rides along. */
struct publish_signer {
	X509		*cert;
	EVP_PKEY	*key;
	STACK_OF(X509)	*chain;		/* its issuers, but the root */
	char		*name;		/* for the message */
};

static void
publish_signer_clear(struct publish_signer *ps)
{
	X509_free(ps->cert);
	EVP_PKEY_free(ps->key);
	sk_X509_pop_free(ps->chain, X509_free);
	free(ps->name);
	memset(ps, 0, sizeof(*ps));
}

/* A detached CMS signature of text by ps, DER, in *der. */
static int
publish_sign(const struct publish_signer *ps, const char *text, size_t len,
    unsigned char **der, int *dlen)
{
	CMS_ContentInfo *cms = NULL;
	BIO *in;
	int r = 0;

	*der = NULL;
	if ((in = BIO_new_mem_buf(text, (int)len)) == NULL ||
	    (cms = CMS_sign(ps->cert, ps->key, ps->chain, in, CMS_DETACHED |
	    CMS_BINARY | CMS_NOSMIMECAP)) == NULL ||
	    (*dlen = i2d_CMS_ContentInfo(cms, der)) <= 0)
		r = gf_fail_crypto("%s: signing the manifest", ps->name);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return r;
}

/* -p CA: the CA's certificate and key sign. */
static int
publish_signer_ca(struct cli *cli, struct store *st, struct publish_signer *ps)
{
	struct ca *ca = NULL;
	int r;

	if ((r = ca_load(st, cli->parent, &ca)) == 0 &&
	    (r = cli_ca_key(cli, st, ca, &ps->key)) == 0) {
		ps->cert = ca->cert;
		X509_up_ref(ps->cert);
		if ((ps->name = strdup(ca->name)) == NULL)
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	ca_free(ca);
	return r;
}

/*
 * --publish-cert: a publication certificate (not a CA, the publisher
 * extendedKeyUsage), valid now, issued by a CA of the store and not
 * revoked there; its issuers up to the root ride in the signature.
 */
static int
publish_cert_check(struct store *st, const char *path, X509 *cert,
    STACK_OF(X509) **chain)
{
	unsigned char md[GF_SHA256_LEN];
	struct certdb_status state;
	int64_t ca_id = 0;
	int found, r;

	if (X509_check_ca(cert) != 0)
		return gf_fail(GF_ERR_POLICY, "%s: a CA certificate: publish "
		    "with -p CA to sign with a CA's key", path);
	if ((r = manifest_signer_check(cert)) != 0)
		return gf_fail(r, "%s: %s", path, gf_errmsg(r));
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0 ||
	    X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
		return gf_fail(GF_ERR_POLICY, "%s: not valid now (expired or "
		    "not yet valid): issue a new publication certificate",
		    path);
	if ((r = x509_fingerprint(cert, md)) != 0 ||
	    (r = certdb_fingerprint_status(st, md, &state, &found,
	    &ca_id)) != 0)
		return r;
	if (!found)
		return gf_fail(GF_ERR_NOT_FOUND, "%s: not issued by a CA of "
		    "this store", path);
	if (state.revoked)
		return gf_fail(GF_ERR_POLICY, "%s: revoked: issue a new "
		    "publication certificate", path);
	return generation_chain(st, ca_id, cert, 0, chain);
}

/* --publish-key and --publish-cert sign; the key's passphrase is wiped. */
static int
publish_signer_key(struct cli *cli, struct store *st,
    struct publish_signer *ps)
{
	struct passphrase pass = { 0 };
	int r;

	if ((r = x509_load(cli->publish_cert, &ps->cert)) != 0 ||
	    (r = publish_cert_check(st, cli->publish_cert, ps->cert,
	    &ps->chain)) != 0)
		return r;
	if ((ps->name = dn_format(X509_get_subject_name(ps->cert))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!key_is_encrypted(cli->publish_key))
		r = key_load(cli->publish_key, NULL, &ps->key);
	else if ((r = pass_get(cli->passin, "Passphrase of the publication "
	    "key: ", 0, cli->batch, &pass)) == 0) {
		r = key_load(cli->publish_key, &pass, &ps->key);
		pass_clear(&pass);
	}
	if (r == 0 && X509_check_private_key(ps->cert, ps->key) != 1) {
		ERR_clear_error();
		r = gf_fail(GF_ERR_POLICY, "%s: not the key of %s",
		    cli->publish_key, cli->publish_cert);
	}
	return r;
}

/*
 * DIR/MANIFEST of every file now in DIR, and DIR/MANIFEST.sig by -p's
 * key or --publish-key; unsigned, an old MANIFEST.sig (that no longer
 * matches) goes.
 */
static int
publish_manifest(struct cli *cli, struct store *st, char **signed_by)
{
	struct publish_signer ps = { 0 };
	unsigned char *der = NULL;
	char *text = NULL, *path = NULL, *sig = NULL;
	size_t len;
	int dlen = 0, r;

	*signed_by = NULL;
	if ((path = file_join(cli->arg, MANIFEST_NAME)) == NULL ||
	    (sig = file_join(cli->arg, MANIFEST_SIG_NAME)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = manifest_build(cli->arg, &text, &len)) != 0)
		goto out;
	if (cli->parent != NULL)
		r = publish_signer_ca(cli, st, &ps);
	else if (cli->publish_key != NULL)
		r = publish_signer_key(cli, st, &ps);
	if (r != 0 || (ps.cert != NULL &&
	    (r = publish_sign(&ps, text, len, &der, &dlen)) != 0))
		goto out;
	if ((r = file_write_atomic(path, text, len, 0644, 1)) != 0)
		goto out;
	if (der != NULL)
		r = file_write_atomic(sig, der, (size_t)dlen, 0644, 1);
	else if (unlink(sig) == -1 && errno != ENOENT)
		r = gf_fail(GF_ERR_IO, "%s: %s", sig, strerror(errno));
	if (r == 0 && der != NULL) {
		*signed_by = ps.name;
		ps.name = NULL;
	}
 out:
	OPENSSL_free(der);
	publish_signer_clear(&ps);
	free(text);
	free(path);
	free(sig);
	return r;
}

int
cmd_publish(struct cli *cli)
{
	struct store *st = NULL;
	struct ca **cas = NULL;
	size_t ncas = 0;
	long certs = 0, crls = 0, checkpoints = 0;
	char *sig = NULL;
	int r;

	if ((r = store_open(cli->dir, GF_STORE_READONLY, &st)) != 0 ||
	    (r = publish_load(st, &cas, &ncas)) != 0 ||
	    (r = file_mkdir(cli->arg, 0755)) != 0 ||
	    (r = publish_check_target(st, cli->arg)) != 0 ||
	    (r = publish_db(st, cli->arg)) != 0 ||
	    (r = publish_rows(st, cli->arg, certdb_ca_certs_sql, "certs",
	    ".crt", PEM_STRING_X509, cas, ncas, &certs)) != 0 ||
	    (r = publish_rows(st, cli->arg, "SELECT crl.ca_id, crl.der FROM "
	    "crl WHERE crl.number = (SELECT max(number) FROM crl AS c WHERE "
	    "c.ca_id = crl.ca_id)", "crl", ".crl", PEM_STRING_X509_CRL, cas,
	    ncas, &crls)) != 0 ||
	    (r = audit_checkpoint_export(st, NULL, cli->arg,
	    &checkpoints)) != 0 ||
	    (r = publish_manifest(cli, st, &sig)) != 0)
		goto out;
	printf("%s: database, %ld CA certificates, %ld CRLs, %ld audit "
	    "checkpoints\n", cli->arg, certs, crls, checkpoints);
	printf("%s: MANIFEST %s%s\n", cli->arg, sig != NULL ? "signed by " :
	    "unsigned (-p CA or --publish-key signs it)", sig != NULL ? sig :
	    "");
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	free(sig);
	ca_free_all(cas, ncas);
	store_free(st);
	return cli_exit_status(r);
}
