/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/cli.c: -t parsing, the help text, and the shared command line
 * (each sbtc_cli_parse runs in a child, since it exits and starts the deadline). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

#include "child.h"
#include "cli.h"
#include "bitcoin.h"
#include "deadline.h"
#include "dkg.h"
#include "http.h"
#include "range.h"
#include "strbuf.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the demo plugin -------------------------------------------------------------- */

enum { OPT_FLAG = SBTC_OPT_PLUGIN_FIRST, OPT_LEVEL, OPT_FAIL, OPT_PLAIN, OPT_DEADLINE };

static const sbtc_option demo_options[] = {
	{"url", 'u', SBTC_ARG_REQUIRED, "URL", 'u', "The node's URL.", "http://127.0.0.1:1"},
	{"number", 'n', SBTC_ARG_REQUIRED, "NUMBER", 'n', "A number\nover two lines.", NULL},
	{"flag", 0, SBTC_ARG_NONE, NULL, OPT_FLAG, "A flag.", NULL},
	{"level", 0, SBTC_ARG_OPTIONAL, "LEVEL", OPT_LEVEL, "An optional value.", NULL},
	{"fail", 0, SBTC_ARG_REQUIRED, "WHY", OPT_FAIL, "Makes the handler refuse WHY.", NULL},
	{"plain", 0, SBTC_ARG_REQUIRED, NULL, OPT_PLAIN, "An argument without a name.", "two words"},
	{"deadline", 0, SBTC_ARG_NONE, NULL, OPT_DEADLINE, "Logs the deadline running while parsing.", NULL},
};

static const sbtc_plugin_info demo_info = {
	.progname = "check_sbtc_demo",
	.check_label = "DEMO",
	.purpose = "Checks the demo.\nSecond line of purpose.",
	.usage = "[-u URL] [-n NUMBER | --flag]",
	.options = demo_options,
	.noptions = N_ELEMS(demo_options),
	.notes = "States:\n  OK  all is fine.",
	.default_timeout = 15,
};

#define USAGE_LINES                                                                              \
	"Usage: check_sbtc_demo [-u URL] [-n NUMBER or --flag]\n"                                 \
	"Run 'check_sbtc_demo --help' for details.\n"

struct demo_ctx {
	sbtc_strbuf log;
	const char *url;
};

static int demo_handler(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	struct demo_ctx *c = ctx;
	if (key == OPT_FAIL) {
		snprintf(err, errlen, "handler refused '%s'", arg);
		return -1;
	}
	if (key == 'u')
		c->url = arg;
	if (key == OPT_DEADLINE) {
		sbtc_strbuf_printf(&c->log, "deadline=%g\n", sbtc_deadline_seconds());
		return 0;
	}
	sbtc_strbuf_printf(&c->log, "%d=%s\n", key, arg ? arg : "(none)");
	return 0;
}

/* ---- running a command line in a child ---------------------------------------------- */

struct run {
	int code;
	char *out;
};

/* Replaces every "FILE" in pattern by path (malloc'd). */
static char *with_path(const char *pattern, const char *path)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *p = pattern;
	const char *hit;
	while (path != NULL && (hit = strstr(p, "FILE")) != NULL) {
		sbtc_strbuf_append(&b, p, (size_t)(hit - p));
		sbtc_strbuf_puts(&b, path);
		p = hit + 4;
	}
	sbtc_strbuf_puts(&b, p);
	return sbtc_strbuf_steal(&b);
}

/* In the child: parse, then report what was parsed and exit 0. */
static void child_parse(char **argv)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	struct demo_ctx ctx = {SBTC_STRBUF_INIT, NULL};
	sbtc_common_opts common;
	sbtc_cli_parse(&demo_info, argc, argv, &common, demo_handler, &ctx);
	printf("verbose=%d timeout=%g timeout_state=%s format=%d label=%s url=%s\n%s", common.verbose,
	       common.timeout, sbtc_state_name(common.timeout_state), (int)common.format,
	       sbtc_output_check_label(), ctx.url ? ctx.url : "(none)", sbtc_strbuf_str(&ctx.log));
	sbtc_strbuf_free(&ctx.log);
	exit(0);
}

static void child_parse_arg(const void *argv)
{
	child_parse((char **)argv);
}

/* Runs the demo plugin with args (NULL-terminated; "FILE" replaced by path). */
static struct run run_args(const char *const *args, const char *path)
{
	char *argv[32];
	size_t n = 0;
	argv[n++] = sbtc_xstrdup("check_sbtc_demo");
	for (; args[n - 1] != NULL && n < N_ELEMS(argv) - 1; n++)
		argv[n] = with_path(args[n - 1], path);
	argv[n] = NULL;

	struct run res;
	res.out = run_in_child(child_parse_arg, argv, &res.code);
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	return res;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_run(const char *const *args, const char *path, int code, const char *want)
{
	struct run r = run_args(args, path);
	char *w = with_path(want, path);
	if (r.code != code || strcmp(r.out, w) != 0) {
		sbtc_strbuf cmd = SBTC_STRBUF_INIT;
		for (size_t i = 0; args[i] != NULL; i++)
			sbtc_strbuf_printf(&cmd, " %s", args[i]);
		fail_msg("check_sbtc_demo%s: exit %d\n%s\nexpected exit %d\n%s", sbtc_strbuf_str(&cmd), r.code,
			 r.out, code, w);
	}
	free(w);
	free(r.out);
}

/* ---- sbtc_parse_timeout ------------------------------------------------------------- */

static void test_parse_timeout(void **unused)
{
	static const struct {
		const char *text;
		int rc;
		double seconds;
		sbtc_state state;
		const char *err;
	} cases[] = {
		{"10", 0, 10, SBTC_UNKNOWN, NULL},
		{"2.5", 0, 2.5, SBTC_UNKNOWN, NULL},
		{"86400", 0, 86400, SBTC_UNKNOWN, NULL},
		{"0.001", 0, 0.001, SBTC_UNKNOWN, NULL},
		{"10:CRITICAL", 0, 10, SBTC_CRITICAL, NULL},
		{"10:critical", 0, 10, SBTC_CRITICAL, NULL},
		{"10:OK", 0, 10, SBTC_OK, NULL},
		{"10:warning", 0, 10, SBTC_WARNING, NULL},
		{"10:UNKNOWN", 0, 10, SBTC_UNKNOWN, NULL},
		{"10:2", 0, 10, SBTC_CRITICAL, NULL},
		{"10:0", 0, 10, SBTC_OK, NULL},
		{"10:crit", -1, 0, 0, "invalid timeout state 'crit': use OK, WARNING, CRITICAL or UNKNOWN"},
		{"10:", -1, 0, 0, "invalid timeout state '': use OK, WARNING, CRITICAL or UNKNOWN"},
		{"10:4", -1, 0, 0, "invalid timeout state '4': use OK, WARNING, CRITICAL or UNKNOWN"},
		{"10:CRITICAL:x", -1, 0, 0,
		 "invalid timeout state 'CRITICAL:x': use OK, WARNING, CRITICAL or UNKNOWN"},
		{"0", -1, 0, 0, "invalid timeout '0': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"-1", -1, 0, 0, "invalid timeout '-1': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"abc", -1, 0, 0, "invalid timeout 'abc': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"86401", -1, 0, 0, "invalid timeout '86401': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"", -1, 0, 0, "invalid timeout '': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"10s", -1, 0, 0, "invalid timeout '10s': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"nan", -1, 0, 0, "invalid timeout 'nan': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{"inf", -1, 0, 0, "invalid timeout 'inf': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{":CRITICAL", -1, 0, 0,
		 "invalid timeout ':CRITICAL': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		double seconds = -7;
		sbtc_state st = SBTC_UNKNOWN;
		char err[200] = "";
		int rc = sbtc_parse_timeout(cases[i].text, &seconds, &st, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("parse_timeout(\"%s\") = %d, expected %d (%s)", cases[i].text, rc, cases[i].rc, err);
		if (rc == 0) {
			assert_true(seconds == cases[i].seconds);
			assert_int_equal(st, cases[i].state);
		} else {
			assert_string_equal(err, cases[i].err);
			/* Nothing is changed on failure. */
			assert_true(seconds == -7);
			assert_int_equal(st, SBTC_UNKNOWN);
		}
	}
}

/* ---- the help text ------------------------------------------------------------------ */

static void test_help_text(void **unused)
{
	static const char *const must_contain[] = {
		"check_sbtc_demo " PACKAGE_VERSION " (" PACKAGE_NAME ")\n\n",
		/* prose lines are joined into one paragraph */
		"\nChecks the demo. Second line of purpose.\n",
		"\nUsage:\n  check_sbtc_demo [-u URL] [-n NUMBER | --flag]\n",
		"\nOptions:\n",
		/* the shared options */
		"\n -h, --help\n    Print this help and exit (state UNKNOWN).\n -V, --version\n",
		"\n -V, --version\n    Print the version and exit (state UNKNOWN).\n -v, --verbose\n",
		"\n -v, --verbose\n    ",
		/* -t's default is the plugin's own */
		"\n -t, --timeout=SECONDS[:STATE]\n    Deadline for the whole run in seconds, and the state to report when it\n"
		"    passes (OK, WARNING, CRITICAL or UNKNOWN; UNKNOWN when no state is given).\n"
		"    Default: 15\n --output-format=FORMAT\n",
		"\n --output-format=FORMAT\n    multi-line, one-line, json (versioned document), or prometheus (text\n"
		"    exposition format, as the node exporter's textfile collector reads it). The\n"
		"    exit code is the state in every format.\n    Default: multi-line\n --output-file=FILE\n",
		"\n --output-file=FILE\n    Write the output to FILE instead of standard output, atomically: into a\n",
		"    FILE must not be a symbolic link.\n --extra-opts",
		"\n --extra-opts[=[SECTION][@FILE]]\n    ",
		/* the plugin's: the Default line last, as written, only where there is one */
		"\n -u, --url=URL\n    The node's URL.\n    Default: http://127.0.0.1:1\n -n, --number",
		"\n -n, --number=NUMBER\n    A number over two lines.\n --flag\n",
		"\n --flag\n    A flag.\n --level",
		"\n --level[=LEVEL]\n    An optional value.\n --fail",
		"\n --fail=WHY\n    Makes the handler refuse WHY.\n --plain",
		"\n --plain=VALUE\n    An argument without a name.\n    Default: two words\n --deadline",
		"\nStates:\n  OK  all is fine.\n",
	};
	(void)unused;
	char *help = sbtc_cli_help(&demo_info);
	for (size_t i = 0; i < N_ELEMS(must_contain); i++)
		if (strstr(help, must_contain[i]) == NULL)
			fail_msg("help lacks \"%s\":\n%s", must_contain[i], help);
	/* The shared options come first, the notes last. */
	assert_true(strstr(help, "--help") < strstr(help, "--url"));
	assert_true(strstr(help, "--extra-opts") < strstr(help, "--url"));
	size_t len = strlen(help);
	assert_string_equal(help + len - strlen("  OK  all is fine.\n"), "  OK  all is fine.\n");
	/* Default lines: the deadline's, the output format's, and the two of the table. */
	size_t defaults = 0;
	for (const char *p = help; (p = strstr(p, "\n    Default: ")) != NULL; p++)
		defaults++;
	assert_int_equal(defaults, 4);
	free(help);

	/* No notes: the help ends with the last option. */
	sbtc_plugin_info bare = demo_info;
	bare.notes = NULL;
	bare.noptions = 1;
	bare.default_timeout = 0;
	help = sbtc_cli_help(&bare);
	len = strlen(help);
	static const char end[] = "    The node's URL.\n    Default: http://127.0.0.1:1\n";
	assert_string_equal(help + len - strlen(end), end);
	assert_null(strstr(help, "--number"));
	/* Without a default of its own, the deadline is 10 seconds. */
	assert_non_null(strstr(help, "is given).\n    Default: 10\n --output-format"));
	free(help);
}

/* Every line of text within SBTC_HELP_WIDTH columns (UTF-8 characters, not bytes). */
static void assert_within_width(const char *text)
{
	size_t line = 1;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		size_t cols = 0;
		for (size_t i = 0; i < n; i++)
			cols += ((unsigned char)p[i] & 0xC0) != 0x80;
		if (cols > SBTC_HELP_WIDTH)
			fail_msg("line %zu has %zu columns:\n%.*s", line, cols, (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
		line++;
	}
}

static const sbtc_option wide_options[] = {
	{"long", 'l', SBTC_ARG_REQUIRED, "TEXT", 'l',
	 "A help text written on one line far wider than eighty columns, which the help fills to the "
	 "width, breaking only at blanks.\nA second source line joins the same paragraph.",
	 "a value with blanks that stays whole"},
	{"word", 0, SBTC_ARG_NONE, NULL, OPT_FLAG,
	 "https://example.org/a/word/longer/than/a/line/of/help/text/stands/alone/on/its/own/line/x "
	 "after it.", NULL},
};

static const sbtc_plugin_info wide_info = {
	.progname = "check_sbtc_wide",
	.check_label = "WIDE",
	.purpose = "Checks that a text written past eighty columns is filled: " "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" " is five "
		   "columns, not ten bytes, so the first line breaks after them and no sooner.",
	.usage = "[-l TEXT]",
	.options = wide_options,
	.noptions = N_ELEMS(wide_options),
	.notes = "States:\n"
		 "  OK        a table row whose text is too long for one line goes on under its own\n"
		 "            text, and its continuation lines join it.\n"
		 "  CRITICAL  short.\n"
		 "\n"
		 "Examples:\n"
		 "  check_sbtc_wide -l one\n"
		 "  check_sbtc_wide -l two",
	.default_timeout = 10,
};

static void test_help_fills_80_columns(void **unused)
{
	(void)unused;
	char *help = sbtc_cli_help(&wide_info);
	static const char *const must_contain[] = {
		/* 80 columns in 85 bytes (five characters of two bytes) */
		"\nChecks that a text written past eighty columns is filled: " "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" " is five columns,\n"
		"not ten bytes, so the first line breaks after them and no sooner.\n\nUsage:\n",
		"\n -l, --long=TEXT\n"
		"    A help text written on one line far wider than eighty columns, which the\n"
		"    help fills to the width, breaking only at blanks. A second source line joins\n"
		"    the same paragraph.\n"
		"    Default: a value with blanks that stays whole\n",
		"\n --word\n"
		"    https://example.org/a/word/longer/than/a/line/of/help/text/stands/alone/on/its/own/line/x\n"
		"    after it.\n",
		"\nStates:\n"
		"  OK        a table row whose text is too long for one line goes on under its\n"
		"            own text, and its continuation lines join it.\n"
		"  CRITICAL  short.\n\nExamples:\n"
		"  check_sbtc_wide -l one\n"
		"  check_sbtc_wide -l two\n",
	};
	for (size_t i = 0; i < N_ELEMS(must_contain); i++)
		if (strstr(help, must_contain[i]) == NULL)
			fail_msg("help lacks \"%s\":\n%s", must_contain[i], help);
	free(help);
	/* Without the one word longer than a line, every line fits. */
	sbtc_plugin_info fitting = wide_info;
	fitting.noptions = 1;
	help = sbtc_cli_help(&fitting);
	assert_within_width(help);
	free(help);
	help = sbtc_cli_help(&demo_info);
	assert_within_width(help);
	free(help);
}

/* ---- sbtc_cli_parse ----------------------------------------------------------------- */

static void test_help_and_version(void **unused)
{
	(void)unused;
	char *help = sbtc_cli_help(&demo_info);
	expect_run(ARGS("--help"), NULL, 3, help);
	expect_run(ARGS("-h"), NULL, 3, help);
	/* Before anything else is judged, even in JSON mode. */
	expect_run(ARGS("-v", "-h", "--bogus"), NULL, 3, help);
	expect_run(ARGS("--output-format=json", "--help"), NULL, 3, help);
	free(help);
	static const char version[] = "check_sbtc_demo (" PACKAGE_NAME ") " PACKAGE_VERSION "\n"
		SBTC_LICENSE_NOTICE;
	expect_run(ARGS("-V"), NULL, 3, version);
	expect_run(ARGS("--version"), NULL, 3, version);
	expect_run(ARGS("-vV"), NULL, 3, version);
	assert_string_equal(version, "check_sbtc_demo (monitoring-plugins-sbtc) " PACKAGE_VERSION "\n"
		"License GPL-2.0-or-later: GNU GPL version 2 or later <https://www.gnu.org/licenses/>.\n"
		"This is free software: you are free to change and redistribute it.\n"
		"There is NO WARRANTY, to the extent permitted by law.\n");
}

static void test_defaults(void **unused)
{
	(void)unused;
	expect_run(ARGS(NULL), NULL, 0,
		   "verbose=0 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
}

static void test_usage_errors(void **unused)
{
	static const struct {
		const char *args[6];
		const char *message;
	} cases[] = {
		{{"--bogus"}, "unknown option '--bogus'"},
		/* the name only: the value of an unknown option may be a secret */
		{{"--bogus=1"}, "unknown option '--bogus'"},
		{{"--rpcpassword=hunter2"}, "unknown option '--rpcpassword'"},
		{{"-x"}, "unknown option '-x'"},
		{{"-vx"}, "unknown option '-x'"},
		{{"-xv"}, "unknown option '-x'"},
		/* a short option after a long one is still named as itself */
		{{"--flag", "-xv"}, "unknown option '-x'"},
		{{"--output-format=one-line", "-vxv"}, "unknown option '-x'"},
		{{"--url=http://a", "-x"}, "unknown option '-x'"},
		/* a value given to an option that takes none */
		{{"--flag=1"}, "option '--flag' takes no value"},
		{{"--verbose=3"}, "option '--verbose' takes no value"},
		{{"--help=me"}, "option '--help' takes no value"},
		/* no abbreviations, ambiguous or not: "--fai=SECRET" is not --fail */
		{{"--ver"}, "unknown option '--ver' (long options must be written in full)"},
		{{"--fl"}, "unknown option '--fl' (long options must be written in full)"},
		{{"--fai=hunter2"}, "unknown option '--fai' (long options must be written in full)"},
		{{"-u", "http://a", "--outp=json"},
		 "unknown option '--outp' (long options must be written in full)"},
		/* missing arguments */
		{{"-u"}, "option '-u' needs a value"},
		{{"--url"}, "option '--url' needs a value"},
		{{"-vu"}, "option '-u' needs a value"},
		{{"--flag", "-t"}, "option '-t' needs a value"},
		{{"--timeout"}, "option '--timeout' needs a value"},
		/* positional arguments */
		{{"extra"}, "unexpected argument 'extra'"},
		{{"-v", "extra", "-t", "5"}, "unexpected argument 'extra'"},
		{{"--", "-v"}, "unexpected argument '-v'"},
		/* shared option values */
		{{"-t", "0"}, "invalid timeout '0': expected SECONDS[:STATE] with 0 < SECONDS <= 86400"},
		{{"--timeout=10:crit"}, "invalid timeout state 'crit': use OK, WARNING, CRITICAL or UNKNOWN"},
		{{"--output-format=xml"}, "invalid --output-format 'xml': use multi-line, one-line, json or prometheus"},
		/* the handler's own message */
		{{"--fail=because"}, "handler refused 'because'"},
		{{"-u", "http://a", "--fail", "no way"}, "handler refused 'no way'"},
		/* --extra-opts only in full, on the command line */
		{{"--extra=@/dev/null"}, "unknown option '--extra' (long options must be written in full)"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *args[7];
		size_t n = 0;
		for (; n < 6 && cases[i].args[n] != NULL; n++)
			args[n] = cases[i].args[n];
		args[n] = NULL;
		char *want = sbtc_xasprintf("SBTC DEMO UNKNOWN - %s\n" USAGE_LINES, cases[i].message);
		expect_run(args, NULL, 3, want);
		free(want);
	}
}

static void expect_json_usage_error(const char *const *args, const char *summary)
{
	struct run r = run_args(args, NULL);
	assert_int_equal(r.code, 3);
	size_t len = strlen(r.out);
	/* One JSON document, nothing else (no Usage line). */
	assert_true(len > 0);
	assert_int_equal(r.out[len - 1], '\n');
	assert_null(memchr(r.out, '\n', len - 1));
	json_object *o = json_tokener_parse(r.out);
	if (o == NULL)
		fail_msg("not JSON: %s", r.out);
	json_object *v;
	assert_true(json_object_object_get_ex(o, "schema_version", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(o, "check", &v));
	assert_string_equal(json_object_get_string(v), "DEMO");
	assert_true(json_object_object_get_ex(o, "state", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(o, "state_text", &v));
	assert_string_equal(json_object_get_string(v), "UNKNOWN");
	assert_true(json_object_object_get_ex(o, "summary", &v));
	assert_string_equal(json_object_get_string(v), summary);
	json_object_put(o);
	free(r.out);
}

static void test_json_usage_errors(void **unused)
{
	(void)unused;
	expect_json_usage_error(ARGS("--output-format=json", "--bogus"), "unknown option '--bogus'");
	/* The format is known even when the error comes first. */
	expect_json_usage_error(ARGS("--bogus", "--output-format=json"), "unknown option '--bogus'");
	expect_json_usage_error(ARGS("--output-format", "json", "-u"), "option '-u' needs a value");
	expect_json_usage_error(ARGS("--output-format=json", "extra"), "unexpected argument 'extra'");
	expect_json_usage_error(ARGS("--output-format=json", "--fail=\"q\""), "handler refused '\"q\"'");
	/* The last --output-format wins, as for the parse itself. */
	expect_run(ARGS("--output-format=json", "--output-format=one-line", "-x"), NULL, 3,
		   "SBTC DEMO UNKNOWN - unknown option '-x'\n" USAGE_LINES);
}

static void test_parsed_values(void **unused)
{
	(void)unused;
	expect_run(ARGS("-v"), NULL, 0, "verbose=1 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
	expect_run(ARGS("-vv"), NULL, 0, "verbose=2 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
	expect_run(ARGS("-vvvv"), NULL, 0,
		   "verbose=3 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
	expect_run(ARGS("-v", "--verbose", "-vv", "-v"), NULL, 0,
		   "verbose=3 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
	expect_run(ARGS("-t", "2.5:CRITICAL", "--output-format", "one-line"), NULL, 0,
		   "verbose=0 timeout=2.5 timeout_state=CRITICAL format=1 label=DEMO url=(none)\n");
	/* Each -t stands whole: the last one's state is its own or the default. */
	expect_run(ARGS("-t", "30:WARNING", "-t", "5"), NULL, 0,
		   "verbose=0 timeout=5 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
	expect_run(ARGS("-t", "30", "-t", "5:OK"), NULL, 0,
		   "verbose=0 timeout=5 timeout_state=OK format=0 label=DEMO url=(none)\n");
	expect_run(ARGS("--timeout=30", "--output-format=json"), NULL, 0,
		   "verbose=0 timeout=30 timeout_state=UNKNOWN format=2 label=DEMO url=(none)\n");
	/* The handler sees the plugin's options, in order, with their values. */
	expect_run(ARGS("-u", "http://a", "-n5", "--flag", "--level", "--level=2", "--number", "7", "--plain=p"),
		   NULL, 0,
		   "verbose=0 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=http://a\n"
		   "117=http://a\n110=5\n512=(none)\n513=(none)\n513=2\n110=7\n515=p\n");
	/* Options after a positional-looking "--" are not parsed. */
	expect_run(ARGS("-v", "--"), NULL, 0,
		   "verbose=1 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\n");
	/* Long options in full, also when one is a prefix of another's name. */
	expect_run(ARGS("--flag", "--url=http://b"), NULL, 0,
		   "verbose=0 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=http://b\n"
		   "512=(none)\n117=http://b\n");
}

/* The ini file of test_extra_opts, removed by remove_ini even when the test fails. */
static char g_ini_path[64];

static int remove_ini(void **unused)
{
	(void)unused;
	if (g_ini_path[0] != '\0')
		unlink(g_ini_path);
	g_ini_path[0] = '\0';
	unsetenv("MP_CONFIG_FILE");
	return 0;
}

static void test_extra_opts(void **unused)
{
	static const char ini[] =
		"[check_sbtc_demo]\n"
		"url = http://ini:20443\n"
		"flag\n"
		"timeout = 30:WARNING\n"
		"verbose\n"
		"[json]\n"
		"output-format = json\n"
		"[nested]\n"
		"extra-opts = other\n"
		"[bad]\n"
		"fail = from the ini\n"
		"[secret]\n"
		"rpcpassword = hunter2\n";
	char path[64];
	(void)unused;
	sbtc_strlcpy(path, "/tmp/sbtc_cli_XXXXXX", sizeof path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	sbtc_strlcpy(g_ini_path, path, sizeof g_ini_path);
	assert_int_equal(write(fd, ini, sizeof ini - 1), (ssize_t)(sizeof ini - 1));
	assert_int_equal(close(fd), 0);

	/* The handler sees the ini options, before the command line's. */
	expect_run(ARGS("-n", "1", "--extra-opts=@FILE"), path, 0,
		   "verbose=1 timeout=30 timeout_state=WARNING format=0 label=DEMO url=http://ini:20443\n"
		   "117=http://ini:20443\n512=(none)\n110=1\n");
	/* The command line wins for a single-valued option, wherever it stands. */
	expect_run(ARGS("-u", "http://cli", "--extra-opts=@FILE", "-t", "5"), path, 0,
		   "verbose=1 timeout=5 timeout_state=UNKNOWN format=0 label=DEMO url=http://cli\n"
		   "117=http://ini:20443\n512=(none)\n117=http://cli\n");
	expect_run(ARGS("--extra-opts=@FILE", "--url=http://cli", "-vv"), path, 0,
		   "verbose=3 timeout=30 timeout_state=WARNING format=0 label=DEMO url=http://cli\n"
		   "117=http://ini:20443\n512=(none)\n117=http://cli\n");
	/* The default section is the program's name; the file may come from MP_CONFIG_FILE. */
	setenv("MP_CONFIG_FILE", path, 1);
	expect_run(ARGS("--extra-opts"), NULL, 0,
		   "verbose=1 timeout=30 timeout_state=WARNING format=0 label=DEMO url=http://ini:20443\n"
		   "117=http://ini:20443\n512=(none)\n");
	expect_run(ARGS("--extra-opts=json"), NULL, 0,
		   "verbose=0 timeout=15 timeout_state=UNKNOWN format=2 label=DEMO url=(none)\n");
	/* "--extra-opts" before another option reads the default section, then the option;
	 * before a value, that value is the section (monitoring-plugins lib/extra_opts.c). */
	expect_run(ARGS("--extra-opts", "-n", "5"), NULL, 0,
		   "verbose=1 timeout=30 timeout_state=WARNING format=0 label=DEMO url=http://ini:20443\n"
		   "117=http://ini:20443\n512=(none)\n110=5\n");
	expect_run(ARGS("--extra-opts", "json", "-n", "5"), NULL, 0,
		   "verbose=0 timeout=15 timeout_state=UNKNOWN format=2 label=DEMO url=(none)\n110=5\n");
	unsetenv("MP_CONFIG_FILE");
	/* Errors in the ini file are usage errors. */
	expect_run(ARGS("--extra-opts=missing@FILE"), path, 3,
		   "SBTC DEMO UNKNOWN - section [missing] not found in FILE\n" USAGE_LINES);
	expect_run(ARGS("--extra-opts=bad@FILE"), path, 3,
		   "SBTC DEMO UNKNOWN - handler refused 'from the ini'\n" USAGE_LINES);
	expect_run(ARGS("--extra-opts=nested@FILE"), path, 3,
		   "SBTC DEMO UNKNOWN - option '--extra-opts' is read only on the command line, not from an "
		   "ini file\n" USAGE_LINES);
	/* An unknown option from the file is named without its value. */
	expect_run(ARGS("--extra-opts=secret@FILE"), path, 3,
		   "SBTC DEMO UNKNOWN - unknown option '--rpcpassword'\n" USAGE_LINES);
	/* "--extra-opts VALUE", as in the official plugins. */
	expect_run(ARGS("--extra-opts", "json@FILE", "-v"), path, 0,
		   "verbose=1 timeout=15 timeout_state=UNKNOWN format=2 label=DEMO url=(none)\n");
	expect_run(ARGS("--extra-opts", "bad@FILE"), path, 3,
		   "SBTC DEMO UNKNOWN - handler refused 'from the ini'\n" USAGE_LINES);
	/* Not a regular file: refused at once, whatever -t says. */
	expect_run(ARGS("-t", "2", "--extra-opts=@/dev/null"), NULL, 3,
		   "SBTC DEMO UNKNOWN - the extra-opts file /dev/null is a character device, not a regular "
		   "file\n" USAGE_LINES);
	expect_run(ARGS("--extra-opts=@FILE.none"), path, 3,
		   "SBTC DEMO UNKNOWN - cannot read the extra-opts file FILE.none: No such file or directory\n" USAGE_LINES);
	expect_json_usage_error(ARGS("--output-format=json", "--extra-opts=missing@/nonexistent.ini"),
				"cannot read the extra-opts file /nonexistent.ini: No such file or directory");
	assert_int_equal(unlink(path), 0);
	g_ini_path[0] = '\0';
}

/* ---- what usage errors show --------------------------------------------------------- */

static void test_usage_is_not_perfdata(void **unused)
{
	(void)unused;
	/* Consumers read everything after a '|' on standard output as performance data. */
	struct run r = run_args(ARGS("--bogus"), NULL);
	assert_int_equal(r.code, 3);
	assert_null(strchr(r.out, '|'));
	assert_true(strncmp(r.out, "SBTC DEMO UNKNOWN - unknown option '--bogus'\n", 44) == 0);
	free(r.out);
	/* "-?" asks for the usage, as in the official plugins. */
	expect_run(ARGS("-?"), NULL, 3, USAGE_LINES);
	expect_run(ARGS("-v?"), NULL, 3, USAGE_LINES);
}

static void test_long_arguments_are_cut(void **unused)
{
	(void)unused;
	char *arg = sbtc_xmalloc(2001);
	memset(arg, 'x', 2000);
	arg[2000] = '\0';
	/* 57 bytes and "...": the value is cut, the reason around it kept whole. */
	static const char cut[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...";
	char *opt = sbtc_xasprintf("--fail=%s", arg);
	char *want = sbtc_xasprintf("SBTC DEMO UNKNOWN - handler refused '%s'\n" USAGE_LINES, cut);
	expect_run(ARGS(opt), NULL, 3, want);
	free(want);
	want = sbtc_xasprintf("SBTC DEMO UNKNOWN - unexpected argument '%s'\n" USAGE_LINES, cut);
	expect_run(ARGS(arg), NULL, 3, want);
	free(want);
	want = sbtc_xasprintf("SBTC DEMO UNKNOWN - invalid --output-format '%s': use multi-line, one-line, "
			      "json or prometheus\n" USAGE_LINES, cut);
	char *fmt = sbtc_xasprintf("--output-format=%s", arg);
	expect_run(ARGS(fmt), NULL, 3, want);
	free(fmt);
	free(want);
	want = sbtc_xasprintf("SBTC DEMO UNKNOWN - invalid timeout '%s': expected SECONDS[:STATE] with 0 < "
			      "SECONDS <= 86400\n" USAGE_LINES, cut);
	expect_run(ARGS("-t", arg), NULL, 3, want);
	free(want);
	/* An unknown option's name is cut too, and its value never shown. */
	free(opt);
	opt = sbtc_xasprintf("--%s=hunter2", arg);
	want = sbtc_xasprintf("SBTC DEMO UNKNOWN - unknown option '--%.55s...'\n" USAGE_LINES, arg);
	expect_run(ARGS(opt), NULL, 3, want);
	free(want);
	free(opt);
	free(arg);
}

static void test_deadline_runs_while_parsing(void **unused)
{
	(void)unused;
	/* The deadline is armed before any file is read: with the command line's -t when
	 * there is one, else with the default, and again once -t is known. */
	expect_run(ARGS("-t", "7", "--deadline"), NULL, 0,
		   "verbose=0 timeout=7 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\ndeadline=7\n");
	expect_run(ARGS("--deadline", "--timeout=3:OK"), NULL, 0,
		   "verbose=0 timeout=3 timeout_state=OK format=0 label=DEMO url=(none)\ndeadline=3\n");
	expect_run(ARGS("--deadline"), NULL, 0,
		   "verbose=0 timeout=15 timeout_state=UNKNOWN format=0 label=DEMO url=(none)\ndeadline=15\n");
}

/* sbtc_usage_error called by a plugin after parsing. */
static void child_usage_error(const void *unused)
{
	(void)unused;
	sbtc_output_setup("DEMO", SBTC_FORMAT_MULTI_LINE);
	sbtc_usage_error(&demo_info, "--url is required (%d given)", 0);
}

static void test_usage_error_direct(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_usage_error, NULL, &code);
	assert_int_equal(code, 3);
	assert_string_equal(out, "SBTC DEMO UNKNOWN - --url is required (0 given)\n" USAGE_LINES);
	free(out);
}

/* ---- option groups ------------------------------------------------------------------- */

/* Two groups as the lib declares them (keys of their own, which may be any check's too),
 * and a check that lists one of them before its second option. */
enum { ALPHA_NAME = 1, ALPHA_CHECKED = 2, BETA_LEVEL = 1 };

struct alpha {
	const char *name;
	bool checked;
	int finished;
};

struct beta {
	int level;
	const char *log;
};

struct grouped_config {
	const char *own;
	struct beta beta;
	int own_after_init;
	struct alpha alpha;
};

static const sbtc_option alpha_options[] = {
	{"alpha-name", 'a', SBTC_ARG_REQUIRED, "NAME", ALPHA_NAME, "Alpha's name.", "none"},
	{"alpha-checked", 0, SBTC_ARG_NONE, NULL, ALPHA_CHECKED, "Needs --alpha-name.", NULL},
};

static void alpha_init(void *settings)
{
	struct alpha *a = settings;
	a->name = "none";
	a->checked = false;
	a->finished = 0;
}

static int alpha_handle(void *settings, int key, const char *arg, char *err, size_t errlen)
{
	struct alpha *a = settings;
	if (key == ALPHA_NAME) {
		if (strcmp(arg, "bad") == 0) {
			snprintf(err, errlen, "invalid alpha name '%s'", arg);
			return -1;
		}
		a->name = arg;
		return 0;
	}
	if (key == ALPHA_CHECKED) {
		a->checked = true;
		return 0;
	}
	snprintf(err, errlen, "alpha got key %d", key);
	return -1;
}

static int alpha_finish(void *settings, char *err, size_t errlen)
{
	struct alpha *a = settings;
	a->finished++;
	if (a->checked && strcmp(a->name, "none") == 0) {
		snprintf(err, errlen, "--alpha-checked needs --alpha-name");
		return -1;
	}
	return 0;
}

static const sbtc_option_group alpha_group = {
	.options = alpha_options,
	.noptions = N_ELEMS(alpha_options),
	.init = alpha_init,
	.handle = alpha_handle,
	.finish = alpha_finish,
};

static const sbtc_option beta_options[] = {
	{"beta-level", 0, SBTC_ARG_REQUIRED, "N", BETA_LEVEL, "Beta's level.", NULL},
};

static int beta_handle(void *settings, int key, const char *arg, char *err, size_t errlen)
{
	struct beta *b = settings;
	if (key != BETA_LEVEL) {
		snprintf(err, errlen, "beta got key %d", key);
		return -1;
	}
	b->level = atoi(arg);
	b->log = "beta-level";
	return 0;
}

/* No init, no finish: the settings keep what the check put there. */
static const sbtc_option_group beta_group = {
	.options = beta_options,
	.noptions = N_ELEMS(beta_options),
	.handle = beta_handle,
};

static const sbtc_option grouped_options[] = {
	{"first", 0, SBTC_ARG_REQUIRED, "X", 1, "The check's first option.", NULL},
	{"second", 0, SBTC_ARG_NONE, NULL, 2, "The check's second option.", NULL},
};

static const sbtc_group_use grouped_uses[] = {
	{.group = &alpha_group, .offset = offsetof(struct grouped_config, alpha)},
	{.group = &beta_group, .offset = offsetof(struct grouped_config, beta), .before = "second"},
};

static const sbtc_plugin_info grouped_info = {
	.progname = "check_sbtc_grouped",
	.check_label = "GROUPED",
	.purpose = "Checks groups.",
	.usage = "[--first X] [--second] [-a NAME]",
	.options = grouped_options,
	.noptions = N_ELEMS(grouped_options),
	.groups = grouped_uses,
	.ngroups = N_ELEMS(grouped_uses),
	.default_timeout = 10,
};

static int grouped_handler(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	struct grouped_config *c = ctx;
	if (key == 1) {
		c->own = arg;
		return 0;
	}
	if (key == 2) {
		c->own_after_init++;
		return 0;
	}
	snprintf(err, errlen, "the check got key %d", key);
	return -1;
}

static void child_grouped(const void *arg)
{
	char **argv = (char **)arg;
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	struct grouped_config c = {.beta = {.level = 7, .log = "untouched"}};
	sbtc_common_opts common;
	sbtc_cli_parse(&grouped_info, argc, argv, &common, grouped_handler, &c);
	printf("own=%s second=%d alpha=%s checked=%d finished=%d beta=%d %s\n", c.own ? c.own : "(none)",
	       c.own_after_init, c.alpha.name, c.alpha.checked, c.alpha.finished, c.beta.level, c.beta.log);
	exit(0);
}

static void expect_grouped(const char *const *args, int code, const char *want)
{
	char *argv[16];
	size_t n = 0;
	argv[n++] = (char *)"check_sbtc_grouped";
	for (size_t i = 0; args[i] != NULL && n < N_ELEMS(argv) - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	int rc;
	char *out = run_in_child(child_grouped, argv, &rc);
	if (rc != code || strcmp(out, want) != 0)
		fail_msg("exit %d\n%s\nexpected exit %d\n%s", rc, out, code, want);
	free(out);
}

#define GROUPED_USAGE                                                                           \
	"Usage: check_sbtc_grouped [--first X] [--second] [-a NAME]\n"                            \
	"Run 'check_sbtc_grouped --help' for details.\n"

/* --help lists a group where its use says (before "second"), else after the check's own
 * options, in the order the check declares them. */
static void test_group_help_order(void **unused)
{
	(void)unused;
	char *help = sbtc_cli_help(&grouped_info);
	const char *first = strstr(help, "\n --first=X\n");
	const char *beta = strstr(help, "\n --beta-level=N\n    Beta's level.\n");
	const char *second = strstr(help, "\n --second\n");
	const char *alpha = strstr(help, "\n -a, --alpha-name=NAME\n    Alpha's name.\n    Default: none\n"
				   " --alpha-checked\n    Needs --alpha-name.\n");
	assert_non_null(first);
	assert_non_null(beta);
	assert_non_null(second);
	assert_non_null(alpha);
	assert_true(first < beta && beta < second && second < alpha);
	free(help);
}

/* Each option reaches its group's handler with the key of the group's table, on the
 * group's settings; init runs before, finish after. */
static void test_group_dispatch(void **unused)
{
	(void)unused;
	expect_grouped(ARGS(NULL), 0, "own=(none) second=0 alpha=none checked=0 finished=1 beta=7 untouched\n");
	expect_grouped(ARGS("--first", "x", "--alpha-name=n", "--beta-level", "3", "--second", "--alpha-checked"), 0,
		       "own=x second=1 alpha=n checked=1 finished=1 beta=3 beta-level\n");
	/* The short name of a group's option. */
	expect_grouped(ARGS("-a", "short"), 0, "own=(none) second=0 alpha=short checked=0 finished=1 beta=7 untouched\n");
	expect_grouped(ARGS("-ashort"), 0, "own=(none) second=0 alpha=short checked=0 finished=1 beta=7 untouched\n");
}

/* A group's refusal and its finish's are usage errors, as the check's own are. */
static void test_group_usage_errors(void **unused)
{
	(void)unused;
	expect_grouped(ARGS("--alpha-name", "bad"), 3,
		       "SBTC GROUPED UNKNOWN - invalid alpha name 'bad'\n" GROUPED_USAGE);
	expect_grouped(ARGS("--alpha-checked"), 3,
		       "SBTC GROUPED UNKNOWN - --alpha-checked needs --alpha-name\n" GROUPED_USAGE);
	expect_grouped(ARGS("--alpha"), 3,
		       "SBTC GROUPED UNKNOWN - unknown option '--alpha' (long options must be written in full)\n"
		       GROUPED_USAGE);
	expect_grouped(ARGS("--beta-level"), 3, "SBTC GROUPED UNKNOWN - option '--beta-level' needs a value\n"
		       GROUPED_USAGE);
}

/* The lib's groups: a group's options never share a long name or a short one with each
 * other or with the shared options, and the registry's default written in --help is the
 * value its init sets. */
static void test_lib_groups(void **unused)
{
	(void)unused;
	const sbtc_option_group *groups[] = {&sbtc_http_tls_group, &sbtc_bitcoin_group, &sbtc_registry_group};
	static const char *const shared[] = {"help", "version", "verbose", "timeout", "output-format", "extra-opts"};
	for (size_t g = 0; g < N_ELEMS(groups); g++) {
		assert_non_null(groups[g]->handle);
		for (size_t i = 0; i < groups[g]->noptions; i++) {
			const sbtc_option *o = &groups[g]->options[i];
			for (size_t k = 0; k < N_ELEMS(shared); k++)
				assert_string_not_equal(o->long_name, shared[k]);
			for (size_t h = 0; h < N_ELEMS(groups); h++)
				for (size_t j = 0; j < groups[h]->noptions; j++)
					if (h != g || j != i)
						assert_string_not_equal(o->long_name, groups[h]->options[j].long_name);
		}
	}

	sbtc_registry_opts reg;
	sbtc_registry_group.init(&reg);
	double grace;
	char err[200];
	assert_int_equal(sbtc_quantity_parse(SBTC_DEFAULT_ROTATION_GRACE, SBTC_UNIT_DURATION, &grace, err, sizeof err), 0);
	assert_true(reg.rotation_grace == grace);
	assert_int_equal(reg.network, SBTC_NETWORK_MAINNET);
	assert_int_equal(sbtc_registry_group.finish(&reg, err, sizeof err), 0);
	assert_non_null(reg.sender);
	assert_int_equal(sbtc_registry_group.handle(&reg, SBTC_OPT_NETWORK, "moon", err, sizeof err), -1);
	assert_non_null(strstr(err, "--network"));

	sbtc_http_opts http;
	memset(&http, 0, sizeof http);
	assert_int_equal(sbtc_http_tls_group.handle(&http, SBTC_OPT_INSECURE, NULL, err, sizeof err), 0);
	assert_int_equal(sbtc_http_tls_group.handle(&http, SBTC_OPT_CACERT, "/ca.pem", err, sizeof err), 0);
	assert_true(http.insecure);
	assert_string_equal(http.cacert, "/ca.pem");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_timeout),
		cmocka_unit_test(test_help_text),
		cmocka_unit_test(test_help_fills_80_columns),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_json_usage_errors),
		cmocka_unit_test(test_parsed_values),
		cmocka_unit_test_teardown(test_extra_opts, remove_ini),
		cmocka_unit_test(test_usage_error_direct),
		cmocka_unit_test(test_usage_is_not_perfdata),
		cmocka_unit_test(test_long_arguments_are_cut),
		cmocka_unit_test(test_deadline_runs_while_parsing),
		cmocka_unit_test(test_group_help_order),
		cmocka_unit_test(test_group_dispatch),
		cmocka_unit_test(test_group_usage_errors),
		cmocka_unit_test(test_lib_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
