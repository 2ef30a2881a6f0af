/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --output-format=prometheus: the result tree in Prometheus' text exposition format
 * 0.0.4, as the node exporter's textfile collector reads it (README.md, "Output
 * formats"). Series: sbtc_check_state{check,sub}, sbtc_check_duration_seconds,
 * sbtc_check_last_run_timestamp_seconds, and one gauge per perfdata item,
 * sbtc_<check>_<label>_<unit>, with its plain upper-bound thresholds. No free text: the
 * summary and the messages stay out. */
#ifndef SBTC_OUTPUT_PROMETHEUS_H
#define SBTC_OUTPUT_PROMETHEUS_H

#include <stddef.h>

#include "result.h"

/* The whole exposition (malloc'd). duration: seconds since the deadline started;
 * wall_now: Unix seconds. A perfdata item whose series another item gave already is
 * dropped (the first stands) and named in a comment line "# sbtc: dropped ...". */
char *sbtc_prom_render(const sbtc_result *root, const char *check_label, double duration, double wall_now);

/* A result without a tree (sbtc_die, usage errors, the timeout backstop): the check's
 * state series, its duration and its last run, into buf. No allocation; what does not
 * fit is cut at a line. Returns the length written (buf is NUL-terminated; len >= 1). */
size_t sbtc_prom_render_status(char *buf, size_t len, const char *check_label, sbtc_state state, double duration,
			       double wall_now);

/* Unix time now, in seconds (to the microsecond); 0 when the clock cannot be read. */
double sbtc_wall_clock(void);

#endif
