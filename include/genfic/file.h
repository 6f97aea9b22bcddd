/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded reads and crash-safe writes of files in and around the store. */
#ifndef GENFIC_FILE_H
#define GENFIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* The largest CSR, certificate, or key file we read. */
#define GF_MAX_INPUT_FILE	(1024 * 1024)

/*
 * Reads a regular file of at most max bytes into a new buffer (freed with
 * free()), NUL-terminated beyond *len.  Refuses other file types.
 */
int	file_read(const char *path, size_t max, unsigned char **data,
	    size_t *len);

/* Writes all of data to fd, again after EINTR; -1 with errno on failure. */
int	file_write_all(int fd, const void *data, size_t len);

/*
 * Writes data to path through a temporary file in the same directory:
 * created with mode, written, fsync'd, renamed over path, directory fsync'd.
 * With replace false an existing path is an error and is left alone.
 */
int	file_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode, int replace);

/*
 * The same without the fsyncs, for many files whose content is safe
 * elsewhere (certificates already committed to the store): a crash may
 * lose the file, never leave half of it.
 */
int	file_write_unsynced(const char *path, const void *data, size_t len,
	    mode_t mode, int replace);

/*
 * One flush for all the files written unsynced into dir (syncfs() of its
 * file system).  Returns 0, or -1 with errno.
 */
int	file_sync_dir(const char *dir);

/* Makes dir with mode unless it exists as a directory. */
int	file_mkdir(const char *dir, mode_t mode);

/* Returns "a/b" in a new string. */
char	*file_join(const char *dir, const char *name);

/*
 * True if name can be a file name of the store: 1 to max letters, digits,
 * '-', '_' and '.', starting with a letter or digit, without "..".
 */
int	file_name_ok(const char *name, size_t max);

int	file_exists(const char *path);
int	file_is_dir(const char *path);

#endif
