/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * genfic-ocspd --install SNAPSHOT -d DIR: verifies the snapshot, copies it
 * into a new directory DIR/snapshot-TIME-XXXXXX, verifies the copy, and
 * points DIR/current at it with rename(2), so that a daemon serving DIR
 * switches from one whole snapshot to the next (see status.c).  A
 * snapshot signed before the one installed is refused: an old, validly
 * signed snapshot would bring revoked certificates back to "good".
 */
#include <sys/stat.h>

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

/* The signing time of the snapshot DIR/current points at, or 0. */
static time_t
current_signed_at(const char *dir, X509_STORE *trust)
{
	char *cur;
	time_t t = 0;

	if ((cur = file_join(dir, SNAPSHOT_CURRENT)) == NULL)
		return 0;
	if (access(cur, F_OK) == 0 && snapshot_verify(cur, trust, &t,
	    NULL) != 0) {
		gf_errclear();
		t = 0;
	}
	free(cur);
	return t;
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

int
snapshot_install(const char *src, const char *dir, X509_STORE *trust)
{
	struct manifest_files mf = { NULL, 0 };
	char stamp[GF_ISO_TIME_LEN], *tmp = NULL, *name = NULL;
	time_t signed_at, copied_at, installed;
	int r;

	if ((r = snapshot_verify(src, trust, &signed_at, &mf)) != 0 ||
	    (r = file_mkdir(dir, 0755)) != 0)
		goto out;
	installed = current_signed_at(dir, trust);
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
	if ((r = flip_current(dir, name)) != 0)
		goto out;
	time_to_iso(signed_at, stamp);
	printf("%s/%s: %zu files, signed %s; %s/%s points to it\n", dir,
	    name, mf.n, stamp, dir, SNAPSHOT_CURRENT);
 out:
	if (r != 0 && tmp != NULL)
		snapshot_remove(tmp);
	manifest_files_clear(&mf);
	free(tmp);
	free(name);
	return r;
}
