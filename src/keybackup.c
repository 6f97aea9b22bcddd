/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key backups (--backup-key, --restore-key): the split of a CA's key
 * into share files and its audit entry, and the shares read back,
 * matched to the CA's generation and combined into its key again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "genfic/audit.h"
#include "genfic/ca.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/generation.h"
#include "genfic/keybackup.h"
#include "genfic/keys.h"
#include "genfic/keyshare.h"
#include "genfic/pass.h"
#include "genfic/shamir.h"
#include "genfic/store.h"
#include "genfic/x509util.h"

/* The key's identity: SHA-256 of its SubjectPublicKeyInfo, and the cert's. */
int
keybackup_identity(X509 *cert, struct keyshare *ks)
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
keybackup_secret(EVP_PKEY *key, uint8_t **der, size_t *len)
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

/* Splits secret into b's shares, under a new backup id. */
static int
keybackup_shares(struct keybackup *b, const uint8_t *secret, size_t len)
{
	int k;

	if (RAND_bytes(b->ks.backup, sizeof(b->ks.backup)) != 1)
		return gf_fail_crypto("backup id");
	b->ks.len = len;
	for (k = 0; k < b->ks.count; k++)
		if ((b->shares[k] = keyshare_alloc(len)) == NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
	return shamir_split(secret, len, b->ks.threshold, b->ks.count,
	    b->shares);
}

int
keybackup_split(struct keybackup *b, EVP_PKEY *key)
{
	uint8_t *secret = NULL;
	size_t len = 0;
	int r;

	if ((r = keybackup_secret(key, &secret, &len)) != 0)
		return r;
	r = keybackup_shares(b, secret, len);
	OPENSSL_secure_clear_free(secret, len);
	return r;
}

/* Writes every share file; the ones written are removed on failure. */
static int
keybackup_files(struct keybackup *b, int force)
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
		    force)) != 0)
			r = gf_fail(r, "%s: %s", b->paths[k], gf_errmsg(r));
		else
			b->written++;
		keyshare_text_free(text, len);
	}
	b->ks.data = NULL;
	return r;
}

static void
keybackup_unlink(struct keybackup *b)
{
	while (b->written > 0)
		unlink(b->paths[--b->written]);
}

int
keybackup_commit(struct store *st, struct keybackup *b, int force)
{
	char detail[160], id[2 * KEYSHARE_BACKUP_LEN + 1];
	int r;

	hex_encode(b->ks.backup, sizeof(b->ks.backup), id);
	snprintf(detail, sizeof(detail), "key split into %d shares, any %d "
	    "rebuild it; backup %s", b->ks.count, b->ks.threshold, id);
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = audit_append(st, "backup-key", b->ks.ca, NULL, detail)) != 0 ||
	    (r = keybackup_files(b, force)) != 0 ||
	    (r = store_commit(st)) != 0) {
		store_rollback(st);
		keybackup_unlink(b);
	}
	return r;
}

void
keybackup_clear(struct keybackup *b)
{
	int k;

	for (k = 0; k < SHAMIR_MAX_SHARES; k++) {
		if (b->shares[k] != NULL)
			OPENSSL_secure_clear_free(b->shares[k], b->ks.len);
		b->shares[k] = NULL;
		free(b->paths[k]);
		b->paths[k] = NULL;
	}
}

/* Reads and checks each share file. */
static int
keyrestore_read(const char *const *files, struct keyrestore *rs)
{
	unsigned char *text;
	size_t len;
	int r;

	for (rs->n = 0; files[rs->n] != NULL; rs->n++) {
		if (rs->n == SHAMIR_MAX_SHARES)
			return gf_fail(GF_ERR_USAGE, "more than %d shares given",
			    SHAMIR_MAX_SHARES);
		rs->files[rs->n] = files[rs->n];
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
keyrestore_match(const struct keyrestore *rs, const char *name, int i)
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
keyrestore_generation(struct store *st, const struct ca *ca,
    const struct keyrestore *rs, struct ca **out)
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
		if (keybackup_identity(gens[i].cert, &id) != 0) {
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

int
keyrestore_check(struct store *st, const struct ca *ca,
    const char *const *files, struct keyrestore *rs, struct ca **gen)
{
	int i, r;

	if ((r = keyrestore_read(files, rs)) != 0)
		return r;
	for (i = 0; i < rs->n; i++)
		if ((r = keyrestore_match(rs, ca->name, i)) != 0)
			return r;
	if (rs->n < rs->ks[0].threshold)
		return gf_fail(GF_ERR_POLICY, "%d share%s given; this backup "
		    "needs %d of its %d", rs->n, rs->n == 1 ? "" : "s",
		    rs->ks[0].threshold, rs->ks[0].count);
	return keyrestore_generation(st, ca, rs, gen);
}

/*
 * The shares' bytes are wiped once combined: the secure heap they may
 * fill is where the key is encoded next.
 */
static void
keyrestore_wipe(struct keyrestore *rs)
{
	int i;

	for (i = 0; i < rs->n; i++) {
		OPENSSL_secure_clear_free(rs->ks[i].data, rs->ks[i].len);
		rs->ks[i].data = NULL;
	}
}

int
keyrestore_combine(struct keyrestore *rs, X509 *cert, EVP_PKEY **key)
{
	const struct keyshare *ks = rs->ks;
	const uint8_t *ys[SHAMIR_MAX_SHARES];
	uint8_t xs[SHAMIR_MAX_SHARES], *der;
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *pkey = NULL;
	int i, m = ks[0].threshold, r;

	if ((der = keyshare_alloc(ks[0].len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; i < m; i++) {
		xs[i] = (uint8_t)ks[i].index;
		ys[i] = ks[i].data;
	}
	if ((r = shamir_combine(xs, ys, m, ks[0].len, der)) != 0)
		goto out;
	keyrestore_wipe(rs);
	p = der;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)ks[0].len)) == NULL ||
	    p != der + ks[0].len || (pkey = EVP_PKCS82PKEY(p8)) == NULL ||
	    X509_check_private_key(cert, pkey) != 1 ||
	    !key_signs_for(pkey, cert)) {
		ERR_clear_error();
		EVP_PKEY_free(pkey);
		r = gf_fail(GF_ERR_POLICY, "the shares rebuild no key of the "
		    "CA certificate: a share is wrong");
	} else
		*key = pkey;
 out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	OPENSSL_secure_clear_free(der, ks[0].len);
	return r;
}

/* "shares 1, 3, 5 of backup ID" for the audit entry. */
static void
keyrestore_detail(const struct keyrestore *rs, char *buf, size_t size)
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

int
keyrestore_write(struct store *st, const char *path,
    const struct keyrestore *rs, EVP_PKEY *key,
    const struct passphrase *pass, int force)
{
	char detail[1200];
	int r;

	keyrestore_detail(rs, detail, sizeof(detail));
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = audit_append(st, "restore-key", rs->ks[0].ca, NULL,
	    detail)) != 0 ||
	    (r = (force ? key_replace : key_save)(path, key, pass)) != 0) {
		store_rollback(st);
		return r;
	}
	if ((r = store_commit(st)) != 0) {
		store_rollback(st);
		if (!force)
			unlink(path);
		else
			r = gf_fail(r, "%s: %s; the key file is restored, and "
			    "no audit entry records it", path, gf_errmsg(r));
	}
	return r;
}

void
keyrestore_clear(struct keyrestore *rs)
{
	int i;

	for (i = 0; i < rs->n; i++)
		keyshare_clear(&rs->ks[i]);
}
