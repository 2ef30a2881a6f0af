/* SPDX-License-Identifier: GPL-2.0-or-later */
/* logrotate's configuration, as far as retention goes: which stanza covers a log file,
 * and its rotate, maxage and rotation period (logrotate's config.c, readConfigFile:
 * global directives apply to the stanzas after them; "include" reads a file, or a
 * directory's files in name order, at the point where it stands). */
#ifndef SBTC_LOGROTATE_CONF_H
#define SBTC_LOGROTATE_CONF_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	SBTC_ROTATE_SIZE = 0, /* no period given: rotation depends on the size alone */
	SBTC_ROTATE_HOURLY,
	SBTC_ROTATE_DAILY,
	SBTC_ROTATE_WEEKLY,
	SBTC_ROTATE_MONTHLY,
	SBTC_ROTATE_YEARLY
} sbtc_rotate_period;

typedef struct {
	sbtc_rotate_period period;
	long rotate;    /* rotate N: kept old files; -1: never removed; default 0 */
	long maxage;    /* days; -1: none */
	bool size_given; /* size/maxsize/minsize seen */
} sbtc_logrotate_settings;

typedef struct {
	char **patterns;
	size_t npatterns;
	sbtc_logrotate_settings s;
	char where[200]; /* "FILE:LINE" of the stanza's opening */
} sbtc_logrotate_stanza;

typedef struct {
	sbtc_logrotate_settings global;
	sbtc_logrotate_stanza *v;
	size_t n, cap;
	int depth; /* of includes */
} sbtc_logrotate;

/* An include: read path (a file or a directory) and feed it. 0, or -1 with a message. */
typedef int (*sbtc_logrotate_include_fn)(sbtc_logrotate *lr, const char *path, void *ctx, char *err,
					 size_t errlen);

void sbtc_logrotate_init(sbtc_logrotate *lr);
void sbtc_logrotate_free(sbtc_logrotate *lr);

/* Parses one file's text (name for messages). include may be NULL (includes ignored).
 * 0, or -1 with a message naming the file and line. */
int sbtc_logrotate_parse(sbtc_logrotate *lr, const char *text, size_t len, const char *name,
			 sbtc_logrotate_include_fn include, void *ctx, char *err, size_t errlen);

/* Reads path and what it includes (files; directories in name order, skipping names
 * logrotate skips: dot files, *.dpkg-old, *.dpkg-dist, *.dpkg-new, *.disabled, *~, ...).
 * 0, or -1 with a message. */
int sbtc_logrotate_load(sbtc_logrotate *lr, const char *path, char *err, size_t errlen);

/* The first stanza one of whose patterns matches file (a glob, '*' not crossing '/');
 * NULL when none does. */
const sbtc_logrotate_stanza *sbtc_logrotate_find(const sbtc_logrotate *lr, const char *file);

/* Seconds that the settings keep at least (rotate x the shortest period: an hour, a day,
 * 7 days, 28 days, 365 days; bounded by maxage): HUGE_VAL when nothing is removed, NAN
 * when rotation goes by size only (it depends on the rate). */
double sbtc_logrotate_retention(const sbtc_logrotate_settings *s);

/* "daily", "weekly", ..., "by size". */
const char *sbtc_rotate_period_name(sbtc_rotate_period p);

#endif
