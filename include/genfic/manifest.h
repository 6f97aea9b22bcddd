/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manifest of a published snapshot: one line "HEX  PATH" per regular
 * file under the snapshot directory, sorted, in sha256sum(1)'s format (so
 * that `sha256sum -c MANIFEST` checks it too), and its detached CMS
 * signature MANIFEST.sig.  See docs/security.md.
 */
#ifndef GENFIC_MANIFEST_H
#define GENFIC_MANIFEST_H

#include <stddef.h>

#include <openssl/x509.h>

struct store;

#define MANIFEST_NAME		"MANIFEST"
#define MANIFEST_SIG_NAME	"MANIFEST.sig"
#define MANIFEST_MAX		(4 << 20)	/* bytes of MANIFEST */
#define MANIFEST_MAX_FILES	10000
#define MANIFEST_MAX_DEPTH	4

/*
 * The extendedKeyUsage of a dedicated publication certificate (template
 * "publisher"): an OID of the UUID arc (ITU-T X.667), so that no TLS,
 * mail or OCSP certificate of the hierarchy can sign a snapshot.
 */
#define MANIFEST_PUBLISHER_EKU	"2.25.81727232623659256601843400775868534369"

struct manifest_files {
	char	**names;	/* relative paths, sorted */
	size_t	  n;
};

/*
 * The regular files under dir, but MANIFEST and MANIFEST.sig; a symbolic
 * link, a device or a name with a control character is refused.  0 or a
 * negative GF_ERR_* code.
 */
int	manifest_list(const char *dir, struct manifest_files *out);
void	manifest_files_clear(struct manifest_files *mf);

/* The manifest of dir's files, in *text (free() it). */
int	manifest_build(const char *dir, char **text, size_t *len);

/*
 * Checks that text lists exactly the files under dir, each with its
 * SHA-256; fills out (when not NULL) with their names.  0, or GF_ERR_FORMAT
 * (what does not match is named) or another negative GF_ERR_* code.
 */
int	manifest_check(const char *dir, const char *text, size_t len,
	    struct manifest_files *out);

/*
 * May cert sign a manifest: a CA certificate (the -p CA way), or one
 * that is not a CA, with MANIFEST_PUBLISHER_EKU and, if it has a
 * keyUsage, digitalSignature.  0 or GF_ERR_POLICY (the reason recorded).
 */
int	manifest_signer_check(X509 *cert);

/*
 * Is cert a certificate of st, not revoked (certificateHold included)?
 * 0, GF_ERR_POLICY when revoked, GF_ERR_NOT_FOUND when st has no such
 * certificate (its revocation could not be known), or another error.
 */
int	manifest_cert_unrevoked(struct store *st, X509 *cert);

#endif
