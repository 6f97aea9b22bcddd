/*
 * -s FILE... -p CA: sign certificate requests.  Worker threads read,
 * check and sign the requests; this thread alone talks to SQLite, records
 * the results in request order and commits them in groups; only then does
 * a relay thread write the certificates out, so a certificate that exists
 * anywhere is always in the store, and so revocable.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "genfic/ca.h"
#include "genfic/certdb.h"
#include "genfic/constraints.h"
#include "genfic/dn.h"
#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/issue.h"
#include "genfic/pool.h"
#include "genfic/request.h"
#include "genfic/revoke.h"
#include "genfic/serial.h"
#include "genfic/store.h"
#include "genfic/template.h"
#include "genfic/x509util.h"
#include "cli.h"

/*
 * Certificates per commit, at most, or this long.  Each commit writes
 * every index page its inserts touched, and the serial, key and
 * fingerprint indexes are touched at random: fewer commits, fewer pages.
 */
#define SIGN_GROUP		1000
#define SIGN_GROUP_MS		250
/*
 * Requests signed ahead of the relay.  More than a group, or the writer
 * would wait for a request no worker may start before the group commits.
 */
#define SIGN_WINDOW		2048
_Static_assert(SIGN_WINDOW > SIGN_GROUP, "a group must fit in the window");
/* Written certificates released to the workers at once. */
#define SIGN_RELEASE		64

/* One request: a worker fills in everything but the recording. */
struct sign_job {
	char		*path;
	char		*out;		/* its DIR/BASENAME.crt, with -o DIR */
	const char	*clash;		/* another request of the same out */
	int		 from_spool;	/* found in a directory, not named */
	struct request	*req;		/* checked, or NULL */
	int		 hashed;	/* row.spki_hash is the request's key's */
	struct cert_row	 row;		/* its row in the store */
	int		 r;		/* the worker's failure */
	char		*why;		/* the worker's message */
	int		 seen;		/* signed before: not signed again */
	int		 recorded;
	int		 clamped;	/* notAfter was cut to the CA's */
};

struct sign {
	struct cli	*cli;
	struct store	*st;
	struct ca	*ca;
	EVP_PKEY	*ca_key;
	struct constraints *constraints;	/* of the CA and above */
	struct template	*tmpl;
	GENERAL_NAMES	*extra_san;	/* --san */
	struct request_rules rules;	/* what judges each request */
	struct sign_job	*jobs;
	size_t		 njobs;
	int		 out_dir;	/* -o names a directory */
	struct cli_out	 out;		/* else where the certificate goes */
	struct pool	*pool;
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
add_file(struct sign *s, char *path, int from_spool)
{
	struct sign_job *jobs;

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
	return strcmp(((const struct sign_job *)a)->path,
	    ((const struct sign_job *)b)->path);
}

/* Adds every request file of a spool directory, in name order. */
static int
add_directory(struct sign *s, const char *dir)
{
	struct dirent *de;
	size_t first = s->njobs;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL)
		return gf_fail(GF_ERR_IO, "%s: cannot read directory", dir);
	while (r == 0 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && has_request_suffix(de->d_name))
			r = add_file(s, file_join(dir, de->d_name), 1);
	closedir(d);
	if (r == 0 && s->njobs > first)
		qsort(s->jobs + first, s->njobs - first, sizeof(*s->jobs),
		    compare_jobs);
	return r;
}

/* DIR/BASENAME.crt: request path's certificate, with -o DIR. */
static char *
sign_output_path(const struct sign *s, const char *path)
{
	char *copy, *base, *dot, *out = NULL;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	base = basename(copy);
	if ((dot = strrchr(base, '.')) != NULL && dot != base)
		*dot = '\0';
	if (asprintf(&out, "%s/%s.crt", s->cli->output, base) == -1)
		out = NULL;
	free(copy);
	return out;
}

static int
compare_outputs(const void *a, const void *b)
{
	return strcmp((*(struct sign_job *const *)a)->out,
	    (*(struct sign_job *const *)b)->out);
}

/*
 * Each request's file under -o DIR.  Two requests of one file name
 * (a.csr and a.req) are both refused, before either is signed: whichever
 * came second would replace or lose the other's certificate.
 */
static int
sign_outputs(struct sign *s)
{
	struct sign_job **by_out;
	size_t i;
	int r;

	if ((r = cli_output_dir_open(s->cli->output)) != 0)
		return r;
	for (i = 0; i < s->njobs; i++)
		if ((s->jobs[i].out = sign_output_path(s, s->jobs[i].path)) ==
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

static int
sign_collect(struct sign *s)
{
	size_t i;
	int r;

	for (i = 0; s->cli->files[i] != NULL; i++) {
		if (file_is_dir(s->cli->files[i]))
			r = add_directory(s, s->cli->files[i]);
		else
			r = add_file(s, strdup(s->cli->files[i]), 0);
		if (r != 0)
			return r;
	}
	if (s->njobs == 0)
		return gf_fail(GF_ERR_NOT_FOUND, "no request files found");
	if (s->cli->label != NULL && s->njobs > 1)
		return gf_fail(GF_ERR_USAGE, "--label names one certificate, not "
		    "%zu", s->njobs);
	s->out_dir = s->cli->output != NULL && (s->njobs > 1 ||
	    file_is_dir(s->cli->output));
	if (s->njobs > 1 && s->cli->output != NULL && !file_is_dir(s->cli->output))
		return gf_fail(GF_ERR_USAGE, "-o %s: with several requests, -o "
		    "names an existing directory", s->cli->output);
	return s->out_dir ? sign_outputs(s) : 0;
}

static void
sign_request_of(const struct sign *s, struct sign_job *j,
    struct issue_request *req)
{
	memset(req, 0, sizeof(*req));
	req->tmpl = s->tmpl;
	req->subject = j->req->subject;
	req->pubkey = j->req->pkey;
	req->spki = j->req->spki;
	req->san = j->req->san;
	req->days = s->cli->days != 0 ? s->cli->days : s->tmpl->days;
	req->no_clamp = s->cli->no_clamp;
	req->issuer_cert = s->ca->cert;
	req->issuer_key = s->ca_key;
	req->constraints = s->constraints;
	req->crl_url = s->ca->crl_url;
	req->ocsp_url = s->ca->ocsp_url;
	req->ca_issuers_url = s->ca->issuer_url;
	/* One request warns itself; a spool says it once at the end. */
	req->clamped = s->njobs > 1 ? &j->clamped : NULL;
}

/* Found in a spool and not --force: skipped if already signed. */
static int
sign_may_skip(const struct sign *s, const struct sign_job *j)
{
	return j->from_spool && !s->cli->force;
}

/*
 * A worker's look, before any signature work, for a certificate of the
 * same key and subject: a spool run again then costs a read and a lookup
 * per request.  sign_already() decides, in the writer.
 */
static int
sign_seen(struct sign *s, const struct sign_job *j)
{
	int found;

	if (s->seen_st == NULL || !sign_may_skip(s, j))
		return 0;
	pthread_mutex_lock(&s->seen_lock);
	found = certdb_find_signed(s->seen_st, s->ca->id, j->row.spki_hash,
	    j->row.subject, time(NULL), NULL, NULL, NULL) == 1;
	pthread_mutex_unlock(&s->seen_lock);
	gf_errclear();
	return found;
}

struct sign_ident {
	struct sign	*s;
	struct sign_job	*j;
};

/*
 * request_check()'s call once request j parses: what identifies its
 * certificate in a re-run (its key's hash, and its subject where a spool
 * may skip it), kept in its row until the row is replaced by the signed
 * one.  Nonzero when it was signed before.
 */
static int
sign_identify(void *arg, const unsigned char hash[GF_SHA256_LEN],
    const X509_NAME *subject)
{
	struct sign_ident *id = arg;
	struct sign_job *j = id->j;

	memcpy(j->row.spki_hash, hash, GF_SHA256_LEN);
	j->hashed = 1;
	if (subject == NULL || !sign_may_skip(id->s, j) ||
	    (j->row.subject = dn_format(subject)) == NULL)
		return 0;
	return j->seen = sign_seen(id->s, j);
}

/* Judges request j (request.h); GF_ERR_EXISTS: it was signed before. */
static int
sign_judge(struct sign *s, struct sign_job *j, int look)
{
	struct request_rules rules = s->rules;
	struct sign_ident id = { s, j };

	if (look) {
		rules.seen = sign_identify;
		rules.seen_arg = &id;
	}
	return request_load(&rules, j->path, &j->req, NULL);
}

/* Signs checked request j: its row. */
static int
sign_job_sign(struct sign *s, struct sign_job *j)
{
	struct issue_request req;
	struct serial serial;
	struct cert_row row;
	X509 *cert = NULL;
	int r;

	/* Nothing is signed, nor committed, that cannot be written. */
	if ((s->out_dir && (r = cli_output_check(j->out, s->cli->force)) != 0) ||
	    (r = serial_random(&serial)) != 0)
		return r;
	sign_request_of(s, j, &req);
	/* The row holds all that is needed of the certificate. */
	if ((r = issue_build(&req, &serial, &cert)) == 0 &&
	    (r = certdb_row(cert, &row)) == 0) {
		certdb_row_clear(&j->row);
		j->row = row;
	}
	X509_free(cert);
	return r;
}

static void
sign_job_fail(struct sign_job *j, int r)
{
	j->r = r;
	if (asprintf(&j->why, "%s%s", r == GF_ERR_POLICY ? "refused: " : "",
	    gf_errmsg(r)) == -1)
		j->why = NULL;
}

/* A worker: check and sign request i, or say why not. */
static void
sign_job_run(void *ctx, size_t i)
{
	struct sign *s = ctx;
	struct sign_job *j = &s->jobs[i];
	int r;

	gf_errclear();
	if (j->clash != NULL) {
		sign_job_fail(j, gf_fail(GF_ERR_CONFLICT, "%s would also be the "
		    "certificate of %s", j->out, j->clash));
		return;
	}
	if ((r = sign_judge(s, j, 1)) == GF_ERR_EXISTS && j->seen)
		return;
	if (r == 0)
		r = sign_job_sign(s, j);
	if (r != 0)
		sign_job_fail(j, r);
}

/*
 * A spool re-run skips requests whose key and subject already have a
 * valid certificate of this CA, whatever else is wrong with them: they
 * were honoured.  Returns 1 (and reports it) to skip; if the
 * certificate's file was lost (a crash between the commit and the write)
 * the stored certificate is written again.
 */
static int
sign_already(struct sign *s, struct sign_job *j)
{
	char hex[2 * GF_SERIAL_MAX + 1];
	unsigned char *der = NULL;
	int derlen = 0, lost, r;

	if (!sign_may_skip(s, j) || j->row.subject == NULL)
		return 0;
	r = certdb_find_signed(s->st, s->ca->id, j->row.spki_hash,
	    j->row.subject, time(NULL), hex, NULL, NULL);
	if (r == 1 && (lost = j->out != NULL && !file_exists(j->out)))
		r = certdb_find_signed(s->st, s->ca->id, j->row.spki_hash,
		    j->row.subject, time(NULL), hex, &der, &derlen);
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
sign_refused(struct sign *s, const struct sign_job *j)
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
sign_refused_key(struct sign *s, struct sign_job *j)
{
	if (j->hashed && revoke_check_key(s->st, j->row.spki_hash) ==
	    GF_ERR_POLICY) {
		free(j->why);
		sign_job_fail(j, GF_ERR_POLICY);
		return;
	}
	gf_errclear();
}

/* Records job j in the open transaction; < 0 only for store failures. */
static int
sign_record(struct sign *s, struct sign_job *j)
{
	struct issue_request req;
	X509 *cert = NULL;	/* signed again if its serial was taken */
	int r;

	/* Whatever else is wrong with a request, it was honoured. */
	if (sign_already(s, j)) {
		s->skipped++;
		return 0;
	}
	if (j->r != 0) {
		sign_refused_key(s, j);
		return sign_refused(s, j);
	}
	/* Revoked or expired since the worker looked: signed here. */
	if (j->seen) {
		gf_errclear();
		request_free(j->req);
		j->req = NULL;
		if ((r = sign_judge(s, j, 0)) != 0 ||
		    (r = sign_job_sign(s, j)) != 0) {
			sign_job_fail(j, r);
			return sign_refused(s, j);
		}
	} else if (s->out_dir && (r = cli_output_check(j->out,
	    s->cli->force)) != 0) {
		/* Again: the worker may have looked a window of requests ago. */
		sign_job_fail(j, r);
		return sign_refused(s, j);
	}
	sign_request_of(s, j, &req);
	r = issue_commit(s->st, s->ca->id, s->ca->name, &req, s->cli->label,
	    &cert, &j->row, NULL);
	X509_free(cert);
	if (r == GF_ERR_DB || r == GF_ERR_BUSY || r == GF_ERR_IO)
		return r;
	if (r != 0) {
		sign_job_fail(j, r);
		return sign_refused(s, j);
	}
	j->recorded = 1;
	s->signed_++;
	s->clamped += j->clamped != 0;
	return 0;
}

static void
sign_job_clear(struct sign_job *j)
{
	request_free(j->req);
	certdb_row_clear(&j->row);
	free(j->why);
	j->why = NULL;
	j->req = NULL;
}

static void
sign_progress(const struct sign *s, size_t done)
{
	if (s->cli->batch || s->njobs < 2 || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r%s: %s: %zu/%zu requests", gf_progname, s->ca->name,
	    done, s->njobs);
	if (done == s->njobs)
		fputc('\n', stderr);
}

/* One flush for all the files written unsynced into dir. */
static void
sign_sync_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if (syncfs(fd) == -1)
		gf_warnx("warning: %s: sync failed", dir);
	close(fd);
}

/* The relay: writes committed certificate i out and frees its job. */
static void
sign_output(void *ctx, size_t i, int last)
{
	struct sign *s = ctx;
	struct sign_job *j = &s->jobs[i];
	char *pem = NULL;
	size_t len;
	int r = 0;

	if (j->recorded && (r = der_to_pem("CERTIFICATE", j->row.der,
	    (size_t)j->row.derlen, &pem, &len)) == 0) {
		if (s->out_dir)
			r = file_write_unsynced(j->out, pem, len, 0644,
			    s->cli->force);
		else if (s->out.path == NULL && s->out.fd < 0)
			/* Flushed below, once per group. */
			r = fwrite(pem, 1, len, stdout) == len ? 0 :
			    gf_fail(GF_ERR_IO, "standard output: write failed");
		else
			r = cli_output_write(&s->out, pem, len);
		if (r == GF_ERR_EXISTS)
			r = gf_fail(r, "%s exists (--force replaces it)",
			    s->out_dir ? j->out : s->out.path);
	}
	if (r == 0 && last && fflush(stdout) != 0)
		r = gf_fail(GF_ERR_IO, "standard output: write failed");
	/* Flushed group by group, while the workers go on, not all at the end. */
	if (last && s->out_dir)
		sign_sync_dir(s->cli->output);
	if (r != 0) {
		/* Recorded all the same: -E can write it again. */
		gf_report(j->path, r);
		s->unwritten++;
	}
	sign_job_clear(j);
	free(pem);
	if (last || (i + 1) % SIGN_RELEASE == 0)
		pool_release(s->pool, i + 1);
	if ((i + 1) % 256 == 0 || i + 1 == s->njobs)
		sign_progress(s, i + 1);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records every result in order, committing in groups. */
static int
sign_run(struct sign *s)
{
	struct relay *relay = NULL;
	size_t i, first = 0, signed_ = 0, clamped = 0;
	long started = 0;
	int r, open = 0;

	/* Fill the CA certificate's caches before threads share it. */
	X509_check_purpose(s->ca->cert, -1, 0);
	if ((r = pool_start(s->njobs, pool_cpus(), SIGN_WINDOW, sign_job_run,
	    s, &s->pool)) != 0)
		return r;
	if ((r = relay_start(sign_output, s, &relay)) != 0)
		goto out;
	for (i = 0; i < s->njobs; i++) {
		pool_wait(s->pool, i);
		if (!open) {
			if ((r = store_begin(s->st)) != 0)
				break;
			open = 1;
			first = i;
			started = now_ms();
			signed_ = s->signed_;
			clamped = s->clamped;
		}
		if ((r = sign_record(s, &s->jobs[i])) != 0)
			break;
		if (i + 1 - first >= SIGN_GROUP ||
		    now_ms() - started >= SIGN_GROUP_MS || i + 1 == s->njobs) {
			if ((r = store_commit(s->st)) != 0)
				break;
			open = 0;
			relay_advance(relay, i + 1);
		}
	}
	/* The summary counts what was committed: not this group. */
	if (r != 0 && open) {
		store_rollback(s->st);
		s->signed_ = signed_;
		s->clamped = clamped;
	}
	relay_finish(relay);
 out:
	pool_finish(s->pool);
	return r;
}

static void
sign_free(struct sign *s)
{
	size_t i;

	for (i = 0; i < s->njobs; i++) {
		free(s->jobs[i].path);
		free(s->jobs[i].out);
		sign_job_clear(&s->jobs[i]);
	}
	cli_output_close(&s->out);
	free(s->jobs);
	store_free(s->seen_st);
	pthread_mutex_destroy(&s->seen_lock);
	store_free(s->st);
	ca_free(s->ca);
	EVP_PKEY_free(s->ca_key);
	constraints_free(s->constraints);
	template_free(s->tmpl);
	GENERAL_NAMES_free(s->extra_san);
}

/* The workers' connection, for spools that --force does not re-sign. */
static void
sign_open_seen(struct sign *s)
{
	size_t i;

	for (i = 0; i < s->njobs && !sign_may_skip(s, &s->jobs[i]); i++)
		continue;
	if (i == s->njobs)
		return;
	/* Without it, the writer's look alone skips what was signed. */
	if (store_open(s->cli->dir, GF_STORE_READONLY, &s->seen_st) != 0)
		gf_errclear();
}

static int
sign_prepare(struct sign *s)
{
	const char *what = s->cli->parent;
	int r;

	if ((r = store_open(s->cli->dir, 0, &s->st)) != 0 ||
	    (r = ca_load(s->st, s->cli->parent, &s->ca)) != 0 ||
	    (r = constraints_load(s->st, s->ca, &s->constraints)) != 0)
		goto out;
	if (s->ca->revoked) {
		r = gf_fail(GF_ERR_POLICY, "this CA is revoked and signs nothing");
		goto out;
	}
	if ((r = cli_template(s->cli, s->cli->template != NULL ?
	    s->cli->template : s->ca->leaf_template, &s->tmpl)) != 0 ||
	    (r = cli_san(s->cli, &s->extra_san)) != 0)
		goto out;
	if (s->tmpl->is_ca) {
		r = gf_fail(GF_ERR_POLICY, "template '%s' makes CAs; a CA is "
		    "created with -c, so that its key and limits stay in the "
		    "store", s->tmpl->name);
		goto out;
	}
	s->rules.tmpl = s->tmpl;
	s->rules.constraints = s->constraints;
	s->rules.extra_san = s->extra_san;
	s->rules.issuer = s->ca->cert;
	s->rules.days = s->cli->days;
	s->rules.no_clamp = s->cli->no_clamp;
	what = "-s";
	if ((r = sign_collect(s)) != 0)
		goto out;
	if (!s->out_dir && (r = cli_output_open(&s->out, s->cli->output,
	    s->cli->force)) != 0)
		goto out;
	sign_open_seen(s);
	/* Without it, each certificate makes every extension itself. */
	if (template_prepare(s->tmpl, s->ca->cert) != 0)
		gf_errclear();
	what = s->ca->name;
	r = cli_ca_key(s->cli, s->st, s->ca, &s->ca_key);
 out:
	if (r != 0)
		gf_report(what, r);
	return r;
}

static void
sign_warn_clamped(const struct sign *s)
{
	char date[GF_ISO_TIME_LEN];
	time_t end;

	if (asn1_time_to_unix(X509_get0_notAfter(s->ca->cert), &end) != 0)
		return;
	time_to_iso(end, date);
	gf_warnx("warning: %zu certificate%s had %s notAfter clamped to the "
	    "issuer's notAfter %s", s->clamped, s->clamped == 1 ? "" : "s",
	    s->clamped == 1 ? "its" : "their", date);
}

/* What was committed, what was not, and what was not written. */
static void
sign_summary(const struct sign *s)
{
	size_t done = s->signed_ + s->refused + s->skipped;

	fprintf(stderr, "%s: %s: %zu signed, %zu refused, %zu skipped",
	    gf_progname, s->ca->name, s->signed_, s->refused, s->skipped);
	if (s->unwritten > 0)
		fprintf(stderr, ", %zu not written (-E writes them again)",
		    s->unwritten);
	if (done < s->njobs)
		fprintf(stderr, ", %zu not recorded", s->njobs - done);
	fputc('\n', stderr);
}

int
cmd_sign(struct cli *cli)
{
	struct sign s;
	int r;

	if (cli->parent == NULL) {
		fprintf(stderr, "%s: -s needs -p CA\n", gf_progname);
		return EXIT_USAGE;
	}
	memset(&s, 0, sizeof(s));
	s.cli = cli;
	pthread_mutex_init(&s.seen_lock, NULL);
	if ((r = sign_prepare(&s)) != 0) {
		sign_free(&s);
		return cli_exit_status(r);
	}
	if ((r = sign_run(&s)) != 0)
		gf_report(s.ca->name, r);
	if (s.out_dir)
		sign_sync_dir(cli->output);
	if (s.clamped > 0)
		sign_warn_clamped(&s);
	if (s.njobs > 1)
		sign_summary(&s);
	sign_free(&s);
	return r == 0 && s.refused == 0 && s.unwritten == 0 ? 0 : EXIT_REFUSED;
}
