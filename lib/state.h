/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plugin states and their ordering. */
#ifndef SBTC_STATE_H
#define SBTC_STATE_H

typedef enum {
	SBTC_OK = 0,
	SBTC_WARNING = 1,
	SBTC_CRITICAL = 2,
	SBTC_UNKNOWN = 3
} sbtc_state;

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *sbtc_state_name(sbtc_state s);

/* Parses a state given by name (any case) or number; returns -1 when it is neither. */
int sbtc_state_parse(const char *text);

/* The worse of two states: CRITICAL > WARNING > UNKNOWN > OK, so that a real problem
 * is never hidden behind a sub-check that could not be evaluated. */
sbtc_state sbtc_state_worst(sbtc_state a, sbtc_state b);

/* Severity rank following the order above (OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3). */
int sbtc_state_rank(sbtc_state s);

#endif
