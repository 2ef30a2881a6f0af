/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd journal, read with libsystemd. */
#include "journal.h"

#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "sanitize.h"
#include "strbuf.h"

char *sbtc_journal_unit_name(const char *unit)
{
	if (strchr(unit, '.') != NULL)
		return sbtc_xstrdup(unit);
	return sbtc_xasprintf("%s.service", unit);
}

static size_t unreadable_in(const char *dir, int depth)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *path = sbtc_xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		size_t l = strlen(de->d_name);
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth > 0)
				n += unreadable_in(path, depth - 1);
			else if (S_ISREG(st.st_mode) && l > 8 && (strcmp(de->d_name + l - 8, ".journal") == 0 ||
								 strcmp(de->d_name + l - 9, ".journal~") == 0) &&
				 access(path, R_OK) != 0)
				n++;
		}
		free(path);
	}
	closedir(d);
	return n;
}

size_t sbtc_journal_unreadable_files(const char *dir)
{
	if (dir != NULL)
		return unreadable_in(dir, 1);
	return unreadable_in("/var/log/journal", 1) + unreadable_in("/run/log/journal", 1);
}

static int fail(char *err, size_t errlen, const char *what, int r)
{
	snprintf(err, errlen, "%s: %s", what, strerror(r < 0 ? -r : r));
	return -1;
}

int sbtc_journal_examine(const char *dir, const char *unit, sbtc_journal_info *out, char *err, size_t errlen)
{
	sd_journal *j = NULL;
	int r;
	memset(out, 0, sizeof *out);
	if (dir != NULL)
		r = sd_journal_open_directory(&j, dir, 0);
	else
		r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0) {
		char *d = sbtc_sanitize(dir != NULL ? dir : "the system journal", 150);
		char *what = sbtc_xasprintf("cannot open the journal in %s", d);
		fail(err, errlen, what, r);
		free(what);
		free(d);
		return -1;
	}
	uint64_t usage = 0, from = 0, to = 0, t;
	if (sd_journal_get_usage(j, &usage) >= 0)
		out->usage = (double)usage;
	if (sd_journal_get_cutoff_realtime_usec(j, &from, &to) > 0) {
		out->first = (double)from / 1e6;
		out->last = (double)to / 1e6;
	}
	char *name = sbtc_journal_unit_name(unit);
	char *match = sbtc_xasprintf("_SYSTEMD_UNIT=%s", name);
	free(name);
	r = sd_journal_add_match(j, match, 0);
	free(match);
	if (r < 0) {
		sd_journal_close(j);
		return fail(err, errlen, "cannot filter the journal by unit", r);
	}
	r = sd_journal_seek_head(j);
	if (r >= 0)
		r = sd_journal_next(j);
	if (r > 0 && sd_journal_get_realtime_usec(j, &t) >= 0) {
		out->found = true;
		out->oldest = (double)t / 1e6;
		out->newest = out->oldest;
		if (sd_journal_seek_tail(j) >= 0 && sd_journal_previous(j) > 0 &&
		    sd_journal_get_realtime_usec(j, &t) >= 0)
			out->newest = (double)t / 1e6;
	} else if (r < 0) {
		sd_journal_close(j);
		return fail(err, errlen, "cannot read the journal", r);
	}
	sd_journal_close(j);
	return 0;
}
