/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text from a remote peer (a node's error message, a version string, a database error)
 * must never break the plugin output format: '|' would start perfdata, a newline would
 * start a new long-output line, and an endless string would fill NRPE's buffer. */
#ifndef SBTC_SANITIZE_H
#define SBTC_SANITIZE_H

#include <stddef.h>

#include "strbuf.h"

/* Default cap for one remote string inside a message. */
#define SBTC_REMOTE_TEXT_MAX 200

/* Appends len bytes of text to b, made safe: '|' becomes '/', control characters
 * (newlines and tabs included), Unicode line and paragraph separators, bidi controls and
 * U+FEFF become ' ', bytes that are not valid UTF-8 become '?',
 * runs of blanks collapse into one, leading and trailing blanks go, and the result is
 * cut to at most max bytes on a character boundary, ending in "..." when cut. */
void sbtc_sanitize_append(sbtc_strbuf *b, const char *text, size_t len, size_t max);

/* The same into a new malloc'd string (NULL text gives ""). */
char *sbtc_sanitize(const char *text, size_t max);

/* In place and without allocation (for messages written when memory may be short, and
 * before the timeout backstop is armed): every character the above turns into a blank
 * becomes as many blanks as it had bytes, a byte that is not UTF-8 becomes '?'. Nothing
 * else changes ('|' included) and the length stays. */
void sbtc_sanitize_in_place(char *text);

#endif
