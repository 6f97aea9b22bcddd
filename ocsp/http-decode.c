/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The request of an RFC 5019/9919 GET: the last part of the path is the
 * DER request in base64, URL-encoded, and clients and proxies differ in
 * how they write it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genfic/err.h"
#include "ocspd-local.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')	/* base64url too */
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
http_decode_get(const char *path, unsigned char **out, size_t *outlen)
{
	unsigned char *sextets = NULL, *der = NULL;
	size_t n, i, m = 0, pad = 0, len, o;
	uint32_t acc;
	int c, v, r = GF_ERR_FORMAT;

	/* "//" from a base URL ending in '/': DER never starts with '/'. */
	while (*path == '/')
		path++;
	n = strlen(path);
	if (n == 0 || n / 4 * 3 > OCSPD_MAX_REQUEST + 3)
		return n == 0 ? GF_ERR_FORMAT : GF_ERR_TOO_LARGE;
	if ((sextets = malloc(n)) == NULL)
		return GF_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		c = (unsigned char)path[i];
		if (c == '%') {
			if (i + 2 >= n)
				goto out;
			if (hexval((unsigned char)path[i + 1]) < 0 ||
			    hexval((unsigned char)path[i + 2]) < 0)
				goto out;
			c = hexval((unsigned char)path[i + 1]) << 4 |
			    hexval((unsigned char)path[i + 2]);
			i += 2;
		}
		if (c == ' ')
			c = '+';	/* a '+' some form-decoder turned */
		if (c == '\r' || c == '\n')
			continue;	/* line-wrapped base64 */
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64val(c)) < 0)
			goto out;
		sextets[m++] = (unsigned char)v;
	}
	if (pad > 2 || m % 4 == 1)
		goto out;
	len = m / 4 * 3 + (m % 4 ? m % 4 - 1 : 0);
	if (len == 0 || len > OCSPD_MAX_REQUEST) {
		r = len == 0 ? GF_ERR_FORMAT : GF_ERR_TOO_LARGE;
		goto out;
	}
	if ((der = malloc(len)) == NULL) {
		r = GF_ERR_ALLOC;
		goto out;
	}
	for (i = 0, o = 0; i < m; i += 4) {
		acc = 0;
		for (c = 0; c < 4; c++)
			acc = acc << 6 | (i + (size_t)c < m ?
			    sextets[i + (size_t)c] : 0);
		der[o++] = (unsigned char)(acc >> 16);
		if (o < len)
			der[o++] = (unsigned char)(acc >> 8);
		if (o < len)
			der[o++] = (unsigned char)acc;
	}
	*out = der;
	*outlen = len;
	der = NULL;
	r = 0;
 out:
	free(sextets);
	free(der);
	return r;
}
