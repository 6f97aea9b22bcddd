/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * genfic-ocspd --install SNAPSHOT -d DIR: verifies the snapshot, copies it
 * into a new directory DIR/snapshot-TIME-XXXXXX, verifies the copy, and
 * points DIR/current at it with rename(2), so that a daemon serving DIR
 * switches from one whole snapshot to the next (see status.c).  A
 * snapshot signed before the one installed is refused: an old, validly
 * signed snapshot would bring revoked certificates back to "good".  Then
 * older snapshots go, but the previous one (to roll back to) and any a
 * daemon still serves (it holds a shared flock(2) on it).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "genfic/err.h"
#include "genfic/file.h"
#include "genfic/manifest.h"
#include "genfic/x509util.h"
#include "ocspd-local.h"

#define COPY_CHUNK	(64 * 1024)

/* src/name to dst/name, directories made on the way, synced. */
static int
copy_one(const char *src, const char *dst, const char *name)
{
	char buf[COPY_CHUNK], *from = NULL, *to = NULL, *slash;
	ssize_t n;
	int in = -1, out = -1, r = 0;

	if (asprintf(&from, "%s/%s", src, name) == -1 ||
	    asprintf(&to, "%s/%s", dst, name) == -1) {
		free(from);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	for (slash = strchr(to + strlen(dst) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(to, 0755) == -1 && errno != EEXIST)
			r = gf_fail(GF_ERR_IO, "%s: %s", to, strerror(errno));
		*slash = '/';
		if (r != 0)
			goto out;
	}
	if ((in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		r = gf_fail(GF_ERR_IO, "%s: %s", in == -1 ? from : to,
		    strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || file_write_all(out, buf, (size_t)n) != 0) {
			r = gf_fail(GF_ERR_IO, "%s: %s", n == -1 ? from : to,
			    strerror(errno));
			goto out;
		}
	}
	if (fsync(out) == -1)
		r = gf_fail(GF_ERR_IO, "%s: %s", to, strerror(errno));
 out:
	if (in != -1)
		close(in);
	if (out != -1 && close(out) == -1 && r == 0)
		r = gf_fail(GF_ERR_IO, "%s: %s", to, strerror(errno));
	free(from);
	free(to);
	return r;
}

static int
copy_all(const char *src, const char *dst, const struct manifest_files *mf)
{
	size_t i;
	int r = 0;

	for (i = 0; i < mf->n && r == 0; i++)
		r = copy_one(src, dst, mf->names[i]);
	if (r == 0)
		r = copy_one(src, dst, MANIFEST_NAME);
	if (r == 0)
		r = copy_one(src, dst, MANIFEST_SIG_NAME);
	return r;
}

/*
 * The snapshot DIR/current points at, if it verifies: its path in *cur
 * (else NULL), its signing time in *t (else 0).
 */
static int
current_snapshot(const char *dir, X509_STORE *trust, char **cur, time_t *t)
{
	*t = 0;
	if ((*cur = file_join(dir, SNAPSHOT_CURRENT)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	if (access(*cur, F_OK) == 0 && snapshot_verify(*cur, trust, t,
	    NULL) == 0)
		return 0;
	gf_errclear();
	*t = 0;
	free(*cur);
	*cur = NULL;
	return 0;
}

/* DIR/current -> name, replaced in one rename(2). */
static int
flip_current(const char *dir, const char *name)
{
	char *tmp = NULL, *cur = NULL;
	int r = 0;

	if (asprintf(&tmp, "%s/.%s.%ld", dir, SNAPSHOT_CURRENT,
	    (long)getpid()) == -1 ||
	    (cur = file_join(dir, SNAPSHOT_CURRENT)) == NULL) {
		free(tmp);
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	unlink(tmp);
	if (symlink(name, tmp) == -1 || rename(tmp, cur) == -1) {
		r = gf_fail(GF_ERR_IO, "%s: %s", cur, strerror(errno));
		unlink(tmp);
	} else
		r = file_sync_dir(dir);
	free(tmp);
	free(cur);
	return r;
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
snapshot_remove(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty DIR/.new-XXXXXX, in *tmp. */
static int
make_temp(const char *dir, char **tmp)
{
	if (asprintf(tmp, "%s/.new-XXXXXX", dir) == -1) {
		*tmp = NULL;
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	if (mkdtemp(*tmp) == NULL || chmod(*tmp, 0755) == -1) {
		free(*tmp);
		*tmp = NULL;
		return gf_fail(GF_ERR_IO, "%s: %s", dir, strerror(errno));
	}
	return 0;
}

/* tmp becomes DIR/snapshot-TIME-XXXXXX; its name in *name. */
static int
rename_final(const char *dir, const char *tmp, time_t signed_at, char **name)
{
	char stamp[32], *to = NULL;
	struct tm tm;
	int r = 0;

	if (gmtime_r(&signed_at, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return gf_fail(GF_ERR_FORMAT, "snapshot signing time out of range");
	if (asprintf(name, "snapshot-%s-%s", stamp, strrchr(tmp, '-') + 1) ==
	    -1 || (to = file_join(dir, *name)) == NULL) {
		*name = NULL;
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	}
	if (rename(tmp, to) == -1)
		r = gf_fail(GF_ERR_IO, "%s: %s", to, strerror(errno));
	free(to);
	return r;
}

/*
 * A directory a daemon serves is held with a shared flock(2) (see
 * snapshot_hold): 1 when one is, 0 when not (or it is gone).
 */
static int
in_use(const char *path)
{
	int fd, busy;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 0;
	busy = flock(fd, LOCK_EX | LOCK_NB) == -1;
	close(fd);
	return busy;
}

/*
 * Removes DIR's snapshot-* directories but the one just installed, the
 * one before it (kept for a rollback) and any a daemon still serves.
 */
static void
prune(const char *dir, const char *name, const char *previous)
{
	DIR *d;
	struct dirent *de;
	char *path;
	int removed = 0;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "snapshot-", 9) != 0 ||
		    strcmp(de->d_name, name) == 0 ||
		    (previous != NULL && strcmp(de->d_name, previous) == 0) ||
		    (path = file_join(dir, de->d_name)) == NULL)
			continue;
		if (in_use(path))
			printf("%s: still served, kept\n", path);
		else {
			snapshot_remove(path);
			removed++;
		}
		free(path);
	}
	closedir(d);
	if (removed > 0)
		printf("%s: %d older snapshot%s removed\n", dir, removed,
		    removed == 1 ? "" : "s");
}

/* The name DIR/current points at (a new string), or NULL. */
static char *
current_name(const char *dir)
{
	char *cur, target[PATH_MAX];
	ssize_t n;

	if ((cur = file_join(dir, SNAPSHOT_CURRENT)) == NULL)
		return NULL;
	n = readlink(cur, target, sizeof(target) - 1);
	free(cur);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	return strchr(target, '/') == NULL ? strdup(target) : NULL;
}

int
snapshot_install(const char *src, const char *dir, X509_STORE *trust)
{
	struct manifest_files mf = { NULL, 0 };
	char stamp[GF_ISO_TIME_LEN], *tmp = NULL, *name = NULL, *cur = NULL;
	char *previous = NULL;
	time_t signed_at, copied_at, installed;
	int r;

	if ((r = file_mkdir(dir, 0755)) != 0 ||
	    (r = current_snapshot(dir, trust, &cur, &installed)) != 0 ||
	    (r = snapshot_verify_with(src, trust, cur, &signed_at, &mf)) != 0)
		goto out;
	if (signed_at < installed) {
		time_to_iso(installed, stamp);
		r = gf_fail(GF_ERR_POLICY, "signed before the snapshot "
		    "installed (%s): refusing to go back", stamp);
		goto out;
	}
	/* The copy is what will be served: verify it, not only the source. */
	if ((r = make_temp(dir, &tmp)) != 0 ||
	    (r = copy_all(src, tmp, &mf)) != 0 ||
	    (r = snapshot_verify(tmp, trust, &copied_at, NULL)) != 0 ||
	    (r = rename_final(dir, tmp, signed_at, &name)) != 0)
		goto out;
	free(tmp);
	tmp = NULL;
	previous = current_name(dir);
	if ((r = flip_current(dir, name)) != 0)
		goto out;
	time_to_iso(signed_at, stamp);
	printf("%s/%s: %zu files, signed %s; %s/%s points to it\n", dir,
	    name, mf.n, stamp, dir, SNAPSHOT_CURRENT);
	prune(dir, name, previous);
 out:
	if (r != 0 && tmp != NULL)
		snapshot_remove(tmp);
	manifest_files_clear(&mf);
	free(previous);
	free(cur);
	free(tmp);
	free(name);
	return r;
}

int
snapshot_hold(const char *dir, int *fd)
{
	int h;

	if ((h = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    flock(h, LOCK_SH) == -1) {
		if (h != -1)
			close(h);
		return gf_fail(GF_ERR_IO, "%s: %s", dir, strerror(errno));
	}
	if (*fd != -1)
		close(*fd);
	*fd = h;
	return 0;
}
