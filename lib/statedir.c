/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sanitize.h"
#include "strbuf.h"

int sbtc_statedir_open(const char *dir, const char *what, char *err, size_t errlen)
{
	if (dir == NULL || dir[0] == '\0') {
		snprintf(err, errlen, "no %s given", what);
		return -1;
	}
	char *clean = sbtc_sanitize(dir, 200);
	int fd = -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s %s: %s", what, clean, strerror(errno));
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, clean,
			 errno == ELOOP || errno == ENOTDIR ? "not a directory (or a symbolic link)" : strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot examine %s %s: %s", what, clean, strerror(errno));
	} else if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s %s is not used: owned by uid %ju, not %ju", what, clean, (uintmax_t)st.st_uid,
			 (uintmax_t)geteuid());
	} else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s %s is not used: others may write to it (chmod 0700)", what, clean);
	} else {
		if (errlen > 0)
			err[0] = '\0';
		goto out;
	}
	close(fd);
	fd = -1;
out:
	free(clean);
	return fd;
}

char *sbtc_statedir_default(const char *prefix)
{
	return sbtc_xasprintf("%s%ju", prefix, (uintmax_t)geteuid());
}
