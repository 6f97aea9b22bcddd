/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP side (RFC 6960 appendix A, RFC 5019/9919): POST with the DER
 * request as body, or GET with it base64- and URL-encoded in the path.
 * Every OCSP answer, error statuses included, is a 200; HTTP errors are
 * only for what is not an OCSP request at all (404, 405, 413, 415), or is
 * framed or sized so that we will not read it (400, 414, 431:
 * http-guard.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "genfic/err.h"
#include "genfic/serial.h"
#include "ocspd-local.h"

#define OCSP_REQUEST_TYPE	"application/ocsp-request"
#define OCSP_RESPONSE_TYPE	"application/ocsp-response"
#define CLIENT_LEN		INET6_ADDRSTRLEN
#define DISCARD_MAX		(64 * OCSPD_MAX_REQUEST)	/* then hang up */
#define STALE_SHARE		10	/* of the time left: stale-while-revalidate */
#define STALE_MAX		3600

/* A POST being received. */
struct http_req {
	struct timespec	 start;
	unsigned char	*body;
	size_t		 len;
	size_t		 cap;
	size_t		 seen;		/* body octets received */
	int		 too_large;
	int		 replied;	/* refused before the body came */
};


size_t
http_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	/* Paths are decoded by http_decode_get(), which knows about '+'. */
	(void)cls;
	(void)c;
	return strlen(s);
}

/* Without the locale's help. */
void
http_date(time_t t, char buf[OCSPD_HTTP_DATE_LEN])
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec" };
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_mday = 1;
		tm.tm_year = 70;
		tm.tm_wday = 4;
	}
	snprintf(buf, OCSPD_HTTP_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* RFC 9110 13.1.2: "*", or a list of entity tags compared weakly. */
static int
etag_match(const char *header, const char *etag)
{
	const char *p = header, *end;
	size_t n = strlen(etag);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return 0;
		if ((end = strchr(p + 1, '"')) == NULL)
			return 0;
		if ((size_t)(end + 1 - p) == n && strncmp(p, etag, n) == 0)
			return 1;
		p = end + 1;
	}
	return 0;
}

static void
client_address(struct MHD_Connection *c, char buf[CLIENT_LEN])
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const void *addr = NULL;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && (sa = ci->client_addr) != NULL) {
		if (sa->sa_family == AF_INET)
			addr = &((const struct sockaddr_in *)sa)->sin_addr;
		else if (sa->sa_family == AF_INET6)
			addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	}
	if (addr == NULL || inet_ntop(sa->sa_family, addr, buf,
	    CLIENT_LEN) == NULL)
		snprintf(buf, CLIENT_LEN, "-");
}

static long
usec_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000000L +
	    (now.tv_nsec - start->tv_nsec) / 1000;
}

static void
log_result(struct ocspd *od, struct MHD_Connection *c, const char *method,
    const struct result *res, int http, const struct timespec *start)
{
	struct log_request lr;
	char client[CLIENT_LEN];

	metrics_count(res->status, res->cache, http);
	if (od->quiet)
		return;
	client_address(c, client);
	lr.client = client;
	lr.method = method;
	lr.ca = res->ca[0] != '\0' ? res->ca : "-";
	lr.serial = res->serial[0] != '\0' ? res->serial : "-";
	lr.more = res->more;
	lr.status = res->status != NULL ? res->status : "-";
	lr.cache = res->cache != NULL ? res->cache : "-";
	lr.http = http;
	lr.usec = usec_since(start);
	logger_request(&lr);
}

static enum MHD_Result
reply_plain(struct ocspd *od, struct MHD_Connection *c, const char *method,
    unsigned int code, const char *text, const struct timespec *start)
{
	struct MHD_Response *resp;
	struct result res;
	enum MHD_Result ret;

	memset(&res, 0, sizeof(res));
	log_result(od, c, method, &res, (int)code, start);
	if ((resp = MHD_create_response_from_buffer(strlen(text),
	    (void *)text, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD, POST");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	conntrack_answered(c);
	return ret;
}

/* Refuses a request whose framing or size we will not read on, and closes. */
static enum MHD_Result
refuse(struct ocspd *od, struct MHD_Connection *c, const char *method,
    unsigned int code, const char *why, const struct timespec *start)
{
	struct result res;

	memset(&res, 0, sizeof(res));
	log_result(od, c, method, &res, (int)code, start);
	http_guard_refuse(c, method, code, why);
	conntrack_answered(c);
	return MHD_NO;
}

void
http_tick(void *arg)
{
	struct ocspd *od = arg;
	struct caset *cs = ocspd_conf_get(od);

	answer_health(&od->rs, cs, time(NULL));
	ocspd_conf_put(od, cs);
}

/* The one OCSP path (answer.c), with the CA set of the moment. */
static void
answer(struct ocspd *od, const unsigned char *der, size_t len,
    struct result *res)
{
	struct caset *cs = ocspd_conf_get(od);

	answer_request(&od->rs, cs, der, len, time(NULL), res);
	ocspd_conf_put(od, cs);
}

/*
 * RFC 5019 6.2.  A cache may keep the answer until max-age or Expires,
 * whichever it reads, and serve it stale while one request fetches the
 * next (RFC 5861 stale-while-revalidate: no herd of requests reaches us
 * when a popular answer expires; nginx also serves it while no responder
 * answers), never longer than it was fresh; all of it ends at nextUpdate
 * or sooner, never later, so that no cache serves an answer that is no
 * longer valid.
 */
static void
cache_headers(struct MHD_Response *resp, struct ocspd *od,
    const struct result *res, time_t now)
{
	char date[OCSPD_HTTP_DATE_LEN], control[128];
	time_t left = res->a.next_update - now, stale, age;

	if (left < 0)
		left = 0;
	stale = left / STALE_SHARE;
	if (stale > STALE_MAX)
		stale = STALE_MAX;
	age = left - stale;
	if (od->max_age > 0 && age > od->max_age)
		age = od->max_age;
	if (stale > age)
		stale = age;	/* never stale longer than fresh */
	http_date(res->a.this_update, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	http_date(now + age, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_EXPIRES, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, res->etag);
	if (stale > 0)
		snprintf(control, sizeof(control), "max-age=%lld, "
		    "stale-while-revalidate=%lld, public, no-transform, "
		    "must-revalidate", (long long)age, (long long)stale);
	else
		snprintf(control, sizeof(control), "max-age=%lld, public, "
		    "no-transform, must-revalidate", (long long)age);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, control);
}

static enum MHD_Result
reply_ocsp(struct ocspd *od, struct MHD_Connection *c, const char *method,
    int is_get, struct result *res, const struct timespec *start)
{
	struct MHD_Response *resp;
	const char *inm;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	int cacheable;

	if (res->a.der == NULL)
		return reply_plain(od, c, method,
		    MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", start);
	cacheable = is_get &&
	    res->a.ocsp_status == OCSP_RESPONSE_STATUS_SUCCESSFUL;
	if (cacheable)
		result_etag(res);	/* before MHD takes the bytes */
	if (cacheable && (inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH)) != NULL &&
	    etag_match(inm, res->etag)) {
		code = MHD_HTTP_NOT_MODIFIED;
		resp = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(res->a.len, res->a.der,
		    MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			res->a.der = NULL;	/* MHD frees it */
	}
	log_result(od, c, method, res, (int)code, start);
	if (resp == NULL)
		return MHD_NO;
	if (code == MHD_HTTP_OK)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    OCSP_RESPONSE_TYPE);
	if (cacheable)
		cache_headers(resp, od, res, time(NULL));
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	conntrack_answered(c);
	return ret;
}

/*
 * GET /health: 200 "ok" while every signer may sign and the database is
 * read, else 503 with the reasons, for a load balancer.
 */
static enum MHD_Result
serve_health(struct ocspd *od, struct MHD_Connection *c, const char *method,
    const struct timespec *start)
{
	struct caset *cs = ocspd_conf_get(od);
	struct MHD_Response *resp;
	struct result res;
	struct snapshot_info si;
	char text[2048];
	size_t n;
	unsigned int code = MHD_HTTP_OK;
	enum MHD_Result ret;

	answer_health(&od->rs, cs, time(NULL));
	if (health_report(cs, text, sizeof(text)) != 0)
		code = MHD_HTTP_SERVICE_UNAVAILABLE;
	if (statusdb_failing(od->sdb)) {
		code = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(text, sizeof(text), "database: %s cannot be read\n",
		    statusdb_path(od->sdb));
	}
	/* The snapshot served still answers right: said, not a 503. */
	statusdb_snapshot(od->sdb, &si);
	if (si.refused_why[0] != '\0' && (n = strlen(text)) < sizeof(text))
		snprintf(text + n, sizeof(text) - n, "snapshot %s\n",
		    si.refused_why);
	ocspd_conf_put(od, cs);
	memset(&res, 0, sizeof(res));
	res.status = code == MHD_HTTP_OK ? "healthy" : "unhealthy";
	log_result(od, c, method, &res, (int)code, start);
	if ((resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_COPY)) == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
serve_get(struct ocspd *od, struct MHD_Connection *c, const char *url,
    const char *method, const struct timespec *start)
{
	struct result res;
	unsigned char *der = NULL;
	size_t plen = strlen(od->prefix), len = 0;
	enum MHD_Result ret;
	int r;

	if (strcmp(url, "/health") == 0)
		return serve_health(od, c, method, start);
	if (strncmp(url, od->prefix, plen) != 0 ||
	    (url[plen] != '/' && url[plen] != '\0'))
		return reply_plain(od, c, method, MHD_HTTP_NOT_FOUND,
		    "not found\n", start);
	memset(&res, 0, sizeof(res));
	if ((r = http_decode_get(url + plen, &der, &len)) == GF_ERR_ALLOC)
		return reply_plain(od, c, method,
		    MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", start);
	if (r != 0) {
		res.status = responder_status_name(
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		if (responder_error(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
		    &res.a) != 0)
			gf_errclear();
	} else
		answer(od, der, len, &res);
	free(der);
	ret = reply_ocsp(od, c, method, 1, &res, start);
	answer_clear(&res.a);
	return ret;
}

/* The media type without parameters, compared case-insensitively. */
static int
type_is(const char *value, const char *type)
{
	size_t n = strlen(type);

	while (*value == ' ' || *value == '\t')
		value++;
	return strncasecmp(value, type, n) == 0 && (value[n] == '\0' ||
	    value[n] == ';' || value[n] == ' ' || value[n] == '\t');
}

/*
 * Whether a body declared too large is refused before it is read.  A client
 * that waits for "100 Continue" gets its 413 at once and sends nothing; one
 * that is already sending would see the connection reset under its upload
 * instead of the 413, so a body up to DISCARD_MAX is read and dropped first.
 */
static int
answers_before_body(struct MHD_Connection *c, unsigned long long length)
{
	const char *expect;

	expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT);
	return length > DISCARD_MAX ||
	    (expect != NULL && strcasecmp(expect, "100-continue") == 0);
}

/* The first call of a POST: refuse early what we will not read. */
static enum MHD_Result
post_begin(struct ocspd *od, struct MHD_Connection *c, struct http_req *hr,
    const char *method)
{
	const char *type, *length;
	unsigned long long n;
	char *end;

	type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	/* RFC 6960 A.1; a POST without Content-Type is given the benefit. */
	if (type != NULL && !type_is(type, OCSP_REQUEST_TYPE)) {
		hr->replied = 1;
		return reply_plain(od, c, method,
		    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be " OCSP_REQUEST_TYPE "\n", &hr->start);
	}
	length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length == NULL)
		return MHD_YES;
	errno = 0;
	n = strtoull(length, &end, 10);
	if (errno != 0 || end == length)
		return MHD_YES;
	if (n > OCSPD_MAX_REQUEST && answers_before_body(c, n)) {
		hr->replied = 1;
		return reply_plain(od, c, method, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request too large\n", &hr->start);
	}
	/* Otherwise post_data() drops what is past the cap, for a 413. */
	if (n > 0 && n <= OCSPD_MAX_REQUEST)
		hr->cap = (size_t)n;
	return MHD_YES;
}

static void
post_data(struct http_req *hr, const char *data, size_t size)
{
	unsigned char *body;
	size_t cap;

	if (hr->too_large)
		return;
	if (size > OCSPD_MAX_REQUEST - hr->len) {
		hr->too_large = 1;
		free(hr->body);
		hr->body = NULL;
		return;
	}
	if (hr->body == NULL || hr->len + size > hr->cap) {
		cap = hr->cap > hr->len + size ? hr->cap : hr->len + size;
		if (hr->body != NULL && cap < 2 * hr->cap)
			cap = 2 * hr->cap;
		if (cap > OCSPD_MAX_REQUEST)
			cap = OCSPD_MAX_REQUEST;
		if ((body = realloc(hr->body, cap)) == NULL) {
			hr->too_large = 1;
			free(hr->body);
			hr->body = NULL;
			return;
		}
		hr->body = body;
		hr->cap = cap;
	}
	memcpy(hr->body + hr->len, data, size);
	hr->len += size;
}

/*
 * The marker of a GET between its two calls: libmicrohttpd closes the
 * connection after a response queued in the first call (with the
 * headers only), so a GET is answered in the second.
 */
static char get_pending;

enum MHD_Result
http_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct ocspd *od = cls;
	struct http_req *hr = *req_cls;
	struct timespec start;
	struct result res;
	const char *why;
	enum MHD_Result ret;
	unsigned int code;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (hr == NULL) {
		if ((code = http_guard_check(c, url, method, version,
		    &why)) != 0)
			return refuse(od, c, method, code, why, &start);
		if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
			*req_cls = &get_pending;
			return MHD_YES;
		}
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return reply_plain(od, c, method,
			    MHD_HTTP_METHOD_NOT_ALLOWED,
			    "use POST or GET (RFC 6960 appendix A)\n", &start);
		if ((hr = calloc(1, sizeof(*hr))) == NULL)
			return MHD_NO;
		hr->start = start;
		*req_cls = hr;
		return post_begin(od, c, hr, method);
	}
	if (*req_cls == &get_pending) {
		/* http_guard_check() refused a GET with a body. */
		if (*upload_size != 0)
			return MHD_NO;
		return serve_get(od, c, url, method, &start);
	}
	if (hr->replied) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		/*
		 * A chunked body past the cap is read and dropped, for the
		 * 413 at its end; one that never ends is cut off.
		 */
		hr->seen += *upload_size;
		if (hr->seen > DISCARD_MAX)
			return MHD_NO;
		post_data(hr, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	hr->replied = 1;
	if (hr->too_large)
		return reply_plain(od, c, method, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request too large\n", &hr->start);
	memset(&res, 0, sizeof(res));
	answer(od, hr->body, hr->len, &res);
	ret = reply_ocsp(od, c, method, 0, &res, &hr->start);
	answer_clear(&res.a);
	return ret;
}

void
http_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_req *hr = *req_cls;

	(void)cls;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		conntrack_idle(c);
	if (hr == NULL || *req_cls == &get_pending)
		return;
	free(hr->body);
	free(hr);
	*req_cls = NULL;
}
