/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the suites: temporary directories, files, checks. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genfic/err.h"

#include "test.h"

void
test_check_row(int ok, const char *row, const char *expr, const char *file,
    unsigned int line)
{
	char what[512];

	snprintf(what, sizeof(what), "[%s] %s", row, expr);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, what, file, "",
	    CU_FALSE);
}

void
test_check_errmsg(int code, const char *want, const char *row,
    const char *file, unsigned int line)
{
	const char *msg = gf_errmsg(code);
	char what[1024];
	int ok = strstr(msg, want) != NULL;

	snprintf(what, sizeof(what), "[%s] message \"%s\" contains \"%s\"",
	    row, msg, want);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, what, file, "",
	    CU_FALSE);
}

char *
test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&dir, "%s/genfic-unit-XXXXXX", base) == -1)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int
rmtree_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

void
test_rmtree(char *dir)
{
	if (dir == NULL)
		return;
	if (nftw(dir, rmtree_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "unit-tests: cannot remove %s\n", dir);
	free(dir);
}

char *
test_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		abort();
	return p;
}

int
test_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

char *
test_read_file(const char *path, size_t *lenp)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, size = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (size - len < 4096) {
			size = size * 2 + 4096;
			if ((nbuf = realloc(buf, size + 1)) == NULL)
				goto fail;
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, size - len)) == -1)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
 fail:
	close(fd);
	free(buf);
	return NULL;
}

int
test_count_names(const char *dir, const char *part)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, part) != NULL)
			n++;
	closedir(d);
	return n;
}

const char *
test_templates_dir(void)
{
	const char *dir = getenv("GENFIC_CA_TEMPLATES");

	return dir != NULL && *dir != '\0' ? dir : NULL;
}
