/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/dkg.c: ordering and counting of DKG shares, and the verdict on the
 * registry's aggregate key, built from shares held in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkg.h"
#include "hex.h"
#include "strbuf.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define HEX1 "03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967"
#define HEX2 "03f898f8a6ddb86dd4608dd168355ec6135fe2839222240c01942e8e7e50dd4c89"
#define HEX3 "02111111111111111111111111111111111111111111111111111111111111111f"
#define SHORT1 "03d8c43448...0aa967"
#define SHORT2 "03f898f8a6...dd4c89"
#define SHORT3 "0211111111...11111f"

#define NOW 1700000000.0
#define GRACE 3600.0

enum { K1 = 1, K2, K3 };

static uint8_t keys[4][SBTC_AGGREGATE_KEY_LEN];

static void decode_key(const char *hex, uint8_t out[SBTC_AGGREGATE_KEY_LEN])
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	char err[128];
	if (sbtc_hex_decode(hex, &bytes, &len, err, sizeof err) != 0)
		fail_msg("cannot decode %s: %s", hex, err);
	assert_int_equal(len, SBTC_AGGREGATE_KEY_LEN);
	memcpy(out, bytes, SBTC_AGGREGATE_KEY_LEN);
	free(bytes);
}

static int setup_keys(void **unused)
{
	(void)unused;
	decode_key(HEX1, keys[K1]);
	decode_key(HEX2, keys[K2]);
	decode_key(HEX3, keys[K3]);
	return 0;
}

struct share_spec {
	int key; /* K1..K3; 0 ends the list */
	sbtc_share_status status;
	double age; /* seconds before NOW */
};

/* Shares in memory, in the order given (callers give them newest first, or sort). */
static sbtc_dkg_shares make_shares(const struct share_spec *spec, bool has_status)
{
	sbtc_dkg_shares s;
	memset(&s, 0, sizeof s);
	size_t n = 0;
	while (spec[n].key != 0)
		n++;
	s.v = sbtc_xcalloc(n + 1, sizeof *s.v);
	for (size_t i = 0; i < n; i++) {
		memcpy(s.v[i].key, keys[spec[i].key], SBTC_AGGREGATE_KEY_LEN);
		s.v[i].status = spec[i].status;
		s.v[i].created_at = NOW - spec[i].age;
	}
	s.n = n;
	s.has_status = has_status;
	s.now = NOW;
	return s;
}

/* ---- names, sort, count ----------------------------------------------------------- */

static void test_status_names(void **unused)
{
	(void)unused;
	assert_string_equal(sbtc_share_status_name(SBTC_SHARE_VERIFIED), "verified");
	assert_string_equal(sbtc_share_status_name(SBTC_SHARE_UNVERIFIED), "unverified");
	assert_string_equal(sbtc_share_status_name(SBTC_SHARE_FAILED), "failed");
	assert_string_equal(sbtc_share_status_name(SBTC_SHARE_NO_STATUS), "(no status)");
	assert_int_equal(sbtc_share_status_parse("verified"), SBTC_SHARE_VERIFIED);
	assert_int_equal(sbtc_share_status_parse("unverified"), SBTC_SHARE_UNVERIFIED);
	assert_int_equal(sbtc_share_status_parse("failed"), SBTC_SHARE_FAILED);
	assert_int_equal(sbtc_share_status_parse("Verified"), -1);
	assert_int_equal(sbtc_share_status_parse(""), -1);
	assert_int_equal(sbtc_share_status_parse("(no status)"), -1);
}

static void test_sort(void **unused)
{
	/* Unordered, with ties on created_at broken by the key, descending. */
	static const struct share_spec spec[] = {
		{K1, SBTC_SHARE_VERIFIED, 500},
		{K3, SBTC_SHARE_FAILED, 100},
		{K2, SBTC_SHARE_UNVERIFIED, 500},
		{K3, SBTC_SHARE_VERIFIED, 500},
		{K1, SBTC_SHARE_UNVERIFIED, 900},
		{K2, SBTC_SHARE_VERIFIED, 10},
		{0, 0, 0},
	};
	static const struct {
		int key;
		double age;
		sbtc_share_status status;
	} want[] = {
		{K2, 10, SBTC_SHARE_VERIFIED},   {K3, 100, SBTC_SHARE_FAILED},
		{K2, 500, SBTC_SHARE_UNVERIFIED}, {K1, 500, SBTC_SHARE_VERIFIED},
		{K3, 500, SBTC_SHARE_VERIFIED},  {K1, 900, SBTC_SHARE_UNVERIFIED},
	};
	(void)unused;
	sbtc_dkg_shares s = make_shares(spec, true);
	sbtc_dkg_sort(&s);
	assert_int_equal(s.n, N_ELEMS(want));
	for (size_t i = 0; i < s.n; i++) {
		if (memcmp(s.v[i].key, keys[want[i].key], SBTC_AGGREGATE_KEY_LEN) != 0 ||
		    s.v[i].created_at != NOW - want[i].age || s.v[i].status != want[i].status)
			fail_msg("position %zu holds the wrong share", i);
	}
	/* Sorting again changes nothing; so does sorting a sorted copy in reverse input. */
	sbtc_dkg_sort(&s);
	assert_memory_equal(s.v[0].key, keys[K2], SBTC_AGGREGATE_KEY_LEN);
	for (size_t i = 0; i < s.n / 2; i++) {
		sbtc_dkg_share tmp = s.v[i];
		s.v[i] = s.v[s.n - 1 - i];
		s.v[s.n - 1 - i] = tmp;
	}
	sbtc_dkg_sort(&s);
	for (size_t i = 0; i < s.n; i++)
		assert_memory_equal(s.v[i].key, keys[want[i].key], SBTC_AGGREGATE_KEY_LEN);
	sbtc_dkg_shares_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);

	/* Nothing and one share. */
	static const struct share_spec none[] = {{0, 0, 0}};
	static const struct share_spec one[] = {{K1, SBTC_SHARE_VERIFIED, 1}, {0, 0, 0}};
	s = make_shares(none, true);
	sbtc_dkg_sort(&s);
	assert_int_equal(s.n, 0);
	sbtc_dkg_shares_free(&s);
	s = make_shares(one, true);
	sbtc_dkg_sort(&s);
	assert_memory_equal(s.v[0].key, keys[K1], SBTC_AGGREGATE_KEY_LEN);
	sbtc_dkg_shares_free(&s);
}

static void test_count(void **unused)
{
	static const struct share_spec spec[] = {
		{K3, SBTC_SHARE_UNVERIFIED, 10},
		{K2, SBTC_SHARE_FAILED, 20},
		{K1, SBTC_SHARE_VERIFIED, 30},
		{K2, SBTC_SHARE_VERIFIED, 40},
		{K3, SBTC_SHARE_UNVERIFIED, 50},
		{0, 0, 0},
	};
	static const struct share_spec old[] = {
		{K1, SBTC_SHARE_NO_STATUS, 10},
		{K2, SBTC_SHARE_NO_STATUS, 20},
		{0, 0, 0},
	};
	sbtc_dkg_counts c;
	(void)unused;
	sbtc_dkg_shares s = make_shares(spec, true);
	sbtc_dkg_count(&s, &c);
	assert_int_equal(c.verified, 2);
	assert_int_equal(c.unverified, 2);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.no_status, 0);
	assert_ptr_equal(c.newest_verified, &s.v[2]);
	sbtc_dkg_shares_free(&s);

	s = make_shares(old, false);
	sbtc_dkg_count(&s, &c);
	assert_int_equal(c.verified, 0);
	assert_int_equal(c.no_status, 2);
	assert_null(c.newest_verified);
	sbtc_dkg_shares_free(&s);

	memset(&s, 0, sizeof s);
	sbtc_dkg_count(&s, &c);
	assert_int_equal(c.verified + c.unverified + c.failed + c.no_status, 0);
	assert_null(c.newest_verified);
}

/* ---- the verdict ------------------------------------------------------------------ */

struct verdict_case {
	const char *name;
	struct share_spec shares[5];
	bool has_status;
	int onchain; /* 0: the registry holds no key */
	int verbose;
	sbtc_state state;
	const char *text;
};

static const struct verdict_case verdict_cases[] = {
	{"newest verified is on chain",
	 {{K1, SBTC_SHARE_VERIFIED, 86400}, {0, 0, 0}},
	 true, K1, 0, SBTC_OK,
	 "on-chain key " SHORT1 " is the newest verified share in the database (created 1d 0h ago)"},
	{"newer shares that are not verified do not count",
	 {{K2, SBTC_SHARE_UNVERIFIED, 60}, {K3, SBTC_SHARE_FAILED, 120}, {K1, SBTC_SHARE_VERIFIED, 7200},
	  {0, 0, 0}},
	 true, K1, 0, SBTC_OK,
	 "on-chain key " SHORT1 " is the newest verified share in the database (created 2h 0m ago)"},
	{"rotation pending within the grace",
	 {{K2, SBTC_SHARE_VERIFIED, 600}, {K1, SBTC_SHARE_VERIFIED, 86400}, {0, 0, 0}},
	 true, K1, 0, SBTC_WARNING,
	 "key rotation pending for 10m 0s (grace 1h 0m): on-chain key " SHORT1
	 " is an older verified share; newest verified share " SHORT2 " is not on chain"},
	{"rotation pending exactly the grace",
	 {{K2, SBTC_SHARE_VERIFIED, GRACE}, {K1, SBTC_SHARE_VERIFIED, 86400}, {0, 0, 0}},
	 true, K1, 0, SBTC_WARNING,
	 "key rotation pending for 1h 0m (grace 1h 0m): on-chain key " SHORT1
	 " is an older verified share; newest verified share " SHORT2 " is not on chain"},
	{"rotation pending beyond the grace",
	 {{K2, SBTC_SHARE_VERIFIED, 7200}, {K1, SBTC_SHARE_VERIFIED, 86400}, {0, 0, 0}},
	 true, K1, 0, SBTC_CRITICAL,
	 "key rotation pending for 2h 0m (grace 1h 0m): on-chain key " SHORT1
	 " is an older verified share; newest verified share " SHORT2 " is not on chain"},
	{"on-chain key absent",
	 {{K2, SBTC_SHARE_VERIFIED, 600}, {K3, SBTC_SHARE_VERIFIED, 6000}, {0, 0, 0}},
	 true, K1, 0, SBTC_CRITICAL,
	 "on-chain key " SHORT1 " is not among the verified shares of the database: it cannot sign for it "
	 "(newest verified share is " SHORT2 ")"},
	{"on-chain key only unverified",
	 {{K1, SBTC_SHARE_UNVERIFIED, 60}, {K2, SBTC_SHARE_VERIFIED, 600}, {0, 0, 0}},
	 true, K1, 0, SBTC_CRITICAL,
	 "on-chain key " SHORT1 " is in the database only as an unverified share: it cannot sign for it "
	 "(newest verified share is " SHORT2 ")"},
	{"on-chain key only failed",
	 {{K2, SBTC_SHARE_VERIFIED, 600}, {K1, SBTC_SHARE_FAILED, 6000}, {0, 0, 0}},
	 true, K1, 0, SBTC_CRITICAL,
	 "on-chain key " SHORT1 " is in the database only as a failed share: it cannot sign for it "
	 "(newest verified share is " SHORT2 ")"},
	{"no verified share at all",
	 {{K1, SBTC_SHARE_UNVERIFIED, 60}, {K2, SBTC_SHARE_FAILED, 600}, {K3, SBTC_SHARE_UNVERIFIED, 900},
	  {0, 0, 0}},
	 true, K1, 0, SBTC_CRITICAL,
	 "the database has no verified share (2 unverified, 1 failed): it cannot sign for on-chain key " SHORT1},
	{"no share at all",
	 {{0, 0, 0}},
	 true, K2, 0, SBTC_CRITICAL,
	 "the database has no verified share (0 unverified, 0 failed): it cannot sign for on-chain key " SHORT2},
	{"registry without key",
	 {{K1, SBTC_SHARE_VERIFIED, 60}, {0, 0, 0}},
	 true, 0, 0, SBTC_WARNING,
	 "the registry holds no aggregate key yet (its initial value 0x00): nothing to compare the database with"},
	{"registry without key, pre-0012",
	 {{0, 0, 0}},
	 false, 0, 1, SBTC_WARNING,
	 "the registry holds no aggregate key yet (its initial value 0x00): nothing to compare the database with"},
	{"pre-0012: newest share on chain",
	 {{K2, SBTC_SHARE_NO_STATUS, 90000}, {K1, SBTC_SHARE_NO_STATUS, 200000}, {0, 0, 0}},
	 false, K2, 0, SBTC_OK,
	 "on-chain key " SHORT2 " is the newest share in the database (created 1d 1h ago)"},
	{"pre-0012: older share on chain",
	 {{K2, SBTC_SHARE_NO_STATUS, 90000}, {K1, SBTC_SHARE_NO_STATUS, 200000}, {0, 0, 0}},
	 false, K1, 0, SBTC_WARNING,
	 "on-chain key " SHORT1 " is an older share of the database (created 2d 7h ago); newer share " SHORT2
	 " is not on chain"},
	{"pre-0012: on-chain key absent",
	 {{K2, SBTC_SHARE_NO_STATUS, 90000}, {K1, SBTC_SHARE_NO_STATUS, 200000}, {0, 0, 0}},
	 false, K3, 0, SBTC_CRITICAL,
	 "on-chain key " SHORT3 " is not in the database (2 shares, none matching)"},
	{"pre-0012: no share",
	 {{0, 0, 0}},
	 false, K1, 0, SBTC_CRITICAL, "on-chain key " SHORT1 " is not in the database (0 shares, none matching)"},
	/* -v shows whole keys */
	{"verbose: OK",
	 {{K1, SBTC_SHARE_VERIFIED, 30}, {0, 0, 0}},
	 true, K1, 1, SBTC_OK,
	 "on-chain key " HEX1 " is the newest verified share in the database (created 30s ago)"},
	{"verbose: rotation",
	 {{K2, SBTC_SHARE_VERIFIED, 600}, {K1, SBTC_SHARE_VERIFIED, 86400}, {0, 0, 0}},
	 true, K1, 1, SBTC_WARNING,
	 "key rotation pending for 10m 0s (grace 1h 0m): on-chain key " HEX1
	 " is an older verified share; newest verified share " HEX2 " is not on chain"},
	{"verbose: absent",
	 {{K2, SBTC_SHARE_VERIFIED, 600}, {0, 0, 0}},
	 true, K1, 3, SBTC_CRITICAL,
	 "on-chain key " HEX1 " is not among the verified shares of the database: it cannot sign for it "
	 "(newest verified share is " HEX2 ")"},
	{"verbose: pre-0012 older",
	 {{K2, SBTC_SHARE_NO_STATUS, 10}, {K1, SBTC_SHARE_NO_STATUS, 20}, {0, 0, 0}},
	 false, K1, 2, SBTC_WARNING,
	 "on-chain key " HEX1 " is an older share of the database (created 20s ago); newer share " HEX2
	 " is not on chain"},
};

static void test_verdicts(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(verdict_cases); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		sbtc_dkg_shares s = make_shares(c->shares, c->has_status);
		sbtc_registry_key onchain;
		memset(&onchain, 0, sizeof onchain);
		if (c->onchain != 0) {
			onchain.has_key = true;
			memcpy(onchain.key, keys[c->onchain], SBTC_AGGREGATE_KEY_LEN);
		}
		sbtc_result *root = sbtc_result_new();
		sbtc_result *r = sbtc_dkg_verdict(root, &s, &onchain, GRACE, "the database", c->verbose);
		assert_non_null(r);
		assert_int_equal(sbtc_result_nchildren(root), 1);
		assert_ptr_equal(sbtc_result_child(root, 0), r);
		if (sbtc_result_own_state(r) != c->state || strcmp(sbtc_result_text(r), c->text) != 0)
			fail_msg("%s: %s \"%s\"\nexpected %s \"%s\"", c->name, sbtc_state_name(sbtc_result_own_state(r)), sbtc_result_text(r),
				 sbtc_state_name(c->state), c->text);
		assert_int_equal(sbtc_result_state(root), c->state);
		sbtc_result_free(root);
		sbtc_dkg_shares_free(&s);
	}
}

static void test_verdict_where_and_grace(void **unused)
{
	static const struct share_spec spec[] = {
		{K2, SBTC_SHARE_VERIFIED, 5000}, {K1, SBTC_SHARE_VERIFIED, 90000}, {0, 0, 0}};
	sbtc_registry_key onchain;
	(void)unused;
	memset(&onchain, 0, sizeof onchain);
	onchain.has_key = true;
	memcpy(onchain.key, keys[K1], SBTC_AGGREGATE_KEY_LEN);
	sbtc_dkg_shares s = make_shares(spec, true);
	sbtc_result *root = sbtc_result_new();
	/* The same pending rotation under a longer grace is a WARNING. */
	sbtc_result *r = sbtc_dkg_verdict(root, &s, &onchain, 86400, "the backup", 0);
	assert_int_equal(sbtc_result_own_state(r), SBTC_WARNING);
	assert_string_equal(sbtc_result_text(r), "key rotation pending for 1h 23m (grace 1d 0h): on-chain key " SHORT1
				     " is an older verified share; newest verified share " SHORT2 " is not on chain");
	r = sbtc_dkg_verdict(root, &s, &onchain, 0, "the backup", 0);
	assert_int_equal(sbtc_result_own_state(r), SBTC_CRITICAL);
	assert_int_equal(sbtc_result_nchildren(root), 2);
	/* "where" names the origin. */
	memcpy(onchain.key, keys[K3], SBTC_AGGREGATE_KEY_LEN);
	r = sbtc_dkg_verdict(root, &s, &onchain, GRACE, "the backup", 0);
	assert_string_equal(sbtc_result_text(r), "on-chain key " SHORT3 " is not among the verified shares of the backup: it "
				     "cannot sign for it (newest verified share is " SHORT2 ")");
	assert_int_equal(sbtc_result_state(root), SBTC_CRITICAL);
	sbtc_result_free(root);
	sbtc_dkg_shares_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_verdict_where_and_grace),
	};
	return cmocka_run_group_tests(tests, setup_keys, NULL);
}
