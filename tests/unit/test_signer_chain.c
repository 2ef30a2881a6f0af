/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chain side of check_sbtc_signer: SHA-256 (FIPS 180-4 test vectors), c32check
 * addresses (the registries' deployers as stacks-core writes them), the registry's signer
 * data in each Clarity shape (contracts/contracts/sbtc-registry.clar,
 * get-current-signer-data), the /v2/accounts balance, and Emily's URL and /health. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c32.h"
#include "clarity.h"
#include "emily.h"
#include "hex.h"
#include "json_field.h"
#include "sha256.h"
#include "signer_chain.h"

static void hex_of(const uint8_t *d, size_t n, char *out)
{
	sbtc_hex_encode(d, n, out);
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	uint8_t d[SBTC_SHA256_LEN];
	char hex[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		sbtc_sha256((const uint8_t *)v[i].in, strlen(v[i].in), d);
		hex_of(d, sizeof d, hex);
		assert_string_equal(hex, v[i].out);
	}
	/* A million 'a': many blocks, and the padding's second block at 55 and 56 bytes. */
	uint8_t *big = malloc(1000000);
	assert_non_null(big);
	memset(big, 'a', 1000000);
	sbtc_sha256(big, 1000000, d);
	hex_of(d, sizeof d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(big);
	sbtc_sha256((const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55, d);
	hex_of(d, sizeof d, hex);
	assert_string_equal(hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	sbtc_sha256((const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56, d);
	hex_of(d, sizeof d, hex);
	assert_string_equal(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

static void test_c32_addresses(void **state)
{
	(void)state;
	uint8_t h[20];
	char a[SBTC_C32_ADDRESS_MAX];
	uint8_t *b;
	size_t n;
	assert_int_equal(sbtc_hex_decode("f6decc7cfff2a413bd7cd4f53c25ad7fd1899acc", &b, &n, NULL, 0), 0);
	memcpy(h, b, 20);
	free(b);
	assert_int_equal(sbtc_c32_address(20, h, a), 0);
	assert_string_equal(a, "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4");
	assert_int_equal(sbtc_hex_decode("21cb547d6aaee31c74efbaf40401350a0ac5e5e9", &b, &n, NULL, 0), 0);
	memcpy(h, b, 20);
	free(b);
	assert_int_equal(sbtc_c32_address(21, h, a), 0);
	assert_string_equal(a, "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70");
	/* Leading zero bytes each become a '0' (the boot address). */
	memset(h, 0, sizeof h);
	assert_int_equal(sbtc_c32_address(22, h, a), 0);
	assert_string_equal(a, "SP000000000000000000002Q6VF78");
	assert_int_equal(sbtc_c32_address(32, h, a), -1);
}

static sbtc_fetch_status data_of(const char *hex, sbtc_signer_chain *c, char *err, size_t errlen)
{
	clarity_value *v = NULL;
	assert_int_equal(clarity_decode_hex(hex, &v, err, errlen), 0);
	sbtc_fetch_status st = sbtc_signer_data_from_value(v, c, err, errlen);
	clarity_free(v);
	return st;
}

static void test_signer_data(void **state)
{
	(void)state;
	sbtc_signer_chain c;
	char err[300];
	uint8_t k2[33];
	memset(k2, 0x22, sizeof k2);
	k2[0] = 0x03;
	assert_int_equal(data_of("0c000000041863757272656e742d6167677265676174652d7075626b657902000000210344444444444444444444444444444444444444444444444444444444444444441b63757272656e742d7369676e61747572652d7468726573686f6c6401000000000000000000000000000000021863757272656e742d7369676e65722d7072696e636970616c0514f6decc7cfff2a413bd7cd4f53c25ad7fd1899acc1263757272656e742d7369676e65722d7365740b00000003020000002102111111111111111111111111111111111111111111111111111111111111111102000000210322222222222222222222222222222222222222222222222222222222222222220200000021023333333333333333333333333333333333333333333333333333333333333333", &c, err, sizeof err), SBTC_FETCH_OK);
	assert_true(c.has_set && c.has_threshold && c.has_principal);
	assert_int_equal(c.nkeys, 3);
	assert_int_equal(c.threshold, 2);
	assert_string_equal(c.principal, "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4");
	assert_true(sbtc_signer_chain_member(&c, k2));
	k2[0] = 0x02;
	assert_false(sbtc_signer_chain_member(&c, k2));
	/* Wrapped in (ok ...). */
	assert_int_equal(data_of("070c000000041863757272656e742d6167677265676174652d7075626b657902000000210344444444444444444444444444444444444444444444444444444444444444441b63757272656e742d7369676e61747572652d7468726573686f6c6401000000000000000000000000000000021863757272656e742d7369676e65722d7072696e636970616c0514f6decc7cfff2a413bd7cd4f53c25ad7fd1899acc1263757272656e742d7369676e65722d7365740b00000003020000002102111111111111111111111111111111111111111111111111111111111111111102000000210322222222222222222222222222222222222222222222222222222222222222220200000021023333333333333333333333333333333333333333333333333333333333333333", &c, err, sizeof err), SBTC_FETCH_OK);
	assert_int_equal(c.nkeys, 3);

	assert_int_equal(data_of("0c000000021b63757272656e742d7369676e61747572652d7468726573686f6c6401000000000000000000000000000000011263757272656e742d7369676e65722d7365740b000000010200000021021111111111111111111111111111111111111111111111111111111111111111", &c, err, sizeof err), SBTC_FETCH_BAD_ANSWER);
	assert_string_equal(err, "get-current-signer-data: field current-signer-principal missing");
	assert_int_equal(data_of("0c000000031b63757272656e742d7369676e61747572652d7468726573686f6c6401000000000000000000000000000000011863757272656e742d7369676e65722d7072696e636970616c0514f6decc7cfff2a413bd7cd4f53c25ad7fd1899acc1263757272656e742d7369676e65722d7365740b0000000102000000200211111111111111111111111111111111111111111111111111111111111111", &c, err, sizeof err), SBTC_FETCH_BAD_ANSWER);
	assert_non_null(strstr(err, "current-signer-set: item 0 is (buff 32), not a 33-byte compressed public key"));
	assert_int_equal(data_of("0c000000031b63757272656e742d7369676e61747572652d7468726573686f6c6401000000000000004000000000000000001863757272656e742d7369676e65722d7072696e636970616c0514f6decc7cfff2a413bd7cd4f53c25ad7fd1899acc1263757272656e742d7369676e65722d7365740b000000010200000021021111111111111111111111111111111111111111111111111111111111111111", &c, err, sizeof err), SBTC_FETCH_BAD_ANSWER);
	assert_string_equal(err, "current-signature-threshold is out of range");
	assert_int_equal(data_of("0x080100000000000000000000000000000001", &c, err, sizeof err), SBTC_FETCH_ERROR);
	assert_non_null(strstr(err, "returned an error: (err u1)"));
	assert_int_equal(data_of("0x0100000000000000000000000000000001", &c, err, sizeof err), SBTC_FETCH_BAD_ANSWER);
	assert_string_equal(err, "get-current-signer-data: expected a tuple, got u1");
}

static void test_single_functions(void **state)
{
	(void)state;
	sbtc_signer_chain c;
	char err[300];
	clarity_value *v = NULL;
	memset(&c, 0, sizeof c);
	assert_int_equal(clarity_decode_hex("0b0000000202000000210211111111111111111111111111111111111111111111111111111111111111110200000021032222222222222222222222222222222222222222222222222222222222222222", &v, err, sizeof err), 0);
	assert_int_equal(sbtc_signer_set_from_value(v, &c, err, sizeof err), SBTC_FETCH_OK);
	assert_int_equal(c.nkeys, 2);
	assert_false(c.has_threshold);
	clarity_free(v);
	assert_int_equal(clarity_decode_hex("051521cb547d6aaee31c74efbaf40401350a0ac5e5e9", &v, err, sizeof err), 0);
	assert_int_equal(sbtc_signer_principal_from_value(v, &c, err, sizeof err), SBTC_FETCH_OK);
	assert_string_equal(c.principal, "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70");
	assert_int_equal(sbtc_signer_set_from_value(v, &c, err, sizeof err), SBTC_FETCH_BAD_ANSWER);
	assert_non_null(strstr(err, "expected (list (buff 33))"));
	clarity_free(v);
}

static int account(const char *json, sbtc_stacks_account *a, char *err, size_t errlen)
{
	json_object *doc = json_tokener_parse(json);
	assert_non_null(doc);
	int r = sbtc_stacks_account_parse(doc, a, err, errlen);
	json_object_put(doc);
	return r;
}

static void test_account(void **state)
{
	(void)state;
	sbtc_stacks_account a;
	char err[200];
	/* getaccount.rs: balance as a 0x-prefixed u128 in hex. */
	assert_int_equal(account("{\"balance\":\"0x0000000000000000000000000016e360\",\"locked\":\"0x0\","
				 "\"unlock_height\":0,\"nonce\":7}", &a, err, sizeof err), 0);
	assert_true(a.balance_ustx == 1500000.0);
	assert_int_equal(a.nonce, 7);
	assert_int_equal(account("{\"balance\":\"0x\",\"nonce\":0}", &a, err, sizeof err), -1);
	assert_int_equal(account("{\"balance\":\"0x0000000000000000000000000000000000\",\"nonce\":0}", &a, err,
				 sizeof err), -1);
	assert_int_equal(account("{\"balance\":\"0xzz\",\"nonce\":0}", &a, err, sizeof err), -1);
	assert_int_equal(account("{\"balance\":\"0x10\",\"nonce\":-1}", &a, err, sizeof err), -1);
	assert_int_equal(account("{\"nonce\":1}", &a, err, sizeof err), -1);
}

static void test_emily_url(void **state)
{
	(void)state;
	sbtc_emily_endpoint e;
	char err[200];
	assert_int_equal(sbtc_emily_url_split("http://s3cr3tKey@emily.example:3031/prod/?x=1", &e, err, sizeof err), 0);
	assert_string_equal(e.base, "http://emily.example:3031/prod");
	assert_string_equal(e.host, "emily.example:3031");
	assert_string_equal(e.secret, "s3cr3tKey");
	sbtc_emily_endpoint_free(&e);
	assert_int_equal(sbtc_emily_url_split("https://emily.example", &e, err, sizeof err), 0);
	assert_string_equal(e.secret, "");
	assert_string_equal(e.base, "https://emily.example");
	sbtc_emily_endpoint_free(&e);
	static const char *const bad[] = {"ftp://k@h", "http://k@", "http://k@:80", "http://k@h /x", "k@h:3031",
					  "http://k@host//k@x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sbtc_emily_url_split(bad[i], &e, err, sizeof err), -1);
		assert_null(strstr(err, "k@"));
		sbtc_emily_endpoint_free(&e);
	}
}

static void test_emily_health(void **state)
{
	(void)state;
	sbtc_emily_health h;
	char err[200];
	json_object *doc = json_tokener_parse("{\"version\":\"1.3.3|x\"}");
	assert_int_equal(sbtc_emily_health_parse(doc, &h, err, sizeof err), 0);
	assert_null(strchr(h.version, '|'));
	json_object_put(doc);
	doc = json_tokener_parse("[1]");
	assert_int_equal(sbtc_emily_health_parse(doc, &h, err, sizeof err), -1);
	json_object_put(doc);
	doc = json_tokener_parse("{\"version\":3}");
	assert_int_equal(sbtc_emily_health_parse(doc, &h, err, sizeof err), -1);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_c32_addresses),
		cmocka_unit_test(test_signer_data),
		cmocka_unit_test(test_single_functions),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_emily_url),
		cmocka_unit_test(test_emily_health),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
