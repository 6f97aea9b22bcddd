/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics and the one line per request, on stderr (--foreground), to
 * the --log file (with a UTC timestamp) or to syslog.  Each line is formatted first, escaped as gf_escape() does
 * (a client's method, a file name or a CA name cannot put a control
 * character or ESC on a terminal or forge a log line), and written with
 * one write(2), so that lines from worker threads never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "genfic/err.h"
#include "ocspd-local.h"

#define LOG_LINE_MAX	1024
#define MHD_BURST	20	/* libmicrohttpd lines per window, */
#define MHD_WINDOW	10	/* of this many seconds */

static int where = LOGGER_STDERR;
static int log_fd = STDERR_FILENO;
static char *log_path;

static int
open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
}

int
logger_open(const char *path)
{
	int fd;

	if ((fd = open_log(path)) == -1)
		return gf_fail(GF_ERR_IO, "%s: %s", path, strerror(errno));
	if ((log_path = strdup(path)) == NULL) {
		close(fd);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	log_fd = fd;
	where = LOGGER_FILE;
	return 0;
}

void
logger_reopen(void)
{
	int fd;

	if (where != LOGGER_FILE)
		return;
	if ((fd = open_log(log_path)) == -1) {
		logger_warnx("%s: cannot reopen: %s; still logging to the old "
		    "file", log_path, strerror(errno));
		return;
	}
	dup2(fd, log_fd);
	close(fd);
	logger_info("%s: reopened", log_path);
}

void
logger_init(int to)
{
	if (where == LOGGER_FILE && to == LOGGER_SYSLOG)
		return;		/* --log goes on after detaching */
	where = to;
	if (where == LOGGER_SYSLOG)
		openlog("genfic-ocspd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* "2026-12-07T11:00:00Z " */
static int
stamp(char *buf, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	return (int)strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ ", &tm);
}

static void
emit(int prio, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
emit(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	size_t n = 0;
	int len;

	if (where == LOGGER_OFF || (len = vsnprintf(raw, sizeof(raw), fmt,
	    ap)) < 0)
		return;
	n = (size_t)len < sizeof(raw) ? (size_t)len : sizeof(raw) - 1;
	/* MHD's own messages end with a newline already. */
	while (n > 0 && raw[n - 1] == '\n')
		n--;
	if (where == LOGGER_SYSLOG) {
		gf_escape(line, sizeof(line), raw, n);
		syslog(prio, "%s", line);
		return;
	}
	len = 0;
	if (where == LOGGER_FILE)
		len = stamp(line, sizeof(line));
	len += snprintf(line + len, sizeof(line) - (size_t)len, "%s%s",
	    prefix != NULL ? prefix : "", prefix != NULL ? ": " : "");
	n = (size_t)len + gf_escape(line + len, sizeof(line) - (size_t)len - 1,
	    raw, n);
	line[n++] = '\n';
	if (write(log_fd, line, n) == -1)
		return;		/* nowhere left to say so */
}

void
logger_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_WARNING, gf_progname, fmt, ap);
	va_end(ap);
}

void
logger_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_INFO, gf_progname, fmt, ap);
	va_end(ap);
}

/*
 * libmicrohttpd logs a line per connection it refuses or loses: under a
 * flood of connections, so many lines would be a flood of the log too.
 */
static int
mhd_quota(unsigned long *dropped)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t window;
	static unsigned long n, held;
	struct timespec now;
	int ok;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&lock);
	*dropped = 0;
	if (now.tv_sec - window >= MHD_WINDOW) {
		*dropped = held;
		window = now.tv_sec;
		n = held = 0;
	}
	if ((ok = n < MHD_BURST))
		n++;
	else
		held++;
	pthread_mutex_unlock(&lock);
	return ok;
}

void
logger_mhd(void *cls, const char *fmt, va_list ap)
{
	char what[LOG_LINE_MAX];
	unsigned long dropped;

	(void)cls;
	vsnprintf(what, sizeof(what), fmt, ap);
	/* Its words for http_guard_refuse()'s close, already logged. */
	if (strncmp(what, OCSPD_MHD_APP_CLOSE, strlen(OCSPD_MHD_APP_CLOSE)) == 0)
		return;
	if (!mhd_quota(&dropped))
		return;
	if (dropped > 0)
		logger_warnx("libmicrohttpd: %lu more messages in %d s not "
		    "shown", dropped, MHD_WINDOW);
	logger_warnx("libmicrohttpd: %s", what);
}

static void
emit_line(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
emit_line(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, NULL, fmt, ap);
	va_end(ap);
}

void
logger_request(const struct log_request *lr)
{
	char more[32] = "";

	if (lr->more > 0)
		snprintf(more, sizeof(more), "+%zu", lr->more);
	emit_line(LOG_INFO, "%s %s ca=%s serial=%s%s status=%s cache=%s "
	    "http=%d %ldus", lr->client, lr->method, lr->ca, lr->serial, more,
	    lr->status, lr->cache, lr->http, lr->usec);
}
