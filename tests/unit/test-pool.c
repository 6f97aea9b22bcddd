/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ordered pool and the relay, driven the way cmd-sign drives them: the
 * caller consumes results in order, a relay releases them in batches, and
 * the window is smaller or larger than the pool's wake-up batch.  A lost
 * wake-up hangs the test, which meson's timeout reports.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/pool.h"
#include "test.h"

struct run {
	size_t		 njobs;
	size_t		 release_every;
	unsigned	*ran;		/* times each job ran */
	unsigned char	*relayed;	/* the relay's order check */
	size_t		 relay_next;
	size_t		 relay_bad;
	size_t		 lasts;		/* "last" flags the relay saw */
	struct pool	*pool;
};

static void
job(void *ctx, size_t i)
{
	struct run *r = ctx;

	__atomic_add_fetch(&r->ran[i], 1, __ATOMIC_RELAXED);
}

static void
relayed(void *ctx, size_t i, int last)
{
	struct run *r = ctx;

	if (i != r->relay_next++)
		r->relay_bad++;
	r->lasts += last != 0;
	if (r->pool != NULL &&
	    (last || (r->release_every > 0 && (i + 1) % r->release_every == 0)))
		pool_release(r->pool, i + 1);
}

/* Consumes njobs in order, handing every group of `group` to the relay. */
static void
drive(size_t njobs, size_t threads, size_t window, size_t group,
    size_t release_every, const char *row)
{
	struct run r;
	struct relay *relay;
	size_t i, bad = 0;

	memset(&r, 0, sizeof(r));
	r.njobs = njobs;
	r.release_every = release_every;
	r.ran = calloc(njobs + 1, sizeof(*r.ran));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.ran);
	CU_ASSERT_EQUAL_FATAL(relay_start(relayed, &r, &relay), 0);
	CU_ASSERT_EQUAL_FATAL(pool_start(njobs, threads, window, job, &r,
	    &r.pool), 0);
	for (i = 0; i < njobs; i++) {
		pool_wait(r.pool, i);
		if (__atomic_load_n(&r.ran[i], __ATOMIC_RELAXED) != 1)
			bad++;
		if ((i + 1) % group == 0 || i + 1 == njobs)
			relay_advance(relay, i + 1);
	}
	relay_finish(relay);
	pool_finish(r.pool);
	CHECK_ROW(bad == 0, row);
	CHECK_ROW(r.relay_next == njobs, row);
	CHECK_ROW(r.relay_bad == 0, row);
	/* The relay may see several limits at once: one "last" for them. */
	CHECK_ROW(r.lasts >= 1 && r.lasts <= (njobs + group - 1) / group, row);
	for (i = bad = 0; i < njobs; i++)
		bad += r.ran[i] != 1;
	CHECK_ROW(bad == 0, row);
	free(r.ran);
}

static void
test_pool_orders(void)
{
	static const struct {
		size_t njobs, threads, window, group, release_every;
		const char *row;
	} rows[] = {
		{ 1, 2, 2048, 1000, 64, "one job" },
		{ 1000, 2, 2048, 1000, 64, "one group" },
		{ 5000, 2, 2048, 1000, 64, "cmd-sign's shape" },
		{ 777, 3, 10, 7, 3, "window below the wake-up batch" },
		{ 300, 4, 1, 1, 1, "window of one" },
		{ 200, 1, 65, 64, 0, "release only at the relay's limit" },
		{ 129, 2, 4096, 4096, 0, "window over the whole list" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		drive(rows[i].njobs, rows[i].threads, rows[i].window,
		    rows[i].group, rows[i].release_every, rows[i].row);
}

/* The relay sees every index once, in order, and "last" at each limit. */
static void
test_relay_last(void)
{
	struct run r;
	struct relay *relay;
	size_t limits[] = { 3, 3, 10, 11, 40 }, i;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(relay_start(relayed, &r, &relay), 0);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		relay_advance(relay, limits[i]);
	relay_finish(relay);
	CU_ASSERT_EQUAL(r.relay_next, 40);
	CU_ASSERT_EQUAL(r.relay_bad, 0);
	/* At least the final limit; at most one per distinct limit. */
	CU_ASSERT(r.lasts >= 1 && r.lasts <= 4);
}

int
test_pool_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("pool", NULL, NULL)) == NULL ||
	    CU_add_test(s, "ordered pool, batched wake-ups",
	    test_pool_orders) == NULL ||
	    CU_add_test(s, "relay order and last", test_relay_last) == NULL)
		return -1;
	return 0;
}
