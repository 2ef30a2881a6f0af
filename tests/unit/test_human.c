/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/human.c: durations and sizes as a status line shows them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "human.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct human_case {
	double v;
	const char *out;
};

static void test_duration(void **unused)
{
	static const struct human_case cases[] = {
		{0, "0s"},
		{-0.0, "0s"},
		{0.4, "0s"},
		{0.5, "1s"},
		{1, "1s"},
		{59, "59s"},
		{59.4, "59s"},
		{59.5, "1m 0s"},
		{60, "1m 0s"},
		{61, "1m 1s"},
		{90, "1m 30s"},
		{3599, "59m 59s"},
		{3600, "1h 0m"},
		{3661, "1h 1m"},
		{7199, "1h 59m"},
		{86399, "23h 59m"},
		{86400, "1d 0h"},
		{90000, "1d 1h"},
		{200000, "2d 7h"},
		{1e9, "11574d 1h"},
		/* negative: a leading '-', but never "-0s" */
		{-1, "-1s"},
		{-90, "-1m 30s"},
		{-90000, "-1d 1h"},
		{-0.2, "0s"},
		/* absurd values stay readable and defined */
		{-1e15, "-11574074074d"},
		{NAN, "?"},
		{INFINITY, "?"},
		{-INFINITY, "?"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char buf[400];
		assert_ptr_equal(sbtc_format_duration(cases[i].v, buf, sizeof buf), buf);
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("format_duration(%.17g) = \"%s\", expected \"%s\"", cases[i].v, buf, cases[i].out);
	}
	/* Far beyond an integer: days only, written out. */
	char big[400];
	sbtc_format_duration(1e300, big, sizeof big);
	assert_memory_equal(big, "11574074074074", 14);
	assert_int_equal(strlen(big), 297);
	assert_int_equal(big[296], 'd');
	assert_int_equal(strspn(big, "0123456789"), 296);
	/* A small buffer is cut, never overrun. */
	char small[4];
	sbtc_format_duration(3599, small, sizeof small);
	assert_string_equal(small, "59m");
}

static void test_size(void **unused)
{
	static const struct human_case cases[] = {
		{0, "0 B"},
		{1, "1 B"},
		{512, "512 B"},
		{999, "999 B"},
		{999.4, "999 B"},
		{999.5, "1.0 kB"},
		{1000, "1.0 kB"},
		{1500, "1.5 kB"},
		{1024, "1.0 kB"},
		{999949, "999.9 kB"},
		{999950, "1.0 MB"},
		{1e6, "1.0 MB"},
		{2.3e6, "2.3 MB"},
		{1.1e9, "1.1 GB"},
		{1e12, "1.0 TB"},
		{1.5e15, "1.5 PB"},
		{1e18, "1000.0 PB"},
		{-1500, "-1.5 kB"},
		{-512, "-512 B"},
		{-0.3, "0 B"},
		{NAN, "?"},
		{INFINITY, "?"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char buf[64];
		assert_ptr_equal(sbtc_format_size(cases[i].v, buf, sizeof buf), buf);
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("format_size(%.17g) = \"%s\", expected \"%s\"", cases[i].v, buf, cases[i].out);
	}
	char small[4];
	sbtc_format_size(1500, small, sizeof small);
	assert_string_equal(small, "1.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
