/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "utf8.h"

size_t sbtc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		if (cp != NULL)
			*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0fu;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07u;
	} else {
		return 0; /* a continuation byte, C0/C1 (always overlong), or F5..FF */
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at a terminating NUL */
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = v;
	return len;
}

size_t sbtc_utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t n = sbtc_utf8_decode(s + i, len - i, NULL);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

size_t sbtc_utf8_columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += !sbtc_utf8_is_continuation((unsigned char)s[i]);
	return c;
}
