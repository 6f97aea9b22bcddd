/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#define GF_ERR_KEY_GONE		-15	/* its token was removed: stop the run */

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
 * Copies len bytes of src to dst (size bytes, NUL-terminated), with what a
 * terminal must not get raw escaped: C0 controls, DEL and NUL as \xHH, C1
 * controls, bidirectional controls, invisible characters and line
 * separators as \uHHHH (\UHHHHHHHH above U+FFFF), and each byte that is
 * not UTF-8 as \xHH; so that a hostile name cannot forge a line, drive a
 * terminal or read differently from what it is.  Truncates to fit, never
 * inside a character.  Returns the length written.  Every diagnostic and
 * every text output goes through it.
 */
size_t		 gf_escape(char *dst, size_t size, const void *src, size_t len);

/* What gf_escape() escapes, by kind. */
#define GF_TEXT_SHOWN		0	/* printable: shown as is */
#define GF_TEXT_CONTROL		1	/* C0 control, DEL or NUL */
#define GF_TEXT_C1		2	/* U+0080 to U+009F */
#define GF_TEXT_BIDI		3	/* U+061C, 200E-F, 202A-E, 2066-9 */
#define GF_TEXT_INVISIBLE	4	/* zero-width and other invisible */
#define GF_TEXT_SEPARATOR	5	/* U+2028, U+2029 */
#define GF_TEXT_INVALID		6	/* a byte that is not UTF-8 */

#define GF_ESCAPE_MAX		10	/* the longest: \UHHHHHHHH */

/*
 * The first character of src (len > 0 bytes) as gf_escape() shows it,
 * into out (NUL-terminated); *kind says why it is escaped.  Returns the
 * number of bytes of src it covers (1 for a byte that is not UTF-8).
 */
size_t		 gf_escape_next(const void *src, size_t len,
		    char out[GF_ESCAPE_MAX + 1], int *kind);

/* A phrase saying what a GF_TEXT_* kind is and why it is refused. */
const char	*gf_text_kind_name(int kind);

/* The name diagnostics start with; set once by main(). */
extern const char *gf_progname;

/* "PROG: what: why" on stderr. */
void		 gf_report(const char *what, int code);
void		 gf_warnx(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

#endif
