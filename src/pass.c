/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passphrase sources.  Every buffer that held a passphrase is wiped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/pass.h"

/* Private keys (OpenSSL's BIGNUMs) and passphrases; a power of 2. */
#define PASS_SECURE_HEAP	(1024 * 1024)
#define PASS_SECURE_MIN		32

/* Takes the first line of data (without its newline) as the passphrase. */
static int
pass_from_line(const char *data, size_t len, struct passphrase *pass)
{
	size_t n = 0;

	while (n < len && data[n] != '\n' && data[n] != '\r')
		n++;
	if (n > GF_PASS_MAX)
		return gf_fail(GF_ERR_PASSPHRASE, "passphrase longer than %d "
		    "bytes", GF_PASS_MAX);
	memcpy(pass->text, data, n);
	pass->text[n] = '\0';
	pass->len = n;
	return 0;
}

static int
pass_from_file(const char *path, struct passphrase *pass)
{
	unsigned char *data;
	size_t len;
	int r;

	if ((r = file_read(path, 64 * 1024, &data, &len)) != 0)
		return gf_fail(GF_ERR_PASSPHRASE, "passphrase file %s: %s", path,
		    gf_errmsg(r));
	r = pass_from_line((char *)data, len, pass);
	OPENSSL_cleanse(data, len);
	free(data);
	return r;
}

/* Reads one line from fd a byte at a time, so nothing past it is consumed. */
static int
pass_from_fd(const char *num, struct passphrase *pass)
{
	char *end, c;
	long fd;
	ssize_t n;

	errno = 0;
	fd = strtol(num, &end, 10);
	if (errno != 0 || end == num || *end != '\0' || fd < 0 || fd > 65535)
		return gf_fail(GF_ERR_PASSPHRASE, "fd:%s: not a file descriptor",
		    num);
	pass->len = 0;
	for (;;) {
		n = read((int)fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return gf_fail(GF_ERR_PASSPHRASE, "fd:%s: %s", num,
			    strerror(errno));
		if (n == 0 || c == '\n')
			break;
		if (pass->len == GF_PASS_MAX)
			return gf_fail(GF_ERR_PASSPHRASE, "passphrase longer "
			    "than %d bytes", GF_PASS_MAX);
		pass->text[pass->len++] = c;
	}
	if (pass->len > 0 && pass->text[pass->len - 1] == '\r')
		pass->len--;
	pass->text[pass->len] = '\0';
	return 0;
}

/*
 * Reads one passphrase on the terminal; with confirm, checks its length
 * before asking for it again and compares the two here, so that each
 * failure says what it was.
 */
static int
pass_from_terminal(const char *prompt, int confirm, struct passphrase *pass)
{
	struct passphrase again = { 0 };
	char verify[256];
	int r = 0;

	if (EVP_read_pw_string_min(pass->text, 0, GF_PASS_SIZE, prompt, 0) !=
	    0) {
		gf_errclear();
		return gf_fail(GF_ERR_PASSPHRASE, "no passphrase read from the "
		    "terminal");
	}
	pass->len = strlen(pass->text);
	if (!confirm || pass->len < GF_PASS_MIN)
		return 0;	/* pass_get() says what is wrong with it */
	if ((again.text = OPENSSL_secure_zalloc(GF_PASS_SIZE)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory for a passphrase");
	snprintf(verify, sizeof(verify), "Verifying - %s", prompt);
	if (EVP_read_pw_string_min(again.text, 0, GF_PASS_SIZE, verify, 0) !=
	    0) {
		gf_errclear();
		r = gf_fail(GF_ERR_PASSPHRASE, "no passphrase read from the "
		    "terminal the second time");
	} else if (strlen(again.text) != pass->len ||
	    CRYPTO_memcmp(again.text, pass->text, pass->len) != 0)
		r = gf_fail(GF_ERR_PASSPHRASE, "the two passphrases typed did "
		    "not match");
	pass_clear(&again);
	return r;
}

static int
pass_from_source(const char *src, struct passphrase *pass)
{
	const char *env;

	if (strncmp(src, "pass:", 5) == 0)
		return pass_from_line(src + 5, strlen(src + 5), pass);
	if (strncmp(src, "env:", 4) == 0) {
		if ((env = getenv(src + 4)) == NULL)
			return gf_fail(GF_ERR_PASSPHRASE, "environment variable "
			    "%s is not set", src + 4);
		return pass_from_line(env, strlen(env), pass);
	}
	if (strncmp(src, "file:", 5) == 0)
		return pass_from_file(src + 5, pass);
	if (strncmp(src, "fd:", 3) == 0)
		return pass_from_fd(src + 3, pass);
	return gf_fail(GF_ERR_USAGE, "'%.*s...': a passphrase source is "
	    "pass:TEXT, env:VAR, file:PATH or fd:N", 5, src);
}

int
pass_get(const char *src, const char *prompt, int confirm, int batch,
    struct passphrase *pass)
{
	int r;

	pass->text = NULL;
	pass->len = 0;
	/* A new passphrase (confirm) comes from --passout, any other from --passin. */
	if (src == NULL && batch)
		return gf_fail(GF_ERR_PASSPHRASE, "%s not given, and --batch "
		    "forbids prompting for it (%.*s)", confirm ? "--passout" :
		    "--passin", prompt != NULL ? (int)strcspn(prompt, ":") : 10,
		    prompt != NULL ? prompt : "passphrase");
	if (src != NULL && strncmp(src, "pass:", 5) == 0 && !batch)
		gf_warnx("warning: a pass: passphrase is visible to other "
		    "users of this machine; prefer env:, file: or fd:");
	if ((pass->text = OPENSSL_secure_zalloc(GF_PASS_SIZE)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory for a passphrase");
	r = src == NULL ? pass_from_terminal(prompt, confirm, pass) :
	    pass_from_source(src, pass);
	if (r == 0 && pass->len == 0)
		r = gf_fail(GF_ERR_PASSPHRASE, "empty passphrase");
	if (r == 0 && confirm && pass->len < GF_PASS_MIN)
		r = gf_fail(GF_ERR_PASSPHRASE, "a new key's passphrase needs "
		    "at least %d characters", GF_PASS_MIN);
	if (r != 0)
		pass_clear(pass);
	return r;
}

void
pass_clear(struct passphrase *pass)
{
	OPENSSL_secure_clear_free(pass->text, GF_PASS_SIZE);
	pass->text = NULL;
	pass->len = 0;
}

int
pass_protect(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* 2: not locked (RLIMIT_MEMLOCK), still guarded and not dumped. */
	if (CRYPTO_secure_malloc_initialized() ||
	    CRYPTO_secure_malloc_init(PASS_SECURE_HEAP, PASS_SECURE_MIN) != 0)
		return 0;
	ERR_clear_error();
	return -1;
}
