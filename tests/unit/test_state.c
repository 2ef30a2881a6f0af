/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/state.c: names, parsing, and the severity order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "state.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_names(void **unused)
{
	static const struct {
		sbtc_state s;
		const char *name;
	} cases[] = {
		{SBTC_OK, "OK"},
		{SBTC_WARNING, "WARNING"},
		{SBTC_CRITICAL, "CRITICAL"},
		{SBTC_UNKNOWN, "UNKNOWN"},
		{(sbtc_state)7, "UNKNOWN"},
		{(sbtc_state)-1, "UNKNOWN"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_string_equal(sbtc_state_name(cases[i].s), cases[i].name);
	/* The numbers are the exit codes of the plugin contract. */
	assert_int_equal(SBTC_OK, 0);
	assert_int_equal(SBTC_WARNING, 1);
	assert_int_equal(SBTC_CRITICAL, 2);
	assert_int_equal(SBTC_UNKNOWN, 3);
}

static void test_parse(void **unused)
{
	static const struct {
		const char *text;
		int expect;
	} cases[] = {
		{"OK", SBTC_OK},
		{"ok", SBTC_OK},
		{"Ok", SBTC_OK},
		{"WARNING", SBTC_WARNING},
		{"warning", SBTC_WARNING},
		{"WaRnInG", SBTC_WARNING},
		{"CRITICAL", SBTC_CRITICAL},
		{"critical", SBTC_CRITICAL},
		{"UNKNOWN", SBTC_UNKNOWN},
		{"unknown", SBTC_UNKNOWN},
		{"0", SBTC_OK},
		{"1", SBTC_WARNING},
		{"2", SBTC_CRITICAL},
		{"3", SBTC_UNKNOWN},
		/* junk */
		{"4", -1},
		{"9", -1},
		{"-1", -1},
		{"00", -1},
		{"01", -1},
		{"1 ", -1},
		{" 1", -1},
		{"1.0", -1},
		{"", -1},
		{"crit", -1},
		{"warn", -1},
		{"CRITICALX", -1},
		{" OK", -1},
		{"OK ", -1},
		{"OKAY", -1},
		{"x", -1},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int got = sbtc_state_parse(cases[i].text);
		if (got != cases[i].expect)
			fail_msg("sbtc_state_parse(\"%s\") = %d, expected %d", cases[i].text, got,
				 cases[i].expect);
	}
	assert_int_equal(sbtc_state_parse(NULL), -1);
}

static void test_rank(void **unused)
{
	(void)unused;
	assert_int_equal(sbtc_state_rank(SBTC_OK), 0);
	assert_int_equal(sbtc_state_rank(SBTC_UNKNOWN), 1);
	assert_int_equal(sbtc_state_rank(SBTC_WARNING), 2);
	assert_int_equal(sbtc_state_rank(SBTC_CRITICAL), 3);
	assert_true(sbtc_state_rank(SBTC_CRITICAL) > sbtc_state_rank(SBTC_WARNING));
	assert_true(sbtc_state_rank(SBTC_WARNING) > sbtc_state_rank(SBTC_UNKNOWN));
	assert_true(sbtc_state_rank(SBTC_UNKNOWN) > sbtc_state_rank(SBTC_OK));
}

static void test_worst(void **unused)
{
	static const struct {
		sbtc_state a, b, worst;
	} cases[] = {
		{SBTC_OK, SBTC_OK, SBTC_OK},
		{SBTC_OK, SBTC_UNKNOWN, SBTC_UNKNOWN},
		{SBTC_UNKNOWN, SBTC_OK, SBTC_UNKNOWN},
		{SBTC_OK, SBTC_WARNING, SBTC_WARNING},
		{SBTC_WARNING, SBTC_OK, SBTC_WARNING},
		{SBTC_OK, SBTC_CRITICAL, SBTC_CRITICAL},
		{SBTC_CRITICAL, SBTC_OK, SBTC_CRITICAL},
		/* a problem is never hidden behind UNKNOWN */
		{SBTC_UNKNOWN, SBTC_WARNING, SBTC_WARNING},
		{SBTC_WARNING, SBTC_UNKNOWN, SBTC_WARNING},
		{SBTC_UNKNOWN, SBTC_CRITICAL, SBTC_CRITICAL},
		{SBTC_CRITICAL, SBTC_UNKNOWN, SBTC_CRITICAL},
		{SBTC_WARNING, SBTC_CRITICAL, SBTC_CRITICAL},
		{SBTC_CRITICAL, SBTC_WARNING, SBTC_CRITICAL},
		{SBTC_WARNING, SBTC_WARNING, SBTC_WARNING},
		{SBTC_CRITICAL, SBTC_CRITICAL, SBTC_CRITICAL},
		{SBTC_UNKNOWN, SBTC_UNKNOWN, SBTC_UNKNOWN},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_state got = sbtc_state_worst(cases[i].a, cases[i].b);
		if (got != cases[i].worst)
			fail_msg("worst(%s, %s) = %s, expected %s", sbtc_state_name(cases[i].a),
				 sbtc_state_name(cases[i].b), sbtc_state_name(got),
				 sbtc_state_name(cases[i].worst));
	}
}

static void test_worst_fold(void **unused)
{
	/* Folding a list gives the same answer whatever the order. */
	static const sbtc_state lists[][4] = {
		{SBTC_OK, SBTC_UNKNOWN, SBTC_WARNING, SBTC_CRITICAL},
		{SBTC_CRITICAL, SBTC_WARNING, SBTC_UNKNOWN, SBTC_OK},
		{SBTC_UNKNOWN, SBTC_CRITICAL, SBTC_OK, SBTC_WARNING},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(lists); i++) {
		sbtc_state s = SBTC_OK;
		for (size_t j = 0; j < 4; j++)
			s = sbtc_state_worst(s, lists[i][j]);
		assert_int_equal(s, SBTC_CRITICAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_worst),
		cmocka_unit_test(test_worst_fold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
