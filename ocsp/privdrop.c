/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Giving up root once the port is bound, in the order sshd uses for its
 * privsep child (STYLE 6): supplementary groups, the group, the user;
 * then checking that root cannot be had back (OpenSSH uidswap.c,
 * permanently_set_uid), and staying undumpable.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "genfic/err.h"
#include "ocspd-local.h"

#define PRIVDROP_MAX_GROUPS	64

int
privdrop_lookup(const char *user, struct privdrop *pd)
{
	struct passwd *pw;
	char *end;
	unsigned long id;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		/* A number names the uid itself. */
		errno = 0;
		id = strtoul(user, &end, 10);
		if (*user == '\0' || *end != '\0' || errno != 0 ||
		    id > UINT_MAX || (pw = getpwuid((uid_t)id)) == NULL)
			return gf_fail(GF_ERR_NOT_FOUND, "no user '%s' in the "
			    "password database", user);
	}
	if ((pd->user = strdup(pw->pw_name)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	return 0;
}

void
privdrop_clear(struct privdrop *pd)
{
	free(pd->user);
	pd->user = NULL;
}

static int
check_ids(const struct privdrop *pd)
{
	gid_t groups[PRIVDROP_MAX_GROUPS], rg, eg, sg;
	uid_t ru, eu, su;
	int n, i;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return gf_fail(GF_ERR_INTERNAL, "getresuid: %s",
		    strerror(errno));
	if (ru != pd->uid || eu != pd->uid || su != pd->uid ||
	    rg != pd->gid || eg != pd->gid || sg != pd->gid)
		return gf_fail(GF_ERR_INTERNAL, "user and group ids are not "
		    "all those of %s", pd->user);
	if ((n = getgroups(PRIVDROP_MAX_GROUPS, groups)) == -1)
		return gf_fail(GF_ERR_INTERNAL, "getgroups: %s",
		    strerror(errno));
	for (i = 0; i < n; i++)
		if (groups[i] != pd->gid)
			return gf_fail(GF_ERR_INTERNAL, "supplementary group "
			    "%u kept", (unsigned)groups[i]);
	return 0;
}

int
privdrop_apply(const struct privdrop *pd)
{
	int r;

	if (setgroups(1, &pd->gid) == -1)
		return gf_fail(GF_ERR_INTERNAL, "setgroups: %s",
		    strerror(errno));
	if (setresgid(pd->gid, pd->gid, pd->gid) == -1)
		return gf_fail(GF_ERR_INTERNAL, "setresgid %u: %s",
		    (unsigned)pd->gid, strerror(errno));
	if (setresuid(pd->uid, pd->uid, pd->uid) == -1)
		return gf_fail(GF_ERR_INTERNAL, "setresuid %u: %s",
		    (unsigned)pd->uid, strerror(errno));
	if ((r = check_ids(pd)) != 0)
		return r;
	/* Both must now fail: if either works, we are still root. */
	if (pd->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		return gf_fail(GF_ERR_INTERNAL, "root could be regained after "
		    "becoming %s", pd->user);
	if (pd->gid != 0 && pd->uid != 0 && (setgid(0) != -1 ||
	    setegid(0) != -1))
		return gf_fail(GF_ERR_INTERNAL, "group 0 could be regained "
		    "after becoming %s", pd->user);
	/* The new ids made us as dumpable as fs.suid_dumpable says. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return gf_fail(GF_ERR_INTERNAL, "PR_SET_DUMPABLE: %s",
		    strerror(errno));
	return 0;
}
