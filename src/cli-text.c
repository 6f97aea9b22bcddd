/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text from the store or a certificate on its way to a terminal: escaped
 * as gf_escape() does, in display columns for the tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/err.h"
#include "cli.h"

/* The length of s if it is printable ASCII only (most is), else -1. */
static long
plain_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x20 && *p < 0x7f)
		p++;
	return *p == '\0' ? (long)(p - (const unsigned char *)s) : -1;
}

/*
 * Writes len bytes of s escaped to f (NULL: only counts), up to limit
 * display columns (-1: all).  A character counts one column, an escape
 * its length.  Returns the columns written.
 */
static int
text_write(FILE *f, const char *s, size_t len, int limit)
{
	char piece[GF_ESCAPE_MAX + 1];
	size_t i, n, run = 0;
	int cols = 0, w, kind;

	/* Shown characters go out in runs, escapes one by one. */
	for (i = 0; i < len; i += n) {
		n = gf_escape_next(s + i, len - i, piece, &kind);
		w = kind == GF_TEXT_SHOWN ? 1 : (int)strlen(piece);
		if (limit >= 0 && cols + w > limit)
			break;
		cols += w;
		if (kind == GF_TEXT_SHOWN)
			continue;
		if (f != NULL) {
			fwrite(s + run, 1, i - run, f);
			fputs(piece, f);
		}
		run = i + n;
	}
	if (f != NULL)
		fwrite(s + run, 1, i - run, f);
	return cols;
}

int
cli_text_width(const char *s)
{
	long len;

	if ((len = plain_length(s)) >= 0)
		return (int)len;
	return text_write(NULL, s, strlen(s), -1);
}

void
cli_put_text(FILE *f, const char *s, int max, int pad)
{
	long len = plain_length(s);
	int cols;

	if (len >= 0) {
		/* Most text: one call, as printf cuts and pads it. */
		if (max > 0 && len > max)
			fprintf(f, "%.*s...%*s", max - 3, s, pad > max ?
			    pad - max : 0, "");
		else
			fprintf(f, "%-*s", pad, s);
		return;
	}
	if (max > 0 && cli_text_width(s) > max) {
		cols = text_write(f, s, strlen(s), max > 3 ? max - 3 : 0);
		fputs("...", f);
		cols += 3;
	} else
		cols = text_write(f, s, strlen(s), -1);
	if (cols < pad)
		fprintf(f, "%*s", pad - cols, "");
}

void
cli_put_lines(FILE *f, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		text_write(f, s, (size_t)(nl - s), -1);
		putc('\n', f);
		s = nl + 1;
	}
	text_write(f, s, strlen(s), -1);
}

void
cli_put_string(FILE *f, const char *s, int json)
{
	size_t n = s != NULL ? strlen(s) : 0;
	char *safe, *p;

	if (s == NULL) {
		fputs(json ? "null" : "-", f);
		return;
	}
	if ((safe = malloc(n * GF_ESCAPE_MAX + 1)) == NULL)
		return;
	gf_escape(safe, n * GF_ESCAPE_MAX + 1, s, n);
	if (!json)
		fputs(safe, f);
	else {
		/* The escapes are ASCII: only quotes and backslashes remain. */
		putc('"', f);
		for (p = safe; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				putc('\\', f);
			putc(*p, f);
		}
		putc('"', f);
	}
	free(safe);
}
