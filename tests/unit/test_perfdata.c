/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/perfdata.c: numbers, ranges, labels and whole perfdata items,
 * in the C locale and in one that writes "1,5". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perfdata.h"
#include "strbuf.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct num_case {
	double v;
	const char *out;
};

/* "0." followed by 323 zeros and the digits of 5e-324 (4.94065645841247e-324). */
static char denormal_text[2 + 323 + 15 + 1];

static void build_denormal_text(void)
{
	size_t k = 0;
	denormal_text[k++] = '0';
	denormal_text[k++] = '.';
	for (int i = 0; i < 323; i++)
		denormal_text[k++] = '0';
	memcpy(denormal_text + k, "494065645841247", 15);
	k += 15;
	denormal_text[k] = '\0';
}

static const struct num_case num_cases[] = {
	{0.0, "0"},
	{-0.0, "0"},
	{1.0, "1"},
	{-1.0, "-1"},
	{0.1, "0.1"},
	{-0.1, "-0.1"},
	{1.5, "1.5"},
	{100.0, "100"},
	{1234.5678, "1234.5678"},
	{1e-7, "0.0000001"},
	{-1e-7, "-0.0000001"},
	{2.5e-5, "0.000025"},
	{0.000123, "0.000123"},
	{1e15, "1000000000000000"},
	{123456789012345678.0, "123456789012346000"},
	{1e20, "100000000000000000000"},
	{-1e20, "-100000000000000000000"},
	{0.30000000000000004, "0.3"},
	{1.0 / 3.0, "0.333333333333333"},
	{2.0 / 3.0, "0.666666666666667"},
	{9.9999999999999999, "10"},
	{999999999999999.9, "1000000000000000"},
	{123.456e-10, "0.0000000123456"},
	{86400.0, "86400"},
	{0.999, "0.999"},
	{NAN, "U"},
	{-NAN, "U"},
	{INFINITY, "U"},
	{-INFINITY, "U"},
};

static void check_numbers(void)
{
	char buf[SBTC_NUMBER_MAX];
	for (size_t i = 0; i < N_ELEMS(num_cases); i++) {
		const char *got = sbtc_format_number(num_cases[i].v, buf, sizeof buf);
		assert_ptr_equal(got, buf);
		if (strcmp(got, num_cases[i].out) != 0)
			fail_msg("format_number(%.17g) = \"%s\", expected \"%s\"", num_cases[i].v, got,
				 num_cases[i].out);
	}
	/* The smallest denormal, written out in full. */
	build_denormal_text();
	assert_string_equal(sbtc_format_number(5e-324, buf, sizeof buf), denormal_text);
	assert_string_equal(sbtc_format_number(-5e-324, buf, sizeof buf) + 1, denormal_text);
	assert_int_equal(buf[0], '-');
	/* The largest double fits in SBTC_NUMBER_MAX: 309 digits. */
	sbtc_format_number(-DBL_MAX, buf, sizeof buf);
	assert_int_equal(strlen(buf), 310);
	assert_memory_equal(buf, "-179769313486232", 16);
	for (size_t i = 16; i < 310; i++)
		assert_int_equal(buf[i], '0');
	/* Never an exponent nor a comma. */
	for (double v = 1e-30; v < 1e30; v *= 7.3) {
		sbtc_format_number(v, buf, sizeof buf);
		assert_null(strpbrk(buf, "eE,"));
		assert_true(buf[0] >= '0' && buf[0] <= '9');
		sbtc_format_number(-v, buf, sizeof buf);
		assert_null(strpbrk(buf, "eE,"));
	}
}

static void test_format_number(void **unused)
{
	(void)unused;
	check_numbers();
}

static void test_format_number_small_buffer(void **unused)
{
	char buf[8];
	(void)unused;
	memset(buf, '#', sizeof buf);
	assert_string_equal(sbtc_format_number(12345.0, buf, 4), "123");
	assert_int_equal(buf[4], '#');
	assert_string_equal(sbtc_format_number(-0.5, buf, 3), "-0");
	assert_string_equal(sbtc_format_number(7.0, buf, 1), "");
	assert_string_equal(sbtc_format_number(NAN, buf, 2), "U");
	buf[0] = '#';
	sbtc_format_number(7.0, buf, 0);
	assert_int_equal(buf[0], '#');
}

static sbtc_range plain(double end)
{
	sbtc_range r = {true, false, false, false, 0, end};
	return r;
}

static sbtc_range span(double start, double end)
{
	sbtc_range r = {true, false, false, false, start, end};
	return r;
}

static sbtc_range from(double start)
{
	sbtc_range r = {true, false, false, true, start, HUGE_VAL};
	return r;
}

static sbtc_range upto(double end)
{
	sbtc_range r = {true, false, true, false, -HUGE_VAL, end};
	return r;
}

static sbtc_range inside(sbtc_range r)
{
	r.inside = true;
	return r;
}

static const sbtc_range unset_range = {false, false, false, false, 0, 0};

static void test_range_append(void **unused)
{
	const struct {
		sbtc_range r;
		const char *out;
	} cases[] = {
		{unset_range, ""},
		{plain(10), "10"},
		{plain(0.5), "0.5"},
		{plain(0), "0"},
		{span(10, 20), "10:20"},
		{span(-5, -1), "-5:-1"},
		{span(0.25, 1e-7), "0.25:0.0000001"},
		{from(10), "10:"},
		{from(0), "0:"},
		{from(-3), "-3:"},
		{upto(10), "~:10"},
		{upto(-2), "~:-2"},
		{{true, false, true, true, -HUGE_VAL, HUGE_VAL}, "~:"},
		{inside(plain(10)), "@10"},
		{inside(span(10, 20)), "@10:20"},
		{inside(from(5)), "@5:"},
		{inside(upto(5)), "@~:5"},
		{span(1e20, 1e21), "100000000000000000000:1000000000000000000000"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_strbuf_puts(&b, "<");
		sbtc_range_append(&b, &cases[i].r);
		sbtc_strbuf_puts(&b, ">");
		char want[128];
		snprintf(want, sizeof want, "<%s>", cases[i].out);
		if (strcmp(sbtc_strbuf_str(&b), want) != 0)
			fail_msg("case %zu: range printed as %s, expected %s", i, sbtc_strbuf_str(&b), want);
		sbtc_strbuf_free(&b);
	}
}

static void test_labels(void **unused)
{
	static const struct {
		const char *label;
		const char *out;
	} cases[] = {
		{"time", "'time'"},
		{"verified_shares", "'verified_shares'"},
		{"with space", "'with space'"},
		{"it's", "'it''s'"},
		{"'", "''''"},
		{"''", "''''''"},
		{"a=b", "'a_b'"},
		{"a|b", "'a_b'"},
		{"a\nb\tc\x7f", "'a_b_c_'"},
		{"caf\xc3\xa9", "'caf\xc3\xa9'"},
		{"", "'_'"},
		{NULL, "'_'"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_perf_label_append(&b, cases[i].label);
		if (strcmp(sbtc_strbuf_str(&b), cases[i].out) != 0)
			fail_msg("label \"%s\" quoted as %s, expected %s", cases[i].label ? cases[i].label : "(null)",
				 sbtc_strbuf_str(&b), cases[i].out);
		sbtc_strbuf_free(&b);
	}
}

struct perf_case {
	const char *label;
	double value;
	const char *uom;
	sbtc_range warn, crit;
	double min, max;
	const char *out;
};

static void check_perf_cases(void)
{
	const struct perf_case cases[] = {
		{"t", 1, "s", unset_range, unset_range, NAN, NAN, "'t'=1s"},
		{"t", 0.000123, "s", unset_range, unset_range, 0, NAN, "'t'=0.000123s;;;0"},
		{"count", 5, "", unset_range, unset_range, NAN, NAN, "'count'=5"},
		/* U without its unit, the rest still there */
		{"t", NAN, "s", plain(10), unset_range, 0, NAN, "'t'=U;10;;0"},
		{"t", INFINITY, "B", unset_range, unset_range, NAN, NAN, "'t'=U"},
		/* plain limits print as numbers */
		{"x", 5, "", plain(10), plain(20), NAN, NAN, "'x'=5;10;20"},
		{"x", 5, "B", plain(10), plain(20), 0, 100, "'x'=5B;10;20;0;100"},
		{"x", 5, "", upto(10), upto(20), NAN, NAN, "'x'=5;10;20"},
		{"x", 5, "", from(10), from(5), NAN, NAN, "'x'=5;10;5"},
		/* other ranges in range syntax */
		{"x", 15, "", span(10, 20), span(5, 30), NAN, NAN, "'x'=15;10:20;5:30"},
		{"x", 15, "", inside(span(10, 20)), inside(plain(3)), NAN, NAN, "'x'=15;@10:20;@3"},
		{"x", 15, "", {true, false, true, true, -HUGE_VAL, HUGE_VAL}, unset_range, NAN, NAN, "'x'=15;~:"},
		/* empty fields in the middle stay, trailing ones go */
		{"x", 5, "", unset_range, plain(20), NAN, NAN, "'x'=5;;20"},
		{"x", 5, "", unset_range, unset_range, NAN, 100, "'x'=5;;;;100"},
		{"x", 5, "", unset_range, unset_range, 0, 100, "'x'=5;;;0;100"},
		{"x", 5, "", plain(1), unset_range, NAN, NAN, "'x'=5;1"},
		/* big and small numbers in full */
		{"size", 1e20, "B", unset_range, unset_range, 0, NAN, "'size'=100000000000000000000B;;;0"},
		{"ratio", 1e-7, "", plain(0.5), unset_range, 0, 1, "'ratio'=0.0000001;0.5;;0;1"},
		{"neg", -2.5, "", span(-10, -1), unset_range, NAN, NAN, "'neg'=-2.5;-10:-1"},
		{"it's = me", 1, "%", unset_range, unset_range, 0, 100, "'it''s _ me'=1%;;;0;100"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_perf p;
		memset(&p, 0, sizeof p);
		p.label = (char *)cases[i].label;
		p.value = cases[i].value;
		sbtc_strlcpy(p.uom, cases[i].uom, sizeof p.uom);
		p.warning = cases[i].warn;
		p.critical = cases[i].crit;
		p.min = cases[i].min;
		p.max = cases[i].max;
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_perf_append(&b, &p);
		if (strcmp(sbtc_strbuf_str(&b), cases[i].out) != 0)
			fail_msg("case %zu: perfdata %s, expected %s", i, sbtc_strbuf_str(&b), cases[i].out);
		sbtc_strbuf_free(&b);
	}
}

static void test_perf_append(void **unused)
{
	(void)unused;
	check_perf_cases();
}

static void test_perf_append_keeps_buffer(void **unused)
{
	/* Trimming the empty trailing fields never reaches what was in the buffer before. */
	sbtc_perf p;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	(void)unused;
	memset(&p, 0, sizeof p);
	p.label = (char *)"a";
	p.value = 1;
	p.min = NAN;
	p.max = NAN;
	sbtc_strbuf_puts(&b, "earlier;;");
	sbtc_perf_append(&b, &p);
	assert_string_equal(sbtc_strbuf_str(&b), "earlier;;'a'=1");
	sbtc_strbuf_putc(&b, ' ');
	p.value = NAN;
	sbtc_perf_append(&b, &p);
	assert_string_equal(sbtc_strbuf_str(&b), "earlier;;'a'=1 'a'=U");
	sbtc_strbuf_free(&b);
}

/* A locale that writes "1,5" must not change a single character of the perfdata. */
static void test_decimal_comma_locale(void **unused)
{
	const char *locpath = getenv("SBTC_TEST_LOCPATH");
	char probe[16];
	(void)unused;
	if (locpath != NULL && *locpath != '\0')
		assert_int_equal(setenv("LOCPATH", locpath, 1), 0);
	if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
		fail_msg("cannot set the locale de_DE.UTF-8 (SBTC_TEST_LOCPATH=%s); build it with "
			 "'localedef -i de_DE -f UTF-8 DIR/de_DE.UTF-8' and set SBTC_TEST_LOCPATH=DIR",
			 locpath ? locpath : "(unset)");
	/* Make sure the locale really writes a comma, or this test proves nothing. */
	snprintf(probe, sizeof probe, "%.1f", 1.5);
	if (strcmp(probe, "1,5") != 0) {
		setlocale(LC_ALL, "C");
		fail_msg("de_DE.UTF-8 is set but printf wrote '%s' instead of '1,5'", probe);
	}
	check_numbers();
	check_perf_cases();
}

static int restore_c_locale(void **unused)
{
	char probe[16];
	(void)unused;
	setlocale(LC_ALL, "C");
	snprintf(probe, sizeof probe, "%.1f", 1.5);
	return strcmp(probe, "1.5") == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_number),
		cmocka_unit_test(test_format_number_small_buffer),
		cmocka_unit_test(test_range_append),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_perf_append),
		cmocka_unit_test(test_perf_append_keeps_buffer),
		cmocka_unit_test_teardown(test_decimal_comma_locale, restore_c_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
