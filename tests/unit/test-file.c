/* SPDX-License-Identifier: GPL-2.0-or-later */
/* file.c: bounded reads and atomic writes. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genfic/err.h"
#include "genfic/file.h"

#include "test.h"

static int
file_mode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return -1;
	return (int)(sb.st_mode & 07777);
}

static int
file_is(const char *path, const char *want, size_t wantlen)
{
	char *data;
	size_t len;
	int same;

	if ((data = test_read_file(path, &len)) == NULL)
		return 0;
	same = len == wantlen && memcmp(data, want, len) == 0;
	free(data);
	return same;
}

static const mode_t modes[] = { 0600, 0644, 0640, 0400, 0444 };

/* The mode is exactly the one asked for, whatever the umask. */
static void
test_file_write_modes(void)
{
	char *dir, *path, name[32];
	mode_t old;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	old = umask(022);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(name, sizeof(name), "mode-%04o", (unsigned)modes[i]);
		path = test_path(dir, name);
		CHECK_ROW(file_write_atomic(path, "data", 4, modes[i], 0) == 0,
		    name);
		CHECK_ROW(file_mode(path) == (int)modes[i], name);
		CHECK_ROW(file_is(path, "data", 4), name);
		free(path);
	}
	umask(old);
	CU_ASSERT_EQUAL(test_count_names(dir, ".tmp-"), 0);
	test_rmtree(dir);
}

static void
test_file_write_replace(void)
{
	static const char first[] = "first content\n";
	static const char binary[] = "bin\0ary\n\xff";
	char *dir, *path;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	path = test_path(dir, "out.pem");
	CU_ASSERT_EQUAL(file_write_atomic(path, first, sizeof(first) - 1, 0644,
	    0), 0);
	CU_ASSERT(file_is(path, first, sizeof(first) - 1));

	/* replace = 0: refused, and the file stays as it was. */
	gf_errclear();
	CU_ASSERT_EQUAL(file_write_atomic(path, "other", 5, 0600, 0),
	    GF_ERR_EXISTS);
	CU_ASSERT(file_is(path, first, sizeof(first) - 1));
	CU_ASSERT_EQUAL(file_mode(path), 0644);
	CU_ASSERT_EQUAL(test_count_names(dir, ".tmp-"), 0);

	/* replace = 1: new content and mode. */
	CU_ASSERT_EQUAL(file_write_atomic(path, binary, sizeof(binary) - 1,
	    0600, 1), 0);
	CU_ASSERT(file_is(path, binary, sizeof(binary) - 1));
	CU_ASSERT_EQUAL(file_mode(path), 0600);

	/* Empty content is a valid file. */
	CU_ASSERT_EQUAL(file_write_atomic(path, "", 0, 0600, 1), 0);
	CU_ASSERT(file_is(path, "", 0));
	CU_ASSERT_EQUAL(test_count_names(dir, ".tmp-"), 0);
	CU_ASSERT_EQUAL(test_count_names(dir, "out.pem"), 1);
	free(path);
	test_rmtree(dir);
}

/* Failed writes leave no temporary file behind. */
static void
test_file_write_failures(void)
{
	char *dir, *sub, *path, *missing;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	sub = test_path(dir, "subdir");
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);

	/* Replacing a directory fails at rename(). */
	CU_ASSERT_EQUAL(file_write_atomic(sub, "x", 1, 0600, 1), GF_ERR_IO);
	CU_ASSERT_EQUAL(file_write_atomic(sub, "x", 1, 0600, 0),
	    GF_ERR_EXISTS);
	CU_ASSERT(file_is_dir(sub));
	CU_ASSERT_EQUAL(test_count_names(dir, ".tmp-"), 0);

	/* No directory to hold the temporary file. */
	missing = test_path(dir, "missing/out");
	CU_ASSERT_EQUAL(file_write_atomic(missing, "x", 1, 0600, 0),
	    GF_ERR_IO);
	CU_ASSERT_EQUAL(file_exists(missing), 0);

	/* A dangling symlink counts as existing: never written through. */
	path = test_path(dir, "link");
	CU_ASSERT_EQUAL(symlink("target-that-does-not-exist", path), 0);
	CU_ASSERT_EQUAL(file_write_atomic(path, "x", 1, 0600, 0),
	    GF_ERR_EXISTS);
	CU_ASSERT_EQUAL(test_count_names(dir, "target"), 0);
	CU_ASSERT_EQUAL(test_count_names(dir, ".tmp-"), 0);
	free(path);
	free(missing);
	free(sub);
	test_rmtree(dir);
}

static void
test_file_read(void)
{
	static const char content[] = "line one\n\0binary\xff tail";
	const size_t clen = sizeof(content) - 1;
	unsigned char *data, *sentinel = (unsigned char *)&data;
	size_t len;
	char *dir, *path, *empty;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	path = test_path(dir, "in");
	empty = test_path(dir, "empty");
	CU_ASSERT_EQUAL(test_write_file(path, content, clen), 0);
	CU_ASSERT_EQUAL(test_write_file(empty, "", 0), 0);

	data = NULL;
	len = 0;
	CU_ASSERT_EQUAL(file_read(path, GF_MAX_INPUT_FILE, &data, &len), 0);
	CU_ASSERT_EQUAL(len, clen);
	CU_ASSERT(data != NULL && memcmp(data, content, clen) == 0 &&
	    data[clen] == '\0');
	free(data);

	/* Exactly max bytes pass; one more is too large. */
	data = NULL;
	CU_ASSERT_EQUAL(file_read(path, clen, &data, &len), 0);
	CU_ASSERT(data != NULL && len == clen);
	free(data);
	data = sentinel;
	gf_errclear();
	r = file_read(path, clen - 1, &data, &len);
	CU_ASSERT_EQUAL(r, GF_ERR_TOO_LARGE);
	CHECK_ERRMSG(r, "exceeds the limit", "max - 1");
	CU_ASSERT_PTR_EQUAL(data, sentinel);

	data = NULL;
	CU_ASSERT_EQUAL(file_read(empty, 16, &data, &len), 0);
	CU_ASSERT(data != NULL && len == 0 && data[0] == '\0');
	free(data);

	/*
	 * A file longer than fstat() says (as /proc files are, at size 0)
	 * is read to its end, and still held to max.
	 */
	data = NULL;
	CU_ASSERT_EQUAL(file_read("/proc/self/maps", GF_MAX_INPUT_FILE, &data,
	    &len), 0);
	CU_ASSERT(data != NULL && len > 100 && strlen((char *)data) == len &&
	    data[len - 1] == '\n');
	free(data);
	data = sentinel;
	CU_ASSERT_EQUAL(file_read("/proc/self/maps", 100, &data, &len),
	    GF_ERR_TOO_LARGE);
	CU_ASSERT_PTR_EQUAL(data, sentinel);

	data = sentinel;
	CU_ASSERT_EQUAL(file_read(dir, GF_MAX_INPUT_FILE, &data, &len),
	    GF_ERR_FORMAT);
	CHECK_ERRMSG(GF_ERR_FORMAT, "not a regular file", "directory");
	CU_ASSERT_PTR_EQUAL(data, sentinel);
	free(empty);
	free(path);

	path = test_path(dir, "missing");
	CU_ASSERT_EQUAL(file_read(path, 16, &data, &len), GF_ERR_NOT_FOUND);
	CU_ASSERT_PTR_EQUAL(data, sentinel);
	free(path);

	/* A FIFO without a writer: refused at once, not waited on. */
	path = test_path(dir, "fifo");
	CU_ASSERT_EQUAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(file_read(path, 16, &data, &len), GF_ERR_FORMAT);
	CU_ASSERT_PTR_EQUAL(data, sentinel);
	free(path);

	CU_ASSERT_EQUAL(file_read("/dev/null", 16, &data, &len),
	    GF_ERR_FORMAT);
	CU_ASSERT_PTR_EQUAL(data, sentinel);
	test_rmtree(dir);
}

/* Reading back what was written atomically gives the same bytes. */
static void
test_file_round_trip(void)
{
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 65536, 1000003 };
	unsigned char *buf, *data;
	char *dir, *path, name[32];
	size_t i, j, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf = malloc(sizes[5]));
	for (j = 0; j < sizes[5]; j++)
		buf[j] = (unsigned char)(j * 7 + j / 251);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "%zu bytes", sizes[i]);
		path = test_path(dir, name);
		CHECK_ROW(file_write_atomic(path, buf, sizes[i], 0600, 0) == 0,
		    name);
		data = NULL;
		CHECK_ROW(file_read(path, GF_MAX_INPUT_FILE, &data, &len) == 0 &&
		    len == sizes[i] && memcmp(data, buf, len) == 0, name);
		free(data);
		free(path);
	}
	free(buf);
	test_rmtree(dir);
}

static void
test_file_helpers(void)
{
	char *dir, *sub, *p;

	p = file_join("a/b", "c.crt");
	CU_ASSERT(p != NULL && strcmp(p, "a/b/c.crt") == 0);
	free(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = test_tmpdir());
	sub = test_path(dir, "new");
	CU_ASSERT_EQUAL(file_mkdir(sub, 0700), 0);
	CU_ASSERT(file_is_dir(sub));
	CU_ASSERT_EQUAL(file_mkdir(sub, 0700), 0);	/* exists: fine */
	CU_ASSERT(file_exists(sub));
	free(sub);
	sub = test_path(dir, "file");
	CU_ASSERT_EQUAL(test_write_file(sub, "x", 1), 0);
	CU_ASSERT_EQUAL(file_mkdir(sub, 0700), GF_ERR_IO);
	CU_ASSERT(!file_is_dir(sub));
	free(sub);
	sub = test_path(dir, "nothing");
	CU_ASSERT(!file_exists(sub));
	free(sub);
	test_rmtree(dir);
}

int
test_file_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("file", NULL, NULL)) == NULL ||
	    CU_add_test(s, "write modes", test_file_write_modes) == NULL ||
	    CU_add_test(s, "write and replace",
	    test_file_write_replace) == NULL ||
	    CU_add_test(s, "write failures", test_file_write_failures) == NULL ||
	    CU_add_test(s, "file_read", test_file_read) == NULL ||
	    CU_add_test(s, "round trip", test_file_round_trip) == NULL ||
	    CU_add_test(s, "join, mkdir, exists", test_file_helpers) == NULL)
		return -1;
	return 0;
}
