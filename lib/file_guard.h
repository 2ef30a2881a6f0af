/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who could read or replace a file: the file opened without following a last symlink
 * (O_NOFOLLOW), judged by fstat of the very descriptor that is read, so nothing can be
 * swapped between the check and the read; and every directory on the way to it, and to
 * where a symlink leads, looked at for whoever may write there. */
#ifndef SBTC_FILE_GUARD_H
#define SBTC_FILE_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What is wrong with a directory on the way, the worst first. */
typedef enum {
	SBTC_DIR_OTHERS_WRITABLE = 0, /* o+w without the sticky bit: anyone may replace the file */
	SBTC_DIR_FOREIGN_OWNER,       /* owned by neither root nor the signer's user */
	SBTC_DIR_GROUP_WRITABLE,      /* g+w for a group other than root's */
	SBTC_DIR_STICKY_SHARED        /* o+w with the sticky bit (/tmp): a shared place */
} sbtc_dir_problem;

typedef struct {
	char *path;
	sbtc_dir_problem problem;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool via_symlink; /* on the way to where a symlink leads, not on the path as named */
} sbtc_dir_flaw;

typedef struct {
	bool present;     /* false: nothing at the path (ENOENT, ENOTDIR; a dangling symlink is
			   * present, with target NULL) */
	bool is_symlink;  /* the path's last part is a symlink */
	char *target;     /* where it leads (realpath), when it does; malloc'd */
	bool statted;     /* mode, uid, gid below are known */
	bool regular;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int read_errno;   /* 0: text holds the contents */
	bool too_large;   /* over the cap: not read */
	char *text;       /* the contents (wiped when freed) */
	size_t len;
	sbtc_dir_flaw *flaws;
	size_t nflaws;
} sbtc_guarded_file;

/* Looks at path (absolute) for owner uid owner (and root): the file, up to max bytes of
 * its contents, and the directories above it and above what a symlink leads to. */
void sbtc_file_guard(const char *path, uid_t owner, size_t max, sbtc_guarded_file *out);
void sbtc_guarded_file_free(sbtc_guarded_file *f);

/* Judges one directory's metadata (exposed for tests): true with *problem when it is
 * one of the above. */
bool sbtc_dir_judge(mode_t mode, uid_t uid, gid_t gid, uid_t owner, sbtc_dir_problem *problem);

#endif
