/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mail intake (intake.h): GMime parses the message, this walks its parts
 * and recognises requests.  A part is a candidate when its type is
 * application/pkcs10 or its name ends in .req, .csr or .pem; a text part
 * is searched for PEM blocks.  Everything else is reported and left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/intake.h"
#include "genfic/owner.h"

/* Room for "part N (escaped name)". */
#define WHERE_MAX	160

struct walk {
	const struct intake_sink *sink;
	size_t		 part;		/* parts seen, for the names */
	int		 r;		/* the sink's failure */
};

/* Multiparts and forwarded messages hold parts; each counts as one. */
static size_t
count_parts(GMimeObject *obj, int depth, int *too_deep)
{
	GMimeMessage *inner;
	size_t n = 1;
	int i;

	if (depth > INTAKE_MAX_DEPTH) {
		*too_deep = 1;
		return n;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		for (i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)) &&
		    n <= INTAKE_MAX_PARTS; i++)
			n += count_parts(g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), depth + 1, too_deep);
	} else if (GMIME_IS_MESSAGE_PART(obj) && (inner =
	    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj))) != NULL &&
	    g_mime_message_get_mime_part(inner) != NULL)
		n += count_parts(g_mime_message_get_mime_part(inner), depth + 1,
		    too_deep);
	return n;
}

static void
ignored(struct walk *w, const char *where, const char *why)
{
	if (w->sink->ignored != NULL)
		w->sink->ignored(w->sink->arg, where, why);
}

/* Hands der on if it is one whole request. */
static void
offer_der(struct walk *w, const unsigned char *der, size_t len,
    const char *where)
{
	const unsigned char *p = der;
	X509_REQ *req;

	if (len > INTAKE_MAX_REQUEST) {
		ignored(w, where, "larger than a request may be (64 KiB)");
		return;
	}
	req = d2i_X509_REQ(NULL, &p, (long)len);
	ERR_clear_error();
	if (req == NULL || p != der + len)
		ignored(w, where, "not a certificate request");
	else if (w->r == 0)
		w->r = w->sink->request(w->sink->arg, der, len, where);
	X509_REQ_free(req);
}

static int
is_request_label(const char *name)
{
	return strcmp(name, "CERTIFICATE REQUEST") == 0 ||
	    strcmp(name, "NEW CERTIFICATE REQUEST") == 0;
}

/* Every PEM block of text: requests offered, other blocks reported. */
static void
scan_pem(struct walk *w, const char *text, size_t len, const char *where)
{
	char *name = NULL, *header = NULL, why[96];
	unsigned char *data = NULL;
	unsigned long e;
	long dlen;
	size_t blocks = 0;
	BIO *bio;

	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		ERR_clear_error();
		ignored(w, where, "out of memory");
		return;
	}
	/* A failed block is consumed: each turn moves on. */
	while (blocks++ < INTAKE_MAX_PARTS) {
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			e = ERR_peek_last_error();
			ERR_clear_error();
			if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break;
			ignored(w, where, "a PEM block that does not decode");
			continue;
		}
		if (is_request_label(name))
			offer_der(w, data, (size_t)dlen, where);
		else {
			snprintf(why, sizeof(why), "a PEM block of another kind "
			    "(%.40s)", name);
			ignored(w, where, why);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	BIO_free(bio);
}

/* A part's content, transfer encoding undone, in a new byte array. */
static GByteArray *
decoded_content(GMimePart *part)
{
	GMimeDataWrapper *content;
	GMimeStream *mem;
	GByteArray *bytes;

	bytes = g_byte_array_new();
	if ((content = g_mime_part_get_content(part)) == NULL)
		return bytes;
	mem = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(content, mem);
	g_object_unref(mem);
	return bytes;
}

static int
has_request_name(const char *name)
{
	static const char *const suffixes[] = { ".req", ".csr", ".pem", NULL };
	size_t i, n, k;

	if (name == NULL)
		return 0;
	n = strlen(name);
	for (i = 0; suffixes[i] != NULL; i++) {
		k = strlen(suffixes[i]);
		if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

/* PEM text starts, after blank space, with its first dash. */
static int
looks_pem(const unsigned char *data, size_t len)
{
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'))
		i++;
	return len - i >= 11 && memcmp(data + i, "-----BEGIN ", 11) == 0;
}

static void
take_leaf(struct walk *w, GMimePart *part, const char *where)
{
	GMimeContentType *ct;
	GByteArray *bytes;
	char *type, why[96];
	int named, typed, text;

	ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	typed = ct != NULL && (g_mime_content_type_is_type(ct, "application",
	    "pkcs10") || g_mime_content_type_is_type(ct, "application",
	    "x-pkcs10"));
	text = ct != NULL && g_mime_content_type_is_type(ct, "text", "*");
	named = has_request_name(g_mime_part_get_filename(part));
	if (!typed && !named && !text) {
		type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
		snprintf(why, sizeof(why), "not a request (%.60s)",
		    type != NULL ? type : "no type");
		g_free(type);
		ignored(w, where, why);
		return;
	}
	bytes = decoded_content(part);
	/* Decoded, a part is no larger than the message it came in. */
	if ((typed || named) && !looks_pem(bytes->data, bytes->len))
		offer_der(w, bytes->data, bytes->len, where);
	else
		scan_pem(w, (const char *)bytes->data, bytes->len, where);
	g_byte_array_unref(bytes);
}

/* "part N" and, escaped, the name the sender gave it. */
static void
part_name(GMimeObject *obj, size_t n, char *where, size_t size)
{
	const char *name = NULL;
	char shown[96];

	if (GMIME_IS_PART(obj))
		name = g_mime_part_get_filename(GMIME_PART(obj));
	if (name == NULL) {
		snprintf(where, size, "part %zu", n);
		return;
	}
	gf_escape(shown, sizeof(shown), name, strlen(name));
	snprintf(where, size, "part %zu (%s)", n, shown);
}

static void
walk_parts(struct walk *w, GMimeObject *obj)
{
	GMimeMessage *inner;
	char where[WHERE_MAX];
	int i;

	part_name(obj, ++w->part, where, sizeof(where));
	if (GMIME_IS_MULTIPART(obj)) {
		for (i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		    i++)
			walk_parts(w, g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i));
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner != NULL && g_mime_message_get_mime_part(inner) != NULL)
			walk_parts(w, g_mime_message_get_mime_part(inner));
	} else if (GMIME_IS_PART(obj))
		take_leaf(w, GMIME_PART(obj), where);
}

/* The first From mailbox, if owner_check() takes it. */
static char *
sender_of(GMimeMessage *msg)
{
	InternetAddressList *from;
	InternetAddress *a;
	const char *addr;
	int i;

	if ((from = g_mime_message_get_from(msg)) == NULL)
		return NULL;
	for (i = 0; i < internet_address_list_length(from); i++) {
		a = internet_address_list_get_address(from, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a));
		if (addr == NULL || owner_check(addr) != 0) {
			gf_errclear();
			return NULL;
		}
		return strdup(addr);
	}
	return NULL;
}

/* GMime's nesting guard tripped: the message is refused. */
static void
parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer arg)
{
	(void)offset;
	(void)item;
	if (code == GMIME_CRIT_NESTING_OVERFLOW)
		*(int *)arg = 1;
}

static GMimeMessage *
parse_message(const char *msg, size_t len, int *overflow)
{
	GMimeParserOptions *options;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;

	options = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(options, parser_warning,
	    overflow);
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, options);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(options);
	return m;
}

static int
check_shape(GMimeMessage *m, int overflow)
{
	GMimeObject *body;
	size_t n;
	int too_deep = overflow;

	if ((body = g_mime_message_get_mime_part(m)) == NULL)
		return gf_fail(GF_ERR_FORMAT, "message without a body");
	n = count_parts(body, 0, &too_deep);
	if (too_deep)
		return gf_fail(GF_ERR_FORMAT, "MIME parts nested more than %d "
		    "deep", INTAKE_MAX_DEPTH);
	if (n > INTAKE_MAX_PARTS)
		return gf_fail(GF_ERR_TOO_LARGE, "more than %d MIME parts",
		    INTAKE_MAX_PARTS);
	return 0;
}

int
intake_parse(const char *msg, size_t len, const struct intake_sink *sink,
    char **sender)
{
	static int initialised;
	struct walk w = { .sink = sink };
	GMimeMessage *m;
	int overflow = 0, r;

	if (sender != NULL)
		*sender = NULL;
	if (len > INTAKE_MAX_MESSAGE)
		return gf_fail(GF_ERR_TOO_LARGE, "message larger than %d bytes",
		    INTAKE_MAX_MESSAGE);
	if (!initialised) {
		g_mime_init();
		initialised = 1;
	}
	if ((m = parse_message(msg, len, &overflow)) == NULL)
		return gf_fail(GF_ERR_FORMAT, "not a mail message");
	if ((r = check_shape(m, overflow)) == 0) {
		if (sender != NULL)
			*sender = sender_of(m);
		walk_parts(&w, g_mime_message_get_mime_part(m));
		r = w.r;
	}
	g_object_unref(m);
	return r;
}
