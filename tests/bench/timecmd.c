/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gf-bench-time: runs a command and writes "WALL CPU MAXRSS" to FILE: wall
 * and CPU (user + system) seconds to the microsecond, and the peak
 * resident set in KiB.  MAXRSS is ru_maxrss of wait4(), the field that
 * /usr/bin/time -v prints as "Maximum resident set size"; GNU time prints
 * seconds to the hundredth only, too coarse for one signing call.
 *
 * usage: gf-bench-time FILE STATUS CMD [ARG...]
 * Exits 0 if CMD exited with STATUS (usually 0), 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int status;

	if (argc < 4) {
		fprintf(stderr, "usage: gf-bench-time FILE STATUS CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1) {
		perror("gf-bench-time: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR) {
			perror("gf-bench-time: wait4");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "%.6f %.6f %ld\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    seconds(ru.ru_utime) + seconds(ru.ru_stime), ru.ru_maxrss);
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return WIFEXITED(status) &&
	    WEXITSTATUS(status) == strtol(argv[2], NULL, 10) ? 0 : 1;
}
