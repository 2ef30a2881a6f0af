/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hexadecimal encoding and decoding of byte strings. */
#ifndef SBTC_HEX_H
#define SBTC_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes hex text (an optional "0x" or "0X" prefix, either letter case, even length, no
 * spaces) into a newly malloc'd buffer. Returns 0 and sets *out and *outlen, or -1 with
 * *out NULL and a message in err such as "invalid hex digit 'g' at offset 5" (offsets
 * count from the start of the text, prefix included) or "odd number of hex digits (65)".
 * *out is never NULL on success (an empty string decodes to a zero-length, non-NULL
 * buffer); free it with free(). */
int sbtc_hex_decode(const char *text, uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* Decodes text that is exactly 2*n hex digits (either case, no prefix) into dst[n]. False,
 * with dst undefined, for any other text. No allocation. */
bool sbtc_hex_decode_exact(const char *text, uint8_t *dst, size_t n);

/* Writes lower-case hex of len bytes into dst (needs 2*len+1 bytes); returns dst. */
char *sbtc_hex_encode(const uint8_t *bytes, size_t len, char *dst);

/* Value of one hex digit (either case), or -1; the same in every locale. */
int sbtc_hex_digit(unsigned char c);

/* Percent-decodes len bytes of in into out (room for len bytes) as libpq and libcurl
 * decode URI parts: "%XX" with two hex digits is one byte, anything else is kept as it
 * is. Returns the decoded length (no NUL is added). */
size_t sbtc_percent_decode(const char *in, size_t len, char *out);

#endif
