/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Certificate templates in OpenSSL config syntax. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/keys.h"
#include "genfic/template.h"

#define TEMPLATE_SECTION	"template"
#define TEMPLATE_NAME_MAX	64
#define TEMPLATE_MAX_DAYS	36500
#define TEMPLATE_FILE_MAX	(64 * 1024)	/* bytes of a template file */

int
template_name_check(const char *name)
{
	if (!file_name_ok(name, TEMPLATE_NAME_MAX))
		return gf_fail(GF_ERR_USAGE, "'%s': a template name is 1 to %d "
		    "letters, digits, '-', '_' and '.'", name, TEMPLATE_NAME_MAX);
	return 0;
}

static void
template_unprepare(struct template *t)
{
	size_t i;

	for (i = 0; i < t->nlines; i++)
		X509_EXTENSION_free(t->lines[i].made);
	free(t->lines);
	t->lines = NULL;
	t->nlines = 0;
	t->prepared_for = NULL;
}

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	NCONF_free(t->conf);
	free(t->name);
	free(t->path);
	free(t->description);
	free(t->extensions);
	free(t->key_type);
	free(t->child_template);
	while (t->nsan_dns_suffixes > 0)
		free(t->san_dns_suffixes[--t->nsan_dns_suffixes]);
	template_unprepare(t);
	free(t);
}

static int
parse_int(const struct template *t, const char *key, const char *value,
    int min, int max, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || n < min || n > max)
		return gf_fail(GF_ERR_FORMAT, "%s: %s = '%s': a number from %d "
		    "to %d expected", t->path, key, value, min, max);
	*out = (int)n;
	return 0;
}

static int
parse_bool(const struct template *t, const char *key, const char *value,
    int *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
		*out = 1;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
		*out = 0;
	else
		return gf_fail(GF_ERR_FORMAT, "%s: %s = '%s': yes or no "
		    "expected", t->path, key, value);
	return 0;
}

/*
 * Parses a comma-separated list of names into NIDs, each name looked up
 * with lookup (NID_undef when unknown).
 */
static int
parse_nids(const struct template *t, const char *key, const char *value,
    int (*lookup)(const char *), int *nids, size_t *count)
{
	char *copy, *item, *save = NULL;
	int r = 0;

	if ((copy = strdup(value)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	*count = 0;
	for (item = strtok_r(copy, ", \t", &save); item != NULL;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (*count == GF_TEMPLATE_MAX_NIDS) {
			r = gf_fail(GF_ERR_FORMAT, "%s: %s: more than %d "
			    "entries", t->path, key, GF_TEMPLATE_MAX_NIDS);
			break;
		}
		if ((nids[*count] = lookup(item)) == NID_undef) {
			r = gf_fail(GF_ERR_FORMAT, "%s: %s: unknown name '%s'",
			    t->path, key, item);
			break;
		}
		(*count)++;
	}
	free(copy);
	return r;
}

static int
curve_lookup(const char *name)
{
	return EC_curve_nist2nid(name);
}

static int
attribute_lookup(const char *name)
{
	return OBJ_txt2nid(name);
}

static int
set_string(char **field, const char *value)
{
	free(*field);
	if ((*field = strdup(value)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

/* san_dns_suffixes: "example.org" (it and below), ".example.org" (below). */
static int
parse_suffixes(struct template *t, const char *key, const char *value)
{
	char *copy, *item, *save = NULL;
	int r = 0;

	if ((copy = strdup(value)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (item = strtok_r(copy, ", \t", &save); item != NULL && r == 0;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (t->nsan_dns_suffixes == GF_TEMPLATE_MAX_NIDS)
			r = gf_fail(GF_ERR_FORMAT, "%s: %s: more than %d "
			    "entries", t->path, key, GF_TEMPLATE_MAX_NIDS);
		else if (item[item[0] == '.'] == '\0' ||
		    strspn(item, "abcdefghijklmnopqrstuvwxyz0123456789.-") !=
		    strlen(item) || strstr(item, "..") != NULL)
			r = gf_fail(GF_ERR_FORMAT, "%s: %s: '%s' is not a "
			    "lower-case domain name", t->path, key, item);
		else if ((t->san_dns_suffixes[t->nsan_dns_suffixes] =
		    strdup(item)) == NULL)
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
		else
			t->nsan_dns_suffixes++;
	}
	free(copy);
	return r;
}

/* The subjectAltName limits; each sets san_limited. */
static int
template_set_san(struct template *t, const char *key, const char *value)
{
	t->san_limited = 1;
	if (strcmp(key, "san_dns_suffixes") == 0)
		return parse_suffixes(t, key, value);
	if (strcmp(key, "san_wildcards") == 0)
		return parse_bool(t, key, value, &t->san_wildcards);
	if (strcmp(key, "san_ip") == 0)
		return parse_bool(t, key, value, &t->san_ip);
	return parse_int(t, key, value, 1, 100, &t->san_max);
}

static int
template_set(struct template *t, const char *key, const char *value)
{
	if (strcmp(key, "san_dns_suffixes") == 0 ||
	    strcmp(key, "san_wildcards") == 0 || strcmp(key, "san_ip") == 0 ||
	    strcmp(key, "san_max") == 0)
		return template_set_san(t, key, value);
	if (strcmp(key, "description") == 0)
		return set_string(&t->description, value);
	if (strcmp(key, "extensions") == 0)
		return set_string(&t->extensions, value);
	if (strcmp(key, "child_template") == 0)
		return template_name_check(value) != 0 ?
		    gf_fail(GF_ERR_FORMAT, "%s: child_template: %s", t->path,
		    gf_errmsg(GF_ERR_USAGE)) :
		    set_string(&t->child_template, value);
	if (strcmp(key, "key_type") == 0)
		return key_type_check(value) != 0 ?
		    gf_fail(GF_ERR_FORMAT, "%s: key_type: %s", t->path,
		    gf_errmsg(GF_ERR_USAGE)) : set_string(&t->key_type, value);
	if (strcmp(key, "days") == 0)
		return parse_int(t, key, value, 1, TEMPLATE_MAX_DAYS, &t->days);
	if (strcmp(key, "crl_days") == 0)
		return parse_int(t, key, value, 1, 3660, &t->crl_days);
	if (strcmp(key, "min_rsa_bits") == 0)
		return parse_int(t, key, value, 2048, 16384, &t->min_rsa_bits);
	if (strcmp(key, "ca") == 0)
		return parse_bool(t, key, value, &t->is_ca);
	if (strcmp(key, "eddsa") == 0)
		return parse_bool(t, key, value, &t->allow_eddsa);
	if (strcmp(key, "copy_san") == 0)
		return parse_bool(t, key, value, &t->copy_san);
	if (strcmp(key, "ec_curves") == 0)
		return parse_nids(t, key, value, curve_lookup, t->curves,
		    &t->ncurves);
	if (strcmp(key, "subject_required") == 0)
		return parse_nids(t, key, value, attribute_lookup,
		    t->subject_required, &t->nsubject_required);
	if (strcmp(key, "subject_copy") == 0)
		return parse_nids(t, key, value, attribute_lookup,
		    t->subject_copy, &t->nsubject_copy);
	return gf_fail(GF_ERR_FORMAT, "%s: [%s]: unknown setting '%s'", t->path,
	    TEMPLATE_SECTION, key);
}

static int
template_defaults(struct template *t, const char *name, const char *path)
{
	if ((t->name = strdup(name)) == NULL || (t->path = strdup(path)) == NULL ||
	    (t->key_type = strdup("ec:P-256")) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	t->min_rsa_bits = 2048;
	t->allow_eddsa = 1;
	t->san_wildcards = 1;
	t->san_ip = 1;
	t->crl_days = 7;
	t->curves[0] = NID_X9_62_prime256v1;
	t->curves[1] = NID_secp384r1;
	t->curves[2] = NID_secp521r1;
	t->ncurves = 3;
	t->subject_required[0] = NID_commonName;
	t->nsubject_required = 1;
	return 0;
}

static int
template_parse(struct template *t)
{
	STACK_OF(CONF_VALUE) *section;
	CONF_VALUE *v;
	unsigned char *data;
	size_t len;
	BIO *bio;
	long errline = -1;
	int i, r, ok;

	if ((t->conf = NCONF_new(NULL)) == NULL)
		return gf_fail_crypto("template");
	/*
	 * Read as any input file (a regular file, bounded): a FIFO or a
	 * device named like a template must not block or feed us forever.
	 */
	if ((r = file_read(t->path, TEMPLATE_FILE_MAX, &data, &len)) != 0)
		return gf_fail(r, "%s: %s", t->path, gf_errmsg(r));
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		free(data);
		return gf_fail_crypto("template");
	}
	ok = NCONF_load_bio(t->conf, bio, &errline) > 0;
	BIO_free(bio);
	free(data);
	if (!ok) {
		gf_errclear();
		if (errline > 0)
			return gf_fail(GF_ERR_FORMAT, "%s: syntax error on line "
			    "%ld", t->path, errline);
		return gf_fail(GF_ERR_FORMAT, "%s: cannot parse", t->path);
	}
	if ((section = NCONF_get_section(t->conf, TEMPLATE_SECTION)) == NULL) {
		gf_errclear();
		return gf_fail(GF_ERR_FORMAT, "%s: no [%s] section", t->path,
		    TEMPLATE_SECTION);
	}
	for (i = 0; i < sk_CONF_VALUE_num(section); i++) {
		v = sk_CONF_VALUE_value(section, i);
		if ((r = template_set(t, v->name, v->value)) != 0)
			return r;
	}
	if (t->days == 0)
		return gf_fail(GF_ERR_FORMAT, "%s: days is missing", t->path);
	if (t->extensions == NULL ||
	    NCONF_get_section(t->conf, t->extensions) == NULL) {
		gf_errclear();
		return gf_fail(GF_ERR_FORMAT, "%s: extensions must name a "
		    "section of the file", t->path);
	}
	return 0;
}

int
template_load(const char *name, const char *const *dirs, struct template **out)
{
	struct template *t = NULL;
	char *file = NULL, *path = NULL;
	size_t i;
	int r;

	if ((r = template_name_check(name)) != 0)
		return r;
	if (asprintf(&file, "%s.cnf", name) == -1)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; dirs[i] != NULL && path == NULL; i++) {
		if ((path = file_join(dirs[i], file)) == NULL) {
			r = gf_fail(GF_ERR_ALLOC, "out of memory");
			goto out;
		}
		if (!file_exists(path)) {
			free(path);
			path = NULL;
		}
	}
	if (path == NULL) {
		r = gf_fail(GF_ERR_NOT_FOUND, "template '%s' not found (looked "
		    "in --templates, $GENFIC_CA_TEMPLATES, the store's "
		    "templates/ and %s)", name, GF_TEMPLATE_DIR);
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = template_defaults(t, name, path)) != 0 ||
	    (r = template_parse(t)) != 0)
		goto out;
	*out = t;
	t = NULL;
 out:
	template_free(t);
	free(file);
	free(path);
	return r;
}

/*
 * Extensions whose value depends on the issuer and the configuration
 * only.  Any other (the subject key identifier, names that may copy the
 * subject's e-mail, extensions OpenSSL does not know) is made for each
 * certificate.
 */
static int
template_line_fixed(const char *name)
{
	static const int fixed[] = {
		NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
		NID_authority_key_identifier, NID_crl_distribution_points,
		NID_info_access, NID_certificate_policies,
		NID_name_constraints, NID_policy_constraints,
		NID_inhibit_any_policy, NID_netscape_comment,
		NID_netscape_cert_type,
	};
	int nid = OBJ_sn2nid(name);
	size_t i;

	if (nid == NID_undef)
		nid = OBJ_ln2nid(name);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (nid == fixed[i])
			return 1;
	return 0;
}

int
template_prepare(struct template *t, X509 *issuer)
{
	STACK_OF(CONF_VALUE) *section;
	X509V3_CTX ctx;
	CONF_VALUE *v;
	int i, n;

	template_unprepare(t);
	if ((section = NCONF_get_section(t->conf, t->extensions)) == NULL)
		return gf_fail(GF_ERR_FORMAT, "%s: no section [%s]", t->path,
		    t->extensions);
	n = sk_CONF_VALUE_num(section);
	if ((t->lines = calloc((size_t)n + 1, sizeof(*t->lines))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	/* No subject: a line that needs one fails here, not later. */
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, t->conf);
	for (i = 0; i < n; i++) {
		v = sk_CONF_VALUE_value(section, i);
		t->lines[i].value = v;
		t->nlines++;
		if (template_line_fixed(v->name) &&
		    (t->lines[i].made = X509V3_EXT_nconf(t->conf, &ctx,
		    v->name, v->value)) == NULL) {
			template_unprepare(t);
			return gf_fail_crypto("%s: section [%s]", t->path,
			    t->extensions);
		}
	}
	t->prepared_for = issuer;
	return 0;
}

static int
template_apply_prepared(const struct template *t, X509 *issuer, X509 *cert)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	const CONF_VALUE *v;
	size_t i;
	int ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, t->conf);
	for (i = 0; i < t->nlines; i++) {
		if (t->lines[i].made != NULL) {
			if (!X509_add_ext(cert, t->lines[i].made, -1))
				return gf_fail_crypto("%s: section [%s]",
				    t->path, t->extensions);
			continue;
		}
		v = t->lines[i].value;
		if ((ext = X509V3_EXT_nconf(t->conf, &ctx, v->name,
		    v->value)) == NULL)
			return gf_fail_crypto("%s: section [%s]", t->path,
			    t->extensions);
		ok = X509_add_ext(cert, ext, -1);
		X509_EXTENSION_free(ext);
		if (!ok)
			return gf_fail_crypto("%s: section [%s]", t->path,
			    t->extensions);
	}
	return 0;
}

int
template_apply(const struct template *t, X509 *issuer, X509 *cert)
{
	X509V3_CTX ctx;

	if (t->prepared_for != NULL && t->prepared_for == issuer)
		return template_apply_prepared(t, issuer, cert);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, t->conf);
	if (!X509V3_EXT_add_nconf(t->conf, &ctx, t->extensions, cert))
		return gf_fail_crypto("%s: section [%s]", t->path,
		    t->extensions);
	return 0;
}
