/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SHA-256 manifest of a published snapshot (manifest.h): built by
 * genfic-ca --publish, checked by genfic-ocspd before it serves one.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "genfic/certdb.h"
#include "genfic/err.h"
#include "genfic/manifest.h"
#include "genfic/x509util.h"

#define HASH_HEX	(2 * 32)
#define READ_CHUNK	(64 * 1024)

void
manifest_files_clear(struct manifest_files *mf)
{
	size_t i;

	for (i = 0; i < mf->n; i++)
		free(mf->names[i]);
	free(mf->names);
	mf->names = NULL;
	mf->n = 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
files_add(struct manifest_files *mf, const char *name)
{
	char **names;

	if (mf->n >= MANIFEST_MAX_FILES)
		return gf_fail(GF_ERR_TOO_LARGE, "more than %d files",
		    MANIFEST_MAX_FILES);
	if ((names = realloc(mf->names, (mf->n + 1) * sizeof(*names))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	mf->names = names;
	if ((names[mf->n] = strdup(name)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	mf->n++;
	return 0;
}

/* A name a manifest line may carry: printable, no space-only tricks. */
static int
name_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s == 0x7f ||
		    *s == '\\')
			return 0;
	return 1;
}

static int
walk(const char *dir, const char *rel, int depth, struct manifest_files *mf)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	char *path = NULL, *sub = NULL;
	int r = 0;

	if (depth > MANIFEST_MAX_DEPTH)
		return gf_fail(GF_ERR_FORMAT, "%s: nested too deep", rel);
	if (asprintf(&path, "%s%s%s", dir, rel[0] != '\0' ? "/" : "", rel) ==
	    -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((d = opendir(path)) == NULL) {
		r = gf_fail(errno == ENOENT ? GF_ERR_NOT_FOUND : GF_ERR_IO,
		    "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (depth == 0 && (strcmp(de->d_name, MANIFEST_NAME) == 0 ||
		    strcmp(de->d_name, MANIFEST_SIG_NAME) == 0))
			continue;
		free(sub);
		if (asprintf(&sub, "%s%s%s", rel, rel[0] != '\0' ? "/" : "",
		    de->d_name) == -1) {
			sub = NULL;
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			break;
		}
		if (!name_printable(de->d_name)) {
			r = gf_fail(GF_ERR_FORMAT, "a file name with a space "
			    "or control character");
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			r = gf_fail(GF_ERR_IO, "%s: %s", sub, strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			r = walk(dir, sub, depth + 1, mf);
		else if (S_ISREG(sb.st_mode))
			r = files_add(mf, sub);
		else
			r = gf_fail(GF_ERR_FORMAT, "%s: not a regular file or "
			    "directory", sub);
	}
	free(sub);
	closedir(d);
	free(path);
	return r;
}

int
manifest_list(const char *dir, struct manifest_files *out)
{
	struct manifest_files mf = { NULL, 0 };
	int r;

	if ((r = walk(dir, "", 0, &mf)) != 0) {
		manifest_files_clear(&mf);
		return r;
	}
	if (mf.n > 0)
		qsort(mf.names, mf.n, sizeof(*mf.names), name_cmp);
	*out = mf;
	return 0;
}

/* The SHA-256 of dir/name, as lowercase hex, read without following links. */
static int
hash_file(const char *dir, const char *name, char hex[HASH_HEX + 1])
{
	unsigned char buf[READ_CHUNK], md[32];
	EVP_MD_CTX *ctx = NULL;
	char *path;
	ssize_t n;
	int fd, r = 0;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		r = gf_fail(errno == ENOENT ? GF_ERR_NOT_FOUND : GF_ERR_IO,
		    "%s: %s", name, strerror(errno));
		free(path);
		return r;
	}
	free(path);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(ctx, gf_sha256(), NULL)) {
		r = gf_fail_crypto("SHA-256");
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = gf_fail(GF_ERR_IO, "%s: %s", name, strerror(errno));
			goto out;
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			r = gf_fail_crypto("SHA-256");
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, md, NULL)) {
		r = gf_fail_crypto("SHA-256");
		goto out;
	}
	hex_encode(md, sizeof(md), hex);
 out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return r;
}

int
manifest_build(const char *dir, char **text, size_t *len)
{
	struct manifest_files mf;
	char hex[HASH_HEX + 1], *out = NULL, *grown;
	size_t used = 0, i, need;
	int r;

	if ((r = manifest_list(dir, &mf)) != 0)
		return r;
	for (i = 0; i < mf.n && r == 0; i++) {
		if ((r = hash_file(dir, mf.names[i], hex)) != 0)
			break;
		need = HASH_HEX + 2 + strlen(mf.names[i]) + 1;
		if ((grown = realloc(out, used + need + 1)) == NULL) {
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			break;
		}
		out = grown;
		used += (size_t)snprintf(out + used, need + 1, "%s  %s\n", hex,
		    mf.names[i]);
	}
	manifest_files_clear(&mf);
	if (r != 0) {
		free(out);
		return r;
	}
	if (out == NULL)
		return gf_fail(GF_ERR_NOT_FOUND, "%s: no file to publish", dir);
	*text = out;
	*len = used;
	return 0;
}

/* One line "HEX  NAME" (or "HEX *NAME") into hex and name. */
static int
parse_line(const char *line, size_t len, char hex[HASH_HEX + 1], char **name)
{
	size_t i;

	if (len < HASH_HEX + 3 || line[HASH_HEX] != ' ' ||
	    (line[HASH_HEX + 1] != ' ' && line[HASH_HEX + 1] != '*'))
		return -1;
	for (i = 0; i < HASH_HEX; i++) {
		if (strchr("0123456789abcdef", line[i]) == NULL ||
		    line[i] == '\0')
			return -1;
		hex[i] = line[i];
	}
	hex[HASH_HEX] = '\0';
	if ((*name = strndup(line + HASH_HEX + 2, len - HASH_HEX - 2)) == NULL)
		return -2;
	return 0;
}

int
manifest_check(const char *dir, const char *text, size_t len,
    struct manifest_files *out)
{
	struct manifest_files have = { NULL, 0 };
	const char *p = text, *end = text + len, *nl;
	char want[HASH_HEX + 1], got[HASH_HEX + 1], *name = NULL;
	size_t i = 0, line = 0;
	int r, e;

	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return gf_fail(GF_ERR_FORMAT, "MANIFEST: empty, or not text "
		    "lines");
	if ((r = manifest_list(dir, &have)) != 0)
		return r;
	for (; p < end && r == 0; p = nl + 1, i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		free(name);
		name = NULL;
		if ((e = parse_line(p, (size_t)(nl - p), want, &name)) != 0) {
			r = e == -2 ? gf_fail(GF_ERR_ALLOC, "out of memory") :
			    gf_fail(GF_ERR_FORMAT, "MANIFEST line %zu: not "
			    "\"SHA-256  FILE\"", line);
			break;
		}
		/* Both lists are sorted: the first difference names it. */
		if (i >= have.n || strcmp(name, have.names[i]) < 0)
			r = gf_fail(GF_ERR_FORMAT, "%s: listed in the "
			    "manifest, not in the snapshot", name);
		else if (strcmp(name, have.names[i]) > 0)
			r = gf_fail(GF_ERR_FORMAT, "%s: in the snapshot, not "
			    "in the manifest", have.names[i]);
		else if ((r = hash_file(dir, name, got)) == 0 &&
		    strcmp(want, got) != 0)
			r = gf_fail(GF_ERR_FORMAT, "%s: SHA-256 differs from "
			    "the manifest's", name);
	}
	if (r == 0 && i < have.n)
		r = gf_fail(GF_ERR_FORMAT, "%s: in the snapshot, not in the "
		    "manifest", have.names[i]);
	free(name);
	if (r == 0 && out != NULL)
		*out = have;
	else
		manifest_files_clear(&have);
	return r;
}

/* Does cert's extendedKeyUsage list MANIFEST_PUBLISHER_EKU? */
static int
has_publisher_eku(X509 *cert)
{
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *want;
	int i, found = 0;

	if ((want = OBJ_txt2obj(MANIFEST_PUBLISHER_EKU, 1)) == NULL)
		return 0;
	if ((eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL)) !=
	    NULL) {
		for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !found; i++)
			found = OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) ==
			    0;
		EXTENDED_KEY_USAGE_free(eku);
	}
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	return found;
}

int
manifest_signer_check(X509 *cert)
{
	if (X509_check_ca(cert) != 0)
		return 0;
	if (!has_publisher_eku(cert))
		return gf_fail(GF_ERR_POLICY, "neither a CA nor a publication "
		    "certificate (extendedKeyUsage " MANIFEST_PUBLISHER_EKU
		    ", template publisher)");
	if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
		return gf_fail(GF_ERR_POLICY, "RFC 5280 4.2.1.3: keyUsage "
		    "without digitalSignature");
	return 0;
}

int
manifest_cert_unrevoked(struct store *st, X509 *cert)
{
	unsigned char md[GF_SHA256_LEN];
	struct certdb_status state;
	int found, r;

	if ((r = x509_fingerprint(cert, md)) != 0 ||
	    (r = certdb_fingerprint_status(st, md, &state, &found,
	    NULL)) != 0)
		return r;
	if (!found)
		return gf_fail(GF_ERR_NOT_FOUND, "not a certificate of the "
		    "store: its revocation cannot be checked");
	if (state.revoked)
		return gf_fail(GF_ERR_POLICY, "revoked%s",
		    state.reason == 6 ? " (certificateHold)" : "");
	return 0;
}
