/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* mkostemp */
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "strbuf.h"

/* Fixed buffers: sbtc_output_file_done runs in the signal handler. */
static char g_final[PATH_MAX];
static char g_temp[PATH_MAX];
static volatile sig_atomic_t g_fd = -1;
static bool g_exit_hook;

static void put_err(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t k = write(STDERR_FILENO, s, n);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

void sbtc_output_file_done(bool whole)
{
	int fd = g_fd;
	if (fd < 0)
		return;
	g_fd = -1;
	sbtc_deadline_set_output(STDOUT_FILENO, NULL);
	if (whole && fsync(fd) == 0 && close(fd) == 0 && rename(g_temp, g_final) == 0)
		return;
	if (whole) {
		put_err("cannot write the output file ");
		put_err(g_final);
		put_err("\n");
	}
	(void)close(fd); /* EBADF when closed above: nothing to do */
	(void)unlink(g_temp);
}

/* A run that ends without writing a result (--help, an exit on a path that printed
 * nothing) leaves no temporary file behind. */
static void at_exit(void)
{
	sbtc_output_file_done(false);
}

int sbtc_output_fd(void)
{
	int fd = g_fd;
	return fd >= 0 ? fd : STDOUT_FILENO;
}

bool sbtc_output_to_file(void)
{
	return g_fd >= 0;
}

int sbtc_output_file_setup(const char *path, char *err, size_t errlen)
{
	sbtc_output_file_done(false);
	size_t n = strlen(path);
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (n == 0 || base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		snprintf(err, errlen, "invalid --output-file '%s': it must name a file", path);
		return -1;
	}
	char dir[PATH_MAX];
	if (slash == path)
		sbtc_strlcpy(dir, "/", sizeof dir);
	else if (slash == NULL)
		sbtc_strlcpy(dir, ".", sizeof dir);
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		dir[0] = '\0';
	/* ".NAME." + 6 X + NUL must fit beside the directory. */
	if (dir[0] == '\0' || n + 10 >= sizeof g_temp) {
		snprintf(err, errlen, "invalid --output-file '%.80s...': the name is too long", path);
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "--output-file '%s': directory %s: %s", path, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--output-file '%s': %s is not a directory", path, dir);
		return -1;
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, errlen, "--output-file '%s': directory %s is writable by others without the sticky bit, "
				      "so another user could replace the file", path, dir);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "--output-file '%s' is a symbolic link: give the file itself", path);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "--output-file '%s' is not a regular file", path);
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "--output-file '%s': %s", path, strerror(errno));
		return -1;
	}
	sbtc_strlcpy(g_final, path, sizeof g_final);
	snprintf(g_temp, sizeof g_temp, "%s/.%s.XXXXXX", dir, base);
	int fd = mkostemp(g_temp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--output-file '%s': cannot create a file in %s: %s", path, dir, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) != 0) {
		snprintf(err, errlen, "--output-file '%s': cannot set the mode of %s: %s", path, g_temp,
			 strerror(errno));
		(void)close(fd);
		(void)unlink(g_temp);
		return -1;
	}
	if (!g_exit_hook) {
		if (atexit(at_exit) != 0) {
			snprintf(err, errlen, "cannot register exit handler");
			(void)close(fd);
			(void)unlink(g_temp);
			return -1;
		}
		g_exit_hook = true;
	}
	g_fd = fd;
	sbtc_deadline_set_output(fd, sbtc_output_file_done);
	return 0;
}
