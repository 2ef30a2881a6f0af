#include "sanitize.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Controls: C0 (newlines and tabs included), DEL, and C1 (U+0080..U+009F, NEL among
 * them) encoded as the two bytes C2 80..C2 9F. n is the sequence's length. */
static bool is_blank_or_control(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0] <= 0x20 || s[0] == 0x7f;
	return n == 2 && s[0] == 0xc2 && s[1] <= 0x9f;
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
		size_t n = utf8_seq_len(s + i, len - i);
		if (is_blank_or_control(s + i, n)) {
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
		while (keep > 0 && ((unsigned char)tmp.data[keep] & 0xc0) == 0x80)
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
