/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An ordered work pool on POSIX threads. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "genfic/err.h"
#include "genfic/pool.h"

/*
 * The caller waits for a 32nd of the window at once (64 of a spool's 2048
 * requests).  Every wake-up of a sleeping thread is a system call and a
 * context switch: waking the caller for each job cost more than the work
 * of some jobs.
 */
#define POOL_WAKE_SHARE	32

struct pool {
	pthread_mutex_t	 lock;
	pthread_cond_t	 done_cv;	/* the jobs the caller wants are done */
	pthread_cond_t	 window_cv;	/* the window moved, or stop */
	pthread_t	*threads;
	size_t		 nthreads;
	size_t		 njobs;
	size_t		 next;		/* the next job to take */
	size_t		 ready;		/* jobs below this are all done */
	size_t		 wanted;	/* the caller sleeps until ready >= this */
	size_t		 released;	/* jobs the caller consumed */
	size_t		 window;
	unsigned char	*done;		/* per job */
	pool_fn		 fn;
	void		*ctx;
};

static void
pool_job_done(struct pool *p, size_t i)
{
	p->done[i] = 1;
	while (p->ready < p->njobs && p->done[p->ready])
		p->ready++;
	if (p->wanted != 0 && p->ready >= p->wanted) {
		p->wanted = 0;
		pthread_cond_signal(&p->done_cv);
	}
}

static void *
pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	pthread_mutex_lock(&p->lock);
	while (p->next < p->njobs) {
		if (p->next >= p->released + p->window) {
			pthread_cond_wait(&p->window_cv, &p->lock);
			continue;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		p->fn(p->ctx, i);
		pthread_mutex_lock(&p->lock);
		pool_job_done(p, i);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
pool_start(size_t njobs, size_t nthreads, size_t window, pool_fn fn,
    void *ctx, struct pool **out)
{
	pthread_condattr_t attr;
	struct pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->done = calloc(njobs + 1, 1)) == NULL ||
	    (p->threads = calloc(nthreads, sizeof(*p->threads))) == NULL) {
		if (p != NULL)
			free(p->done);
		free(p);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	pthread_mutex_init(&p->lock, NULL);
	/* pool_wait_ms() times its wait on the clock no one sets. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done_cv, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&p->window_cv, NULL);
	p->njobs = njobs;
	p->window = window > 0 ? window : 1;
	p->fn = fn;
	p->ctx = ctx;
	for (p->nthreads = 0; p->nthreads < nthreads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, pool_worker,
		    p) != 0)
			break;
	if (p->nthreads == 0) {
		pool_finish(p);
		return gf_fail(GF_ERR_INTERNAL, "cannot start a worker thread");
	}
	*out = p;
	return 0;
}

/* What a caller that must sleep for job index waits for: a batch. */
static size_t
pool_want(const struct pool *p, size_t index)
{
	size_t want = index + (p->window + POOL_WAKE_SHARE - 1) /
	    POOL_WAKE_SHARE;

	/* No more than the window lets the workers start without releases. */
	if (want > p->released + p->window)
		want = p->released + p->window;
	if (want > p->njobs)
		want = p->njobs;
	return want > index ? want : index + 1;
}

int
pool_wait_ms(struct pool *p, size_t index, long ms)
{
	struct timespec until;
	size_t want;
	int done;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->lock);
	if (p->ready <= index) {
		want = pool_want(p, index);
		while (p->ready < want) {
			p->wanted = want;
			if (ms < 0)
				pthread_cond_wait(&p->done_cv, &p->lock);
			else if (pthread_cond_timedwait(&p->done_cv, &p->lock,
			    &until) == ETIMEDOUT) {
				p->wanted = 0;	/* no one waits any more */
				break;
			}
		}
	}
	done = p->ready > index;
	pthread_mutex_unlock(&p->lock);
	return done;
}

void
pool_wait(struct pool *p, size_t index)
{
	(void)pool_wait_ms(p, index, -1);
}

void
pool_release(struct pool *p, size_t count)
{
	pthread_mutex_lock(&p->lock);
	p->released = count;
	pthread_cond_broadcast(&p->window_cv);
	pthread_mutex_unlock(&p->lock);
}

void
pool_finish(struct pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->next = p->njobs;	/* take nothing more */
	pthread_cond_broadcast(&p->window_cv);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->done_cv);
	pthread_cond_destroy(&p->window_cv);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->done);
	free(p);
}

struct relay {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	size_t		 limit;
	int		 finish;
	relay_fn	 fn;
	void		*ctx;
};

static void *
relay_run(void *arg)
{
	struct relay *r = arg;
	size_t i = 0, limit;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (i == r->limit && !r->finish)
			pthread_cond_wait(&r->cv, &r->lock);
		if (i == r->limit)
			break;
		limit = r->limit;
		pthread_mutex_unlock(&r->lock);
		for (; i < limit; i++)
			r->fn(r->ctx, i, i + 1 == limit);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int
relay_start(relay_fn fn, void *ctx, struct relay **out)
{
	struct relay *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->fn = fn;
	r->ctx = ctx;
	if (pthread_create(&r->thread, NULL, relay_run, r) != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return gf_fail(GF_ERR_INTERNAL, "cannot start a thread");
	}
	*out = r;
	return 0;
}

void
relay_advance(struct relay *r, size_t limit)
{
	pthread_mutex_lock(&r->lock);
	r->limit = limit;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->lock);
}

void
relay_finish(struct relay *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->finish = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

size_t
pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (size_t)n : 1;
}
