/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privsep-msg.c: the signing process's reading of what a parser process
 * replies.  A reply is made by the parser's own code (privsep_judge());
 * then every truncation, every flipped byte and a catalogue of lies must
 * be refused or read within bounds (ASan watches), never believed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "genfic/err.h"
#include "genfic/privsep.h"
#include "genfic/request.h"
#include "genfic/template.h"

#include "test.h"

static struct template *tmpl;
static unsigned char *csr_der;
static int csr_len;

/*
 * A P-256 request for CN=www.example.org, O=Example (in that order, which
 * the template turns round), DNS:www.example.org.
 */
static int
make_csr(void)
{
	X509_REQ *req = X509_REQ_new();
	EVP_PKEY *key = EVP_EC_gen("P-256");
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *ext;
	int ok;

	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    "DNS:www.example.org");
	ok = req != NULL && key != NULL && exts != NULL && ext != NULL &&
	    sk_X509_EXTENSION_push(exts, ext) &&
	    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
	    MBSTRING_UTF8, (const unsigned char *)"www.example.org", -1, -1,
	    0) == 1 && X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req),
	    "O", MBSTRING_UTF8, (const unsigned char *)"Example", -1, -1,
	    0) == 1 && X509_REQ_add_extensions(req, exts) == 1 &&
	    X509_REQ_set_pubkey(req, key) == 1 &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0 &&
	    (csr_len = i2d_X509_REQ(req, &csr_der)) > 0;
	if (!ok || ext == NULL)
		X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	return ok ? 0 : -1;
}

static int
privsep_init(void)
{
	const char *dirs[2] = { test_templates_dir(), NULL };

	if (dirs[0] == NULL || template_load("system", dirs, &tmpl) != 0)
		return -1;
	return make_csr();
}

static int
privsep_cleanup(void)
{
	template_free(tmpl);
	OPENSSL_free(csr_der);
	return 0;
}

static void
rules_of(struct request_rules *rules)
{
	memset(rules, 0, sizeof(*rules));
	rules->tmpl = tmpl;
}

/* The parser's message for data: its body (after the length) in *msg. */
static void
parser_reply(const unsigned char *data, size_t len, struct privsep_buf *msg)
{
	struct request_rules rules;

	rules_of(&rules);
	CU_ASSERT_FATAL(privsep_frame_begin(msg) == 0);
	CU_ASSERT_FATAL(privsep_judge(&rules, data, len, msg) == 0);
	privsep_frame_end(msg, 1);
	/* The body, as read_message() hands it over. */
	memmove(msg->data, msg->data + 4, msg->len - 4);
	msg->len -= 4;
}

/*
 * The request's own subject crosses (its bytes as they came), and the
 * signing process's judgement makes of it what request_check() makes: the
 * template applied once, there.
 */
static void
test_round_trip(void)
{
	struct privsep_buf msg = { 0 };
	struct privsep_reply reply;
	struct request_rules rules;
	struct request *req = NULL, *here = NULL;
	unsigned char *der = NULL;
	int len;

	parser_reply(csr_der, (size_t)csr_len, &msg);
	CU_ASSERT_FATAL(privsep_get_replies(msg.data, msg.len, 1, &reply) == 0);
	CU_ASSERT_EQUAL(reply.all.refused, 0);
	CU_ASSERT(reply.all.n >= 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reply.made.spki);
	CU_ASSERT_PTR_NOT_NULL(reply.made.pkey);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reply.made.subject);
	CU_ASSERT_EQUAL(sk_GENERAL_NAME_num(reply.made.san), 1);
	len = i2d_X509_NAME(reply.made.subject, &der);
	CU_ASSERT(len > 0 && memmem(csr_der, (size_t)csr_len, der,
	    (size_t)len) != NULL);
	OPENSSL_free(der);
	/* Judged again, as the signing process does. */
	rules_of(&rules);
	CU_ASSERT_EQUAL_FATAL(request_check(&rules, csr_der, (size_t)csr_len,
	    &here, NULL), 0);
	CU_ASSERT_EQUAL(request_check_parsed(&rules, &reply.made, &req), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL(X509_NAME_cmp(req->subject, here->subject), 0);
	CU_ASSERT_EQUAL(X509_NAME_get_index_by_NID(req->subject,
	    NID_organizationName, -1), 0);
	request_free(req);
	request_free(here);
	privsep_reply_clear(&reply);
	privsep_buf_clear(&msg);
}

/* A refusal crosses with its verdict and message. */
static void
test_refusal(void)
{
	static const unsigned char junk[] = "not a request";
	struct privsep_buf msg = { 0 };
	struct privsep_reply reply;

	parser_reply(junk, sizeof(junk) - 1, &msg);
	CU_ASSERT_FATAL(privsep_get_replies(msg.data, msg.len, 1, &reply) == 0);
	CU_ASSERT_EQUAL(reply.all.refused, GF_ERR_FORMAT);
	CU_ASSERT_EQUAL(reply.all.n, 1);
	CU_ASSERT_STRING_EQUAL(reply.all.v[0].check, "parse");
	CU_ASSERT_PTR_NOT_NULL(reply.all.v[0].why);
	CU_ASSERT_PTR_NULL(reply.made.spki);
	privsep_reply_clear(&reply);
	privsep_buf_clear(&msg);
}

/* Every shorter message is refused; every flipped byte read in bounds. */
static void
test_mutations(void)
{
	struct privsep_buf msg = { 0 };
	struct privsep_reply reply;
	unsigned char *copy;
	size_t i;

	parser_reply(csr_der, (size_t)csr_len, &msg);
	for (i = 0; i < msg.len; i++) {
		/* Exactly i bytes, in a buffer of their own: ASan sees over-reads. */
		copy = malloc(i > 0 ? i : 1);
		CU_ASSERT_FATAL(copy != NULL);
		memcpy(copy, msg.data, i);
		CU_ASSERT_NOT_EQUAL(privsep_get_replies(copy, i, 1, &reply),
		    0);
		free(copy);
	}
	for (i = 0; i < msg.len; i++) {
		msg.data[i] ^= 0xff;
		if (privsep_get_replies(msg.data, msg.len, 1, &reply) == 0)
			privsep_reply_clear(&reply);
		msg.data[i] ^= 0xff;
	}
	gf_errclear();
	privsep_buf_clear(&msg);
}

/* Reply msg of len bytes is refused, and the message says why. */
static void
check_lie(const unsigned char *msg, size_t len, const char *why)
{
	struct privsep_reply reply;
	int r;

	gf_errclear();
	r = privsep_get_replies(msg, len, 1, &reply);
	CU_ASSERT_EQUAL(r, GF_ERR_FORMAT);
	if (r == 0)
		privsep_reply_clear(&reply);
	else
		CU_ASSERT_PTR_NOT_NULL(strstr(gf_errmsg(r), why));
}

/* Lies a compromised parser may tell: each refused, for what it is. */
static void
test_lies(void)
{
	static const unsigned char two_for_one[] = { 0, 0, 0, 2 };
	static const unsigned char huge_blob[] = { 0, 0, 0, 1, 0, 0, 0, 0,
	    0, 0xff, 0xff, 0xff, 0xff };
	/* Accepted (code 0), no verdict, and no key nor subject. */
	static const unsigned char keyless[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* Refused (-5) without a refused verdict. */
	static const unsigned char silent[] = { 0, 0, 0, 1, 0xff, 0xff, 0xff,
	    0xfb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* One verdict of an unknown check (200). */
	static const unsigned char unknown[] = { 0, 0, 0, 1, 0, 0, 0, 0, 1,
	    200, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* An unknown code (-1000) in a refused verdict. */
	static const unsigned char code[] = { 0, 0, 0, 1, 0xff, 0xff, 0xfc,
	    0x18, 1, 0, 1, 0xff, 0xff, 0xfc, 0x18, 0, 0, 0, 0 };
	struct privsep_buf msg = { 0 };

	check_lie(two_for_one, sizeof(two_for_one), "replies to");
	check_lie(huge_blob, sizeof(huge_blob), "beyond its bound");
	check_lie(keyless, sizeof(keyless), "without its key or subject");
	check_lie(silent, sizeof(silent), "a refusal without its verdict");
	check_lie(unknown, sizeof(unknown), "a verdict that is none");
	check_lie(code, sizeof(code), "an unknown code");
	/* A byte more than the reply: trailing data. */
	parser_reply(csr_der, (size_t)csr_len, &msg);
	msg.data[msg.len++] = 0;
	check_lie(msg.data, msg.len, "trailing bytes");
	privsep_buf_clear(&msg);
	gf_errclear();
}

/* The parser's side bounds the batch too. */
static void
test_requests(void)
{
	const unsigned char *data[PRIVSEP_BATCH];
	const unsigned char *in[2] = { csr_der, csr_der };
	size_t len[PRIVSEP_BATCH], inlen[2] = { (size_t)csr_len, 3 }, n = 0;
	struct privsep_buf msg = { 0 };

	CU_ASSERT_FATAL(privsep_put_requests(&msg, in, inlen, 2) == 0);
	CU_ASSERT_EQUAL(privsep_get_requests(msg.data + 4, msg.len - 4, data,
	    len, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(len[1], 3);
	CU_ASSERT(memcmp(data[0], csr_der, (size_t)csr_len) == 0);
	/* More requests than a batch holds. */
	msg.data[4] = 0x7f;
	CU_ASSERT_NOT_EQUAL(privsep_get_requests(msg.data + 4, msg.len - 4,
	    data, len, &n), 0);
	privsep_buf_clear(&msg);
	gf_errclear();
}

int
test_privsep_register(void)
{
	CU_pSuite s = CU_add_suite("privsep", privsep_init, privsep_cleanup);

	if (s == NULL ||
	    CU_add_test(s, "a parser's reply, read and judged again",
	    test_round_trip) == NULL ||
	    CU_add_test(s, "a refusal and its verdict", test_refusal) == NULL ||
	    CU_add_test(s, "truncated and flipped replies", test_mutations) ==
	    NULL ||
	    CU_add_test(s, "a compromised parser's lies", test_lies) == NULL ||
	    CU_add_test(s, "the batch of requests", test_requests) == NULL)
		return -1;
	return 0;
}
