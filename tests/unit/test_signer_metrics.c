/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/signer_metrics.c: the signer exporter's text as
 * stacks-sbtc/sbtc signer/src/metrics.rs and signer/src/transaction_coordinator.rs
 * (v1.3.3) publish it, the error rates between two runs with counter resets, and the
 * state file against what a shared directory can hold in its place. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "signer_metrics.h"
#include "statedir.h"
#include "strbuf.h"

/* The shape of a v1.3.3 exporter (metrics-exporter-prometheus: no HELP, the global
 * label app="signer" first). */
static const char upstream[] =
	"# TYPE build_info gauge\n"
	"build_info{app=\"signer\",rust_version=\"rustc 1.94.1\",revision=\"v1.3.3\",arch=\"x86_64\",env_abi=\"gnu\"} 1\n"
	"# TYPE peers_connected gauge\n"
	"peers_connected{app=\"signer\"} 13\n"
	"# TYPE sign_requests_total counter\n"
	"sign_requests_total{app=\"signer\",blockchain=\"bitcoin\",kind=\"sweep\",status=\"success\"} 300\n"
	"sign_requests_total{app=\"signer\",blockchain=\"bitcoin\",kind=\"sweep\",status=\"invalid-sighash\"} 4\n"
	"sign_requests_total{app=\"signer\",blockchain=\"stacks\",kind=\"complete-deposit\",status=\"failed\"} 6\n"
	"# TYPE signing_rounds_completed_total counter\n"
	"signing_rounds_completed_total{app=\"signer\",blockchain=\"bitcoin\",kind=\"sweep\"} 50\n"
	"signing_rounds_completed_total{app=\"signer\",blockchain=\"stacks\",kind=\"complete-deposit\",status=\"success\"} 40\n"
	"signing_rounds_completed_total{app=\"signer\",blockchain=\"stacks\",kind=\"complete-deposit\",status=\"failure\"} 10\n"
	"# TYPE transactions_submitted_total counter\n"
	"transactions_submitted_total{app=\"signer\",blockchain=\"bitcoin\",status=\"success\"} 20\n"
	"transactions_submitted_total{app=\"signer\",blockchain=\"stacks\",status=\"failure\",kind=\"complete-deposit\"} 5\n"
	"transactions_submitted_total{app=\"signer\",blockchain=\"stacks\",status=\"success\",kind=\"complete-deposit\"} 15\n"
	"# TYPE signing_round_duration_seconds histogram\n"
	"signing_round_duration_seconds_bucket{app=\"signer\",blockchain=\"bitcoin\",kind=\"sweep\",le=\"+Inf\"} 50\n"
	"signing_round_duration_seconds_sum{app=\"signer\",blockchain=\"bitcoin\",kind=\"sweep\"} 61.5\n";

static void test_upstream_shape(void **unused)
{
	(void)unused;
	sbtc_signer_metrics m;
	char err[200];
	assert_true(sbtc_signer_metrics_parse(upstream, &m, err, sizeof err));
	assert_true(m.peers_connected == 13);
	assert_true(m.sign_requests.found);
	assert_true(m.sign_requests.total == 310 && m.sign_requests.failed == 10);
	/* the Bitcoin sweep rounds carry no status: counted, never a failure */
	assert_true(m.signing_rounds.total == 100 && m.signing_rounds.failed == 10);
	/* only status="failure" counts for transactions_submitted_total */
	assert_true(m.transactions.total == 40 && m.transactions.failed == 5);
}

static void test_before_v1_1_and_empty(void **unused)
{
	(void)unused;
	sbtc_signer_metrics m;
	char err[200];
	/* v1.0.x publishes no peers_connected; an exporter that has counted nothing yet
	 * publishes no counter sample */
	assert_true(sbtc_signer_metrics_parse("# TYPE build_info gauge\nbuild_info{app=\"signer\"} 1\n", &m, err,
					      sizeof err));
	assert_true(isnan(m.peers_connected));
	assert_false(m.sign_requests.found);
	assert_false(m.transactions.found);
	assert_true(sbtc_signer_metrics_parse("", &m, err, sizeof err));
	assert_true(isnan(m.peers_connected));
}

static void test_prefix_other_app_timestamp(void **unused)
{
	(void)unused;
	sbtc_signer_metrics m;
	char err[200];
	static const char body[] = "sbtc_peers_connected{app=\"signer\"} 7 1700000000000\r\n"
				   "sign_requests_total{app=\"other\",status=\"failed\"} 1000\n"
				   "sbtc_sign_requests_total{status=\"success\"} 9\n"
				   "  sign_requests_total{app=\"signer\",status=\"timeout\"} 1\n"
				   "xsign_requests_total{status=\"failed\"} 50\n"
				   "peers_connected_total 3\n";
	assert_true(sbtc_signer_metrics_parse(body, &m, err, sizeof err));
	assert_true(m.peers_connected == 7);
	assert_true(m.sign_requests.total == 10 && m.sign_requests.failed == 1);
}

static void test_label_value_with_brace_and_quote(void **unused)
{
	(void)unused;
	sbtc_signer_metrics m;
	char err[200];
	static const char body[] = "sign_requests_total{app=\"signer\",kind=\"a}\\\"b\",status=\"failure\"} 2\n";
	assert_true(sbtc_signer_metrics_parse(body, &m, err, sizeof err));
	assert_true(m.sign_requests.total == 2 && m.sign_requests.failed == 2);
}

static void test_not_the_format(void **unused)
{
	(void)unused;
	static const struct {
		const char *body, *msg;
	} cases[] = {
		{"<html><body>502 Bad Gateway</body></html>\n", "line 1 is not a sample"},
		{"{\"peers\": 3}\n", "line 1 is not a sample"},
		{"# ok\npeers_connected{app=\"signer\" 3\n", "line 2 has a label set that does not end"},
		{"peers_connected\n", "line 1 has no value"},
		{"peers_connected three\n", "line 1 has a value that is not a number"},
		{"peers_connected 3 4 5\n", "line 1 has more than a value"},
		{"peers_connected 3 12ab\n", "line 1 has more than a value"},
		{"sign_requests_total{status=\"success\"} -4\n", "not a count"},
		{"transactions_submitted_total NaN\n", "not a count"},
		{"signing_rounds_completed_total +Inf\n", "not a count"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_signer_metrics m;
		char err[200];
		assert_false(sbtc_signer_metrics_parse(cases[i].body, &m, err, sizeof err));
		if (strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].msg);
		/* nothing half-read is left */
		assert_false(m.sign_requests.found);
		assert_true(isnan(m.peers_connected));
	}
}

/* ---- the state file ---- */

typedef struct {
	char dir[64];
	int fd;
} tmpdir;

static int dir_setup(void **state)
{
	tmpdir *t = calloc(1, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/sbtc-test-signer-state-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	char err[200];
	t->fd = sbtc_statedir_open(t->dir, "state directory", err, sizeof err);
	if (t->fd < 0)
		return -1;
	*state = t;
	return 0;
}

static void remove_tree(const char *dir)
{
	/* only what the tests put there: files, a link, a directory */
	sbtc_cache c = {.dir = (char *)dir, .fd = -1};
	char *p = sbtc_cache_path(&c, "signer-state");
	(void)rmdir(p);
	(void)unlink(p);
	free(p);
	char other[128];
	snprintf(other, sizeof other, "%s/target", dir);
	(void)unlink(other);
	(void)rmdir(dir);
}

static int dir_teardown(void **state)
{
	tmpdir *t = *state;
	close(t->fd);
	remove_tree(t->dir);
	free(t);
	return 0;
}

static char *state_path(const tmpdir *t)
{
	sbtc_cache c = {.dir = (char *)t->dir, .fd = t->fd};
	return sbtc_cache_path(&c, "signer-state");
}

static sbtc_signer_metrics counters(double sr_total, double sr_failed, double tx_total, double tx_failed)
{
	sbtc_signer_metrics m;
	memset(&m, 0, sizeof m);
	m.peers_connected = NAN;
	m.sign_requests = (sbtc_signer_counter){.found = true, .total = sr_total, .failed = sr_failed};
	m.transactions = (sbtc_signer_counter){.found = true, .total = tx_total, .failed = tx_failed};
	return m;
}

static int update(const tmpdir *t, const sbtc_signer_metrics *m, long long failed_shares, double when,
		  sbtc_signer_rates *r, long long *prev)
{
	char err[400];
	sbtc_signer_state_now now = {.metrics = m, .failed_shares = failed_shares};
	int rc = sbtc_signer_state_update(t->fd, "signer-state", &now, when, r, prev, err, sizeof err);
	if (rc != 0)
		print_message("state update: %s\n", err);
	return rc;
}

static void test_rates_between_runs(void **state)
{
	tmpdir *t = *state;
	sbtc_signer_rates r;
	long long prev;
	sbtc_signer_metrics m1 = counters(100, 2, 40, 1);
	assert_int_equal(update(t, &m1, 0, 1000, &r, &prev), 0);
	assert_false(r.sign_requests.known); /* first run: nothing to compare with */
	assert_int_equal(prev, -1);

	sbtc_signer_metrics m2 = counters(150, 12, 40, 1);
	assert_int_equal(update(t, &m2, 2, 1300, &r, &prev), 0);
	assert_int_equal(prev, 0);
	assert_true(r.sign_requests.known);
	assert_false(r.sign_requests.reset);
	assert_true(r.sign_requests.total == 50 && r.sign_requests.failed == 10);
	assert_true(fabs(r.sign_requests.ratio - 0.2) < 1e-12);
	assert_true(r.sign_requests.window == 300);
	assert_true(r.transactions.known && r.transactions.total == 0 && r.transactions.ratio == 0);
	/* no signing round sample in either run: no rate */
	assert_false(r.signing_rounds.known);

	/* not scraped this run: the old values are kept, the failed-share count moves on */
	assert_int_equal(update(t, NULL, 3, 1400, &r, &prev), 0);
	assert_int_equal(prev, 2);
	assert_false(r.sign_requests.known);
	sbtc_signer_metrics m3 = counters(160, 12, 40, 1);
	assert_int_equal(update(t, &m3, -1, 1600, &r, &prev), 0);
	assert_int_equal(prev, 3);
	assert_true(r.sign_requests.known && r.sign_requests.total == 10 && r.sign_requests.window == 300);
	/* failed shares not read this run: the old count stays */
	assert_int_equal(update(t, &m3, -1, 1700, &r, &prev), 0);
	assert_int_equal(prev, 3);
}

static void test_counter_reset(void **state)
{
	tmpdir *t = *state;
	sbtc_signer_rates r;
	long long prev;
	sbtc_signer_metrics m1 = counters(1000, 10, 40, 1);
	assert_int_equal(update(t, &m1, 0, 1000, &r, &prev), 0);
	/* the signer restarted: its counters begin again near zero */
	sbtc_signer_metrics m2 = counters(7, 3, 40, 1);
	assert_int_equal(update(t, &m2, 0, 1300, &r, &prev), 0);
	assert_true(r.sign_requests.known && r.sign_requests.reset);
	assert_true(r.sign_requests.total == 7 && r.sign_requests.failed == 3);
	assert_true(r.sign_requests.ratio >= 0 && r.sign_requests.ratio <= 1);
	/* and from there on counted as before */
	sbtc_signer_metrics m3 = counters(17, 3, 40, 1);
	assert_int_equal(update(t, &m3, 0, 1600, &r, &prev), 0);
	assert_false(r.sign_requests.reset);
	assert_true(r.sign_requests.total == 10 && r.sign_requests.failed == 0);
}

static void test_counter_reset_by_successes(void **state)
{
	tmpdir *t = *state;
	sbtc_signer_rates r;
	long long prev;
	sbtc_signer_metrics m1 = counters(100, 0, 40, 1);
	assert_int_equal(update(t, &m1, 0, 1000, &r, &prev), 0);
	/* after a restart: 50 successes and 60 failures, more than before in total */
	sbtc_signer_metrics m2 = counters(110, 60, 40, 1);
	assert_int_equal(update(t, &m2, 0, 1300, &r, &prev), 0);
	assert_true(r.sign_requests.reset);
	assert_true(r.sign_requests.total == 110 && r.sign_requests.failed == 60);
	assert_true(r.sign_requests.ratio <= 1);
}

static void write_raw(const tmpdir *t, const char *body)
{
	char *p = state_path(t);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
	free(p);
}

/* A file of the cache's own shape around a body: what a good run writes. */
static void write_entry(const tmpdir *t, const char *body, long long when)
{
	sbtc_cache c = {.dir = (char *)t->dir, .fd = t->fd};
	char err[200];
	assert_int_equal(sbtc_cache_put(&c, "signer-state", body, strlen(body), (time_t)when, err, sizeof err), 0);
}

static void assert_counts_as_missing(const tmpdir *t)
{
	sbtc_signer_rates r;
	long long prev;
	sbtc_signer_metrics m = counters(150, 12, 40, 1);
	assert_int_equal(update(t, &m, 1, 2000, &r, &prev), 0);
	assert_false(r.sign_requests.known);
	assert_false(r.transactions.known);
	assert_int_equal(prev, -1);
	/* and replaced by a good file: the next run has rates */
	sbtc_signer_metrics m2 = counters(160, 12, 40, 1);
	assert_int_equal(update(t, &m2, 1, 2300, &r, &prev), 0);
	assert_true(r.sign_requests.known && r.sign_requests.total == 10);
	assert_int_equal(prev, 1);
}

static void test_garbage_truncated_future(void **state)
{
	tmpdir *t = *state;
	static const char good[] = "sbtc-signer-state 1\nfailed_shares 4\nsign_requests 1000 100 1\nend\n";
	static const char *const bodies[] = {
		"\x7f" "ELF\x01\x02 garbage",
		"sbtc-signer-state 1\nfailed_shares 4\nsign_requests 1000 100 1\n", /* no end line */
		"sbtc-signer-state 2\nfailed_shares 4\nsign_requests 1000 100 1\nend\n", /* a later format */
		"sbtc-signer-state 1\nsign_requests 999999 100 1\nend\n",               /* a time to come */
		"sbtc-signer-state 1\nsign_requests 1000 100 101\nend\n",              /* more failed than all */
		"sbtc-signer-state 1\nsign_requests 1000 -1 0\nend\n",
		"sbtc-signer-state 1\nsign_requests 1000 nan 0\nend\n",
		"sbtc-signer-state 1\nsign_requests 1000 100 1\nsign_requests 1000 100 1\nend\n",
		"sbtc-signer-state 1\nfailed_shares 4.5\nend\n",
		"sbtc-signer-state 1\nend\nsign_requests 1000 100 1\n",
		"sbtc-signer-state 1\nwhat 1\nend\n",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		write_entry(t, bodies[i], 1000);
		assert_counts_as_missing(t);
	}
	/* the good body itself reads */
	write_entry(t, good, 1000);
	sbtc_signer_rates r;
	long long prev;
	sbtc_signer_metrics m = counters(150, 12, 40, 1);
	assert_int_equal(update(t, &m, 1, 2000, &r, &prev), 0);
	assert_true(r.sign_requests.known && r.sign_requests.total == 50);
	assert_int_equal(prev, 4);
	/* a file cut short, whatever it held, and one not written by the cache at all */
	write_raw(t, "sbtc-cache 1\nkey signer-state\nfetched 1000\nlength 60\n\nsbtc-signer-state 1\nfail");
	assert_counts_as_missing(t);
	write_raw(t, good);
	assert_counts_as_missing(t);
}

static void test_symlink_in_place(void **state)
{
	tmpdir *t = *state;
	char target[128];
	snprintf(target, sizeof target, "%s/target", t->dir);
	FILE *f = fopen(target, "w");
	assert_non_null(f);
	fputs("precious\n", f);
	assert_int_equal(fclose(f), 0);
	char *p = state_path(t);
	assert_int_equal(symlink(target, p), 0);
	assert_counts_as_missing(t);
	/* the link was replaced, never followed: the target is untouched */
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	char buf[32] = {0};
	f = fopen(target, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "precious\n");
	free(p);
}

static void test_directory_in_place(void **state)
{
	tmpdir *t = *state;
	char *p = state_path(t);
	assert_int_equal(mkdir(p, 0700), 0);
	sbtc_signer_rates r;
	long long prev;
	char err[400];
	sbtc_signer_metrics m = counters(150, 12, 40, 1);
	sbtc_signer_state_now now = {.metrics = &m, .failed_shares = 2};
	assert_int_equal(sbtc_signer_state_update(t->fd, "signer-state", &now, 2000, &r, &prev, err, sizeof err), -1);
	assert_non_null(strstr(err, "the signer's state is not kept"));
	assert_false(r.sign_requests.known);
	assert_int_equal(prev, -1);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(p);
}

static void test_file_written_private(void **state)
{
	tmpdir *t = *state;
	sbtc_signer_rates r;
	long long prev;
	sbtc_signer_metrics m = counters(1, 0, 1, 0);
	assert_int_equal(update(t, &m, 0, 1000, &r, &prev), 0);
	char *p = state_path(t);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_shape),
		cmocka_unit_test(test_before_v1_1_and_empty),
		cmocka_unit_test(test_prefix_other_app_timestamp),
		cmocka_unit_test(test_label_value_with_brace_and_quote),
		cmocka_unit_test(test_not_the_format),
		cmocka_unit_test_setup_teardown(test_rates_between_runs, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_counter_reset, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_counter_reset_by_successes, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_garbage_truncated_future, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_symlink_in_place, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_directory_in_place, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_written_private, dir_setup, dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
