/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private directory for what a check keeps between runs (the version check's answer
 * cache, block_lag's last Stacks height), usually under a shared place like /var/tmp.
 *
 * The directory is created 0700 if it does not exist. It is refused, never repaired,
 * when it is a symbolic link or not a directory, belongs to another user than the one
 * running the check, or may be written by group or others: in a shared place, a
 * directory someone else made could feed the check forged data. */
#ifndef SBTC_STATEDIR_H
#define SBTC_STATEDIR_H

#include <stddef.h>

/* Opens dir (O_DIRECTORY | O_NOFOLLOW) after those checks: the descriptor, through which
 * the files in it are to be reached (openat), or -1 with a message naming the directory
 * as what ("cache directory", "state directory") and why:
 *     state directory /var/tmp/x is not used: others may write to it (chmod 0700) */
int sbtc_statedir_open(const char *dir, const char *what, char *err, size_t errlen);

/* "<prefix><euid>", e.g. /var/tmp/check_sbtc_block_lag-110: the default per user. malloc'd. */
char *sbtc_statedir_default(const char *prefix);

#endif
