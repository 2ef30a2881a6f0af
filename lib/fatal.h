/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last words of a run that cannot go on (out of memory, no timer): one UNKNOWN line,
 * written without allocating, and exit 3. The lowest layer of lib: strbuf's allocators
 * and the deadline end here; output.c, which knows the check's name and format, sets
 * the reporter (so that no module below output needs output.h). */
#ifndef SBTC_FATAL_H
#define SBTC_FATAL_H

#include "state.h"

/* Writes the result line for state and text and returns the exit code to end with (that
 * of a result written before, should there be one). Must not allocate. */
typedef int (*sbtc_fatal_reporter)(sbtc_state state, const char *text);

void sbtc_fatal_set_reporter(sbtc_fatal_reporter report);

/* Reports text as UNKNOWN and exits: through the reporter when one is set, else as
 * "UNKNOWN - text" on standard output. */
_Noreturn void sbtc_fatal(const char *text);

#endif
