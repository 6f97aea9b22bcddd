/* SPDX-License-Identifier: GPL-2.0-or-later */
/* genfic-ocspd: the responder's own declarations, one section per file. */
#ifndef GENFIC_OCSPD_LOCAL_H
#define GENFIC_OCSPD_LOCAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/ocsp.h>

#include "genfic/manifest.h"
#include "genfic/serial.h"

struct passphrase;
struct store;

#define OCSPD_MAX_REQUEST	(64 * 1024)	/* POST body, decoded GET */
#define OCSPD_MAX_CERTIDS	100		/* per request */
#define OCSPD_MAX_NONCE		128		/* RFC 9654 2.1 */
#define OCSPD_ETAG_LEN		(2 * 32 + 3)	/* "hex SHA-256" and NUL */

/* The hash algorithms a CertID may use (RFC 6960 4.1.1, RFC 9919). */
enum certid_md {
	CERTID_SHA1,
	CERTID_SHA256,
	CERTID_NMD
};

/* caset.c: the CAs served and who signs for each. */

struct signer_der;

struct signer {
	X509		*cert;		/* responder certificate, or the CA's */
	EVP_PKEY	*key;
	const EVP_MD	*md;		/* NULL for EdDSA */
	int		 delegated;	/* a responder cert: include it */
	time_t		 not_before;	/* of cert */
	time_t		 not_after;	/* of cert: no nextUpdate beyond it */
	struct serial	 serial;	/* of cert, to look its status up */
	EVP_MD_CTX	*tmpl;		/* initialised for signing; copied */
	struct signer_der *der;		/* its answers' fixed parts, or NULL */
};

struct served_ca {
	int64_t		 id;		/* ca.id in the store */
	char		*name;
	X509		*cert;
	int		 generation;	/* its number; 0: no generations */
	int64_t		 first_cert;	/* the first cert.id its key signed */
	int64_t		 end_cert;	/* the first it did not; 0: current */
	unsigned char	 name_hash[CERTID_NMD][EVP_MAX_MD_SIZE];
	unsigned char	 key_hash[CERTID_NMD][EVP_MAX_MD_SIZE];
	struct signer	 signer;
};

struct health;

struct caset {
	struct served_ca	*cas;
	size_t			 n;
	uint64_t		 gen;	/* new for every load; keys the cache */
	int			 refs;	/* guarded by the daemon's conf lock */
	struct health		*health;	/* the signers' status now */
};

struct signer_spec {			/* --signer CA=CERT,KEY */
	char	*ca;
	char	*cert;
	char	*key;
};

struct caset_config {
	const char *const		*names;	/* --ca; NULL: every CA */
	const char			*signer_cert;
	const char			*signer_key;
	const struct signer_spec	*specs;
	size_t				 nspecs;
	const struct passphrase		*pass;	/* for encrypted keys */
};

/*
 * Loads the CAs and their signers.  When a signer's files cannot be read
 * (after the privilege drop) the signer of the same CA in prev, if any,
 * is kept with a warning.  Returns 0 or a negative GF_ERR_* code.
 */
int	caset_load(struct store *st, const struct caset_config *cfg,
	    const struct caset *prev, struct caset **out);
void	caset_free(struct caset *cs);

/* The index of the CA whose hashes these are, or -1. */
int	caset_find(const struct caset *cs, enum certid_md md,
	    const ASN1_OCTET_STRING *name_hash,
	    const ASN1_OCTET_STRING *key_hash);

/*
 * Fills ca's name_hash and key_hash from ca->cert (ca->name for the
 * message).  0 or GF_ERR_LIBCRYPTO.
 */
int	caset_hashes(struct served_ca *ca);

/*
 * Makes sg->tmpl from sg->key and sg->md, and sg->der; each left NULL if
 * that fails.
 */
void	signer_prepare(struct signer *sg);

/* Whether one signature can vouch for certificates of both CAs. */
int	signer_same(const struct signer *a, const struct signer *b);

/* health.c: whether each CA's signer may sign now. */

struct cert_status;

enum signer_state {
	SIGNER_UNCHECKED,	/* its status was not read yet */
	SIGNER_OK,
	SIGNER_NOT_YET_VALID,
	SIGNER_EXPIRED,
	SIGNER_REVOKED
};

/*
 * The status of ca's own certificate and of its signer's certificate
 * (the same, for a CA that signs with its own key).  0 or a negative
 * GF_ERR_* code.
 */
typedef int	(*health_fn)(void *arg, const struct served_ca *ca,
		    struct cert_status *ca_st, struct cert_status *signer_st);

/* Whether sg may sign at now, st being the status of its certificate. */
enum signer_state signer_state(const struct signer *sg,
	    const struct cert_status *st, time_t now);

struct health	*health_new(size_t n);
void		 health_free(struct health *h);

/*
 * Reads the status of every CA and signer of cs again through fn when
 * the database changed (gen is newer than the last check) or a signer's
 * validity began or ended since, and logs each change of state once.
 * 0, or the lookup's error (the states read before are kept).
 */
int	health_check(struct caset *cs, uint64_t gen, time_t now, health_fn fn,
	    void *arg);

/* Whether the signer of CA ca may sign, as of the last check. */
int	health_signer_ok(const struct caset *cs, size_t ca);

/* The status of CA ca's own certificate, as of the last check. */
void	health_ca_status(const struct caset *cs, size_t ca,
	    struct cert_status *st);

/*
 * 0 with "ok" in buf when every signer may sign; -1 with the reasons
 * (one line each) when one may not or was never checked.
 */
int	health_report(const struct caset *cs, char *buf, size_t size);

/* responder.c: parsing, lookup and signing, for answer.c; no I/O. */

struct cert_status {
	int	 status;	/* V_OCSP_CERTSTATUS_GOOD, _REVOKED, _UNKNOWN */
	int	 reason;	/* CRLReason, when revoked */
	time_t	 revoked_at;
	time_t	 invalidity;	/* invalidityDate, or 0 */
};

struct query_item {
	size_t		 ca;		/* index into the CA set */
	enum certid_md	 md;
	struct serial	 serial;
	int		 issuable;	/* 0: negative, zero or too long */
	OCSP_CERTID	*id;		/* borrowed from the request */
};

struct query {
	OCSP_REQUEST		*req;
	struct query_item	*items;
	size_t			 n;
	int			 nonce;	/* the request carries one */
};

struct answer {
	int		 ocsp_status;	/* OCSP_RESPONSE_STATUS_* */
	unsigned char	*der;		/* the OCSPResponse; free() it */
	size_t		 len;
	time_t		 this_update;	/* successful answers only */
	time_t		 next_update;	/* the earliest of its responses */
};

/*
 * Finds the status of one certificate of ca.  Returns 0, GF_ERR_BUSY
 * (answered tryLater) or another negative GF_ERR_* (internalError).
 */
typedef int	(*status_fn)(void *arg, const struct served_ca *ca,
		    const struct serial *serial, struct cert_status *st);

/*
 * Decodes and checks a request against the CA set.  Returns
 * OCSP_RESPONSE_STATUS_SUCCESSFUL with q filled (query_clear() it), or
 * the OCSP error status to answer with.
 */
int	responder_parse(const unsigned char *der, size_t len,
	    const struct caset *cs, struct query *q);
void	query_clear(struct query *q);

/*
 * The parts of a signer's answers that never change (responderID,
 * signatureAlgorithm, certs), DER, made once by signer_prepare().  0 or a
 * negative GF_ERR_* code; responder_der_free() accepts NULL.
 */
int	responder_der_new(const struct signer *sg, struct signer_der **out);
void	responder_der_free(struct signer_der *d);

/*
 * Signs the answer to q, st[i] being the status of q->items[i]:
 * thisUpdate now, nextUpdate now + validity (not beyond the signer's
 * certificate).  Returns 0 or a negative GF_ERR_* code.
 */
int	responder_sign(const struct query *q, const struct caset *cs,
	    const struct cert_status *st, time_t now, time_t validity,
	    struct answer *a);

/*
 * Fills st[i] with the status of q->items[i] through lookup (unknown,
 * without asking, for serials we never issue).  Returns
 * OCSP_RESPONSE_STATUS_SUCCESSFUL, _TRYLATER or _INTERNALERROR.
 */
int	responder_lookup(const struct query *q, const struct caset *cs,
	    status_fn lookup, void *arg, struct cert_status *st);

/*
 * RFC 6960 2.7: a certificate of a CA whose own certificate is revoked
 * for a compromise (keyCompromise, cACompromise) is answered revoked, at
 * the CA's revocation time with reason cACompromise, unless it was
 * revoked earlier on its own.  Changes st only then.
 */
void	responder_ca_revoked(const struct cert_status *ca,
	    struct cert_status *st);

/* An unsigned answer with an error status.  0 or GF_ERR_ALLOC. */
int	responder_error(int ocsp_status, struct answer *a);

void	answer_clear(struct answer *a);

/* "malformedRequest", ...; "good", "revoked", "unknown". */
const char	*responder_status_name(int ocsp_status);
const char	*cert_status_name(int status);

/* answer.c: the one OCSP path, for the daemon, the tests and the fuzzer. */

/*
 * Where statuses come from: the store (status.c) for the daemon, memory
 * for the tests and fuzz-ocsp.
 */
struct status_source {
	/* Changes whenever a status may have; keys the cache's checks. */
	uint64_t	(*generation)(void *arg);
	/* A certificate of ca: 0, GF_ERR_BUSY (tryLater) or another. */
	status_fn	  lookup;
	/* ca's own certificate: 0 or a negative GF_ERR_* code. */
	int		(*ca_status)(void *arg, const struct served_ca *ca,
			    struct cert_status *st);
	void		 *arg;
};

struct responder {
	const struct status_source	*src;
	struct cache			*cache;		/* NULL: none */
	time_t				 validity;	/* nextUpdate - thisUpdate */
	time_t				 refresh;	/* re-sign after this long */
};

#define OCSPD_CA_NAME_LEN	65

/* What one request produced, for the reply and the log line. */
struct result {
	struct answer	 a;
	char		 etag[OCSPD_ETAG_LEN];	/* "": not yet computed */
	char		 ca[OCSPD_CA_NAME_LEN];
	char		 serial[2 * GF_SERIAL_MAX + 1];
	size_t		 more;
	const char	*status;	/* good, ..., malformedRequest */
	const char	*cache;		/* hit, miss, live, "-" or NULL */
};

/*
 * Answers the request der (a POST body, or a decoded GET) at now with the
 * CA set cs: the cache, the signers' health, the statuses of rs->src, the
 * signature.  Fills res (zeroed by the caller); res->a.der is NULL only
 * when memory ran out.  Give it back with result_clear().
 */
void	answer_request(const struct responder *rs, struct caset *cs,
	    const unsigned char *der, size_t len, time_t now,
	    struct result *res);
void	result_clear(struct result *res);
/* The ETag of res's bytes ("hex SHA-256"), computed the first time. */
const char *result_etag(struct result *res);

/* Reads the signers' status again if the source or the time says so. */
void	answer_health(const struct responder *rs, struct caset *cs,
	    time_t now);

/* status.c: the database, one read-only connection per thread. */

struct statusdb;

/*
 * Opens DIR/ca.db read-only and checks its schema.  The connection it
 * keeps watches for changes.
 */
int	statusdb_open(const char *dir, struct statusdb **sdb);
void	statusdb_free(struct statusdb *sdb);
const char *statusdb_path(const struct statusdb *sdb);

/* A new read-only connection (for loading the CA set); store_free() it. */
int	statusdb_connect(struct statusdb *sdb, struct store **st);

/* Opens and queries a connection as the current user: a startup check. */
int	statusdb_check(struct statusdb *sdb);

/*
 * Looks a certificate of ca up on this thread's connection: "unknown"
 * unless ca's generation (its key) signed it.
 */
int	statusdb_lookup(struct statusdb *sdb, const struct served_ca *ca,
	    const struct serial *serial, struct cert_status *st);

/*
 * The status of ca's own certificate (its generation's current one), on
 * this thread's connection.
 */
int	statusdb_ca_status(struct statusdb *sdb, const struct served_ca *ca,
	    struct cert_status *st);

/* Whether the watcher cannot read the database at the moment. */
int	statusdb_failing(struct statusdb *sdb);

/* Called by the watcher thread after each look (once a second). */
void	statusdb_on_poll(struct statusdb *sdb, void (*fn)(void *), void *arg);

/* Changes whenever the database may have changed. */
uint64_t statusdb_generation(struct statusdb *sdb);

/* What snapshot is served, for /health and the metrics. */
struct snapshot_info {
	const char	*dir;		/* valid until statusdb_free() */
	time_t		 signed_at;	/* 0: not a signed snapshot */
	unsigned long	 switches;
	unsigned long	 refusals;
	/* "DIR refused: why" while the last target refused is not served. */
	char		 refused_why[512];
};

/*
 * Follows the symbolic link link (DIR/current, taken over) from now on:
 * a new target is served once it verifies against trust (snapshot.c) and
 * is not signed before the one served (signed at signed_at).
 */
void	statusdb_follow(struct statusdb *sdb, char *link, X509_STORE *trust,
	    time_t signed_at);

/* Called by the watcher thread after it switched to another snapshot. */
void	statusdb_on_switch(struct statusdb *sdb, void (*fn)(void *), void *arg);
void	statusdb_snapshot(struct statusdb *sdb, struct snapshot_info *out);

/* The status_source that reads sdb. */
void	statusdb_source(struct statusdb *sdb, struct status_source *src);

/* Starts and stops the thread that polls for changes once a second. */
int	statusdb_start(struct statusdb *sdb);
void	statusdb_stop(struct statusdb *sdb);

/* Makes every thread reopen the database (SIGHUP). */
void	statusdb_reopen(struct statusdb *sdb);

/* cache.c: signed responses per (CA set, CertID). */

struct cache;

#define OCSPD_CACHE_KEY_MAX	256	/* a longer CertID is answered live */

/*
 * The canonical request for one CertID: an OCSPRequest with that CertID
 * alone, DER (what openssl ocsp -no_nonce sends).  A request in that
 * form is looked up as it came, without being parsed; any other (padded,
 * BER, extensions) is parsed and looked up by its canonical form, so it
 * shares the entry and costs no more.  The answer echoes the CertID
 * exactly, hash algorithm and parameters, so a SHA-1 and a SHA-256
 * CertID of one certificate are two entries.
 */
struct cache_key {
	uint64_t		 conf_gen;	/* the CA set that signed */
	const unsigned char	*req;
	size_t			 len;
};

struct cache_hit {
	unsigned char		*der;	/* a copy; free() it */
	size_t			 len;
	time_t			 this_update;
	time_t			 next_update;
	char			 etag[OCSPD_ETAG_LEN];
	size_t			 ca;	/* index into the CA set */
	struct serial		 serial;
	struct cert_status	 status;	/* what it says */
};

enum cache_result {
	CACHE_MISS,
	CACHE_HIT,	/* fresh, and checked at the current generation */
	CACHE_STALE	/* fresh, but the database changed since: recheck */
};

/*
 * A cache of at most max_bytes (entries and their keys, as counted by
 * cache_entry_cost(), and the hash table) and, unless 0, max_entries.
 */
struct cache	*cache_new(size_t max_entries, size_t max_bytes);
void		 cache_free(struct cache *c);

/* What an entry holding der_len octets of response costs, key included. */
size_t	cache_entry_cost(size_t der_len, size_t key_len);

/* The entries and the bytes in use. */
void	cache_usage(struct cache *c, size_t *entries, size_t *bytes);

/*
 * The canonical key of a request naming one CertID (see cache_key): 0,
 * GF_ERR_TOO_LARGE (above OCSPD_CACHE_KEY_MAX) or GF_ERR_ALLOC; *der is
 * OPENSSL_free()d.
 */
int	cache_canonical(const OCSP_CERTID *id, unsigned char **der,
	    size_t *len);

/* Returns a cache_result, or GF_ERR_ALLOC; hit is filled but on MISS. */
int	cache_get(struct cache *c, const struct cache_key *k, time_t now,
	    uint64_t gen, struct cache_hit *hit);

/* The status of a STALE entry is unchanged at generation gen. */
void	cache_confirm(struct cache *c, const struct cache_key *k, uint64_t gen);

/* Keeps the signed answer about (ca, serial) until refresh_at. */
int	cache_put(struct cache *c, const struct cache_key *k, size_t ca,
	    const struct serial *serial, const struct cert_status *st,
	    uint64_t gen, const struct answer *a, time_t refresh_at);

/* "hex of SHA-256", quoted, of data. */
void	etag_of(const unsigned char *data, size_t len,
	    char etag[OCSPD_ETAG_LEN]);

/* ocspd.c: the daemon's state, shared with the HTTP side. */

struct ocspd {
	struct statusdb	*sdb;
	struct status_source src;	/* reads sdb */
	struct responder rs;		/* src, the cache, the times */
	pthread_mutex_t	 conf_lock;
	struct caset	*conf;		/* current CA set, one reference */
	time_t		 max_age;	/* Cache-Control cap; 0: none */
	const char	*prefix;	/* "" or "/path", for GET */
	int		 quiet;		/* no per-request log lines */
};

/* The current CA set, referenced; give it back with ocspd_conf_put(). */
struct caset	*ocspd_conf_get(struct ocspd *od);
void		 ocspd_conf_put(struct ocspd *od, struct caset *cs);

/* http.c: the libmicrohttpd side. */

/* The watcher's tick: checks the signers (statusdb_on_poll). */
void	http_tick(void *arg);

/* libmicrohttpd callbacks; cls is the struct ocspd. */
enum MHD_Result http_handler(void *cls, struct MHD_Connection *c,
	    const char *url, const char *method, const char *version,
	    const char *upload, size_t *upload_size, void **req_cls);
void	http_completed(void *cls, struct MHD_Connection *c, void **req_cls,
	    enum MHD_RequestTerminationCode toe);
size_t	http_unescape(void *cls, struct MHD_Connection *c, char *s);

#define OCSPD_HTTP_DATE_LEN	96

/* IMF-fixdate (RFC 9110 5.6.7). */
void	http_date(time_t t, char buf[OCSPD_HTTP_DATE_LEN]);

/* http-guard.c: requests refused before they are read further. */

#define OCSPD_MAX_URL		2048	/* request path: else 414 */
#define OCSPD_MAX_HEADER	4096	/* request line and fields: else 431 */
#define OCSPD_MAX_FIELDS	32	/* header fields: else 431 */

/*
 * Called with the headers complete: 0 when the request may be read on,
 * else the status to refuse it with (400, 414, 431) and why.
 */
unsigned int http_guard_check(struct MHD_Connection *c, const char *url,
	    const char *method, const char *version, const char **why);

/*
 * Writes the refusal to the socket and ends our side of it; the handler
 * then returns MHD_NO for libmicrohttpd to close the connection.
 */
void	http_guard_refuse(struct MHD_Connection *c, const char *method,
	    unsigned int code, const char *why);

/* How libmicrohttpd 0.9.75 logs that MHD_NO: not worth a warning. */
#define OCSPD_MHD_APP_CLOSE	"Application reported internal error"

/* conntrack.c: the connection table, request deadline, full-table policy. */

struct conntrack;

/*
 * At most max_conn connections (a new one closes the oldest unfinished
 * request, else the longest idle one); a request must be whole within
 * request_timeout seconds.  NULL when out of memory.
 */
struct conntrack *conntrack_new(unsigned int max_conn,
	    unsigned int request_timeout);
void	conntrack_free(struct conntrack *ct);

/* The thread that enforces the deadline.  0 or a GF_ERR_* code. */
int	conntrack_start(struct conntrack *ct);
void	conntrack_stop(struct conntrack *ct);

/* MHD_OPTION_NOTIFY_CONNECTION; cls is the conntrack. */
void	conntrack_notify(void *cls, struct MHD_Connection *c,
	    void **socket_context, enum MHD_ConnectionNotificationCode code);

/* The request on c is answered; c's request is done (keep-alive idle). */
void	conntrack_answered(struct MHD_Connection *c);
void	conntrack_idle(struct MHD_Connection *c);

/* Raises the soft limit of open files to fit n connections. */
void	conntrack_fd_limit(unsigned int n);

/* http-decode.c */

/*
 * Decodes the last segment of an RFC 5019 GET: percent-escapes, '+' or
 * ' ' for '+', missing padding, base64url.  0 or GF_ERR_FORMAT /
 * GF_ERR_TOO_LARGE; *out is a new buffer.
 */
int	http_decode_get(const char *path, unsigned char **out, size_t *len);

/* snapshot.c: verifying a published snapshot; install.c: installing it. */

#define SNAPSHOT_CURRENT	"current"	/* DIR/current -> the served */

/* The certificates of the PEM file path, as the only trust anchors. */
int	snapshot_trust_load(const char *path, X509_STORE **out);

/*
 * Checks MANIFEST.sig against trust and every file of dir against
 * MANIFEST; *signed_at is the signature's signingTime.  files, when not
 * NULL, gets the names listed.  0 or a negative GF_ERR_* code.
 */
int	snapshot_verify(const char *dir, X509_STORE *trust, time_t *signed_at,
	    struct manifest_files *files);

/*
 * snapshot_verify(), and (installed not NULL) no certificate of the
 * signer's chain is revoked in the snapshot directory installed either:
 * once a snapshot revoking a stolen publication key is installed, what
 * that key signs is refused, whatever its own store says.
 */
int	snapshot_verify_with(const char *dir, X509_STORE *trust,
	    const char *installed, time_t *signed_at,
	    struct manifest_files *files);

/* --install: verify src, copy into dir/snapshot-*, flip dir/current. */
int	snapshot_install(const char *src, const char *dir, X509_STORE *trust);
void	snapshot_remove(const char *dir);

/*
 * Holds dir, the snapshot served, with a shared flock(2) on *fd (-1 or
 * the one held before, then closed), so that --install never removes it.
 */
int	snapshot_hold(const char *dir, int *fd);

/* metrics.c: counters, and the --metrics listener. */

struct ocspd;

/* One request answered: its status name, cache result, HTTP code. */
void	metrics_count(const char *status, const char *cache, int http);

/* Serves GET /metrics on the listening socket fd.  NULL on failure. */
struct MHD_Daemon *metrics_start(int fd, struct ocspd *od);

/* logger.c: diagnostics and the per-request line. */

struct log_request {
	const char	*client;
	const char	*method;
	const char	*ca;		/* or "-" */
	const char	*serial;	/* hex, or "-" */
	size_t		 more;		/* further CertIDs in the request */
	const char	*status;	/* good, ..., malformedRequest */
	const char	*cache;		/* hit, miss, live or "-" */
	int		 http;		/* HTTP status code */
	long		 usec;
};

#define LOGGER_STDERR	0
#define LOGGER_SYSLOG	1
#define LOGGER_OFF	2	/* the fuzzer: nothing */
#define LOGGER_FILE	3	/* --log FILE */

/* Where lines go from now on: LOGGER_*. */
void	logger_init(int to);

/* Opens path (appending) and logs there from now on.  0 or GF_ERR_IO. */
int	logger_open(const char *path);

/*
 * Opens the --log file again (SIGHUP, after logrotate moved it); the old
 * descriptor is replaced in one dup2(), so no line is lost or split.
 * Keeps the old one, with a warning, when it cannot.
 */
void	logger_reopen(void);
void	logger_request(const struct log_request *lr);
void	logger_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	logger_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	logger_mhd(void *cls, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* privdrop.c: bind as root, then become someone else. */

struct privdrop {
	char	*user;
	uid_t	 uid;
	gid_t	 gid;
};

/* Looks the user up (before anything else).  0 or a GF_ERR_* code. */
int	privdrop_lookup(const char *user, struct privdrop *pd);

/*
 * setgroups, setresgid, setresuid, then checks that root cannot be had
 * back.  0 or a GF_ERR_* code; the caller must exit on failure.
 */
int	privdrop_apply(const struct privdrop *pd);
void	privdrop_clear(struct privdrop *pd);

#endif
