/*
 * Diagnostics and the one line per request, on stderr (--foreground) or
 * to syslog.  Each line is formatted first, escaped as gf_escape() does
 * (a client's method, a file name or a CA name cannot put a control
 * character or ESC on a terminal or forge a log line), and written with
 * one write(2), so that lines from worker threads never interleave.
 */
#include <pthread.h>
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

void
logger_init(int to)
{
	where = to;
	if (where == LOGGER_SYSLOG)
		openlog("genfic-ocspd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
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
	len = snprintf(line, sizeof(line), "%s%s", prefix != NULL ? prefix :
	    "", prefix != NULL ? ": " : "");
	n = (size_t)len + gf_escape(line + len, sizeof(line) - (size_t)len - 1,
	    raw, n);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) == -1)
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
