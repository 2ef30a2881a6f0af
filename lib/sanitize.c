/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sanitize.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* What a line must not carry, all shown as a blank: whitespace and controls (C0 with
 * newlines and tabs, DEL, C1 with NEL U+0085), and the characters that a Unicode-aware
 * reader takes for a line break (U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR: Python's
 * str.splitlines(), JavaScript, log shippers) or that reorder what is shown (the bidi marks
 * U+061C, U+200E, U+200F, embeddings and overrides U+202A..U+202E, isolates U+2066..U+2069),
 * and U+FEFF (a byte order mark in mid-text). */
static bool is_blank(uint32_t cp)
{
	return cp <= 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

void sbtc_sanitize_append(sbtc_strbuf *b, const char *text, size_t len, size_t max)
{
	static const char ellipsis[] = "...";
	const unsigned char *s = (const unsigned char *)text;
	sbtc_strbuf tmp = SBTC_STRBUF_INIT;
	bool pending_blank = false;
	if (max < sizeof ellipsis)
		max = sizeof ellipsis;

	/* Clean into tmp, stopping as soon as it is longer than max: then it must be cut. */
	for (size_t i = 0; i < len && tmp.len <= max;) {
		uint32_t cp = 0;
		size_t n = sbtc_utf8_decode(s + i, len - i, &cp);
		if (n > 0 && is_blank(cp)) {
			/* Whitespace and controls collapse into one blank; leading ones vanish. */
			pending_blank = tmp.len > 0;
			i += n;
			continue;
		}
		if (pending_blank)
			sbtc_strbuf_putc(&tmp, ' ');
		pending_blank = false;
		if (n == 0) {
			sbtc_strbuf_putc(&tmp, '?');
			n = 1;
		} else if (n == 1 && s[i] == '|') {
			sbtc_strbuf_putc(&tmp, '/');
		} else {
			sbtc_strbuf_append(&tmp, (const char *)s + i, n);
		}
		i += n;
	}
	if (tmp.len <= max) {
		sbtc_strbuf_append(b, sbtc_strbuf_str(&tmp), tmp.len);
	} else {
		/* Cut on a character boundary, leaving room for the ellipsis. */
		size_t keep = max - (sizeof ellipsis - 1);
		while (keep > 0 && sbtc_utf8_is_continuation((unsigned char)tmp.data[keep]))
			keep--;
		while (keep > 0 && tmp.data[keep - 1] == ' ')
			keep--;
		sbtc_strbuf_append(b, tmp.data, keep);
		sbtc_strbuf_append(b, ellipsis, sizeof ellipsis - 1);
	}
	sbtc_strbuf_free(&tmp);
}

char *sbtc_sanitize(const char *text, size_t max)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	if (text != NULL)
		sbtc_sanitize_append(&b, text, strlen(text), max);
	return sbtc_strbuf_steal(&b);
}

void sbtc_sanitize_in_place(char *text)
{
	unsigned char *p = (unsigned char *)text;
	size_t left = strlen(text);
	while (left > 0) {
		uint32_t cp = 0;
		size_t n = sbtc_utf8_decode(p, left, &cp);
		if (n == 0) {
			*p = '?';
			n = 1;
		} else if (is_blank(cp)) {
			memset(p, ' ', n);
		}
		p += n;
		left -= n;
	}
}
