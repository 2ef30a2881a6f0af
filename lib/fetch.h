/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How an exchange with a source (a node, the database, GitHub) ended, the state each
 * ending earns, and the outcome record every acquisition fills. Nothing here talks to
 * anything: lib/acquire runs the exchanges, the protocol modules judge their answers. */
#ifndef SBTC_FETCH_H
#define SBTC_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

typedef enum {
	/* Not ended (zero, so that an outcome read before its exchange ended, or never
	 * started, is never taken for an answer): UNKNOWN. */
	SBTC_FETCH_PENDING = 0,
	SBTC_FETCH_OK,
	SBTC_FETCH_UNREACHABLE, /* refused, reset, no route, TLS failure: CRITICAL */
	SBTC_FETCH_ERROR,       /* the peer answered with an error: CRITICAL */
	SBTC_FETCH_BAD_ANSWER,  /* an answer that cannot be used: UNKNOWN */
	SBTC_FETCH_TIMEOUT,     /* the deadline passed: the -t state */
	SBTC_FETCH_USAGE        /* a URL or option that cannot work: UNKNOWN */
} sbtc_fetch_status;

/* The state a status earns (TIMEOUT: the -t state; PENDING: UNKNOWN). */
sbtc_state sbtc_fetch_state(sbtc_fetch_status s);

/* Room for one message about one source. */
#define SBTC_FETCH_MSG_MAX 700

/* What became of one exchange. Started exchanges are always finished by the time
 * sbtc_acq_run returns: done is then true, and status/msg say how it ended (msg is "" on
 * OK, else one line naming the source and what happened, credentials masked). */
typedef struct {
	bool done;
	sbtc_fetch_status status;
	char msg[SBTC_FETCH_MSG_MAX];
} sbtc_outcome;

/* Sets *oc (done, status, printf-style message); returns status. */
sbtc_fetch_status sbtc_outcome_set(sbtc_outcome *oc, sbtc_fetch_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
