/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Evaluates ranges read from stdin so that a script can compare the results with another
 * implementation (range_crosscheck.pl compares with Perl's Monitoring::Plugin::Range).
 *
 * Input: one "RANGE<TAB>VALUE" per line; the last tab separates, so the range itself may
 * contain tabs. Output, one line each and flushed at once so that the caller can work
 * in lockstep through a pipe:
 *     reject     the range does not parse
 *     alert/ok   what sbtc_range_alert says for the value
 *     bad-line   no tab, or a value strtod cannot read completely
 * Optional argument: the unit, "none" (default), "duration" or "size". */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"

static int parse_unit(const char *name, sbtc_unit *unit)
{
	if (strcmp(name, "none") == 0)
		*unit = SBTC_UNIT_NONE;
	else if (strcmp(name, "duration") == 0)
		*unit = SBTC_UNIT_DURATION;
	else if (strcmp(name, "size") == 0)
		*unit = SBTC_UNIT_SIZE;
	else
		return -1;
	return 0;
}

static const char *evaluate(char *line, sbtc_unit unit)
{
	char *tab = strrchr(line, '\t');
	if (tab == NULL)
		return "bad-line";
	*tab = '\0';
	const char *value_text = tab + 1;
	char *endp = NULL;
	double value = strtod(value_text, &endp);
	if (endp == value_text || *endp != '\0')
		return "bad-line";

	sbtc_range r;
	char err[256];
	if (sbtc_range_parse(line, unit, &r, err, sizeof err) != 0)
		return "reject";
	return sbtc_range_alert(&r, value) ? "alert" : "ok";
}

int main(int argc, char **argv)
{
	sbtc_unit unit = SBTC_UNIT_NONE;
	if (argc > 2 || (argc == 2 && parse_unit(argv[1], &unit) != 0)) {
		fprintf(stderr, "usage: %s [none|duration|size] < lines\n", argv[0]);
		return 2;
	}

	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (printf("%s\n", evaluate(line, unit)) < 0 || fflush(stdout) != 0) {
			perror("range_eval: write");
			rc = 1;
			break;
		}
	}
	if (rc == 0 && ferror(stdin)) {
		perror("range_eval: read");
		rc = 1;
	}
	free(line);
	return rc;
}
