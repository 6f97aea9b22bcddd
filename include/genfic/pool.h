/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An ordered work pool: worker threads run fn(ctx, i) for i = 0..n-1, and
 * the caller consumes the results in order with pool_wait().  Workers stay
 * at most window jobs ahead of what the caller has released, so memory is
 * bounded however long the list.
 */
#ifndef GENFIC_POOL_H
#define GENFIC_POOL_H

#include <stddef.h>

struct pool;

typedef void	(*pool_fn)(void *ctx, size_t index);

int	pool_start(size_t njobs, size_t nthreads, size_t window, pool_fn fn,
	    void *ctx, struct pool **pool);

/*
 * Waits until job index has run; having to sleep, until a 32nd of the
 * window after it has too, or as many as the window lets the workers start.
 */
void	pool_wait(struct pool *pool, size_t index);

/* The same, for at most ms milliseconds: 1 when job index has run. */
int	pool_wait_ms(struct pool *pool, size_t index, long ms);

/*
 * Jobs below count are consumed: workers may run up to count + window.
 * Every release may wake the workers: release in batches.
 */
void	pool_release(struct pool *pool, size_t count);

/* Stops taking jobs, joins the workers and frees the pool; NULL is fine. */
void	pool_finish(struct pool *pool);

/*
 * A relay: one thread that runs fn(ctx, i, last) for every i below the
 * limit the caller raises, in order, while the caller goes on; last says
 * that i is the last job below the limit the relay has seen.
 */
struct relay;

typedef void	(*relay_fn)(void *ctx, size_t index, int last);

int	relay_start(relay_fn fn, void *ctx, struct relay **relay);
void	relay_advance(struct relay *relay, size_t limit);

/* Runs what is left below the limit, then joins and frees; NULL is fine. */
void	relay_finish(struct relay *relay);

/* The number of online CPUs, at least 1. */
size_t	pool_cpus(void);

#endif
