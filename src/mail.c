/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building MIME messages and handing them to sendmail (mail.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "genfic/err.h"
#include "genfic/mail.h"

#define B64_LINE	57	/* bytes per base64 line: 76 characters */
#define WORD_BYTES	45	/* bytes per encoded-word: 60 characters */

static int
put(struct mail *m, const void *data, size_t len)
{
	size_t cap;
	char *p;

	if (m->failed)
		return -1;
	if (m->len + len + 1 > MAIL_MAX) {
		m->failed = 1;
		return -1;
	}
	if (m->len + len + 1 > m->cap) {
		cap = m->cap != 0 ? m->cap : 4096;
		while (cap < m->len + len + 1)
			cap *= 2;
		if ((p = realloc(m->data, cap)) == NULL) {
			m->failed = 1;
			return -1;
		}
		m->data = p;
		m->cap = cap;
	}
	memcpy(m->data + m->len, data, len);
	m->len += len;
	m->data[m->len] = '\0';
	return 0;
}

static int
puts_(struct mail *m, const char *s)
{
	return put(m, s, strlen(s));
}

static int
putf(struct mail *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
putf(struct mail *m, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		m->failed = 1;
		return -1;
	}
	return put(m, buf, (size_t)n);
}

static int
status(const struct mail *m)
{
	return m->failed ? gf_fail(GF_ERR_TOO_LARGE, "mail: the message is "
	    "over %d bytes, or out of memory", MAIL_MAX) : 0;
}

/* base64 of data, in lines of 76 characters. */
static int
put_base64(struct mail *m, const unsigned char *data, size_t len)
{
	unsigned char line[4 * B64_LINE / 3 + 4];
	size_t off, n;
	int k;

	for (off = 0; off < len; off += n) {
		n = len - off < B64_LINE ? len - off : B64_LINE;
		k = EVP_EncodeBlock(line, data + off, (int)n);
		if (put(m, line, (size_t)k) != 0 || put(m, "\n", 1) != 0)
			return -1;
	}
	return 0;
}

static int
plain(const char *s)
{
	size_t n = strlen(s);

	if (n > 200)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* Bytes of s (of len) that end on a UTF-8 character boundary, up to max. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n > 0 ? n : (len < max ? len : max);
}

/* RFC 2047 B encoded-words, one a line, folded with a space. */
static int
put_encoded(struct mail *m, const char *s)
{
	unsigned char word[4 * WORD_BYTES / 3 + 4];
	size_t len = strlen(s), off, n;
	int k;

	for (off = 0; off < len; off += n) {
		n = utf8_cut(s + off, len - off, WORD_BYTES);
		k = EVP_EncodeBlock(word, (const unsigned char *)s + off, (int)n);
		if (putf(m, "%s=?UTF-8?B?", off > 0 ? "\n " : "") != 0 ||
		    put(m, word, (size_t)k) != 0 || puts_(m, "?=") != 0)
			return -1;
	}
	return 0;
}

static void
random_hex(char *out, size_t bytes)
{
	unsigned char r[16];
	size_t i;

	if (bytes > sizeof(r))
		bytes = sizeof(r);
	if (RAND_bytes(r, (int)bytes) != 1)
		memset(r, 0, sizeof(r));
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

int
mail_begin(struct mail *m, const char *from, const char *to,
    const char *subject, int multipart)
{
	char date[64], id[33];
	const char *domain = strchr(from, '@');
	time_t now = time(NULL);
	struct tm tm;

	memset(m, 0, sizeof(*m));
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	random_hex(id, 16);
	putf(m, "From: %s\nTo: %s\nSubject: ", from, to);
	if (plain(subject))
		puts_(m, subject);
	else
		put_encoded(m, subject);
	putf(m, "\nDate: %s\nMessage-ID: <%s.genfic-ca@%s>\n"
	    "MIME-Version: 1.0\nAuto-Submitted: auto-generated\n", date, id,
	    domain != NULL ? domain + 1 : "localhost");
	if (multipart) {
		memcpy(m->boundary, "=_genfic-ca_", 12);
		random_hex(m->boundary + 12, 12);
		putf(m, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
		    "This is a MIME message.\n", m->boundary);
	}
	return status(m);
}

static void
part_start(struct mail *m)
{
	if (m->boundary[0] != '\0')
		putf(m, "\n--%s\n", m->boundary);
}

int
mail_text(struct mail *m, const char *text, size_t len)
{
	part_start(m);
	puts_(m, "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: base64\n\n");
	put_base64(m, (const unsigned char *)text, len);
	return status(m);
}

int
mail_attach(struct mail *m, const char *type, const char *filename,
    const void *data, size_t len)
{
	part_start(m);
	putf(m, "Content-Type: %s; name=\"%s\"\nContent-Disposition: "
	    "attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n",
	    type, filename, filename);
	put_base64(m, data, len);
	return status(m);
}

int
mail_end(struct mail *m)
{
	if (m->boundary[0] != '\0')
		putf(m, "\n--%s--\n", m->boundary);
	return status(m);
}

void
mail_free(struct mail *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

int
mail_command(const char *cmd, char **copy, char *argv[MAIL_ARGS_MAX + 1])
{
	char *p, *save = NULL;
	size_t n = 0;

	if ((*copy = strdup(cmd)) == NULL)
		return gf_fail(GF_ERR_ALLOC, "out of memory");
	for (p = strtok_r(*copy, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (n == MAIL_ARGS_MAX) {
			free(*copy);
			*copy = NULL;
			return gf_fail(GF_ERR_USAGE, "--sendmail: more than %d "
			    "words", MAIL_ARGS_MAX);
		}
		argv[n++] = p;
	}
	argv[n] = NULL;
	if (n == 0) {
		free(*copy);
		*copy = NULL;
		return gf_fail(GF_ERR_USAGE, "--sendmail: an empty command");
	}
	return 0;
}

/* Milliseconds left until deadline (a CLOCK_MONOTONIC time), at least 0. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 1000000 ? 1000000 : (int)ms;
}

/* Writes the message to fd before the deadline: 0, or -1 with errno. */
static int
feed(int fd, const char *msg, size_t len, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;
	size_t off = 0;
	int left;

	while (off < len) {
		if ((left = ms_left(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((n = write(fd, msg + off, len - off)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Waits for pid until deadline, then kills it: its wait status, or -1. */
static int
reap(pid_t pid, const struct timespec *deadline, int *timed_out)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int wstatus;
	pid_t w;

	*timed_out = 0;
	for (;;) {
		if ((w = waitpid(pid, &wstatus, WNOHANG)) == pid)
			return wstatus;
		if (w < 0 && errno != EINTR)
			return -1;
		if (ms_left(deadline) == 0)
			break;
		nanosleep(&tick, NULL);
	}
	*timed_out = 1;
	kill(pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	return wstatus;
}

static void
child(int in, char *const argv[])
{
	if (dup2(in, STDIN_FILENO) < 0)
		_exit(126);
	if (in != STDIN_FILENO)
		close(in);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

static int
verdict(char *const argv[], int wstatus, int timed_out, int fed, int timeout)
{
	if (timed_out)
		return gf_fail(GF_ERR_IO, "%s: no answer in %d s (killed)",
		    argv[0], timeout);
	if (wstatus == -1)
		return gf_fail(GF_ERR_IO, "%s: wait: %s", argv[0],
		    strerror(errno));
	if (WIFSIGNALED(wstatus))
		return gf_fail(GF_ERR_IO, "%s: killed by signal %d", argv[0],
		    WTERMSIG(wstatus));
	if (WEXITSTATUS(wstatus) == 127)
		return gf_fail(GF_ERR_IO, "%s: could not be run (exit 127)",
		    argv[0]);
	if (WEXITSTATUS(wstatus) != 0)
		return gf_fail(GF_ERR_IO, "%s: exit status %d", argv[0],
		    WEXITSTATUS(wstatus));
	if (fed != 0)
		return gf_fail(GF_ERR_IO, "%s: did not read the message: %s",
		    argv[0], strerror(fed));
	return 0;
}

int
mail_hand_off(char *const argv[], const char *msg, size_t len, int timeout)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct timespec deadline;
	int fds[2], wstatus, timed_out, fed = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return gf_fail(GF_ERR_IO, "pipe: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return gf_fail(GF_ERR_IO, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[1]);
		child(fds[0], argv);
	}
	close(fds[0]);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	/* A mailer that exits early makes EPIPE, not a dead genfic-ca. */
	sigaction(SIGPIPE, &ign, &old);
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0 ||
	    feed(fds[1], msg, len, &deadline) != 0)
		fed = errno;
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	wstatus = reap(pid, &deadline, &timed_out);
	return verdict(argv, wstatus, timed_out || fed == ETIMEDOUT, fed,
	    timeout);
}
