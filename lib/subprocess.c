/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* O_TMPFILE, pipe2 */
#include "subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "sanitize.h"
#include "strbuf.h"

static int tmp_fd(void)
{
	const char *dirs[] = {"/tmp", "/var/tmp", "/dev/shm"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

int sbtc_child_spawn(const char *path, char *const argv[], char *const envp[], sbtc_child *c, char *err,
		     size_t errlen)
{
	int out[2];
	c->pid = 0;
	c->out_fd = c->err_fd = -1;
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return -1;
	}
	if (access(path, X_OK) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	c->err_fd = tmp_fd();
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		if (c->err_fd >= 0)
			close(c->err_fd);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		close(devnull);
		if (c->err_fd >= 0)
			close(c->err_fd);
		return -1;
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls until execve. It dies with us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		signal(SIGALRM, SIG_DFL);
		alarm(0);
		if (dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		if (c->err_fd >= 0 ? dup2(c->err_fd, 2) < 0 : dup2(devnull, 2) < 0)
			_exit(127);
		execve(path, argv, envp);
		_exit(127);
	}
	close(out[1]);
	close(devnull);
	c->pid = pid;
	c->out_fd = out[0];
	return 0;
}

static void close_fds(sbtc_child *c)
{
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->out_fd = c->err_fd = -1;
}

void sbtc_child_kill(sbtc_child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
	close_fds(c);
}

int sbtc_child_finish(sbtc_child *c, int *exit_code, bool *timed_out, char *errtext, size_t errlen)
{
	*timed_out = false;
	if (errlen > 0)
		errtext[0] = '\0';
	if (c->out_fd >= 0) {
		close(c->out_fd);
		c->out_fd = -1;
	}
	int status = 0;
	for (;;) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR) {
			c->pid = 0;
			close_fds(c);
			*exit_code = 127;
			return 0;
		}
		if (sbtc_deadline_expired()) {
			*timed_out = true;
			sbtc_child_kill(c);
			return -1;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	c->pid = 0;
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : 127;
	if (c->err_fd >= 0 && errlen > 0) {
		char buf[1024];
		ssize_t n = pread(c->err_fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			char *s = sbtc_sanitize(buf, errlen - 1 < 300 ? errlen - 1 : 300);
			sbtc_strlcpy(errtext, s, errlen);
			free(s);
		}
	}
	close_fds(c);
	return 0;
}

char *sbtc_find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	const char *p = path;
	while (*p != '\0') {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		if (n > 0 && p[0] == '/') {
			char *cand = sbtc_xasprintf("%.*s/%s", (int)n, p, name);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

void sbtc_child_read_output(sbtc_child *c, size_t max, sbtc_strbuf *out, bool *timed_out, bool *too_big)
{
	*timed_out = *too_big = false;
	for (;;) {
		long ms = sbtc_deadline_remaining_ms();
		if (ms <= 0) {
			*timed_out = true;
			return;
		}
		/* Waits of a second at most, so that the deadline is looked at again. */
		struct pollfd pfd = {.fd = c->out_fd, .events = POLLIN};
		int pr = poll(&pfd, 1, ms > 1000 ? 1000 : (int)ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return;
		if (pr == 0)
			continue;
		char b[65536];
		ssize_t got = read(c->out_fd, b, sizeof b);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return;
		if (out->len + (size_t)got > max) {
			*too_big = true;
			return;
		}
		sbtc_strbuf_append(out, b, (size_t)got);
	}
}
