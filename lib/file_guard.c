/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _DEFAULT_SOURCE /* realpath */
#include "file_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

bool sbtc_dir_judge(mode_t mode, uid_t uid, gid_t gid, uid_t owner, sbtc_dir_problem *problem)
{
	if ((mode & S_IWOTH) && !(mode & S_ISVTX)) {
		*problem = SBTC_DIR_OTHERS_WRITABLE;
		return true;
	}
	if (uid != 0 && uid != owner) {
		*problem = SBTC_DIR_FOREIGN_OWNER;
		return true;
	}
	if ((mode & S_IWGRP) && gid != 0) {
		*problem = SBTC_DIR_GROUP_WRITABLE;
		return true;
	}
	if (mode & S_IWOTH) {
		*problem = SBTC_DIR_STICKY_SHARED;
		return true;
	}
	return false;
}

typedef struct {
	dev_t dev;
	ino_t ino;
} dir_id;

/* The directories above path ("/", "/a", "/a/b" for "/a/b/f"): each stat'ed (a symlink
 * among them followed, as opening the file does) and judged. */
static void walk(const char *path, uid_t owner, bool via_symlink, sbtc_guarded_file *f, dir_id **seen,
		 size_t *nseen)
{
	size_t len = strlen(path);
	char *buf = sbtc_xmalloc(len + 2);
	for (size_t i = 0; i < len; i++) {
		if (path[i] != '/')
			continue;
		size_t n = i == 0 ? 1 : i;
		memcpy(buf, path, n);
		buf[n] = '\0';
		struct stat st;
		if (stat(buf, &st) != 0)
			continue;
		bool dup = false;
		for (size_t k = 0; k < *nseen; k++)
			dup = dup || ((*seen)[k].dev == st.st_dev && (*seen)[k].ino == st.st_ino);
		if (dup)
			continue;
		*seen = sbtc_xrealloc(*seen, (*nseen + 1) * sizeof **seen);
		(*seen)[(*nseen)++] = (dir_id){st.st_dev, st.st_ino};
		sbtc_dir_problem p;
		if (!sbtc_dir_judge(st.st_mode, st.st_uid, st.st_gid, owner, &p))
			continue;
		f->flaws = sbtc_xrealloc(f->flaws, (f->nflaws + 1) * sizeof *f->flaws);
		f->flaws[f->nflaws++] = (sbtc_dir_flaw){.path = sbtc_xstrdup(buf), .problem = p, .mode = st.st_mode,
							.uid = st.st_uid, .gid = st.st_gid, .via_symlink = via_symlink};
	}
	free(buf);
}

static void read_fd(int fd, size_t max, sbtc_guarded_file *f)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		f->read_errno = errno;
		return;
	}
	f->statted = true;
	f->regular = S_ISREG(st.st_mode);
	f->mode = st.st_mode;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	if (!f->regular) {
		f->read_errno = EINVAL;
		return;
	}
	if ((size_t)st.st_size > max) {
		f->too_large = true;
		return;
	}
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			f->read_errno = errno;
			break;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			f->too_large = true;
			break;
		}
		sbtc_strbuf_append(&b, chunk, (size_t)n);
	}
	volatile char *w = chunk;
	for (size_t i = 0; i < sizeof chunk; i++)
		w[i] = 0;
	if (f->read_errno != 0 || f->too_large) {
		if (b.data != NULL) {
			volatile char *d = b.data;
			for (size_t i = 0; i < b.cap; i++)
				d[i] = 0;
		}
		sbtc_strbuf_free(&b);
		return;
	}
	f->len = b.len;
	f->text = sbtc_strbuf_steal(&b);
}

/* The metadata of a file that could not be opened (EACCES): judged without its contents. */
static void stat_only(const char *path, sbtc_guarded_file *f)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	f->statted = true;
	f->regular = S_ISREG(st.st_mode);
	f->mode = st.st_mode;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
}

void sbtc_file_guard(const char *path, uid_t owner, size_t max, sbtc_guarded_file *f)
{
	memset(f, 0, sizeof *f);
	struct stat lst;
	if (lstat(path, &lst) != 0) {
		f->read_errno = errno;
		f->present = errno != ENOENT && errno != ENOTDIR;
		if (f->present)
			stat_only(path, f);
		return;
	}
	f->present = true;
	f->is_symlink = S_ISLNK(lst.st_mode);
	dir_id *seen = NULL;
	size_t nseen = 0;
	walk(path, owner, false, f, &seen, &nseen);
	const char *open_path = path;
	char *resolved = realpath(path, NULL);
	if (f->is_symlink) {
		if (resolved == NULL) {
			f->read_errno = errno;
			free(seen);
			return;
		}
		f->target = sbtc_xstrdup(resolved);
		open_path = f->target;
	}
	if (resolved != NULL)
		walk(resolved, owner, true, f, &seen, &nseen);
	free(resolved);
	free(seen);
	int fd = open(open_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		f->read_errno = errno;
		stat_only(open_path, f);
		return;
	}
	read_fd(fd, max, f);
	if (close(fd) != 0 && f->read_errno == 0 && f->text == NULL)
		f->read_errno = errno;
}

void sbtc_guarded_file_free(sbtc_guarded_file *f)
{
	if (f->text != NULL) {
		volatile char *d = f->text;
		for (size_t i = 0; i < f->len; i++)
			d[i] = 0;
	}
	free(f->text);
	free(f->target);
	for (size_t i = 0; i < f->nflaws; i++)
		free(f->flaws[i].path);
	free(f->flaws);
	memset(f, 0, sizeof *f);
}
