/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "child.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"

char *run_in_child(void (*fn)(const void *), const void *arg, int *exit_code)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(98);
		close(fds[1]);
		fn(arg);
		_exit(99); /* fn was expected to exit */
	}
	close(fds[1]);
	sbtc_strbuf out = SBTC_STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) > 0)
		sbtc_strbuf_append(&out, buf, (size_t)n);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("child did not exit normally (status 0x%x)", (unsigned)status);
	*exit_code = WEXITSTATUS(status);
	return sbtc_strbuf_steal(&out);
}
