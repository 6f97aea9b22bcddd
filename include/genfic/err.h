/* Error codes and diagnostics shared by genfic-ca and genfic-ocspd. */
#ifndef GENFIC_ERR_H
#define GENFIC_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define GF_OK			 0
#define GF_ERR_INTERNAL		-1
#define GF_ERR_ALLOC		-2
#define GF_ERR_IO		-3	/* a file or directory operation */
#define GF_ERR_FORMAT		-4	/* input that does not parse */
#define GF_ERR_POLICY		-5	/* parses, but a rule refuses it */
#define GF_ERR_LIBCRYPTO	-6	/* OpenSSL failed; queue drained */
#define GF_ERR_DB		-7	/* SQLite failed */
#define GF_ERR_NOT_FOUND	-8
#define GF_ERR_EXISTS		-9
#define GF_ERR_PASSPHRASE	-10	/* missing or wrong passphrase */
#define GF_ERR_TOO_LARGE	-11
#define GF_ERR_USAGE		-12	/* bad option value */
#define GF_ERR_BUSY		-13	/* the store stayed locked */
#define GF_ERR_CONFLICT		-14	/* e.g. a serial that is already taken */

/*
 * Records why the current operation failed, for gf_errmsg(), and returns
 * code.  The detail is per thread, so worker threads do not mix them up.
 */
int		 gf_fail(int code, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* Like gf_fail(), appending what OpenSSL's error queue says (and emptying it). */
int		 gf_fail_crypto(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* The detail of the last failure of this thread, or the code's text. */
const char	*gf_errmsg(int code);
const char	*gf_strerror(int code);
void		 gf_errclear(void);

/*
 * Copies len bytes of src to dst (size bytes, NUL-terminated), each
 * control character (below 0x20, and 0x7f) and NUL written as \xHH, so
 * that a hostile name cannot forge a line or drive a terminal; truncates
 * to fit.  Returns the length written.  Every diagnostic goes through it.
 */
size_t		 gf_escape(char *dst, size_t size, const void *src, size_t len);

/* The name diagnostics start with; set once by main(). */
extern const char *gf_progname;

/* "PROG: what: why" on stderr. */
void		 gf_report(const char *what, int code);
void		 gf_warnx(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

#endif
