/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/output.c: the result tree, the state rules and the three formats. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "deadline.h"
#include "output.h"
#include "output_file.h"
#include "output_prometheus.h"
#include "range.h"
#include "strbuf.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared test code ------------------------------------------------------------- */

/* Parses one JSON document ending in a newline, strictly and with UTF-8 checked. */
static json_object *parse_json_line(const char *text)
{
	size_t len = strlen(text);
	assert_true(len > 0);
	assert_int_equal(text[len - 1], '\n');
	assert_null(memchr(text, '\n', len - 1));
	json_tokener *tok = json_tokener_new();
	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, text, (int)len - 1);
	enum json_tokener_error e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (o == NULL || e != json_tokener_success)
		fail_msg("not a JSON document (%s): %s", json_tokener_error_desc(e), text);
	/* The lenient parser a consumer would use agrees. */
	json_object *again = json_tokener_parse(text);
	assert_non_null(again);
	json_object_put(again);
	return o;
}

static json_object *field(json_object *o, const char *name)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, name, &v))
		fail_msg("JSON field '%s' missing in %s", name, json_object_to_json_string(o));
	return v;
}

static void expect_int_field(json_object *o, const char *name, int64_t want)
{
	json_object *v = field(o, name);
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), want);
}

static void expect_string_field(json_object *o, const char *name, const char *want)
{
	json_object *v = field(o, name);
	if (want == NULL) {
		assert_null(v);
		return;
	}
	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

static void expect_null_field(json_object *o, const char *name)
{
	assert_null(field(o, name));
}

/* A number (int or double) with the given value. */
static void expect_number_field(json_object *o, const char *name, double want)
{
	json_object *v = field(o, name);
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		fail_msg("JSON field '%s' is not a number: %s", name, json_object_to_json_string(o));
	double got = json_object_get_double(v);
	if (!(got == want || fabs(got - want) <= fabs(want) * 1e-15))
		fail_msg("JSON field '%s' is %.17g, expected %.17g", name, got, want);
}

static char *render(const sbtc_result *r, sbtc_format f)
{
	return sbtc_render(r, "TEST", f);
}

static void expect_render(const sbtc_result *r, sbtc_format f, const char *want)
{
	char *got = render(r, f);
	if (strcmp(got, want) != 0)
		fail_msg("format %d rendered\n%s\nexpected\n%s", (int)f, got, want);
	free(got);
}

/* ---- formats and tree basics ------------------------------------------------------ */

static void test_format_parse(void **unused)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{"multi-line", SBTC_FORMAT_MULTI_LINE},
		{"one-line", SBTC_FORMAT_ONE_LINE},
		{"json", SBTC_FORMAT_JSON},
		{"JSON", -1},
		{"multiline", -1},
		{"one_line", -1},
		{"", -1},
		{"json ", -1},
		{NULL, -1},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(sbtc_format_parse(cases[i].text), cases[i].want);
}

static void test_setup(void **unused)
{
	(void)unused;
	assert_string_equal(sbtc_output_check_label(), "CHECK");
	assert_int_equal(sbtc_output_format(), SBTC_FORMAT_MULTI_LINE);
	sbtc_output_setup("LABEL", SBTC_FORMAT_JSON);
	assert_string_equal(sbtc_output_check_label(), "LABEL");
	assert_int_equal(sbtc_output_format(), SBTC_FORMAT_JSON);
	sbtc_output_setup("CHECK", SBTC_FORMAT_MULTI_LINE);
}

static void test_result_state(void **unused)
{
	static const struct {
		sbtc_state own;
		size_t n;
		sbtc_state kids[4];
		sbtc_state want;
	} cases[] = {
		{SBTC_OK, 0, {SBTC_OK}, SBTC_OK},
		{SBTC_WARNING, 0, {SBTC_OK}, SBTC_WARNING},
		{SBTC_UNKNOWN, 0, {SBTC_OK}, SBTC_UNKNOWN},
		{SBTC_OK, 2, {SBTC_OK, SBTC_OK}, SBTC_OK},
		{SBTC_OK, 2, {SBTC_OK, SBTC_UNKNOWN}, SBTC_UNKNOWN},
		{SBTC_OK, 3, {SBTC_UNKNOWN, SBTC_WARNING, SBTC_OK}, SBTC_WARNING},
		{SBTC_OK, 4, {SBTC_WARNING, SBTC_CRITICAL, SBTC_UNKNOWN, SBTC_OK}, SBTC_CRITICAL},
		{SBTC_UNKNOWN, 1, {SBTC_WARNING}, SBTC_WARNING},
		{SBTC_CRITICAL, 2, {SBTC_OK, SBTC_WARNING}, SBTC_CRITICAL},
		{SBTC_WARNING, 1, {SBTC_UNKNOWN}, SBTC_WARNING},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_result *r = sbtc_result_new();
		sbtc_result_set(r, cases[i].own, "%s", "");
		for (size_t k = 0; k < cases[i].n; k++)
			sbtc_result_add(r, cases[i].kids[k], "child %zu", k);
		assert_int_equal(sbtc_result_state(r), cases[i].want);
		sbtc_result_free(r);
	}

	/* A grandchild's state reaches the root through an OK child. */
	sbtc_result *r = sbtc_result_new();
	sbtc_result *c = sbtc_result_add(r, SBTC_OK, "child");
	sbtc_result *g = sbtc_result_add(c, SBTC_OK, "grandchild");
	sbtc_result_add(g, SBTC_CRITICAL, "great-grandchild");
	assert_int_equal(sbtc_result_own_state(r), SBTC_OK);
	assert_int_equal(sbtc_result_state(g), SBTC_CRITICAL);
	assert_int_equal(sbtc_result_state(r), SBTC_CRITICAL);
	sbtc_result_free(r);
	sbtc_result_free(NULL);
}

static void test_result_set_and_add(void **unused)
{
	sbtc_result *r = sbtc_result_new();
	(void)unused;
	assert_int_equal(sbtc_result_own_state(r), SBTC_OK);
	assert_string_equal(sbtc_result_text(r), "");
	sbtc_result_set(r, SBTC_WARNING, "first %d", 1);
	assert_int_equal(sbtc_result_own_state(r), SBTC_WARNING);
	assert_string_equal(sbtc_result_text(r), "first 1");
	sbtc_result_set(r, SBTC_OK, "%s", "second");
	assert_int_equal(sbtc_result_own_state(r), SBTC_OK);
	assert_string_equal(sbtc_result_text(r), "second");
	/* Many children: the array grows and keeps their order. */
	for (int i = 0; i < 50; i++)
		sbtc_result_add(r, SBTC_OK, "c%d", i);
	assert_int_equal(sbtc_result_nchildren(r), 50);
	assert_string_equal(sbtc_result_text(sbtc_result_child(r, 0)), "c0");
	assert_string_equal(sbtc_result_text(sbtc_result_child(r, 49)), "c49");

	/* Perfdata: thresholds copied, uom cut to its field, NULL uom empty. */
	sbtc_thresholds t = {{true, false, false, false, 0, 10}, {true, false, false, false, 0, 20}};
	for (int i = 0; i < 20; i++)
		sbtc_perf_add(r, "p", i, NULL, NULL, NAN, NAN);
	sbtc_perf_add(r, "q", 1.5, "s", &t, 0, 100);
	sbtc_perf_add(r, "long_uom", 1, "abcdef", NULL, NAN, NAN);
	assert_int_equal(sbtc_result_nperf(r), 22);
	assert_string_equal(sbtc_result_perf(r, 0)->uom, "");
	assert_false(sbtc_result_perf(r, 0)->warning.set);
	assert_false(sbtc_result_perf(r, 0)->critical.set);
	assert_string_equal(sbtc_result_perf(r, 20)->label, "q");
	assert_true(sbtc_result_perf(r, 20)->warning.set);
	assert_true(sbtc_result_perf(r, 20)->warning.end == 10);
	assert_true(sbtc_result_perf(r, 20)->critical.end == 20);
	assert_true(sbtc_result_perf(r, 20)->min == 0);
	assert_true(sbtc_result_perf(r, 20)->max == 100);
	assert_string_equal(sbtc_result_perf(r, 21)->uom, "abc");

	sbtc_perf_add_time(r);
	assert_string_equal(sbtc_result_perf(r, 22)->label, "time");
	assert_string_equal(sbtc_result_perf(r, 22)->uom, "s");
	assert_true(sbtc_result_perf(r, 22)->value >= 0);
	assert_true(sbtc_result_perf(r, 22)->min == 0);
	assert_true(isnan(sbtc_result_perf(r, 22)->max));

	/* A source's own time, to the microsecond. */
	sbtc_perf_add_seconds(r, "stacks_time", 1.2345674);
	assert_string_equal(sbtc_result_perf(r, 23)->label, "stacks_time");
	assert_string_equal(sbtc_result_perf(r, 23)->uom, "s");
	assert_true(sbtc_result_perf(r, 23)->value == 1.234567);
	assert_true(sbtc_result_perf(r, 23)->min == 0);
	sbtc_result_free(r);
}

/* ---- text formats ----------------------------------------------------------------- */

static void test_root_only(void **unused)
{
	sbtc_result *r = sbtc_result_new();
	(void)unused;
	sbtc_result_set(r, SBTC_OK, "all good");
	expect_render(r, SBTC_FORMAT_MULTI_LINE, "SBTC TEST OK - all good\n");
	expect_render(r, SBTC_FORMAT_ONE_LINE, "SBTC TEST OK - all good\n");

	/* Without children the perfdata stays on the first line in both text formats. */
	sbtc_perf_add(r, "time", 0.5, "s", NULL, 0, NAN);
	sbtc_perf_add(r, "count", 3, "", NULL, NAN, NAN);
	expect_render(r, SBTC_FORMAT_MULTI_LINE, "SBTC TEST OK - all good | 'time'=0.5s;;;0 'count'=3\n");
	expect_render(r, SBTC_FORMAT_ONE_LINE, "SBTC TEST OK - all good | 'time'=0.5s;;;0 'count'=3\n");

	sbtc_result_set(r, SBTC_CRITICAL, "down");
	expect_render(r, SBTC_FORMAT_MULTI_LINE, "SBTC TEST CRITICAL - down | 'time'=0.5s;;;0 'count'=3\n");
	sbtc_result_free(r);

	/* Nothing at all. */
	r = sbtc_result_new();
	expect_render(r, SBTC_FORMAT_MULTI_LINE, "SBTC TEST OK - no result\n");
	sbtc_result_set(r, SBTC_UNKNOWN, "%s", "");
	expect_render(r, SBTC_FORMAT_ONE_LINE, "SBTC TEST UNKNOWN - no result\n");
	sbtc_result_free(r);
}

static sbtc_result *mixed_tree(void)
{
	sbtc_result *r = sbtc_result_new();
	sbtc_result_add(r, SBTC_OK, "a ok");
	sbtc_result_add(r, SBTC_CRITICAL, "b crit");
	sbtc_result_add(r, SBTC_WARNING, "c warn");
	sbtc_result_add(r, SBTC_UNKNOWN, "d unknown");
	sbtc_result_add(r, SBTC_CRITICAL, "e crit");
	sbtc_result_add(r, SBTC_OK, "f ok");
	sbtc_result_add(r, SBTC_WARNING, "g warn");
	return r;
}

static void test_mixed_children(void **unused)
{
	sbtc_result *r = mixed_tree();
	(void)unused;
	/* Worst first, in the order added within a state; the summary names the worst. */
	expect_render(r, SBTC_FORMAT_MULTI_LINE,
		      "SBTC TEST CRITICAL - b crit; e crit\n"
		      "  [CRITICAL] b crit\n"
		      "  [CRITICAL] e crit\n"
		      "  [WARNING] c warn\n"
		      "  [WARNING] g warn\n"
		      "  [UNKNOWN] d unknown\n"
		      "  [OK] a ok\n"
		      "  [OK] f ok\n");
	expect_render(r, SBTC_FORMAT_ONE_LINE,
		      "SBTC TEST CRITICAL - b crit; e crit; [CRITICAL] b crit; [CRITICAL] e crit; "
		      "[WARNING] c warn; [WARNING] g warn; [UNKNOWN] d unknown; [OK] a ok; [OK] f ok\n");
	/* Rendering does not reorder the tree itself. */
	assert_string_equal(sbtc_result_text(sbtc_result_child(r, 0)), "a ok");
	sbtc_result_free(r);
}

static sbtc_result *nested_tree(void)
{
	sbtc_result *r = sbtc_result_new();
	sbtc_result_set(r, SBTC_OK, "summary text");
	sbtc_result *a = sbtc_result_add(r, SBTC_OK, "parent");
	sbtc_result_add(a, SBTC_OK, "g1");
	sbtc_result *g2 = sbtc_result_add(a, SBTC_WARNING, "g2");
	sbtc_result_add(g2, SBTC_OK, "gg");
	sbtc_result_add(r, SBTC_OK, "sibling");
	sbtc_result_add(r, SBTC_UNKNOWN, "unsure");
	return r;
}

static void test_nested(void **unused)
{
	sbtc_result *r = nested_tree();
	(void)unused;
	/* A child is ranked by its effective state: "parent" is WARNING through g2. */
	expect_render(r, SBTC_FORMAT_MULTI_LINE,
		      "SBTC TEST WARNING - summary text\n"
		      "  [WARNING] parent\n"
		      "    [WARNING] g2\n"
		      "      [OK] gg\n"
		      "    [OK] g1\n"
		      "  [UNKNOWN] unsure\n"
		      "  [OK] sibling\n");
	expect_render(r, SBTC_FORMAT_ONE_LINE,
		      "SBTC TEST WARNING - summary text; [WARNING] parent; [WARNING] g2; [OK] gg; "
		      "[OK] g1; [UNKNOWN] unsure; [OK] sibling\n");
	sbtc_result_free(r);
}

struct summary_case {
	const char *root_text;
	sbtc_state root_state;
	size_t n;
	struct {
		sbtc_state s;
		const char *text;
	} kids[4];
	const char *want_first_line;
};

static void test_summary(void **unused)
{
	static const struct summary_case cases[] = {
		/* the root's text wins, even over worse children */
		{"own words", SBTC_OK, 2, {{SBTC_CRITICAL, "bad"}, {SBTC_OK, "fine"}},
		 "SBTC TEST CRITICAL - own words"},
		/* otherwise the worst children's texts, in the order added */
		{NULL, SBTC_OK, 3, {{SBTC_WARNING, "w1"}, {SBTC_OK, "fine"}, {SBTC_WARNING, "w2"}},
		 "SBTC TEST WARNING - w1; w2"},
		{NULL, SBTC_OK, 2, {{SBTC_OK, "one"}, {SBTC_OK, "two"}}, "SBTC TEST OK - one; two"},
		{NULL, SBTC_OK, 2, {{SBTC_UNKNOWN, "unk"}, {SBTC_OK, "fine"}}, "SBTC TEST UNKNOWN - unk"},
		{NULL, SBTC_OK, 2, {{SBTC_UNKNOWN, "unk"}, {SBTC_WARNING, "warn"}}, "SBTC TEST WARNING - warn"},
		/* an empty root text counts as none */
		{"", SBTC_OK, 1, {{SBTC_CRITICAL, "crit"}}, "SBTC TEST CRITICAL - crit"},
		/* a root worse than its children is still summarised by its worst children */
		{NULL, SBTC_CRITICAL, 2, {{SBTC_OK, "fine"}, {SBTC_WARNING, "warn"}},
		 "SBTC TEST CRITICAL - warn"},
		/* texts that clean up to nothing leave no stray separators */
		{NULL, SBTC_OK, 3, {{SBTC_WARNING, "w1"}, {SBTC_WARNING, " \n "}, {SBTC_WARNING, ""}},
		 "SBTC TEST WARNING - w1"},
		{NULL, SBTC_OK, 3, {{SBTC_WARNING, ""}, {SBTC_WARNING, "w2"}, {SBTC_WARNING, "w3"}},
		 "SBTC TEST WARNING - w2; w3"},
		{NULL, SBTC_OK, 1, {{SBTC_WARNING, "\t"}}, "SBTC TEST WARNING - no result"},
		/* sanitised inside the summary as well */
		{NULL, SBTC_OK, 2, {{SBTC_CRITICAL, "a|b\nc"}, {SBTC_CRITICAL, "d"}},
		 "SBTC TEST CRITICAL - a/b c; d"},
		{"x | y\r\nz", SBTC_OK, 0, {{SBTC_OK, NULL}}, "SBTC TEST OK - x / y z"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_result *r = sbtc_result_new();
		sbtc_result_set(r, cases[i].root_state, "%s", cases[i].root_text != NULL ? cases[i].root_text : "");
		for (size_t k = 0; k < cases[i].n; k++)
			sbtc_result_add(r, cases[i].kids[k].s, "%s", cases[i].kids[k].text);
		for (int f = SBTC_FORMAT_MULTI_LINE; f <= SBTC_FORMAT_ONE_LINE; f++) {
			char *out = render(r, (sbtc_format)f);
			size_t first = strcspn(out, "\n");
			size_t wl = strlen(cases[i].want_first_line);
			/* one-line goes on with "; [STATE] ..." */
			bool ok = f == SBTC_FORMAT_MULTI_LINE
					  ? first == wl && strncmp(out, cases[i].want_first_line, wl) == 0
					  : strncmp(out, cases[i].want_first_line, wl) == 0 &&
						    (out[wl] == '\n' || strncmp(out + wl, "; [", 3) == 0);
			if (!ok)
				fail_msg("case %zu format %d: got %s, expected first line %s", i, f, out,
					 cases[i].want_first_line);
			free(out);
		}
		/* The JSON summary is the same text. */
		char *js = render(r, SBTC_FORMAT_JSON);
		json_object *o = parse_json_line(js);
		const char *dash = strstr(cases[i].want_first_line, " - ");
		expect_string_field(o, "summary", dash + 3);
		json_object_put(o);
		free(js);
		sbtc_result_free(r);
	}
}

static void test_perf_placement(void **unused)
{
	sbtc_result *r = sbtc_result_new();
	(void)unused;
	sbtc_result_set(r, SBTC_OK, "sum");
	sbtc_perf_add(r, "time", 1, "s", NULL, NAN, NAN);
	sbtc_result *a = sbtc_result_add(r, SBTC_OK, "a");
	sbtc_perf_add(a, "a_val", 2, "B", NULL, 0, NAN);
	sbtc_result *b = sbtc_result_add(r, SBTC_WARNING, "b");
	sbtc_result *g = sbtc_result_add(a, SBTC_OK, "g");
	sbtc_perf_add(g, "g val", 3, "", NULL, NAN, NAN);
	sbtc_perf_add(b, "b_val", NAN, "s", NULL, NAN, NAN);
	/* Perfdata of every node, in tree order (not display order), after the long output. */
	expect_render(r, SBTC_FORMAT_MULTI_LINE,
		      "SBTC TEST WARNING - sum\n"
		      "  [WARNING] b\n"
		      "  [OK] a\n"
		      "    [OK] g\n"
		      "| 'time'=1s 'a_val'=2B;;;0 'g val'=3 'b_val'=U\n");
	expect_render(r, SBTC_FORMAT_ONE_LINE,
		      "SBTC TEST WARNING - sum; [WARNING] b; [OK] a; [OK] g | 'time'=1s 'a_val'=2B;;;0 "
		      "'g val'=3 'b_val'=U\n");
	sbtc_result_free(r);

	/* Perfdata only below the root. */
	r = sbtc_result_new();
	a = sbtc_result_add(r, SBTC_OK, "only");
	sbtc_perf_add(a, "x", 1, "", NULL, NAN, NAN);
	expect_render(r, SBTC_FORMAT_MULTI_LINE, "SBTC TEST OK - only\n  [OK] only\n| 'x'=1\n");
	expect_render(r, SBTC_FORMAT_ONE_LINE, "SBTC TEST OK - only; [OK] only | 'x'=1\n");
	sbtc_result_free(r);
}

static void test_sanitize_texts(void **unused)
{
	sbtc_result *r = sbtc_result_new();
	(void)unused;
	sbtc_result_set(r, SBTC_OK, "peer said: a|b\nsecond line");
	sbtc_result_add(r, SBTC_WARNING, "child | with\tpipe\r\nand newline");
	sbtc_result *c = sbtc_result_add(r, SBTC_OK, "bad \xff byte");
	sbtc_result_add(c, SBTC_OK, "  padded  ");
	sbtc_perf_add(r, "lab|el=x", 1, "", NULL, NAN, NAN);
	expect_render(r, SBTC_FORMAT_MULTI_LINE,
		      "SBTC TEST WARNING - peer said: a/b second line\n"
		      "  [WARNING] child / with pipe and newline\n"
		      "  [OK] bad ? byte\n"
		      "    [OK] padded\n"
		      "| 'lab_el_x'=1\n");
	/* Exactly one '|' in the whole output. */
	char *out = render(r, SBTC_FORMAT_ONE_LINE);
	assert_non_null(strchr(out, '|'));
	assert_ptr_equal(strchr(out, '|'), strrchr(out, '|'));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	sbtc_result_free(r);

	/* An endless text is cut. */
	char *longtext = malloc(5001);
	assert_non_null(longtext);
	memset(longtext, 'x', 5000);
	longtext[5000] = '\0';
	r = sbtc_result_new();
	sbtc_result_add(r, SBTC_CRITICAL, "%s", longtext);
	out = render(r, SBTC_FORMAT_MULTI_LINE);
	const char *line2 = strchr(out, '\n') + 1;
	assert_true(strlen(out) < 2200);
	assert_memory_equal(line2, "  [CRITICAL] xxx", 16);
	assert_string_equal(out + strlen(out) - 4, "...\n");
	free(out);
	sbtc_result_free(r);
	free(longtext);
}

/* ---- JSON ------------------------------------------------------------------------- */

static void check_json_child(json_object *c, int state, const char *state_text, const char *text,
			     size_t nchecks)
{
	expect_int_field(c, "state", state);
	expect_string_field(c, "state_text", state_text);
	expect_string_field(c, "text", text);
	json_object *kids = field(c, "checks");
	assert_true(json_object_is_type(kids, json_type_array));
	assert_int_equal(json_object_array_length(kids), nchecks);
}

static void test_json_tree(void **unused)
{
	sbtc_result *r = nested_tree();
	(void)unused;
	char *out = render(r, SBTC_FORMAT_JSON);
	json_object *o = parse_json_line(out);
	expect_int_field(o, "schema_version", 1);
	expect_int_field(o, "schema_version", SBTC_JSON_SCHEMA_VERSION);
	expect_string_field(o, "check", "TEST");
	expect_int_field(o, "state", SBTC_WARNING);
	expect_string_field(o, "state_text", "WARNING");
	expect_string_field(o, "summary", "summary text");
	json_object *perf = field(o, "perfdata");
	assert_true(json_object_is_type(perf, json_type_array));
	assert_int_equal(json_object_array_length(perf), 0);

	json_object *checks = field(o, "checks");
	assert_true(json_object_is_type(checks, json_type_array));
	assert_int_equal(json_object_array_length(checks), 3);
	json_object *parent = json_object_array_get_idx(checks, 0);
	check_json_child(parent, SBTC_WARNING, "WARNING", "parent", 2);
	check_json_child(json_object_array_get_idx(checks, 1), SBTC_UNKNOWN, "UNKNOWN", "unsure", 0);
	check_json_child(json_object_array_get_idx(checks, 2), SBTC_OK, "OK", "sibling", 0);
	json_object *pk = field(parent, "checks");
	json_object *g2 = json_object_array_get_idx(pk, 0);
	check_json_child(g2, SBTC_WARNING, "WARNING", "g2", 1);
	check_json_child(json_object_array_get_idx(pk, 1), SBTC_OK, "OK", "g1", 0);
	check_json_child(json_object_array_get_idx(field(g2, "checks"), 0), SBTC_OK, "OK", "gg", 0);
	json_object_put(o);
	free(out);
	sbtc_result_free(r);

	/* The mixed tree: state 2, worst first. */
	r = mixed_tree();
	out = render(r, SBTC_FORMAT_JSON);
	o = parse_json_line(out);
	expect_int_field(o, "state", SBTC_CRITICAL);
	expect_string_field(o, "state_text", "CRITICAL");
	expect_string_field(o, "summary", "b crit; e crit");
	checks = field(o, "checks");
	static const char *const order[] = {"b crit", "e crit", "c warn", "g warn", "d unknown", "a ok", "f ok"};
	assert_int_equal(json_object_array_length(checks), N_ELEMS(order));
	for (size_t i = 0; i < N_ELEMS(order); i++)
		expect_string_field(json_object_array_get_idx(checks, i), "text", order[i]);
	json_object_put(o);
	free(out);
	sbtc_result_free(r);

	/* A root with nothing. */
	r = sbtc_result_new();
	out = render(r, SBTC_FORMAT_JSON);
	o = parse_json_line(out);
	expect_int_field(o, "state", 0);
	expect_string_field(o, "summary", "no result");
	assert_int_equal(json_object_array_length(field(o, "checks")), 0);
	json_object_put(o);
	free(out);
	sbtc_result_free(r);
}

static void test_json_text_sanitised(void **unused)
{
	sbtc_result *r = sbtc_result_new();
	(void)unused;
	sbtc_result_add(r, SBTC_CRITICAL, "quote \" back\\slash | pipe\nnew \xc3\xa9 \xff");
	char *out = render(r, SBTC_FORMAT_JSON);
	json_object *o = parse_json_line(out);
	expect_string_field(o, "summary", "quote \" back\\slash / pipe new \xc3\xa9 ?");
	expect_string_field(json_object_array_get_idx(field(o, "checks"), 0), "text",
			    "quote \" back\\slash / pipe new \xc3\xa9 ?");
	json_object_put(o);
	free(out);
	sbtc_result_free(r);
}

static void test_json_perfdata(void **unused)
{
	sbtc_result *r = sbtc_result_new();
	sbtc_thresholds plain_t = {{true, false, false, false, 0, 10}, {true, false, false, false, 0, 20}};
	sbtc_thresholds range_t = {{true, false, false, false, 10, 20}, {true, true, false, false, 0, 5}};
	sbtc_thresholds lower_t = {{true, false, false, true, 2.5, HUGE_VAL}, {false, false, false, false, 0, 0}};
	(void)unused;
	sbtc_result_set(r, SBTC_OK, "perf");
	sbtc_perf_add(r, "int", 5, "B", &plain_t, 0, 100);
	sbtc_perf_add(r, "frac", 0.25, "s", &range_t, NAN, 1.5);
	sbtc_perf_add(r, "tiny", 1e-7, "", &lower_t, NAN, NAN);
	sbtc_result *c = sbtc_result_add(r, SBTC_OK, "child");
	sbtc_perf_add(c, "nan", NAN, "s", NULL, 0, NAN);
	sbtc_perf_add(c, "huge", 1e20, "B", NULL, -1e20, NAN);
	sbtc_perf_add(c, "neg", -3, "", NULL, -0.0, NAN);

	char *out = render(r, SBTC_FORMAT_JSON);
	json_object *o = parse_json_line(out);
	json_object *perf = field(o, "perfdata");
	assert_int_equal(json_object_array_length(perf), 6);

	json_object *p = json_object_array_get_idx(perf, 0);
	expect_string_field(p, "label", "int");
	expect_int_field(p, "value", 5);
	expect_string_field(p, "uom", "B");
	expect_int_field(p, "warn", 10);
	expect_string_field(p, "warn_range", "10");
	expect_int_field(p, "crit", 20);
	expect_string_field(p, "crit_range", "20");
	expect_int_field(p, "min", 0);
	expect_int_field(p, "max", 100);

	p = json_object_array_get_idx(perf, 1);
	expect_string_field(p, "label", "frac");
	assert_true(json_object_is_type(field(p, "value"), json_type_double));
	expect_number_field(p, "value", 0.25);
	expect_null_field(p, "warn");
	expect_string_field(p, "warn_range", "10:20");
	expect_null_field(p, "crit");
	expect_string_field(p, "crit_range", "@5");
	expect_null_field(p, "min");
	expect_number_field(p, "max", 1.5);

	p = json_object_array_get_idx(perf, 2);
	expect_number_field(p, "value", 1e-7);
	expect_number_field(p, "warn", 2.5);
	expect_string_field(p, "warn_range", "2.5:");
	expect_null_field(p, "crit");
	expect_null_field(p, "crit_range");
	expect_null_field(p, "min");
	expect_null_field(p, "max");

	p = json_object_array_get_idx(perf, 3);
	expect_string_field(p, "label", "nan");
	expect_null_field(p, "value");
	expect_string_field(p, "uom", "s");
	expect_null_field(p, "warn");
	expect_null_field(p, "warn_range");
	expect_int_field(p, "min", 0);

	/* Beyond 2^53 still a number, and read back as the right one. */
	p = json_object_array_get_idx(perf, 4);
	expect_number_field(p, "value", 1e20);
	expect_number_field(p, "min", -1e20);

	p = json_object_array_get_idx(perf, 5);
	expect_int_field(p, "value", -3);
	expect_int_field(p, "min", 0);

	/* The numbers are written without exponents, as in the perfdata. */
	assert_non_null(strstr(out, "\"value\":0.0000001"));
	assert_null(strstr(out, "e-07"));
	assert_null(strstr(out, "e+20"));
	json_object_put(o);
	free(out);
	sbtc_result_free(r);
}

/* ---- exiting and printing (in a child) -------------------------------------------- */

struct die_args {
	sbtc_format format;
	sbtc_state state;
	const char *text; /* passed through "%s" */
};

static void child_die(const void *arg)
{
	const struct die_args *a = arg;
	sbtc_output_setup("DIE", a->format);
	sbtc_die(a->state, "%s", a->text);
}

static void child_die_formatted(const void *arg)
{
	(void)arg;
	sbtc_output_setup("DIE", SBTC_FORMAT_MULTI_LINE);
	sbtc_die(SBTC_UNKNOWN, "cannot read %s: %d errors", "file.ini", 3);
}

static void child_print_status(const void *arg)
{
	const struct die_args *a = arg;
	sbtc_output_setup("PRINT", a->format);
	/* Unflushed stdio output comes first. */
	fputs("before\n", stdout);
	sbtc_print_status(a->state, a->text);
	exit(0);
}

static void test_die_text(void **unused)
{
	static const struct {
		sbtc_state state;
		const char *text;
		const char *want;
	} cases[] = {
		{SBTC_UNKNOWN, "bad arguments", "SBTC DIE UNKNOWN - bad arguments\n"},
		{SBTC_CRITICAL, "down", "SBTC DIE CRITICAL - down\n"},
		{SBTC_WARNING, "meh", "SBTC DIE WARNING - meh\n"},
		{SBTC_OK, "fine", "SBTC DIE OK - fine\n"},
		{SBTC_UNKNOWN, "a|b\nc\td\x7f" "e", "SBTC DIE UNKNOWN - a/b c d e\n"},
		{SBTC_UNKNOWN, "bad \xff\xc3 utf8 \xc3\xa9 \xc2\x85!", "SBTC DIE UNKNOWN - bad ?? utf8 \xc3\xa9   !\n"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct die_args a = {SBTC_FORMAT_MULTI_LINE, cases[i].state, cases[i].text};
		int code;
		char *out = run_in_child(child_die, &a, &code);
		assert_int_equal(code, (int)cases[i].state);
		assert_string_equal(out, cases[i].want);
		free(out);
	}

	int code;
	char *out = run_in_child(child_die_formatted, NULL, &code);
	assert_int_equal(code, 3);
	assert_string_equal(out, "SBTC DIE UNKNOWN - cannot read file.ini: 3 errors\n");
	free(out);

	/* A very long message stays one line. */
	char *longtext = malloc(3001);
	assert_non_null(longtext);
	memset(longtext, 'y', 3000);
	longtext[3000] = '\0';
	struct die_args a = {SBTC_FORMAT_MULTI_LINE, SBTC_UNKNOWN, longtext};
	out = run_in_child(child_die, &a, &code);
	assert_int_equal(code, 3);
	assert_memory_equal(out, "SBTC DIE UNKNOWN - yyy", 22);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	free(longtext);
}

static void test_die_json(void **unused)
{
	static const struct {
		sbtc_state state;
		const char *text;
		const char *summary;
	} cases[] = {
		{SBTC_UNKNOWN, "bad arguments", "bad arguments"},
		{SBTC_CRITICAL, "say \"hi\" \\o/ | x", "say \"hi\" \\o/ | x"},
		{SBTC_UNKNOWN, "line\nbreak\ttab\x01", "line break tab "},
		{SBTC_UNKNOWN, "bad \xff utf8 \xe2\x82\xac", "bad ? utf8 \xe2\x82\xac"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct die_args a = {SBTC_FORMAT_JSON, cases[i].state, cases[i].text};
		int code;
		char *out = run_in_child(child_die, &a, &code);
		assert_int_equal(code, (int)cases[i].state);
		json_object *o = parse_json_line(out);
		expect_int_field(o, "schema_version", 1);
		expect_string_field(o, "check", "DIE");
		expect_int_field(o, "state", cases[i].state);
		expect_string_field(o, "state_text", sbtc_state_name(cases[i].state));
		expect_string_field(o, "summary", cases[i].summary);
		assert_int_equal(json_object_array_length(field(o, "checks")), 0);
		assert_int_equal(json_object_array_length(field(o, "perfdata")), 0);
		json_object_put(o);
		free(out);
	}

	/* Long and full of characters to escape: still one valid document. */
	char *longtext = malloc(3001);
	assert_non_null(longtext);
	memset(longtext, '"', 3000);
	longtext[3000] = '\0';
	struct die_args a = {SBTC_FORMAT_JSON, SBTC_UNKNOWN, longtext};
	int code;
	char *out = run_in_child(child_die, &a, &code);
	assert_int_equal(code, 3);
	json_object *o = parse_json_line(out);
	const char *s = json_object_get_string(field(o, "summary"));
	assert_true(strlen(s) > 500);
	assert_true(strspn(s, "\"") == strlen(s));
	json_object_put(o);
	free(out);
	free(longtext);
}

static void test_print_status(void **unused)
{
	struct die_args t = {SBTC_FORMAT_MULTI_LINE, SBTC_WARNING, "status | text"};
	struct die_args j = {SBTC_FORMAT_JSON, SBTC_CRITICAL, "status | text"};
	int code;
	(void)unused;
	char *out = run_in_child(child_print_status, &t, &code);
	assert_int_equal(code, 0);
	assert_string_equal(out, "before\nSBTC PRINT WARNING - status / text\n");
	free(out);
	out = run_in_child(child_print_status, &j, &code);
	assert_int_equal(code, 0);
	assert_memory_equal(out, "before\n", 7);
	json_object *o = parse_json_line(out + 7);
	expect_string_field(o, "check", "PRINT");
	expect_int_field(o, "state", 2);
	expect_string_field(o, "state_text", "CRITICAL");
	expect_string_field(o, "summary", "status | text");
	json_object_put(o);
	free(out);
}

struct finish_args {
	sbtc_format format;
};

static void child_finish(const void *arg)
{
	const struct finish_args *a = arg;
	sbtc_output_setup("FIN", a->format);
	exit(sbtc_finish(mixed_tree()));
}

/* Line breaks as a Unicode-aware reader counts them (Python's str.splitlines()). */
static size_t unicode_lines(const char *s)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t step = 1;
		int brk = 0;
		if (strchr("\n\r\v\f\x1c\x1d\x1e", *p) != NULL) {
			brk = 1;
			if (p[0] == '\r' && p[1] == '\n')
				step = 2;
		} else if (p[0] == 0xc2 && p[1] == 0x85) {
			brk = 1;
			step = 2;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			brk = 1;
			step = 3;
		}
		n += (size_t)brk;
		p += step;
	}
	return n;
}

/* No bidi control either, in any output. */
static int has_bidi(const char *s)
{
	static const char *const marks[] = {"\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa", "\xe2\x80\xae",
					    "\xe2\x81\xa6", "\xe2\x81\xa9", "\xef\xbb\xbf"};
	for (size_t i = 0; i < N_ELEMS(marks); i++)
		if (strstr(s, marks[i]) != NULL)
			return 1;
	return 0;
}

#define FORGED "node said \xe2\x80\xa8SBTC BLOCK_LAG OK - all good\xe2\x80\xa9\xc2\x85x \xe2\x80\xae" \
	       "kcab\xe2\x81\xa6 \xe2\x80\x8e\xef\xbb\xbf."

static void test_unicode_line_breaks(void **unused)
{
	(void)unused;
	sbtc_result *r = sbtc_result_new();
	sbtc_result_add(r, SBTC_CRITICAL, "%s", FORGED);
	sbtc_perf_add(r, "x", 1, "", NULL, NAN, NAN);
	for (int f = SBTC_FORMAT_MULTI_LINE; f <= SBTC_FORMAT_JSON; f++) {
		char *out = render(r, (sbtc_format)f);
		/* multi-line: status, one child, perfdata; the others: one line */
		assert_int_equal(unicode_lines(out), f == SBTC_FORMAT_MULTI_LINE ? 3 : 1);
		assert_false(has_bidi(out));
		assert_null(strstr(out, "\nSBTC "));
		free(out);
	}
	sbtc_result_set(r, SBTC_CRITICAL, "%s", FORGED); /* as the summary */
	char *out = render(r, SBTC_FORMAT_MULTI_LINE);
	assert_int_equal(unicode_lines(out), 3);
	static const char first[] = "SBTC TEST CRITICAL - node said SBTC BLOCK_LAG OK - all good x kcab .\n";
	assert_memory_equal(out, first, sizeof first - 1);
	free(out);
	sbtc_result_free(r);

	/* sbtc_die (and so usage errors) in both formats */
	for (int f = SBTC_FORMAT_MULTI_LINE; f <= SBTC_FORMAT_JSON; f += SBTC_FORMAT_JSON) {
		struct die_args a = {(sbtc_format)f, SBTC_UNKNOWN, FORGED};
		int code;
		out = run_in_child(child_die, &a, &code);
		assert_int_equal(code, 3);
		assert_int_equal(unicode_lines(out), 1);
		assert_false(has_bidi(out));
		if (f == SBTC_FORMAT_JSON) {
			json_object *o = parse_json_line(out);
			json_object_put(o);
		}
		free(out);
	}
}

static void test_finish(void **unused)
{
	(void)unused;
	for (int f = SBTC_FORMAT_MULTI_LINE; f <= SBTC_FORMAT_JSON; f++) {
		struct finish_args a = {(sbtc_format)f};
		int code;
		char *out = run_in_child(child_finish, &a, &code);
		sbtc_result *r = mixed_tree();
		char *want = sbtc_render(r, "FIN", (sbtc_format)f);
		assert_int_equal(code, SBTC_CRITICAL);
		assert_string_equal(out, want);
		free(want);
		free(out);
		sbtc_result_free(r);
	}
}

/* Sub-check ids and unit words: kept as given, and a malformed one is a programming
 * error that ends the run UNKNOWN rather than reaching a machine-readable output. */
static void die_bad_id(const void *arg)
{
	sbtc_result *r = sbtc_result_new();
	sbtc_result_set_id(sbtc_result_add(r, SBTC_OK, "x"), (const char *)arg);
	_exit(99);
}

static void die_bad_unit(const void *arg)
{
	sbtc_result *r = sbtc_result_new();
	sbtc_perf_add_count(r, "lag", 1, (const char *)arg, NULL, 0, NAN);
	_exit(99);
}

static void test_ids_and_unit_words(void **unused)
{
	(void)unused;
	sbtc_result *root = sbtc_result_new();
	sbtc_result *c = sbtc_result_add(root, SBTC_WARNING, "newest backup is 2 d old");
	assert_null(sbtc_result_id(c));
	assert_ptr_equal(sbtc_result_set_id(c, "age"), c);
	assert_string_equal(sbtc_result_id(c), "age");
	sbtc_result_set_id(c, "bitcoin_lag2");
	assert_string_equal(sbtc_result_id(c), "bitcoin_lag2");
	sbtc_perf_add_count(root, "bitcoin_lag", 3, "blocks", NULL, 0, NAN);
	sbtc_perf_add(root, "age", 5, "s", NULL, 0, NAN);
	assert_int_equal(sbtc_result_nperf(root), 2);
	assert_string_equal(sbtc_result_perf(root, 0)->unit_word, "blocks");
	assert_string_equal(sbtc_result_perf(root, 0)->uom, "");
	assert_string_equal(sbtc_result_perf(root, 1)->unit_word, "");
	/* The Nagios perfdata does not change. */
	char *out = sbtc_render(root, "LAG", SBTC_FORMAT_ONE_LINE);
	assert_non_null(strstr(out, "'bitcoin_lag'=3;;;0 'age'=5s"));
	free(out);
	sbtc_result_free(root);

	const char *bad_ids[] = {"", "Age", "1st", "_x", "a-b", "a b", "/var/backups",
				 "a123456789012345678901234567890123456789012345678"};
	for (size_t i = 0; i < N_ELEMS(bad_ids); i++) {
		int code = -1;
		char *o = run_in_child(die_bad_id, bad_ids[i], &code);
		assert_int_equal(code, 3);
		assert_non_null(strstr(o, "sub-check id"));
		free(o);
	}
	const char *bad_units[] = {"", "Blocks", "blocks_x", "b2", "abcdefghijklmnop"};
	for (size_t i = 0; i < N_ELEMS(bad_units); i++) {
		int code = -1;
		char *o = run_in_child(die_bad_unit, bad_units[i], &code);
		assert_int_equal(code, 3);
		assert_non_null(strstr(o, "unit word"));
		free(o);
	}
}


/* ---- --output-format=prometheus ----------------------------------------------------- */

static sbtc_range range_of(const char *text)
{
	sbtc_range r;
	char err[200];
	if (sbtc_range_parse(text, SBTC_UNIT_NONE, &r, err, sizeof err) != 0)
		fail_msg("%s", err);
	return r;
}

#define FAMILY(name, help) "# HELP " name " " help "\n# TYPE " name " gauge\n"
#define STATE_HELP "State of the check (sub: of one sub-check): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, as its exit code."
#define HEAD(check, state, dur, wall) \
	FAMILY("sbtc_check_state", STATE_HELP) "sbtc_check_state{check=\"" check "\"} " state "\n"
#define TAIL(check, dur, wall) \
	FAMILY("sbtc_check_duration_seconds", "Seconds the check's run took.") \
	"sbtc_check_duration_seconds{check=\"" check "\"} " dur "\n" \
	FAMILY("sbtc_check_last_run_timestamp_seconds", "Unix time at which the check's run ended.") \
	"sbtc_check_last_run_timestamp_seconds{check=\"" check "\"} " wall "\n"
#define WARN_HELP "Warning threshold of the gauge named without _warning_threshold: the state is WARNING above it."
#define CRIT_HELP "Critical threshold of the gauge named without _critical_threshold: the state is CRITICAL above it."

static void test_prom_format(void **unused)
{
	(void)unused;
	assert_int_equal(sbtc_format_parse("prometheus"), SBTC_FORMAT_PROMETHEUS);
	assert_int_equal(sbtc_format_parse("Prometheus"), -1);

	sbtc_result *root = sbtc_result_new();
	/* The same id twice, in different branches: one series, the worst state. */
	sbtc_result *a = sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "bitcoin: level"), "lag");
	sbtc_result *b = sbtc_result_add(root, SBTC_OK, "stacks");
	sbtc_result_set_id(sbtc_result_add(b, SBTC_WARNING, "behind \"x\" \\ y"), "lag");
	sbtc_result_set_id(b, "stacks_node");
	sbtc_result_add(root, SBTC_CRITICAL, "no id: counts in the check only");
	sbtc_thresholds t = {range_of("10"), range_of("~:20")};
	sbtc_perf_add(a, "age", 12, "s", &t, 0, NAN);
	/* Lower bounds, ranges and '@' give no threshold series. */
	sbtc_thresholds lower = {range_of("5:"), range_of("@1:3")};
	sbtc_perf_add(a, "free", 7, "B", &lower, 0, NAN);
	sbtc_thresholds span = {range_of("1:9"), range_of("0:9")};
	sbtc_perf_add(root, "used", 42.5, "%", &span, 0, 100);
	/* A label that ends in its unit word does not get it twice; counts get it. */
	sbtc_perf_add_count(root, "verified_shares", 3, "shares", NULL, 0, NAN);
	sbtc_perf_add_count(root, "bitcoin_lag", -2, "blocks", NULL, 0, NAN);
	sbtc_perf_add(root, "ratio_plain", 0.25, "", NULL, NAN, NAN);
	/* Undetermined: no sample, no garbage. */
	sbtc_perf_add(root, "unknown", NAN, "s", &t, 0, NAN);
	/* Same series again: the first stands. */
	sbtc_perf_add(b, "age", 99, "s", NULL, 0, NAN);
	sbtc_perf_add(b, "age_seconds", 98, "", NULL, 0, NAN);
	sbtc_perf_add(b, "odd label=1", 1e20, "", NULL, 0, NAN);

	char *out = sbtc_prom_render(root, "LAG", 0.1234567, 1796000000.5);
	const char *want =
		HEAD("lag", "2", "", "")
		"sbtc_check_state{check=\"lag\",sub=\"lag\"} 1\n"
		"sbtc_check_state{check=\"lag\",sub=\"stacks_node\"} 1\n"
		TAIL("lag", "0.123457", "1796000000.5")
		FAMILY("sbtc_lag_used_ratio", "Performance data used of the check, in ratio.")
		"sbtc_lag_used_ratio{check=\"lag\"} 0.425\n"
		FAMILY("sbtc_lag_used_ratio_critical_threshold", CRIT_HELP)
		"sbtc_lag_used_ratio_critical_threshold{check=\"lag\"} 0.09\n"
		FAMILY("sbtc_lag_verified_shares", "Performance data verified_shares of the check, in shares.")
		"sbtc_lag_verified_shares{check=\"lag\"} 3\n"
		FAMILY("sbtc_lag_bitcoin_lag_blocks", "Performance data bitcoin_lag of the check, in blocks.")
		"sbtc_lag_bitcoin_lag_blocks{check=\"lag\"} -2\n"
		FAMILY("sbtc_lag_ratio_plain", "Performance data ratio_plain of the check.")
		"sbtc_lag_ratio_plain{check=\"lag\"} 0.25\n"
		FAMILY("sbtc_lag_age_seconds", "Performance data age of the check, in seconds.")
		"sbtc_lag_age_seconds{check=\"lag\"} 12\n"
		FAMILY("sbtc_lag_age_seconds_warning_threshold", WARN_HELP)
		"sbtc_lag_age_seconds_warning_threshold{check=\"lag\"} 10\n"
		FAMILY("sbtc_lag_age_seconds_critical_threshold", CRIT_HELP)
		"sbtc_lag_age_seconds_critical_threshold{check=\"lag\"} 20\n"
		FAMILY("sbtc_lag_free_bytes", "Performance data free of the check, in bytes.")
		"sbtc_lag_free_bytes{check=\"lag\"} 7\n"
		"# sbtc: dropped perfdata age: series sbtc_lag_age_seconds is given already\n"
		"# sbtc: dropped perfdata age_seconds: series sbtc_lag_age_seconds is given already\n"
		FAMILY("sbtc_lag_odd_label_1", "Performance data odd_label_1 of the check.")
		"sbtc_lag_odd_label_1{check=\"lag\"} 100000000000000000000\n";
	assert_string_equal(out, want);
	free(out);
	/* Deterministic: the same tree, the same text. */
	out = sbtc_prom_render(root, "LAG", 0.1234567, 1796000000.5);
	assert_string_equal(out, want);
	free(out);

	/* Label values escaped as the format requires; names keep to [a-z0-9_]. */
	out = sbtc_prom_render(root, "A\"B\\C\nD", 0, 0);
	assert_non_null(strstr(out, "sbtc_check_state{check=\"a\\\"b\\\\c\\nd\"} 2\n"));
	assert_non_null(strstr(out, "sbtc_a_b_c_d_age_seconds{check=\"a\\\"b\\\\c\\nd\"} 12\n"));
	assert_null(strstr(out, "NaN"));
	assert_null(strstr(out, "Inf"));
	assert_null(strstr(out, "behind"));
	free(out);
	sbtc_result_free(root);

	/* Through sbtc_render: no sub-check, and the clock's values. */
	root = sbtc_result_new();
	out = sbtc_render(root, "X", SBTC_FORMAT_PROMETHEUS);
	assert_memory_equal(out, HEAD("x", "0", "", ""), strlen(HEAD("x", "0", "", "")));
	assert_non_null(strstr(out, "\nsbtc_check_last_run_timestamp_seconds{check=\"x\"} 1"));
	free(out);
	sbtc_result_free(root);
}

static void test_prom_status_cut(void **unused)
{
	(void)unused;
	char buf[1024];
	size_t n = sbtc_prom_render_status(buf, sizeof buf, "BACKUP", SBTC_UNKNOWN, 1.5, 1796000000);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, HEAD("backup", "3", "", "") TAIL("backup", "1.5", "1796000000"));
	/* Too small: whole lines only. */
	char small[200];
	n = sbtc_prom_render_status(small, sizeof small, "BACKUP", SBTC_UNKNOWN, 1.5, 1796000000);
	assert_int_equal(n, strlen(small));
	assert_true(n > 0 && small[n - 1] == '\n');
	assert_memory_equal(small, buf, n);
}

struct prom_args {
	int how; /* 0 die, 1 print_status, 2 finish, 3 backstop */
	const char *file; /* --output-file, or NULL */
};

static void child_prom(const void *arg)
{
	const struct prom_args *a = arg;
	sbtc_output_setup("PROM", SBTC_FORMAT_PROMETHEUS);
	if (a->file != NULL) {
		char err[600];
		if (sbtc_output_file_setup(a->file, err, sizeof err) != 0) {
			printf("setup: %s\n", err);
			exit(98);
		}
	}
	sbtc_deadline_start(a->how == 3 ? 0.2 : 10, SBTC_CRITICAL);
	sbtc_deadline_activity("reading \"secret\" things");
	switch (a->how) {
	case 0:
		sbtc_die(SBTC_WARNING, "died with \"text\" | here");
	case 1:
		sbtc_print_status(SBTC_UNKNOWN, "status text");
		exit(3);
	case 2: {
		sbtc_result *r = sbtc_result_new();
		sbtc_result_set_id(sbtc_result_add(r, SBTC_CRITICAL, "bad"), "thing");
		sbtc_perf_add(r, "age", 5, "s", NULL, 0, NAN);
		exit(sbtc_finish(r));
	}
	default:
		for (;;)
			pause();
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sbtc_strbuf_append(&b, buf, n);
	fclose(f);
	return sbtc_strbuf_steal(&b);
}

/* Every path that prints gives an exposition with the check's state, also into a file. */
static void test_prom_print_paths(void **unused)
{
	(void)unused;
	static const struct {
		int how;
		int code;
		const char *state_line;
	} cases[] = {
		{0, 1, "sbtc_check_state{check=\"prom\"} 1\n"},
		{1, 3, "sbtc_check_state{check=\"prom\"} 3\n"},
		{2, 2, "sbtc_check_state{check=\"prom\"} 2\nsbtc_check_state{check=\"prom\",sub=\"thing\"} 2\n"},
		{3, 2, "sbtc_check_state{check=\"prom\"} 2\n"},
	};
	char dir[] = "/tmp/sbtc-test-prom-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *file = sbtc_xasprintf("%s/sbtc_prom.prom", dir);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		for (int to_file = 0; to_file < 2; to_file++) {
			struct prom_args a = {cases[i].how, to_file ? file : NULL};
			int code = -1;
			char *out = run_in_child(child_prom, &a, &code);
			assert_int_equal(code, cases[i].code);
			if (to_file) {
				assert_string_equal(out, ""); /* stdout stays silent */
				free(out);
				out = read_file(file);
				assert_non_null(out);
			}
			const char *head = "# HELP sbtc_check_state ";
			assert_memory_equal(out, head, strlen(head));
			assert_non_null(strstr(out, cases[i].state_line));
			assert_non_null(strstr(out, "\nsbtc_check_duration_seconds{check=\"prom\"} "));
			assert_non_null(strstr(out, "\nsbtc_check_last_run_timestamp_seconds{check=\"prom\"} 1"));
			/* No free text: neither the message nor the activity. */
			assert_null(strstr(out, "text"));
			assert_null(strstr(out, "secret"));
			assert_int_equal(out[strlen(out) - 1], '\n');
			free(out);
		}
	}
	/* Only the file is left: the temporary one is renamed or gone. */
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(dir), 0); /* fails when a temporary file is left */
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_result_state),
		cmocka_unit_test(test_result_set_and_add),
		cmocka_unit_test(test_root_only),
		cmocka_unit_test(test_mixed_children),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_perf_placement),
		cmocka_unit_test(test_sanitize_texts),
		cmocka_unit_test(test_json_tree),
		cmocka_unit_test(test_json_text_sanitised),
		cmocka_unit_test(test_json_perfdata),
		cmocka_unit_test(test_die_text),
		cmocka_unit_test(test_die_json),
		cmocka_unit_test(test_print_status),
		cmocka_unit_test(test_unicode_line_breaks),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_ids_and_unit_words),
		cmocka_unit_test(test_prom_format),
		cmocka_unit_test(test_prom_status_cut),
		cmocka_unit_test(test_prom_print_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
