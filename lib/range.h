/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ranges and thresholds as the Monitoring Plugins development guidelines define them:
 * [@][start:][end], "~" for minus infinity, ends inclusive, "10" meaning "0:10".
 * Accepts and rejects exactly what Perl's Monitoring::Plugin::Range does, and evaluates
 * the same way. Numbers may carry a unit where an option is a duration or a size. */
#ifndef SBTC_RANGE_H
#define SBTC_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include "state.h"

typedef enum {
	SBTC_UNIT_NONE = 0, /* plain numbers only */
	SBTC_UNIT_DURATION, /* seconds; suffixes s, m, h, d, w (e.g. 90s, 26h, 2d) */
	SBTC_UNIT_SIZE      /* bytes; suffixes B, kB/KB, MB, GB, TB (powers of 1000),
	                       KiB, MiB, GiB, TiB (powers of 1024) */
} sbtc_unit;

typedef struct {
	bool set;            /* false: no range given, never alerts */
	bool inside;         /* '@': alert when the value is inside the range */
	bool start_infinite; /* '~' */
	bool end_infinite;   /* "10:" */
	double start;        /* -HUGE_VAL when start_infinite; 0 when no start was written */
	double end;          /* HUGE_VAL when end_infinite */
} sbtc_range;

typedef struct {
	sbtc_range warning;
	sbtc_range critical;
} sbtc_thresholds;

/* Parses text into *out. Returns 0 on success; on failure returns -1, leaves *out unset
 * and writes a message naming the text and what is wrong into err (errlen bytes, always
 * terminated; err may be NULL or errlen 0), e.g.
 *     invalid range '10:5': start 10 is greater than end 5
 * Whitespace (space, \t \n \v \f \r) is ignored anywhere, as Perl does, so "10 20" is
 * 1020. Numbers follow Perl's loose form ("1e3", ".5", "+2", even "1.2.3" read as 1.2),
 * except that a number too large for a double ("1e400", which Perl reads as Inf) is
 * refused: "invalid range '1e400': 1e400 is not a finite number". With SBTC_UNIT_DURATION or SBTC_UNIT_SIZE each number
 * may carry a suffix ("1h:2d", "@10MB:1GiB"); a bare number is seconds or bytes. */
int sbtc_range_parse(const char *text, sbtc_unit unit, sbtc_range *out, char *err, size_t errlen);

/* True when value must raise an alert under r, as Perl's check_range decides: outside
 * [start, end] (ends included), or inside it for '@'. Never for an unset range. A NaN
 * value always alerts under a set range (Perl would let it pass under '@' or "~:"): a
 * measurement that is not a number must not look OK. */
bool sbtc_range_alert(const sbtc_range *r, double value);

/* CRITICAL if the critical range alerts, else WARNING if the warning range alerts, else OK. */
sbtc_state sbtc_thresholds_eval(const sbtc_thresholds *t, double value);

/* A number for the perfdata warn/crit field: N for "N" (same as "0:N") and "~:N" (the
 * upper limit), N for "N:" (the lower limit). Returns false, leaving *value alone, for
 * ranges that are not one plain limit: "10:20", any '@' range, "~:", an unset range or
 * an infinite limit. The field is then left empty, since Icinga 2 drops range syntax. */
bool sbtc_range_perf_value(const sbtc_range *r, double *value);

/* Parses a single non-negative quantity with an optional unit suffix ("90s", "26h",
 * "10MB", "1.5 GiB", "3600"): [+]digits[.digits][e[+-]digits], whitespace allowed around
 * the number and the suffix. Refuses negatives, empty text, junk, unknown suffixes,
 * inf/nan and results beyond the double range. Returns 0 or -1 with a message as above,
 * e.g. "invalid duration '5x': unknown unit 'x' (use s, m, h, d or w)". */
int sbtc_quantity_parse(const char *text, sbtc_unit unit, double *out, char *err, size_t errlen);

#endif
