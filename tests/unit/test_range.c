/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/range.c: parsing, evaluation, units, quantities, thresholds and
 * perfdata limits. tests/unit/range_crosscheck.pl compares the same code with Perl's
 * Monitoring::Plugin::Range over many generated ranges. */
#define _POSIX_C_SOURCE 200809L

#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "range.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define INF HUGE_VAL

/* Exact comparison: the same text must give the same double, not a close one. */
static void assert_same_double(double got, double want, const char *what)
{
	if (!(got == want || (isnan(got) && isnan(want))))
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* ---- parsing: what the text turns into ------------------------------------------- */

struct parse_case {
	const char *text;
	sbtc_unit unit;
	bool inside;
	bool start_infinite;
	bool end_infinite;
	double start;
	double end;
};

static const struct parse_case parse_cases[] = {
	/* The forms of the development guidelines. */
	{"10", SBTC_UNIT_NONE, false, false, false, 0, 10},
	{"10:", SBTC_UNIT_NONE, false, false, true, 10, INF},
	{"~:10", SBTC_UNIT_NONE, false, true, false, -INF, 10},
	{"10:20", SBTC_UNIT_NONE, false, false, false, 10, 20},
	{"@10:20", SBTC_UNIT_NONE, true, false, false, 10, 20},
	{"0:10", SBTC_UNIT_NONE, false, false, false, 0, 10},
	{":10", SBTC_UNIT_NONE, false, false, false, 0, 10},
	{"@:10", SBTC_UNIT_NONE, true, false, false, 0, 10},
	{"~:", SBTC_UNIT_NONE, false, true, true, -INF, INF},
	{"@~:", SBTC_UNIT_NONE, true, true, true, -INF, INF},
	{"@10", SBTC_UNIT_NONE, true, false, false, 0, 10},
	{"0", SBTC_UNIT_NONE, false, false, false, 0, 0},
	{"5:5", SBTC_UNIT_NONE, false, false, false, 5, 5},
	/* Negative ranges. */
	{"-10:-5", SBTC_UNIT_NONE, false, false, false, -10, -5},
	{"~:-5", SBTC_UNIT_NONE, false, true, false, -INF, -5},
	{"-5:", SBTC_UNIT_NONE, false, false, true, -5, INF},
	{"@-10:10", SBTC_UNIT_NONE, true, false, false, -10, 10},
	/* Numbers as Perl's $value_re allows them, read as Perl reads them. */
	{"+5:+10", SBTC_UNIT_NONE, false, false, false, 5, 10},
	{".5:1.5", SBTC_UNIT_NONE, false, false, false, 0.5, 1.5},
	{"5.", SBTC_UNIT_NONE, false, false, false, 0, 5},
	{"1e3", SBTC_UNIT_NONE, false, false, false, 0, 1000},
	{"1e+3:1e+4", SBTC_UNIT_NONE, false, false, false, 1000, 10000},
	{"-1e-3:-1e-4", SBTC_UNIT_NONE, false, false, false, -1e-3, -1e-4},
	{"-1e3:1e3", SBTC_UNIT_NONE, false, false, false, -1000, 1000},
	{"2.5e-1", SBTC_UNIT_NONE, false, false, false, 0, 0.25},
	{"1e.5", SBTC_UNIT_NONE, false, false, false, 0, 1},      /* "e.5" is no exponent */
	{"1e5.5", SBTC_UNIT_NONE, false, false, false, 0, 1e5},   /* reading stops at '.' */
	{"1.2.3", SBTC_UNIT_NONE, false, false, false, 0, 1.2},   /* Perl warns, reads 1.2 */
	{".:5", SBTC_UNIT_NONE, false, false, false, 0, 5},       /* "." alone is a number */
	{"-.:.5", SBTC_UNIT_NONE, false, false, false, 0, 0.5},
	{"007", SBTC_UNIT_NONE, false, false, false, 0, 7},       /* not octal */
	{"0.1:0.30000000000000004", SBTC_UNIT_NONE, false, false, false, 0.1, 0.30000000000000004},
	{"1e-400", SBTC_UNIT_NONE, false, false, false, 0, 0},    /* Perl: 0 */
	{"4.9e-324", SBTC_UNIT_NONE, false, false, false, 0, 4.9e-324},
	{"9007199254740992:9007199254740993", SBTC_UNIT_NONE, false, false, false,
	 9007199254740992.0, 9007199254740992.0},
	/* Whitespace anywhere is dropped, as Perl's s/\s//g does. */
	{" 10 : 20 ", SBTC_UNIT_NONE, false, false, false, 10, 20},
	{"\t@\n10:\v20\f\r", SBTC_UNIT_NONE, true, false, false, 10, 20},
	{"1 0", SBTC_UNIT_NONE, false, false, false, 0, 10},
	{"- 1 e 3 :", SBTC_UNIT_NONE, false, false, true, -1000, INF},
	{"~ : 1", SBTC_UNIT_NONE, false, true, false, -INF, 1},
	/* Durations. */
	{"26h", SBTC_UNIT_DURATION, false, false, false, 0, 93600},
	{"90s", SBTC_UNIT_DURATION, false, false, false, 0, 90},
	{"90", SBTC_UNIT_DURATION, false, false, false, 0, 90},
	{"1h:2d", SBTC_UNIT_DURATION, false, false, false, 3600, 172800},
	{"@10m:20m", SBTC_UNIT_DURATION, true, false, false, 600, 1200},
	{"1w:", SBTC_UNIT_DURATION, false, false, true, 604800, INF},
	{"~:1.5h", SBTC_UNIT_DURATION, false, true, false, -INF, 5400},
	{"1.1h", SBTC_UNIT_DURATION, false, false, false, 0, 3960},
	{"30m:3600", SBTC_UNIT_DURATION, false, false, false, 1800, 3600},
	{" 1 h : 2 d ", SBTC_UNIT_DURATION, false, false, false, 3600, 172800},
	{"-1h:1h", SBTC_UNIT_DURATION, false, false, false, -3600, 3600},
	/* Sizes. */
	{"10MB", SBTC_UNIT_SIZE, false, false, false, 0, 10e6},
	{"1kB:1KB", SBTC_UNIT_SIZE, false, false, false, 1000, 1000},
	{"1KiB:1MiB", SBTC_UNIT_SIZE, false, false, false, 1024, 1048576},
	{"1GiB:1TiB", SBTC_UNIT_SIZE, false, false, false, 1073741824.0, 1099511627776.0},
	{"1GB:1TB", SBTC_UNIT_SIZE, false, false, false, 1e9, 1e12},
	{"512B:", SBTC_UNIT_SIZE, false, false, true, 512, INF},
	{"@0:1.5GiB", SBTC_UNIT_SIZE, true, false, false, 0, 1610612736.0},
	{"100", SBTC_UNIT_SIZE, false, false, false, 0, 100},
};

static void check_parse_case(const struct parse_case *c)
{
	sbtc_range r;
	char err[256] = "x";
	if (sbtc_range_parse(c->text, c->unit, &r, err, sizeof err) != 0)
		fail_msg("'%s' (unit %d) refused: %s", c->text, (int)c->unit, err);
	assert_string_equal(err, "");
	assert_true(r.set);
	if (r.inside != c->inside || r.start_infinite != c->start_infinite ||
	    r.end_infinite != c->end_infinite)
		fail_msg("'%s': inside %d start_infinite %d end_infinite %d", c->text, r.inside,
		         r.start_infinite, r.end_infinite);
	assert_same_double(r.start, c->start, c->text);
	assert_same_double(r.end, c->end, c->text);
}

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(parse_cases); i++)
		check_parse_case(&parse_cases[i]);
}

/* "-0" must not come back as negative zero (it would print "-0" in perfdata). */
static void test_negative_zero(void **state)
{
	(void)state;
	sbtc_range r;
	assert_int_equal(sbtc_range_parse("-0:-0", SBTC_UNIT_NONE, &r, NULL, 0), 0);
	assert_false(signbit(r.start));
	assert_false(signbit(r.end));
}

/* ---- rejection: every class Perl refuses, with the message ------------------------- */

struct reject_case {
	const char *text;
	sbtc_unit unit;
	const char *message; /* the whole message */
};

static const struct reject_case reject_cases[] = {
	{"", SBTC_UNIT_NONE, "invalid range '': empty"},
	{" \t ", SBTC_UNIT_NONE, "invalid range '   ': empty"},
	{"abc", SBTC_UNIT_NONE, "invalid range 'abc': expected [@][start:][end] with numbers"},
	{"@", SBTC_UNIT_NONE, "invalid range '@': expected [@][start:][end] with numbers"},
	{":", SBTC_UNIT_NONE, "invalid range ':': expected [@][start:][end] with numbers"},
	{"@:", SBTC_UNIT_NONE, "invalid range '@:': expected [@][start:][end] with numbers"},
	{"e", SBTC_UNIT_NONE, "invalid range 'e': expected [@][start:][end] with numbers"},
	{"~", SBTC_UNIT_NONE, "invalid range '~': '~' must be followed by ':'"},
	{"@~", SBTC_UNIT_NONE, "invalid range '@~': '~' must be followed by ':'"},
	{"~10", SBTC_UNIT_NONE, "invalid range '~10': '~' must be followed by ':'"},
	{"10~", SBTC_UNIT_NONE,
	 "invalid range '10~': '~' is only allowed at the start (after an optional '@')"},
	{"~:~", SBTC_UNIT_NONE,
	 "invalid range '~:~': '~' is only allowed at the start (after an optional '@')"},
	{"10:~", SBTC_UNIT_NONE,
	 "invalid range '10:~': '~' is only allowed at the start (after an optional '@')"},
	{"10@", SBTC_UNIT_NONE, "invalid range '10@': '@' is only allowed at the start"},
	{"@@10", SBTC_UNIT_NONE, "invalid range '@@10': '@' is only allowed at the start"},
	{"1:2:3", SBTC_UNIT_NONE, "invalid range '1:2:3': more than one ':'"},
	{"::10", SBTC_UNIT_NONE, "invalid range '::10': more than one ':'"},
	{"10:5", SBTC_UNIT_NONE, "invalid range '10:5': start 10 is greater than end 5"},
	{"@20:10", SBTC_UNIT_NONE, "invalid range '@20:10': start 20 is greater than end 10"},
	{"-5", SBTC_UNIT_NONE, "invalid range '-5': start 0 (implied) is greater than end -5"},
	{":-5", SBTC_UNIT_NONE, "invalid range ':-5': start 0 (implied) is greater than end -5"},
	{"1e3:999", SBTC_UNIT_NONE, "invalid range '1e3:999': start 1e3 is greater than end 999"},
	{"-1e-3:-1e-2", SBTC_UNIT_NONE,
	 "invalid range '-1e-3:-1e-2': start -1e-3 is greater than end -1e-2"},
	/* Perl reads these as Inf; a threshold nobody can cross is refused. */
	{"1e400", SBTC_UNIT_NONE, "invalid range '1e400': 1e400 is not a finite number"},
	{"1e400:5", SBTC_UNIT_NONE, "invalid range '1e400:5': 1e400 is not a finite number"},
	{"-1e400:", SBTC_UNIT_NONE, "invalid range '-1e400:': -1e400 is not a finite number"},
	{"~:1e400", SBTC_UNIT_NONE, "invalid range '~:1e400': 1e400 is not a finite number"},
	{"@1e400:1e400", SBTC_UNIT_NONE, "invalid range '@1e400:1e400': 1e400 is not a finite number"},
	{"1e99999999999999999999", SBTC_UNIT_NONE,
	 "invalid range '1e99999999999999999999': 1e99999999999999999999 is not a finite number"},
	{"1e400s", SBTC_UNIT_DURATION, "invalid range '1e400s': 1e400s is not a finite number"},
	{"1e306TB", SBTC_UNIT_SIZE, "invalid range '1e306TB': 1e306TB is not a finite number"},
	{"1.7976931348623159e308", SBTC_UNIT_NONE,
	 "invalid range '1.7976931348623159e308': 1.7976931348623159e308 is not a finite number"},
	{"1e", SBTC_UNIT_NONE, "invalid range '1e': '1e' is not a number"},
	{"1e:5", SBTC_UNIT_NONE, "invalid range '1e:5': '1e' is not a number"},
	{"5:1e-", SBTC_UNIT_NONE, "invalid range '5:1e-': '1e-' is not a number"},
	{"e5", SBTC_UNIT_NONE, "invalid range 'e5': 'e5' is not a number"},
	{"1-2", SBTC_UNIT_NONE, "invalid range '1-2': '1-2' is not a number"},
	{"+-5", SBTC_UNIT_NONE, "invalid range '+-5': '+-5' is not a number"},
	{"--5", SBTC_UNIT_NONE, "invalid range '--5': '--5' is not a number"},
	{"1e5e5", SBTC_UNIT_NONE, "invalid range '1e5e5': '1e5e5' is not a number"},
	{"a10", SBTC_UNIT_NONE, "invalid range 'a10': 'a10' is not a number"},
	{"-inf:", SBTC_UNIT_NONE, "invalid range '-inf:': expected [@][start:][end] with numbers"},
	{"-.:.", SBTC_UNIT_NONE, "invalid range '-.:.': expected [@][start:][end] with numbers"},
	{"inf:1", SBTC_UNIT_NONE, "invalid range 'inf:1': 'inf' is not a number"},
	{"10a", SBTC_UNIT_NONE, "invalid range '10a': unexpected 'a' after 10 (plain numbers only)"},
	{"1E5", SBTC_UNIT_NONE, "invalid range '1E5': unexpected 'E5' after 1 (plain numbers only)"},
	{"0x10", SBTC_UNIT_NONE,
	 "invalid range '0x10': unexpected 'x10' after 0 (plain numbers only)"},
	{"1,5", SBTC_UNIT_NONE, "invalid range '1,5': unexpected ',5' after 1 (plain numbers only)"},
	{"10s", SBTC_UNIT_NONE, "invalid range '10s': unexpected 's' after 10 (plain numbers only)"},
	{"1h:2d", SBTC_UNIT_NONE,
	 "invalid range '1h:2d': unexpected 'h' after 1 (plain numbers only)"},
	/* Perl's \s on bytes is ASCII only: a no-break space is not whitespace. */
	{"10\xa0", SBTC_UNIT_NONE,
	 "invalid range '10?': unexpected '?' after 10 (plain numbers only)"},
	{"1|2", SBTC_UNIT_NONE, "invalid range '1?2': unexpected '?2' after 1 (plain numbers only)"},
	/* Perl compares integers beyond 2^53 exactly, although they round to one double. */
	{"9007199254740993:9007199254740992", SBTC_UNIT_NONE,
	 "invalid range '9007199254740993:9007199254740992': start 9007199254740993 is greater "
	 "than end 9007199254740992"},
	/* Units. */
	{"5x", SBTC_UNIT_DURATION, "invalid range '5x': unknown unit 'x' (use s, m, h, d or w)"},
	{"10S", SBTC_UNIT_DURATION, "invalid range '10S': unknown unit 'S' (use s, m, h, d or w)"},
	{"26hours", SBTC_UNIT_DURATION,
	 "invalid range '26hours': unknown unit 'hours' (use s, m, h, d or w)"},
	{"1h:2x", SBTC_UNIT_DURATION,
	 "invalid range '1h:2x': unknown unit 'x' (use s, m, h, d or w)"},
	{"5kB", SBTC_UNIT_DURATION,
	 "invalid range '5kB': unknown unit 'kB' (use s, m, h, d or w)"},
	{"h", SBTC_UNIT_DURATION, "invalid range 'h': expected [@][start:][end] with numbers"},
	{"1:h", SBTC_UNIT_DURATION, "invalid range '1:h': 'h' is not a number"},
	{"@10m:5m", SBTC_UNIT_DURATION,
	 "invalid range '@10m:5m': start 10m is greater than end 5m"},
	{"2d:1h", SBTC_UNIT_DURATION, "invalid range '2d:1h': start 2d is greater than end 1h"},
	{"1h:3599", SBTC_UNIT_DURATION,
	 "invalid range '1h:3599': start 1h is greater than end 3599"},
	{"-1h", SBTC_UNIT_DURATION,
	 "invalid range '-1h': start 0 (implied) is greater than end -1h"},
	{"5kb", SBTC_UNIT_SIZE,
	 "invalid range '5kb': unknown unit 'kb' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"},
	{"5KIB", SBTC_UNIT_SIZE,
	 "invalid range '5KIB': unknown unit 'KIB' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"},
	{"5mb", SBTC_UNIT_SIZE,
	 "invalid range '5mb': unknown unit 'mb' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"},
	{"5s", SBTC_UNIT_SIZE,
	 "invalid range '5s': unknown unit 's' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"},
	{"1MiB:1MB", SBTC_UNIT_SIZE, "invalid range '1MiB:1MB': start 1MiB is greater than end 1MB"},
};

static void test_reject_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(reject_cases); i++) {
		const struct reject_case *c = &reject_cases[i];
		sbtc_range r = {.set = true, .inside = true};
		char err[256] = "";
		if (sbtc_range_parse(c->text, c->unit, &r, err, sizeof err) != -1)
			fail_msg("'%s' (unit %d) accepted", c->text, (int)c->unit);
		assert_string_equal(err, c->message);
		assert_false(r.set); /* a refused range never alerts */
		assert_false(sbtc_range_alert(&r, 1e9));
	}
}

/* A newline is whitespace too; the cross-check cannot carry it through its lines. */
static void test_newline_is_whitespace(void **state)
{
	(void)state;
	sbtc_range r;
	assert_int_equal(sbtc_range_parse("10\n:\n20\n", SBTC_UNIT_NONE, &r, NULL, 0), 0);
	assert_same_double(r.start, 10, "start");
	assert_same_double(r.end, 20, "end");
}

/* ---- evaluation --------------------------------------------------------------------- */

struct alert_case {
	const char *text;
	sbtc_unit unit;
	double value;
	bool alert;
};

#define JUST_ABOVE(x) nextafter((x), INF)
#define JUST_BELOW(x) nextafter((x), -INF)

static void test_alert_table(void **state)
{
	(void)state;
	/* nextafter() is not a constant expression, so the table is built here. */
	const struct alert_case cases[] = {
		/* "10": alert if < 0 or > 10 */
		{"10", SBTC_UNIT_NONE, -1, true},
		{"10", SBTC_UNIT_NONE, JUST_BELOW(0.0), true},
		{"10", SBTC_UNIT_NONE, 0, false},
		{"10", SBTC_UNIT_NONE, 5, false},
		{"10", SBTC_UNIT_NONE, 10, false},
		{"10", SBTC_UNIT_NONE, JUST_ABOVE(10.0), true},
		{"10", SBTC_UNIT_NONE, 11, true},
		{"10", SBTC_UNIT_NONE, INF, true},
		{"10", SBTC_UNIT_NONE, -INF, true},
		/* "10:": alert if < 10 */
		{"10:", SBTC_UNIT_NONE, JUST_BELOW(10.0), true},
		{"10:", SBTC_UNIT_NONE, 10, false},
		{"10:", SBTC_UNIT_NONE, 1e300, false},
		{"10:", SBTC_UNIT_NONE, INF, false},
		{"10:", SBTC_UNIT_NONE, -INF, true},
		{"10:", SBTC_UNIT_NONE, 0, true},
		/* "~:10": alert if > 10 */
		{"~:10", SBTC_UNIT_NONE, 10, false},
		{"~:10", SBTC_UNIT_NONE, JUST_ABOVE(10.0), true},
		{"~:10", SBTC_UNIT_NONE, -1e300, false},
		{"~:10", SBTC_UNIT_NONE, -INF, false},
		{"~:10", SBTC_UNIT_NONE, INF, true},
		/* "10:20": alert if < 10 or > 20 */
		{"10:20", SBTC_UNIT_NONE, JUST_BELOW(10.0), true},
		{"10:20", SBTC_UNIT_NONE, 10, false},
		{"10:20", SBTC_UNIT_NONE, 15, false},
		{"10:20", SBTC_UNIT_NONE, 20, false},
		{"10:20", SBTC_UNIT_NONE, JUST_ABOVE(20.0), true},
		{"10:20", SBTC_UNIT_NONE, 0, true},
		/* "@10:20": alert if >= 10 and <= 20 */
		{"@10:20", SBTC_UNIT_NONE, JUST_BELOW(10.0), false},
		{"@10:20", SBTC_UNIT_NONE, 10, true},
		{"@10:20", SBTC_UNIT_NONE, 15, true},
		{"@10:20", SBTC_UNIT_NONE, 20, true},
		{"@10:20", SBTC_UNIT_NONE, JUST_ABOVE(20.0), false},
		/* Inverted open ranges. */
		{"@10:", SBTC_UNIT_NONE, 10, true},
		{"@10:", SBTC_UNIT_NONE, JUST_BELOW(10.0), false},
		{"@~:10", SBTC_UNIT_NONE, 10, true},
		{"@~:10", SBTC_UNIT_NONE, JUST_ABOVE(10.0), false},
		{"@10", SBTC_UNIT_NONE, 0, true},
		{"@10", SBTC_UNIT_NONE, -1, false},
		/* "~:" never alerts; "@~:" always does (Perl's check_range). */
		{"~:", SBTC_UNIT_NONE, 0, false},
		{"~:", SBTC_UNIT_NONE, -INF, false},
		{"~:", SBTC_UNIT_NONE, INF, false},
		{"@~:", SBTC_UNIT_NONE, 0, true},
		{"@~:", SBTC_UNIT_NONE, INF, true},
		/* Negative ranges. */
		{"-10:-5", SBTC_UNIT_NONE, -10, false},
		{"-10:-5", SBTC_UNIT_NONE, -5, false},
		{"-10:-5", SBTC_UNIT_NONE, JUST_BELOW(-10.0), true},
		{"-10:-5", SBTC_UNIT_NONE, JUST_ABOVE(-5.0), true},
		{"-10:-5", SBTC_UNIT_NONE, 0, true},
		{"~:-5", SBTC_UNIT_NONE, -5, false},
		{"~:-5", SBTC_UNIT_NONE, -4, true},
		{"@-10:10", SBTC_UNIT_NONE, 0, true},
		{"@-10:10", SBTC_UNIT_NONE, -11, false},
		{"0:0", SBTC_UNIT_NONE, 0, false},
		{"0:0", SBTC_UNIT_NONE, 4.9e-324, true},
		{"@0:0", SBTC_UNIT_NONE, 0, true},
		/* A NaN measurement alerts under any set range. */
		{"10", SBTC_UNIT_NONE, NAN, true},
		{"@10:20", SBTC_UNIT_NONE, NAN, true},
		{"~:", SBTC_UNIT_NONE, NAN, true},
		{"10:", SBTC_UNIT_NONE, NAN, true},
		/* Durations and sizes. */
		{"26h", SBTC_UNIT_DURATION, 93600, false},
		{"26h", SBTC_UNIT_DURATION, 93601, true},
		{"1h:2d", SBTC_UNIT_DURATION, 3599, true},
		{"1h:2d", SBTC_UNIT_DURATION, 3600, false},
		{"1h:2d", SBTC_UNIT_DURATION, 172800, false},
		{"1h:2d", SBTC_UNIT_DURATION, 172801, true},
		{"@10m:20m", SBTC_UNIT_DURATION, 599, false},
		{"@10m:20m", SBTC_UNIT_DURATION, 600, true},
		{"@10m:20m", SBTC_UNIT_DURATION, 1200, true},
		{"@10m:20m", SBTC_UNIT_DURATION, 1201, false},
		{"10MB:", SBTC_UNIT_SIZE, 9999999, true},
		{"10MB:", SBTC_UNIT_SIZE, 10000000, false},
		{"1GiB", SBTC_UNIT_SIZE, 1073741824.0, false},
		{"1GiB", SBTC_UNIT_SIZE, 1073741825.0, true},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_range r;
		char err[256];
		if (sbtc_range_parse(cases[i].text, cases[i].unit, &r, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", cases[i].text, err);
		if (sbtc_range_alert(&r, cases[i].value) != cases[i].alert)
			fail_msg("'%s' with %.17g: expected %s", cases[i].text, cases[i].value,
			         cases[i].alert ? "an alert" : "no alert");
	}
}

static void test_unset_never_alerts(void **state)
{
	(void)state;
	const sbtc_range unset = {.set = false, .inside = true, .start = 0, .end = 0};
	const double values[] = {0, -1, 1e300, INF, -INF, NAN};
	for (size_t i = 0; i < N_ELEMS(values); i++)
		assert_false(sbtc_range_alert(&unset, values[i]));
	assert_false(sbtc_range_alert(NULL, 1));
}

/* ---- thresholds: critical first ----------------------------------------------------- */

struct threshold_case {
	const char *warning;  /* NULL: not given */
	const char *critical; /* NULL: not given */
	double value;
	sbtc_state state;
};

static const struct threshold_case threshold_cases[] = {
	{"10", "20", 5, SBTC_OK},
	{"10", "20", 15, SBTC_WARNING},
	{"10", "20", 25, SBTC_CRITICAL},
	{"10", "20", -1, SBTC_CRITICAL},        /* both alert: critical wins */
	{"@0:100", "50", 60, SBTC_CRITICAL},    /* both alert: critical wins */
	{"@0:100", "50", 40, SBTC_WARNING},
	{NULL, "5", 6, SBTC_CRITICAL},
	{NULL, "5", 5, SBTC_OK},
	{"5", NULL, 6, SBTC_WARNING},
	{NULL, NULL, 1e300, SBTC_OK},
	{"~:", "@~:", 0, SBTC_CRITICAL},
	{"10:", "5:", 7, SBTC_WARNING},
	{"10:", "5:", 4, SBTC_CRITICAL},
	{"10", "20", NAN, SBTC_CRITICAL},
};

static void test_thresholds_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(threshold_cases); i++) {
		const struct threshold_case *c = &threshold_cases[i];
		sbtc_thresholds t = {{.set = false}, {.set = false}};
		if (c->warning != NULL)
			assert_int_equal(sbtc_range_parse(c->warning, SBTC_UNIT_NONE, &t.warning, NULL, 0), 0);
		if (c->critical != NULL)
			assert_int_equal(sbtc_range_parse(c->critical, SBTC_UNIT_NONE, &t.critical, NULL, 0),
			                 0);
		sbtc_state got = sbtc_thresholds_eval(&t, c->value);
		if (got != c->state)
			fail_msg("warning %s critical %s value %g: state %d, want %d",
			         c->warning ? c->warning : "(none)", c->critical ? c->critical : "(none)",
			         c->value, (int)got, (int)c->state);
	}
	assert_int_equal(sbtc_thresholds_eval(NULL, 1), SBTC_OK);
}

/* ---- perfdata limits ---------------------------------------------------------------- */

struct perf_case {
	const char *text;
	sbtc_unit unit;
	bool printable;
	double value;
};

static const struct perf_case perf_cases[] = {
	{"10", SBTC_UNIT_NONE, true, 10},
	{"0:10", SBTC_UNIT_NONE, true, 10}, /* the same range as "10" */
	{"10:", SBTC_UNIT_NONE, true, 10},
	{"~:10", SBTC_UNIT_NONE, true, 10},
	{"~:-5", SBTC_UNIT_NONE, true, -5},
	{"-5:", SBTC_UNIT_NONE, true, -5},
	{"0", SBTC_UNIT_NONE, true, 0},
	{"0:", SBTC_UNIT_NONE, true, 0},
	{"2.5e-1", SBTC_UNIT_NONE, true, 0.25},
	{"26h", SBTC_UNIT_DURATION, true, 93600},
	{"10MB:", SBTC_UNIT_SIZE, true, 1e7},
	{"10:20", SBTC_UNIT_NONE, false, 0},
	{"-10:-5", SBTC_UNIT_NONE, false, 0},
	{"@10:20", SBTC_UNIT_NONE, false, 0},
	{"@10", SBTC_UNIT_NONE, false, 0},
	{"@10:", SBTC_UNIT_NONE, false, 0},
	{"@~:10", SBTC_UNIT_NONE, false, 0},
	{"~:", SBTC_UNIT_NONE, false, 0},
};

static void test_perf_value_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(perf_cases); i++) {
		const struct perf_case *c = &perf_cases[i];
		sbtc_range r;
		assert_int_equal(sbtc_range_parse(c->text, c->unit, &r, NULL, 0), 0);
		double v = -12345;
		bool printable = sbtc_range_perf_value(&r, &v);
		if (printable != c->printable)
			fail_msg("'%s': printable %d", c->text, printable);
		assert_same_double(v, c->printable ? c->value : -12345, c->text);
	}
	const sbtc_range unset = {.set = false};
	double v = 1;
	assert_false(sbtc_range_perf_value(&unset, &v));
	assert_false(sbtc_range_perf_value(NULL, &v));
	assert_same_double(v, 1, "untouched");
}

/* ---- quantities --------------------------------------------------------------------- */

struct quantity_good {
	const char *text;
	sbtc_unit unit;
	double value;
};

static const struct quantity_good quantity_good[] = {
	{"3600", SBTC_UNIT_NONE, 3600},
	{"0", SBTC_UNIT_NONE, 0},
	{"+3", SBTC_UNIT_NONE, 3},
	{"1.5", SBTC_UNIT_NONE, 1.5},
	{".5", SBTC_UNIT_NONE, 0.5},
	{"5.", SBTC_UNIT_NONE, 5},
	{"1e3", SBTC_UNIT_NONE, 1000},
	{"2.5E-1", SBTC_UNIT_NONE, 0.25},
	{" 42 ", SBTC_UNIT_NONE, 42},
	{"90s", SBTC_UNIT_DURATION, 90},
	{"90", SBTC_UNIT_DURATION, 90},
	{"6h", SBTC_UNIT_DURATION, 21600},
	{"26h", SBTC_UNIT_DURATION, 93600},
	{"2d", SBTC_UNIT_DURATION, 172800},
	{"1w", SBTC_UNIT_DURATION, 604800},
	{"15m", SBTC_UNIT_DURATION, 900},
	{".5h", SBTC_UNIT_DURATION, 1800},
	{"1.1h", SBTC_UNIT_DURATION, 3960},
	{"6 h", SBTC_UNIT_DURATION, 21600},
	{"\t6h\n", SBTC_UNIT_DURATION, 21600},
	{"1e2s", SBTC_UNIT_DURATION, 100},
	{"10MB", SBTC_UNIT_SIZE, 1e7},
	{"10", SBTC_UNIT_SIZE, 10},
	{"512B", SBTC_UNIT_SIZE, 512},
	{"1kB", SBTC_UNIT_SIZE, 1000},
	{"1KB", SBTC_UNIT_SIZE, 1000},
	{"2GB", SBTC_UNIT_SIZE, 2e9},
	{"3TB", SBTC_UNIT_SIZE, 3e12},
	{"1KiB", SBTC_UNIT_SIZE, 1024},
	{"1MiB", SBTC_UNIT_SIZE, 1048576},
	{"1.5GiB", SBTC_UNIT_SIZE, 1610612736.0},
	{"2TiB", SBTC_UNIT_SIZE, 2199023255552.0},
	{"1.5 GiB", SBTC_UNIT_SIZE, 1610612736.0},
	{"1e-400", SBTC_UNIT_NONE, 0}, /* underflow is a tiny value, not an error */
};

static void test_quantity_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(quantity_good); i++) {
		const struct quantity_good *c = &quantity_good[i];
		double v = -1;
		char err[256] = "x";
		if (sbtc_quantity_parse(c->text, c->unit, &v, err, sizeof err) != 0)
			fail_msg("'%s' (unit %d) refused: %s", c->text, (int)c->unit, err);
		assert_string_equal(err, "");
		assert_same_double(v, c->value, c->text);
	}
}

struct quantity_bad {
	const char *text;
	sbtc_unit unit;
	const char *message;
};

static const struct quantity_bad quantity_bad[] = {
	{"5x", SBTC_UNIT_DURATION, "invalid duration '5x': unknown unit 'x' (use s, m, h, d or w)"},
	{"5S", SBTC_UNIT_DURATION, "invalid duration '5S': unknown unit 'S' (use s, m, h, d or w)"},
	{"5 hours", SBTC_UNIT_DURATION,
	 "invalid duration '5 hours': unknown unit 'hours' (use s, m, h, d or w)"},
	{"10MB", SBTC_UNIT_DURATION,
	 "invalid duration '10MB': unknown unit 'MB' (use s, m, h, d or w)"},
	{"-5s", SBTC_UNIT_DURATION, "invalid duration '-5s': must not be negative"},
	{"-0", SBTC_UNIT_DURATION, "invalid duration '-0': must not be negative"},
	{"", SBTC_UNIT_DURATION, "invalid duration '': empty"},
	{"  ", SBTC_UNIT_DURATION, "invalid duration '  ': empty"},
	{"h", SBTC_UNIT_DURATION,
	 "invalid duration 'h': expected a number with an optional unit (use s, m, h, d or w)"},
	{"inf", SBTC_UNIT_DURATION,
	 "invalid duration 'inf': expected a number with an optional unit (use s, m, h, d or w)"},
	{"nan", SBTC_UNIT_DURATION,
	 "invalid duration 'nan': expected a number with an optional unit (use s, m, h, d or w)"},
	{"1e400", SBTC_UNIT_DURATION, "invalid duration '1e400': too large"},
	{"1e308w", SBTC_UNIT_DURATION, "invalid duration '1e308w': too large"},
	{"5s:", SBTC_UNIT_DURATION, "invalid duration '5s:': unexpected ':' at the end"},
	{"5s 3", SBTC_UNIT_DURATION, "invalid duration '5s 3': unexpected '3' at the end"},
	{"1.2.3", SBTC_UNIT_DURATION, "invalid duration '1.2.3': unexpected '.3' at the end"},
	{"5e", SBTC_UNIT_DURATION, "invalid duration '5e': unknown unit 'e' (use s, m, h, d or w)"},
	{"0x10", SBTC_UNIT_DURATION,
	 "invalid duration '0x10': unknown unit 'x' (use s, m, h, d or w)"},
	{"10kb", SBTC_UNIT_SIZE,
	 "invalid size '10kb': unknown unit 'kb' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"},
	{"10 MB junk", SBTC_UNIT_SIZE, "invalid size '10 MB junk': unexpected 'junk' at the end"},
	{"5h", SBTC_UNIT_SIZE,
	 "invalid size '5h': unknown unit 'h' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"},
	{"-1KiB", SBTC_UNIT_SIZE, "invalid size '-1KiB': must not be negative"},
	{"6h", SBTC_UNIT_NONE, "invalid number '6h': unexpected 'h' (no unit is allowed here)"},
	{"abc", SBTC_UNIT_NONE, "invalid number 'abc': expected a number"},
	{"1e400", SBTC_UNIT_NONE, "invalid number '1e400': too large"},
	{"1,5", SBTC_UNIT_NONE, "invalid number '1,5': unexpected ',5' at the end"},
	/* Control characters and '|' never reach a message raw. */
	{"5\n|x", SBTC_UNIT_NONE, "invalid number '5 ?x': unexpected '?x' at the end"},
};

static void test_quantity_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(quantity_bad); i++) {
		const struct quantity_bad *c = &quantity_bad[i];
		double v = -7;
		char err[256] = "";
		if (sbtc_quantity_parse(c->text, c->unit, &v, err, sizeof err) != -1)
			fail_msg("'%s' (unit %d) accepted", c->text, (int)c->unit);
		assert_string_equal(err, c->message);
		assert_same_double(v, -7, "untouched on error");
	}
}

/* ---- the error buffer --------------------------------------------------------------- */

static void test_error_buffer(void **state)
{
	(void)state;
	sbtc_range r;
	/* err NULL and errlen 0 are allowed. */
	assert_int_equal(sbtc_range_parse("10:5", SBTC_UNIT_NONE, &r, NULL, 0), -1);
	char canary[4] = "abc";
	assert_int_equal(sbtc_range_parse("10:5", SBTC_UNIT_NONE, &r, canary, 0), -1);
	assert_string_equal(canary, "abc");
	double q;
	assert_int_equal(sbtc_quantity_parse("5x", SBTC_UNIT_DURATION, &q, NULL, 0), -1);

	/* Short buffers get a cut message, always terminated, never overrun. */
	const char *full = "invalid range '10:5': start 10 is greater than end 5";
	for (size_t len = 1; len < 64; len++) {
		char buf[80];
		memset(buf, 'Z', sizeof buf);
		assert_int_equal(sbtc_range_parse("10:5", SBTC_UNIT_NONE, &r, buf, len), -1);
		size_t want = len - 1 < strlen(full) ? len - 1 : strlen(full);
		assert_int_equal(strlen(buf), want);
		assert_memory_equal(buf, full, want);
		assert_int_equal(buf[len], 'Z');
		memset(buf, 'Z', sizeof buf);
		assert_int_equal(sbtc_quantity_parse("5x", SBTC_UNIT_DURATION, &q, buf, len), -1);
		assert_true(memchr(buf, '\0', len) != NULL);
		assert_int_equal(buf[len], 'Z');
	}

	/* Success clears err. */
	char err[64] = "stale";
	assert_int_equal(sbtc_range_parse("10", SBTC_UNIT_NONE, &r, err, sizeof err), 0);
	assert_string_equal(err, "");

	/* Long text is cut in the message; control characters do not reach it. */
	char longtext[300];
	memset(longtext, '9', sizeof longtext - 2);
	longtext[sizeof longtext - 2] = 'x';
	longtext[sizeof longtext - 1] = '\0';
	char msg[512];
	assert_int_equal(sbtc_range_parse(longtext, SBTC_UNIT_NONE, &r, msg, sizeof msg), -1);
	assert_true(strlen(msg) < 200);
	assert_non_null(strstr(msg, "...'"));
	assert_int_equal(sbtc_range_parse("1\x01\x7f" "2", SBTC_UNIT_NONE, &r, msg, sizeof msg), -1);
	assert_string_equal(msg, "invalid range '1??2': unexpected '\?\?2' after 1 (plain numbers only)");

	/* NULL text or result. */
	assert_int_equal(sbtc_range_parse(NULL, SBTC_UNIT_NONE, &r, msg, sizeof msg), -1);
	assert_string_equal(msg, "invalid range '': empty");
	assert_int_equal(sbtc_range_parse("10", SBTC_UNIT_NONE, NULL, msg, sizeof msg), -1);
	assert_int_equal(sbtc_quantity_parse(NULL, SBTC_UNIT_SIZE, &q, msg, sizeof msg), -1);
	assert_string_equal(msg, "invalid size '': empty");
	assert_int_equal(sbtc_quantity_parse("1", SBTC_UNIT_SIZE, NULL, msg, sizeof msg), -1);
}

/* Numbers are read with '.' even when the program runs in a locale that writes 1,5.
 * Uses the private de_DE locale the test suite builds (SBTC_TEST_LOCPATH). */
static void test_locale_independent(void **state)
{
	(void)state;
	const char *locpath = getenv("SBTC_TEST_LOCPATH");
	if (locpath != NULL && setenv("LOCPATH", locpath, 1) != 0)
		fail_msg("setenv LOCPATH failed");
	/* make check builds the locale; without it this test fails rather than pass unrun. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL)
		fail_msg("locale de_DE.UTF-8 not available (SBTC_TEST_LOCPATH=%s)", locpath ? locpath : "unset");
	sbtc_range r;
	char err[256];
	int rc = sbtc_range_parse("1.5:2.5e1", SBTC_UNIT_NONE, &r, err, sizeof err);
	double q = 0;
	int qrc = sbtc_quantity_parse("1.5h", SBTC_UNIT_DURATION, &q, err, sizeof err);
	int qrc2 = sbtc_quantity_parse("0.5", SBTC_UNIT_NONE, &q, err, sizeof err);
	if (setlocale(LC_NUMERIC, "C") == NULL)
		fail_msg("cannot return to the C locale");
	assert_int_equal(rc, 0);
	assert_same_double(r.start, 1.5, "start");
	assert_same_double(r.end, 25, "end");
	assert_int_equal(qrc, 0);
	assert_int_equal(qrc2, 0);
	assert_same_double(q, 0.5, "quantity");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_negative_zero),
		cmocka_unit_test(test_reject_table),
		cmocka_unit_test(test_newline_is_whitespace),
		cmocka_unit_test(test_alert_table),
		cmocka_unit_test(test_unset_never_alerts),
		cmocka_unit_test(test_thresholds_table),
		cmocka_unit_test(test_perf_value_table),
		cmocka_unit_test(test_quantity_good),
		cmocka_unit_test(test_quantity_bad),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_locale_independent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
