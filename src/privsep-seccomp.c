/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parsers' seccomp filter (privsep.h): reading and writing its socket,
 * writing standard error, memory that is never executable, time, random
 * bytes and the end; any other system call kills the parser.
 */
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include <seccomp.h>

#include "genfic/privsep.h"

const char privsep_filter_name[] = "seccomp";

/* Allowed whatever their arguments. */
static const int plain[] = {
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall), SCMP_SYS(brk), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex),
	SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(time), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(sched_yield), SCMP_SYS(rt_sigprocmask),
};

static int
filter_rules(scmp_filter_ctx ctx, int fd)
{
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0) != 0)
			return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO)) != 0)
		return -1;
	/* Memory, but none that code could be put in and run. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0)
		return -1;
	return 0;
}

int
privsep_filter(int fd)
{
	scmp_filter_ctx ctx;
	int r = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -1;
	if (filter_rules(ctx, fd) == 0 && seccomp_load(ctx) == 0)
		r = 0;
	seccomp_release(ctx);
	return r;
}
