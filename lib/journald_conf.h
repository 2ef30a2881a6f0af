/* SPDX-License-Identifier: GPL-2.0-or-later */
/* journald's retention settings: journald.conf and its drop-ins, read in the order
 * systemd reads them (systemd's src/journal/journald-server.c, server_parse_config_file,
 * and src/shared/conf-parser.c, config_parse_config_file: the main file, then every
 * *.conf of the journald.conf.d directories sorted by file name, a name in an earlier
 * directory hiding the same name in a later one; a later value wins). */
#ifndef SBTC_JOURNALD_CONF_H
#define SBTC_JOURNALD_CONF_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	SBTC_STORAGE_AUTO = 0,
	SBTC_STORAGE_PERSISTENT,
	SBTC_STORAGE_VOLATILE,
	SBTC_STORAGE_NONE
} sbtc_journal_storage;

#define SBTC_JOURNALD_WHERE_MAX 160

/* One setting: its value and the file (and line) that set it; where is "" while it is
 * journald's default. */
typedef struct {
	double value;
	char where[SBTC_JOURNALD_WHERE_MAX];
} sbtc_journald_value;

typedef struct {
	sbtc_journal_storage storage;
	char storage_where[SBTC_JOURNALD_WHERE_MAX];
	sbtc_journald_value max_retention; /* MaxRetentionSec, seconds; 0: no limit (default) */
	sbtc_journald_value max_use;       /* SystemMaxUse, bytes; NAN: default (10% of the file system, at most 4 GiB) */
	sbtc_journald_value max_files;     /* SystemMaxFiles; default 100 */
	sbtc_journald_value max_file_sec;  /* MaxFileSec, seconds; 0: no time-based rotation; default 1 month */
} sbtc_journald_conf;

/* journald's defaults (systemd 252). */
void sbtc_journald_conf_init(sbtc_journald_conf *c);

/* Applies one file's text (name: for messages and .where) onto c: the [Journal] section's
 * Storage, MaxRetentionSec, SystemMaxUse, SystemMaxFiles and MaxFileSec; an empty value
 * restores the default. Other keys and sections are ignored. Returns 0, or -1 with a
 * message naming the file, line and value (c keeps what came before that line). */
int sbtc_journald_conf_parse(sbtc_journald_conf *c, const char *text, size_t len, const char *name, char *err,
			     size_t errlen);

/* Reads main (missing is fine) and the drop-ins of dirs (NULL-terminated, highest
 * priority first; missing ones are fine). 0, or -1 with a message. */
int sbtc_journald_conf_load(sbtc_journald_conf *c, const char *main, const char *const *dirs, char *err,
			    size_t errlen);

/* systemd's time spans ("2week", "1month 2d", "90d", "3600", "infinity": HUGE_VAL) in
 * seconds, as systemd's parse_sec (src/basic/time-util.c) reads them: a bare number is
 * seconds, a month is 30.44 days, a year 365.25 days. 0, or -1. */
int sbtc_systemd_timespan_parse(const char *text, double *out);
/* systemd's sizes ("4G", "500M", "1.5G", "1024"), powers of 1024, as parse_size
 * (src/basic/parse-util.c) with base 1024. 0, or -1. */
int sbtc_systemd_size_parse(const char *text, double *out);

#endif
