/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The time at the start of a log line, in the forms the signer host's logs use: RFC 3339
 * (the signer, Bitcoin Core's debug.log, rsyslog's high-precision format), the Stacks
 * node's "LEVEL [seconds.fraction]", and classic syslog ("Aug 24 09:39:58", no year). */
#ifndef SBTC_LOGTIME_H
#define SBTC_LOGTIME_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	SBTC_LOGTIME_NONE = 0,
	SBTC_LOGTIME_RFC3339, /* 2026-08-24T09:39:58.123Z, 2026-08-24 09:39:58+02:00 */
	SBTC_LOGTIME_EPOCH,   /* INFO [1787564398.123456] ... (stacks-core's logger) */
	SBTC_LOGTIME_SYSLOG   /* Aug 24 09:39:58 host ... */
} sbtc_logtime_format;

/* "RFC 3339", "Unix time", "syslog", "none". */
const char *sbtc_logtime_format_name(sbtc_logtime_format f);

/* The time (seconds since the epoch) written at the start of line (len bytes, not
 * NUL-terminated), after blanks and one '['. RFC 3339 without an offset and syslog
 * times are local time. A syslog time has no year: it is the latest one that does not
 * put the line more than a day after ref (the file's mtime). Returns the format found
 * (*out set), or SBTC_LOGTIME_NONE (*out untouched). */
sbtc_logtime_format sbtc_logtime_parse(const char *line, size_t len, double ref, double *out);

/* RFC 3339 only, the whole of text (Docker's "time" field): 0, or -1. */
int sbtc_logtime_rfc3339(const char *text, double *out);

#endif
