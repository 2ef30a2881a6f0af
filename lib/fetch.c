/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fetch.h"

#include <stdarg.h>
#include <stdio.h>

#include "deadline.h"

sbtc_state sbtc_fetch_state(sbtc_fetch_status s)
{
	switch (s) {
	case SBTC_FETCH_OK: return SBTC_OK;
	case SBTC_FETCH_UNREACHABLE:
	case SBTC_FETCH_ERROR: return SBTC_CRITICAL;
	case SBTC_FETCH_TIMEOUT: return sbtc_deadline_timeout_state();
	case SBTC_FETCH_PENDING:
	case SBTC_FETCH_BAD_ANSWER:
	case SBTC_FETCH_USAGE: return SBTC_UNKNOWN;
	}
	return SBTC_UNKNOWN;
}

sbtc_fetch_status sbtc_outcome_set(sbtc_outcome *oc, sbtc_fetch_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(oc->msg, sizeof oc->msg, fmt, ap);
	va_end(ap);
	oc->status = status;
	oc->done = true;
	return status;
}
