/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --extra-opts=[section][@file]: options read from an ini file, so that no secret has to
 * stand on a command line (visible in ps and in NRPE's configuration). Each "key = value"
 * of the section becomes "--key=value" ("key" alone becomes "--key"), placed before the
 * options of the command line, which therefore win for single-valued options.
 * Without @file, the file is $MP_CONFIG_FILE, else the first that exists of
 * SBTC_EXTRA_OPTS_PATHS. Without a section, the section is the plugin's name. */
#ifndef SBTC_EXTRA_OPTS_H
#define SBTC_EXTRA_OPTS_H

#include <stddef.h>

#define SBTC_EXTRA_OPTS_PATHS                                                                        \
	"/etc/monitoring-plugins/monitoring-plugins.ini", "/etc/monitoring-plugins.ini",               \
		"/usr/local/etc/monitoring-plugins/monitoring-plugins.ini", "/etc/nagios/plugins.ini", \
		"/usr/local/nagios/etc/plugins.ini", "/usr/local/etc/nagios/plugins.ini",              \
		"/etc/opt/nagios/plugins.ini", "/etc/nagios-plugins.ini"

/* Builds a new argument vector with every --extra-opts expanded. Returns 0 and sets
 * *out_argc and *out_argv (free with sbtc_extra_opts_free), or -1 with a message naming the
 * file, the line and what is wrong. */
int sbtc_extra_opts_expand(int argc, char **argv, const char *default_section, int *out_argc,
			   char ***out_argv, char *err, size_t errlen);

void sbtc_extra_opts_free(int argc, char **argv);

/* Reads one section of an ini file, appending "--key=value" strings to *list (a growing,
 * malloc'd array of malloc'd strings with *count entries). Returns 0, or -1 with a
 * message. Exposed for the unit tests. */
int sbtc_ini_read_section(const char *path, const char *section, char ***list, size_t *count,
			  char *err, size_t errlen);

#endif
