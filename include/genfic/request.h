/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judging certificate requests: the one path from a request's bytes (or,
 * for a renewal, from a certificate already issued) to a checked request
 * that may be signed, or to the reasons it may not.  -s, the spool,
 * --inspect, --renew and the fuzz-csr harness all call it; nothing else
 * parses or judges a request.
 */
#ifndef GENFIC_REQUEST_H
#define GENFIC_REQUEST_H

#include <stddef.h>

#include <openssl/x509v3.h>

#include "genfic/x509util.h"

struct ca;
struct constraints;
struct csr;
struct issue_request;
struct store;
struct template;

#define REQUEST_CHECKS_MAX	12

/* What a request is judged by. */
struct request_rules {
	const struct template	*tmpl;
	/* Of the issuing CA and the CAs above it, or NULL: not judged. */
	const struct constraints *constraints;
	const GENERAL_NAMES	*extra_san;	/* --san, or NULL */
	/* The issuing CA's certificate, or NULL: validity not judged. */
	X509			*issuer;
	int			 days;		/* 0: the template's */
	int			 no_clamp;	/* refuse instead of clamping */
	/*
	 * For the keyCompromise check, or NULL: left to issue_commit(),
	 * which asks in the transaction that records the certificate.
	 */
	struct store		*st;
	/*
	 * Called, when set, once the request parses, before any verdict:
	 * with its key's certdb_row() hash and the subject the template
	 * makes of it (NULL if the template refuses it).  Nonzero stops
	 * request_check() with GF_ERR_EXISTS and no message: a spool skips
	 * a request whose key and subject were certified, whatever else is
	 * wrong with it.
	 */
	int			(*seen)(void *arg,
				    const unsigned char spki_hash[GF_SHA256_LEN],
				    const X509_NAME *subject);
	void			*seen_arg;
};

/*
 * A checked request: what a certificate is made of, owned values that
 * point into no parser state.  It is the seam where the process that
 * parses hostile input will hand over to the one that holds the CA key:
 * it crosses a pipe as three length-prefixed DER blobs, i2d_X509_PUBKEY
 * (spki), i2d_X509_NAME (the subject as the request asks, before the
 * template) and i2d_GENERAL_NAMES (san, length 0 for none), and the
 * owner's text (length 0 for none), which the receiver checks again with
 * owner_check().  The receiver decodes pkey from spki (csr_spki_parse():
 * for an EC key, its curve, the point checked on it) and hashes spki
 * again rather than trusting the sender's hash.  The validity is not part
 * of it: issue_build() sets it when it signs, by the rules that judged
 * it.
 */
struct request {
	X509_PUBKEY	*spki;		/* the subject's key, as encoded */
	EVP_PKEY	*pkey;		/* the same key, decoded, to judge */
	X509_NAME	*subject;	/* the certificate's: template applied */
	GENERAL_NAMES	*san;		/* the certificate's, or NULL */
	unsigned char	 spki_hash[GF_SHA256_LEN];	/* certdb_row()'s */
	/*
	 * The address the request names for itself (owner_from_names() of
	 * the subject and names asked for, before the template), or NULL.
	 */
	char		*owner;
};

/* Frees what req holds, and leaves it empty. */
void	request_clear(struct request *req);
void	request_free(struct request *req);

enum request_state {
	REQUEST_OK,
	REQUEST_REFUSED,
	REQUEST_UNCHECKED,	/* a check it needs was refused */
};

struct request_verdict {
	const char		*check;		/* "signature", "key", ... */
	enum request_state	 state;
	int			 r;		/* GF_ERR_* when refused */
	char			*why;		/* refused or unchecked: why */
};

/* Every verdict on one request, for --inspect. */
struct request_verdicts {
	struct request_verdict	 v[REQUEST_CHECKS_MAX];
	size_t			 n;
	int			 refused;	/* the first refusal's code, or 0 */
	struct csr		*csr;		/* the request as parsed, or NULL */
	/* Refused: what would have been issued, as far as it was judged. */
	struct request		*would;
};

void	request_verdicts_clear(struct request_verdicts *all);

/*
 * Judges a PEM or DER PKCS #10 request: parse, proof of possession, the
 * extensions requested, the template's key and subject policy, the
 * subjectAltName (the request's if the template copies it, then
 * extra_san; each entry's syntax, then the template's limits), the
 * nameConstraints of every CA of rules->constraints, a key revoked for
 * keyCompromise (with rules->st) and the validity (with rules->issuer).
 * With all NULL, the first refusal ends it and its message is the
 * error's; else every check runs that can and all is filled in (*all
 * zeroed by the caller, cleared with request_verdicts_clear()).  Returns
 * 0 and *out, or the first refusal's code.
 */
int	request_check(const struct request_rules *rules,
	    const unsigned char *data, size_t len, struct request **out,
	    struct request_verdicts *all);

/* request_check() of the request file at path (GF_MAX_INPUT_FILE). */
int	request_load(const struct request_rules *rules, const char *path,
	    struct request **out, struct request_verdicts *all);

/*
 * The same judgement of a request made of certificate cert (its key,
 * subject and subjectAltName), as a renewal makes one: every verdict but
 * the proof of possession and the extensions requested, which only a
 * PKCS #10 request has.
 */
int	request_check_cert(const struct request_rules *rules, X509 *cert,
	    struct request **out, struct request_verdicts *all);

/*
 * The same judgement again, in the process that signs, of a request the
 * parser process checked (privsep.h): its key (spki, decoded as pkey), the
 * subject it asks for (the template is applied here) and the
 * certificate's names as the parser made them (--san's among them).
 * Every verdict but the proof of possession and the extensions requested,
 * which only the parser sees the request for.
 * Takes spki, pkey, subject and san, whatever it returns.
 */
int	request_check_parsed(const struct request_rules *rules,
	    struct request *made, struct request **out);

/*
 * What issue_build() is given to sign checked request req under rules for
 * CA ca with key (ca NULL: self-issued, as --inspect -t previews it); it
 * points into req, rules and ca.
 */
void	request_to_issue(struct request *req, const struct request_rules *rules,
	    const struct ca *ca, EVP_PKEY *key, struct issue_request *ir);

#endif
