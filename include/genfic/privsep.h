/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Privilege separation for hostile input: certificate requests are parsed,
 * verified and judged (request_check()) only in parser processes forked
 * before the CA key is loaded, which hold no store handle and no file
 * descriptor but their socket, and are sandboxed (privsep_sandbox()).  Only
 * the checked fields cross back, and the process that signs parses them
 * again with bounds and judges them again (request_check_parsed()): a
 * parser is assumed compromised.  docs/security.md has the whole argument.
 */
#ifndef GENFIC_PRIVSEP_H
#define GENFIC_PRIVSEP_H

#include <stddef.h>

#include <openssl/x509v3.h>

#include "genfic/file.h"
#include "genfic/request.h"

struct privsep;

/* Requests per message: one round trip for a batch, not for each. */
#define PRIVSEP_BATCH		32
/* The most a reply may say of one request, and its parts. */
#define PRIVSEP_ITEM_MAX	(256 * 1024)
#define PRIVSEP_WHY_MAX		1024

/* What a parser says of one request, parsed again by the caller. */
struct privsep_reply {
	/* Every verdict of the parser (not key-compromise: no store). */
	struct request_verdicts	 all;
	/*
	 * What would be issued: the request's key (spki and pkey, or NULL),
	 * its subject as asked (the template is request_check_parsed()'s to
	 * apply), the certificate's names, the owner the request names;
	 * spki_hash is not the parser's to say.
	 */
	struct request		 made;
};

void	privsep_reply_clear(struct privsep_reply *reply);

/*
 * Forks n parser processes that judge requests by rules (not rules->st
 * nor rules->seen: they have no store); call it before any CA key or
 * passphrase is in memory, and before any thread is started.
 */
int	privsep_start(const struct request_rules *rules, size_t n,
	    struct privsep **ps);

/*
 * Has a free parser judge the n (at most PRIVSEP_BATCH) requests data[i]
 * of len[i] bytes: out[i] each.  Any thread.
 * Returns 0, or why the parser failed (it died, or its reply does not
 * parse): out is then empty and that parser is not used again; with no
 * parser left, every call fails.
 */
int	privsep_parse(struct privsep *ps, const unsigned char *const *data,
	    const size_t *len, size_t n, struct privsep_reply *out);

/* Ends the parsers (closing their sockets) and frees ps; NULL is fine. */
void	privsep_stop(struct privsep *ps);

/*
 * The message format (privsep-msg.c), apart so that it is fuzzed and
 * tested without a process.  A message is a u32 length (big-endian), then
 * a u32 count and count items; a request item is a blob (u32 length and
 * its bytes), a reply item is the i32 refusal code, a u8 count of
 * verdicts (each: u8 check, u8 state, i32 code, blob why), then three
 * blobs: the key (SubjectPublicKeyInfo), the request's subject and the
 * certificate's subjectAltName (GeneralNames), DER, each empty when
 * absent, and the owner's address (text, empty for none).
 */
struct privsep_buf {
	unsigned char	*data;
	size_t		 len, cap;
};

void	privsep_buf_clear(struct privsep_buf *b);
/* A message of items: begun (room for its length and count), ended. */
int	privsep_frame_begin(struct privsep_buf *b);
void	privsep_frame_end(struct privsep_buf *b, size_t count);
/* A message body (after its length) is at most this long. */
#define PRIVSEP_REQUESTS_MAX	(PRIVSEP_BATCH * ((size_t)GF_MAX_INPUT_FILE + 4) + 4)
#define PRIVSEP_REPLIES_MAX	(PRIVSEP_BATCH * (size_t)PRIVSEP_ITEM_MAX + 4)
int	privsep_put_requests(struct privsep_buf *b,
	    const unsigned char *const *data, const size_t *len, size_t n);
/* The parser's side: the requests of a message, pointing into it. */
int	privsep_get_requests(const unsigned char *msg, size_t msglen,
	    const unsigned char **data, size_t *len, size_t *n);
/*
 * The parser's work on one request: request_check() with every verdict
 * (--inspect's mode), appended to out as a reply item.
 */
int	privsep_judge(const struct request_rules *rules,
	    const unsigned char *data, size_t len, struct privsep_buf *out);
/* privsep_judge()'s encoding of request_check()'s result. */
int	privsep_put_reply(struct privsep_buf *b, int r,
	    const struct request *req, const struct request_verdicts *all);
/*
 * The caller's side: n replies from a message, checked for bounds and
 * consistency, every DER parsed to its end.  Returns 0, or GF_ERR_FORMAT
 * with every out empty.
 */
int	privsep_get_replies(const unsigned char *msg, size_t msglen, size_t n,
	    struct privsep_reply *out);

/*
 * Drops what a parser does not need: no new privileges, not dumpable, no
 * core, no file to grow, no new descriptor, and where the build has
 * libseccomp a filter that allows only reading and writing the socket
 * (fd) and standard error, memory and time.  Returns 0 or why not.
 */
int	privsep_sandbox(int fd);

/*
 * The seccomp filter of privsep_sandbox() (privsep-seccomp.c), or nothing
 * (privsep-nofilter.c); privsep_filter_name() says which.
 */
int		 privsep_filter(int fd);
extern const char privsep_filter_name[];

#endif
