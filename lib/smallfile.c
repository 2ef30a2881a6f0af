/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "smallfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "sanitize.h"
#include "strbuf.h"

char *sbtc_small_file_name(const char *path, bool secret)
{
	if (secret && strchr(path, '/') == NULL)
		return sbtc_xstrdup("(not shown: no '/' in it)");
	return sbtc_sanitize(path, 120);
}

static const char *kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Opens path without blocking and checks it is a regular file of at most max bytes:
 * the descriptor, or -1 with a message. */
static int open_checked(const char *path, const char *what, size_t max, const char *name, size_t *size,
			char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO without a writer must not wait. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read the %s %s: %s", what, name, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read the %s %s: %s", what, name, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the %s %s is %s, not a regular file", what, name, kind_of(st.st_mode));
	} else if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "the %s %s is larger than %zu bytes", what, name, max);
	} else {
		*size = (size_t)st.st_size;
		return fd;
	}
	close(fd);
	return -1;
}

int sbtc_check_small_file(const char *path, const char *what, size_t max, bool secret, char *err,
			  size_t errlen)
{
	char *name = sbtc_small_file_name(path, secret);
	size_t size;
	int fd = open_checked(path, what, max, name, &size, err, errlen);
	free(name);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int sbtc_read_small_file(const char *path, const char *what, size_t max, bool secret, char **out,
			 size_t *len, char *err, size_t errlen)
{
	*out = NULL;
	*len = 0;
	char *name = sbtc_small_file_name(path, secret);
	size_t size;
	int fd = open_checked(path, what, max, name, &size, err, errlen);
	if (fd < 0) {
		free(name);
		return -1;
	}
	/* Room for what fstat said and one byte more, which tells a file that grew since. */
	size_t cap = size + 1;
	char *buf = sbtc_xmalloc(cap + 1);
	size_t n = 0;
	for (;;) {
		if (sbtc_deadline_expired()) {
			snprintf(err, errlen, "reading the %s %s did not finish within the deadline", what, name);
			memset(buf, 0, n);
			free(buf);
			goto fail;
		}
		if (n == cap) {
			if (cap > max) {
				snprintf(err, errlen, "the %s %s is larger than %zu bytes", what, name, max);
				memset(buf, 0, n);
				free(buf);
				goto fail;
			}
			size_t grown = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = sbtc_xmalloc(grown + 1);
			memcpy(nb, buf, n);
			memset(buf, 0, n);
			free(buf);
			buf = nb;
			cap = grown;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read the %s %s: %s", what, name, strerror(errno));
			memset(buf, 0, n);
			free(buf);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	free(name);
	*out = buf;
	*len = n;
	return 0;
fail:
	close(fd);
	free(name);
	return -1;
}
