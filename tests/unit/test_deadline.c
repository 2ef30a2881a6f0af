/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The deadline: what is left of it, and the SIGALRM backstop that ends a run stuck in a
 * call nothing else can bound, in the plugin's format and with the -t state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "deadline.h"
#include "output.h"

static void sleep_long(void)
{
	/* Stuck: several times longer than any deadline below. */
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static void child_stuck_text(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_MULTI_LINE);
	sbtc_deadline_start(0.5, SBTC_CRITICAL);
	sbtc_deadline_activity("waiting for http://127.0.0.1:1 | with\na newline");
	sleep_long();
	exit(0);
}

static void child_stuck_json(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_JSON);
	sbtc_deadline_start(0.5, SBTC_UNKNOWN);
	sbtc_deadline_activity("connecting to \"the\" database");
	sleep_long();
	exit(0);
}

static void child_stuck_no_activity(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_MULTI_LINE);
	sbtc_deadline_start(1, SBTC_WARNING);
	sbtc_deadline_activity("something");
	sbtc_deadline_activity(NULL);
	sleep_long();
	exit(0);
}

static void child_stuck_fraction(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_MULTI_LINE);
	sbtc_deadline_start(0.25, SBTC_UNKNOWN);
	sleep_long();
	exit(0);
}

/* -t as given, not rounded to one decimal ("0.2 s" or "0.3 s"). */
static void test_backstop_fraction(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_stuck_fraction, NULL, &code);
	assert_int_equal(code, SBTC_UNKNOWN);
	assert_string_equal(out, "SBTC DEMO UNKNOWN - plugin timed out after 0.25 s\n");
	free(out);
}

static void test_backstop_text(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_stuck_text, NULL, &code);
	assert_int_equal(code, SBTC_CRITICAL);
	assert_string_equal(out, "SBTC DEMO CRITICAL - plugin timed out after 0.5 s while waiting for "
				 "http://127.0.0.1:1   with a newline\n");
	free(out);
}

static void test_backstop_json(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_stuck_json, NULL, &code);
	assert_int_equal(code, SBTC_UNKNOWN);
	json_object *doc = json_tokener_parse(out);
	assert_non_null(doc);
	json_object *v;
	assert_true(json_object_object_get_ex(doc, "state", &v));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(doc, "summary", &v));
	assert_string_equal(json_object_get_string(v),
			    "plugin timed out after 0.5 s while connecting to  the  database");
	assert_true(json_object_object_get_ex(doc, "checks", &v));
	assert_true(json_object_is_type(v, json_type_array));
	json_object_put(doc);
	free(out);
}

static void test_backstop_without_activity(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_stuck_no_activity, NULL, &code);
	assert_int_equal(code, SBTC_WARNING);
	assert_string_equal(out, "SBTC DEMO WARNING - plugin timed out after 1 s\n");
	free(out);
}

/* The result is written just before the backstop would fire, and the run then lingers
 * (a slow exit, or a writer blocked on a full pipe): the backstop must add nothing, and the
 * run must still end, with the state of the result written. */
static void child_result_then_stuck(const void *arg)
{
	sbtc_output_setup("DEMO", *(const sbtc_format *)arg);
	/* 1.5 s, not less: the result must be written before the backstop's time even on a
	 * busy machine under the sanitizers, or the test would check the other race. */
	sbtc_deadline_start(1.5, SBTC_CRITICAL);
	sbtc_result *root = sbtc_result_new();
	sbtc_result_add(root, SBTC_WARNING, "disk nearly full");
	int code = sbtc_finish(root);
	sleep_long();
	exit(code == SBTC_WARNING ? 0 : 98); /* not reached: the final backstop ends it */
}

static void test_result_then_stuck(void **unused)
{
	(void)unused;
	static const sbtc_format formats[] = {SBTC_FORMAT_MULTI_LINE, SBTC_FORMAT_JSON};
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		int code;
		double start = sbtc_now_monotonic();
		char *out = run_in_child(child_result_then_stuck, &formats[i], &code);
		double took = sbtc_now_monotonic() - start;
		assert_int_equal(code, SBTC_WARNING);
		assert_null(strstr(out, "timed out"));
		if (formats[i] == SBTC_FORMAT_JSON) {
			json_object *doc = json_tokener_parse(out);
			assert_non_null(doc);
			json_object_put(doc);
		} else {
			assert_string_equal(out, "SBTC DEMO WARNING - disk nearly full\n"
						 "  [WARNING] disk nearly full\n");
		}
		assert_true(took < 4.0); /* ended near the 1.5 s deadline, not after sleep_long (5 s) */
		free(out);
	}
}

/* A second result (sbtc_die after sbtc_finish) is not printed; the first one's state stands. */
static void child_die_after_finish(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_MULTI_LINE);
	sbtc_deadline_start(5, SBTC_UNKNOWN);
	sbtc_result *root = sbtc_result_new();
	sbtc_result_add(root, SBTC_OK, "all good");
	(void)sbtc_finish(root);
	sbtc_die(SBTC_CRITICAL, "something after the result");
}

static void test_die_after_finish(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_die_after_finish, NULL, &code);
	assert_int_equal(code, SBTC_OK);
	assert_string_equal(out, "SBTC DEMO OK - all good\n  [OK] all good\n");
	free(out);
}

static void test_remaining(void **unused)
{
	(void)unused;
	/* Not started: effectively unbounded, never expired. */
	assert_false(sbtc_deadline_expired());
	assert_true(sbtc_deadline_remaining() > 1e6);
	assert_int_equal(sbtc_deadline_wait_ms(1.5), 1501);
}

static void child_remaining(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_MULTI_LINE);
	sbtc_deadline_start(3, SBTC_UNKNOWN);
	double left = sbtc_deadline_remaining();
	long ms = sbtc_deadline_remaining_ms();
	/* The orderly deadline comes before the backstop, and both count down. */
	int ok = left > 2.0 && left < 3.0 && ms > 2000 && ms <= 3000 && !sbtc_deadline_expired() &&
		 sbtc_deadline_timeout_state() == SBTC_UNKNOWN && sbtc_deadline_seconds() == 3 &&
		 sbtc_elapsed() >= 0 && sbtc_elapsed() < 1;
	/* A wait is rounded up to whole milliseconds and never outlasts the deadline. */
	int w1 = sbtc_deadline_wait_ms(0.0101), w2 = sbtc_deadline_wait_ms(60), w3 = sbtc_deadline_wait_ms(0),
	    w4 = sbtc_deadline_wait_ms(-1);
	ok = ok && w1 == 11 && w2 > 2000 && w2 <= 3001 && w3 == 0 && w4 == 0;
	exit(ok ? 0 : 1);
}

static void test_remaining_started(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_remaining, NULL, &code);
	assert_int_equal(code, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backstop_text),
		cmocka_unit_test(test_backstop_json),
		cmocka_unit_test(test_backstop_without_activity),
		cmocka_unit_test(test_backstop_fraction),
		cmocka_unit_test(test_result_then_stuck),
		cmocka_unit_test(test_die_after_finish),
		cmocka_unit_test(test_remaining),
		cmocka_unit_test(test_remaining_started),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
