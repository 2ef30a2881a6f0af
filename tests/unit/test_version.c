/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/version.c: every form of version the signer, the Stacks node and
 * Bitcoin Core write, their order, and the tags that are not versions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "version.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static sbtc_version parse_ok(const char *text)
{
	sbtc_version v;
	char err[200] = "untouched";
	if (sbtc_version_parse(text, &v, err, sizeof err) != 0)
		fail_msg("'%s' refused: %s", text, err);
	if (err[0] != '\0')
		fail_msg("'%s' accepted but err is '%s'", text, err);
	return v;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Each list is in ascending order: every pair must compare as their positions do. */
static void check_order(const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sbtc_version a = parse_ok(list[i]);
		for (size_t j = 0; j < n; j++) {
			sbtc_version b = parse_ok(list[j]);
			int want = (i > j) - (i < j);
			int got = sign(sbtc_version_cmp(&a, &b));
			if (got != want)
				fail_msg("cmp(%s, %s) = %d, expected %d", list[i], list[j], got, want);
		}
	}
}

static void test_order_semver(void **unused)
{
	(void)unused;
	static const char *const list[] = {
		"0.0.9-rc6", "v0.0.9", "v1.0.0-alpha", "v1.0.0-alpha.2", "v1.0.0-beta.2", "v1.0.0-rc1",
		"1.0.0-rc2", "v1.0.0-rc10", "v1.0.0", "v1.0.1", "v1.1.0-rc1", "v1.1.0", "v1.3.1", "v1.3.3",
		"v1.10.0", "v2.0.0",
	};
	check_order(list, N_ELEMS(list));
}

static void test_order_stacks(void **unused)
{
	(void)unused;
	/* Five-part node versions up to 3.x, then three-part from 4.0. */
	static const char *const list[] = {
		"2.5.0.0.0-rc1", "2.5.0.0.0", "2.5.0.0.7", "3.0.0.0.0", "3.1.0.0.5-rc1", "3.1.0.0.5",
		"3.1.0.0.12", "3.1.0.0.13", "3.2.0.0.0", "4.0.0-rc1", "4.0.0", "4.0.1", "4.1.0",
	};
	check_order(list, N_ELEMS(list));
	static const char *const signer[] = {
		"signer-3.1.0.0.5.0-rc1", "signer-3.1.0.0.5.0", "signer-3.1.0.0.5.1", "signer-3.1.0.0.12.0",
		"signer-3.2.0.0.0.0",
	};
	check_order(signer, N_ELEMS(signer));
}

static void test_order_bitcoin(void **unused)
{
	(void)unused;
	static const char *const list[] = {
		"v0.21.2", "v25.0", "v25.1", "v26.0rc1", "v26.0rc2", "v26.0", "v26.2", "v27.0", "v28.0rc1",
		"v28.0", "v28.1",
	};
	check_order(list, N_ELEMS(list));
}

static void test_equal_forms(void **unused)
{
	(void)unused;
	static const char *const pairs[][2] = {
		{"1.3", "1.3.0"},          {"v1.3.3", "1.3.3"},         {"V1.3.3", "v1.3.3"},
		{"1.0.0+build.5", "1.0.0"}, {"28.0rc1", "v28.0-rc1"},    {"v28.0-rc.1", "28.0.rc1"},
		{"25.1.0", "v25.1"},        {"4.0.0", "4.0.0.0.0"},      {" v1.3.3\n", "1.3.3"},
		{"1.0-RC1", "1.0-rc1"},     {"signer-3.1.0.0.5.0", "3.1.0.0.5"},
	};
	for (size_t i = 0; i < N_ELEMS(pairs); i++) {
		sbtc_version a = parse_ok(pairs[i][0]), b = parse_ok(pairs[i][1]);
		if (sbtc_version_cmp(&a, &b) != 0)
			fail_msg("'%s' and '%s' should be equal", pairs[i][0], pairs[i][1]);
	}
}

static void test_fields(void **unused)
{
	(void)unused;
	sbtc_version v = parse_ok("signer-3.1.0.0.5.0");
	assert_true(v.signer_prefix);
	assert_int_equal(v.nparts, 6);
	assert_int_equal(v.part[0], 3);
	assert_int_equal(v.part[4], 5);
	assert_int_equal(v.pre, SBTC_PRE_NONE);
	assert_string_equal(v.text, "signer-3.1.0.0.5.0");

	v = parse_ok("v1.1.0-rc1");
	assert_false(v.signer_prefix);
	assert_int_equal(v.nparts, 3);
	assert_int_equal(v.pre, SBTC_PRE_RC);
	assert_int_equal(v.pre_number, 1);
	assert_string_equal(v.text, "v1.1.0-rc1");

	v = parse_ok("v28.0rc2");
	assert_int_equal(v.nparts, 2);
	assert_int_equal(v.part[0], 28);
	assert_int_equal(v.pre, SBTC_PRE_RC);
	assert_int_equal(v.pre_number, 2);

	v = parse_ok("  3.1.0.0.12\t");
	assert_string_equal(v.text, "3.1.0.0.12");
	assert_int_equal(v.part[4], 12);

	v = parse_ok("1.2.999999999");
	assert_int_equal(v.part[2], 999999999);
}

static void test_malformed(void **unused)
{
	(void)unused;
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"", "empty"},
		{"   ", "empty"},
		{"test_1", "does not start with a number"},
		{"test_v1.0.0", "does not start with a number"},
		{"0.0.0-test", "unexpected text after the numbers"},
		{"0.0.0", "placeholder"},
		{"v0.0", "placeholder"},
		{"1", "at least two numbers"},
		{"v12", "at least two numbers"},
		{"v", "does not start with a number"},
		{"1.", "at least two numbers"},
		{"1..2", "at least two numbers"},
		{"1.2.3.4.5.6.7", "more than six"},
		{"1.2-test", "unexpected text after the numbers"},
		{"1.2-rc1x", "unexpected text after the version"},
		{"1.2.3 foo", "unexpected text"},
		{"1.2+", "empty build metadata"},
		{"1.2+a b", "unexpected character in the build metadata"},
		{"1234567890.1", "too long"},
		{"1.2-rc1234567890", "too long"},
		{"1.2-", "unexpected text after the numbers"},
		{"nightly", "does not start with a number"},
		{"latest", "does not start with a number"},
		{"-1.2", "does not start with a number"},
		{"1.-2", "at least two numbers"},
		{"signer-", "does not start with a number"},
		{"signer-x", "does not start with a number"},
		{"vv1.2", "does not start with a number"},
		{"1.2.3-dirty", "unexpected text after the numbers"},
		{"1.2|3", "unexpected text"},
		{"0123456789012345678901234567890123456789012345678901234567890123456789", "too long"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		sbtc_version v;
		memset(&v, 0x5a, sizeof v);
		sbtc_version before = v;
		char err[200] = "";
		if (sbtc_version_parse(cases[i].text, &v, err, sizeof err) != -1)
			fail_msg("'%s' accepted", cases[i].text);
		if (memcmp(&v, &before, sizeof v) != 0)
			fail_msg("'%s': output touched on failure", cases[i].text);
		if (strstr(err, "is not a version") == NULL || strstr(err, cases[i].why) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].text, err, cases[i].why);
		if (strchr(err, '|') != NULL || strchr(err, '\n') != NULL)
			fail_msg("'%s': message not sanitised: '%s'", cases[i].text, err);
	}
	/* NULL text and tiny or absent message buffers */
	sbtc_version v;
	char one[1];
	assert_int_equal(sbtc_version_parse(NULL, &v, NULL, 0), -1);
	assert_int_equal(sbtc_version_parse("junk", &v, one, sizeof one), -1);
	assert_int_equal(one[0], '\0');
}

static void test_commit(void **unused)
{
	(void)unused;
	assert_true(sbtc_version_is_commit("b26f406fc0bfd271a5cd5b54ccb064e7d3a0650a"));
	assert_true(sbtc_version_is_commit("B26F406FC0BFD271A5CD5B54CCB064E7D3A0650A"));
	assert_true(sbtc_version_is_commit("ae969ca"));
	assert_true(sbtc_version_is_commit("1234567890123456789012345678901234567890"));
	assert_false(sbtc_version_is_commit("1234567"));
	assert_false(sbtc_version_is_commit("abc123"));
	assert_false(sbtc_version_is_commit("b26f406fc0bfd271a5cd5b54ccb064e7d3a0650a0"));
	assert_false(sbtc_version_is_commit("g26f406"));
	assert_false(sbtc_version_is_commit("v1.3.3"));
	assert_false(sbtc_version_is_commit(""));
}

static void test_git_describe(void **unused)
{
	(void)unused;
	char c[41];
	assert_true(sbtc_version_git_describe("v1.3.3-5-gabc1234", c, sizeof c));
	assert_string_equal(c, "abc1234");
	assert_true(sbtc_version_git_describe("v1.3.3-12-gb26f406fc0bfd271a5cd5b54ccb064e7d3a0650a-dirty", c, sizeof c));
	assert_string_equal(c, "b26f406fc0bfd271a5cd5b54ccb064e7d3a0650a");
	static const char *const no[] = {
		"v1.3.3", "v1.3.3-rc1", "v1.3.3-gabc1234", "v1.3.3-5-abc1234", "v1.3.3-5-gabc12", "-5-gabc1234",
		"v1.3.3-x5-gabc1234", "abc1234", "", "v1.3.3-5-gABC1234",
	};
	for (size_t i = 0; i < N_ELEMS(no); i++)
		if (sbtc_version_git_describe(no[i], c, sizeof c))
			fail_msg("'%s' taken for git describe", no[i]);
	char tiny[4];
	assert_false(sbtc_version_git_describe("v1.3.3-5-gabc1234", tiny, sizeof tiny));
}

/* Special builds of the signer are tagged base-suffix (v1.0.3-epoch32, v1.0.3-epoch32v2):
 * read as the base version for the order, the suffix kept. */
static void test_suffixed(void **unused)
{
	(void)unused;
	static const struct {
		const char *text, *base, *suffix;
	} ok[] = {
		{"v1.0.3-epoch32", "v1.0.3", "epoch32"},
		{"v1.0.3-epoch32v2", "v1.0.3", "epoch32v2"},
		{" v1.0.3-hotfix.2 ", "v1.0.3", "hotfix.2"},
		{"1.2.0-build-7", "1.2.0", "build-7"},
		{"v1.3.3", "v1.3.3", ""},
		{"v1.4.0-rc1", "v1.4.0-rc1", ""},
	};
	for (size_t i = 0; i < N_ELEMS(ok); i++) {
		sbtc_version v, base = parse_ok(ok[i].base);
		char err[200] = "untouched";
		if (sbtc_version_parse_suffixed(ok[i].text, &v, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", ok[i].text, err);
		assert_string_equal(err, "");
		assert_string_equal(v.suffix, ok[i].suffix);
		assert_int_equal(sbtc_version_cmp(&v, &base), 0);
		assert_int_equal(v.pre, base.pre);
	}
	/* the strict parser refuses them all: release lists never hold such a version */
	sbtc_version v;
	assert_int_equal(sbtc_version_parse("v1.0.3-epoch32", &v, NULL, 0), -1);
	static const char *const bad[] = {
		"v1.0.3-",       "v1.0.3-32",   "v1.0.3-rc1x",    "v1.0.3-beta-x", "v1.4.0-rc1-epoch",
		"v1.0.3-epoch..", "v1.0.3-ep|ch", "main-epoch32", "0.0.0-test",    "test_v1-epoch",
		"v1.0.3-epoch-", "",
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		char err[200] = "";
		memset(&v, 0x5a, sizeof v);
		if (sbtc_version_parse_suffixed(bad[i], &v, err, sizeof err) == 0)
			fail_msg("'%s' accepted (suffix '%s')", bad[i], v.suffix);
		assert_true(strstr(err, "is not a version") != NULL);
		assert_int_equal((unsigned char)v.text[0], 0x5a);
	}
}

/* signer/build.rs reports "main" (official v1.0.1 and v1.0.2 images) or "" (no GIT_COMMIT). */
static void test_branch_name(void **unused)
{
	(void)unused;
	static const char *const yes[] = {"", "main", "develop", "release/1.3", "feature_x-2", "HEAD"};
	static const char *const no[] = {"v1.3.3", "1.3.3", "V2", "ae969ca", "b26f406fc0bfd271a5cd5b54ccb064e7d3a0650a",
					 "v1.0.3-epoch32", "main branch", "nightly|build", "-main", "_x"};
	for (size_t i = 0; i < N_ELEMS(yes); i++)
		if (!sbtc_version_is_branch_name(yes[i]))
			fail_msg("'%s' not taken for a branch name", yes[i]);
	for (size_t i = 0; i < N_ELEMS(no); i++)
		if (sbtc_version_is_branch_name(no[i]))
			fail_msg("'%s' taken for a branch name", no[i]);
	assert_true(sbtc_version_is_branch_name(NULL));
}

static void test_stacks_server_version(void **unused)
{
	(void)unused;
	static const struct {
		const char *in, *version;
	} ok[] = {
		{"stacks-node 3.1.0.0.12 (release/3.1.0.0.12:ae969ca+, release build, linux [x86_64])", "3.1.0.0.12"},
		{"stacks-node 4.0.0 (release/4.0.0:0123abc, release build, linux [aarch64])", "4.0.0"},
		{"stacks-node 3.1.0.0.5-rc1 (release/3.1.0.0.5-rc1:abc, release build, linux [x86_64])", "3.1.0.0.5-rc1"},
		{"stacks-signer 3.1.0.0.5.0 (release/signer-3.1.0.0.5.0:abc, release build)", "3.1.0.0.5.0"},
		{"3.1.0.0.12", "3.1.0.0.12"},
	};
	for (size_t i = 0; i < N_ELEMS(ok); i++) {
		sbtc_version v, want = parse_ok(ok[i].version);
		char err[300];
		if (sbtc_version_from_stacks_server(ok[i].in, &v, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", ok[i].in, err);
		assert_int_equal(sbtc_version_cmp(&v, &want), 0);
		assert_string_equal(v.text, ok[i].version);
	}
	static const char *const bad[] = {
		"", "stacks-node", "stacks-node (release/3.1:abc)", "nginx/1.25 | <html>", "stacks-node test_build (x)",
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		sbtc_version v;
		char err[300];
		if (sbtc_version_from_stacks_server(bad[i], &v, err, sizeof err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		if (strstr(err, "server_version") == NULL || strchr(err, '|') != NULL)
			fail_msg("'%s': message '%s'", bad[i], err);
	}
	sbtc_version v;
	assert_int_equal(sbtc_version_from_stacks_server(NULL, &v, NULL, 0), -1);
}

static void test_bitcoin_subversion(void **unused)
{
	(void)unused;
	static const struct {
		const char *in, *version;
	} ok[] = {
		{"/Satoshi:25.1.0/", "25.1.0"},
		{"/Satoshi:27.1.0(my-node)/", "27.1.0"},
		{"/Satoshi:27.1.0/Knots:20240801/", "27.1.0"},
		{"/Satoshi:28.0.0rc1/", "28.0.0rc1"},
		{"/Satoshi:0.21.1/", "0.21.1"},
	};
	for (size_t i = 0; i < N_ELEMS(ok); i++) {
		sbtc_version v, want = parse_ok(ok[i].version);
		char err[300];
		if (sbtc_version_from_bitcoin_subversion(ok[i].in, &v, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", ok[i].in, err);
		assert_int_equal(sbtc_version_cmp(&v, &want), 0);
	}
	static const char *const bad[] = {"", "/btcd:0.24.0/", "Satoshi 25.1", "/Satoshi:/", "/Satoshi:x|y/"};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		sbtc_version v;
		char err[300];
		if (sbtc_version_from_bitcoin_subversion(bad[i], &v, err, sizeof err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		if (strstr(err, "subversion") == NULL || strchr(err, '|') != NULL)
			fail_msg("'%s': message '%s'", bad[i], err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_semver),
		cmocka_unit_test(test_order_stacks),
		cmocka_unit_test(test_order_bitcoin),
		cmocka_unit_test(test_equal_forms),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_git_describe),
		cmocka_unit_test(test_suffixed),
		cmocka_unit_test(test_branch_name),
		cmocka_unit_test(test_stacks_server_version),
		cmocka_unit_test(test_bitcoin_subversion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
