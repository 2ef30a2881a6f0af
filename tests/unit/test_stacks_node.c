/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Stacks node's answers (/v2/info, /v3/health, /v3/tenures/tip_metadata) and a
 * Stacks reference's /extended, each parsed from its document: what is kept, and what is
 * refused with which message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "json_field.h"
#include "stacks.h"
#include "stacks_reference.h"

#define HASH "17f76e597bab45646956f38dd39573085d72cbc0"

static json_object *doc_of(const char *json)
{
	json_object *o = NULL;
	char err[200];
	assert_int_equal(sbtc_json_parse(json, strlen(json), &o, err, sizeof err), 0);
	return o;
}

static void expect_fail(int r, const char *err, const char *msg, size_t i)
{
	if (r != -1)
		fail_msg("case %zu accepted", i);
	if (strstr(err, msg) == NULL)
		fail_msg("case %zu: '%s' lacks '%s'", i, err, msg);
}

/* getinfo.rs, RPCPeerInfoData: the fields this project reads. */
static void test_info(void **unused)
{
	(void)unused;
	sbtc_stacks_info in;
	char err[300];
	json_object *doc = doc_of("{\"stacks_tip_height\":1832097,\"burn_block_height\":880000,\"network_id\":1,"
				  "\"server_version\":\"stacks-node 3.1.0.0.12 (x|y\\u0007)\",\"is_fully_synced\":true,"
				  "\"stacks_tip_consensus_hash\":\"" HASH "\"}");
	assert_int_equal(sbtc_stacks_info_parse(doc, &in, err, sizeof err), 0);
	assert_int_equal(in.stacks_tip_height, 1832097);
	assert_int_equal(in.burn_block_height, 880000);
	assert_int_equal(in.network_id, 1);
	assert_true(in.has_is_fully_synced && in.is_fully_synced);
	assert_string_equal(in.server_version, "stacks-node 3.1.0.0.12 (x/y )");
	assert_string_equal(in.tip_consensus_hash, HASH);
	json_object_put(doc);

	/* older nodes: no is_fully_synced; a consensus hash of another form is not kept */
	doc = doc_of("{\"stacks_tip_height\":1,\"burn_block_height\":2,\"network_id\":2147483648,"
		     "\"server_version\":\"v\",\"stacks_tip_consensus_hash\":\"../../x\"}");
	assert_int_equal(sbtc_stacks_info_parse(doc, &in, err, sizeof err), 0);
	assert_false(in.has_is_fully_synced);
	assert_int_equal(in.network_id, 0x80000000LL);
	assert_string_equal(in.tip_consensus_hash, "");
	json_object_put(doc);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"{\"burn_block_height\":2,\"network_id\":1,\"server_version\":\"v\"}", "field 'stacks_tip_height' missing"},
		{"{\"stacks_tip_height\":-1,\"burn_block_height\":2,\"network_id\":1,\"server_version\":\"v\"}",
		 "negative height"},
		{"{\"stacks_tip_height\":1,\"burn_block_height\":2,\"network_id\":1,\"server_version\":7}",
		 "server_version"},
		{"{\"stacks_tip_height\":1,\"burn_block_height\":2,\"network_id\":1,\"server_version\":\"v\","
		 "\"is_fully_synced\":\"yes\"}",
		 "is_fully_synced"},
		{"[1]", "expected an object"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		doc = doc_of(bad[i].json);
		expect_fail(sbtc_stacks_info_parse(doc, &in, err, sizeof err), err, bad[i].msg, i);
		json_object_put(doc);
	}
}

/* gethealth.rs: level, behind, and the node that knows no neighbour (before and from
 * 3.2.0.0.2, where max_stacks_neighbor_address exists). */
static void test_health(void **unused)
{
	(void)unused;
	static const struct {
		const char *json;
		int64_t diff;
		bool no_neighbour;
	} ok[] = {
		{"{\"difference_from_max_peer\":0,\"max_stacks_height_of_neighbors\":10,\"node_stacks_tip_height\":10}", 0,
		 false},
		{"{\"difference_from_max_peer\":5,\"max_stacks_height_of_neighbors\":15,\"node_stacks_tip_height\":10,"
		 "\"max_stacks_neighbor_address\":\"1.2.3.4:20444\"}",
		 5, false},
		{"{\"difference_from_max_peer\":0,\"max_stacks_height_of_neighbors\":0,\"node_stacks_tip_height\":10,"
		 "\"max_stacks_neighbor_address\":null}",
		 0, true},
		{"{\"difference_from_max_peer\":0,\"max_stacks_height_of_neighbors\":0,\"node_stacks_tip_height\":10}", 0,
		 true},
	};
	sbtc_stacks_health h;
	char err[300];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		json_object *doc = doc_of(ok[i].json);
		assert_int_equal(sbtc_stacks_health_parse(doc, &h, err, sizeof err), 0);
		assert_int_equal(h.difference_from_max_peer, ok[i].diff);
		assert_int_equal(h.no_neighbour, ok[i].no_neighbour);
		assert_int_equal(h.http_status, 200);
		json_object_put(doc);
	}
	json_object *doc = doc_of("{\"difference_from_max_peer\":0,\"node_stacks_tip_height\":10}");
	expect_fail(sbtc_stacks_health_parse(doc, &h, err, sizeof err), err, "max_stacks_height_of_neighbors", 0);
	json_object_put(doc);
	doc = doc_of("{\"difference_from_max_peer\":0,\"max_stacks_height_of_neighbors\":1,\"node_stacks_tip_height\":1,"
		     "\"max_stacks_neighbor_address\":5}");
	expect_fail(sbtc_stacks_health_parse(doc, &h, err, sizeof err), err, "max_stacks_neighbor_address", 1);
	json_object_put(doc);
}

/* get_tenure_tip_meta.rs: the header as serde's externally tagged enum. */
static void test_tip_time(void **unused)
{
	(void)unused;
	sbtc_stacks_tip_time t;
	char err[300];
	json_object *doc = doc_of("{\"anchored_header\":{\"Nakamoto\":{\"version\":0,\"chain_length\":1832097,"
				  "\"timestamp\":1764650000}},\"burn_view\":null}");
	assert_int_equal(sbtc_stacks_tip_time_parse(doc, &t, err, sizeof err), 0);
	assert_int_equal(t.timestamp, 1764650000);
	assert_int_equal(t.chain_length, 1832097);
	assert_int_equal(t.http_status, 200);
	json_object_put(doc);
	doc = doc_of("{\"anchored_header\":{\"Epoch2\":{\"version\":0,\"total_work\":{}}}}");
	assert_int_equal(sbtc_stacks_tip_time_parse(doc, &t, err, sizeof err), 0);
	assert_int_equal(t.timestamp, -1);
	assert_int_equal(t.chain_length, -1);
	json_object_put(doc);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"{\"anchored_header\":{\"Nakamoto\":{\"chain_length\":1}}}", "timestamp"},
		{"{\"anchored_header\":{\"Nakamoto\":{\"chain_length\":1,\"timestamp\":-5}}}", "negative"},
		{"{\"anchored_header\":{\"Other\":{}}}", "neither Nakamoto nor Epoch2"},
		{"{\"anchored_header\":{\"Nakamoto\":3}}", "Nakamoto"},
		{"{}", "neither Nakamoto nor Epoch2"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		doc = doc_of(bad[i].json);
		expect_fail(sbtc_stacks_tip_time_parse(doc, &t, err, sizeof err), err, bad[i].msg, i);
		assert_int_equal(t.timestamp, -1);
		json_object_put(doc);
	}
}

/* The Hiro API's /extended (stacks-blockchain-api, routes/status.ts). */
static void test_reference(void **unused)
{
	(void)unused;
	int64_t h = 0;
	char err[300];
	json_object *doc = doc_of("{\"server_version\":\"stacks-blockchain-api v8\",\"status\":\"ready\","
				  "\"chain_tip\":{\"block_height\":1832137,\"burn_block_height\":880000}}");
	assert_int_equal(sbtc_stacks_reference_parse(doc, &h, err, sizeof err), 0);
	assert_int_equal(h, 1832137);
	json_object_put(doc);
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"{\"status\":\"ready\"}", "chain_tip"},
		{"{\"chain_tip\":{\"block_height\":-3}}", "negative height"},
		{"{\"chain_tip\":{\"block_height\":\"12\"}}", "block_height"},
		{"{\"chain_tip\":null}", "chain_tip"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		doc = doc_of(bad[i].json);
		expect_fail(sbtc_stacks_reference_parse(doc, &h, err, sizeof err), err, bad[i].msg, i);
		json_object_put(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_tip_time),
		cmocka_unit_test(test_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
