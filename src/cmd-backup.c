/*
 * --backup-key NAME and --restore-key NAME SHARE...: a CA's key file as
 * M-of-N shares (Shamir over GF(2^8) on the decrypted PKCS#8 key), and
 * the key file written again, encrypted, from any M of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/keys.h"
#include "genfic/keyshare.h"
#include "genfic/pass.h"
#include "genfic/shamir.h"
#include "genfic/store.h"
#include "genfic/x509util.h"
#include "cli.h"

/* The shares of one split, and where they go. */
struct backup {
	struct keyshare	  ks;		/* the fields all shares have */
	uint8_t		 *shares[SHAMIR_MAX_SHARES];	/* secure heap */
	char		 *paths[SHAMIR_MAX_SHARES];
	size_t		  written;	/* files written so far */
};

/* What a restore read: the shares, each with its file. */
struct restore {
	struct keyshare	  ks[SHAMIR_MAX_SHARES];
	const char	 *files[SHAMIR_MAX_SHARES];
	int		  n;
};

/* The key's identity: SHA-256 of its SubjectPublicKeyInfo, and the cert's. */
static int
backup_identity(X509 *cert, struct keyshare *ks)
{
	unsigned char *der = NULL;
	EVP_PKEY *pub;
	int n, r = 0;

	if ((pub = X509_get0_pubkey(cert)) == NULL ||
	    (n = i2d_PUBKEY(pub, &der)) <= 0 ||
	    EVP_Digest(der, n, ks->key_sha256, NULL, EVP_sha256(), NULL) != 1 ||
	    X509_digest(cert, EVP_sha256(), ks->cert_sha256, NULL) != 1)
		r = gf_fail_crypto("public key digest");
	OPENSSL_free(der);
	return r;
}

/* The key as unencrypted PKCS#8 DER, in the secure heap. */
static int
backup_secret(EVP_PKEY *key, uint8_t **der, size_t *len)
{
	PKCS8_PRIV_KEY_INFO *p8;
	unsigned char *buf = NULL, *p;
	int n, r = 0;

	if ((p8 = EVP_PKEY2PKCS8(key)) == NULL ||
	    (n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0)
		r = gf_fail_crypto("encode private key");
	else if (n > KEYSHARE_MAX_SECRET)
		r = gf_fail(GF_ERR_TOO_LARGE, "a key of %d bytes; at most %d "
		    "are split", n, KEYSHARE_MAX_SECRET);
	else if ((buf = keyshare_alloc(n)) == NULL)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	else if ((p = buf, i2d_PKCS8_PRIV_KEY_INFO(p8, &p)) != n) {
		r = gf_fail_crypto("encode private key");
		OPENSSL_secure_clear_free(buf, n);
	} else {
		*der = buf;
		*len = (size_t)n;
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	return r;
}

/* DIR/NAME-share-K-of-N.txt for each share, none there (or --force). */
static int
backup_paths(const struct cli *cli, struct backup *b)
{
	char name[KEYSHARE_NAME_MAX + 64];
	int k, r;

	for (k = 0; k < b->ks.count; k++) {
		snprintf(name, sizeof(name), "%s-share-%d-of-%d.txt", b->ks.ca,
		    k + 1, b->ks.count);
		if ((b->paths[k] = file_join(cli->output, name)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		if ((r = cli_output_check(b->paths[k], cli->force)) != 0)
			return r;
	}
	return 0;
}

/* Splits secret into b's shares, under a new backup id. */
static int
backup_split(struct backup *b, const uint8_t *secret, size_t len)
{
	int k;

	if (RAND_bytes(b->ks.backup, sizeof(b->ks.backup)) != 1)
		return gf_fail_crypto("backup id");
	for (k = 0; k < b->ks.count; k++)
		if ((b->shares[k] = keyshare_alloc(len)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
	b->ks.len = len;
	return shamir_split(secret, len, b->ks.threshold, b->ks.count,
	    b->shares);
}

/* Writes every share file; the ones written are removed on failure. */
static int
backup_files(const struct cli *cli, struct backup *b)
{
	char *text = NULL;
	size_t len = 0;
	int k, r = 0;

	for (k = 0; k < b->ks.count && r == 0; k++) {
		b->ks.index = k + 1;
		b->ks.data = b->shares[k];
		if ((r = keyshare_format(&b->ks, &text, &len)) != 0)
			break;
		if ((r = file_write_atomic(b->paths[k], text, len, 0600,
		    cli->force)) != 0)
			r = gf_fail(r, "%s: %s", b->paths[k], gf_errmsg(r));
		else
			b->written++;
		keyshare_text_free(text, len);
	}
	b->ks.data = NULL;
	return r;
}

static void
backup_unlink(struct backup *b)
{
	while (b->written > 0)
		unlink(b->paths[--b->written]);
}

/* The audit entry, then the files, in one transaction. */
static int
backup_commit(const struct cli *cli, struct store *st, struct backup *b)
{
	char detail[160], id[2 * KEYSHARE_BACKUP_LEN + 1];
	int r;

	hex_encode(b->ks.backup, sizeof(b->ks.backup), id);
	snprintf(detail, sizeof(detail), "key split into %d shares, any %d "
	    "rebuild it; backup %s", b->ks.count, b->ks.threshold, id);
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = audit_append(st, "backup-key", b->ks.ca, NULL, detail)) != 0 ||
	    (r = backup_files(cli, b)) != 0 ||
	    (r = store_commit(st)) != 0) {
		store_rollback(st);
		backup_unlink(b);
	}
	return r;
}

static void
backup_clear(struct backup *b, size_t len)
{
	int k;

	for (k = 0; k < SHAMIR_MAX_SHARES; k++) {
		if (b->shares[k] != NULL)
			OPENSSL_secure_clear_free(b->shares[k], len);
		free(b->paths[k]);
	}
}

/* --shares, --threshold and -o, before the passphrase is asked. */
static int
backup_options(const struct cli *cli, struct backup *b)
{
	if (cli->shares == 0 || cli->threshold == 0 || cli->output == NULL)
		return gf_fail(GF_ERR_USAGE, "--backup-key needs --shares N, "
		    "--threshold M and -o DIR");
	if (cli->threshold < 2 || cli->threshold > cli->shares)
		return gf_fail(GF_ERR_USAGE, "--threshold %d of --shares %d: "
		    "from 2 to the number of shares", cli->threshold,
		    cli->shares);
	b->ks.count = cli->shares;
	b->ks.threshold = cli->threshold;
	return cli_output_dir_open(cli->output);
}

/* A CA whose key is a file in the store. */
static int
backup_load_ca(const struct cli *cli, struct store **st, struct ca **ca)
{
	int r;

	if ((r = ca_name_check(cli->arg)) != 0 ||
	    (r = store_open(cli->dir, 0, st)) != 0 ||
	    (r = ca_load(*st, cli->arg, ca)) != 0)
		return r;
	if (strncmp((*ca)->key_ref, "file:", 5) != 0)
		return gf_fail(GF_ERR_POLICY, "its key is not a file (%s); a "
		    "token's key never leaves the token", (*ca)->key_ref);
	return 0;
}

int
cmd_backup_key(struct cli *cli)
{
	struct backup b;
	struct store *st = NULL;
	struct ca *ca = NULL;
	EVP_PKEY *key = NULL;
	uint8_t *secret = NULL;
	size_t len = 0;
	int k, r;

	memset(&b, 0, sizeof(b));
	if ((r = backup_options(cli, &b)) != 0 ||
	    (r = backup_load_ca(cli, &st, &ca)) != 0)
		goto out;
	snprintf(b.ks.ca, sizeof(b.ks.ca), "%s", ca->name);
	if ((r = backup_identity(ca->cert, &b.ks)) != 0 ||
	    (r = backup_paths(cli, &b)) != 0 ||
	    (r = cli_ca_key(cli, st, ca, &key)) != 0 ||
	    (r = backup_secret(key, &secret, &len)) != 0 ||
	    (r = backup_split(&b, secret, len)) != 0 ||
	    (r = backup_commit(cli, st, &b)) != 0)
		goto out;
	for (k = 0; k < b.ks.count; k++)
		printf("%s\n", b.paths[k]);
	fprintf(stderr, "%s: %s: key split into %d shares, any %d rebuild "
	    "it; hand each to its holder and delete it here\n", gf_progname,
	    ca->name, b.ks.count, b.ks.threshold);
 out:
	if (r != 0)
		gf_report(cli->arg, r);
	backup_clear(&b, len);
	if (secret != NULL)
		OPENSSL_secure_clear_free(secret, len);
	EVP_PKEY_free(key);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}

/* Reads and checks each share file. */
static int
restore_read(const struct cli *cli, struct restore *rs)
{
	unsigned char *text;
	size_t len;
	int r;

	for (rs->n = 0; cli->files[rs->n] != NULL; rs->n++) {
		if (rs->n == SHAMIR_MAX_SHARES)
			return gf_fail(GF_ERR_USAGE, "more than %d shares given",
			    SHAMIR_MAX_SHARES);
		rs->files[rs->n] = cli->files[rs->n];
		if ((r = file_read(rs->files[rs->n], KEYSHARE_MAX_FILE, &text,
		    &len)) != 0)
			return gf_fail(r, "%s: %s", rs->files[rs->n],
			    gf_errmsg(r));
		r = keyshare_parse((const char *)text, len, &rs->ks[rs->n]);
		OPENSSL_cleanse(text, len);
		free(text);
		if (r != 0)
			return gf_fail(r, "%s: %s", rs->files[rs->n],
			    gf_errmsg(r));
	}
	if (rs->n == 0)
		return gf_fail(GF_ERR_USAGE, "--restore-key NAME needs the "
		    "share files after it");
	return 0;
}

/* Share i goes with share 0: the same CA, key and split, another index. */
static int
restore_match(const struct restore *rs, const char *name, int i)
{
	const struct keyshare *a = &rs->ks[0], *s = &rs->ks[i];
	int j;

	if (strcmp(s->ca, name) != 0)
		return gf_fail(GF_ERR_POLICY, "%s: a share of CA %s's key, not "
		    "of %s", rs->files[i], s->ca, name);
	if (memcmp(s->key_sha256, a->key_sha256, sizeof(a->key_sha256)) != 0)
		return gf_fail(GF_ERR_POLICY, "%s: a share of another key than "
		    "%s", rs->files[i], rs->files[0]);
	if (memcmp(s->backup, a->backup, sizeof(a->backup)) != 0 ||
	    s->threshold != a->threshold || s->count != a->count ||
	    s->len != a->len)
		return gf_fail(GF_ERR_POLICY, "%s: from another backup of the "
		    "key than %s; shares of two splits do not combine",
		    rs->files[i], rs->files[0]);
	for (j = 0; j < i; j++)
		if (rs->ks[j].index == s->index)
			return gf_fail(GF_ERR_POLICY, "%s: share %d of %d "
			    "again (%s is it too)", rs->files[i], s->index,
			    s->count, rs->files[j]);
	return 0;
}

/* The generation of ca whose key the shares are of. */
static int
restore_generation(struct store *st, const struct ca *ca,
    const struct restore *rs, struct ca **out)
{
	struct generation *gens = NULL;
	struct keyshare id;
	size_t count = 0, i;
	int r;

	if ((r = generation_list(st, ca, &gens, &count)) != 0)
		return r;
	r = gf_fail(GF_ERR_POLICY, "%s: a share of another key: no "
	    "generation of CA %s has it", rs->files[0], ca->name);
	for (i = count; i-- > 0; ) {
		memset(&id, 0, sizeof(id));
		if (backup_identity(gens[i].cert, &id) != 0) {
			r = GF_ERR_LIBCRYPTO;
			break;
		}
		if (memcmp(id.key_sha256, rs->ks[0].key_sha256,
		    sizeof(id.key_sha256)) != 0)
			continue;
		if (strncmp(gens[i].key_ref, "file:", 5) != 0)
			r = gf_fail(GF_ERR_POLICY, "generation %d's key is not "
			    "a file (%s)", gens[i].number, gens[i].key_ref);
		else
			r = generation_ca(ca, &gens[i], out);
		break;
	}
	generation_free_all(gens, count);
	return r;
}

/*
 * The shares' bytes are wiped once combined: the secure heap they may
 * fill is where the key is encoded next.
 */
static void
restore_wipe(struct restore *rs)
{
	int i;

	for (i = 0; i < rs->n; i++) {
		OPENSSL_secure_clear_free(rs->ks[i].data, rs->ks[i].len);
		rs->ks[i].data = NULL;
	}
}

/* The key the first threshold shares rebuild, if it is the cert's. */
static int
restore_combine(struct restore *rs, X509 *cert, EVP_PKEY **key)
{
	const struct keyshare *ks = rs->ks;
	const uint8_t *ys[SHAMIR_MAX_SHARES];
	uint8_t xs[SHAMIR_MAX_SHARES], *der;
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int i, m = ks[0].threshold, r;

	if ((der = keyshare_alloc(ks[0].len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; i < m; i++) {
		xs[i] = (uint8_t)ks[i].index;
		ys[i] = ks[i].data;
	}
	if ((r = shamir_combine(xs, ys, m, ks[0].len, der)) != 0)
		goto out;
	restore_wipe(rs);
	p = der;
	r = gf_fail(GF_ERR_POLICY, "the shares rebuild no key of the CA "
	    "certificate: a share is wrong");
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)ks[0].len)) == NULL ||
	    p != der + ks[0].len || (*key = EVP_PKCS82PKEY(p8)) == NULL)
		goto out;
	if (X509_check_private_key(cert, *key) != 1) {
		EVP_PKEY_free(*key);
		*key = NULL;
		goto out;
	}
	r = 0;
 out:
	gf_errclear();
	PKCS8_PRIV_KEY_INFO_free(p8);
	OPENSSL_secure_clear_free(der, ks[0].len);
	return r;
}

/* The shares, checked against each other, the CA and the threshold. */
static int
restore_check(const struct cli *cli, struct store *st, const struct ca *ca,
    struct restore *rs, struct ca **gen)
{
	int i, r;

	if ((r = restore_read(cli, rs)) != 0)
		return r;
	for (i = 0; i < rs->n; i++)
		if ((r = restore_match(rs, ca->name, i)) != 0)
			return r;
	if (rs->n < rs->ks[0].threshold)
		return gf_fail(GF_ERR_POLICY, "%d share%s given; this backup "
		    "needs %d of its %d", rs->n, rs->n == 1 ? "" : "s",
		    rs->ks[0].threshold, rs->ks[0].count);
	return restore_generation(st, ca, rs, gen);
}

/* "shares 1, 3, 5 of backup ID" for the audit entry. */
static void
restore_detail(const struct restore *rs, char *buf, size_t size)
{
	char id[2 * KEYSHARE_BACKUP_LEN + 1];
	size_t n;
	int i;

	n = snprintf(buf, size, "key restored from shares");
	for (i = 0; i < rs->ks[0].threshold && n < size; i++)
		n += snprintf(buf + n, size - n, "%s %d", i == 0 ? "" : ",",
		    rs->ks[i].index);
	hex_encode(rs->ks[0].backup, sizeof(rs->ks[0].backup), id);
	if (n < size)
		snprintf(buf + n, size - n, " of backup %s", id);
}

/* The audit entry and the key file, in one transaction. */
static int
restore_write(const struct cli *cli, struct store *st, const char *path,
    const struct restore *rs, EVP_PKEY *key, const struct passphrase *pass)
{
	char detail[1200];
	int r;

	restore_detail(rs, detail, sizeof(detail));
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = audit_append(st, "restore-key", rs->ks[0].ca, NULL,
	    detail)) != 0 ||
	    (r = (cli->force ? key_replace : key_save)(path, key, pass)) != 0) {
		store_rollback(st);
		return r;
	}
	if ((r = store_commit(st)) != 0) {
		store_rollback(st);
		if (!cli->force)
			unlink(path);
		else
			r = gf_fail(r, "%s: %s; the key file is restored, and "
			    "no audit entry records it", path, gf_errmsg(r));
	}
	return r;
}

/* The rebuilt key, under a new passphrase, where the CA's key goes. */
static int
restore_key(const struct cli *cli, struct store *st, const struct ca *gen,
    struct restore *rs)
{
	struct passphrase pass = { 0 };
	EVP_PKEY *key = NULL;
	char *path, prompt[128];
	int r;

	if ((path = ca_key_path(st, gen)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!cli->force && file_exists(path)) {
		r = gf_fail(GF_ERR_EXISTS, "%s: a key file is already there; "
		    "--force replaces it", path);
		goto out;
	}
	snprintf(prompt, sizeof(prompt), "New passphrase for CA %s: ",
	    gen->name);
	if ((r = restore_combine(rs, gen->cert, &key)) != 0 ||
	    (r = pass_get(cli->passout, prompt, 1, cli->batch, &pass)) != 0 ||
	    (r = restore_write(cli, st, path, rs, key, &pass)) != 0)
		goto out;
	fprintf(stderr, "%s: %s: key restored to %s\n", gf_progname,
	    gen->name, path);
 out:
	pass_clear(&pass);
	EVP_PKEY_free(key);
	free(path);
	return r;
}

int
cmd_restore_key(struct cli *cli)
{
	struct restore *rs;
	struct store *st = NULL;
	struct ca *ca = NULL, *gen = NULL;
	int i, r;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return cli_fail(cli->arg, GF_ERR_ALLOC);
	if (cli->nopass)
		r = gf_fail(GF_ERR_USAGE, "--nopass: a restored CA key is "
		    "written encrypted (--passout)");
	else if ((r = backup_load_ca(cli, &st, &ca)) == 0 &&
	    (r = restore_check(cli, st, ca, rs, &gen)) == 0)
		r = restore_key(cli, st, gen, rs);
	if (r != 0)
		gf_report(cli->arg, r);
	for (i = 0; i < rs->n; i++)
		keyshare_clear(&rs->ks[i]);
	free(rs);
	ca_free(gen);
	ca_free(ca);
	store_free(st);
	return cli_exit_status(r);
}
