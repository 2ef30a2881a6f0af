/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd journal through libsystemd's sd_journal API: the oldest entry a unit still
 * has, and the whole journal's span and size (for the rate at which it fills). Linked
 * only into check_sbtc_logs. */
#ifndef SBTC_JOURNAL_H
#define SBTC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	bool found;          /* the unit has an entry */
	double oldest;       /* its oldest entry, seconds since the epoch */
	double newest;       /* its newest entry */
	double usage;        /* bytes of all journal files opened */
	double first, last;  /* the whole journal's oldest and newest entry (0 when empty) */
} sbtc_journal_info;

/* Opens the system's journal (dir NULL: the local machine's, as journalctl does) or the
 * journal files in dir, and looks up unit (_SYSTEMD_UNIT=, ".service" added when the
 * name has no type, as journalctl -u does). 0, or -1 with a message. */
int sbtc_journal_examine(const char *dir, const char *unit, sbtc_journal_info *out, char *err, size_t errlen);

/* How many journal files (*.journal) in dir and its subdirectories (dir NULL:
 * /var/log/journal and /run/log/journal, as sd_journal_open reads them) this user cannot
 * read: libsystemd skips those silently, so a unit without entries may only be hidden. */
size_t sbtc_journal_unreadable_files(const char *dir);

/* The unit's full name: "sbtc-signer" -> "sbtc-signer.service" (malloc'd). */
char *sbtc_journal_unit_name(const char *unit);

#endif
