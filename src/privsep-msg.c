/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The messages between genfic-ca and its request parsers (privsep.h).  The
 * replies come from a process that parsed hostile input: every length is
 * bounded before it is used, every count checked, every DER parsed to its
 * last byte, every verdict one of those request_check() gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "genfic/csr.h"
#include "genfic/err.h"
#include "genfic/owner.h"
#include "genfic/privsep.h"
#include "genfic/request.h"

/* The checks request_check() names, in the order it runs them. */
static const char *const checks[] = {
	"parse", "signature", "extensions", "key", "subject", "subjectAltName",
	"san-limits", "name-constraints", "key-compromise", "validity", NULL
};

void
privsep_buf_clear(struct privsep_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int
buf_room(struct privsep_buf *b, size_t more)
{
	unsigned char *grown;
	size_t cap;

	if (more > SIZE_MAX / 2 - b->len)
		return gf_fail(GF_ERR_TOO_LARGE, "message too large");
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	if ((grown = realloc(b->data, cap)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	b->data = grown;
	b->cap = cap;
	return 0;
}

static void
set_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int
put_u32(struct privsep_buf *b, uint32_t v)
{
	int r;

	if ((r = buf_room(b, 4)) != 0)
		return r;
	set_u32(b->data + b->len, v);
	b->len += 4;
	return 0;
}

static int
put_u8(struct privsep_buf *b, unsigned v)
{
	int r;

	if ((r = buf_room(b, 1)) != 0)
		return r;
	b->data[b->len++] = (unsigned char)v;
	return 0;
}

static int
put_blob(struct privsep_buf *b, const void *data, size_t len)
{
	int r;

	if (len > UINT32_MAX)
		return gf_fail(GF_ERR_TOO_LARGE, "message part too large");
	if ((r = put_u32(b, (uint32_t)len)) != 0 || (r = buf_room(b, len)) != 0)
		return r;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int
privsep_frame_begin(struct privsep_buf *b)
{
	b->len = 0;
	return buf_room(b, 8) == 0 ? (b->len = 8, 0) : GF_ERR_ALLOC;
}

void
privsep_frame_end(struct privsep_buf *b, size_t count)
{
	set_u32(b->data, (uint32_t)(b->len - 4));
	set_u32(b->data + 4, (uint32_t)count);
}

int
privsep_put_requests(struct privsep_buf *b, const unsigned char *const *data,
    const size_t *len, size_t n)
{
	size_t i;
	int r;

	if ((r = privsep_frame_begin(b)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = put_blob(b, data[i], len[i])) != 0)
			return r;
	privsep_frame_end(b, n);
	return 0;
}

/* A reader of a message that may lie: it never reads past its end. */
struct reader {
	const unsigned char	*p;
	size_t			 left;
};

static int
get_u32(struct reader *rd, uint32_t *v)
{
	if (rd->left < 4)
		return gf_fail(GF_ERR_FORMAT, "truncated message");
	*v = (uint32_t)rd->p[0] << 24 | (uint32_t)rd->p[1] << 16 |
	    (uint32_t)rd->p[2] << 8 | rd->p[3];
	rd->p += 4;
	rd->left -= 4;
	return 0;
}

static int
get_u8(struct reader *rd, unsigned *v)
{
	if (rd->left < 1)
		return gf_fail(GF_ERR_FORMAT, "truncated message");
	*v = *rd->p++;
	rd->left--;
	return 0;
}

static int
get_blob(struct reader *rd, size_t max, const unsigned char **data,
    size_t *len)
{
	uint32_t n = 0;
	int r;

	if ((r = get_u32(rd, &n)) != 0)
		return r;
	if (n > max || n > rd->left)
		return gf_fail(GF_ERR_FORMAT, "a part of %lu bytes, beyond its "
		    "bound", (unsigned long)n);
	*data = rd->p;
	*len = n;
	rd->p += n;
	rd->left -= n;
	return 0;
}

static int
get_count(struct reader *rd, size_t max, size_t *n)
{
	uint32_t v = 0;
	int r;

	if ((r = get_u32(rd, &v)) != 0)
		return r;
	if (v > max)
		return gf_fail(GF_ERR_FORMAT, "%lu items, more than %zu",
		    (unsigned long)v, max);
	*n = v;
	return 0;
}

int
privsep_get_requests(const unsigned char *msg, size_t msglen,
    const unsigned char **data, size_t *len, size_t *n)
{
	struct reader rd = { msg, msglen };
	size_t i;
	int r;

	if ((r = get_count(&rd, PRIVSEP_BATCH, n)) != 0)
		return r;
	for (i = 0; i < *n; i++)
		if ((r = get_blob(&rd, GF_MAX_INPUT_FILE, &data[i], &len[i])) != 0)
			return r;
	return rd.left == 0 ? 0 : gf_fail(GF_ERR_FORMAT, "trailing bytes");
}

static int
check_index(const char *check)
{
	int i;

	for (i = 0; checks[i] != NULL; i++)
		if (strcmp(checks[i], check) == 0)
			return i;
	return -1;
}

static int
put_der(struct privsep_buf *b, int (*i2d)(const void *, unsigned char **),
    const void *obj)
{
	unsigned char *der = NULL;
	int len, r;

	if (obj == NULL)
		return put_blob(b, NULL, 0);
	if ((len = i2d(obj, &der)) <= 0)
		return gf_fail_crypto("encode a reply");
	r = put_blob(b, der, (size_t)len);
	OPENSSL_free(der);
	return r;
}

static int
i2d_spki(const void *obj, unsigned char **der)
{
	return i2d_X509_PUBKEY(obj, der);
}

static int
i2d_name(const void *obj, unsigned char **der)
{
	return i2d_X509_NAME(obj, der);
}

static int
i2d_names(const void *obj, unsigned char **der)
{
	return i2d_GENERAL_NAMES(obj, der);
}

static int
put_verdicts(struct privsep_buf *b, const struct request_verdicts *all)
{
	const struct request_verdict *v;
	const char *why;
	size_t i;
	int check, r;

	if ((r = put_u8(b, (unsigned)all->n)) != 0)
		return r;
	for (i = 0; i < all->n; i++) {
		v = &all->v[i];
		if ((check = check_index(v->check)) < 0)
			return gf_fail(GF_ERR_INTERNAL, "unknown check %s",
			    v->check);
		why = v->why != NULL ? v->why : "";
		if ((r = put_u8(b, (unsigned)check)) != 0 ||
		    (r = put_u8(b, (unsigned)v->state)) != 0 ||
		    (r = put_u32(b, (uint32_t)v->r)) != 0 ||
		    (r = put_blob(b, why, strnlen(why, PRIVSEP_WHY_MAX))) != 0)
			return r;
	}
	return 0;
}

/*
 * The request's own subject crosses, not the template's: the signing
 * process applies the template itself, once, and the asked subject's
 * encoding is the request's bytes, not made again.
 */
int
privsep_put_reply(struct privsep_buf *b, int r, const struct request *req,
    const struct request_verdicts *all)
{
	const struct request *made = req != NULL ? req : all->would;
	int e;

	if ((e = put_u32(b, (uint32_t)r)) != 0 ||
	    (e = put_verdicts(b, all)) != 0 ||
	    (e = put_der(b, i2d_spki, made != NULL ? made->spki : NULL)) != 0 ||
	    (e = put_der(b, i2d_name, all->csr != NULL ? all->csr->subject :
	    NULL)) != 0 ||
	    (e = put_der(b, i2d_names, made != NULL ? made->san : NULL)) != 0 ||
	    (e = put_blob(b, made != NULL ? made->owner : NULL, made != NULL &&
	    made->owner != NULL ? strlen(made->owner) : 0)) != 0)
		return e;
	return 0;
}

void
privsep_reply_clear(struct privsep_reply *reply)
{
	request_verdicts_clear(&reply->all);
	request_clear(&reply->made);
	memset(reply, 0, sizeof(*reply));
}

static int
valid_code(int32_t r)
{
	return r <= 0 && r >= GF_ERR_CONFLICT;
}

static int
get_verdict(struct reader *rd, struct request_verdict *v)
{
	const unsigned char *why;
	unsigned check = 0, state = 0;
	uint32_t code = 0;
	size_t len;
	int r;

	if ((r = get_u8(rd, &check)) != 0 || (r = get_u8(rd, &state)) != 0 ||
	    (r = get_u32(rd, &code)) != 0 ||
	    (r = get_blob(rd, PRIVSEP_WHY_MAX, &why, &len)) != 0)
		return r;
	if (check >= sizeof(checks) / sizeof(checks[0]) - 1 ||
	    state > REQUEST_UNCHECKED || !valid_code((int32_t)code) ||
	    (state == REQUEST_REFUSED) != ((int32_t)code != 0) ||
	    memchr(why, '\0', len) != NULL)
		return gf_fail(GF_ERR_FORMAT, "a verdict that is none");
	v->check = checks[check];
	v->state = state;
	v->r = (int32_t)code;
	if (len > 0 && (v->why = strndup((const char *)why, len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	return 0;
}

/* The verdicts, of which a refusal's code is the first refused one's. */
static int
get_verdicts(struct reader *rd, int32_t refused, struct request_verdicts *all)
{
	unsigned n = 0;
	size_t i;
	int r;

	if ((r = get_u8(rd, &n)) != 0)
		return r;
	if (n > REQUEST_CHECKS_MAX)
		return gf_fail(GF_ERR_FORMAT, "%u verdicts", n);
	for (i = 0; i < n; i++) {
		if ((r = get_verdict(rd, &all->v[i])) != 0)
			return r;
		all->n++;
		if (all->v[i].state == REQUEST_REFUSED && all->refused == 0)
			all->refused = all->v[i].r;
	}
	if (all->refused != refused)
		return gf_fail(GF_ERR_FORMAT, "a refusal without its verdict");
	return 0;
}

/* A DER blob of item it, parsed to its end; empty, *out stays NULL. */
static int
get_item(struct reader *rd, const ASN1_ITEM *it, ASN1_VALUE **out,
    const char *why)
{
	const unsigned char *der, *p;
	size_t len;
	int r;

	if ((r = get_blob(rd, PRIVSEP_ITEM_MAX, &der, &len)) != 0 || len == 0)
		return r;
	p = der;
	if ((*out = ASN1_item_d2i(NULL, &p, (long)len, it)) == NULL ||
	    p != der + len)
		return gf_fail(GF_ERR_FORMAT, "%s", why);
	return 0;
}

static int
get_name(struct reader *rd, X509_NAME **name)
{
	return get_item(rd, ASN1_ITEM_rptr(X509_NAME), (ASN1_VALUE **)name,
	    "a name that does not parse");
}

static int
get_names(struct reader *rd, GENERAL_NAMES **san)
{
	return get_item(rd, ASN1_ITEM_rptr(GENERAL_NAMES), (ASN1_VALUE **)san,
	    "names that do not parse");
}

static int
get_spki(struct reader *rd, struct privsep_reply *out)
{
	const unsigned char *der;
	size_t len;
	int r;

	if ((r = get_blob(rd, PRIVSEP_ITEM_MAX, &der, &len)) != 0 || len == 0)
		return r;
	if (csr_spki_parse(der, len, &out->made.spki, &out->made.pkey) != 0)
		return gf_fail(GF_ERR_FORMAT, "a key that does not parse");
	return 0;
}

/* The owner's address, which owner_check() must like as it did there. */
static int
get_owner(struct reader *rd, char **owner)
{
	const unsigned char *text;
	size_t len;
	int r;

	if ((r = get_blob(rd, OWNER_MAX, &text, &len)) != 0 || len == 0)
		return r;
	if (memchr(text, '\0', len) != NULL)
		return gf_fail(GF_ERR_FORMAT, "an owner with a NUL byte");
	if ((*owner = strndup((const char *)text, len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (owner_check(*owner) != 0) {
		gf_errclear();
		return gf_fail(GF_ERR_FORMAT, "an owner that is no address");
	}
	return 0;
}

static int
get_reply(struct reader *rd, struct privsep_reply *out)
{
	uint32_t code = 0;
	int r;

	if ((r = get_u32(rd, &code)) != 0)
		return r;
	if (!valid_code((int32_t)code))
		return gf_fail(GF_ERR_FORMAT, "an unknown code");
	if ((r = get_verdicts(rd, (int32_t)code, &out->all)) != 0 ||
	    (r = get_spki(rd, out)) != 0 ||
	    (r = get_name(rd, &out->made.subject)) != 0 ||
	    (r = get_names(rd, &out->made.san)) != 0 ||
	    (r = get_owner(rd, &out->made.owner)) != 0)
		return r;
	/* What is signed is never less than a key and a subject. */
	if (code == 0 && (out->made.spki == NULL || out->made.subject == NULL))
		return gf_fail(GF_ERR_FORMAT, "an accepted request without its "
		    "key or subject");
	return 0;
}

int
privsep_get_replies(const unsigned char *msg, size_t msglen, size_t n,
    struct privsep_reply *out)
{
	struct reader rd = { msg, msglen };
	size_t i, count = 0;
	int r;

	memset(out, 0, n * sizeof(*out));
	if ((r = get_count(&rd, PRIVSEP_BATCH, &count)) == 0 && count != n)
		r = gf_fail(GF_ERR_FORMAT, "%zu replies to %zu requests", count,
		    n);
	for (i = 0; r == 0 && i < n; i++)
		r = get_reply(&rd, &out[i]);
	if (r == 0 && rd.left != 0)
		r = gf_fail(GF_ERR_FORMAT, "trailing bytes");
	if (r != 0)
		for (i = 0; i < n; i++)
			privsep_reply_clear(&out[i]);
	return r;
}
