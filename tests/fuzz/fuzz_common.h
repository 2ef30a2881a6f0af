/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks shared by the fuzz targets: the promises every parser makes about its messages
 * and the text it keeps. */
#ifndef SBTC_FUZZ_COMMON_H
#define SBTC_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

/* A message: terminated within its buffer, not empty, one line, no '|'. */
static inline void fuzz_check_err(const char *err, size_t cap)
{
	size_t n = strnlen(err, cap);
	if (n == cap || n == 0)
		abort();
	if (memchr(err, '\n', n) != NULL || memchr(err, '|', n) != NULL)
		abort();
}

/* Text from a peer kept for the output: terminated, no '|', no control characters. */
static inline void fuzz_check_clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] == '|' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

#endif
