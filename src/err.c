/* Error codes, per-thread failure details, and diagnostics. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "genfic/err.h"

#define ERRBUF_SIZE	1024

const char *gf_progname = "genfic-ca";

static _Thread_local char errbuf[ERRBUF_SIZE];

static const struct {
	int		 code;
	const char	*text;
} errtab[] = {
	{ GF_OK,		"success" },
	{ GF_ERR_INTERNAL,	"internal error" },
	{ GF_ERR_ALLOC,		"out of memory" },
	{ GF_ERR_IO,		"input/output error" },
	{ GF_ERR_FORMAT,	"invalid format" },
	{ GF_ERR_POLICY,	"refused by policy" },
	{ GF_ERR_LIBCRYPTO,	"cryptographic library error" },
	{ GF_ERR_DB,		"database error" },
	{ GF_ERR_NOT_FOUND,	"not found" },
	{ GF_ERR_EXISTS,	"already exists" },
	{ GF_ERR_PASSPHRASE,	"passphrase missing or wrong" },
	{ GF_ERR_TOO_LARGE,	"too large" },
	{ GF_ERR_USAGE,		"invalid value" },
	{ GF_ERR_BUSY,		"the store is busy, retry" },
	{ GF_ERR_CONFLICT,	"conflict" },
};

const char *
gf_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == code)
			return errtab[i].text;
	return "unknown error";
}

size_t
gf_escape(char *dst, size_t size, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t n = 0, i;

	if (size == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] != 0x7f) {
			if (n + 1 >= size)
				break;
			dst[n++] = (char)p[i];
		} else {
			if (n + 4 >= size)
				break;
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[p[i] >> 4];
			dst[n++] = hex[p[i] & 0x0f];
		}
	}
	dst[n] = '\0';
	return n;
}

int
gf_fail(int code, const char *fmt, ...)
{
	char tmp[ERRBUF_SIZE];
	va_list ap;

	/* Through tmp, so that gf_errmsg() may be one of the arguments. */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	gf_escape(errbuf, sizeof(errbuf), tmp, strlen(tmp));
	return code;
}

int
gf_fail_crypto(const char *fmt, ...)
{
	char tmp[ERRBUF_SIZE];
	va_list ap;
	unsigned long e, last = 0;
	size_t off;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	off = gf_escape(errbuf, sizeof(errbuf), tmp, strlen(tmp));
	while ((e = ERR_get_error()) != 0) {
		/* Keep draining; say each reason once, not once per nesting. */
		if (e == last || off + 3 >= sizeof(errbuf))
			continue;
		last = e;
		errbuf[off++] = ':';
		errbuf[off++] = ' ';
		ERR_error_string_n(e, errbuf + off, sizeof(errbuf) - off);
		off += strlen(errbuf + off);
	}
	return GF_ERR_LIBCRYPTO;
}

const char *
gf_errmsg(int code)
{
	return errbuf[0] != '\0' ? errbuf : gf_strerror(code);
}

void
gf_errclear(void)
{
	errbuf[0] = '\0';
	ERR_clear_error();
}

void
gf_report(const char *what, int code)
{
	char safe[ERRBUF_SIZE];

	gf_escape(safe, sizeof(safe), what, strlen(what));
	fprintf(stderr, "%s: %s: %s\n", gf_progname, safe, gf_errmsg(code));
	gf_errclear();
}

void
gf_warnx(const char *fmt, ...)
{
	char line[ERRBUF_SIZE], tmp[ERRBUF_SIZE];
	va_list ap;
	int n;

	/* One write per line, so that threads do not interleave. */
	n = snprintf(line, sizeof(line), "%s: ", gf_progname);
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	gf_escape(line + n, sizeof(line) - (size_t)n - 1, tmp, strlen(tmp));
	strcat(line, "\n");
	fputs(line, stderr);
}
