/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A planted fault for privsep.sh: LD_PRELOAD'ed into genfic-ca, it makes
 * each request parser process (any process but the one that loaded it)
 * misbehave when it replies, as GF_PARSERFAULT says: "garbage" (a reply
 * that claims 99 items), "crash" (abort(): SIGABRT, or SIGSYS under the
 * seccomp filter, which does not allow the signal to be raised) or "exit"
 * (status 3).  A
 * parser compromised by a hostile request could do each; none can be
 * made on demand with a real request.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static pid_t loader;
static ssize_t (*real_send)(int, const void *, size_t, int);

__attribute__((constructor)) static void
parserfault_init(void)
{
	loader = getpid();
	real_send = (ssize_t (*)(int, const void *, size_t, int))dlsym(
	    RTLD_NEXT, "send");
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	static const unsigned char lie[8] = { 0, 0, 0, 4, 0, 0, 0, 99 };
	const char *mode = getenv("GF_PARSERFAULT");

	if (mode != NULL && getpid() != loader) {
		/* abort(): a signal under ASan too, whose SEGV handler exits 1. */
		if (strcmp(mode, "crash") == 0)
			abort();
		/* Not _exit(): ASan's would first look for leaks, under seccomp. */
		if (strcmp(mode, "exit") == 0)
			syscall(SYS_exit_group, 3);
		if (strcmp(mode, "garbage") == 0)
			return real_send(fd, lie, sizeof(lie), flags) ==
			    (ssize_t)sizeof(lie) ? (ssize_t)len : -1;
	}
	return real_send(fd, buf, len, flags);
}
