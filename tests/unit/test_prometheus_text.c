/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/prometheus_text.c: the revision label of the signer exporter's
 * build_info sample (Prometheus text exposition format: name{label="value",...} value,
 * label values escaped with \\, \" and \n), the URL a scrape asks, and how an answer is
 * judged. The exporter's side is covered by tests/integration/test_version.py
 * (test_metrics_exporter). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prometheus_text.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_signer_exporter(void **unused)
{
	(void)unused;
	/* the shape tests/fixtures/metrics_exporter.py serves */
	static const char body[] =
		"# HELP build_info Build information of the signer.\n"
		"# TYPE build_info gauge\n"
		"build_info{app=\"signer\",arch=\"x86_64\",env_abi=\"gnu\",revision=\"v1.3.3\",rust_version=\"1.85.0\"} 1\n"
		"# TYPE peers_connected gauge\n"
		"peers_connected{app=\"signer\"} 4\n";
	char rev[128];
	assert_true(sbtc_prom_build_info_revision(body, rev, sizeof rev));
	assert_string_equal(rev, "v1.3.3");
}

static void test_namespaced_and_choice(void **unused)
{
	(void)unused;
	char rev[128];
	/* NAMESPACE_build_info counts; with several, app="signer" wins, else the first */
	assert_true(sbtc_prom_build_info_revision("x_build_info{app=\"other\",revision=\"r1\"} 1\n"
						  "sbtc_build_info{revision=\"r2\", app=\"signer\"} 1\n"
						  "build_info{app=\"third\",revision=\"r3\"} 1\n",
						  rev, sizeof rev));
	assert_string_equal(rev, "r2");
	assert_true(sbtc_prom_build_info_revision("a_build_info{revision=\"r1\"} 1\nbuild_info{revision=\"r2\"} 1",
						  rev, sizeof rev));
	assert_string_equal(rev, "r1");
	/* a comment, a name that only ends in build_info without the '_', an unlabelled sample */
	static const char *const none[] = {
		"",
		"# build_info{revision=\"r1\"} 1\n",
		"xbuild_info{revision=\"r1\"} 1\n",
		"build_info 1\n",
		"build_info{} 1\n",
		"build_info{app=\"signer\"} 1\n",
		"build_info{revision=\"unterminated} 1\n",
		"build_info{revision=r1} 1\n",
		"_build_info{revision=\"r1\"} 1\n",
	};
	for (size_t i = 0; i < N_ELEMS(none); i++) {
		snprintf(rev, sizeof rev, "%s", "untouched");
		if (sbtc_prom_build_info_revision(none[i], rev, sizeof rev))
			fail_msg("'%s' gave '%s'", none[i], rev);
		assert_string_equal(rev, "untouched");
	}
}

static void test_escapes_and_cut(void **unused)
{
	(void)unused;
	char rev[128];
	assert_true(sbtc_prom_build_info_revision("build_info{revision=\"v1\\\"q\\\"\\nnext\\\\\"} 1\n", rev,
						  sizeof rev));
	assert_string_equal(rev, "v1\"q\"\nnext\\");
	/* a '}' inside a value: the closing brace is the last one on the line */
	assert_true(sbtc_prom_build_info_revision("build_info{x=\"}\",revision=\"r}\"} 1\n", rev, sizeof rev));
	assert_string_equal(rev, "r}");
	/* a value longer than the buffer is cut, terminated */
	char small[5];
	assert_true(sbtc_prom_build_info_revision("build_info{revision=\"0123456789\"} 1\n", small, sizeof small));
	assert_string_equal(small, "0123");
}

static void test_label(void **unused)
{
	(void)unused;
	static const char set[] = "a=\"1\", b =\"x\\\"y\",revision=\"abc\"";
	const char *end = set + strlen(set);
	char v[16];
	assert_true(sbtc_prom_label(set, end, "a", v, sizeof v));
	assert_string_equal(v, "1");
	assert_true(sbtc_prom_label(set, end, "b", v, sizeof v));
	assert_string_equal(v, "x\"y");
	assert_true(sbtc_prom_label(set, end, "revision", v, sizeof v));
	assert_string_equal(v, "abc");
	assert_false(sbtc_prom_label(set, end, "c", v, sizeof v));
	assert_false(sbtc_prom_label(set, end, "", v, sizeof v));
	/* the set ends where it is told to, not at a terminator: "abc" cut to "ab" is open */
	assert_false(sbtc_prom_label(set, end - 2, "revision", v, sizeof v));
	/* a blank between '=' and the quote is not the format: the set is malformed there */
	static const char spaced[] = "a= \"1\",revision=\"abc\"";
	assert_false(sbtc_prom_label(spaced, spaced + strlen(spaced), "revision", v, sizeof v));
	/* a backslash as the last byte of the set does not reach past it */
	static const char tail[] = "a=\"x\\";
	assert_false(sbtc_prom_label(tail, tail + strlen(tail), "a", v, sizeof v));
}

static void test_scrape_url(void **unused)
{
	(void)unused;
	/* Prometheus' default metrics_path for a target without a path; a path is kept */
	static const char *const cases[][2] = {
		{"http://127.0.0.1:9184", "http://127.0.0.1:9184/metrics"},
		{"http://127.0.0.1:9184/", "http://127.0.0.1:9184/"},
		{"http://127.0.0.1:9184/metrics", "http://127.0.0.1:9184/metrics"},
		{"https://h.example/custom/path", "https://h.example/custom/path"},
		{"http://h:1?x=1", "http://h:1/metrics?x=1"},
		{"http://u:p@h:1#f", "http://u:p@h:1/metrics#f"},
		{"http://[::1]:9184", "http://[::1]:9184/metrics"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *u = sbtc_prom_scrape_url(cases[i][0]);
		assert_string_equal(u, cases[i][1]);
		free(u);
	}
}

static void test_answer(void **unused)
{
	(void)unused;
	sbtc_prom_build_info bi;
	sbtc_outcome oc;
	char ok_body[] = "build_info{app=\"signer\",revision=\"v1.3.3\"} 1\n";
	sbtc_http_response resp = {.status = 200, .body = ok_body, .len = sizeof ok_body - 1};
	assert_int_equal(sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc), SBTC_FETCH_OK);
	assert_true(oc.done);
	assert_string_equal(oc.msg, "");
	assert_string_equal(bi.revision, "v1.3.3");

	char none[] = "# nothing here\nup 1\n";
	resp = (sbtc_http_response){.status = 200, .body = none, .len = sizeof none - 1};
	assert_int_equal(sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc), SBTC_FETCH_BAD_ANSWER);
	assert_string_equal(oc.msg, "exporter has no build_info metric with a revision label");
	assert_string_equal(bi.revision, "");

	char empty[] = "";
	resp = (sbtc_http_response){.status = 200, .body = empty, .len = 0};
	assert_int_equal(sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc), SBTC_FETCH_BAD_ANSWER);

	/* another status: the peer's words, cleaned of what a terminal or Nagios would read */
	char err_body[] = "Service Unavailable|\x1b[31m";
	resp = (sbtc_http_response){.status = 503, .body = err_body, .len = sizeof err_body - 1};
	assert_int_equal(sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc), SBTC_FETCH_ERROR);
	assert_non_null(strstr(oc.msg, "exporter answered HTTP 503: Service Unavailable"));
	assert_null(strchr(oc.msg, '|'));
	assert_null(strchr(oc.msg, '\x1b'));
	resp = (sbtc_http_response){.status = 404, .body = empty, .len = 0};
	assert_int_equal(sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc), SBTC_FETCH_ERROR);
	assert_string_equal(oc.msg, "exporter answered HTTP 404");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signer_exporter),
		cmocka_unit_test(test_namespaced_and_choice),
		cmocka_unit_test(test_escapes_and_cut),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_scrape_url),
		cmocka_unit_test(test_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
