/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A helper program run directly (execve of a full path, never a shell), its standard
 * output read through a pipe, its standard error kept (bounded) for messages, and the
 * whole bounded by the deadline: at the deadline it is killed by its PID. */
#ifndef SBTC_SUBPROCESS_H
#define SBTC_SUBPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

typedef struct {
	pid_t pid;    /* 0 when not running */
	int out_fd;   /* read end of the child's standard output */
	int err_fd;   /* an unlinked temporary file holding its standard error */
} sbtc_child;

/* Starts path (absolute) with argv (argv[0] included, NULL-terminated) and the given
 * environment (NULL-terminated "NAME=value"), standard input /dev/null. Returns 0, or
 * -1 with a message. */
int sbtc_child_spawn(const char *path, char *const argv[], char *const envp[], sbtc_child *c, char *err,
		     size_t errlen);

/* Waits for the child within the deadline, killing it (SIGKILL, by PID) when the
 * deadline passes. Returns 0 with *exit_code (>= 0 exited, -N killed by signal N) and
 * the start of its standard error in errtext (sanitised), or -1 with *timed_out set
 * when it was killed at the deadline. Closes the descriptors. */
int sbtc_child_finish(sbtc_child *c, int *exit_code, bool *timed_out, char *errtext, size_t errlen);

/* Reads the child's standard output into out until it ends. Stops early, with
 * *timed_out when the deadline passes, or with *too_big when the output would grow past
 * max bytes: the caller then kills the child (sbtc_child_kill). */
void sbtc_child_read_output(sbtc_child *c, size_t max, sbtc_strbuf *out, bool *timed_out, bool *too_big);

/* Kills (SIGKILL) and reaps a child that is still running; closes the descriptors. */
void sbtc_child_kill(sbtc_child *c);

/* The first executable regular file called name in the absolute directories of PATH
 * (malloc'd), or NULL. */
char *sbtc_find_in_path(const char *name);

#endif
