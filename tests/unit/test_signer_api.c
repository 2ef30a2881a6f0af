/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/signer_api.c: the signer's /info with its nulls, as the signer sends
 * it, and the shapes that are not /info. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "signer_api.h"

static int parse(const char *body, sbtc_signer_info *si, char *err, size_t errlen)
{
	return sbtc_signer_info_parse(body, strlen(body), si, err, errlen);
}

static void test_full(void **unused)
{
	(void)unused;
	sbtc_signer_info si;
	char err[400];
	const char *body =
		"{\"bitcoin\":{\"signer_tip\":{\"block_hash\":\"00aa\",\"block_height\":880000},"
		"\"node_tip\":{\"block_hash\":\"00bb\",\"block_height\":880001},\"node_chain\":\"bitcoin\","
		"\"node_version\":280100,\"node_subversion\":\"/Satoshi:28.1.0/\"},"
		"\"stacks\":{\"signer_tip\":{\"block_hash\":\"cc\",\"block_height\":1832000},"
		"\"node_tip\":{\"block_hash\":\"dd\",\"block_height\":1832097},\"node_bitcoin_block_height\":880001,"
		"\"node_version\":\"stacks-node 3.1.0.0.12 (x|y)\"},"
		"\"dkg\":{\"rounds\":2,\"current_aggregate_key\":\"02ab\",\"contract_aggregate_key\":null},"
		"\"config\":{\"network\":\"mainnet\"},"
		"\"build_info\":{\"rust_version\":\"1.84.0\",\"git_revision\":\"v1.3.3\",\"target_arch\":\"x86_64\","
		"\"target_env_abi\":null},\"timestamp\":\"2026-05-01\"}";
	assert_int_equal(parse(body, &si, err, sizeof err), 0);
	assert_true(si.bitcoin_signer_tip.known);
	assert_int_equal(si.bitcoin_signer_tip.height, 880000);
	assert_string_equal(si.bitcoin_signer_tip.hash, "00aa");
	assert_int_equal(si.bitcoin_node_tip.height, 880001);
	assert_int_equal(si.stacks_signer_tip.height, 1832000);
	assert_int_equal(si.stacks_node_tip.height, 1832097);
	assert_true(si.has_stacks_node_bitcoin_height);
	assert_int_equal(si.stacks_node_bitcoin_height, 880001);
	assert_string_equal(si.bitcoin_node_chain, "bitcoin");
	assert_string_equal(si.stacks_node_version, "stacks-node 3.1.0.0.12 (x/y)");
	assert_string_equal(si.network, "mainnet");
	assert_string_equal(si.git_revision, "v1.3.3");
	assert_string_equal(si.current_aggregate_key, "02ab");
	assert_string_equal(si.contract_aggregate_key, "");
}

static void test_nulls(void **unused)
{
	(void)unused;
	sbtc_signer_info si;
	char err[400];
	/* what a signer that has learnt nothing yet sends */
	const char *body = "{\"bitcoin\":{\"signer_tip\":null,\"node_tip\":null,\"node_chain\":null,"
			   "\"node_version\":null,\"node_subversion\":null},"
			   "\"stacks\":{\"signer_tip\":null,\"node_tip\":null,\"node_bitcoin_block_height\":null,"
			   "\"node_version\":null},\"dkg\":{\"rounds\":0,\"current_aggregate_key\":null,"
			   "\"contract_aggregate_key\":null},\"config\":null,\"build_info\":{\"rust_version\":\"1.84.0\","
			   "\"git_revision\":\"0123456789abcdef0123456789abcdef01234567\",\"target_arch\":\"x86_64\","
			   "\"target_env_abi\":null},\"timestamp\":\"x\"}";
	assert_int_equal(parse(body, &si, err, sizeof err), 0);
	assert_false(si.bitcoin_signer_tip.known);
	assert_false(si.bitcoin_node_tip.known);
	assert_false(si.stacks_signer_tip.known);
	assert_false(si.stacks_node_tip.known);
	assert_false(si.has_stacks_node_bitcoin_height);
	assert_string_equal(si.bitcoin_node_chain, "");
	assert_string_equal(si.network, "");
	assert_string_equal(si.git_revision, "0123456789abcdef0123456789abcdef01234567");
	/* older signers: no dkg, no config at all */
	assert_int_equal(parse("{\"bitcoin\":{},\"stacks\":{}}", &si, err, sizeof err), 0);
	assert_false(si.bitcoin_signer_tip.known);
}

/* signer/build.rs: `git rev-parse HEAD`, else $GIT_COMMIT, else "": an empty revision is a
 * revision (an image built without the build argument), unlike a missing one. The whole
 * `rustc --version` line is kept. */
static void test_git_revision_forms(void **unused)
{
	(void)unused;
	sbtc_signer_info si;
	char err[400];
#define REV_BODY(rev)                                                                                      \
	"{\"bitcoin\":{},\"stacks\":{},\"build_info\":{\"rust_version\":\"rustc 1.86.0 (05f9846f8 2025-03-31)\","  \
	"\"git_revision\":" rev ",\"target_arch\":\"x86_64\",\"target_env_abi\":\"gnu\"}}"
	assert_int_equal(parse(REV_BODY("\"main\""), &si, err, sizeof err), 0);
	assert_true(si.has_git_revision);
	assert_string_equal(si.git_revision, "main");
	assert_string_equal(si.rust_version, "rustc 1.86.0 (05f9846f8 2025-03-31)");
	assert_int_equal(parse(REV_BODY("\"\""), &si, err, sizeof err), 0);
	assert_true(si.has_git_revision);
	assert_string_equal(si.git_revision, "");
	assert_int_equal(parse(REV_BODY("null"), &si, err, sizeof err), 0);
	assert_false(si.has_git_revision);
#undef REV_BODY
	assert_int_equal(parse("{\"bitcoin\":{},\"stacks\":{}}", &si, err, sizeof err), 0);
	assert_false(si.has_git_revision);
}

static void test_bad_shapes(void **unused)
{
	(void)unused;
	static const struct {
		const char *body, *msg;
	} cases[] = {
		{"", "empty body"},
		{"<html>", "not JSON"},
		{"null", "null"},
		{"[]", "is an array, expected an object"},
		{"{\"stacks\":{}}", "field 'bitcoin' missing"},
		{"{\"bitcoin\":{},\"stacks\":[]}", "'stacks'"},
		{"{\"bitcoin\":{\"signer_tip\":{\"block_hash\":\"aa\"}},\"stacks\":{}}", "block_height' missing"},
		{"{\"bitcoin\":{\"signer_tip\":{\"block_height\":\"1\"}},\"stacks\":{}}", "block_height' is a string"},
		{"{\"bitcoin\":{\"signer_tip\":{\"block_height\":-1}},\"stacks\":{}}", "negative"},
		{"{\"bitcoin\":{\"signer_tip\":7},\"stacks\":{}}", "signer_tip"},
		{"{\"bitcoin\":{\"node_chain\":1},\"stacks\":{}}", "node_chain"},
		{"{\"bitcoin\":{},\"stacks\":{\"node_bitcoin_block_height\":1.5}}", "node_bitcoin_block_height"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_signer_info si;
		char err[400] = "";
		if (parse(cases[i].body, &si, err, sizeof err) != -1 || strstr(err, cases[i].msg) == NULL)
			fail_msg("%s: expected an error with \"%s\", got \"%s\"", cases[i].body, cases[i].msg, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_nulls),
		cmocka_unit_test(test_git_revision_forms),
		cmocka_unit_test(test_bad_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
