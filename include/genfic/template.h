/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificate templates: files in OpenSSL config syntax, parsed with NCONF.
 * The [template] section holds the profile; the section it names in
 * "extensions" is applied with OpenSSL's x509v3_config machinery.
 */
#ifndef GENFIC_TEMPLATE_H
#define GENFIC_TEMPLATE_H

#include <openssl/conf.h>
#include <openssl/x509.h>

#define GF_TEMPLATE_MAX_NIDS	16

/* A line of the extensions section, made once if it can be. */
struct template_line {
	const CONF_VALUE	*value;
	X509_EXTENSION		*made;		/* or NULL: made per certificate */
};

struct template {
	char	*name;
	char	*path;			/* the file it came from */
	CONF	*conf;			/* the whole file, for X509V3 */
	char	*description;
	char	*extensions;		/* section applied to certificates */
	char	*key_type;		/* default for new keys */
	char	*child_template;	/* CA templates: default for children */
	int	 days;			/* default validity */
	int	 is_ca;
	int	 crl_days;		/* CA templates: CRL validity */
	int	 min_rsa_bits;
	int	 allow_eddsa;
	int	 copy_san;		/* keep the CSR's subjectAltName */
	int	 curves[GF_TEMPLATE_MAX_NIDS];		/* allowed EC curves */
	size_t	 ncurves;
	int	 subject_required[GF_TEMPLATE_MAX_NIDS];	/* must be in the CSR */
	size_t	 nsubject_required;
	int	 subject_copy[GF_TEMPLATE_MAX_NIDS];	/* kept, in this order */
	size_t	 nsubject_copy;
	/* Limits on subjectAltName; san_limited when any is set. */
	int	 san_limited;
	char	*san_dns_suffixes[GF_TEMPLATE_MAX_NIDS];	/* none: any */
	size_t	 nsan_dns_suffixes;
	int	 san_wildcards;		/* "*." DNS names allowed */
	int	 san_ip;		/* iPAddress entries allowed */
	int	 san_max;		/* entries at most; 0: no limit */
	/* From template_prepare(): the extension lines, for one issuer. */
	const X509		*prepared_for;
	struct template_line	*lines;
	size_t			 nlines;
};

/*
 * Loads template name from the first directory of dirs (NULL-terminated)
 * that holds NAME.cnf.
 */
int	template_load(const char *name, const char *const *dirs,
	    struct template **tmpl);
void	template_free(struct template *tmpl);

/* Returns 0 if name is a plain template name (no path). */
int	template_name_check(const char *name);

/*
 * Adds the template's extensions to cert; issuer is the signing
 * certificate, or cert itself when self-signed.
 */
int	template_apply(const struct template *tmpl, X509 *issuer, X509 *cert);

/*
 * Makes once, for the certificates issuer signs, every extension of the
 * template whose value cannot depend on the certificate; template_apply()
 * then copies those and makes only the others (the subject key
 * identifier, names).  For the spool: 85 k instructions per certificate
 * went into making the same extensions again.
 */
int	template_prepare(struct template *tmpl, X509 *issuer);

#endif
