/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one UTF-8 decoder of the library: well-formed UTF-8 as RFC 3629 defines it (no
 * overlong forms, no surrogates, nothing above U+10FFFF), the same that Rust's
 * str::from_utf8 and Python's strict decoder accept. */
#ifndef SBTC_UTF8_H
#define SBTC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1 to 4) of the well-formed character that starts at s, reading at most n bytes,
 * and its code point in *cp (cp may be NULL); 0 when s does not start one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, cut short by n or
 * by a NUL) or n is 0. */
size_t sbtc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Whether c continues a character (10xxxxxx) rather than starting one. */
static inline int sbtc_utf8_is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Characters (columns, for text without wide characters) in n bytes of UTF-8: every
 * byte but the continuation bytes. */
size_t sbtc_utf8_columns(const char *s, size_t n);

/* Index of the first byte of s[0..len) that is not part of well-formed UTF-8, or len. */
size_t sbtc_utf8_invalid_at(const unsigned char *s, size_t len);

#endif
