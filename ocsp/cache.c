/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signed responses, kept until their refresh point.  A hash table split
 * into shards, each with its own lock and its own oldest-first eviction;
 * keyed with SipHash so that chosen requests cannot pile up in one chain.
 * An entry remembers the database generation at which its status was
 * last checked: after a change it is STALE, and the caller rechecks the
 * status instead of signing again when nothing changed for it.
 *
 * The budget is in bytes: each entry counts as cache_entry_cost() (the
 * struct, the response, the key, malloc's overhead), the bucket arrays
 * are taken off first, and a shard evicts its oldest entries until the
 * new one fits its share.  The key is a canonical request (see
 * cache_key), so padding a request does not make its entry bigger.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "genfic/err.h"
#include "genfic/x509util.h"
#include "ocspd-local.h"

#define CACHE_SHARD_BITS	6
#define CACHE_SHARDS		(1 << CACHE_SHARD_BITS)
#define CACHE_MALLOC_OVERHEAD	16	/* glibc: header, 16-octet rounding */
#define CACHE_TYPICAL_ENTRY	1024	/* to size the hash table */

struct entry {
	struct entry		*next;		/* hash chain */
	struct entry		*older;		/* insertion order */
	struct entry		*newer;
	uint64_t		 hash;
	uint64_t		 conf_gen;
	size_t			 key_len;	/* the request, after der */
	size_t			 ca;
	struct serial		 serial;
	struct cert_status	 status;	/* what the response says */
	uint64_t		 gen;		/* status checked at */
	time_t			 this_update;
	time_t			 next_update;
	time_t			 refresh_at;
	char			 etag[OCSPD_ETAG_LEN];
	size_t			 len;
	unsigned char		 der[];		/* then the request */
};

struct shard {
	pthread_mutex_t	  lock;
	struct entry	**buckets;
	size_t		  mask;		/* buckets - 1 */
	size_t		  count;
	size_t		  max;		/* entries; 0: no limit */
	size_t		  bytes;	/* cache_entry_cost() of each */
	size_t		  max_bytes;
	struct entry	 *oldest;
	struct entry	 *newest;
};

struct cache {
	struct shard	 shards[CACHE_SHARDS];
	uint64_t	 sipkey[2];
};

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* SipHash-2-4 (Aumasson and Bernstein). */
static uint64_t
siphash(const uint64_t k[2], const unsigned char *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ k[0];
	uint64_t v3 = 0x7465646279746573ULL ^ k[1];
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, j, n = len & ~(size_t)7;

	for (i = 0; i < n; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (j = 0; j < (len & 7); j++)
		b |= (uint64_t)in[n + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The CA set's generation goes in through the key. */
static uint64_t
key_hash(const struct cache *c, const struct cache_key *k)
{
	uint64_t key[2];

	key[0] = c->sipkey[0] ^ k->conf_gen;
	key[1] = c->sipkey[1];
	return siphash(key, k->req, k->len);
}

static int
key_equal(const struct entry *e, const struct cache_key *k)
{
	return e->conf_gen == k->conf_gen && e->key_len == k->len &&
	    memcmp(e->der + e->len, k->req, k->len) == 0;
}

void
etag_of(const unsigned char *data, size_t len, char etag[OCSPD_ETAG_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(data, len, md, &n, gf_sha256(), NULL) || n != 32)
		memset(md, 0, n = 32);
	etag[0] = '"';
	hex_encode(md, n, etag + 1);
	etag[1 + 2 * n] = '"';
	etag[2 + 2 * n] = '\0';
}

size_t
cache_entry_cost(size_t der_len, size_t key_len)
{
	size_t n = sizeof(struct entry) + der_len + key_len;

	return ((n + 15) & ~(size_t)15) + CACHE_MALLOC_OVERHEAD;
}

struct cache *
cache_new(size_t max_entries, size_t max_bytes)
{
	struct cache *c;
	size_t i, per, per_bytes, nb, expect;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (RAND_bytes((unsigned char *)c->sipkey, sizeof(c->sipkey)) != 1) {
		free(c);
		return NULL;
	}
	per = max_entries > 0 ? max_entries / CACHE_SHARDS + 1 : 0;
	expect = max_bytes / CACHE_SHARDS / CACHE_TYPICAL_ENTRY + 1;
	if (per > 0 && per < expect)
		expect = per;
	for (nb = 16; nb < expect; nb <<= 1)
		;
	/* The table is part of the budget. */
	per_bytes = max_bytes / CACHE_SHARDS;
	per_bytes = per_bytes > nb * sizeof(struct entry *) ?
	    per_bytes - nb * sizeof(struct entry *) : 0;
	for (i = 0; i < CACHE_SHARDS; i++) {
		pthread_mutex_init(&c->shards[i].lock, NULL);
		c->shards[i].max = per;
		c->shards[i].max_bytes = per_bytes;
		c->shards[i].mask = nb - 1;
		if ((c->shards[i].buckets = calloc(nb,
		    sizeof(*c->shards[i].buckets))) == NULL) {
			cache_free(c);
			return NULL;
		}
	}
	return c;
}

void
cache_usage(struct cache *c, size_t *entries, size_t *bytes)
{
	size_t i;

	*entries = 0;
	*bytes = 0;
	for (i = 0; i < CACHE_SHARDS; i++) {
		pthread_mutex_lock(&c->shards[i].lock);
		*entries += c->shards[i].count;
		*bytes += c->shards[i].bytes + (c->shards[i].mask + 1) *
		    sizeof(struct entry *);
		pthread_mutex_unlock(&c->shards[i].lock);
	}
}

int
cache_canonical(const OCSP_CERTID *id, unsigned char **der, size_t *len)
{
	OCSP_REQUEST *req;
	OCSP_CERTID *dup;
	unsigned char *out = NULL;
	int n, r = GF_ERR_ALLOC;

	if ((req = OCSP_REQUEST_new()) == NULL ||
	    (dup = OCSP_CERTID_dup((OCSP_CERTID *)id)) == NULL)
		goto out;
	if (OCSP_request_add0_id(req, dup) == NULL) {
		OCSP_CERTID_free(dup);
		goto out;
	}
	if ((n = i2d_OCSP_REQUEST(req, &out)) <= 0)
		goto out;
	if ((size_t)n > OCSPD_CACHE_KEY_MAX) {
		OPENSSL_free(out);
		r = GF_ERR_TOO_LARGE;
		goto out;
	}
	*der = out;
	*len = (size_t)n;
	r = 0;
 out:
	OCSP_REQUEST_free(req);
	ERR_clear_error();
	return r;
}

void
cache_free(struct cache *c)
{
	struct entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CACHE_SHARDS; i++) {
		for (e = c->shards[i].oldest; e != NULL; e = next) {
			next = e->newer;
			free(e);
		}
		free(c->shards[i].buckets);
		pthread_mutex_destroy(&c->shards[i].lock);
	}
	free(c);
}

static struct shard *
shard_of(struct cache *c, uint64_t hash)
{
	return &c->shards[hash >> (64 - CACHE_SHARD_BITS)];
}

static struct entry **
find(struct shard *sh, uint64_t hash, const struct cache_key *k)
{
	struct entry **ep;

	for (ep = &sh->buckets[hash & sh->mask]; *ep != NULL;
	    ep = &(*ep)->next)
		if ((*ep)->hash == hash && key_equal(*ep, k))
			return ep;
	return NULL;
}

/* Unlinks the entry *ep points to from both lists and frees it. */
static void
drop(struct shard *sh, struct entry **ep)
{
	struct entry *e = *ep;

	*ep = e->next;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		sh->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		sh->newest = e->older;
	sh->count--;
	sh->bytes -= cache_entry_cost(e->len, e->key_len);
	free(e);
}

static void
drop_oldest(struct shard *sh)
{
	struct entry **ep;

	for (ep = &sh->buckets[sh->oldest->hash & sh->mask]; *ep != sh->oldest;
	    ep = &(*ep)->next)
		;
	drop(sh, ep);
}

int
cache_get(struct cache *c, const struct cache_key *k, time_t now,
    uint64_t gen, struct cache_hit *hit)
{
	uint64_t hash = key_hash(c, k);
	struct shard *sh = shard_of(c, hash);
	struct entry **ep, *e;
	int r;

	pthread_mutex_lock(&sh->lock);
	if ((ep = find(sh, hash, k)) == NULL) {
		r = CACHE_MISS;
		goto out;
	}
	e = *ep;
	/* Past its refresh point, or the clock went back: sign anew. */
	if (now >= e->refresh_at || now < e->this_update) {
		drop(sh, ep);
		r = CACHE_MISS;
		goto out;
	}
	if ((hit->der = malloc(e->len)) == NULL) {
		r = GF_ERR_ALLOC;
		goto out;
	}
	memcpy(hit->der, e->der, e->len);
	hit->len = e->len;
	hit->this_update = e->this_update;
	hit->next_update = e->next_update;
	memcpy(hit->etag, e->etag, sizeof(hit->etag));
	hit->ca = e->ca;
	hit->serial = e->serial;
	hit->status = e->status;
	r = e->gen == gen ? CACHE_HIT : CACHE_STALE;
 out:
	pthread_mutex_unlock(&sh->lock);
	return r;
}

void
cache_confirm(struct cache *c, const struct cache_key *k, uint64_t gen)
{
	uint64_t hash = key_hash(c, k);
	struct shard *sh = shard_of(c, hash);
	struct entry **ep;

	pthread_mutex_lock(&sh->lock);
	if ((ep = find(sh, hash, k)) != NULL && (*ep)->gen < gen)
		(*ep)->gen = gen;
	pthread_mutex_unlock(&sh->lock);
}

int
cache_put(struct cache *c, const struct cache_key *k, size_t ca,
    const struct serial *serial, const struct cert_status *st, uint64_t gen,
    const struct answer *a, time_t refresh_at)
{
	uint64_t hash = key_hash(c, k);
	struct shard *sh = shard_of(c, hash);
	struct entry **ep, *e;
	size_t cost = cache_entry_cost(a->len, k->len);

	if (cost > sh->max_bytes)
		return 0;	/* would not fit even alone */
	if ((e = malloc(sizeof(*e) + a->len + k->len)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	memset(e, 0, sizeof(*e));
	e->hash = hash;
	e->conf_gen = k->conf_gen;
	e->key_len = k->len;
	e->ca = ca;
	e->serial = *serial;
	e->status = *st;
	e->gen = gen;
	e->this_update = a->this_update;
	e->next_update = a->next_update;
	e->refresh_at = refresh_at;
	e->len = a->len;
	memcpy(e->der, a->der, a->len);
	memcpy(e->der + a->len, k->req, k->len);
	etag_of(a->der, a->len, e->etag);

	pthread_mutex_lock(&sh->lock);
	if ((ep = find(sh, hash, k)) != NULL)
		drop(sh, ep);
	while (sh->oldest != NULL && ((sh->max > 0 && sh->count >= sh->max) ||
	    sh->bytes + cost > sh->max_bytes))
		drop_oldest(sh);
	e->next = sh->buckets[hash & sh->mask];
	sh->buckets[hash & sh->mask] = e;
	e->older = sh->newest;
	if (sh->newest != NULL)
		sh->newest->newer = e;
	else
		sh->oldest = e;
	sh->newest = e;
	sh->count++;
	sh->bytes += cost;
	pthread_mutex_unlock(&sh->lock);
	return 0;
}
