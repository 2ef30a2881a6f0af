/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the parsers behind check_sbtc_logs: lib/logtime.c (times at the start of
 * log lines), lib/journald_conf.c (journald.conf, systemd's time spans and sizes),
 * lib/logrotate_conf.c (stanzas, includes, retention) and lib/docker_logs.c (daemon.json,
 * hostconfig.json, config.v2.json, json-file lines). */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docker_logs.h"
#include "journald_conf.h"
#include "logrotate_conf.h"
#include "logtime.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400.0

static void test_logtime_forms(void **unused)
{
	(void)unused;
	setenv("TZ", "UTC", 1);
	tzset();
	struct {
		const char *line;
		sbtc_logtime_format f;
		double t;
	} cases[] = {
		/* the signer (tracing's RFC 3339 in UTC) and Bitcoin Core's debug.log */
		{"2026-08-24T09:39:58.123456Z  INFO signer: started", SBTC_LOGTIME_RFC3339, 1787564398.123456},
		{"2026-08-24T09:39:58Z Bitcoin Core version v27.0.0", SBTC_LOGTIME_RFC3339, 1787564398},
		{"2026-08-24 09:39:58+02:00 host x", SBTC_LOGTIME_RFC3339, 1787564398 - 7200},
		{"2026-08-24T09:39:58-0130 x", SBTC_LOGTIME_RFC3339, 1787564398 + 5400},
		{"[2026-08-24T09:39:58Z] bracketed", SBTC_LOGTIME_RFC3339, 1787564398},
		{"2026-08-24T09:39:58 no offset: local time (UTC here)", SBTC_LOGTIME_RFC3339, 1787564398},
		/* stacks-core's logger */
		{"INFO [1787564398.5] [stackslib/src/main.rs:10] [main] hi", SBTC_LOGTIME_EPOCH, 1787564398.5},
		{"WARN [1787564398] x", SBTC_LOGTIME_EPOCH, 1787564398},
		/* syslog: the year is the reference's (2026-12-02) */
		{"Aug 24 09:39:58 signer sbtc[1]: x", SBTC_LOGTIME_SYSLOG, 1787564398},
		{"Dec  1 00:00:00 signer x", SBTC_LOGTIME_SYSLOG, 1796083200},
		/* not times */
		{"", SBTC_LOGTIME_NONE, 0},
		{"hello", SBTC_LOGTIME_NONE, 0},
		{"2026-13-24T09:39:58Z", SBTC_LOGTIME_NONE, 0},
		{"2026-02-30T09:39:58Z", SBTC_LOGTIME_NONE, 0},
		{"2026-08-24T25:39:58Z", SBTC_LOGTIME_NONE, 0},
		{"2026-08-24T09:39:58.Z", SBTC_LOGTIME_NONE, 0},
		{"2026-08-24T09:39:58+2", SBTC_LOGTIME_NONE, 0},
		{"INFO [123] too short", SBTC_LOGTIME_NONE, 0},
		{"Foo 24 09:39:58 x", SBTC_LOGTIME_NONE, 0},
		{"Aug 24 9:39:58 x", SBTC_LOGTIME_NONE, 0},
	};
	double ref = 1796169600; /* 2026-12-02 00:00 UTC */
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		double t = -1;
		sbtc_logtime_format f = sbtc_logtime_parse(cases[i].line, strlen(cases[i].line), ref, &t);
		if (f != cases[i].f)
			fail_msg("'%s': format %s, expected %s", cases[i].line, sbtc_logtime_format_name(f),
				 sbtc_logtime_format_name(cases[i].f));
		if (f != SBTC_LOGTIME_NONE && fabs(t - cases[i].t) > 1e-5)
			fail_msg("'%s': %.6f, expected %.6f", cases[i].line, t, cases[i].t);
		if (f == SBTC_LOGTIME_NONE && t != -1)
			fail_msg("'%s': output touched", cases[i].line);
	}
	/* a syslog date after the reference by more than a day is last year's */
	double t;
	assert_int_equal(sbtc_logtime_parse("Dec 25 00:00:00 x", 17, ref, &t), SBTC_LOGTIME_SYSLOG);
	assert_true(t < ref && t > ref - 366 * DAY);
	/* the length bounds the line: no reading past it */
	assert_int_equal(sbtc_logtime_parse("2026-08-24T09:39:58Z", 10, ref, &t), SBTC_LOGTIME_NONE);
	assert_int_equal(sbtc_logtime_rfc3339("2026-08-24T09:39:58.5Z", &t), 0);
	assert_true(t == 1787564398.5);
	assert_int_equal(sbtc_logtime_rfc3339("2026-08-24T09:39:58.5Z trailing", &t), -1);
}

static void test_timespan_and_size(void **unused)
{
	(void)unused;
	struct {
		const char *text;
		double v; /* NAN: refused */
	} spans[] = {
		{"2week", 14 * DAY}, {"2 weeks", 14 * DAY}, {"90d", 90 * DAY}, {"1month", 2629800},
		{"1y", 31557600}, {"3600", 3600}, {"1h 30min", 5400}, {"1h30m", 5400}, {"5s", 5},
		{"0", 0}, {"100ms", 0.1}, {"1M", 2629800}, {"infinity", HUGE_VAL}, {"1.5d", 1.5 * DAY},
		{"", NAN}, {"two weeks", NAN}, {"5x", NAN}, {"-5s", NAN}, {"d", NAN},
	};
	for (size_t i = 0; i < N_ELEMS(spans); i++) {
		double v = -1;
		int r = sbtc_systemd_timespan_parse(spans[i].text, &v);
		if (isnan(spans[i].v) ? r == 0 : (r != 0 || fabs(v - spans[i].v) > 1e-6))
			fail_msg("timespan '%s': r=%d v=%g", spans[i].text, r, v);
	}
	struct {
		const char *text;
		double v;
	} sizes[] = {
		{"4G", 4294967296.0}, {"500M", 524288000}, {"1.5G", 1610612736}, {"1024", 1024}, {"1K", 1024},
		{"8B", 8}, {"1T", 1099511627776.0}, {"", NAN}, {"10%", NAN}, {"x", NAN}, {"-1G", NAN},
	};
	for (size_t i = 0; i < N_ELEMS(sizes); i++) {
		double v = -1;
		int r = sbtc_systemd_size_parse(sizes[i].text, &v);
		if (isnan(sizes[i].v) ? r == 0 : (r != 0 || v != sizes[i].v))
			fail_msg("size '%s': r=%d v=%g", sizes[i].text, r, v);
	}
}

static void test_journald_conf(void **unused)
{
	(void)unused;
	sbtc_journald_conf c;
	char err[300];
	sbtc_journald_conf_init(&c);
	assert_true(isnan(c.max_use.value));
	assert_true(c.max_files.value == 100 && c.max_file_sec.value == 2629800 && c.max_retention.value == 0);
	const char *text = "# comment\n[Journal]\n  MaxRetentionSec = 2week \nSystemMaxUse=1G\n; x\n"
			   "[Other]\nMaxFileSec=1d\n[Journal]\nStorage=volatile\nSystemMaxFiles=10\nMaxFileSec=1d\n";
	assert_int_equal(sbtc_journald_conf_parse(&c, text, strlen(text), "j.conf", err, sizeof err), 0);
	assert_true(c.max_retention.value == 14 * DAY);
	assert_string_equal(c.max_retention.where, "MaxRetentionSec=2week in j.conf:3");
	assert_true(c.max_use.value == 1073741824.0);
	assert_true(c.storage == SBTC_STORAGE_VOLATILE);
	assert_true(c.max_files.value == 10);
	assert_true(c.max_file_sec.value == DAY);
	assert_string_equal(c.max_file_sec.where, "MaxFileSec=1d in j.conf:11");
	/* an empty value restores the default */
	const char *reset = "[Journal]\nMaxRetentionSec=\nSystemMaxUse=\n";
	assert_int_equal(sbtc_journald_conf_parse(&c, reset, strlen(reset), "k.conf", err, sizeof err), 0);
	assert_true(c.max_retention.value == 0 && c.max_retention.where[0] == '\0');
	assert_true(isnan(c.max_use.value));
	/* errors name file, line, key and value; earlier lines stay applied */
	const char *bad = "[Journal]\nSystemMaxFiles=5\nSystemMaxUse=lots|\n";
	assert_int_equal(sbtc_journald_conf_parse(&c, bad, strlen(bad), "bad.conf", err, sizeof err), -1);
	assert_string_equal(err, "bad.conf:3: invalid SystemMaxUse=lots/");
	assert_true(c.max_files.value == 5);
	const char *bad2 = "[Journal]\nStorage=disk\n";
	assert_int_equal(sbtc_journald_conf_parse(&c, bad2, strlen(bad2), "b2", err, sizeof err), -1);
	const char *bad3 = "[Journal]\nSystemMaxFiles=-1\n";
	assert_int_equal(sbtc_journald_conf_parse(&c, bad3, strlen(bad3), "b3", err, sizeof err), -1);
}

static char tmpdir[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_journald_dropin_order(void **unused)
{
	(void)unused;
	char a[128], b[128], main[128], err[300];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sbtc-logconf-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(a, sizeof a, "%s/etc.d", tmpdir);
	snprintf(b, sizeof b, "%s/lib.d", tmpdir);
	snprintf(main, sizeof main, "%s/journald.conf", tmpdir);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	put("journald.conf", "[Journal]\nMaxRetentionSec=1d\nSystemMaxFiles=7\n");
	put("etc.d/20-b.conf", "[Journal]\nMaxRetentionSec=3d\n");
	put("lib.d/10-a.conf", "[Journal]\nMaxRetentionSec=2d\nSystemMaxFiles=8\n");
	put("lib.d/20-b.conf", "[Journal]\nMaxRetentionSec=99d\n"); /* hidden by etc.d's 20-b.conf */
	put("lib.d/30-c.conf.disabled", "[Journal]\nMaxRetentionSec=99d\n");
	const char *dirs[] = {a, b, NULL};
	sbtc_journald_conf c;
	sbtc_journald_conf_init(&c);
	assert_int_equal(sbtc_journald_conf_load(&c, main, dirs, err, sizeof err), 0);
	assert_true(c.max_retention.value == 3 * DAY);
	assert_true(c.max_files.value == 8);
	/* a missing main file and missing directories are fine */
	const char *none[] = {"/nonexistent.d", NULL};
	sbtc_journald_conf_init(&c);
	assert_int_equal(sbtc_journald_conf_load(&c, "/nonexistent.conf", none, err, sizeof err), 0);
	assert_true(c.max_retention.value == 0);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "%s/lib.d/10-a.conf", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/lib.d/20-b.conf", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/lib.d/30-c.conf.disabled", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/etc.d/20-b.conf", tmpdir);
	unlink(cmd);
	unlink(main);
	rmdir(a);
	rmdir(b);
	rmdir(tmpdir);
}

static void test_logrotate_parse(void **unused)
{
	(void)unused;
	sbtc_logrotate lr;
	char err[300];
	sbtc_logrotate_init(&lr);
	const char *text = "weekly\nrotate 4\n# comment\n"
			   "/var/log/sbtc/signer.log {\n  daily\n  rotate 7\n  postrotate\n    kill -HUP { } \n"
			   "  endscript\n}\n"
			   "\"/var/log/bitcoin/debug.log\" /var/log/stacks/*.log\n{\n  maxage 30\n  rotate 100\n}\n"
			   "monthly\n/var/log/other.log { rotate 5 }\n"
			   "/var/log/size.log {\n size 10M\n rotate 3\n}\n/var/log/forever.log {\n rotate -1\n daily\n}\n";
	assert_int_equal(sbtc_logrotate_parse(&lr, text, strlen(text), "lr.conf", NULL, NULL, err, sizeof err), 0);
	assert_int_equal(lr.n, 5);
	const sbtc_logrotate_stanza *s = sbtc_logrotate_find(&lr, "/var/log/sbtc/signer.log");
	assert_non_null(s);
	assert_string_equal(s->where, "lr.conf:4");
	assert_int_equal(s->s.period, SBTC_ROTATE_DAILY);
	assert_int_equal(s->s.rotate, 7);
	assert_true(sbtc_logrotate_retention(&s->s) == 7 * DAY);
	s = sbtc_logrotate_find(&lr, "/var/log/stacks/node.log");
	assert_non_null(s);
	assert_string_equal(s->where, "lr.conf:11");
	assert_int_equal(s->s.period, SBTC_ROTATE_WEEKLY); /* the global at that point */
	assert_true(sbtc_logrotate_retention(&s->s) == 30 * DAY); /* maxage bounds 100 weeks */
	assert_non_null(sbtc_logrotate_find(&lr, "/var/log/bitcoin/debug.log"));
	assert_null(sbtc_logrotate_find(&lr, "/var/log/stacks/sub/node.log")); /* '*' does not cross '/' */
	s = sbtc_logrotate_find(&lr, "/var/log/other.log");
	assert_int_equal(s->s.period, SBTC_ROTATE_MONTHLY);
	assert_true(sbtc_logrotate_retention(&s->s) == 5 * 28 * DAY);
	s = sbtc_logrotate_find(&lr, "/var/log/size.log");
	assert_true(isnan(sbtc_logrotate_retention(&s->s)));
	s = sbtc_logrotate_find(&lr, "/var/log/forever.log");
	assert_true(isinf(sbtc_logrotate_retention(&s->s)));
	assert_null(sbtc_logrotate_find(&lr, "/var/log/syslog"));
	sbtc_logrotate_free(&lr);

	/* logrotate's defaults: rotate 0, rotation by size */
	sbtc_logrotate_init(&lr);
	const char *dflt = "/x.log {\n}\n";
	assert_int_equal(sbtc_logrotate_parse(&lr, dflt, strlen(dflt), "d", NULL, NULL, err, sizeof err), 0);
	assert_true(sbtc_logrotate_retention(&lr.v[0].s) == 0);
	sbtc_logrotate_free(&lr);

	const char *bad[][2] = {
		{"/x.log {\n rotate seven\n}\n", "b:2: rotate needs a count, not 'seven'"},
		{"/x.log {\n maxage\n}\n", "b:2: maxage needs days, not ''"},
		{"/x.log {\n rotate 1\n", "b:2: missing '}' at the end of the file; stanza opened at 'b:1'"},
		{"}\n", "b:1: unexpected '}'"},
		{"{\n", "b:1: unexpected '{'"},
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		sbtc_logrotate_init(&lr);
		int r = sbtc_logrotate_parse(&lr, bad[i][0], strlen(bad[i][0]), "b", NULL, NULL, err, sizeof err);
		if (r != -1 || strcmp(err, bad[i][1]) != 0)
			fail_msg("'%s': r=%d err='%s'", bad[i][0], r, err);
		sbtc_logrotate_free(&lr);
	}
}

static void test_logrotate_include(void **unused)
{
	(void)unused;
	char path[256], d[256], err[300];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sbtc-logconf-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(d, sizeof d, "%s/logrotate.d", tmpdir);
	assert_int_equal(mkdir(d, 0700), 0);
	char main_text[400];
	snprintf(main_text, sizeof main_text, "daily\nrotate 2\ninclude %s\nweekly\n/after.log {\n}\n", d);
	put("logrotate.conf", main_text);
	put("logrotate.d/b", "/b.log {\n rotate 9\n}\n");
	put("logrotate.d/a", "/a.log {\n}\n");
	put("logrotate.d/a.dpkg-old", "/old.log {\n}\n");
	put("logrotate.d/.hidden", "/hidden.log {\n}\n");
	sbtc_logrotate lr;
	sbtc_logrotate_init(&lr);
	snprintf(path, sizeof path, "%s/logrotate.conf", tmpdir);
	assert_int_equal(sbtc_logrotate_load(&lr, path, err, sizeof err), 0);
	assert_int_equal(lr.n, 3);
	assert_true(strstr(lr.v[0].where, "logrotate.d/a:1") != NULL); /* names in order */
	assert_int_equal(lr.v[0].s.rotate, 2);
	assert_int_equal(lr.v[0].s.period, SBTC_ROTATE_DAILY);
	assert_int_equal(lr.v[1].s.rotate, 9);
	assert_int_equal(lr.v[2].s.period, SBTC_ROTATE_WEEKLY); /* after the include */
	assert_null(sbtc_logrotate_find(&lr, "/old.log"));
	sbtc_logrotate_free(&lr);
	/* an include of itself ends at the nesting limit */
	snprintf(main_text, sizeof main_text, "include %s/loop.conf\n", tmpdir);
	put("loop.conf", main_text);
	snprintf(path, sizeof path, "%s/loop.conf", tmpdir);
	sbtc_logrotate_init(&lr);
	assert_int_equal(sbtc_logrotate_load(&lr, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "nested more than 8 deep"));
	sbtc_logrotate_free(&lr);
	const char *names[] = {"logrotate.d/a", "logrotate.d/b", "logrotate.d/a.dpkg-old", "logrotate.d/.hidden",
			       "logrotate.conf", "loop.conf"};
	for (size_t i = 0; i < N_ELEMS(names); i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(d);
	rmdir(tmpdir);
}

static void test_docker(void **unused)
{
	(void)unused;
	char name[64], err[300];
	const char *cfg = "{\"ID\":\"abc\",\"Name\":\"/sbtc-signer\",\"Config\":{}}";
	assert_int_equal(sbtc_docker_container_name(cfg, strlen(cfg), name, sizeof name, err, sizeof err), 0);
	assert_string_equal(name, "sbtc-signer");
	assert_int_equal(sbtc_docker_container_name("{}", 2, name, sizeof name, err, sizeof err), -1);
	assert_string_equal(err, "field 'Name' missing");
	assert_int_equal(sbtc_docker_container_name("nope", 4, name, sizeof name, err, sizeof err), -1);

	struct {
		const char *text;
		double v;
	} sizes[] = {{"10m", 10485760}, {"1g", 1073741824}, {"512k", 524288}, {"100", 100}, {"10MB", 10485760},
		     {"10MiB", 10485760}, {"1.5m", 1572864}, {"-1", HUGE_VAL}, {"", NAN}, {"m", NAN}, {"10x", NAN},
		     {"10mm", NAN}, {"-5m", NAN}};
	for (size_t i = 0; i < N_ELEMS(sizes); i++) {
		double v = -1;
		int r = sbtc_docker_size_parse(sizes[i].text, &v);
		if (isnan(sizes[i].v) ? r == 0 : (r != 0 || v != sizes[i].v))
			fail_msg("docker size '%s': r=%d v=%g", sizes[i].text, r, v);
	}

	sbtc_docker_logcfg c;
	sbtc_docker_logcfg_init(&c);
	const char *daemon = "{\"log-driver\":\"json-file\",\"log-opts\":{\"max-size\":\"10m\",\"max-file\":\"3\"}}";
	assert_int_equal(sbtc_docker_logcfg_parse(daemon, strlen(daemon), false, &c, err, sizeof err), 0);
	assert_string_equal(c.driver, "json-file");
	assert_true(c.max_size == 10485760 && c.max_file == 3);
	sbtc_docker_logcfg_init(&c);
	const char *host = "{\"LogConfig\":{\"Type\":\"journald\",\"Config\":{}}}";
	assert_int_equal(sbtc_docker_logcfg_parse(host, strlen(host), true, &c, err, sizeof err), 0);
	assert_string_equal(c.driver, "journald");
	assert_true(isnan(c.max_size) && c.max_file == 0);
	const char *badfile = "{\"log-opts\":{\"max-file\":\"0\"}}";
	assert_int_equal(sbtc_docker_logcfg_parse(badfile, strlen(badfile), false, &c, err, sizeof err), -1);
	assert_string_equal(err, "log-opts.max-file '0' is not a count of files from 1");
	const char *badsize = "{\"log-opts\":{\"max-size\":\"big\"}}";
	assert_int_equal(sbtc_docker_logcfg_parse(badsize, strlen(badsize), false, &c, err, sizeof err), -1);
	assert_string_equal(err, "log-opts.max-size 'big' is not a size (such as 10m)");
	const char *numsize = "{\"log-opts\":{\"max-size\":10}}";
	assert_int_equal(sbtc_docker_logcfg_parse(numsize, strlen(numsize), false, &c, err, sizeof err), -1);

	double t;
	const char *line = "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-08-24T09:39:58.123456789Z\"}";
	assert_int_equal(sbtc_docker_line_time(line, strlen(line), &t), 0);
	assert_true(fabs(t - 1787564398.123457) < 1e-5);
	assert_int_equal(sbtc_docker_line_time("{\"log\":\"x\"}", 11, &t), -1);
	assert_int_equal(sbtc_docker_line_time("{\"time\":\"yesterday\"}", 20, &t), -1);
	assert_int_equal(sbtc_docker_line_time("{\"time\":\"2026", 13, &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logtime_forms),
		cmocka_unit_test(test_timespan_and_size),
		cmocka_unit_test(test_journald_conf),
		cmocka_unit_test(test_journald_dropin_order),
		cmocka_unit_test(test_logrotate_parse),
		cmocka_unit_test(test_logrotate_include),
		cmocka_unit_test(test_docker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
