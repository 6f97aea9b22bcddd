/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a request must be before it is answered (RFC 9112).  A cache or a
 * proxy in front of us frames requests by its own reading of the headers;
 * any header that two readers could frame differently (two lengths, a
 * length and a chunked coding, a coding we do not know, a field name with
 * a space before its colon) is refused, and the connection closed, so that
 * nothing after it is ever read as a request.
 *
 * The refusal is written to the socket here rather than queued: a request
 * that nearly filled libmicrohttpd's memory pool leaves no room there for
 * the headers of an answer (0.9.75 then closes without one), and the
 * connection is closed right after anyway.
 */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "ocspd-local.h"

#define REFUSAL_MAX	512
#define DRAIN_MAX	(64 * 1024)	/* read before closing, against a reset */

struct fields {
	size_t		 n;
	int		 bad_name;
	int		 n_length;
	int		 n_coding;
	int		 n_host;
	const char	*length;
	const char	*coding;
};

/* RFC 9110 5.6.2: tchar. */
static int
is_token(const char *s)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return 0;
	return 1;
}

static enum MHD_Result
field(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
	struct fields *f = cls;

	(void)kind;
	f->n++;
	if (!is_token(name))
		f->bad_name = 1;
	else if (strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->n_length++;
		f->length = value;
	} else if (strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->n_coding++;
		f->coding = value;
	} else if (strcasecmp(name, MHD_HTTP_HEADER_HOST) == 0)
		f->n_host++;
	return MHD_YES;
}

static int
is_zero(const char *s)
{
	return s[0] != '\0' && s[strspn(s, "0")] == '\0';
}

/* The framing: RFC 9112 6.1, 6.3 and 3.2. */
static unsigned int
framing(const struct fields *f, const char *method, const char *version,
    const char **why)
{
	int bodyless, http10;

	bodyless = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	http10 = strcmp(version, MHD_HTTP_VERSION_1_0) == 0 ||
	    version[0] == '\0';
	if (f->bad_name)
		*why = "malformed field name (RFC 9112 5.1)";
	else if (f->n_length > 1)
		*why = "more than one Content-Length (RFC 9112 6.3)";
	else if (f->n_coding > 1 || (f->n_coding == 1 &&
	    strcasecmp(f->coding, "chunked") != 0))
		*why = "Transfer-Encoding other than chunked (RFC 9112 6.1)";
	else if (f->n_coding == 1 && f->n_length == 1)
		*why = "Transfer-Encoding with Content-Length (RFC 9112 6.3)";
	else if (f->n_coding == 1 && http10)
		*why = "Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1)";
	else if (!http10 && f->n_host != 1)
		*why = "HTTP/1.1 needs one Host (RFC 9112 3.2)";
	else if (bodyless && (f->n_coding == 1 ||
	    (f->n_length == 1 && !is_zero(f->length))))
		*why = "a GET has no body (RFC 6960 A.1)";
	else
		return 0;
	return MHD_HTTP_BAD_REQUEST;
}

unsigned int
http_guard_check(struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char **why)
{
	const union MHD_ConnectionInfo *ci;
	struct fields f;

	memset(&f, 0, sizeof(f));
	MHD_get_connection_values(c, MHD_HEADER_KIND, field, &f);
	if (strlen(url) > OCSPD_MAX_URL) {
		*why = "request path too long";
		return MHD_HTTP_URI_TOO_LONG;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if ((ci != NULL && ci->header_size > OCSPD_MAX_HEADER) ||
	    f.n > OCSPD_MAX_FIELDS) {
		*why = "request header too large";
		return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
	}
	return framing(&f, method, version, why);
}

void
http_guard_refuse(struct MHD_Connection *c, const char *method,
    unsigned int code, const char *why)
{
	const union MHD_ConnectionInfo *ci;
	char buf[REFUSAL_MAX], date[OCSPD_HTTP_DATE_LEN], scratch[4096];
	const char *reason;
	size_t total = 0;
	ssize_t n;
	int len, fd;

	if ((ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
		return;
	fd = ci->connect_fd;
	if ((reason = MHD_get_reason_phrase_for(code)) == NULL)
		reason = "";
	http_date(time(NULL), date);
	len = snprintf(buf, sizeof(buf), "HTTP/1.1 %u %s\r\n"
	    "Date: %s\r\nConnection: close\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n\r\n%s\n", code, reason, date,
	    strlen(why) + 1, strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ?
	    "" : why);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return;
	if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		len -= 1;	/* the "\n" of the empty body */
	(void)send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	/* What is already here: closing over unread data sends a reset. */
	while (total < DRAIN_MAX && (n = recv(fd, scratch, sizeof(scratch),
	    MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}
