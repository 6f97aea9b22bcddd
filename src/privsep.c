/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The request parsers (privsep.h): processes forked before the CA key is
 * loaded, each on its socket, judging batches of requests.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef GF_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND	0
#endif

#include "genfic/err.h"
#include "genfic/privsep.h"
#include "genfic/request.h"

/* The descriptor a parser's socket gets: the first after stderr. */
#define PARSER_FD	3

struct parser {
	int	 fd;
	pid_t	 pid;
	int	 busy;
	int	 dead;
};

struct privsep {
	struct parser	*parsers;
	size_t		 n;
	size_t		 alive;
	pthread_mutex_t	 lock;
	pthread_cond_t	 free_cv;	/* a parser is free, or none is left */
};

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		/* Not SIGPIPE: a parser that died is reported, not fatal. */
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when len bytes were read, 0 at the end before any, -1 else. */
static int
read_all(int fd, unsigned char *p, size_t len)
{
	size_t have = 0;
	ssize_t n;

	while (have < len) {
		if ((n = read(fd, p + have, len - have)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return have == 0 ? 0 : -1;
		have += (size_t)n;
	}
	return 1;
}

/* A message body of at most max bytes, in *b; 0 at the end of the stream. */
static int
read_message(int fd, size_t max, struct privsep_buf *b)
{
	unsigned char hdr[4];
	uint32_t len;
	unsigned char *grown;
	int r;

	if ((r = read_all(fd, hdr, sizeof(hdr))) != 1)
		return r;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (len > max)
		return -1;
	if (len > b->cap) {
		if ((grown = realloc(b->data, len)) == NULL)
			return -1;
		b->data = grown;
		b->cap = len;
	}
	b->len = len;
	return read_all(fd, b->data, len) == 1 ? 1 : -1;
}

int
privsep_judge(const struct request_rules *rules, const unsigned char *data,
    size_t len, struct privsep_buf *out)
{
	struct request_verdicts all;
	struct request *req = NULL;
	int r;

	memset(&all, 0, sizeof(all));
	r = request_check(rules, data, len, &req, &all);
	gf_errclear();
	r = privsep_put_reply(out, r, req, &all);
	request_free(req);
	request_verdicts_clear(&all);
	return r;
}

/* Answers batches until the socket closes. */
static int
parser_serve(const struct request_rules *rules)
{
	const unsigned char *data[PRIVSEP_BATCH];
	size_t len[PRIVSEP_BATCH], n, i;
	struct privsep_buf in = { 0 }, out = { 0 };
	int r;

	while ((r = read_message(PARSER_FD, PRIVSEP_REQUESTS_MAX, &in)) == 1) {
		if (privsep_get_requests(in.data, in.len, data, len, &n) != 0 ||
		    privsep_frame_begin(&out) != 0)
			break;
		for (i = 0; i < n; i++)
			if (privsep_judge(rules, data[i], len[i], &out) != 0)
				break;
		if (i < n)
			break;
		privsep_frame_end(&out, n);
		if (write_all(PARSER_FD, out.data, out.len) != 0)
			break;
	}
	privsep_buf_clear(&in);
	privsep_buf_clear(&out);
	return r == 0 ? 0 : 1;
}

/* The parser process: its socket alone, sandboxed, then serving. */
static void __attribute__((noreturn))
parser_main(const struct request_rules *rules, int fd)
{
	struct request_rules own = *rules;
	int status = 1;

	own.st = NULL;
	own.seen = NULL;
	own.seen_arg = NULL;
	if ((fd == PARSER_FD || dup2(fd, PARSER_FD) == PARSER_FD) &&
	    close_range(PARSER_FD + 1, ~0U, 0) == 0 &&
	    close(STDIN_FILENO) == 0 && close(STDOUT_FILENO) == 0 &&
	    privsep_sandbox(PARSER_FD) == 0)
		status = parser_serve(&own);
	else
		gf_report("request parser", gf_fail(GF_ERR_INTERNAL, "%s",
		    strerror(errno)));
	/* Nothing of the parent's (its store, its atexit()) is run here. */
	_exit(status);
}

int
privsep_sandbox(int fd)
{
	static const struct {
		int		resource;
		rlim_t		max;
	} limits[] = {
		{ RLIMIT_CORE, 0 },	/* no core file of what it parsed */
		{ RLIMIT_FSIZE, 0 },	/* no file grows */
	};
	struct rlimit rl;
	size_t i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -1;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		rl.rlim_cur = rl.rlim_max = limits[i].max;
		if (setrlimit(limits[i].resource, &rl) == -1)
			return -1;
	}
	/*
	 * valgrind keeps descriptors of its own above the limit, and runs
	 * the parser's code from memory it makes executable: under it (meson
	 * test --setup=valgrind), neither of these two, as Chromium's sandbox
	 * does.
	 */
	if (RUNNING_ON_VALGRIND)
		return 0;
	rl.rlim_cur = rl.rlim_max = 0;	/* no new descriptor */
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	return privsep_filter(fd);
}

static int
privsep_fork(struct privsep *ps, const struct request_rules *rules)
{
	struct parser *p = &ps->parsers[ps->n];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return gf_fail(GF_ERR_INTERNAL, "socketpair: %s",
		    strerror(errno));
	fflush(NULL);
	if ((p->pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return gf_fail(GF_ERR_INTERNAL, "fork: %s", strerror(errno));
	}
	if (p->pid == 0) {
		/* The parent's table of parsers is nothing of the parser's. */
		free(ps->parsers);
		free(ps);
		parser_main(rules, sv[1]);
	}
	close(sv[1]);
	p->fd = sv[0];
	ps->n++;
	ps->alive++;
	return 0;
}

int
privsep_start(const struct request_rules *rules, size_t n, struct privsep **out)
{
	struct privsep *ps;
	int r = 0;

	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    (ps->parsers = calloc(n > 0 ? n : 1, sizeof(*ps->parsers))) == NULL) {
		free(ps);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	pthread_mutex_init(&ps->lock, NULL);
	pthread_cond_init(&ps->free_cv, NULL);
	/* The C library reads the time zone once: here, not in a parser. */
	tzset();
	while (r == 0 && ps->n < (n > 0 ? n : 1))
		r = privsep_fork(ps, rules);
	if (r != 0) {
		privsep_stop(ps);
		return r;
	}
	*out = ps;
	return 0;
}

/* A free parser, or NULL when none is left alive. */
static struct parser *
parser_take(struct privsep *ps)
{
	struct parser *p = NULL;
	size_t i;

	pthread_mutex_lock(&ps->lock);
	while (ps->alive > 0) {
		for (i = 0; i < ps->n; i++)
			if (!ps->parsers[i].busy && !ps->parsers[i].dead) {
				p = &ps->parsers[i];
				p->busy = 1;
				goto out;
			}
		pthread_cond_wait(&ps->free_cv, &ps->lock);
	}
 out:
	pthread_mutex_unlock(&ps->lock);
	return p;
}

static void
parser_give(struct privsep *ps, struct parser *p, int dead)
{
	pthread_mutex_lock(&ps->lock);
	p->busy = 0;
	if (dead) {
		p->dead = 1;
		ps->alive--;
	}
	pthread_cond_broadcast(&ps->free_cv);
	pthread_mutex_unlock(&ps->lock);
}

/* Ends parser p, and says how it ended (why: what went wrong first). */
static int
parser_failed(struct parser *p, const char *why)
{
	int status;

	kill(p->pid, SIGKILL);
	close(p->fd);
	p->fd = -1;
	while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
		continue;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		return gf_fail(GF_ERR_INTERNAL, "the request parser (pid %ld) "
		    "was killed by signal %d (%s)", (long)p->pid,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (WIFEXITED(status))
		return gf_fail(GF_ERR_INTERNAL, "the request parser (pid %ld) "
		    "exited with status %d", (long)p->pid, WEXITSTATUS(status));
	return gf_fail(GF_ERR_INTERNAL, "the request parser (pid %ld) %s",
	    (long)p->pid, why);
}

int
privsep_parse(struct privsep *ps, const unsigned char *const *data,
    const size_t *len, size_t n, struct privsep_reply *out)
{
	struct privsep_buf msg = { 0 };
	struct parser *p;
	const char *why = NULL;
	char detail[256];
	int r;

	memset(out, 0, n * sizeof(*out));
	if (n > PRIVSEP_BATCH)
		return gf_fail(GF_ERR_INTERNAL, "a batch of %zu requests", n);
	if ((r = privsep_put_requests(&msg, data, len, n)) != 0)
		goto done;
	if ((p = parser_take(ps)) == NULL) {
		r = gf_fail(GF_ERR_INTERNAL, "no request parser is left");
		goto done;
	}
	if (write_all(p->fd, msg.data, msg.len) != 0)
		why = "stopped reading";
	else if (read_message(p->fd, PRIVSEP_REPLIES_MAX, &msg) != 1)
		why = "sent no reply, or one beyond bounds";
	else if ((r = privsep_get_replies(msg.data, msg.len, n, out)) != 0 &&
	    r != GF_ERR_ALLOC) {
		/* A parser that says what none says: compromised, ended. */
		snprintf(detail, sizeof(detail), "sent a reply that does not "
		    "parse (%s)", gf_errmsg(r));
		why = detail;
	}
	if (why != NULL)
		r = parser_failed(p, why);
	parser_give(ps, p, why != NULL);
 done:
	privsep_buf_clear(&msg);
	return r;
}

void
privsep_stop(struct privsep *ps)
{
	size_t i;
	int status;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++)
		if (!ps->parsers[i].dead)
			close(ps->parsers[i].fd);
	for (i = 0; i < ps->n; i++)
		if (!ps->parsers[i].dead)
			while (waitpid(ps->parsers[i].pid, &status, 0) == -1 &&
			    errno == EINTR)
				continue;
	pthread_cond_destroy(&ps->free_cv);
	pthread_mutex_destroy(&ps->lock);
	free(ps->parsers);
	free(ps);
}
