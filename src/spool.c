/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The spool engine (spool.h): jobs, worker threads, the writer's group
 * commits and the relay of outputs.
 */
#include <dirent.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/issue.h"
#include "genfic/keys.h"
#include "genfic/owner.h"
#include "genfic/policy.h"
#include "genfic/pool.h"
#include "genfic/privsep.h"
#include "genfic/request.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "genfic/spool.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"

/*
 * Certificates per commit, at most, or this long.  Each commit writes
 * every index page its inserts touched, and the serial, key and
 * fingerprint indexes are touched at random: fewer commits, fewer pages.
 */
#define SPOOL_GROUP		1000
#define SPOOL_GROUP_MS		250
/*
 * Requests signed ahead of the relay.  More than a group, or the writer
 * would wait for a request no worker may start before the group commits.
 */
#define SPOOL_WINDOW		2048
_Static_assert(SPOOL_WINDOW > SPOOL_GROUP, "a group must fit in the window");
/* Written certificates released to the workers at once. */
#define SPOOL_RELEASE		64
/*
 * A worker judges a batch of requests at a time in a parser process
 * (privsep.h): one round trip a batch.  Twice as many workers (and
 * parsers) as CPUs, so that while some wait for their parser, others sign.
 */
#define SPOOL_BATCH		PRIVSEP_BATCH
#define SPOOL_WORKERS_PER_CPU	2
_Static_assert(SPOOL_WINDOW % SPOOL_BATCH == 0, "whole batches");
_Static_assert(SPOOL_RELEASE % SPOOL_BATCH == 0, "whole batches");

/* One request: a worker fills in everything but the recording. */
struct spool_job {
	char		*path;
	char		*out;		/* its DIR/BASENAME.crt, with -o DIR */
	const char	*clash;		/* another request of the same out */
	int		 from_spool;	/* found in a directory, not named */
	struct request	*req;		/* checked, or NULL */
	int		 hashed;	/* row.spki_hash is the request's key's */
	unsigned char	 digest[GF_SHA256_LEN];	/* of the file's bytes */
	int		 digested;	/* digest is the file's, as judged */
	int		 seen_file;	/* this file was signed before */
	struct cert_row	 row;		/* its row in the store */
	int		 r;		/* the worker's failure */
	char		*why;		/* the worker's message */
	int		 recorded;
	int		 clamped;	/* notAfter was cut to the CA's */
};

struct spool {
	const struct spool_params *p;	/* the caller's */
	struct spool_job *jobs;
	size_t		 njobs;
	const char	*out_dir;	/* one file per request, or NULL */
	struct pool	*pool;
	EVP_MD_CTX	*sign_ctx;	/* the CA key's (key_sign_setup()) */
	struct privsep	*ps;		/* the caller's parsers */
	/* The first batches, parsed while the CA key loads. */
	struct pool	*ahead_pool;
	struct spool_parsed *ahead;
	size_t		 nahead;
	struct store	*seen_st;	/* the workers' read-only connection */
	pthread_mutex_t	 seen_lock;
	size_t		 signed_, refused, skipped, clamped;	/* committed */
	size_t		 unwritten;	/* the relay's count */
};

static int
has_request_suffix(const char *name)
{
	static const char *const suffixes[] = { ".req", ".csr", ".pem", NULL };
	size_t i, n = strlen(name), k;

	for (i = 0; suffixes[i] != NULL; i++) {
		k = strlen(suffixes[i]);
		if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

static int
spool_add_file(struct spool *s, char *path, int from_spool)
{
	struct spool_job *jobs;

	if (path == NULL ||
	    (jobs = realloc(s->jobs, (s->njobs + 1) * sizeof(*jobs))) == NULL) {
		free(path);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	s->jobs = jobs;
	memset(&s->jobs[s->njobs], 0, sizeof(*jobs));
	s->jobs[s->njobs].path = path;
	s->jobs[s->njobs].from_spool = from_spool;
	s->njobs++;
	return 0;
}

static int
compare_jobs(const void *a, const void *b)
{
	return strcmp(((const struct spool_job *)a)->path,
	    ((const struct spool_job *)b)->path);
}

/* Adds every request file of a spool directory, in name order. */
static int
spool_add_directory(struct spool *s, const char *dir)
{
	struct dirent *de;
	size_t first = s->njobs;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL)
		return gf_fail(GF_ERR_IO, "%s: cannot read directory", dir);
	while (r == 0 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && has_request_suffix(de->d_name))
			r = spool_add_file(s, file_join(dir, de->d_name), 1);
	closedir(d);
	if (r == 0 && s->njobs > first)
		qsort(s->jobs + first, s->njobs - first, sizeof(*s->jobs),
		    compare_jobs);
	return r;
}

/* DIR/BASENAME.crt: request path's certificate, with -o DIR. */
static char *
spool_output_path(const struct spool *s, const char *path)
{
	char *copy, *base, *dot, *out = NULL;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	base = basename(copy);
	if ((dot = strrchr(base, '.')) != NULL && dot != base)
		*dot = '\0';
	if (asprintf(&out, "%s/%s.crt", s->out_dir, base) == -1)
		out = NULL;
	free(copy);
	return out;
}

static int
compare_outputs(const void *a, const void *b)
{
	return strcmp((*(struct spool_job *const *)a)->out,
	    (*(struct spool_job *const *)b)->out);
}

/*
 * Each request's file under -o DIR.  Two requests of one file name
 * (a.csr and a.req) are both refused, before either is signed: whichever
 * came second would replace or lose the other's certificate.
 */
int
spool_out_dir(struct spool *s, const char *dir)
{
	struct spool_job **by_out;
	size_t i;

	s->out_dir = dir;
	for (i = 0; i < s->njobs; i++)
		if ((s->jobs[i].out = spool_output_path(s, s->jobs[i].path)) ==
		    NULL)
			return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((by_out = calloc(s->njobs, sizeof(*by_out))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (i = 0; i < s->njobs; i++)
		by_out[i] = &s->jobs[i];
	qsort(by_out, s->njobs, sizeof(*by_out), compare_outputs);
	for (i = 1; i < s->njobs; i++)
		if (strcmp(by_out[i - 1]->out, by_out[i]->out) == 0) {
			by_out[i - 1]->clash = by_out[i]->path;
			by_out[i]->clash = by_out[i - 1]->path;
		}
	free(by_out);
	return 0;
}

static void
spool_request_of(const struct spool *s, struct spool_job *j,
    struct issue_request *req)
{
	request_to_issue(j->req, s->p->rules, s->p->ca, s->p->ca_key, req);
	req->issuer_sign = s->sign_ctx;
	if (s->p->owner != NULL)
		req->owner = s->p->owner;
	/* One request warns itself; a spool says it once at the end. */
	req->clamped = s->njobs > 1 ? &j->clamped : NULL;
}

/* Found in a spool and not --force: skipped if already signed. */
static int
spool_may_skip(const struct spool *s, const struct spool_job *j)
{
	return j->from_spool && !s->p->force;
}

/*
 * A worker's look for the file itself, by its bytes' digest: a spool run
 * again knows what it signed without a parser, and without a parse.
 */
static int
spool_seen_file(struct spool *s, const struct spool_job *j)
{
	int found;

	if (s->seen_st == NULL || !spool_may_skip(s, j))
		return 0;
	pthread_mutex_lock(&s->seen_lock);
	found = certdb_find_request(s->seen_st, s->p->ca->id, j->digest,
	    time(NULL), NULL, NULL, NULL) == 1;
	pthread_mutex_unlock(&s->seen_lock);
	gf_errclear();
	return found;
}

/* Request j's bytes, and their digest. */
static int
spool_job_read(struct spool_job *j, unsigned char **data, size_t *len)
{
	int r;

	if ((r = file_read(j->path, GF_MAX_INPUT_FILE, data, len)) != 0)
		return r;
	if (!EVP_Digest(*data, *len, j->digest, NULL, gf_sha256(), NULL)) {
		free(*data);
		return gf_fail_crypto("digest");
	}
	j->digested = 1;
	return 0;
}

/*
 * What identifies refused request j's certificate, for the writer's look
 * (spool_already()): its key's hash, and its subject where a spool may
 * skip it.  A signed request's row says it.  From the request as judged
 * here, else as its parser found it, the template applied.
 */
static void
spool_identify(struct spool *s, struct spool_job *j,
    const struct privsep_reply *reply)
{
	X509_NAME *made = NULL;

	if (j->req != NULL)
		memcpy(j->row.spki_hash, j->req->spki_hash, GF_SHA256_LEN);
	else if (reply->made.spki == NULL ||
	    spki_hash(reply->made.spki, j->row.spki_hash) != 0) {
		gf_errclear();
		return;
	}
	j->hashed = 1;
	if (!spool_may_skip(s, j))
		return;
	if (j->req != NULL)
		j->row.subject = dn_format(j->req->subject);
	else if (reply->made.subject != NULL && policy_subject(
	    s->p->rules->tmpl, reply->made.subject, &made) == 0)
		j->row.subject = dn_format(made);
	X509_NAME_free(made);
	gf_errclear();
}

/* Signs checked request j: its row. */
static int
spool_job_sign(struct spool *s, struct spool_job *j)
{
	struct issue_request req;
	struct cert_row row;
	X509 *cert = NULL;
	int r;

	/* Nothing is signed, nor committed, that cannot be written. */
	if (s->out_dir && (r = s->p->out_check(j->out, s->p->force)) != 0)
		return r;
	spool_request_of(s, j, &req);
	/* The row holds all that is needed of the certificate. */
	if ((r = issue_prepare(&req, &cert, &row)) == 0) {
		certdb_row_clear(&j->row);
		j->row = row;
	}
	X509_free(cert);
	return r;
}

/*
 * The parser's verdict on request j: its first refusal, or the request
 * judged again here (request_check_parsed()) and signed.
 */
static int
spool_accept(struct spool *s, struct spool_job *j, struct privsep_reply *reply)
{
	const struct request_verdict *v;
	size_t i;
	int r;

	for (i = 0; i < reply->all.n; i++) {
		v = &reply->all.v[i];
		if (v->state == REQUEST_REFUSED)
			return gf_fail(v->r, "%s", v->why != NULL ? v->why :
			    gf_strerror(v->r));
	}
	if ((r = request_check_parsed(s->p->rules, &reply->made, &j->req)) != 0)
		return r;
	/*
	 * A request that names no address of its own is owned by the sender
	 * mail intake recorded beside it, if any (--owner overrides both).
	 */
	if (s->p->owner == NULL && j->req->owner == NULL &&
	    (r = owner_from_sidecar(j->path, &j->req->owner)) != 0)
		return r;
	return spool_job_sign(s, j);
}

static void
spool_job_fail(struct spool_job *j, int r)
{
	j->r = r;
	if (asprintf(&j->why, "%s%s", r == GF_ERR_POLICY ? "refused: " : "",
	    gf_errmsg(r)) == -1)
		j->why = NULL;
}

/*
 * Request j judged now, in the writer, by a parser: a request signed
 * before whose certificate was revoked or expired since a worker looked.
 */
static int
spool_job_check(struct spool *s, struct spool_job *j)
{
	struct privsep_reply reply;
	const unsigned char *cdata;
	unsigned char *data;
	size_t len;
	int r;

	if ((r = spool_job_read(j, &data, &len)) != 0)
		return r;
	cdata = data;
	r = privsep_parse(s->ps, &cdata, &len, 1, &reply);
	free(data);
	if (r == 0)
		r = spool_accept(s, j, &reply);
	privsep_reply_clear(&reply);
	return r;
}

/* The requests of a batch that a parser is to judge. */
struct spool_batch {
	struct spool_job	*jobs[SPOOL_BATCH];
	const unsigned char	*data[SPOOL_BATCH];
	size_t			 len[SPOOL_BATCH];
	size_t			 n;
};

/* A batch as its parser judged it, to be signed. */
struct spool_parsed {
	struct spool_batch	 b;
	struct privsep_reply	 replies[SPOOL_BATCH];
	int			 done;
};

/* Request j into the batch, unless it fails or was signed before. */
static void
spool_job_collect(struct spool *s, struct spool_job *j, struct spool_batch *b)
{
	unsigned char *data;
	size_t len;
	int r;

	gf_errclear();
	if (j->clash != NULL) {
		spool_job_fail(j, gf_fail(GF_ERR_CONFLICT, "%s would also be the "
		    "certificate of %s", j->out, j->clash));
		return;
	}
	if ((r = spool_job_read(j, &data, &len)) != 0) {
		spool_job_fail(j, r);
		return;
	}
	if ((j->seen_file = spool_seen_file(s, j))) {
		free(data);
		return;
	}
	b->jobs[b->n] = j;
	b->data[b->n] = data;
	b->len[b->n++] = len;
}

/* Batch i collected and judged by a parser, into *pb (b.n 0 if it failed). */
static void
spool_batch_parse(struct spool *s, size_t i, struct spool_parsed *pb)
{
	size_t k, first = i * SPOOL_BATCH;
	int r = 0;

	pb->b.n = 0;
	for (k = first; k < s->njobs && k < first + SPOOL_BATCH; k++)
		spool_job_collect(s, &s->jobs[k], &pb->b);
	if (pb->b.n > 0)
		r = privsep_parse(s->ps, pb->b.data, pb->b.len, pb->b.n,
		    pb->replies);
	for (k = 0; k < pb->b.n; k++) {
		free((void *)pb->b.data[k]);
		pb->b.data[k] = NULL;
		/* Said here: the message is this thread's. */
		if (r != 0)
			spool_job_fail(pb->b.jobs[k], r);
	}
	if (r != 0)
		pb->b.n = 0;
	pb->done = 1;
}

/* The requests of parsed batch pb, judged again here and signed. */
static void
spool_batch_sign(struct spool *s, struct spool_parsed *pb)
{
	struct spool_job *j;
	size_t k;
	int r;

	for (k = 0; k < pb->b.n; k++) {
		j = pb->b.jobs[k];
		gf_errclear();
		/*
		 * Refused now, it may have been honoured before: the writer
		 * looks.  A signed one is looked for by its row, so the
		 * workers need no look of their own (a re-run of the same
		 * files is known by their digests, before any parse).
		 */
		if ((r = spool_accept(s, j, &pb->replies[k])) != 0) {
			spool_job_fail(j, r);
			spool_identify(s, j, &pb->replies[k]);
		}
		privsep_reply_clear(&pb->replies[k]);
	}
}

/* The parse-ahead pool's job: batch i parsed while the CA key loads. */
static void
spool_batch_ahead(void *ctx, size_t i)
{
	struct spool *s = ctx;

	spool_batch_parse(s, i, &s->ahead[i]);
}

/* A worker: batch i, parsed ahead or now, then signed. */
static void
spool_batch_run(void *ctx, size_t i)
{
	struct spool *s = ctx;
	struct spool_parsed now;

	if (i < s->nahead && s->ahead[i].done) {
		spool_batch_sign(s, &s->ahead[i]);
		return;
	}
	memset(&now, 0, sizeof(now));
	spool_batch_parse(s, i, &now);
	spool_batch_sign(s, &now);
}

/*
 * The valid certificate job j was signed as before: of this very file
 * (by its digest), else of the same key and subject.
 */
static int
spool_lookup(struct spool *s, const struct spool_job *j,
    char hex[2 * GF_SERIAL_MAX + 1], unsigned char **der, int *derlen)
{
	if (j->seen_file)
		return certdb_find_request(s->p->st, s->p->ca->id, j->digest,
		    time(NULL), hex, der, derlen);
	return certdb_find_signed(s->p->st, s->p->ca->id, j->row.spki_hash,
	    j->row.subject, time(NULL), hex, der, derlen);
}

/*
 * A spool re-run skips requests whose file, or key and subject, already
 * have a valid certificate of this CA, whatever else is wrong with them:
 * they were honoured.  Returns 1 (and reports it) to skip; if the
 * certificate's file was lost (a crash between the commit and the write)
 * the stored certificate is written again.
 */
static int
spool_already(struct spool *s, struct spool_job *j)
{
	char hex[2 * GF_SERIAL_MAX + 1];
	unsigned char *der = NULL;
	int derlen = 0, lost, r;

	if (!spool_may_skip(s, j) || (!j->seen_file && j->row.subject == NULL))
		return 0;
	r = spool_lookup(s, j, hex, NULL, NULL);
	if (r == 1 && (lost = j->out != NULL && !file_exists(j->out)))
		r = spool_lookup(s, j, hex, &der, &derlen);
	if (r != 1) {
		gf_errclear();
		return 0;
	}
	/* The stored certificate is written again, in place of a new one. */
	certdb_row_clear(&j->row);
	if (der != NULL) {
		j->row.der = der;
		j->row.derlen = derlen;
		j->recorded = 1;
	}
	gf_warnx("%s: already signed as serial %s%s", j->path, hex,
	    j->recorded ? "; its lost file is written again" :
	    " (--force signs it again)");
	return 1;
}

static int
spool_refused(struct spool *s, const struct spool_job *j)
{
	gf_warnx("%s: %s", j->path, j->why != NULL ? j->why : "out of memory");
	s->refused++;
	return 0;
}

/*
 * A request refused (its file exists, say) whose key was revoked for
 * keyCompromise says so instead: that is what must be done about it.  A
 * request with no other fault is refused by issue_commit(); the workers
 * do not look, so that their shared connection stays as busy as it was.
 */
static void
spool_refused_key(struct spool *s, struct spool_job *j)
{
	if (j->hashed && revoke_check_key(s->p->st, j->row.spki_hash) ==
	    GF_ERR_POLICY) {
		free(j->why);
		spool_job_fail(j, GF_ERR_POLICY);
		return;
	}
	gf_errclear();
}

/* Records job j in the open transaction; < 0 only for store failures. */
static int
spool_record(struct spool *s, struct spool_job *j)
{
	struct issue_request req;
	X509 *cert = NULL;	/* signed again if its serial was taken */
	int64_t id = 0;
	int r;

	/* Whatever else is wrong with a request, it was honoured. */
	if (spool_already(s, j)) {
		s->skipped++;
		return 0;
	}
	/* No request after it can be signed: the run stops, this group undone. */
	if (j->r == GF_ERR_KEY_GONE)
		return gf_fail(j->r, "%s", j->why != NULL ? j->why :
		    gf_strerror(j->r));
	if (j->r != 0) {
		spool_refused_key(s, j);
		return spool_refused(s, j);
	}
	/* Revoked or expired since the worker looked: signed here. */
	if (j->seen_file) {
		gf_errclear();
		request_free(j->req);
		j->req = NULL;
		j->seen_file = 0;
		if ((r = spool_job_check(s, j)) != 0) {
			if (r == GF_ERR_KEY_GONE)
				return r;
			spool_job_fail(j, r);
			return spool_refused(s, j);
		}
	} else if (s->out_dir && (r = s->p->out_check(j->out,
	    s->p->force)) != 0) {
		/* Again: the worker may have looked a window of requests ago. */
		spool_job_fail(j, r);
		return spool_refused(s, j);
	}
	spool_request_of(s, j, &req);
	r = issue_commit(s->p->st, s->p->ca->id, s->p->ca->name, &req, s->p->label,
	    &cert, &j->row, &id);
	X509_free(cert);
	/* Once its row is in (its audit entry failed), the group rolls back. */
	if (r == GF_ERR_DB || r == GF_ERR_BUSY || r == GF_ERR_IO ||
	    r == GF_ERR_KEY_GONE || (r != 0 && id != 0))
		return r;
	if (r != 0) {
		spool_job_fail(j, r);
		return spool_refused(s, j);
	}
	/* A re-run knows this file by its bytes, without a parse. */
	if (j->digested && (r = certdb_record_request(s->p->st, j->digest,
	    id)) != 0)
		return r;
	j->recorded = 1;
	if (s->p->recorded != NULL)
		s->p->recorded(s->p->arg, id);
	s->signed_++;
	s->clamped += j->clamped != 0;
	return 0;
}

static void
spool_job_clear(struct spool_job *j)
{
	request_free(j->req);
	certdb_row_clear(&j->row);
	free(j->why);
	j->why = NULL;
	j->req = NULL;
}

/* The relay: writes committed certificate i out and frees its job. */
static void
spool_output(void *ctx, size_t i, int last)
{
	struct spool *s = ctx;
	struct spool_job *j = &s->jobs[i];
	char *pem = NULL;
	size_t len;
	int r = 0;

	if (j->recorded && (r = der_to_pem("CERTIFICATE", j->row.der,
	    (size_t)j->row.derlen, &pem, &len)) == 0) {
		if (s->out_dir)
			r = file_write_unsynced(j->out, pem, len, 0644,
			    s->p->force);
		else
			r = s->p->out_write(s->p->arg, pem, len);
		if (r == GF_ERR_EXISTS && s->out_dir)
			r = gf_fail(r, "%s exists (--force replaces it)", j->out);
	}
	if (r == 0 && last && !s->out_dir)
		r = s->p->out_write(s->p->arg, NULL, 0);
	/* Flushed group by group, while the workers go on, not all at the end. */
	if (last && s->out_dir && file_sync_dir(s->out_dir) != 0)
		gf_warnx("warning: %s: sync failed", s->out_dir);
	if (r != 0) {
		/* Recorded all the same: -E can write it again. */
		gf_report(j->path, r);
		s->unwritten++;
	}
	spool_job_clear(j);
	free(pem);
	if (last || (i + 1) % SPOOL_RELEASE == 0)
		pool_release(s->pool, (i + 1) / SPOOL_BATCH);
	if (s->p->progress != NULL && ((i + 1) % 256 == 0 || i + 1 == s->njobs))
		s->p->progress(s->p->arg, i + 1, s->njobs);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is left of the time of a group begun at started, in ms. */
static long
group_left_ms(long started)
{
	long left = SPOOL_GROUP_MS - (now_ms() - started);

	return left > 0 ? left : 0;
}

static size_t
spool_batches(const struct spool *s)
{
	return (s->njobs + SPOOL_BATCH - 1) / SPOOL_BATCH;
}

size_t
spool_parsers(const struct spool *s)
{
	size_t n = SPOOL_WORKERS_PER_CPU * pool_cpus();

	return spool_batches(s) < n ? spool_batches(s) : n;
}

/* Records every result in order, committing in groups. */
static int
spool_write(struct spool *s)
{
	struct relay *relay = NULL;
	size_t i, first = 0, signed_ = 0, clamped = 0;
	long started = 0;
	int r, open = 0;

	/* Fill the CA certificate's caches before threads share it. */
	X509_check_purpose(s->p->ca->cert, -1, 0);
	if ((r = key_sign_setup(s->p->ca_key, &s->sign_ctx)) != 0)
		return r;
	if ((r = pool_start(spool_batches(s), spool_parsers(s),
	    SPOOL_WINDOW / SPOOL_BATCH, spool_batch_run, s, &s->pool)) != 0)
		return r;
	if ((r = relay_start(spool_output, s, &relay)) != 0)
		goto out;
	for (i = 0; i < s->njobs; i++) {
		/*
		 * A group is not held open while the workers stall (a slow or
		 * pulled token): what is signed is committed within its time.
		 */
		if (open && !pool_wait_ms(s->pool, i / SPOOL_BATCH,
		    group_left_ms(started))) {
			if ((r = store_commit(s->p->st)) != 0)
				break;
			open = 0;
			relay_advance(relay, i);
		}
		pool_wait(s->pool, i / SPOOL_BATCH);
		if (!open) {
			if ((r = store_begin(s->p->st)) != 0)
				break;
			open = 1;
			first = i;
			started = now_ms();
			signed_ = s->signed_;
			clamped = s->clamped;
		}
		if ((r = spool_record(s, &s->jobs[i])) != 0)
			break;
		if (i + 1 - first >= SPOOL_GROUP ||
		    now_ms() - started >= SPOOL_GROUP_MS || i + 1 == s->njobs) {
			if ((r = store_commit(s->p->st)) != 0)
				break;
			open = 0;
			relay_advance(relay, i + 1);
		}
	}
	/* The summary counts what was committed: not this group. */
	if (r != 0 && open) {
		store_rollback(s->p->st);
		s->signed_ = signed_;
		s->clamped = clamped;
	}
	relay_finish(relay);
 out:
	pool_finish(s->pool);
	EVP_MD_CTX_free(s->sign_ctx);
	s->sign_ctx = NULL;
	return r;
}

void
spool_free(struct spool *s)
{
	size_t i, k;

	if (s == NULL)
		return;
	pool_finish(s->ahead_pool);
	for (i = 0; i < s->nahead; i++)
		for (k = 0; k < s->ahead[i].b.n; k++)
			privsep_reply_clear(&s->ahead[i].replies[k]);
	free(s->ahead);
	for (i = 0; i < s->njobs; i++) {
		free(s->jobs[i].path);
		free(s->jobs[i].out);
		spool_job_clear(&s->jobs[i]);
	}
	free(s->jobs);
	store_free(s->seen_st);
	pthread_mutex_destroy(&s->seen_lock);
	free(s);
}

/* The workers' connection, for spools that --force does not re-sign. */
static void
spool_open_seen(struct spool *s)
{
	size_t i;

	if (s->seen_st != NULL)
		return;
	for (i = 0; i < s->njobs && !spool_may_skip(s, &s->jobs[i]); i++)
		continue;
	if (i == s->njobs)
		return;
	/* Without it, the writer's look alone skips what was signed. */
	if (store_open(s->p->store_dir, GF_STORE_READONLY, &s->seen_st) != 0)
		gf_errclear();
}


int
spool_new(const struct spool_params *p, struct spool **out)
{
	struct spool *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	s->p = p;
	pthread_mutex_init(&s->seen_lock, NULL);
	*out = s;
	return 0;
}

int
spool_add(struct spool *s, const char *path)
{
	if (file_is_dir(path))
		return spool_add_directory(s, path);
	return spool_add_file(s, strdup(path), 0);
}

size_t
spool_size(const struct spool *s)
{
	return s->njobs;
}

int
spool_parse_ahead(struct spool *s)
{
	size_t n = spool_batches(s);

	s->ps = s->p->privsep;
	spool_open_seen(s);
	if (n > SPOOL_WINDOW / SPOOL_BATCH)
		n = SPOOL_WINDOW / SPOOL_BATCH;
	if ((s->ahead = calloc(n, sizeof(*s->ahead))) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	s->nahead = n;
	return pool_start(n, spool_parsers(s), n, spool_batch_ahead, s,
	    &s->ahead_pool);
}

int
spool_run(struct spool *s, struct spool_counts *counts)
{
	int r;

	/* What was parsed ahead is all there is before the key. */
	pool_finish(s->ahead_pool);
	s->ahead_pool = NULL;
	s->ps = s->p->privsep;
	spool_open_seen(s);
	r = spool_write(s);
	if (s->out_dir != NULL && file_sync_dir(s->out_dir) != 0)
		gf_warnx("warning: %s: sync failed", s->out_dir);
	memset(counts, 0, sizeof(*counts));
	counts->requests = s->njobs;
	counts->signed_ = s->signed_;
	counts->refused = s->refused;
	counts->skipped = s->skipped;
	counts->clamped = s->clamped;
	counts->unwritten = s->unwritten;
	return r;
}
