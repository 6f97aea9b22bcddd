/* SPDX-License-Identifier: GPL-2.0-or-later */
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
 * the stream and close it.  The CLOSED notification comes before it closes
 * the socket, so a socket is still ours to shut down while its entry is in
 * the list (under the list lock) or not yet marked gone (under the entry's
 * lock).  The watchdog makes no system call under the list lock: a worker
 * thread waiting for it there would stall every connection it serves.
 *
 * A request changes the state of its connection twice without any lock
 * (answered, then idle): the state word carries a generation, so that the
 * watchdog's compare-and-swap fails on a state that changed and came back.
 * The octets received when a connection went idle are read by the
 * watchdog on its first look at that idle state, not by the worker on
 * every request: a client that starts its next request within that
 * quarter of a second is held to the deadline from its next byte.
 */
#include <errno.h>
#include <stdatomic.h>
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

#define ST(w)		((enum ct_state)((w) & 3))
#define NEXT(w, st)	(((((w) >> 2) + 1) << 2) | (uint64_t)(st))

struct ct_conn {
	struct ct_conn		*prev;	/* under the list lock */
	struct ct_conn		*next;
	struct conntrack	*ct;
	int			 fd;
	pthread_mutex_t		 lock;	/* gone, and the socket's use */
	int			 gone;	/* libmicrohttpd closes the socket */
	_Atomic int		 refs;	/* the list's, the watchdog's */
	_Atomic uint64_t	 word;	/* generation << 2 | enum ct_state */
	_Atomic int64_t		 since;	/* ms: of the request, or idle since */
	uint64_t		 rx;	/* the watchdog's: octets received, */
	uint64_t		 rx_word;	/* in this idle state (0: none) */
};

struct conntrack {
	pthread_mutex_t	 lock;		/* the list */
	pthread_cond_t	 wake;
	pthread_t	 thread;
	int		 running;
	int		 stop;
	struct ct_conn	*head;		/* oldest accept first */
	struct ct_conn	*tail;
	size_t		 n;		/* in the list */
	_Atomic unsigned int live;	/* connections not CT_CLOSING */
	unsigned int	 max;
	int64_t		 timeout_ms;
	_Atomic unsigned long expired;	/* since the last report */
	_Atomic unsigned long evicted;
	_Atomic unsigned long refused;
	int64_t		 reported;
	struct ct_conn	**batch;	/* the watchdog's, outside the lock */
	size_t		 batch_cap;
};

/* Coarse: read without a system call where the clock source needs one. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
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

static void
conn_unref(struct ct_conn *e)
{
	if (atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&e->lock);
	free(e);
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
		conn_unref(e);
	}
	free(ct->batch);
	pthread_cond_destroy(&ct->wake);
	pthread_mutex_destroy(&ct->lock);
	free(ct);
}

/* From the state in w to st, unless it changed or is closing. */
static int
move(struct ct_conn *e, uint64_t w, enum ct_state st)
{
	if (ST(w) == CT_CLOSING)
		return 0;
	return atomic_compare_exchange_strong(&e->word, &w, NEXT(w, st));
}

/*
 * 1 when e was in the state of w and is now shut down.  The caller holds
 * the list lock with e in the list, or e's own lock with e not gone.
 */
static int
close_conn(struct conntrack *ct, struct ct_conn *e, uint64_t w)
{
	if (!move(e, w, CT_CLOSING))
		return 0;
	shutdown(e->fd, SHUT_RDWR);
	atomic_fetch_sub(&ct->live, 1);
	return 1;
}

/* The oldest connection in state st other than skip, or NULL. */
static struct ct_conn *
oldest(struct conntrack *ct, enum ct_state st, const struct ct_conn *skip,
    uint64_t *word)
{
	struct ct_conn *e, *best = NULL;
	uint64_t w;

	for (e = ct->head; e != NULL; e = e->next) {
		w = atomic_load(&e->word);
		if (e != skip && ST(w) == st && (best == NULL ||
		    atomic_load(&e->since) < atomic_load(&best->since))) {
			best = e;
			*word = w;
		}
	}
	return best;
}

/* With the list lock: the table is over its limit with e, close someone. */
static void
make_room(struct conntrack *ct, struct ct_conn *e)
{
	struct ct_conn *victim;
	uint64_t w = 0;
	int tries;

	/* A state may change under us: then look again, a few times. */
	for (tries = 0; tries < 4; tries++) {
		if ((victim = oldest(ct, CT_UNFINISHED, e, &w)) == NULL &&
		    (victim = oldest(ct, CT_IDLE, e, &w)) == NULL)
			break;
		if (close_conn(ct, victim, w)) {
			atomic_fetch_add(&ct->evicted, 1);
			return;
		}
	}
	if (close_conn(ct, e, atomic_load(&e->word)))
		atomic_fetch_add(&ct->refused, 1);
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
	pthread_mutex_init(&e->lock, NULL);
	atomic_init(&e->refs, 1);
	atomic_init(&e->word, CT_UNFINISHED);
	atomic_init(&e->since, now_ms());
	pthread_mutex_lock(&ct->lock);
	e->prev = ct->tail;
	if (ct->tail != NULL)
		ct->tail->next = e;
	else
		ct->head = e;
	ct->tail = e;
	ct->n++;
	if (atomic_fetch_add(&ct->live, 1) + 1 > ct->max)
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
	ct->n--;
	if (ST(atomic_load(&e->word)) != CT_CLOSING)
		atomic_fetch_sub(&ct->live, 1);
	pthread_mutex_unlock(&ct->lock);
	/* After this, libmicrohttpd closes the socket. */
	pthread_mutex_lock(&e->lock);
	e->gone = 1;
	pthread_mutex_unlock(&e->lock);
	conn_unref(e);
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

/* Only the connection's own thread moves it to st; the watchdog may race. */
static void
set_state(struct ct_conn *e, enum ct_state st)
{
	uint64_t w = atomic_load(&e->word);

	while (ST(w) != CT_CLOSING &&
	    !atomic_compare_exchange_weak(&e->word, &w, NEXT(w, st)))
		;
}

void
conntrack_answered(struct MHD_Connection *c)
{
	struct ct_conn *e;

	if ((e = conn_of(c)) != NULL)
		set_state(e, CT_ANSWERING);
}

void
conntrack_idle(struct MHD_Connection *c)
{
	struct ct_conn *e;

	if ((e = conn_of(c)) == NULL)
		return;
	atomic_store(&e->since, now_ms());
	set_state(e, CT_IDLE);
}

/*
 * With e's lock: an idle connection that received something since its
 * last answer has begun a request, whose deadline runs from now; an
 * unfinished request past its deadline is closed.
 */
static void
check(struct conntrack *ct, struct ct_conn *e, int64_t now)
{
	uint64_t w, rx;

	w = atomic_load(&e->word);
	if (ST(w) == CT_IDLE && received(e->fd, &rx)) {
		if (e->rx_word != w) {
			e->rx = rx;
			e->rx_word = w;
		} else if (rx > e->rx) {
			atomic_store(&e->since, now);
			if (move(e, w, CT_UNFINISHED))
				w = NEXT(w, CT_UNFINISHED);
		}
	}
	if (ST(w) == CT_UNFINISHED && now - atomic_load(&e->since) >=
	    ct->timeout_ms && close_conn(ct, e, w))
		atomic_fetch_add(&ct->expired, 1);
}

/* Under the list lock, without system calls: what check() must see. */
static size_t
collect(struct conntrack *ct, int64_t now)
{
	struct ct_conn *e, **b;
	size_t n = 0;
	uint64_t w;

	if (ct->batch_cap < ct->n) {
		if ((b = reallocarray(ct->batch, ct->n, sizeof(*b))) == NULL)
			return 0;
		ct->batch = b;
		ct->batch_cap = ct->n;
	}
	for (e = ct->head; e != NULL; e = e->next) {
		w = atomic_load(&e->word);
		if (ST(w) == CT_IDLE ||
		    (ST(w) == CT_UNFINISHED && now - atomic_load(&e->since) >=
		    ct->timeout_ms)) {
			atomic_fetch_add(&e->refs, 1);
			ct->batch[n++] = e;
		}
	}
	return n;
}

static void
scan(struct conntrack *ct)
{
	struct ct_conn *e;
	int64_t now = now_ms();
	size_t i, n;

	pthread_mutex_lock(&ct->lock);
	n = collect(ct, now);
	pthread_mutex_unlock(&ct->lock);
	for (i = 0; i < n; i++) {
		e = ct->batch[i];
		pthread_mutex_lock(&e->lock);
		if (!e->gone)
			check(ct, e, now);
		pthread_mutex_unlock(&e->lock);
		conn_unref(e);
	}
}

static void
report(struct conntrack *ct)
{
	unsigned long expired, evicted, refused;
	int64_t now = now_ms();

	if (now - ct->reported < REPORT_MS)
		return;
	expired = atomic_exchange(&ct->expired, 0);
	evicted = atomic_exchange(&ct->evicted, 0);
	refused = atomic_exchange(&ct->refused, 0);
	ct->reported = now;
	if (expired + evicted + refused == 0)
		return;
	logger_warnx("closed %lu connection(s) past the %lld s request "
	    "deadline, %lu unfinished or idle one(s) to make room for new "
	    "ones, refused %lu: the table of %u was full", expired,
	    (long long)(ct->timeout_ms / 1000), evicted, refused, ct->max);
}

static void *
watchdog(void *arg)
{
	struct conntrack *ct = arg;
	struct timespec until;
	int stop = 0;

	while (!stop) {
		scan(ct);
		report(ct);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SCAN_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&ct->lock);
		if (!ct->stop)
			pthread_cond_timedwait(&ct->wake, &ct->lock, &until);
		stop = ct->stop;
		pthread_mutex_unlock(&ct->lock);
	}
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
