/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The result tree (check -> sub-results -> perfdata), the state rules, and the three
 * output formats: multi-line (Nagios long output), one-line, and versioned JSON. */
#ifndef SBTC_OUTPUT_H
#define SBTC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "perfdata.h"
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

/* One node of the result tree: a state, a message, sub-results and perfdata. Opaque: a
 * check builds it only through the functions below. */
typedef struct sbtc_result sbtc_result;

/* Who is speaking: set once, before anything can fail, so that sbtc_die() and the
 * timeout backstop print in the right name and format. */
void sbtc_output_setup(const char *check_label, sbtc_format format);
const char *sbtc_output_check_label(void);
sbtc_format sbtc_output_format(void);

sbtc_result *sbtc_result_new(void);
void sbtc_result_free(sbtc_result *r);

/* Adds a sub-result with a state and a message (printf-style). */
sbtc_result *sbtc_result_add(sbtc_result *parent, sbtc_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replaces state and message of r. */
void sbtc_result_set(sbtc_result *r, sbtc_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The root's summary, the status line's text, instead of the one derived from the worst
 * sub-results. For the summary a verdict earns whatever the state ("newest backup ..."). */
void sbtc_result_set_summary(sbtc_result *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A summary used only when the run ends OK (what was measured, since nothing is wrong);
 * any other state is summarised by the worst sub-results, or the summary set above. */
void sbtc_result_set_ok_summary(sbtc_result *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A stable name for what a sub-result judges ("age", "size", "bitcoin_lag"): [a-z][a-z0-9_]*,
 * at most 48 characters, never data (no file name, host or key). Machine-readable outputs
 * key the sub-result by it: the Prometheus output gives its state as
 * sbtc_check_state{check="backup",sub="age"}. Siblings may share an id; they then count
 * as one sub-check whose state is the worst of theirs. A sub-result without an id counts
 * only in its parent's state. An id that breaks the rule above is a programming error
 * (sbtc_die UNKNOWN). Returns r. */
sbtc_result *sbtc_result_set_id(sbtc_result *r, const char *id);
/* NULL when none. */
const char *sbtc_result_id(const sbtc_result *r);

/* Read access, for tests and for texts built from sub-results. */
const char *sbtc_result_text(const sbtc_result *r); /* "" when none */
sbtc_state sbtc_result_own_state(const sbtc_result *r);
size_t sbtc_result_nchildren(const sbtc_result *r);
sbtc_result *sbtc_result_child(const sbtc_result *r, size_t i);
size_t sbtc_result_nperf(const sbtc_result *r);
const sbtc_perf *sbtc_result_perf(const sbtc_result *r, size_t i);

/* The effective state: the worst of r's own state and all its descendants'. */
sbtc_state sbtc_result_state(const sbtc_result *r);

/* Adds perfdata to r. t may be NULL; min/max NaN for none. uom must be a base unit. */
void sbtc_perf_add(sbtc_result *r, const char *label, double value, const char *uom,
		   const sbtc_thresholds *t, double min, double max);

/* Adds a dimensionless count as perfdata (uom ""), naming what it counts in the plural,
 * [a-z]+ ("blocks", "shares", "keys", "ports"): the Prometheus output appends it to the
 * metric's name (sbtc_block_lag_bitcoin_lag_blocks); the Nagios perfdata is unchanged. */
void sbtc_perf_add_count(sbtc_result *r, const char *label, double value, const char *unit_word,
			 const sbtc_thresholds *t, double min, double max);

/* Adds a duration as perfdata: label=seconds, in s, to the microsecond ("bitcoin_time"
 * for the seconds one source took). */
void sbtc_perf_add_seconds(sbtc_result *r, const char *label, double seconds);
/* Adds the 'time' perfdata: seconds since the deadline started. */
void sbtc_perf_add_time(sbtc_result *r);

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
