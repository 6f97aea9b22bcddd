/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded reads and crash-safe writes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genfic/err.h"
#include "genfic/file.h"

int
file_read(const char *path, size_t max, unsigned char **data, size_t *len)
{
	struct stat sb;
	unsigned char *buf = NULL, *grown;
	size_t have = 0, size, want;
	ssize_t n;
	int fd, r = GF_ERR_IO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return gf_fail(errno == ENOENT ? GF_ERR_NOT_FOUND : GF_ERR_IO,
		    "%s", strerror(errno));
	if (fstat(fd, &sb) == -1) {
		r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = gf_fail(GF_ERR_FORMAT, "not a regular file");
		goto out;
	}
	if ((size_t)sb.st_size > max) {
		r = gf_fail(GF_ERR_TOO_LARGE, "file of %lld bytes exceeds the "
		    "limit of %zu", (long long)sb.st_size, max);
		goto out;
	}
	/*
	 * Room for the size fstat() gave, one byte more to see a file that
	 * grew since, and the NUL.
	 */
	size = (size_t)sb.st_size + 1;
	if ((buf = malloc(size + 1)) == NULL) {
		r = gf_fail(GF_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (;;) {
		want = size - have;
		if ((n = read(fd, buf + have, want)) == -1) {
			if (errno == EINTR)
				continue;
			r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
			goto out;
		}
		have += (size_t)n;
		if (have > max) {
			r = gf_fail(GF_ERR_TOO_LARGE, "file exceeds the limit "
			    "of %zu bytes", max);
			goto out;
		}
		/* Short, at the size fstat() gave: the end, without asking again. */
		if (n == 0 || ((size_t)n < want && have == (size_t)sb.st_size))
			break;
		if (have == size) {
			size = size > max / 2 ? max + 1 : size * 2;
			if ((grown = realloc(buf, size + 1)) == NULL) {
				r = gf_fail(GF_ERR_ALLOC, "out of memory");
				goto out;
			}
			buf = grown;
		}
	}
	buf[have] = '\0';
	*data = buf;
	*len = have;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	close(fd);
	return r;
}

static int	write_atomic(const char *, const void *, size_t, mode_t, int,
		    int);

static int
fsync_dir_of(const char *path)
{
	char *copy;
	int fd, r = 0;

	if ((copy = strdup(path)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		r = gf_fail(GF_ERR_IO, "sync directory of %s: %s", path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	free(copy);
	return r;
}

int
file_write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    int replace)
{
	return write_atomic(path, data, len, mode, replace, 1);
}

int
file_write_unsynced(const char *path, const void *data, size_t len,
    mode_t mode, int replace)
{
	return write_atomic(path, data, len, mode, replace, 0);
}

int
file_sync_dir(const char *dir)
{
	int fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = syncfs(fd);
	close(fd);
	return r;
}

/*
 * A file with no name until it is whole: O_TMPFILE, linked into place,
 * which fails on an existing path.  One directory operation where a
 * temporary name takes three.  Returns 1 where the system cannot.
 */
static int
write_unnamed(const char *path, const void *data, size_t len, mode_t mode,
    int sync)
{
	char *copy, proc[64];
	int fd, r = 0;

	if ((copy = strdup(path)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	fd = open(dirname(copy), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	free(copy);
	if (fd == -1)
		return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ?
		    1 : gf_fail(GF_ERR_IO, "%s", strerror(errno));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fchmod(fd, mode) == -1 || file_write_all(fd, data, len) == -1 ||
	    (sync && fsync(fd) == -1))
		r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
	else if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1)
		r = errno == EEXIST ? gf_fail(GF_ERR_EXISTS, "file exists") :
		    errno == ENOENT ? 1 : gf_fail(GF_ERR_IO, "%s",
		    strerror(errno));	/* ENOENT: no /proc */
	else if (sync)
		r = fsync_dir_of(path);
	close(fd);
	return r;
}

static int
write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    int replace, int sync)
{
	char *tmp = NULL;
	int fd = -1, r = GF_ERR_IO;

	if (!replace && (r = write_unnamed(path, data, len, mode, sync)) != 1)
		return r;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) == -1) {
		tmp = NULL;
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	/* mkstemp creates the file 0600: no window where it is more open. */
	if ((fd = mkstemp(tmp)) == -1) {
		r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
		free(tmp);
		return r;
	}
	if (fchmod(fd, mode) == -1 || file_write_all(fd, data, len) == -1 ||
	    (sync && fsync(fd) == -1)) {
		r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
		goto out;
	}
	if (replace) {
		if (rename(tmp, path) == -1) {
			r = gf_fail(GF_ERR_IO, "%s", strerror(errno));
			goto out;
		}
	} else {
		/* link() fails on an existing path, where rename() would replace it. */
		if (link(tmp, path) == -1) {
			r = gf_fail(errno == EEXIST ? GF_ERR_EXISTS : GF_ERR_IO,
			    "%s", errno == EEXIST ? "file exists" : strerror(errno));
			goto out;
		}
		unlink(tmp);
	}
	r = sync ? fsync_dir_of(path) : 0;
 out:
	if (r != 0)
		unlink(tmp);
	close(fd);
	free(tmp);
	return r;
}

int
file_mkdir(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) == 0)
		return 0;
	if (errno == EEXIST && file_is_dir(dir))
		return 0;
	return gf_fail(GF_ERR_IO, "cannot create directory %s: %s", dir,
	    strerror(errno));
}

char *
file_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		return NULL;
	return p;
}

int
file_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

int
file_is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int
file_name_ok(const char *name, size_t max)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > max || strstr(name, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') &&
		    !(i > 0 && (name[i] == '-' || name[i] == '_' || name[i] == '.')))
			return 0;
	return 1;
}
