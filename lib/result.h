/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The result tree a check builds (check -> sub-results -> perfdata) and the state rules.
 * Rendering it is lib/output's, which every format's renderer reads through the functions
 * here. */
#ifndef SBTC_RESULT_H
#define SBTC_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "perfdata.h"
#include "state.h"

/* One node of the result tree: a state, a message, sub-results and perfdata. Opaque: a
 * check builds it only through the functions below. */
typedef struct sbtc_result sbtc_result;

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
 * (the run ends UNKNOWN). Returns r. */
sbtc_result *sbtc_result_set_id(sbtc_result *r, const char *id);
/* NULL when none. */
const char *sbtc_result_id(const sbtc_result *r);

/* Read access, for the renderers, for tests and for texts built from sub-results. */
/* The text as set, NULL when none (for the root: the summary set). */
const char *sbtc_result_summary(const sbtc_result *r);
const char *sbtc_result_ok_summary(const sbtc_result *root); /* NULL when none was set */
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

#endif
