/*
 * Every connection libmicrohttpd holds, in accept order, with where its
 * request stands.  libmicrohttpd's own timeout restarts on every byte, so
 * a client that sends one header line every few seconds holds its slot for
 * ever; here a request must be whole within the deadline, counted from
 * accept (or from the first byte after an answered request: an idle
 * keep-alive connection is not an unfinished request).  When the table is
 * full, a new connection makes room by closing the oldest unfinished
 * request, else the longest idle connection, rather than being refused.
 *
 * libmicrohttpd 0.9.75 cannot close a connection from outside its own
 * callbacks: shutdown(2) on the socket makes its next poll see the end of
 * the stream and close it.  The socket stays valid while we hold the lock,
 * as the CLOSED notification takes the lock before libmicrohttpd closes it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/tcp.h>
#include <netinet/in.h>

#include "genfic/err.h"
#include "ocspd-local.h"

#define SCAN_MS		250	/* how often the deadlines are checked */
#define REPORT_MS	10000	/* at most one summary line this often */

enum ct_state {
	CT_UNFINISHED,		/* a request is being received */
	CT_ANSWERING,		/* its answer is queued */
	CT_IDLE,		/* between requests (keep-alive) */
	CT_CLOSING		/* shut down by us, not yet closed */
};

struct ct_conn {
	struct ct_conn		*prev;
	struct ct_conn		*next;
	struct conntrack	*ct;
	int			 fd;
	enum ct_state		 state;
	int64_t			 since;	/* ms: of the request, or idle since */
	uint64_t		 rx;	/* octets received when it went idle */
	int			 rx_known;
};

struct conntrack {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	pthread_t	 thread;
	int		 running;
	int		 stop;
	struct ct_conn	*head;		/* oldest accept first */
	struct ct_conn	*tail;
	unsigned int	 live;		/* connections not CT_CLOSING */
	unsigned int	 max;
	int64_t		 timeout_ms;
	unsigned long	 expired;	/* since the last report */
	unsigned long	 evicted;
	unsigned long	 refused;
	int64_t		 reported;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Octets the kernel received on fd so far; 0 when it cannot say. */
static int
received(int fd, uint64_t *n)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
	    sizeof(ti.tcpi_bytes_received))
		return 0;
	*n = ti.tcpi_bytes_received;
	return 1;
}

struct conntrack *
conntrack_new(unsigned int max_conn, unsigned int request_timeout)
{
	struct conntrack *ct;

	if ((ct = calloc(1, sizeof(*ct))) == NULL)
		return NULL;
	pthread_mutex_init(&ct->lock, NULL);
	pthread_cond_init(&ct->wake, NULL);
	ct->max = max_conn;
	ct->timeout_ms = (int64_t)request_timeout * 1000;
	ct->reported = now_ms();
	return ct;
}

/* After libmicrohttpd stopped: it notifies the closing of every connection. */
void
conntrack_free(struct conntrack *ct)
{
	struct ct_conn *e, *next;

	if (ct == NULL)
		return;
	conntrack_stop(ct);
	for (e = ct->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	pthread_cond_destroy(&ct->wake);
	pthread_mutex_destroy(&ct->lock);
	free(ct);
}

/* Called with the lock held. */
static void
close_conn(struct conntrack *ct, struct ct_conn *e)
{
	shutdown(e->fd, SHUT_RDWR);
	e->state = CT_CLOSING;
	ct->live--;
}

/* The oldest connection in state st other than skip, or NULL. */
static struct ct_conn *
oldest(struct conntrack *ct, enum ct_state st, const struct ct_conn *skip)
{
	struct ct_conn *e, *best = NULL;

	for (e = ct->head; e != NULL; e = e->next)
		if (e != skip && e->state == st &&
		    (best == NULL || e->since < best->since))
			best = e;
	return best;
}

/* The table is over its limit with e: close someone. */
static void
make_room(struct conntrack *ct, struct ct_conn *e)
{
	struct ct_conn *victim;

	if ((victim = oldest(ct, CT_UNFINISHED, e)) == NULL)
		victim = oldest(ct, CT_IDLE, e);
	if (victim != NULL) {
		close_conn(ct, victim);
		ct->evicted++;
	} else {
		close_conn(ct, e);
		ct->refused++;
	}
}

static void
started(struct conntrack *ct, struct MHD_Connection *c, void **ctx)
{
	const union MHD_ConnectionInfo *ci;
	struct ct_conn *e;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (e = calloc(1, sizeof(*e))) == NULL) {
		logger_warnx("connection table: out of memory");
		return;
	}
	e->ct = ct;
	e->fd = ci->connect_fd;
	e->state = CT_UNFINISHED;
	e->since = now_ms();
	pthread_mutex_lock(&ct->lock);
	e->prev = ct->tail;
	if (ct->tail != NULL)
		ct->tail->next = e;
	else
		ct->head = e;
	ct->tail = e;
	if (++ct->live > ct->max)
		make_room(ct, e);
	pthread_mutex_unlock(&ct->lock);
	*ctx = e;
}

static void
closed(struct conntrack *ct, void **ctx)
{
	struct ct_conn *e = *ctx;

	if (e == NULL)
		return;
	pthread_mutex_lock(&ct->lock);
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		ct->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		ct->tail = e->prev;
	if (e->state != CT_CLOSING)
		ct->live--;
	pthread_mutex_unlock(&ct->lock);
	free(e);
	*ctx = NULL;
}

void
conntrack_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct conntrack *ct = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		started(ct, c, socket_context);
	else
		closed(ct, socket_context);
}

static struct ct_conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void
conntrack_answered(struct MHD_Connection *c)
{
	struct ct_conn *e;

	if ((e = conn_of(c)) == NULL)
		return;
	pthread_mutex_lock(&e->ct->lock);
	if (e->state != CT_CLOSING)
		e->state = CT_ANSWERING;
	pthread_mutex_unlock(&e->ct->lock);
}

void
conntrack_idle(struct MHD_Connection *c)
{
	struct ct_conn *e;
	uint64_t rx = 0;
	int known;

	if ((e = conn_of(c)) == NULL)
		return;
	known = received(e->fd, &rx);
	pthread_mutex_lock(&e->ct->lock);
	if (e->state != CT_CLOSING) {
		e->state = CT_IDLE;
		e->since = now_ms();
		e->rx = rx;
		e->rx_known = known;
	}
	pthread_mutex_unlock(&e->ct->lock);
}

/*
 * An idle connection that received something since its last answer has
 * begun a request: its deadline runs from now.
 */
static void
scan(struct conntrack *ct, int64_t now)
{
	struct ct_conn *e;
	uint64_t rx;

	for (e = ct->head; e != NULL; e = e->next) {
		if (e->state == CT_IDLE && e->rx_known &&
		    received(e->fd, &rx) && rx > e->rx) {
			e->state = CT_UNFINISHED;
			e->since = now;
		}
		if (e->state == CT_UNFINISHED && now - e->since >=
		    ct->timeout_ms) {
			close_conn(ct, e);
			ct->expired++;
		}
	}
}

static void
report(struct conntrack *ct, int64_t now)
{
	if (now - ct->reported < REPORT_MS ||
	    ct->expired + ct->evicted + ct->refused == 0)
		return;
	logger_warnx("closed %lu connection(s) past the %lld s request "
	    "deadline, %lu unfinished or idle one(s) to make room for new "
	    "ones, refused %lu: the table of %u was full", ct->expired,
	    (long long)(ct->timeout_ms / 1000), ct->evicted, ct->refused,
	    ct->max);
	ct->expired = ct->evicted = ct->refused = 0;
	ct->reported = now;
}

static void *
watchdog(void *arg)
{
	struct conntrack *ct = arg;
	struct timespec until;
	int64_t now;

	pthread_mutex_lock(&ct->lock);
	while (!ct->stop) {
		now = now_ms();
		scan(ct, now);
		report(ct, now);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SCAN_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ct->wake, &ct->lock, &until);
	}
	pthread_mutex_unlock(&ct->lock);
	return NULL;
}

int
conntrack_start(struct conntrack *ct)
{
	int e;

	if ((e = pthread_create(&ct->thread, NULL, watchdog, ct)) != 0)
		return gf_fail(GF_ERR_INTERNAL, "connection watchdog: %s",
		    strerror(e));
	ct->running = 1;
	return 0;
}

void
conntrack_stop(struct conntrack *ct)
{
	if (ct == NULL || !ct->running)
		return;
	pthread_mutex_lock(&ct->lock);
	ct->stop = 1;
	pthread_cond_signal(&ct->wake);
	pthread_mutex_unlock(&ct->lock);
	pthread_join(ct->thread, NULL);
	ct->running = 0;
}

void
conntrack_fd_limit(unsigned int n)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)n + 64;	/* the store, logs, listeners */

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) {
		logger_warnx("--max-connections %u: the limit of open files is "
		    "%llu", n, (unsigned long long)rl.rlim_max);
		want = rl.rlim_max;
	}
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		logger_warnx("setrlimit: %s", strerror(errno));
}
