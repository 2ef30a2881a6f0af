/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/hex.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

struct good_case {
	const char *text;
	const char *bytes; /* expected bytes as a string literal (may hold \0) */
	size_t len;
};

static const struct good_case good_cases[] = {
	{"", "", 0},
	{"0x", "", 0},
	{"0X", "", 0},
	{"00", "\x00", 1},
	{"0x00", "\x00", 1},
	{"0xdeadBEEF", "\xde\xad\xbe\xef", 4},
	{"0XFF", "\xff", 1},
	{"0123456789abcdefABCDEF", "\x01\x23\x45\x67\x89\xab\xcd\xef\xab\xcd\xef", 11},
	{"0x0200000021", "\x02\x00\x00\x00\x21", 5},
};

static void test_decode_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		uint8_t *out = NULL;
		size_t len = 99;
		char err[128] = "";

		assert_int_equal(sbtc_hex_decode(good_cases[i].text, &out, &len, err, sizeof err), 0);
		assert_non_null(out);
		assert_int_equal(len, good_cases[i].len);
		assert_memory_equal(out, good_cases[i].bytes, len ? len : 1);
		free(out);
	}
}

struct bad_case {
	const char *text;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{"0xg", "invalid hex digit 'g' at offset 2"},
	{"abcg", "invalid hex digit 'g' at offset 3"},
	{"0x0200g0", "invalid hex digit 'g' at offset 6"},
	{"0x0", "odd number of hex digits (1)"},
	{"abc", "odd number of hex digits (3)"},
	{"0x0200000021031", "odd number of hex digits (13)"},
	{" 00", "invalid hex digit ' ' at offset 0"},
	{"00\n", "invalid hex digit 0x0a at offset 2"},
	{"00\xff", "invalid hex digit 0xff at offset 2"},
	{"0x0x00", "invalid hex digit 'x' at offset 3"},
	{"x00", "invalid hex digit 'x' at offset 0"},
	{"-1", "invalid hex digit '-' at offset 0"},
	/* The first bad digit wins over an odd count. */
	{"0xabz", "invalid hex digit 'z' at offset 4"},
};

static void test_decode_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		uint8_t *out = (uint8_t *)&out; /* must be reset to NULL */
		size_t len = 0;
		char err[128] = "";

		assert_int_equal(sbtc_hex_decode(bad_cases[i].text, &out, &len, err, sizeof err), -1);
		assert_null(out);
		assert_string_equal(err, bad_cases[i].message);
	}
}

static void test_decode_odd_65(void **state)
{
	char text[70];
	uint8_t *out = NULL;
	size_t len = 0;
	char err[128];

	(void)state;
	memset(text, 'a', 65);
	text[65] = '\0';
	assert_int_equal(sbtc_hex_decode(text, &out, &len, err, sizeof err), -1);
	assert_string_equal(err, "odd number of hex digits (65)");
}

static void test_decode_null_and_small_err(void **state)
{
	uint8_t *out = NULL;
	size_t len = 0;
	char err[8];

	(void)state;
	assert_int_equal(sbtc_hex_decode(NULL, &out, &len, err, sizeof err), -1);
	assert_null(out);
	/* A short error buffer is filled and terminated, never overrun. */
	memset(err, 'X', sizeof err);
	assert_int_equal(sbtc_hex_decode("zz", &out, &len, err, sizeof err), -1);
	assert_int_equal(err[sizeof err - 1], '\0');
	assert_string_equal(err, "invalid");
	/* No error buffer at all is allowed. */
	assert_int_equal(sbtc_hex_decode("zz", &out, &len, NULL, 0), -1);
}

static void test_encode(void **state)
{
	static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char dst[2 * sizeof bytes + 1];
	char empty[1] = {'X'};
	uint8_t *back = NULL;
	size_t len = 0;
	char err[64];

	(void)state;
	assert_ptr_equal(sbtc_hex_encode(bytes, sizeof bytes, dst), dst);
	assert_string_equal(dst, "00017f80abff");
	assert_string_equal(sbtc_hex_encode(bytes, 0, empty), "");

	/* Round trip. */
	assert_int_equal(sbtc_hex_decode(dst, &back, &len, err, sizeof err), 0);
	assert_int_equal(len, sizeof bytes);
	assert_memory_equal(back, bytes, sizeof bytes);
	free(back);
}

/* Exactly 2*n digits, no prefix, either case; anything else is refused. */
static void test_decode_exact(void **unused)
{
	(void)unused;
	uint8_t b[3];
	assert_true(sbtc_hex_decode_exact("00aBfF", b, 3));
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[1], 0xab);
	assert_int_equal(b[2], 0xff);
	const char *bad[] = {"", "00abf", "00abff00", "0x00ab", "00abfg", "00 abf", "-0abff"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(sbtc_hex_decode_exact(bad[i], b, 3));
	assert_true(sbtc_hex_decode_exact("", b, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_decode_odd_65),
		cmocka_unit_test(test_decode_null_and_small_err),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
