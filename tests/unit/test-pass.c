/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pass.c: passphrase sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "genfic/err.h"
#include "genfic/pass.h"

#include "test.h"

#define TEST_ENV_VAR	"GENFIC_UNIT_PASS"

/* Every test uses batch mode: nothing may prompt or warn on a terminal. */
static const struct pass_case {
	const char	*src;
	int		 confirm;
	int		 code;
	const char	*want;		/* the passphrase, on success */
	const char	*msg;		/* in the message, on failure */
} pass_cases[] = {
	{ "pass:secret", 0, 0, "secret", NULL },
	{ "pass:two\nlines", 0, 0, "two", NULL },
	{ "pass:crlf\r\n", 0, 0, "crlf", NULL },
	{ "pass:with spaces and : colons", 0, 0, "with spaces and : colons",
	    NULL },
	{ "pass:", 0, GF_ERR_PASSPHRASE, NULL, "empty passphrase" },
	{ "pass:\nsecond", 0, GF_ERR_PASSPHRASE, NULL, "empty passphrase" },
	{ "pass:abc", 1, GF_ERR_PASSPHRASE, NULL, "at least 4 characters" },
	{ "pass:abcd", 1, 0, "abcd", NULL },
	{ "pass:abc", 0, 0, "abc", NULL },
	{ "env:" TEST_ENV_VAR "_UNSET", 0, GF_ERR_PASSPHRASE, NULL,
	    TEST_ENV_VAR "_UNSET is not set" },
	{ "file:/nonexistent/genfic-pass", 0, GF_ERR_PASSPHRASE, NULL,
	    "/nonexistent/genfic-pass" },
	{ "fd:x", 0, GF_ERR_PASSPHRASE, NULL, "not a file descriptor" },
	{ "fd:", 0, GF_ERR_PASSPHRASE, NULL, "not a file descriptor" },
	{ "fd:-1", 0, GF_ERR_PASSPHRASE, NULL, "not a file descriptor" },
	{ "fd:3x", 0, GF_ERR_PASSPHRASE, NULL, "not a file descriptor" },
	{ "secret", 0, GF_ERR_USAGE, NULL, "pass:TEXT, env:VAR" },
	{ "Pass:secret", 0, GF_ERR_USAGE, NULL, "pass:TEXT, env:VAR" },
	{ "stdin", 0, GF_ERR_USAGE, NULL, "pass:TEXT, env:VAR" },
	{ "", 0, GF_ERR_USAGE, NULL, "pass:TEXT, env:VAR" },
};

static void
test_pass_table(void)
{
	struct passphrase pass;
	size_t i;
	int r;

	for (i = 0; i < sizeof(pass_cases) / sizeof(pass_cases[0]); i++) {
		const struct pass_case *t = &pass_cases[i];

		memset(&pass, 'x', sizeof(pass));
		gf_errclear();
		r = pass_get(t->src, "unused", t->confirm, 1, &pass);
		CHECK_ROW(r == t->code, t->src);
		if (t->code == 0) {
			CHECK_ROW(pass.len == strlen(t->want) &&
			    strcmp(pass.text, t->want) == 0, t->src);
		} else {
			CHECK_ERRMSG(r, t->msg, t->src);
			/* A refused passphrase is not left behind. */
			CHECK_ROW(pass.len == 0 && pass.text == NULL, t->src);
		}
		pass_clear(&pass);
	}
}

static void
test_pass_env(void)
{
	struct passphrase pass;

	CU_ASSERT_EQUAL_FATAL(setenv(TEST_ENV_VAR, "from the environment\n",
	    1), 0);
	CU_ASSERT_EQUAL(pass_get("env:" TEST_ENV_VAR, NULL, 0, 1, &pass), 0);
	CU_ASSERT_STRING_EQUAL(pass.text, "from the environment");
	CU_ASSERT_EQUAL(pass.len, strlen("from the environment"));
	pass_clear(&pass);

	CU_ASSERT_EQUAL_FATAL(setenv(TEST_ENV_VAR, "", 1), 0);
	CU_ASSERT_EQUAL(pass_get("env:" TEST_ENV_VAR, NULL, 0, 1, &pass),
	    GF_ERR_PASSPHRASE);
	unsetenv(TEST_ENV_VAR);
	CU_ASSERT_EQUAL(pass_get("env:" TEST_ENV_VAR, NULL, 0, 1, &pass),
	    GF_ERR_PASSPHRASE);
}

static const struct pass_file {
	const char	*content;
	size_t		 len;
	int		 code;
	const char	*want;
} pass_files[] = {
	{ "first line\nsecond line\n", 23, 0, "first line" },
	{ "crlf line\r\nsecond\r\n", 19, 0, "crlf line" },
	{ "no newline", 10, 0, "no newline" },
	{ "\nsecond", 7, GF_ERR_PASSPHRASE, NULL },
	{ "", 0, GF_ERR_PASSPHRASE, NULL },
};

static void
test_pass_file(void)
{
	struct passphrase pass;
	char *dir, *path, *src;
	size_t i;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	path = test_path(dir, "pass.txt");
	if (asprintf(&src, "file:%s", path) == -1)
		abort();
	for (i = 0; i < sizeof(pass_files) / sizeof(pass_files[0]); i++) {
		const struct pass_file *t = &pass_files[i];

		CHECK_ROW(strlen(t->content) == t->len, t->content);
		CHECK_ROW(test_write_file(path, t->content, t->len) == 0,
		    t->content);
		r = pass_get(src, NULL, 0, 1, &pass);
		CHECK_ROW(r == t->code, t->content);
		if (t->code == 0)
			CHECK_ROW(strcmp(pass.text, t->want) == 0 &&
			    pass.len == strlen(t->want), t->content);
		pass_clear(&pass);
	}
	free(src);
	free(path);
	test_rmtree(dir);
}

/* A longer line than GF_PASS_MAX is refused from every source. */
static void
test_pass_too_long(void)
{
	struct passphrase pass;
	char *src;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src = malloc(5 + GF_PASS_MAX + 2));
	memcpy(src, "pass:", 5);
	memset(src + 5, 'p', GF_PASS_MAX);
	src[5 + GF_PASS_MAX] = '\0';
	CU_ASSERT_EQUAL(pass_get(src, NULL, 0, 1, &pass), 0);
	CU_ASSERT_EQUAL(pass.len, GF_PASS_MAX);
	n = strlen(pass.text);
	CU_ASSERT_EQUAL(n, GF_PASS_MAX);
	pass_clear(&pass);
	src[5 + GF_PASS_MAX] = 'p';
	src[5 + GF_PASS_MAX + 1] = '\0';
	gf_errclear();
	CU_ASSERT_EQUAL(pass_get(src, NULL, 0, 1, &pass), GF_ERR_PASSPHRASE);
	CHECK_ERRMSG(GF_ERR_PASSPHRASE, "longer than 1024", "pass: 1025");
	CU_ASSERT_EQUAL(pass.len, 0);
	free(src);
}

/* fd: reads exactly one line, leaving the rest for whoever reads next. */
static void
test_pass_fd(void)
{
	static const char data[] = "fd secret\r\nthe rest\nmore\n";
	struct passphrase pass;
	char src[32], rest[64];
	ssize_t n;
	int fds[2];

	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	CU_ASSERT(write(fds[1], data, sizeof(data) - 1) ==
	    (ssize_t)(sizeof(data) - 1));
	close(fds[1]);
	snprintf(src, sizeof(src), "fd:%d", fds[0]);
	CU_ASSERT_EQUAL(pass_get(src, NULL, 0, 1, &pass), 0);
	CU_ASSERT_STRING_EQUAL(pass.text, "fd secret");
	CU_ASSERT_EQUAL(pass.len, 9);
	pass_clear(&pass);
	n = read(fds[0], rest, sizeof(rest) - 1);
	CU_ASSERT_EQUAL(n, (ssize_t)strlen("the rest\nmore\n"));
	if (n >= 0) {
		rest[n] = '\0';
		CU_ASSERT_STRING_EQUAL(rest, "the rest\nmore\n");
	}
	close(fds[0]);

	/* A pipe closed without a line gives an empty, refused passphrase. */
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	close(fds[1]);
	snprintf(src, sizeof(src), "fd:%d", fds[0]);
	CU_ASSERT_EQUAL(pass_get(src, NULL, 0, 1, &pass), GF_ERR_PASSPHRASE);
	close(fds[0]);

	/* A closed descriptor is an error, not an empty passphrase. */
	CU_ASSERT_EQUAL(pass_get(src, NULL, 0, 1, &pass), GF_ERR_PASSPHRASE);
}

static void
test_pass_batch(void)
{
	struct passphrase pass;

	gf_errclear();
	CU_ASSERT_EQUAL(pass_get(NULL, "Passphrase: ", 0, 1, &pass),
	    GF_ERR_PASSPHRASE);
	CHECK_ERRMSG(GF_ERR_PASSPHRASE, "--batch", "NULL source in batch");
	CU_ASSERT_EQUAL(pass.len, 0);
}

/* In OpenSSL's secure heap once there is one, and given back by clear. */
static void
test_pass_clear(void)
{
	struct passphrase pass;
	size_t used;

	/* pass_protect()'s heap, without making the runner undumpable. */
	if (!CRYPTO_secure_malloc_initialized())
		CU_ASSERT_FATAL(CRYPTO_secure_malloc_init(64 * 1024, 32) != 0);
	CU_ASSERT_EQUAL_FATAL(pass_get("pass:to be wiped", NULL, 0, 1, &pass),
	    0);
	CU_ASSERT_EQUAL(pass.len, 11);
	CU_ASSERT(CRYPTO_secure_allocated(pass.text));
	used = CRYPTO_secure_used();
	pass_clear(&pass);
	CU_ASSERT(pass.text == NULL && pass.len == 0);
	CU_ASSERT(CRYPTO_secure_used() < used);
}

int
test_pass_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("pass", NULL, NULL)) == NULL ||
	    CU_add_test(s, "sources table", test_pass_table) == NULL ||
	    CU_add_test(s, "env:", test_pass_env) == NULL ||
	    CU_add_test(s, "file: first line", test_pass_file) == NULL ||
	    CU_add_test(s, "GF_PASS_MAX", test_pass_too_long) == NULL ||
	    CU_add_test(s, "fd: one line only", test_pass_fd) == NULL ||
	    CU_add_test(s, "batch without source", test_pass_batch) == NULL ||
	    CU_add_test(s, "pass_clear", test_pass_clear) == NULL)
		return -1;
	return 0;
}
