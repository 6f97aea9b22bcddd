/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CA keys on PKCS#11 tokens: RFC 7512 URIs parsed by p11-kit, key pairs
 * generated through the module's own C_GenerateKeyPair (libp11 0.4 can
 * only make RSA keys) and destroyed there again when their CA is not
 * recorded (libp11's sessions are read-only), and signing keys from
 * libp11, whose EVP_PKEY
 * sends every private-key operation to the token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ec.h>

#include <libp11.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "genfic/err.h"
#include "genfic/p11.h"
#include "genfic/pass.h"

#define P11_URI_MAX	1024
#define P11_ID_LEN	16

static const char *p11_module_opt;	/* --pkcs11-module */
static PKCS11_CTX *p11_ctx;		/* libp11, once per process */
static PKCS11_SLOT *p11_slots;
static unsigned int p11_nslots;
/* A refused PIN is never tried again in this run: tokens lock. */
static int p11_login_refused;
/* The URI each key of p11_load() came from, in the key's ex_data. */
static int p11_uri_index = -1;

void
p11_set_module(const char *path)
{
	p11_module_opt = path;
}

static const char *
p11_module(void)
{
	const char *env;

	if (p11_module_opt != NULL)
		return p11_module_opt;
	if ((env = getenv("GENFIC_CA_PKCS11_MODULE")) != NULL && *env != '\0')
		return env;
	return GF_P11_PROXY;
}

static int
p11_module_check(void)
{
	const char *path = p11_module();

	if (access(path, R_OK) != 0)
		return gf_fail(GF_ERR_NOT_FOUND, "PKCS#11 module %s: not found "
		    "(--pkcs11-module or $GENFIC_CA_PKCS11_MODULE name "
		    "another)", path);
	return 0;
}

int
p11_is_uri(const char *ref)
{
	return ref != NULL && strncmp(ref, "pkcs11:", 7) == 0;
}

/* The URI's label, as a string; NULL when it has none. */
static char *
p11_uri_label(P11KitUri *u)
{
	CK_ATTRIBUTE *a;
	char *s;

	if ((a = p11_kit_uri_get_attribute(u, CKA_LABEL)) == NULL ||
	    a->ulValueLen == 0 || (s = malloc(a->ulValueLen + 1)) == NULL)
		return NULL;
	memcpy(s, a->pValue, a->ulValueLen);
	s[a->ulValueLen] = '\0';
	return s;
}

static int
p11_uri_parse(const char *uri, P11KitUri **out)
{
	CK_TOKEN_INFO *ti;
	CK_ATTRIBUTE *label, *id;
	P11KitUri *u;
	int r;

	if (strlen(uri) > P11_URI_MAX)
		return gf_fail(GF_ERR_FORMAT, "PKCS#11 URI longer than %d bytes",
		    P11_URI_MAX);
	if ((u = p11_kit_uri_new()) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((r = p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, u)) !=
	    P11_KIT_URI_OK) {
		r = gf_fail(GF_ERR_FORMAT, "%s: not a PKCS#11 URI (RFC 7512): "
		    "%s", uri, p11_kit_uri_message(r));
		goto fail;
	}
	ti = p11_kit_uri_get_token_info(u);
	label = p11_kit_uri_get_attribute(u, CKA_LABEL);
	id = p11_kit_uri_get_attribute(u, CKA_ID);
	if ((ti->label[0] == '\0' && ti->serialNumber[0] == '\0') ||
	    ((label == NULL || label->ulValueLen == 0) &&
	    (id == NULL || id->ulValueLen == 0))) {
		r = gf_fail(GF_ERR_FORMAT, "%s: the URI must name a token "
		    "(token= or serial=) and an object (object= or id=)", uri);
		goto fail;
	}
	*out = u;
	return 0;
 fail:
	p11_kit_uri_free(u);
	return r;
}

/* The file a pin-source names: "file:PATH" or PATH. */
static const char *
p11_pin_path(const char *src)
{
	return strncmp(src, "file:", 5) == 0 ? src + 5 : src;
}

int
p11_uri_check(const char *uri)
{
	const char *src;
	P11KitUri *u;
	int r;

	if ((r = p11_uri_parse(uri, &u)) != 0)
		return r;
	/* The URI is recorded in the store and seen in process lists. */
	if (p11_kit_uri_get_pin_value(u) != NULL)
		r = gf_fail(GF_ERR_POLICY, "%s: pin-value would put the PIN in "
		    "the store and in process lists; give pin-source or "
		    "--passin", uri);
	/* ...and used from whatever directory a later run starts in. */
	else if ((src = p11_kit_uri_get_pin_source(u)) != NULL &&
	    p11_pin_path(src)[0] != '/')
		r = gf_fail(GF_ERR_POLICY, "%s: pin-source=%s: not an absolute "
		    "path; the URI is recorded and read from any directory",
		    uri, src);
	p11_kit_uri_free(u);
	return r != 0 ? r : p11_module_check();
}

int
p11_needs_pin(const char *uri)
{
	P11KitUri *u;
	int needs;

	if (p11_uri_parse(uri, &u) != 0) {
		gf_errclear();
		return 1;
	}
	needs = p11_kit_uri_get_pin_value(u) == NULL &&
	    p11_kit_uri_get_pin_source(u) == NULL;
	p11_kit_uri_free(u);
	return needs;
}

/* The PIN: the URI's pin-value or pin-source, else pin. */
static int
p11_pin(P11KitUri *u, const struct passphrase *pin, struct passphrase *own,
    const char **out)
{
	const char *v, *src;
	char *file;
	int r;

	if ((v = p11_kit_uri_get_pin_value(u)) != NULL) {
		*out = v;
		return 0;
	}
	if ((src = p11_kit_uri_get_pin_source(u)) != NULL) {
		if (asprintf(&file, "file:%s", p11_pin_path(src)) < 0)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
		r = pass_get(file, NULL, 0, 1, own);
		free(file);
		if (r != 0)
			return gf_fail(r, "pin-source: %s", gf_errmsg(r));
		*out = own->text;
		return 0;
	}
	if (pin == NULL || pin->text == NULL)
		return gf_fail(GF_ERR_PASSPHRASE, "the token's PIN is needed "
		    "(--passin, or pin-source in the URI)");
	*out = pin->text;
	return 0;
}

/* The token's PIN flags now (after a refused login), or 0. */
static CK_FLAGS
p11_pin_flags(CK_FUNCTION_LIST *f, CK_SLOT_ID slot)
{
	CK_TOKEN_INFO ti;

	return f->C_GetTokenInfo(slot, &ti) == CKR_OK ? ti.flags : 0;
}

/*
 * The same for a slot of libp11's, through the module itself: libp11's
 * token flags are those of when it listed the slots, one attempt ago.
 */
static CK_FLAGS
p11_slot_pin_flags(PKCS11_SLOT *slot)
{
	CK_FUNCTION_LIST *f;
	CK_FLAGS flags = 0;
	CK_RV rv;

	if ((f = p11_kit_module_load(p11_module(),
	    P11_KIT_MODULE_UNMANAGED)) == NULL)
		return 0;
	rv = f->C_Initialize(NULL);
	if (rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
		flags = p11_pin_flags(f, PKCS11_get_slotid_from_slot(slot));
	if (rv == CKR_OK)
		f->C_Finalize(NULL);
	p11_kit_module_release(f);
	return flags;
}

static int
p11_login_fail(const char *token, int locked, int final_try)
{
	p11_login_refused = 1;
	ERR_clear_error();
	if (locked)
		return gf_fail(GF_ERR_PASSPHRASE, "token %s: the user PIN is "
		    "locked; its security officer must unlock it", token);
	return gf_fail(GF_ERR_PASSPHRASE, "token %s: login refused: wrong "
	    "PIN? (not tried again%s)", token, final_try ?
	    "; one more wrong PIN locks the token" : "");
}

/* C_GenerateKeyPair's templates for type, "rsa:BITS" or "ec:P-NNN". */
struct p11_gen {
	CK_MECHANISM	 mech;
	CK_ULONG	 bits;
	CK_BYTE		 exponent[3];
	unsigned char	*ec_params;	/* DER of the curve's OID */
	int		 ec_params_len;
	CK_BYTE		 id[P11_ID_LEN];
};

static int
p11_gen_type(const char *type, struct p11_gen *g)
{
	ASN1_OBJECT *oid;
	int nid;

	memset(g, 0, sizeof(*g));
	if (strncmp(type, "rsa:", 4) == 0) {
		g->mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		g->bits = strtoul(type + 4, NULL, 10);	/* key_type_check()ed */
		memcpy(g->exponent, "\x01\x00\x01", 3);
	} else if (strncmp(type, "ec:", 3) == 0 &&
	    (nid = EC_curve_nist2nid(type + 3)) != NID_undef &&
	    (oid = OBJ_nid2obj(nid)) != NULL) {
		g->mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		if ((g->ec_params_len = i2d_ASN1_OBJECT(oid,
		    &g->ec_params)) <= 0)
			return gf_fail_crypto("encode curve %s", type + 3);
	} else
		return gf_fail(GF_ERR_USAGE, "%s: keys generated on a token "
		    "are rsa:BITS or ec:P-256/P-384/P-521", type);
	if (RAND_bytes(g->id, sizeof(g->id)) != 1)
		return gf_fail_crypto("random key id");
	return 0;
}

/* The one slot whose token the URI names, through the raw module. */
static int
p11_raw_slot(CK_FUNCTION_LIST *f, P11KitUri *u, const char *uri,
    CK_SLOT_ID *out, CK_TOKEN_INFO *info)
{
	CK_SLOT_ID *slots = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, i, found = 0;
	int r = 0;

	if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK ||
	    (n > 0 && ((slots = calloc(n, sizeof(*slots))) == NULL ||
	    f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)))
		r = gf_fail(GF_ERR_IO, "PKCS#11 module %s: cannot list its "
		    "slots", p11_module());
	for (i = 0; r == 0 && i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !p11_kit_uri_match_token_info(u, &ti))
			continue;
		*out = slots[i];
		*info = ti;
		found++;
	}
	free(slots);
	if (r == 0 && found == 0)
		r = gf_fail(GF_ERR_NOT_FOUND, "%s: no such token in module %s",
		    uri, p11_module());
	else if (r == 0 && found > 1)
		r = gf_fail(GF_ERR_CONFLICT, "%s: %lu tokens match; name one "
		    "(serial=)", uri, (unsigned long)found);
	return r;
}

static int
p11_raw_login(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, P11KitUri *u,
    const CK_TOKEN_INFO *ti, const struct passphrase *pin)
{
	struct passphrase own = { 0 };
	CK_SESSION_INFO si;
	CK_FLAGS flags = 0;
	char token[33];
	const char *p;
	size_t n;
	CK_RV rv;
	int r;

	snprintf(token, sizeof(token), "%.32s", (const char *)ti->label);
	for (n = strlen(token); n > 0 && token[n - 1] == ' '; n--)
		token[n - 1] = '\0';	/* the label's padding */
	if (p11_login_refused)
		return gf_fail(GF_ERR_PASSPHRASE, "token %s: a PIN was "
		    "refused already in this run", token);
	if ((r = p11_pin(u, pin, &own, &p)) != 0)
		return r;
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)p, strlen(p));
	pass_clear(&own);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return 0;
	/* What the attempt left: ti is from before it. */
	if (f->C_GetSessionInfo(s, &si) == CKR_OK)
		flags = p11_pin_flags(f, si.slotID);
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ||
	    rv == CKR_PIN_LEN_RANGE)
		return p11_login_fail(token, rv == CKR_PIN_LOCKED ||
		    (flags & CKF_USER_PIN_LOCKED) != 0,
		    (flags & CKF_USER_PIN_FINAL_TRY) != 0);
	p11_login_refused = 1;
	return gf_fail(GF_ERR_IO, "token %s: login failed (CK_RV 0x%lx)",
	    token, (unsigned long)rv);
}

/*
 * 1 if an object of this label is on the token already, 0 if not, < 0
 * if the token could not be searched.
 */
static int
p11_raw_exists(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *uri,
    const char *label)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0;
	CK_RV rv;

	if ((rv = f->C_FindObjectsInit(s, tmpl, 1)) == CKR_OK) {
		rv = f->C_FindObjects(s, &h, 1, &n);
		f->C_FindObjectsFinal(s);
	}
	if (rv != CKR_OK)
		return gf_fail(GF_ERR_IO, "%s: cannot search the token for "
		    "label %s (CK_RV 0x%lx)", uri, label, (unsigned long)rv);
	return n > 0;
}

static int
p11_raw_generate(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *label,
    struct p11_gen *g)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &no, sizeof(no) },
		{ CKA_WRAP, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, g->id, sizeof(g->id) },
		{ CKA_MODULUS_BITS, &g->bits, sizeof(g->bits) },
		{ CKA_PUBLIC_EXPONENT, g->exponent, sizeof(g->exponent) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		/* A CA key signs, and does nothing else. */
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_DERIVE, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, g->id, sizeof(g->id) },
	};
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;

	if (g->ec_params != NULL) {
		pub[6].type = CKA_EC_PARAMS;
		pub[6].pValue = g->ec_params;
		pub[6].ulValueLen = (CK_ULONG)g->ec_params_len;
	}
	rv = f->C_GenerateKeyPair(s, &g->mech, pub, g->ec_params != NULL ?
	    7 : 8, priv, sizeof(priv) / sizeof(priv[0]), &hpub, &hpriv);
	if (rv != CKR_OK)
		return gf_fail(GF_ERR_IO, "key pair generation on the token "
		    "failed (CK_RV 0x%lx)", (unsigned long)rv);
	return 0;
}

/* An open, logged-in read-write session on the URI's token. */
struct p11_raw {
	CK_FUNCTION_LIST	*f;
	int			 finalize;	/* we initialized the module */
	CK_SESSION_HANDLE	 s;
	int			 open;
};

static int
p11_raw_open(struct p11_raw *raw, P11KitUri *u, const char *uri,
    const struct passphrase *pin)
{
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot = 0;
	CK_RV rv;
	int r;

	memset(raw, 0, sizeof(*raw));
	if ((r = p11_module_check()) != 0)
		return r;
	if ((raw->f = p11_kit_module_load(p11_module(),
	    P11_KIT_MODULE_UNMANAGED)) == NULL)
		return gf_fail(GF_ERR_IO, "PKCS#11 module %s: %s", p11_module(),
		    p11_kit_message());
	rv = raw->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return gf_fail(GF_ERR_IO, "PKCS#11 module %s: initialization "
		    "failed (CK_RV 0x%lx)", p11_module(), (unsigned long)rv);
	raw->finalize = rv == CKR_OK;
	if ((r = p11_raw_slot(raw->f, u, uri, &slot, &ti)) != 0)
		return r;
	if (raw->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, &raw->s) != CKR_OK)
		return gf_fail(GF_ERR_IO, "%s: cannot open a session on the "
		    "token", uri);
	raw->open = 1;
	return p11_raw_login(raw->f, raw->s, u, &ti, pin);
}

static void
p11_raw_close(struct p11_raw *raw)
{
	if (raw->f == NULL)
		return;
	if (raw->open)
		raw->f->C_CloseSession(raw->s);
	if (raw->finalize)
		raw->f->C_Finalize(NULL);
	p11_kit_module_release(raw->f);
	raw->f = NULL;
}

int
p11_generate(const char *uri, const char *type, const struct passphrase *pin)
{
	struct p11_raw raw = { 0 };
	struct p11_gen g;
	P11KitUri *u = NULL;
	char *label = NULL;
	int r;

	memset(&g, 0, sizeof(g));
	if ((r = p11_uri_parse(uri, &u)) != 0 ||
	    (r = p11_gen_type(type, &g)) != 0)
		goto out;
	if ((label = p11_uri_label(u)) == NULL) {
		r = gf_fail(GF_ERR_FORMAT, "%s: a key made on a token needs a "
		    "label (object=)", uri);
		goto out;
	}
	if ((r = p11_raw_open(&raw, u, uri, pin)) != 0)
		goto out;
	if ((r = p11_raw_exists(raw.f, raw.s, uri, label)) > 0)
		r = gf_fail(GF_ERR_EXISTS, "%s: an object labelled %s is on "
		    "the token already; it is never overwritten (--key adopts "
		    "it)", uri, label);
	else if (r == 0)
		r = p11_raw_generate(raw.f, raw.s, label, &g);
 out:
	p11_raw_close(&raw);
	OPENSSL_free(g.ec_params);
	free(label);
	p11_kit_uri_free(u);
	return r;
}

static void
p11_ctx_close(void)
{
	if (p11_slots != NULL)
		PKCS11_release_all_slots(p11_ctx, p11_slots, p11_nslots);
	PKCS11_CTX_unload(p11_ctx);
	PKCS11_CTX_free(p11_ctx);
	p11_ctx = NULL;
}

/*
 * libp11's context and slots, loaded once and kept to the exit: the
 * keys it hands out sign through them.
 */
static int
p11_ctx_open(void)
{
	if (p11_ctx != NULL)
		return 0;
	if (p11_module_check() != 0)
		return GF_ERR_NOT_FOUND;
	if ((p11_ctx = PKCS11_CTX_new()) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (PKCS11_CTX_load(p11_ctx, p11_module()) != 0) {
		ERR_clear_error();
		PKCS11_CTX_free(p11_ctx);
		p11_ctx = NULL;
		return gf_fail(GF_ERR_IO, "PKCS#11 module %s: cannot load it",
		    p11_module());
	}
	atexit(p11_ctx_close);
	if (PKCS11_enumerate_slots(p11_ctx, &p11_slots, &p11_nslots) != 0) {
		ERR_clear_error();
		return gf_fail(GF_ERR_IO, "PKCS#11 module %s: cannot list its "
		    "slots", p11_module());
	}
	return 0;
}

/* libp11 trims the padding the URI match wants back. */
static void
p11_pad(CK_UTF8CHAR *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	memset(dst, ' ', size);
	memcpy(dst, src, n < size ? n : size);
}

static int
p11_slot(P11KitUri *u, const char *uri, PKCS11_SLOT **out)
{
	CK_TOKEN_INFO ti;
	PKCS11_TOKEN *t;
	unsigned int i, found = 0;

	for (i = 0; i < p11_nslots; i++) {
		if ((t = p11_slots[i].token) == NULL || !t->initialized)
			continue;
		memset(&ti, 0, sizeof(ti));
		p11_pad(ti.label, sizeof(ti.label), t->label);
		p11_pad(ti.manufacturerID, sizeof(ti.manufacturerID),
		    t->manufacturer);
		p11_pad(ti.model, sizeof(ti.model), t->model);
		p11_pad(ti.serialNumber, sizeof(ti.serialNumber), t->serialnr);
		if (p11_kit_uri_match_token_info(u, &ti)) {
			*out = &p11_slots[i];
			found++;
		}
	}
	if (found == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "%s: no such token in module "
		    "%s", uri, p11_module());
	if (found > 1)
		return gf_fail(GF_ERR_CONFLICT, "%s: %u tokens match; name one "
		    "(serial=)", uri, found);
	return 0;
}

static int
p11_login(PKCS11_SLOT *slot, P11KitUri *u, const struct passphrase *pin)
{
	struct passphrase own = { 0 };
	PKCS11_TOKEN *t = slot->token;
	CK_FLAGS flags;
	const char *p;
	int in = 0, r;

	if (!t->loginRequired ||
	    (PKCS11_is_logged_in(slot, 0, &in) == 0 && in))
		return 0;
	if (p11_login_refused)
		return gf_fail(GF_ERR_PASSPHRASE, "token %s: a PIN was "
		    "refused already in this run", t->label);
	if (t->userPinLocked)
		return p11_login_fail(t->label, 1, 0);
	if ((r = p11_pin(u, pin, &own, &p)) != 0)
		return r;
	r = PKCS11_login(slot, 0, p);
	pass_clear(&own);
	if (r != 0) {
		flags = p11_slot_pin_flags(slot);
		return p11_login_fail(t->label, (flags & CKF_USER_PIN_LOCKED) !=
		    0, (flags & CKF_USER_PIN_FINAL_TRY) != 0);
	}
	return 0;
}

static int
p11_key_match(const PKCS11_KEY *k, const CK_ATTRIBUTE *label,
    const CK_ATTRIBUTE *id)
{
	if (label != NULL && (k->label == NULL ||
	    strlen(k->label) != label->ulValueLen ||
	    memcmp(k->label, label->pValue, label->ulValueLen) != 0))
		return 0;
	if (id != NULL && (k->id_len != id->ulValueLen ||
	    memcmp(k->id, id->pValue, id->ulValueLen) != 0))
		return 0;
	return 1;
}

/* The one private key of the token the URI names. */
static int
p11_find_key(PKCS11_SLOT *slot, P11KitUri *u, const char *uri,
    PKCS11_KEY **out)
{
	const CK_ATTRIBUTE *label, *id;
	PKCS11_KEY *keys;
	unsigned int n, i, found = 0;

	label = p11_kit_uri_get_attribute(u, CKA_LABEL);
	id = p11_kit_uri_get_attribute(u, CKA_ID);
	if (PKCS11_enumerate_keys(slot->token, &keys, &n) != 0) {
		ERR_clear_error();
		return gf_fail(GF_ERR_IO, "%s: cannot list the token's keys",
		    uri);
	}
	for (i = 0; i < n; i++)
		if (p11_key_match(&keys[i], label, id)) {
			*out = &keys[i];
			found++;
		}
	if (found == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "%s: no such private key on "
		    "the token", uri);
	if (found > 1)
		return gf_fail(GF_ERR_CONFLICT, "%s: %u private keys match; name "
		    "one (id=)", uri, found);
	return 0;
}

static void
p11_uri_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/* The URI, without its query (pin-source, pin-value), kept with pkey. */
static int
p11_key_name(EVP_PKEY *pkey, const char *uri)
{
	char *name;

	if (p11_uri_index < 0 && (p11_uri_index = EVP_PKEY_get_ex_new_index(0,
	    NULL, NULL, NULL, p11_uri_free)) < 0)
		return gf_fail_crypto("key ex_data");
	if ((name = strndup(uri, strcspn(uri, "?"))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (!EVP_PKEY_set_ex_data(pkey, p11_uri_index, name)) {
		free(name);
		return gf_fail_crypto("key ex_data");
	}
	return 0;
}

/* What a token answers once it is pulled out. */
static int
p11_rv_gone(unsigned long rv)
{
	return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	    rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED;
}

int
p11_sign_gone(const EVP_PKEY *key)
{
	const char *name;
	unsigned long first = ERR_peek_error(), last = ERR_peek_last_error();
	int lib = ERR_get_CKR_code();

	if (p11_uri_index < 0 || (name = EVP_PKEY_get_ex_data(key,
	    p11_uri_index)) == NULL)
		return 0;
	/*
	 * libp11 reports a module's CK_RV as the reason of its library,
	 * first; OpenSSL's own errors follow it.
	 */
	if ((ERR_GET_LIB(first) == lib && p11_rv_gone(ERR_GET_REASON(first))) ||
	    (ERR_GET_LIB(last) == lib && p11_rv_gone(ERR_GET_REASON(last)))) {
		ERR_clear_error();
		return gf_fail(GF_ERR_KEY_GONE, "%s: token removed (or not "
		    "present)", name);
	}
	return 0;
}

int
p11_load(const char *uri, const struct passphrase *pin, EVP_PKEY **out)
{
	PKCS11_SLOT *slot = NULL;
	PKCS11_KEY *key = NULL;
	EVP_PKEY *pkey;
	P11KitUri *u;
	int r;

	if ((r = p11_uri_parse(uri, &u)) != 0)
		return r;
	if ((r = p11_ctx_open()) == 0 && (r = p11_slot(u, uri, &slot)) == 0 &&
	    (r = p11_login(slot, u, pin)) == 0)
		r = p11_find_key(slot, u, uri, &key);
	p11_kit_uri_free(u);
	if (r != 0)
		return r;
	if ((pkey = PKCS11_get_private_key(key)) == NULL)
		return gf_fail_crypto("%s: cannot use the key", uri);
	if ((r = p11_key_name(pkey, uri)) != 0) {
		EVP_PKEY_free(pkey);
		return r;
	}
	*out = pkey;
	return 0;
}

/*
 * Destroys the objects labelled label: those p11_generate() made, as it
 * refuses a label the token holds already.
 */
static int
p11_raw_destroy(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *label)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h[4];
	CK_ULONG n = 0, i;
	int r = 0;

	if (f->C_FindObjectsInit(s, tmpl, 1) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, h, sizeof(h) / sizeof(h[0]), &n) != CKR_OK)
		r = -1;
	f->C_FindObjectsFinal(s);
	for (i = 0; r == 0 && i < n; i++)
		if (f->C_DestroyObject(s, h[i]) != CKR_OK)
			r = -1;
	return r;
}

/*
 * Through the raw module: libp11's sessions are read-only, and a token
 * refuses C_DestroyObject in one.
 */
void
p11_remove(const char *uri, const struct passphrase *pin)
{
	struct p11_raw raw = { 0 };
	P11KitUri *u = NULL;
	char *label = NULL;
	int r;

	if ((r = p11_uri_parse(uri, &u)) == 0 &&
	    (label = p11_uri_label(u)) != NULL &&
	    (r = p11_raw_open(&raw, u, uri, pin)) == 0)
		r = p11_raw_destroy(raw.f, raw.s, label);
	gf_errclear();
	if (r != 0 || label == NULL)
		gf_warnx("warning: %s: the key pair made for it is still on "
		    "the token; remove it with the token's tools", uri);
	p11_raw_close(&raw);
	free(label);
	p11_kit_uri_free(u);
}
