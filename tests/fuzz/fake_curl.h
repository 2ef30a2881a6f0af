/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stand-in for the few libcurl calls lib/acquire.c makes, for fuzz targets that reach
 * a parser through an HTTP exchange: the executable's definitions win over libcurl's, so
 * no socket is opened and the answer (status and body) is whatever the target sets. */
#ifndef SBTC_FAKE_CURL_H
#define SBTC_FAKE_CURL_H

#include <stddef.h>

/* The next answer: HTTP status, body bytes. The body is handed to lib/http.c's write
 * callback in pieces of at most chunk bytes (>= 1), as libcurl would. */
void fake_curl_answer(long status, const void *body, size_t len, size_t chunk);

#endif
