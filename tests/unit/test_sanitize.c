/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/sanitize.c: remote text made safe for the plugin output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "strbuf.h"
#include "utf8.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct san_case {
	const char *in;
	size_t max;
	const char *out;
};

static void run_cases(const struct san_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = sbtc_sanitize(cases[i].in, cases[i].max);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("case %zu: sanitize(\"%s\", %zu) = \"%s\", expected \"%s\"", i, cases[i].in,
				 cases[i].max, got, cases[i].out);
		free(got);
	}
}

static void test_format_characters(void **unused)
{
	static const struct san_case cases[] = {
		{"plain text", 200, "plain text"},
		{"a|b", 200, "a/b"},
		{"||", 200, "//"},
		{"value | 'x'=1", 200, "value / 'x'=1"},
		{"a\nb", 200, "a b"},
		{"a\r\nb", 200, "a b"},
		{"a\tb", 200, "a b"},
		{"a \n\t \r\n b", 200, "a b"},
		{"a\x01\x02\x1f" "b", 200, "a b"},
		{"a\x7f" "b", 200, "a b"},
		{"a\x1b[31mred", 200, "a [31mred"},
		{"a\vb\fc", 200, "a b c"},
		{"many     blanks", 200, "many blanks"},
		{"   leading", 200, "leading"},
		{"trailing \n\t ", 200, "trailing"},
		{"\n\n\t ", 200, ""},
		{" ", 200, ""},
		{"", 200, ""},
		{"x", 200, "x"},
	};
	(void)unused;
	run_cases(cases, N_ELEMS(cases));
}

static void test_utf8(void **unused)
{
	static const struct san_case cases[] = {
		/* valid multibyte text is kept */
		{"caf\xc3\xa9", 200, "caf\xc3\xa9"},
		{"\xc2\xa0nbsp", 200, "\xc2\xa0nbsp"},
		{"\xe2\x82\xac 5", 200, "\xe2\x82\xac 5"},
		{"\xef\xbf\xbd", 200, "\xef\xbf\xbd"},
		{"\xf0\x9f\x98\x80!", 200, "\xf0\x9f\x98\x80!"},
		{"\xf4\x8f\xbf\xbf", 200, "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
		{"\xed\x9f\xbf", 200, "\xed\x9f\xbf"},         /* U+D7FF, just below the surrogates */
		{"\xee\x80\x80", 200, "\xee\x80\x80"},         /* U+E000, just above */
		/* invalid bytes become '?' */
		{"a\xff" "b", 200, "a?b"},
		{"a\xfe" "b", 200, "a?b"},
		{"\x80", 200, "?"},
		{"\xbf\x80", 200, "??"},
		{"\xc3", 200, "?"},          /* truncated at the end */
		{"\xc3(", 200, "?("},        /* bad continuation */
		{"\xe2\x82", 200, "??"},     /* truncated 3-byte form */
		{"\xe2\x82x", 200, "??x"},
		{"\xf0\x9f\x98", 200, "???"},
		/* overlong forms are rejected */
		{"\xc0\xaf", 200, "??"},
		{"\xc1\xbf", 200, "??"},
		{"\xe0\x80\xaf", 200, "???"},
		{"\xe0\x9f\xbf", 200, "???"},
		{"\xf0\x80\x80\xaf", 200, "????"},
		{"\xf0\x8f\xbf\xbf", 200, "????"},
		/* surrogates are rejected */
		{"\xed\xa0\x80", 200, "???"},
		{"\xed\xbf\xbf", 200, "???"},
		/* beyond U+10FFFF, and bytes that never start a character */
		{"\xf4\x90\x80\x80", 200, "????"},
		{"\xf5\x80\x80\x80", 200, "????"},
		{"\xf8\x88\x80\x80\x80", 200, "?????"},
		/* C1 controls (NEL, CSI) are controls: one blank, not two '?' */
		{"a\xc2\x85" "b", 200, "a b"},
		{"a\xc2\x9b" "31m", 200, "a 31m"},
		{"\xc2\x80lead", 200, "lead"},
		{"trail\xc2\x9f", 200, "trail"},
		{"a \xc2\x85\n b", 200, "a b"},
		/* a '|' right after an invalid byte is still replaced */
		{"\xff|", 200, "?/"},
	};
	(void)unused;
	run_cases(cases, N_ELEMS(cases));
}

/* What Unicode-aware readers take for a line break (Python's str.splitlines(), JavaScript,
 * log shippers) or what reorders the text shown: each a blank, so that no remote text
 * can start a forged status line or disguise one. */
static void test_unicode_breaks_and_bidi(void **unused)
{
	static const struct san_case cases[] = {
		{"x\xe2\x80\xa8SBTC BLOCK_LAG OK - all good", 200, "x SBTC BLOCK_LAG OK - all good"},
		{"a\xe2\x80\xa8" "b", 200, "a b"}, /* U+2028 LINE SEPARATOR */
		{"a\xe2\x80\xa9" "b", 200, "a b"}, /* U+2029 PARAGRAPH SEPARATOR */
		{"a\xc2\x85" "b", 200, "a b"},     /* U+0085 NEL */
		{"a\x1c\x1d\x1e" "b", 200, "a b"}, /* file, group, record separators */
		{"a\xe2\x80\x8e" "b", 200, "a b"}, /* U+200E LRM */
		{"a\xe2\x80\x8f" "b", 200, "a b"}, /* U+200F RLM */
		{"a\xd8\x9c" "b", 200, "a b"},     /* U+061C ALM */
		{"a\xe2\x80\xaa" "b", 200, "a b"}, /* U+202A LRE */
		{"a\xe2\x80\xab" "b", 200, "a b"}, /* U+202B RLE */
		{"a\xe2\x80\xac" "b", 200, "a b"}, /* U+202C PDF */
		{"a\xe2\x80\xad" "b", 200, "a b"}, /* U+202D LRO */
		{"a\xe2\x80\xae" "b", 200, "a b"}, /* U+202E RLO */
		{"a\xe2\x81\xa6" "b", 200, "a b"}, /* U+2066 LRI */
		{"a\xe2\x81\xa7" "b", 200, "a b"}, /* U+2067 RLI */
		{"a\xe2\x81\xa8" "b", 200, "a b"}, /* U+2068 FSI */
		{"a\xe2\x81\xa9" "b", 200, "a b"}, /* U+2069 PDI */
		{"\xef\xbb\xbf" "bom", 200, "bom"}, /* U+FEFF */
		{"a \xe2\x80\xa8\n\xe2\x80\xae b", 200, "a b"},
		{"trail\xe2\x80\xa9", 200, "trail"},
		/* their neighbours stay */
		{"\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa", 200,
		 "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"},
		{"\xe2\x80\x8d\xef\xbb\xbe", 200, "\xe2\x80\x8d\xef\xbb\xbe"},
	};
	(void)unused;
	run_cases(cases, N_ELEMS(cases));
}

static void test_in_place(void **unused)
{
	(void)unused;
	char s[] = "a\nb|c\xe2\x80\xa8" "d\xff\xc2\x85" "e\xe2\x81\xa6\xc3\xa9";
	size_t len = strlen(s);
	sbtc_sanitize_in_place(s);
	assert_int_equal(strlen(s), len);
	assert_string_equal(s, "a b|c   d?  e   \xc3\xa9");
	char cut[] = "x\xe2\x80"; /* a character cut short */
	sbtc_sanitize_in_place(cut);
	assert_string_equal(cut, "x??");
	char empty[] = "";
	sbtc_sanitize_in_place(empty);
	assert_string_equal(empty, "");
}

/* The one decoder (lib/utf8.c). */
static void test_utf8_decode(void **unused)
{
	(void)unused;
	uint32_t cp = 0;
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"\xe2\x80\xa8", 3, &cp), 3);
	assert_int_equal(cp, 0x2028);
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"\xe2\x80\xa8", 2, &cp), 0);
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, NULL), 0);
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"\xc0\x80", 2, NULL), 0);
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"x", 0, NULL), 0);
	/* U+0000 is a character; the string's NUL cuts a sequence short */
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"", 1, &cp), 1);
	assert_int_equal(sbtc_utf8_decode((const unsigned char *)"\xc3", 2, NULL), 0);
	assert_int_equal(sbtc_utf8_invalid_at((const unsigned char *)"ab\xc3\xa9\xff", 5), 4);
	assert_int_equal(sbtc_utf8_invalid_at((const unsigned char *)"a\0b", 3), 3);
	assert_int_equal(sbtc_utf8_invalid_at((const unsigned char *)"\xe2\x82", 2), 0);
}

static void test_cut(void **unused)
{
	static const struct san_case cases[] = {
		/* exactly max is not cut */
		{"abcdefghij", 10, "abcdefghij"},
		/* one more is, with room for the ellipsis */
		{"abcdefghijk", 10, "abcdefg..."},
		{"abcdefghijklmnopqrstuvwxyz", 10, "abcdefg..."},
		/* blanks that vanish do not count */
		{"   abcdefghij   ", 10, "abcdefghij"},
		{"abcdefghij\n", 10, "abcdefghij"},
		{"a          b", 3 + 1, "a b"},
		/* a blank before the ellipsis goes */
		{"abcdef ghijkl", 10, "abcdef..."},
		{"abcdefghij x", 10, "abcdefg..."},
		/* never in the middle of a character */
		{"abcdef\xe2\x82\xacghij", 10, "abcdef..."},
		{"abcd\xe2\x82\xac" "efghi", 10, "abcd\xe2\x82\xac..."},
		{"ab\xf0\x9f\x98\x80" "cd", 6, "ab..."},
		{"ab\xf0\x9f\x98\x80", 6, "ab\xf0\x9f\x98\x80"},
		{"ab\xe2\x82\xac", 5, "ab\xe2\x82\xac"},
		{"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 4, "..."},
		{"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 7, "\xc3\xa9\xc3\xa9..."},
		/* replacement characters count like any other */
		{"|||||||||||", 10, "///////..."},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 10, "???????..."},
		/* below the ellipsis' own size, max acts as 4 */
		{"abcdef", 0, "a..."},
		{"abcdef", 3, "a..."},
		{"abcd", 0, "abcd"},
	};
	(void)unused;
	run_cases(cases, N_ELEMS(cases));
}

static void test_default_max(void **unused)
{
	char in[1000];
	(void)unused;
	memset(in, 'z', sizeof in - 1);
	in[sizeof in - 1] = '\0';
	char *got = sbtc_sanitize(in, SBTC_REMOTE_TEXT_MAX);
	assert_int_equal(strlen(got), SBTC_REMOTE_TEXT_MAX);
	assert_string_equal(got + SBTC_REMOTE_TEXT_MAX - 3, "...");
	free(got);
	in[SBTC_REMOTE_TEXT_MAX] = '\0';
	got = sbtc_sanitize(in, SBTC_REMOTE_TEXT_MAX);
	assert_string_equal(got, in);
	free(got);
}

static void test_null_and_append(void **unused)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char *s;
	(void)unused;
	s = sbtc_sanitize(NULL, 10);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	/* Appends to what is there; len bounds the input, NUL bytes inside are controls. */
	sbtc_strbuf_puts(&b, "pre: ");
	sbtc_sanitize_append(&b, "a\0b|c", 5, 100);
	assert_string_equal(sbtc_strbuf_str(&b), "pre: a b/c");
	sbtc_sanitize_append(&b, "xyz", 2, 100);
	assert_string_equal(sbtc_strbuf_str(&b), "pre: a b/cxy");
	sbtc_sanitize_append(&b, "ignored", 0, 100);
	assert_string_equal(sbtc_strbuf_str(&b), "pre: a b/cxy");
	/* A multibyte character cut by len is invalid there. */
	sbtc_sanitize_append(&b, "\xe2\x82\xac", 2, 100);
	assert_string_equal(sbtc_strbuf_str(&b), "pre: a b/cxy??");
	sbtc_strbuf_free(&b);
}

/* Strict UTF-8 check used by the property test below. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += len;
	}
	return true;
}

static void test_properties(void **unused)
{
	/* Whatever the bytes, the result is short, one line, valid UTF-8, trimmed, without
	 * '|' or runs of blanks, and sanitising it again changes nothing. */
	static const unsigned char alphabet[] = {'a', 'Z', '0', ' ', ' ', '\n', '\t', '\r', '|', 0x00,
						 0x01, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xbf, 0xc0,
						 0xc2, 0xc3, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4,
						 0xf5, 0xff, 0x82, 0xac, 0x98};
	static const size_t maxes[] = {0, 4, 5, 7, 16, 64, 1000};
	uint32_t seed = 12345;
	(void)unused;
	for (int round = 0; round < 3000; round++) {
		unsigned char in[80];
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 16) % sizeof in;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % sizeof alphabet];
		}
		size_t max = maxes[(size_t)round % N_ELEMS(maxes)];
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_sanitize_append(&b, (const char *)in, n, max);
		const unsigned char *o = (const unsigned char *)sbtc_strbuf_str(&b);
		size_t ol = b.len;
		assert_true(ol <= (max < 4 ? 4 : max));
		assert_true(valid_utf8(o, ol));
		for (size_t i = 0; i < ol; i++) {
			assert_true(o[i] >= 0x20 && o[i] != 0x7f && o[i] != '|');
			if (i > 0)
				assert_false(o[i] == ' ' && o[i - 1] == ' ');
		}
		if (ol > 0) {
			assert_true(o[0] != ' ');
			assert_true(o[ol - 1] != ' ');
		}
		char *again = sbtc_sanitize((const char *)o, max < 4 ? 4 : max);
		assert_string_equal(again, (const char *)o);
		free(again);
		sbtc_strbuf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_characters),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_unicode_breaks_and_bidi),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_default_max),
		cmocka_unit_test(test_null_and_append),
		cmocka_unit_test(test_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
