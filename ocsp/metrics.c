/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --metrics ADDR:PORT: counters in the Prometheus text exposition format
 * (version 0.0.4) on a listener of their own, apart from the OCSP port:
 * requests by answer and by HTTP status, the cache's results and size,
 * and the snapshot served (its age, switches, refusals).  Counting is
 * one relaxed atomic add per request.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genfic/err.h"
#include "ocspd-local.h"

#define METRICS_TEXT_MAX	8192

static const char *const statuses[] = {
	"good", "revoked", "unknown", "malformedRequest", "internalError",
	"tryLater", "sigRequired", "unauthorized", "healthy", "unhealthy",
	"other"
};
#define NSTATUS	(sizeof(statuses) / sizeof(statuses[0]))

static const char *const caches[] = { "hit", "miss", "live" };
#define NCACHE	(sizeof(caches) / sizeof(caches[0]))

static const int codes[] = {
	200, 304, 400, 404, 405, 413, 414, 415, 431, 500, 503, 0
};
#define NCODE	(sizeof(codes) / sizeof(codes[0]))

static _Atomic unsigned long by_status[NSTATUS];
static _Atomic unsigned long by_cache[NCACHE];
static _Atomic unsigned long by_code[NCODE];
static time_t started;

static size_t
index_of(const char *const *names, size_t n, const char *s, size_t dflt)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return dflt;
}

void
metrics_count(const char *status, const char *cache, int http)
{
	size_t i;

	if (status != NULL)
		atomic_fetch_add_explicit(&by_status[index_of(statuses,
		    NSTATUS - 1, status, NSTATUS - 1)], 1,
		    memory_order_relaxed);
	if ((i = index_of(caches, NCACHE, cache, NCACHE)) < NCACHE)
		atomic_fetch_add_explicit(&by_cache[i], 1,
		    memory_order_relaxed);
	for (i = 0; i < NCODE - 1 && codes[i] != http; i++)
		;
	atomic_fetch_add_explicit(&by_code[i], 1, memory_order_relaxed);
}

/* Appends to buf; the text is cut rather than overflowed. */
static void
add(char *buf, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add(char *buf, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= METRICS_TEXT_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, METRICS_TEXT_MAX - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
	if (*off > METRICS_TEXT_MAX)
		*off = METRICS_TEXT_MAX;
}

static void
render_requests(char *buf, size_t *off)
{
	size_t i;

	add(buf, off, "# HELP genfic_ocspd_requests_total Requests answered, "
	    "by the status answered (certificate status, OCSP error, or "
	    "/health's verdict).\n# TYPE genfic_ocspd_requests_total "
	    "counter\n");
	for (i = 0; i < NSTATUS; i++)
		add(buf, off, "genfic_ocspd_requests_total{status=\"%s\"} "
		    "%lu\n", statuses[i], atomic_load(&by_status[i]));
	add(buf, off, "# HELP genfic_ocspd_http_responses_total HTTP "
	    "responses by status code (0: any other).\n# TYPE "
	    "genfic_ocspd_http_responses_total counter\n");
	for (i = 0; i < NCODE; i++)
		add(buf, off, "genfic_ocspd_http_responses_total{code=\"%d\"} "
		    "%lu\n", codes[i], atomic_load(&by_code[i]));
	add(buf, off, "# HELP genfic_ocspd_cache_total OCSP answers by how "
	    "the response cache served them.\n# TYPE genfic_ocspd_cache_total "
	    "counter\n");
	for (i = 0; i < NCACHE; i++)
		add(buf, off, "genfic_ocspd_cache_total{result=\"%s\"} %lu\n",
		    caches[i], atomic_load(&by_cache[i]));
}

static void
render_state(struct ocspd *od, char *buf, size_t *off, time_t now)
{
	struct snapshot_info si;
	struct stat sb;
	size_t entries = 0, bytes = 0;
	time_t made;

	if (od->rs.cache != NULL)
		cache_usage(od->rs.cache, &entries, &bytes);
	add(buf, off, "# HELP genfic_ocspd_cache_entries Signed responses "
	    "cached.\n# TYPE genfic_ocspd_cache_entries gauge\n"
	    "genfic_ocspd_cache_entries %zu\n# HELP genfic_ocspd_cache_bytes "
	    "Memory the cache uses.\n# TYPE genfic_ocspd_cache_bytes gauge\n"
	    "genfic_ocspd_cache_bytes %zu\n", entries, bytes);
	statusdb_snapshot(od->sdb, &si);
	made = si.signed_at;
	if (made == 0 && stat(statusdb_path(od->sdb), &sb) == 0)
		made = sb.st_mtime;
	add(buf, off, "# HELP genfic_ocspd_snapshot_age_seconds Since the "
	    "snapshot served was signed (unsigned: since its database was "
	    "written).\n# TYPE genfic_ocspd_snapshot_age_seconds gauge\n"
	    "genfic_ocspd_snapshot_age_seconds %lld\n",
	    (long long)(now - made));
	add(buf, off, "# HELP genfic_ocspd_snapshot_switches_total Snapshots "
	    "switched to since the start.\n# TYPE "
	    "genfic_ocspd_snapshot_switches_total counter\n"
	    "genfic_ocspd_snapshot_switches_total %lu\n# HELP "
	    "genfic_ocspd_snapshot_refused_total Snapshots refused (did not "
	    "verify).\n# TYPE genfic_ocspd_snapshot_refused_total counter\n"
	    "genfic_ocspd_snapshot_refused_total %lu\n", si.switches,
	    si.refusals);
	add(buf, off, "# HELP genfic_ocspd_database_failing Whether the "
	    "database cannot be read now.\n# TYPE "
	    "genfic_ocspd_database_failing gauge\ngenfic_ocspd_database_failing %d\n",
	    statusdb_failing(od->sdb) ? 1 : 0);
	add(buf, off, "# HELP genfic_ocspd_start_time_seconds When the "
	    "daemon started.\n# TYPE genfic_ocspd_start_time_seconds gauge\n"
	    "genfic_ocspd_start_time_seconds %lld\n", (long long)started);
}

static enum MHD_Result
metrics_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	char *buf;
	size_t off = 0;

	(void)version;
	(void)upload;
	if (*req_cls == NULL) {		/* headers only, so far */
		*req_cls = c;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	if ((buf = malloc(METRICS_TEXT_MAX + 1)) == NULL)
		return MHD_NO;
	buf[0] = '\0';
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		add(buf, &off, "GET /metrics\n");
	} else if (strcmp(url, "/metrics") != 0) {
		code = MHD_HTTP_NOT_FOUND;
		add(buf, &off, "not found: GET /metrics\n");
	} else {
		render_requests(buf, &off);
		render_state(cls, buf, &off, time(NULL));
	}
	if ((resp = MHD_create_response_from_buffer(off, buf,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, code ==
	    MHD_HTTP_OK ? "text/plain; version=0.0.4" : "text/plain");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct MHD_Daemon *
metrics_start(int fd, struct ocspd *od)
{
	started = time(NULL);
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG | MHD_USE_POLL, 0, NULL, NULL, metrics_handler,
	    od, MHD_OPTION_EXTERNAL_LOGGER, logger_mhd, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, 16U,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10U,
	    MHD_OPTION_END);
}
