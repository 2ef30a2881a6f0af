/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fatal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sbtc_fatal_reporter g_report;

void sbtc_fatal_set_reporter(sbtc_fatal_reporter report)
{
	g_report = report;
}

void sbtc_fatal(const char *text)
{
	if (g_report != NULL)
		exit(g_report(SBTC_UNKNOWN, text));
	static const char head[] = "UNKNOWN - ";
	fflush(stdout);
	if (write(STDOUT_FILENO, head, sizeof head - 1) < 0 || write(STDOUT_FILENO, text, strlen(text)) < 0 ||
	    write(STDOUT_FILENO, "\n", 1) < 0) {
		/* nowhere left to report to: the exit code still says UNKNOWN */
	}
	exit(SBTC_UNKNOWN);
}
