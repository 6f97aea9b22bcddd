/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pathLenConstraint and nameConstraints at issuance (RFC 5280 4.2.1.9,
 * 4.2.1.10).  Names are matched by OpenSSL's own NAME_CONSTRAINTS_check(),
 * the code `openssl verify` runs, so that what is signed here verifies
 * there; this file only finds which name and which subtree to blame.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/ca.h"
#include "genfic/constraints.h"
#include "genfic/err.h"
#include "genfic/x509util.h"

#include <openssl/err.h>

#define CONSTRAINTS_DEPTH_MAX	16	/* CAs from an issuer up to its root */
#define NAME_TEXT_MAX		256

struct constraint_ca {
	char			*name;
	NAME_CONSTRAINTS	*nc;		/* or NULL */
	long			 pathlen;	/* -1: none */
};

struct constraints {
	struct constraint_ca	 cas[CONSTRAINTS_DEPTH_MAX];	/* issuer first */
	size_t			 n;
	int			 any_nc;
};

void
constraints_free(struct constraints *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->cas[i].name);
		NAME_CONSTRAINTS_free(c->cas[i].nc);
	}
	free(c);
}

static int
constraints_add(struct constraints *c, X509 *cert, const char *name)
{
	struct constraint_ca *cc;
	int crit;

	if (c->n == CONSTRAINTS_DEPTH_MAX)
		return gf_fail(GF_ERR_POLICY, "CA %s: more than %d CAs up to "
		    "the root", c->cas[0].name, CONSTRAINTS_DEPTH_MAX);
	cc = &c->cas[c->n++];
	cc->pathlen = X509_get_pathlen(cert);
	if ((cc->name = strdup(name)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	cc->nc = X509_get_ext_d2i(cert, NID_name_constraints, &crit, NULL);
	if (cc->nc == NULL && crit != -1)
		return gf_fail(GF_ERR_POLICY, "CA %s: its nameConstraints "
		    "cannot be read", name);
	c->any_nc |= cc->nc != NULL;
	return 0;
}

int
constraints_from_certs(X509 *const *certs, const char *const *names,
    size_t n, struct constraints **out)
{
	struct constraints *c;
	size_t i;
	int r = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; i < n && r == 0; i++)
		r = constraints_add(c, certs[i], names[i]);
	if (r != 0) {
		constraints_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int
constraints_load(struct store *st, const struct ca *issuer,
    struct constraints **out)
{
	struct constraints *c;
	struct ca *above = NULL;
	const struct ca *at = issuer;
	int64_t parent_id;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	while ((r = constraints_add(c, at->cert, at->name)) == 0 &&
	    at->parent_id != 0) {
		parent_id = at->parent_id;
		ca_free(above);
		above = NULL;
		if ((r = ca_load_id(st, parent_id, &above)) != 0)
			break;
		at = above;
	}
	ca_free(above);
	if (r != 0) {
		constraints_free(c);
		return r;
	}
	*out = c;
	return 0;
}

static void
ip_text(const ASN1_OCTET_STRING *ip, char *buf, size_t size)
{
	const unsigned char *p = ASN1_STRING_get0_data(ip);
	int len = ASN1_STRING_length(ip), af, half, bits = 0, i;
	char addr[INET6_ADDRSTRLEN];

	af = len == 4 || len == 8 ? AF_INET : AF_INET6;
	half = len == 8 || len == 32 ? len / 2 : len;
	if ((half != 4 && half != 16) || inet_ntop(af, p, addr,
	    sizeof(addr)) == NULL) {
		snprintf(buf, size, "IP:(%d bytes)", len);
		return;
	}
	if (half == len) {
		snprintf(buf, size, "IP:%s", addr);
		return;
	}
	for (i = 0; i < half; i++)
		bits += __builtin_popcount(p[half + i]);
	snprintf(buf, size, "IP:%s/%d", addr, bits);
}

/* A GeneralName as the command line writes it, e.g. "DNS:a.example". */
static void
name_text(const GENERAL_NAME *gn, char *buf, size_t size)
{
	const char *prefix;
	const ASN1_STRING *s;
	char dn[NAME_TEXT_MAX];

	switch (gn->type) {
	case GEN_DNS:
		prefix = "DNS:";
		s = gn->d.dNSName;
		break;
	case GEN_EMAIL:
		prefix = "email:";
		s = gn->d.rfc822Name;
		break;
	case GEN_URI:
		prefix = "URI:";
		s = gn->d.uniformResourceIdentifier;
		break;
	case GEN_IPADD:
		ip_text(gn->d.iPAddress, buf, size);
		return;
	case GEN_DIRNAME:
		X509_NAME_oneline(gn->d.directoryName, dn, sizeof(dn));
		snprintf(buf, size, "dirName:%s", dn);
		return;
	default:
		snprintf(buf, size, "a name of type %d", gn->type);
		return;
	}
	snprintf(buf, size, "%s%.*s", prefix, ASN1_STRING_length(s),
	    (const char *)ASN1_STRING_get0_data(s));
}

/*
 * A certificate of subject and names alone, with the names OpenSSL caches
 * for NAME_CONSTRAINTS_check().  Without a key or signature it cannot be
 * encoded, so OpenSSL records no fingerprint; that is all it lacks.  A
 * copy of the whole certificate would be decoded again, key included:
 * under a constrained CA that doubled a spool's CPU time.
 */
static X509 *
view_new(const X509_NAME *subject, const GENERAL_NAMES *names)
{
	X509 *view;
	uint32_t flags;

	if ((view = X509_new()) == NULL)
		return NULL;
	if (!X509_set_subject_name(view, subject) ||
	    (names != NULL && X509_add1_ext_i2d(view, NID_subject_alt_name,
	    (void *)names, 0, X509V3_ADD_DEFAULT) != 1)) {
		X509_free(view);
		return NULL;
	}
	(void)X509_check_purpose(view, -1, 0);
	ERR_clear_error();	/* the missing fingerprint */
	flags = X509_get_extension_flags(view);
	if ((flags & EXFLAG_SET) == 0 || (flags & EXFLAG_INVALID) != 0) {
		X509_free(view);
		return NULL;
	}
	return view;
}

static int
has_dns_name(const GENERAL_NAMES *names)
{
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(names); i++)
		if (sk_GENERAL_NAME_value(names, i)->type == GEN_DNS)
			return 1;
	return 0;
}

/*
 * X509_V_OK when nc allows view; for an end entity without a DNS name,
 * its CN is checked as a host name too, as X509_verify_cert() does.
 */
static int
nc_allows(X509 *view, NAME_CONSTRAINTS *nc, int leaf, int cn_as_host)
{
	int r;

	if ((r = NAME_CONSTRAINTS_check(view, nc)) == X509_V_OK && leaf &&
	    cn_as_host)
		r = NAME_CONSTRAINTS_check_CN(view, nc);
	return r;
}

/* The subtrees of one kind, as text: "DNS:.example.org, IP:10.0.0.0/8". */
static void
subtrees_text(const STACK_OF(GENERAL_SUBTREE) *trees, char *buf,
    size_t size)
{
	char one[NAME_TEXT_MAX];
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sk_GENERAL_SUBTREE_num(trees) && used < size; i++) {
		name_text(sk_GENERAL_SUBTREE_value(trees, i)->base, one,
		    sizeof(one));
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    i > 0 ? ", " : "", one);
	}
}

/* The excluded subtree of nc that refuses view alone, or NULL. */
static const GENERAL_SUBTREE *
excluded_by(X509 *view, const NAME_CONSTRAINTS *nc, int leaf, int cn)
{
	NAME_CONSTRAINTS *one;
	const GENERAL_SUBTREE *tree, *found = NULL;
	int i;

	if ((one = NAME_CONSTRAINTS_new()) == NULL ||
	    (one->excludedSubtrees = sk_GENERAL_SUBTREE_new_null()) == NULL) {
		NAME_CONSTRAINTS_free(one);
		return NULL;
	}
	for (i = 0; i < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees); i++) {
		tree = sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, i);
		if (!sk_GENERAL_SUBTREE_push(one->excludedSubtrees,
		    (GENERAL_SUBTREE *)tree))
			break;
		if (nc_allows(view, one, leaf, cn) != X509_V_OK) {
			found = tree;
			break;
		}
		(void)sk_GENERAL_SUBTREE_pop(one->excludedSubtrees);
	}
	/* The subtrees are nc's: only the stacks are freed. */
	sk_GENERAL_SUBTREE_free(one->excludedSubtrees);
	one->excludedSubtrees = NULL;
	NAME_CONSTRAINTS_free(one);
	return found;
}

/* The refusal of what (one name, as view) by nc of CA ca. */
static int
nc_refusal(X509 *view, const char *what, const struct constraint_ca *ca,
    int leaf, int cn, int verdict)
{
	const GENERAL_SUBTREE *tree;
	char trees[4 * NAME_TEXT_MAX];

	if (verdict != X509_V_ERR_PERMITTED_VIOLATION &&
	    verdict != X509_V_ERR_EXCLUDED_VIOLATION)
		return gf_fail(GF_ERR_POLICY, "RFC 5280 4.2.1.10: %s: %s "
		    "(nameConstraints of CA %s)", what,
		    X509_verify_cert_error_string(verdict), ca->name);
	if ((tree = excluded_by(view, ca->nc, leaf, cn)) != NULL) {
		name_text(tree->base, trees, sizeof(trees));
		return gf_fail(GF_ERR_POLICY, "RFC 5280 4.2.1.10: %s is in the "
		    "excluded subtree %s of CA %s", what, trees, ca->name);
	}
	subtrees_text(ca->nc->permittedSubtrees, trees, sizeof(trees));
	return gf_fail(GF_ERR_POLICY, "RFC 5280 4.2.1.10: %s is outside the "
	    "permitted subtrees of CA %s (%s)", what, ca->name, trees);
}

/*
 * Finds the name of cert that ca's constraints refuse, one at a time:
 * each subjectAltName entry, then the subject, then the CN as a host.
 */
static int
nc_blame(const X509_NAME *subject, const GENERAL_NAMES *names,
    const struct constraint_ca *ca, int leaf, int verdict)
{
	GENERAL_NAMES *one = NULL;
	X509_NAME *nobody = NULL;
	X509 *view = NULL;
	char what[NAME_TEXT_MAX + 32], dn[NAME_TEXT_MAX];
	int i, v, r = GF_ERR_ALLOC;

	if ((one = sk_GENERAL_NAME_new_null()) == NULL ||
	    (nobody = X509_NAME_new()) == NULL)
		goto out;
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		(void)sk_GENERAL_NAME_pop(one);
		if (!sk_GENERAL_NAME_push(one, sk_GENERAL_NAME_value(names, i)))
			goto out;
		X509_free(view);
		if ((view = view_new(nobody, one)) == NULL)
			goto out;
		if ((v = nc_allows(view, ca->nc, leaf, 0)) != X509_V_OK) {
			name_text(sk_GENERAL_NAME_value(names, i), what,
			    sizeof(what));
			r = nc_refusal(view, what, ca, leaf, 0, v);
			goto out;
		}
	}
	X509_free(view);
	if ((view = view_new(subject, NULL)) == NULL)
		goto out;
	X509_NAME_oneline(subject, dn, sizeof(dn));
	if ((v = NAME_CONSTRAINTS_check(view, ca->nc)) != X509_V_OK) {
		snprintf(what, sizeof(what), "the subject %s", dn);
		r = nc_refusal(view, what, ca, leaf, 0, v);
	} else {
		snprintf(what, sizeof(what), "the CN of %s (no DNS name)", dn);
		r = nc_refusal(view, what, ca, leaf, 1, verdict);
	}
 out:
	if (r == GF_ERR_ALLOC)
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
	X509_free(view);
	X509_NAME_free(nobody);
	sk_GENERAL_NAME_free(one);	/* the names are cert's */
	return r;
}

/*
 * A new CA certificate k + 1 levels below CA k: each pathLenConstraint
 * above must allow it, and its own may not promise more than they allow.
 */
static int
check_pathlen(const struct constraints *c, long own)
{
	const struct constraint_ca *cc;
	size_t k;

	for (k = 0; k < c->n; k++) {
		cc = &c->cas[k];
		if (cc->pathlen < 0)
			continue;
		if ((long)k >= cc->pathlen)
			return gf_fail(GF_ERR_POLICY, "RFC 5280 4.2.1.9: CA %s "
			    "has pathLenConstraint %ld: no CA certificate may "
			    "be issued %zu level%s below it", cc->name,
			    cc->pathlen, k + 1, k == 0 ? "" : "s");
		if (own > cc->pathlen - (long)k - 1)
			return gf_fail(GF_ERR_POLICY, "RFC 5280 4.2.1.9: "
			    "pathLenConstraint %ld is more than CA %s allows "
			    "below it (%ld)", own, cc->name,
			    cc->pathlen - (long)k - 1);
	}
	return 0;
}

int
constraints_check_depth(const struct constraints *c)
{
	return check_pathlen(c, -1);	/* -1: the new CA promises nothing */
}

/* The nameConstraints of every CA of c on subject and names. */
static int
check_names(const struct constraints *c, const X509_NAME *subject,
    const GENERAL_NAMES *names, int leaf)
{
	X509 *view;
	size_t k;
	int cn, v, r = 0;

	if (!c->any_nc)
		return 0;
	cn = !has_dns_name(names);
	if ((view = view_new(subject, names)) == NULL)
		return gf_fail_crypto("nameConstraints");
	for (k = 0; k < c->n && r == 0; k++) {
		if (c->cas[k].nc == NULL)
			continue;
		if ((v = nc_allows(view, c->cas[k].nc, leaf, cn)) != X509_V_OK)
			r = nc_blame(subject, names, &c->cas[k], leaf, v);
	}
	X509_free(view);
	return r;
}

int
constraints_check_leaf(const struct constraints *c, const X509_NAME *subject,
    const GENERAL_NAMES *names)
{
	return check_names(c, subject, names, 1);
}

int
constraints_check(const struct constraints *c, X509 *cert)
{
	GENERAL_NAMES *names;
	long own;
	int leaf, r;

	leaf = !x509_is_ca(cert, &own);
	if (!leaf && (r = check_pathlen(c, own)) != 0)
		return r;
	if (!c->any_nc)
		return 0;
	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	r = check_names(c, X509_get_subject_name(cert), names, leaf);
	GENERAL_NAMES_free(names);
	return r;
}

/* "10.0.0.0/8" or "10.0.0.0/255.0.0.0" as address and mask, 8 or 32 bytes. */
static int
ip_subtree(const char *spec, const char *text, GENERAL_NAME **out)
{
	unsigned char buf[32];
	char addr[INET6_ADDRSTRLEN], *end;
	const char *slash;
	size_t half;
	long bits;
	int af, i;

	if ((slash = strchr(text, '/')) == NULL ||
	    (size_t)(slash - text) >= sizeof(addr))
		return gf_fail(GF_ERR_USAGE, "--name-constraints '%s': an IP "
		    "subtree is ADDRESS/PREFIX, e.g. IP:10.0.0.0/8", spec);
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	half = af == AF_INET ? 4 : 16;
	memset(buf, 0, sizeof(buf));
	if (inet_pton(af, addr, buf) != 1)
		return gf_fail(GF_ERR_USAGE, "--name-constraints '%s': '%s' is "
		    "not an IP address", spec, addr);
	if (inet_pton(af, slash + 1, buf + half) != 1) {
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || bits < 0 ||
		    bits > (long)half * 8)
			return gf_fail(GF_ERR_USAGE, "--name-constraints '%s': "
			    "the prefix length is 0 to %zu", spec, half * 8);
		for (i = 0; i < bits; i++)
			buf[half + (size_t)i / 8] |= (unsigned char)(0x80 >> (i % 8));
	}
	for (i = 0; i < (int)half; i++)
		buf[i] &= buf[half + (size_t)i];
	if ((*out = GENERAL_NAME_new()) == NULL ||
	    ((*out)->d.iPAddress = ASN1_OCTET_STRING_new()) == NULL ||
	    !ASN1_OCTET_STRING_set((*out)->d.iPAddress, buf, (int)(2 * half))) {
		GENERAL_NAME_free(*out);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	(*out)->type = GEN_IPADD;
	return 0;
}

/* A DNS, email or URI subtree: host or domain characters only. */
static int
host_subtree(const char *spec, int type, const char *text,
    GENERAL_NAME **out)
{
	size_t n = strlen(text);

	if (n == 0 || n > 253 || strspn(text, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-@_") != n ||
	    strstr(text, "..") != NULL)
		return gf_fail(GF_ERR_USAGE, "--name-constraints '%s': '%s' is "
		    "not a host or domain name", spec, text);
	if ((*out = a2i_GENERAL_NAME(NULL, NULL, NULL, type, text, 1)) == NULL)
		return gf_fail_crypto("--name-constraints '%s'", spec);
	return 0;
}

static int
parse_one(const char *spec, NAME_CONSTRAINTS *nc)
{
	STACK_OF(GENERAL_SUBTREE) **trees;
	GENERAL_SUBTREE *tree;
	GENERAL_NAME *gn = NULL;
	const char *value;
	int r;

	if (strncmp(spec, "permitted;", 10) == 0)
		trees = &nc->permittedSubtrees;
	else if (strncmp(spec, "excluded;", 9) == 0)
		trees = &nc->excludedSubtrees;
	else
		return gf_fail(GF_ERR_USAGE, "--name-constraints '%s': "
		    "permitted;TYPE:VALUE or excluded;TYPE:VALUE expected", spec);
	value = strchr(spec, ';') + 1;
	if (strncmp(value, "DNS:", 4) == 0)
		r = host_subtree(spec, GEN_DNS, value + 4, &gn);
	else if (strncmp(value, "email:", 6) == 0)
		r = host_subtree(spec, GEN_EMAIL, value + 6, &gn);
	else if (strncmp(value, "URI:", 4) == 0)
		r = host_subtree(spec, GEN_URI, value + 4, &gn);
	else if (strncmp(value, "IP:", 3) == 0)
		r = ip_subtree(spec, value + 3, &gn);
	else
		r = gf_fail(GF_ERR_USAGE, "--name-constraints '%s': the types "
		    "are DNS:, email:, URI: and IP:", spec);
	if (r != 0)
		return r;
	if ((*trees == NULL && (*trees = sk_GENERAL_SUBTREE_new_null()) ==
	    NULL) || (tree = GENERAL_SUBTREE_new()) == NULL) {
		GENERAL_NAME_free(gn);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	GENERAL_NAME_free(tree->base);
	tree->base = gn;
	if (!sk_GENERAL_SUBTREE_push(*trees, tree)) {
		GENERAL_SUBTREE_free(tree);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	return 0;
}

int
constraints_parse(const char *const *specs, NAME_CONSTRAINTS **out)
{
	NAME_CONSTRAINTS *nc;
	int r = 0;

	*out = NULL;
	if (specs == NULL || specs[0] == NULL)
		return 0;
	if ((nc = NAME_CONSTRAINTS_new()) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (; *specs != NULL && r == 0; specs++)
		r = parse_one(*specs, nc);
	if (r != 0) {
		NAME_CONSTRAINTS_free(nc);
		return r;
	}
	*out = nc;
	return 0;
}

int
constraints_apply(X509 *cert, const struct ca_limits *limits)
{
	BASIC_CONSTRAINTS *bc;
	int r = 0;

	if (limits->nc != NULL && X509_add1_ext_i2d(cert, NID_name_constraints,
	    limits->nc, 1, X509V3_ADD_REPLACE) != 1)
		return gf_fail_crypto("nameConstraints");
	if (limits->pathlen < 0)
		return 0;
	if ((bc = BASIC_CONSTRAINTS_new()) == NULL ||
	    (bc->pathlen = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set(bc->pathlen, limits->pathlen)) {
		BASIC_CONSTRAINTS_free(bc);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	bc->ca = 0xff;
	if (X509_add1_ext_i2d(cert, NID_basic_constraints, bc, 1,
	    X509V3_ADD_REPLACE) != 1)
		r = gf_fail_crypto("basicConstraints");
	BASIC_CONSTRAINTS_free(bc);
	return r;
}
