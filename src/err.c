/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error codes, per-thread failure details, and diagnostics. */
#include <stdint.h>
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
	{ GF_ERR_KEY_GONE,	"token removed (or not present)" },
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

/*
 * The code point of the UTF-8 sequence at s (RFC 3629: no overlong form,
 * no surrogate, nothing above U+10FFFF), and its length; 0 when invalid.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Why a terminal must not get code point cp raw, or GF_TEXT_SHOWN. */
static int
text_kind(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f)
		return GF_TEXT_CONTROL;
	if (cp < 0x7f)
		return GF_TEXT_SHOWN;
	if (cp <= 0x9f)
		return GF_TEXT_C1;
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return GF_TEXT_BIDI;
	if ((cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2065) ||
	    (cp >= 0x206a && cp <= 0x206f) || cp == 0x180e || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f))
		return GF_TEXT_INVISIBLE;
	if (cp == 0x2028 || cp == 0x2029)
		return GF_TEXT_SEPARATOR;
	return GF_TEXT_SHOWN;
}

size_t
gf_escape_next(const void *src, size_t len, char out[GF_ESCAPE_MAX + 1],
    int *kind)
{
	const unsigned char *s = src;
	uint32_t cp = 0;
	size_t n;

	if ((n = utf8_decode(s, len, &cp)) == 0) {
		*kind = GF_TEXT_INVALID;
		snprintf(out, GF_ESCAPE_MAX + 1, "\\x%02x", s[0]);
		return 1;
	}
	if ((*kind = text_kind(cp)) == GF_TEXT_SHOWN) {
		memcpy(out, s, n);
		out[n] = '\0';
	} else if (cp < 0x80)
		snprintf(out, GF_ESCAPE_MAX + 1, "\\x%02x", (unsigned)cp);
	else if (cp <= 0xffff)
		snprintf(out, GF_ESCAPE_MAX + 1, "\\u%04x", (unsigned)cp);
	else
		snprintf(out, GF_ESCAPE_MAX + 1, "\\U%08x", (unsigned)cp);
	return n;
}

const char *
gf_text_kind_name(int kind)
{
	switch (kind) {
	case GF_TEXT_CONTROL:
		return "a control character or NUL byte";
	case GF_TEXT_C1:
		return "a C1 control character (terminals may read U+009B as "
		    "CSI, the start of an escape sequence)";
	case GF_TEXT_BIDI:
		return "a bidirectional control (it reorders what is "
		    "displayed, Unicode TR #9; CVE-2021-42574)";
	case GF_TEXT_INVISIBLE:
		return "an invisible (zero-width) character (two names that "
		    "look alike would differ, Unicode TR #36)";
	case GF_TEXT_SEPARATOR:
		return "a line or paragraph separator";
	case GF_TEXT_INVALID:
		return "bytes that are not UTF-8";
	}
	return "a printable character";
}

size_t
gf_escape(char *dst, size_t size, const void *src, size_t len)
{
	const unsigned char *p = src;
	char piece[GF_ESCAPE_MAX + 1];
	size_t n = 0, i, step, plen;
	int kind;

	if (size == 0)
		return 0;
	for (i = 0; i < len; i += step) {
		/* Printable ASCII, most of what passes here, as is. */
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (n + 1 >= size)
				break;
			dst[n++] = (char)p[i];
			step = 1;
			continue;
		}
		step = gf_escape_next(p + i, len - i, piece, &kind);
		plen = strlen(piece);
		if (n + plen >= size)
			break;
		memcpy(dst + n, piece, plen);
		n += plen;
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
	/* One byte kept for the newline. */
	n += (int)gf_escape(line + n, sizeof(line) - (size_t)n - 1, tmp,
	    strlen(tmp));
	line[n] = '\n';
	line[n + 1] = '\0';
	fputs(line, stderr);
}
