/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hexadecimal encoding and decoding of byte strings. */
#include "hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Written out rather than using isxdigit() so that the result never depends on the
 * locale. */
int sbtc_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sbtc_hex_decode_exact(const char *text, uint8_t *dst, size_t n)
{
	if (strlen(text) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = sbtc_hex_digit((unsigned char)text[2 * i]), lo = sbtc_hex_digit((unsigned char)text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

int sbtc_hex_decode(const char *text, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	size_t start = 0;
	size_t ndigits;
	size_t i;
	uint8_t *buf;

	if (out == NULL || outlen == NULL) {
		set_err(err, errlen, "internal error: no place for the decoded bytes");
		return -1;
	}
	*out = NULL;
	*outlen = 0;
	if (text == NULL) {
		set_err(err, errlen, "no hex text");
		return -1;
	}
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		start = 2;

	/* Validate everything before allocating, so that the first bad character is
	 * reported with its offset in the text as given (prefix included). */
	for (i = start; text[i] != '\0'; i++) {
		unsigned char c = (unsigned char)text[i];
		if (sbtc_hex_digit(c) < 0) {
			if (err != NULL && errlen > 0) {
				if (c >= 0x20 && c < 0x7f)
					snprintf(err, errlen, "invalid hex digit '%c' at offset %zu", c, i);
				else
					snprintf(err, errlen, "invalid hex digit 0x%02x at offset %zu", c, i);
			}
			return -1;
		}
	}
	ndigits = i - start;
	if (ndigits % 2 != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "odd number of hex digits (%zu)", ndigits);
		return -1;
	}

	/* One extra byte so that an empty string still yields a non-NULL buffer. */
	buf = sbtc_xmalloc(ndigits / 2 + 1);
	for (i = 0; i < ndigits / 2; i++) {
		int hi = sbtc_hex_digit((unsigned char)text[start + 2 * i]);
		int lo = sbtc_hex_digit((unsigned char)text[start + 2 * i + 1]);
		buf[i] = (uint8_t)((hi << 4) | lo);
	}
	buf[ndigits / 2] = 0;
	*out = buf;
	*outlen = ndigits / 2;
	return 0;
}

char *sbtc_hex_encode(const uint8_t *bytes, size_t len, char *dst)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		dst[2 * i] = digits[bytes[i] >> 4];
		dst[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
	dst[2 * len] = '\0';
	return dst;
}

size_t sbtc_percent_decode(const char *in, size_t len, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		int hi = i + 2 < len ? sbtc_hex_digit((unsigned char)in[i + 1]) : -1;
		int lo = i + 2 < len ? sbtc_hex_digit((unsigned char)in[i + 2]) : -1;
		if (in[i] == '%' && hi >= 0 && lo >= 0) {
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[k++] = in[i];
		}
	}
	return k;
}
