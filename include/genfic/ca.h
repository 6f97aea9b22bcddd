/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CAs of a store. */
#ifndef GENFIC_CA_H
#define GENFIC_CA_H

#include <stdint.h>
#include <openssl/x509.h>
#include <sqlite3.h>

struct passphrase;
struct store;

struct ca {
	int64_t	 id;
	char	*name;
	int64_t	 parent_id;		/* 0 for a root */
	int64_t	 cert_id;
	char	*key_ref;		/* "file:private/NAME.key" */
	char	*template;
	char	*leaf_template;		/* default for what it signs */
	int	 crl_days;
	char	*crl_url;		/* or NULL */
	char	*ocsp_url;		/* or NULL */
	char	*issuer_url;		/* its certificate's URL, or NULL */
	int64_t	 next_crl_number;
	X509	*cert;			/* its certificate */
	int	 revoked;		/* its certificate is revoked */
};

/* Returns 0 if name can name a CA (and a file in private/). */
int	ca_name_check(const char *name);

/*
 * Loads a CA row; refuses one whose name or key reference is not what the
 * store itself writes (they make file names).
 */
int	ca_load(struct store *st, const char *name, struct ca **ca);
int	ca_load_id(struct store *st, int64_t id, struct ca **ca);
void	ca_free(struct ca *ca);

/*
 * Loads the CA of each id the statement ids yields (its first column), in
 * that order, each checked as ca_load() checks it.  Fills *cas and *count
 * (0 CAs: an empty list, possibly NULL) only on success.
 */
int	ca_load_ids(struct store *st, sqlite3_stmt *ids, struct ca ***cas,
	    size_t *count);
void	ca_free_all(struct ca **cas, size_t count);

/* Inserts the CA row (without certificate yet); sets ca->id. */
int	ca_insert(struct store *st, struct ca *ca);

/* Points the CA at its certificate row. */
int	ca_set_cert(struct store *st, int64_t ca_id, int64_t cert_id);

/* Stores the CA's settings: crl_url, ocsp_url, issuer_url, crl_days. */
int	ca_update(struct store *st, const struct ca *ca);

/*
 * The CA's settings and state as a JSON object: parent, subject,
 * validity, templates, key, URLs, and its latest CRL's number and dates.
 */
int	ca_settings(struct store *st, const struct ca *ca, char **json);

/*
 * The newest other CA under parent_id whose name is NAME's but for a
 * trailing generation ("genfic-system" for "genfic-system2" or
 * "genfic-system-2027", and the reverse).  GF_ERR_NOT_FOUND if none.
 */
int	ca_predecessor(struct store *st, int64_t parent_id, const char *name,
	    struct ca **pred);

/* The absolute path of the CA's key file. */
char	*ca_key_path(const struct store *st, const struct ca *ca);

/*
 * Loads the CA's signing key (pass NULL: unencrypted) and refuses one that
 * is not the key of the CA's certificate.
 */
int	ca_key_load(struct store *st, const struct ca *ca,
	    const struct passphrase *pass, EVP_PKEY **key);

/*
 * Raises CA ca_id's next CRL number to next if it is lower (an import
 * continues a directory's numbering); *changed says whether it was.
 */
int	ca_raise_crl_number(struct store *st, int64_t ca_id, int64_t next,
	    int *changed);

/*
 * CA name and every CA above it, or all the CAs ("all"), in id order
 * (checked as ca_load_ids() does).  GF_ERR_NOT_FOUND if there is none.
 */
int	ca_load_with_issuers(struct store *st, const char *name,
	    struct ca ***cas, size_t *n);

#endif
