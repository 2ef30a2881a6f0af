/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/github.c's pure parts: GitHub's time stamps, the releases and compare
 * documents (as GitHub sends them and as the cache keeps them), repository names and the
 * token. The HTTP side is covered by tests/integration/test_version.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_time(void **unused)
{
	(void)unused;
	assert_int_equal(sbtc_github_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(sbtc_github_time("2025-03-14T17:02:55Z"), 1741971775);
	assert_int_equal(sbtc_github_time("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(sbtc_github_time("2026-05-01T12:00:00Z"), 1777636800);
	static const char *const bad[] = {
		NULL, "", "2025-03-14", "2025-03-14T17:02:55", "2025-03-14T17:02:55+00:00", "2025-13-01T00:00:00Z",
		"2025-00-01T00:00:00Z", "2025-01-32T00:00:00Z", "2025-01-01T24:00:00Z", "1969-12-31T23:59:59Z",
		"2025-0a-01T00:00:00Z", "2025-03-14T17:02:55ZZ", "2025/03/14T17:02:55Z",
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		if (sbtc_github_time(bad[i]) != -1)
			fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
}

static void test_parse_releases(void **unused)
{
	(void)unused;
	/* GitHub's shape, trimmed: a draft has published_at null and counts from created_at */
	static const char body[] =
		"[{\"url\":\"https://api.github.com/repos/stacks-sbtc/sbtc/releases/1\",\"tag_name\":\"v1.4.0\","
		"\"name\":\"v1.4.0\",\"draft\":true,\"prerelease\":false,\"created_at\":\"2026-05-02T10:00:00Z\","
		"\"published_at\":null,\"html_url\":\"https://github.com/stacks-sbtc/sbtc/releases/tag/untagged-1\","
		"\"assets\":[{\"name\":\"x\"}],\"body\":\"notes | with pipes\"},"
		"{\"tag_name\":\"v1.3.3\",\"draft\":false,\"prerelease\":false,\"created_at\":\"2026-05-01T11:00:00Z\","
		"\"published_at\":\"2026-05-01T12:00:00Z\",\"html_url\":\"https://github.com/stacks-sbtc/sbtc/releases/tag/v1.3.3\"},"
		"{\"tag_name\":\"v1.1.0-rc1\",\"prerelease\":true,\"published_at\":\"bogus\"}]";
	sbtc_github_releases r;
	char err[300];
	assert_int_equal(sbtc_github_parse_releases(body, strlen(body), &r, err, sizeof err), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].tag, "v1.4.0");
	assert_true(r.v[0].draft);
	assert_int_equal(r.v[0].published, sbtc_github_time("2026-05-02T10:00:00Z"));
	assert_string_equal(r.v[1].tag, "v1.3.3");
	assert_false(r.v[1].draft);
	assert_false(r.v[1].prerelease);
	assert_int_equal(r.v[1].published, 1777636800);
	assert_string_equal(r.v[1].html_url, "https://github.com/stacks-sbtc/sbtc/releases/tag/v1.3.3");
	assert_true(r.v[2].prerelease);
	assert_int_equal(r.v[2].published, -1);
	assert_string_equal(r.v[2].html_url, "");
	sbtc_github_releases_free(&r);
	assert_int_equal(r.n, 0);

	/* an empty list is a list */
	assert_int_equal(sbtc_github_parse_releases("[]", 2, &r, err, sizeof err), 0);
	assert_int_equal(r.n, 0);
	sbtc_github_releases_free(&r);

	static const struct {
		const char *body, *why;
	} bad[] = {
		{"", "empty body"},
		{"{\"message\":\"Not Found\"}", "expected an array of releases, got object"},
		{"null", "expected an array of releases, got null"},
		{"[{\"name\":\"x\"}]", "release 0: field 'tag_name' missing"},
		{"[{\"tag_name\":\"v1\"},{\"tag_name\":5}]", "release 1: field 'tag_name' is"},
		{"[{\"tag_name\":\"v1\",\"draft\":\"yes\"}]", "field 'draft'"},
		{"[1]", "release 0 is not an object"},
		{"[{\"tag_name\":\"v1\"}", "not JSON"},
		{"\x1b[2J| not json", "not JSON"},
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		err[0] = '\0';
		if (sbtc_github_parse_releases(bad[i].body, strlen(bad[i].body), &r, err, sizeof err) != -1)
			fail_msg("'%s' accepted", bad[i].body);
		assert_null(r.v);
		assert_int_equal(r.n, 0);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].body, err, bad[i].why);
	}
}

static void test_parse_compare(void **unused)
{
	(void)unused;
	static const struct {
		const char *status;
		sbtc_compare_status want;
	} ok[] = {
		{"identical", SBTC_COMPARE_IDENTICAL},
		{"ahead", SBTC_COMPARE_AHEAD},
		{"behind", SBTC_COMPARE_BEHIND},
		{"diverged", SBTC_COMPARE_DIVERGED},
	};
	for (size_t i = 0; i < N_ELEMS(ok); i++) {
		char body[200], err[200];
		snprintf(body, sizeof body,
			 "{\"status\":\"%s\",\"ahead_by\":3,\"behind_by\":12,\"total_commits\":3,\"commits\":[],\"files\":[]}",
			 ok[i].status);
		sbtc_github_compare c;
		assert_int_equal(sbtc_github_parse_compare(body, strlen(body), &c, err, sizeof err), 0);
		assert_int_equal(c.status, ok[i].want);
		assert_int_equal(c.ahead_by, 3);
		assert_int_equal(c.behind_by, 12);
	}
	static const struct {
		const char *body, *why;
	} bad[] = {
		{"{\"status\":\"sideways\",\"ahead_by\":0,\"behind_by\":0}", "unknown compare status 'sideways'"},
		{"{\"status\":\"ahead|x\",\"ahead_by\":0,\"behind_by\":0}", "unknown compare status 'ahead/x'"},
		{"{\"status\":\"ahead\",\"behind_by\":0}", "field 'ahead_by' missing"},
		{"{\"status\":\"ahead\",\"ahead_by\":1.5,\"behind_by\":0}", "ahead_by"},
		{"{\"status\":\"ahead\",\"ahead_by\":-1,\"behind_by\":0}", "negative"},
		{"[]", "expected an object"},
		{"", "empty body"},
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		sbtc_github_compare c;
		char err[200] = "";
		if (sbtc_github_parse_compare(bad[i].body, strlen(bad[i].body), &c, err, sizeof err) != -1)
			fail_msg("'%s' accepted", bad[i].body);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].body, err, bad[i].why);
	}
}

static void test_repo_valid(void **unused)
{
	(void)unused;
	static const char *const ok[] = {"stacks-sbtc/sbtc", "stacks-network/stacks-core", "bitcoin/bitcoin",
					 "my.org/repo_name-2", "a/.github"};
	static const char *const bad[] = {NULL, "", "sbtc", "/sbtc", "owner/", "a/b/c", "a/..", "../x", "./x",
					  "a b/c", "a/b?x=1", "a/b#x", "a/%2e%2e", "o/r\n"};
	for (size_t i = 0; i < N_ELEMS(ok); i++)
		if (!sbtc_github_repo_valid(ok[i]))
			fail_msg("'%s' refused", ok[i]);
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		if (sbtc_github_repo_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
}

static char *token_file(const char *content)
{
	char *path = strdup("/tmp/sbtc-test-token-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_token(void **unused)
{
	(void)unused;
	static const char secret[] = "ghp_0123456789abcdefSECRET";
	char err[300], *tok;
	static const char *const good[] = {"ghp_0123456789abcdefSECRET\n", "  ghp_0123456789abcdefSECRET \r\nsecond line\n",
					   "ghp_0123456789abcdefSECRET"};
	for (size_t i = 0; i < N_ELEMS(good); i++) {
		char *path = token_file(good[i]);
		assert_int_equal(sbtc_github_token(path, &tok, err, sizeof err), 0);
		assert_string_equal(tok, secret);
		free(tok);
		unlink(path);
		free(path);
	}
	static const char *const bad[] = {"\n", "   \r\n", "two words\n", "tab\there\n", "ctl\x01\n"};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		char *path = token_file(bad[i]);
		assert_int_equal(sbtc_github_token(path, &tok, err, sizeof err), -1);
		assert_null(tok);
		assert_null(strstr(err, "two"));
		assert_null(strstr(err, "here"));
		unlink(path);
		free(path);
	}
	/* a missing file: its name is shown when it looks like a path, never otherwise */
	assert_int_equal(sbtc_github_token("/nonexistent/token", &tok, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/token"));
	assert_int_equal(sbtc_github_token(secret, &tok, err, sizeof err), -1);
	assert_null(strstr(err, secret));
	/* the environment when no file is given */
	assert_int_equal(setenv("GITHUB_TOKEN", secret, 1), 0);
	assert_int_equal(sbtc_github_token(NULL, &tok, err, sizeof err), 0);
	assert_string_equal(tok, secret);
	free(tok);
	assert_int_equal(setenv("GITHUB_TOKEN", "", 1), 0);
	assert_int_equal(sbtc_github_token(NULL, &tok, err, sizeof err), 0);
	assert_null(tok);
	assert_int_equal(unsetenv("GITHUB_TOKEN"), 0);
	assert_int_equal(sbtc_github_token(NULL, &tok, err, sizeof err), 0);
	assert_null(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_parse_releases),
		cmocka_unit_test(test_parse_compare),
		cmocka_unit_test(test_repo_valid),
		cmocka_unit_test(test_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
