/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registry's answer interpreted (every Clarity shape it could take), contract ids
 * and principals validated. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clarity.h"
#include "registry.h"
#include "stacks.h"

#define KEY "03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967"

typedef struct {
	const char *hex;            /* serialised Clarity value */
	sbtc_fetch_status status;   /* expected */
	int has_key;
	const char *message;        /* expected substring of the error, or NULL */
} key_case;

static const key_case key_cases[] = {
	{"0x0200000021" KEY, SBTC_FETCH_OK, 1, NULL},
	{"0x070200000021" KEY, SBTC_FETCH_OK, 1, NULL},          /* (ok (buff 33)) */
	{"0x0a0200000021" KEY, SBTC_FETCH_OK, 1, NULL},          /* (some (buff 33)) */
	{"0x070a0200000021" KEY, SBTC_FETCH_OK, 1, NULL},        /* (ok (some (buff 33))) */
	{"0x020000000100", SBTC_FETCH_OK, 0, NULL},              /* the initial 0x00 */
	{"0x0200000000", SBTC_FETCH_BAD_ANSWER, 0, "got (buff 0)"},
	{"0x0200000020" "d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967",
	 SBTC_FETCH_BAD_ANSWER, 0, "33-byte aggregate key from the registry, got (buff 32)"},
	{"0x0200000021" "04d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967",
	 SBTC_FETCH_BAD_ANSWER, 0, "starts with 0x04"},
	{"0x0100000000000000000000000000000001", SBTC_FETCH_BAD_ANSWER, 0, "expected (buff 33) from the registry, got u1"},
	{"0x09", SBTC_FETCH_BAD_ANSWER, 0, "got none"},
	{"0x03", SBTC_FETCH_BAD_ANSWER, 0, "got true"},
	{"0x080100000000000000000000000000000001", SBTC_FETCH_ERROR, 0, "the registry returned an error: (err u1)"},
	{"0x0b00000000", SBTC_FETCH_BAD_ANSWER, 0, "got (list"},
};

static void test_registry_key_from_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
		const key_case *c = &key_cases[i];
		clarity_value *v = NULL;
		char err[300] = "";
		sbtc_registry_key k;
		if (clarity_decode_hex(c->hex, &v, err, sizeof err) != 0)
			fail_msg("case %zu: fixture does not decode: %s", i, err);
		err[0] = '\0';
		sbtc_fetch_status st = sbtc_registry_key_from_value(v, &k, err, sizeof err);
		clarity_free(v);
		if (st != c->status)
			fail_msg("case %zu (%s): status %d, expected %d (%s)", i, c->hex, st, c->status, err);
		if (st == SBTC_FETCH_OK) {
			assert_int_equal(k.has_key, c->has_key);
			if (k.has_key) {
				char hex[80];
				assert_string_equal(sbtc_key_hex(k.key, hex, sizeof hex), KEY);
			}
		} else if (strstr(err, c->message) == NULL) {
			fail_msg("case %zu: message '%s' lacks '%s'", i, err, c->message);
		}
	}
}

static void test_key_formats(void **state)
{
	(void)state;
	uint8_t key[SBTC_AGGREGATE_KEY_LEN];
	for (size_t i = 0; i < sizeof key; i++) {
		unsigned v;
		assert_int_equal(sscanf(KEY + 2 * i, "%2x", &v), 1);
		key[i] = (uint8_t)v;
	}
	char s[80];
	assert_string_equal(sbtc_key_short(key, s, sizeof s), "03d8c43448...0aa967");
	assert_string_equal(sbtc_key_hex(key, s, sizeof s), KEY);
	char tiny[8];
	sbtc_key_short(key, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

typedef struct {
	const char *text;
	int ok;
	const char *address;
	const char *name;
	const char *message;
} contract_case;

static const contract_case contract_cases[] = {
	{SBTC_MAINNET_REGISTRY, 1, "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4", "sbtc-registry", NULL},
	{"SN3R84XZYA63QS28932XQF3G1J8R9PC3W76P9CSQS.sbtc-registry", 1,
	 "SN3R84XZYA63QS28932XQF3G1J8R9PC3W76P9CSQS", "sbtc-registry", NULL},
	{"SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.a_b-c9", 1, "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4",
	 "a_b-c9", NULL},
	{"nodot", 0, NULL, NULL, "expected ADDRESS.NAME"},
	{"SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.", 0, NULL, NULL, "invalid contract name"},
	{"SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.9lives", 0, NULL, NULL, "invalid contract name"},
	{"SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.a/b", 0, NULL, NULL, "invalid contract name"},
	{"XM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-registry", 0, NULL, NULL, "expected a Stacks address"},
	{"SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQI.sbtc-registry", 0, NULL, NULL, "character 'I'"},
	{"SM3V.sbtc-registry", 0, NULL, NULL, "expected a Stacks address"},
	{".sbtc-registry", 0, NULL, NULL, "expected a Stacks address"},
};

static void test_contract_id_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof contract_cases / sizeof contract_cases[0]; i++) {
		const contract_case *c = &contract_cases[i];
		sbtc_contract_id id;
		char err[300] = "";
		int rc = sbtc_contract_id_parse(c->text, &id, err, sizeof err);
		if (c->ok) {
			if (rc != 0)
				fail_msg("case %zu '%s' rejected: %s", i, c->text, err);
			assert_string_equal(id.address, c->address);
			assert_string_equal(id.name, c->name);
		} else {
			if (rc == 0)
				fail_msg("case %zu '%s' accepted", i, c->text);
			if (strstr(err, c->message) == NULL)
				fail_msg("case %zu: message '%s' lacks '%s'", i, err, c->message);
		}
	}
}

static void test_principal_check(void **state)
{
	(void)state;
	char err[200];
	assert_int_equal(sbtc_principal_check("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM", "--sender", err, sizeof err), 0);
	assert_int_equal(sbtc_principal_check("st1pqhqkv0rjxzfy1dgx8mnsnyve3vgzjsrtpgzgm", "--sender", err, sizeof err), -1);
	assert_non_null(strstr(err, "--sender"));
	assert_int_equal(sbtc_principal_check("", "--sender", err, sizeof err), -1);
	assert_int_equal(sbtc_principal_check("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGMUUUUUUUU", "x", err, sizeof err), -1);
}

static void test_network(void **state)
{
	(void)state;
	char err[200];
	sbtc_network n = SBTC_NETWORK_TESTNET;
	assert_int_equal(sbtc_network_parse("mainnet", "--network", &n, err, sizeof err), 0);
	assert_int_equal(n, SBTC_NETWORK_MAINNET);
	assert_int_equal(sbtc_network_parse("TestNet", "--network", &n, err, sizeof err), 0);
	assert_int_equal(n, SBTC_NETWORK_TESTNET);
	assert_string_equal(sbtc_network_name(n), "testnet");
	assert_string_equal(sbtc_network_registry(n), "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70.sbtc-registry");
	assert_string_equal(sbtc_network_registry(SBTC_NETWORK_MAINNET), SBTC_MAINNET_REGISTRY);
	/* the registries are valid contract ids */
	sbtc_contract_id id;
	assert_int_equal(sbtc_contract_id_parse(SBTC_TESTNET_REGISTRY, &id, err, sizeof err), 0);
	assert_string_equal(id.name, "sbtc-registry");
	for (const char *const *bad = (const char *const[]){"regtest", "", "main", "mainnet ", NULL}; *bad; bad++) {
		assert_int_equal(sbtc_network_parse(*bad, "--network", &n, err, sizeof err), -1);
		assert_non_null(strstr(err, "invalid --network"));
		assert_non_null(strstr(err, "expected mainnet or testnet"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_key_from_value),
		cmocka_unit_test(test_key_formats),
		cmocka_unit_test(test_contract_id_parse),
		cmocka_unit_test(test_principal_check),
		cmocka_unit_test(test_network),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
