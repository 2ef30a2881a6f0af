/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The output formats of the result tree (lib/result.h): multi-line (Nagios long output),
 * one-line, versioned JSON and Prometheus' text exposition; and the paths that print a
 * result without a tree (sbtc_die, sbtc_print_status). */
#ifndef SBTC_OUTPUT_H
#define SBTC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "perfdata.h"
#include "result.h"
#include "state.h"

/* Version of the JSON document written by --output-format=json (README.md, "JSON output"). */
#define SBTC_JSON_SCHEMA_VERSION 1

typedef enum {
	SBTC_FORMAT_MULTI_LINE = 0,
	SBTC_FORMAT_ONE_LINE,
	SBTC_FORMAT_JSON,
	SBTC_FORMAT_PROMETHEUS
} sbtc_format;

/* "multi-line", "one-line", "json", "prometheus"; -1 for anything else. */
int sbtc_format_parse(const char *text);

/* Who is speaking: set once, before anything can fail, so that sbtc_die() and the
 * timeout backstop print in the right name and format. */
void sbtc_output_setup(const char *check_label, sbtc_format format);
const char *sbtc_output_check_label(void);
sbtc_format sbtc_output_format(void);

/* Renders the tree as the plugin's whole output (ends with a newline); malloc'd. */
char *sbtc_render(const sbtc_result *root, const char *check_label, sbtc_format format);

/* Prints root in the configured format on stdout (or the --output-file), frees it and returns the exit code.
 * One result per run: see sbtc_print_status. */
int sbtc_finish(sbtc_result *root);

/* Prints a single result line (or JSON document) with no perfdata; no allocation.
 * Claims the output first (sbtc_deadline_claim_output), so it prints nothing when a
 * result was printed already (then returns false; true when it printed), and the timeout
 * backstop prints nothing after it. Whoever prints more after it (a usage hint) and exits
 * stays within the one result, and prints that only when this returned true. */
bool sbtc_print_status(sbtc_state state, const char *text);

/* Prints a single result with the given state and message and exits with that state.
 * For usage errors, out of memory and other conditions where no tree exists yet. */
_Noreturn void sbtc_die(sbtc_state state, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
