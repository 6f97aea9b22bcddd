/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * genfic-ocspd: options, then in order: read the keys and open the
 * database (as root), bind, drop privileges, check the database is still
 * readable, start the watcher and libmicrohttpd, and wait for signals.
 * The only exit.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <popt.h>
#include <openssl/crypto.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/opt.h"
#include "genfic/p11.h"
#include "genfic/pass.h"
#include "genfic/store.h"
#include "ocspd-local.h"

#define EXIT_FAILED		1
#define EXIT_USAGE		GF_EXIT_USAGE

#define DEFAULT_LISTEN		"0.0.0.0:80"
#define DEFAULT_USER		"nobody"
#define DEFAULT_VALIDITY	86400
#define DEFAULT_CACHE		(-1)	/* entries: no limit but the bytes */
#define DEFAULT_CACHE_MEMORY	(128LL << 20)
#define MIN_CACHE_MEMORY	(1LL << 20)
#define DEFAULT_CONNECTIONS	1024
#define PER_IP_SHARE		8	/* default --max-per-ip: 1/8 of all */
#define DEFAULT_REQUEST_TIMEOUT	10
/*
 * Seconds a kept-alive connection may idle between requests.  It must
 * outlast the keep-alive timeout of any proxy in front (nginx and common
 * load balancers keep pooled connections 60 s): a proxy that reuses a
 * connection we have just closed counts an error against this responder,
 * and may mark it down while another is down too.  Slow clients are cut
 * by the request deadline (conntrack.c), not by this.
 */
#define DEFAULT_IDLE_TIMEOUT	120
/*
 * The request's headers (OCSPD_MAX_HEADER, OCSPD_MAX_FIELDS) and room left
 * for the answer's; libmicrohttpd zeroes it for every request.
 */
#define CONNECTION_MEMORY	(8 * 1024)
#define DRAIN_WAIT_MS		1000	/* for in-flight requests at exit */

enum {
	OPT_VERSION = 1000,
};

struct options {
	const char	 *dir;
	const char	**cas;		/* --ca */
	const char	 *signer_cert;
	const char	 *signer_key;
	const char	**signers;	/* --signer CA=CERT,KEY */
	const char	 *passin;
	const char	 *pkcs11_module;	/* for pkcs11: signer keys */
	const char	 *listen;
	const char	 *user;
	const char	 *threads;
	const char	 *max_age;
	const char	 *validity;
	const char	 *refresh;
	const char	 *prefix;
	const char	 *cache_size;
	const char	 *cache_memory;
	const char	 *max_conn;
	const char	 *max_per_ip;
	const char	 *request_timeout;
	const char	 *idle_timeout;
	const char	 *pidfile;
	const char	 *log;
	const char	 *metrics;
	const char	 *snapshot_trust;
	const char	 *install;	/* --install SNAPSHOT */
	int		  foreground;
	int		  allow_root;
	int		  quiet;
};

/* Everything main() sets up and tears down. */
struct daemon_state {
	struct ocspd		 od;
	struct caset_config	 cfg;
	struct signer_spec	*specs;
	size_t			 nspecs;
	struct passphrase	 pass;
	int			 have_pass;
	struct privdrop		 pd;
	int			 drop;
	char			*prefix;
	int			 fd;
	char			 bound[96];	/* what we listen on */
	unsigned int		 threads;
	unsigned int		 max_conn;
	unsigned int		 max_per_ip;
	long long		 cache_size;	/* entries; -1: any */
	size_t			 cache_memory;	/* bytes */
	unsigned int		 request_timeout;
	unsigned int		 idle_timeout;
	struct conntrack	*ct;
	struct addrinfo		*addrs;		/* -l, resolved */
	struct MHD_Daemon	*mhd;
	int			 notify;	/* to the parent, or -1 */
	struct addrinfo		*metrics_addrs;	/* --metrics, resolved */
	int			 metrics_fd;
	char			 metrics_bound[96];
	struct MHD_Daemon	*metrics;
	X509_STORE		*trust;		/* --snapshot-trust */
	int			 held;		/* snapshot_hold() of the served */
	int			 wrote_pidfile;
	pthread_mutex_t		 load_lock;	/* one load_cas() at a time */
};

static struct options opt;

static struct poptOption option_table[] = {
	{ "dir", 'd', POPT_ARG_STRING, &opt.dir, GF_OPT_VALUE,
	  "the store (default $GENFIC_CA_DIR, else " GF_STORE_DEFAULT ")",
	  "DIR" },
	{ "ca", '\0', POPT_ARG_ARGV, &opt.cas, 0,
	  "a CA to answer for (repeatable; default: every CA of the store)",
	  "NAME" },
	{ "signer-cert", '\0', POPT_ARG_STRING, &opt.signer_cert, GF_OPT_VALUE,
	  "delegated responder certificate (genfic-ca -t ocsp)", "FILE" },
	{ "signer-key", '\0', POPT_ARG_STRING, &opt.signer_key, GF_OPT_VALUE,
	  "its private key: a file, or a pkcs11: URI (the PIN from --passin "
	  "or the URI's pin-source)", "FILE" },
	{ "pkcs11-module", '\0', POPT_ARG_STRING, &opt.pkcs11_module,
	  GF_OPT_VALUE, "PKCS#11 module for pkcs11: keys (default "
	  "$GENFIC_CA_PKCS11_MODULE, else p11-kit's proxy)", "PATH" },
	{ "signer", '\0', POPT_ARG_ARGV, &opt.signers, 0,
	  "responder certificate and key for one CA (repeatable)",
	  "CA=CERT,KEY" },
	{ "passin", '\0', POPT_ARG_STRING, &opt.passin, GF_OPT_VALUE,
	  "passphrase of encrypted keys: pass:, env:, file:, fd:", "SRC" },
	{ "listen", 'l', POPT_ARG_STRING, &opt.listen, GF_OPT_VALUE,
	  "address and port (default " DEFAULT_LISTEN "; [::1]:8080; port 0: "
	  "any free one)", "ADDR:PORT" },
	{ "user", 'u', POPT_ARG_STRING, &opt.user, GF_OPT_VALUE,
	  "user to serve as, after binding (default " DEFAULT_USER ")",
	  "USER" },
	{ "threads", '\0', POPT_ARG_STRING, &opt.threads, GF_OPT_VALUE,
	  "worker threads (default: one per processor)", "N" },
	{ "validity", '\0', POPT_ARG_STRING, &opt.validity, GF_OPT_VALUE,
	  "seconds from thisUpdate to nextUpdate (default 86400)", "S" },
	{ "refresh", '\0', POPT_ARG_STRING, &opt.refresh, GF_OPT_VALUE,
	  "re-sign a cached response after this long (default half the "
	  "validity)", "S" },
	{ "max-age", '\0', POPT_ARG_STRING, &opt.max_age, GF_OPT_VALUE,
	  "cap on Cache-Control max-age for GET (default: until nextUpdate)",
	  "S" },
	{ "prefix", '\0', POPT_ARG_STRING, &opt.prefix, GF_OPT_VALUE,
	  "path under which GET requests are answered (default /)", "PATH" },
	{ "cache-size", '\0', POPT_ARG_STRING, &opt.cache_size, GF_OPT_VALUE,
	  "signed responses kept at most (default: as --cache-memory "
	  "allows; 0: no cache)", "N" },
	{ "cache-memory", '\0', POPT_ARG_STRING, &opt.cache_memory,
	  GF_OPT_VALUE, "memory for cached responses, K/M/G suffix "
	  "(default 128M; 0: no cache)", "BYTES" },
	{ "max-connections", '\0', POPT_ARG_STRING, &opt.max_conn, GF_OPT_VALUE,
	  "connections at once (default 1024)", "N" },
	{ "max-per-ip", '\0', POPT_ARG_STRING, &opt.max_per_ip, GF_OPT_VALUE,
	  "connections at once from one address (default 1/8 of "
	  "--max-connections)", "N" },
	{ "request-timeout", '\0', POPT_ARG_STRING, &opt.request_timeout,
	  GF_OPT_VALUE, "seconds for a request's headers and body, from "
	  "accept or its first byte (default 10)", "S" },
	{ "idle-timeout", '\0', POPT_ARG_STRING, &opt.idle_timeout,
	  GF_OPT_VALUE, "seconds a kept-alive connection may idle between "
	  "requests; longer than any proxy's keep-alive (default 120)", "S" },
	{ "snapshot-trust", '\0', POPT_ARG_STRING, &opt.snapshot_trust,
	  GF_OPT_VALUE, "serve only snapshots whose MANIFEST.sig chains to a "
	  "certificate of this PEM file (e.g. the root's)", "CERT" },
	{ "install", '\0', POPT_ARG_STRING, &opt.install, GF_OPT_VALUE,
	  "verify a published snapshot, copy it into -d DIR and point "
	  "DIR/current at it (with --snapshot-trust), then exit", "SNAPSHOT" },
	{ "pidfile", '\0', POPT_ARG_STRING, &opt.pidfile, GF_OPT_VALUE,
	  "write the daemon's process id here; removed at exit", "FILE" },
	{ "log", '\0', POPT_ARG_STRING, &opt.log, GF_OPT_VALUE,
	  "log to this file instead of stderr or syslog; SIGHUP reopens it",
	  "FILE" },
	{ "metrics", '\0', POPT_ARG_STRING, &opt.metrics, GF_OPT_VALUE,
	  "serve GET /metrics (Prometheus text format) on this address",
	  "ADDR:PORT" },
	{ "foreground", 'f', POPT_ARG_NONE, &opt.foreground, 0,
	  "stay in the foreground and log to stderr (systemd)", NULL },
	{ "allow-root", '\0', POPT_ARG_NONE, &opt.allow_root, 0,
	  "serve as root when no -u is given, or -u names root", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, &opt.quiet, 0,
	  "no log line per request", NULL },
	{ "version", '\0', POPT_ARG_NONE, NULL, OPT_VERSION,
	  "print the version and the libraries in use", NULL },
	POPT_TABLEEND
};

static struct poptOption table[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, option_table, 0,
	  "Options:", NULL },
	POPT_AUTOHELP
	POPT_TABLEEND
};

/* The daemon state, for the conf functions called from the workers. */
static struct daemon_state ds;

struct caset *
ocspd_conf_get(struct ocspd *od)
{
	struct caset *cs;

	pthread_mutex_lock(&od->conf_lock);
	cs = od->conf;
	cs->refs++;
	pthread_mutex_unlock(&od->conf_lock);
	return cs;
}

void
ocspd_conf_put(struct ocspd *od, struct caset *cs)
{
	int last;

	pthread_mutex_lock(&od->conf_lock);
	last = --cs->refs == 0;
	pthread_mutex_unlock(&od->conf_lock);
	if (last)
		caset_free(cs);
}

static void
conf_swap(struct ocspd *od, struct caset *cs)
{
	struct caset *old;

	pthread_mutex_lock(&od->conf_lock);
	old = od->conf;
	od->conf = cs;
	pthread_mutex_unlock(&od->conf_lock);
	if (old != NULL)
		ocspd_conf_put(od, old);
}

static void
print_version(void)
{
	opt_print_versions("genfic-ocspd");
	printf("  libmicrohttpd %s\n", MHD_get_version());
}

/* CA=CERT,KEY */
static int
parse_signers(poptContext pc)
{
	const char *s, *eq, *comma;
	size_t n = 0, i;

	while (opt.signers != NULL && opt.signers[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((ds.specs = calloc(n, sizeof(*ds.specs))) == NULL)
		return opt_usage(pc, "out of memory");
	ds.nspecs = n;
	for (i = 0; i < n; i++) {
		s = opt.signers[i];
		if ((eq = strchr(s, '=')) == NULL || eq == s ||
		    (comma = strchr(eq + 1, ',')) == NULL || comma == eq + 1 ||
		    comma[1] == '\0')
			return opt_usage(pc, "--signer '%s': give CA=CERT,KEY", s);
		if ((ds.specs[i].ca = strndup(s, (size_t)(eq - s))) == NULL ||
		    (ds.specs[i].cert = strndup(eq + 1,
		    (size_t)(comma - eq - 1))) == NULL ||
		    (ds.specs[i].key = strdup(comma + 1)) == NULL)
			return opt_usage(pc, "out of memory");
	}
	return 0;
}

/* "/ocsp/" -> "/ocsp", "/" -> "", "ocsp" -> "/ocsp". */
static int
parse_prefix(poptContext pc)
{
	const char *p = opt.prefix != NULL ? opt.prefix : "";
	size_t n;

	if (strpbrk(p, "?#% \t\r\n") != NULL)
		return opt_usage(pc, "--prefix '%s': a plain path", p);
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (asprintf(&ds.prefix, "%s%.*s", n > 0 ? "/" : "", (int)n, p) == -1) {
		ds.prefix = NULL;
		return opt_usage(pc, "out of memory");
	}
	return 0;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT"; an empty or "*" address is any. */
static int
resolve(const char *text, struct addrinfo **res)
{
	struct addrinfo hints;
	const char *colon, *close;
	char host[256], *end;
	unsigned long port;
	int e;

	if (text[0] == '[') {
		if ((close = strchr(text, ']')) == NULL || close[1] != ':')
			return gf_fail(GF_ERR_USAGE, "'%s': give [ADDR]:PORT",
			    text);
		colon = close + 1;
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1),
		    text + 1);
	} else {
		if ((colon = strrchr(text, ':')) == NULL)
			return gf_fail(GF_ERR_USAGE, "'%s': give ADDR:PORT",
			    text);
		if ((size_t)(colon - text) >= sizeof(host))
			return gf_fail(GF_ERR_USAGE, "'%s': address too long",
			    text);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port > 65535)
		return gf_fail(GF_ERR_USAGE, "'%s': the port is a number from "
		    "0 to 65535", text);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host[0] == '\0' || strcmp(host, "*") == 0 ?
	    NULL : host, colon + 1, &hints, res)) != 0)
		return gf_fail(GF_ERR_USAGE, "'%s': %s", text, gai_strerror(e));
	return 0;
}

/* BYTES with an optional K, M or G (powers of 1024) suffix. */
static int
parse_bytes(poptContext pc, const char *option, const char *text,
    long long *out)
{
	char *end;
	long long n;
	int shift = 0;

	if (text == NULL)
		return 0;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (errno != 0 || end == text || *end != '\0' || n < 0 ||
	    n > (1LL << 40) >> shift || (n != 0 && n << shift <
	    MIN_CACHE_MEMORY))
		return opt_usage(pc, "%s '%s': 0, or from 1M to 1024G "
		    "(bytes, or with a K, M or G suffix)", option, text);
	*out = n << shift;
	return 0;
}

/*
 * A signer key on a token: its URI is seen in process lists, so no
 * pin-value in it, and a pin-source by absolute path, as in genfic-ca.
 */
static int
check_signer_uri(const char *key)
{
	int r;

	if (key == NULL || !p11_is_uri(key) || (r = p11_uri_check(key)) == 0)
		return 0;
	gf_report("--signer-key", r);
	return EXIT_FAILED;
}

static int
parse_options(poptContext pc)
{
	long long validity = DEFAULT_VALIDITY, refresh = -1, max_age = 0;
	long long threads, cache = DEFAULT_CACHE;
	long long cache_memory = DEFAULT_CACHE_MEMORY;
	long long conn = DEFAULT_CONNECTIONS, per_ip = 0;
	long long request_timeout = DEFAULT_REQUEST_TIMEOUT;
	long long idle_timeout = DEFAULT_IDLE_TIMEOUT;
	long cpus;
	size_t i;
	int r;

	if (poptPeekArg(pc) != NULL)
		return opt_usage(pc, "unexpected argument '%s'", poptPeekArg(pc));
	if ((cpus = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		cpus = 1;
	threads = cpus;
	if ((r = opt_number(pc, "--validity", opt.validity, 60, 366LL * 86400,
	    &validity)) != 0 ||
	    (r = opt_number(pc, "--refresh", opt.refresh, 1, validity,
	    &refresh)) != 0 ||
	    (r = opt_number(pc, "--max-age", opt.max_age, 0, validity,
	    &max_age)) != 0 ||
	    (r = opt_number(pc, "--threads", opt.threads, 1, 256, &threads)) != 0 ||
	    (r = opt_number(pc, "--cache-size", opt.cache_size, 0, 100000000,
	    &cache)) != 0 ||
	    (r = parse_bytes(pc, "--cache-memory", opt.cache_memory,
	    &cache_memory)) != 0 ||
	    (r = opt_number(pc, "--max-connections", opt.max_conn, 1, 1000000,
	    &conn)) != 0 ||
	    (r = opt_number(pc, "--max-per-ip", opt.max_per_ip, 1, 1000000,
	    &per_ip)) != 0 ||
	    (r = opt_number(pc, "--request-timeout", opt.request_timeout, 1,
	    3600, &request_timeout)) != 0 ||
	    (r = opt_number(pc, "--idle-timeout", opt.idle_timeout, 1,
	    86400, &idle_timeout)) != 0)
		return r;
	if (per_ip == 0 && (per_ip = conn / PER_IP_SHARE) == 0)
		per_ip = 1;
	if ((opt.signer_cert == NULL) != (opt.signer_key == NULL))
		return opt_usage(pc, "--signer-cert and --signer-key go together");
	if ((r = parse_signers(pc)) != 0 || (r = parse_prefix(pc)) != 0)
		return r;
	p11_set_module(opt.pkcs11_module);
	if ((r = check_signer_uri(opt.signer_key)) != 0)
		return r;
	for (i = 0; i < ds.nspecs; i++)
		if ((r = check_signer_uri(ds.specs[i].key)) != 0)
			return r;
	if (opt.dir == NULL && (opt.dir = getenv("GENFIC_CA_DIR")) == NULL)
		opt.dir = GF_STORE_DEFAULT;
	if (opt.listen == NULL)
		opt.listen = DEFAULT_LISTEN;
	if (resolve(opt.listen, &ds.addrs) != 0)
		return opt_usage(pc, "-l %s", gf_errmsg(GF_ERR_USAGE));
	if (opt.metrics != NULL && resolve(opt.metrics, &ds.metrics_addrs) != 0)
		return opt_usage(pc, "--metrics %s", gf_errmsg(GF_ERR_USAGE));
	if (opt.install != NULL && opt.snapshot_trust == NULL)
		return opt_usage(pc, "--install needs --snapshot-trust CERT");
	ds.od.rs.validity = (time_t)validity;
	ds.od.rs.refresh = (time_t)(refresh > 0 ? refresh : validity / 2);
	ds.od.max_age = (time_t)max_age;
	ds.od.quiet = opt.quiet;
	ds.threads = (unsigned int)threads;
	ds.cache_size = cache;
	ds.cache_memory = (size_t)cache_memory;
	ds.max_conn = (unsigned int)conn;
	ds.max_per_ip = (unsigned int)per_ip;
	ds.request_timeout = (unsigned int)request_timeout;
	ds.idle_timeout = (unsigned int)idle_timeout;
	return 0;
}

static void
describe_address(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, size, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%.64s]:%.8s", host, serv);
	else
		snprintf(buf, size, "%.64s:%.8s", host, serv);
}

/* Binds and listens, while we may still take a port below 1024. */
static int
bind_listen(const char *text, struct addrinfo *addrs, int *out, char *bound,
    size_t size)
{
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int fd = -1, one = 1, zero = 0, saved = 0;

	for (ai = addrs; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol)) == -1) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* "[::]:80" serves IPv4 too. */
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			    sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SOMAXCONN) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	if (fd == -1)
		return gf_fail(GF_ERR_IO, "%s: %s", text, strerror(saved));
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		describe_address((struct sockaddr *)&ss, sslen, bound, size);
	*out = fd;
	return 0;
}

/*
 * Whom to serve as.  Started as root: -u USER (default nobody), root
 * itself only with --allow-root.  Started as someone else: that user.
 */
static int
plan_privileges(void)
{
	int r;

	if (getuid() != 0 && geteuid() != 0) {
		if (opt.user == NULL)
			return 0;
		if ((r = privdrop_lookup(opt.user, &ds.pd)) != 0)
			return r;
		if (ds.pd.uid != getuid())
			return gf_fail(GF_ERR_USAGE, "-u %s: only root can "
			    "change user", opt.user);
		return 0;
	}
	if (opt.user == NULL && opt.allow_root)
		return 0;
	if ((r = privdrop_lookup(opt.user != NULL ? opt.user : DEFAULT_USER,
	    &ds.pd)) != 0)
		return r;
	if (ds.pd.uid == 0 && !opt.allow_root)
		return gf_fail(GF_ERR_USAGE, "refusing to serve as root (-u "
		    "%s) without --allow-root", opt.user);
	ds.drop = ds.pd.uid != 0;
	return 0;
}

static int
load_cas(void)
{
	struct store *st;
	struct caset *cs, *prev;
	int r;

	pthread_mutex_lock(&ds.load_lock);
	prev = ds.od.conf;
	if ((r = statusdb_connect(ds.od.sdb, &st)) == 0) {
		r = caset_load(st, &ds.cfg, prev, &cs);
		store_free(st);
	}
	if (r == 0)
		conf_swap(&ds.od, cs);
	pthread_mutex_unlock(&ds.load_lock);
	return r;
}

/* The watcher switched snapshots: the CA set of the new one. */
static void
snapshot_switched(void *arg)
{
	struct snapshot_info info;
	int r;

	(void)arg;
	statusdb_snapshot(ds.od.sdb, &info);
	if ((r = snapshot_hold(info.dir, &ds.held)) != 0) {
		logger_warnx("snapshot: %s; --install may remove it",
		    gf_errmsg(r));
		gf_errclear();
	}
	if ((r = load_cas()) != 0) {
		logger_warnx("snapshot: loading its CAs: %s; still answering "
		    "with those loaded before", gf_errmsg(r));
		gf_errclear();
	}
}

/*
 * Without --foreground: the parent waits until the child is serving, or
 * has failed with its message on our stderr, and exits accordingly.
 */
static int
background(void)
{
	int fds[2], status;
	pid_t pid;
	char byte;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return gf_fail(GF_ERR_IO, "pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		return gf_fail(GF_ERR_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		ds.notify = fds[1];
		if (setsid() == -1)
			return gf_fail(GF_ERR_IO, "setsid: %s",
			    strerror(errno));
		return 0;
	}
	close(fds[1]);
	while ((n = read(fds[0], &byte, 1)) == -1 && errno == EINTR)
		;
	if (n == 1)
		_exit(0);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	_exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ?
	    WEXITSTATUS(status) : EXIT_FAILED);
}

/* Serving: tell the parent, and leave the terminal for syslog. */
static void
detach(void)
{
	int fd;

	if (ds.notify == -1)
		return;
	logger_init(LOGGER_SYSLOG);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(ds.notify, "", 1) == -1)
		logger_warnx("cannot tell the parent we are up: %s",
		    strerror(errno));
	close(ds.notify);
	ds.notify = -1;
}

/*
 * libmicrohttpd may hold more connections than --max-connections: those
 * the table shut down wait for its next poll, and each of its threads has
 * its share of the limit.
 */
static unsigned int
mhd_connection_limit(void)
{
	return ds.max_conn + ds.max_conn / 4 + 2 * ds.threads;
}

static int
start_mhd(void)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG | MHD_USE_ITC;
	int r;

	if ((ds.ct = conntrack_new(ds.max_conn, ds.request_timeout)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory for connections");
	if ((r = conntrack_start(ds.ct)) != 0)
		return r;
	conntrack_fd_limit(mhd_connection_limit());
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL | MHD_USE_TURBO;
	else
		flags |= MHD_USE_POLL;
	ds.mhd = MHD_start_daemon(flags, 0, NULL, NULL, http_handler, &ds.od,
	    MHD_OPTION_EXTERNAL_LOGGER, logger_mhd, NULL,
	    MHD_OPTION_LISTEN_SOCKET, ds.fd,
	    /* 0: the one internal thread, which a pool of 1 warns about. */
	    MHD_OPTION_THREAD_POOL_SIZE, ds.threads > 1 ? ds.threads : 0,
	    MHD_OPTION_CONNECTION_LIMIT, mhd_connection_limit(),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, ds.max_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, ds.idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, conntrack_notify, ds.ct,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
	    MHD_OPTION_END);
	if (ds.mhd == NULL)
		return gf_fail(GF_ERR_INTERNAL, "libmicrohttpd did not start "
		    "(see above)");
	ds.fd = -1;		/* MHD's now */
	return 0;
}

/* Stops accepting, lets the requests in flight finish, then stops. */
static void
stop_mhd(void)
{
	const union MHD_DaemonInfo *info;
	MHD_socket fd;
	int waited;

	if (ds.mhd == NULL)
		return;
	if ((fd = MHD_quiesce_daemon(ds.mhd)) != MHD_INVALID_SOCKET)
		close(fd);
	for (waited = 0; waited < DRAIN_WAIT_MS; waited += 10) {
		info = MHD_get_daemon_info(ds.mhd,
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info == NULL || info->num_connections == 0)
			break;
		usleep(10 * 1000);
	}
	MHD_stop_daemon(ds.mhd);
	ds.mhd = NULL;
}

/* After libmicrohttpd, which tells the table of every connection closed. */
static void
stop_conntrack(void)
{
	conntrack_free(ds.ct);
	ds.ct = NULL;
}

static void
reload(void)
{
	int r;

	logger_reopen();
	statusdb_reopen(ds.od.sdb);
	if ((r = load_cas()) != 0) {
		logger_warnx("SIGHUP: %s; still serving what was loaded before",
		    gf_errmsg(r));
		gf_errclear();
		return;
	}
	logger_info("SIGHUP: reloaded %zu CA(s) and their signers",
	    ds.od.conf->n);
}

static void
announce(void)
{
	const struct caset *cs = ds.od.conf;
	char names[512] = "";
	size_t i, off = 0;

	for (i = 0; i < cs->n && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off,
		    "%s%s%s", i > 0 ? ", " : "", cs->cas[i].name,
		    cs->cas[i].signer.delegated ? " (delegated)" : "");
	logger_info("listening on %s", ds.bound);
	logger_info("serving %s as uid %u with %u thread(s)", names,
	    (unsigned)geteuid(), ds.threads);
}

/*
 * env:VAR is read once (the passphrase is kept for SIGHUP): wiped where it
 * lies, so that it leaves /proc/PID/environ and our memory too.
 */
static void
clear_env_source(const char *src)
{
	char *value;

	if (strncmp(src, "env:", 4) != 0 || (value = getenv(src + 4)) == NULL)
		return;
	OPENSSL_cleanse(value, strlen(value));
	unsetenv(src + 4);
}

/* The process id, in a file made anew (not through a link). */
static int
write_pidfile(const char *path)
{
	char text[32];
	int fd, n, r = 0;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return gf_fail(GF_ERR_IO, "%s", strerror(errno));
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (write(fd, text, (size_t)n) != n)
		r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
	if (close(fd) == -1 && r == 0)
		r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
	return r;
}

/*
 * The store, or with --snapshot-trust the verified snapshot DIR/current
 * points at (genfic-ocspd --install), followed from then on.  An
 * installed snapshot is never served unverified.
 */
static int
open_store(void)
{
	struct stat sb;
	char *link, target[PATH_MAX];
	time_t signed_at = 0;
	int r;

	if ((link = file_join(opt.dir, SNAPSHOT_CURRENT)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (lstat(link, &sb) == -1 || !S_ISLNK(sb.st_mode)) {
		free(link);
		/*
		 * A directory published into again changes under the daemon:
		 * only the installed layout, one directory per snapshot, is
		 * verified before each switch.
		 */
		if (opt.snapshot_trust != NULL)
			return gf_fail(GF_ERR_USAGE, "no %s/%s: "
			    "--snapshot-trust serves snapshots installed with "
			    "--install", opt.dir, SNAPSHOT_CURRENT);
		return statusdb_open(opt.dir, &ds.od.sdb);
	}
	if (opt.snapshot_trust == NULL) {
		free(link);
		return gf_fail(GF_ERR_USAGE, "an installed snapshot (%s/%s): "
		    "give --snapshot-trust CERT", opt.dir, SNAPSHOT_CURRENT);
	}
	if ((r = snapshot_trust_load(opt.snapshot_trust, &ds.trust)) != 0 ||
	    realpath(link, target) == NULL ||
	    (r = snapshot_verify(target, ds.trust, &signed_at, NULL)) != 0 ||
	    (r = snapshot_hold(target, &ds.held)) != 0 ||
	    (r = statusdb_open(target, &ds.od.sdb)) != 0) {
		if (r == 0)
			r = gf_fail(GF_ERR_IO, "%s: %s", link, strerror(errno));
		free(link);
		return r;
	}
	statusdb_follow(ds.od.sdb, link, ds.trust, signed_at);
	return 0;
}

/* --install SNAPSHOT -d DIR --snapshot-trust CERT: an exit status. */
static int
install(const char *src)
{
	int r;

	if ((r = snapshot_trust_load(opt.snapshot_trust, &ds.trust)) != 0 ||
	    (r = snapshot_install(src, opt.dir, ds.trust)) != 0) {
		gf_report(src, r);
		return r == GF_ERR_USAGE ? EXIT_USAGE : EXIT_FAILED;
	}
	return 0;
}

/* Everything from reading the keys to serving; 0 or a GF_ERR_* code. */
static int
start(const char **what)
{
	int r;

	*what = "options";
	if ((r = plan_privileges()) != 0)
		return r;
	if (opt.log != NULL) {
		*what = "--log";
		if ((r = logger_open(opt.log)) != 0)
			return r;
	}
	if (opt.pidfile != NULL) {
		*what = opt.pidfile;
		if ((r = write_pidfile(opt.pidfile)) != 0)
			return r;
		ds.wrote_pidfile = 1;
	}
	if (opt.passin != NULL) {
		*what = "--passin";
		/* Not batch: a pass: source is warned about; src never prompts. */
		if ((r = pass_get(opt.passin, NULL, 0, 0, &ds.pass)) != 0)
			return r;
		ds.have_pass = 1;
		clear_env_source(opt.passin);
	}
	ds.cfg.names = opt.cas;
	ds.cfg.signer_cert = opt.signer_cert;
	ds.cfg.signer_key = opt.signer_key;
	ds.cfg.specs = ds.specs;
	ds.cfg.nspecs = ds.nspecs;
	ds.cfg.pass = ds.have_pass ? &ds.pass : NULL;
	ds.od.prefix = ds.prefix;
	*what = opt.dir;
	if ((r = open_store()) != 0)
		return r;
	statusdb_source(ds.od.sdb, &ds.od.src);
	ds.od.rs.src = &ds.od.src;
	*what = "loading CAs";
	if ((r = load_cas()) != 0)
		return r;
	*what = "listen";
	if ((r = bind_listen(opt.listen, ds.addrs, &ds.fd, ds.bound,
	    sizeof(ds.bound))) != 0)
		return r;
	if (opt.metrics != NULL) {
		*what = "--metrics";
		if ((r = bind_listen(opt.metrics, ds.metrics_addrs,
		    &ds.metrics_fd, ds.metrics_bound,
		    sizeof(ds.metrics_bound))) != 0)
			return r;
	}
	if (ds.drop) {
		*what = "dropping privileges";
		if ((r = privdrop_apply(&ds.pd)) != 0)
			return r;
		*what = statusdb_path(ds.od.sdb);
		if ((r = statusdb_check(ds.od.sdb)) != 0)
			return gf_fail(r, "not readable as user %s: %s (the "
			    "store must be readable by the -u user, or serve "
			    "a copy made by genfic-ca --publish)",
			    ds.pd.user, gf_errmsg(r));
	}
	*what = "starting";
	if (ds.cache_size != 0 && ds.cache_memory > 0 &&
	    (ds.od.rs.cache = cache_new(ds.cache_size > 0 ?
	    (size_t)ds.cache_size : 0, ds.cache_memory)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory for the cache");
	statusdb_on_poll(ds.od.sdb, http_tick, &ds.od);
	statusdb_on_switch(ds.od.sdb, snapshot_switched, NULL);
	if ((r = statusdb_start(ds.od.sdb)) != 0 || (r = start_mhd()) != 0)
		return r;
	if (ds.metrics_fd != -1) {
		*what = "--metrics";
		if ((ds.metrics = metrics_start(ds.metrics_fd, &ds.od)) == NULL)
			return gf_fail(GF_ERR_INTERNAL, "libmicrohttpd did not "
			    "start (see above)");
		ds.metrics_fd = -1;
		logger_info("metrics on %s", ds.metrics_bound);
	}
	announce();
	return 0;
}

static void
cleanup(void)
{
	size_t i;

	if (ds.metrics != NULL)
		MHD_stop_daemon(ds.metrics);
	if (ds.metrics_fd != -1)
		close(ds.metrics_fd);
	stop_mhd();
	stop_conntrack();
	if (ds.fd != -1)
		close(ds.fd);
	statusdb_free(ds.od.sdb);
	cache_free(ds.od.rs.cache);
	if (ds.od.conf != NULL)
		ocspd_conf_put(&ds.od, ds.od.conf);
	pthread_mutex_destroy(&ds.od.conf_lock);
	for (i = 0; i < ds.nspecs; i++) {
		free(ds.specs[i].ca);
		free(ds.specs[i].cert);
		free(ds.specs[i].key);
	}
	free(ds.specs);
	free(ds.prefix);
	if (ds.addrs != NULL)
		freeaddrinfo(ds.addrs);
	if (ds.metrics_addrs != NULL)
		freeaddrinfo(ds.metrics_addrs);
	if (ds.held != -1)
		close(ds.held);
	X509_STORE_free(ds.trust);
	if (ds.wrote_pidfile && unlink(opt.pidfile) == -1)
		logger_warnx("%s: cannot remove: %s", opt.pidfile,
		    strerror(errno));
	pthread_mutex_destroy(&ds.load_lock);
	privdrop_clear(&ds.pd);
	pass_clear(&ds.pass);
}

static void
free_argv(const char **argv)
{
	size_t i;

	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		free((char *)argv[i]);
	free(argv);
}

/* Signals are taken with sigwait(); the threads inherit the mask. */
static int
serve(void)
{
	sigset_t set;
	int sig;

	for (;;) {
		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		reload();
	}
	logger_info("signal %d: stopping", sig);
	return 0;
}

int
main(int argc, const char **argv)
{
	poptContext pc;
	struct opt_strings strings = { 0 };
	sigset_t set;
	const char *what = "";
	int c, status, r;

	gf_progname = "genfic-ocspd";
	/* Before any key or passphrase is read: see pass.h. */
	if (pass_protect() != 0)
		gf_warnx("warning: no secure heap; keys and passphrases are "
		    "kept in ordinary memory");
	ds.fd = -1;
	ds.notify = -1;
	ds.metrics_fd = -1;
	ds.held = -1;
	pthread_mutex_init(&ds.od.conf_lock, NULL);
	pthread_mutex_init(&ds.load_lock, NULL);
	pc = poptGetContext("genfic-ocspd", argc, argv, table, 0);
	opt_strings_init(&strings, table);
	while ((c = opt_next(pc, &strings)) > 0) {
		if (c == OPT_VERSION) {
			print_version();
			status = 0;
			goto out;
		}
	}
	if (c < -1) {
		gf_warnx("%s: %s", poptBadOption(pc, POPT_BADOPTION_NOALIAS),
		    poptStrerror(c));
		status = EXIT_USAGE;
		goto out;
	}
	if ((status = parse_options(pc)) != 0)
		goto out;
	if (opt.install != NULL) {
		status = install(opt.install);
		goto out;
	}
	logger_init(LOGGER_STDERR);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!opt.foreground && (r = background()) != 0) {
		gf_report("daemon", r);
		status = EXIT_FAILED;
		goto out;
	}
	if ((r = start(&what)) != 0) {
		gf_report(what, r);
		status = EXIT_FAILED;
		goto out;
	}
	detach();
	status = serve();
 out:
	cleanup();
	free_argv(opt.cas);
	free_argv(opt.signers);
	poptFreeContext(pc);
	return status;
}
