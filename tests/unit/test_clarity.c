/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/clarity.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clarity.h"
#include "hex.h"

/* The registry's aggregate key as a test value, and pieces to build values from. */
#define KEY "03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967"
#define HASH20 "0102030405060708090a0b0c0d0e0f1011121314"
#define U128_0 "00000000000000000000000000000000"
#define U128_1 "00000000000000000000000000000001"
#define U128_5 "00000000000000000000000000000005"
#define U128_1003 "000000000000000000000000000003eb"
#define U128_MAX "ffffffffffffffffffffffffffffffff"
#define I128_MINUS3 "fffffffffffffffffffffffffffffffd"
#define I128_MAX "7fffffffffffffffffffffffffffffff"
#define I128_MIN "80000000000000000000000000000000"
#define BUF32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SBTC_REGISTRY "736274632d7265676973747279" /* "sbtc-registry", 13 bytes */

struct good_case {
	const char *hex;
	clarity_type type;
	const char *described;
};

static const struct good_case good_cases[] = {
	/* integers */
	{"0x01" U128_1, CLARITY_UINT, "u1"},
	{"01" U128_1, CLARITY_UINT, "u1"},
	{"0X01" U128_1, CLARITY_UINT, "u1"},
	{"0x01" U128_0, CLARITY_UINT, "u0"},
	{"0x01" U128_MAX, CLARITY_UINT, "u340282366920938463463374607431768211455"},
	{"0x01" "0000000000000000ffffffffffffffff", CLARITY_UINT, "u18446744073709551615"},
	{"0x01" "00000000000000010000000000000000", CLARITY_UINT, "u18446744073709551616"},
	{"0x00" U128_0, CLARITY_INT, "0"},
	{"0x00" U128_5, CLARITY_INT, "5"},
	{"0x00" I128_MINUS3, CLARITY_INT, "-3"},
	{"0x00" I128_MAX, CLARITY_INT, "170141183460469231731687303715884105727"},
	{"0x00" I128_MIN, CLARITY_INT, "-170141183460469231731687303715884105728"},
	{"0x00" U128_MAX, CLARITY_INT, "-1"},
	/* buffers: the registry's key, the value before the first rotation, 32 bytes, empty */
	{"0x0200000021" KEY, CLARITY_BUFFER, "(buff 33)"},
	{"0x020000000100", CLARITY_BUFFER, "(buff 1)"},
	{"0x0200000020" BUF32, CLARITY_BUFFER, "(buff 32)"},
	{"0x0200000000", CLARITY_BUFFER, "(buff 0)"},
	/* booleans, none */
	{"0x03", CLARITY_TRUE, "true"},
	{"0x04", CLARITY_FALSE, "false"},
	{"0x09", CLARITY_NONE, "none"},
	/* principals */
	{"0x0516" HASH20, CLARITY_PRINCIPAL_STANDARD, "principal v22"},
	{"0x051a" HASH20, CLARITY_PRINCIPAL_STANDARD, "principal v26"},
	{"0x0614" HASH20 "0d" SBTC_REGISTRY, CLARITY_PRINCIPAL_CONTRACT, "principal v20.sbtc-registry"},
	{"0x0616" HASH20 "0b5f5f7472616e7369656e74", CLARITY_PRINCIPAL_CONTRACT,
	 "principal v22.__transient"},
	/* responses and optionals, nested */
	{"0x07" "0200000021" KEY, CLARITY_OK, "(ok (buff 33))"},
	{"0x08" "01" U128_1003, CLARITY_ERR, "(err u1003)"},
	{"0x0a" "01" U128_5, CLARITY_SOME, "(some u5)"},
	{"0x0a" "09", CLARITY_SOME, "(some none)"},
	{"0x0a" "07" "020000000100", CLARITY_SOME, "(some (ok (buff 1)))"},
	{"0x07" "0a" "0200000021" KEY, CLARITY_OK, "(ok (some (buff 33)))"},
	{"0x08" "0d00000004" "6e6f7065", CLARITY_ERR, "(err string-ascii \"nope\")"},
	/* lists and tuples */
	{"0x0b00000000", CLARITY_LIST, "(list 0 items)"},
	{"0x0b00000001" "03", CLARITY_LIST, "(list 1 item)"},
	{"0x0b00000003" "03" "04" "09", CLARITY_LIST, "(list 3 items)"},
	{"0x0b00000002" "0200000021" KEY "0200000021" KEY, CLARITY_LIST, "(list 2 items)"},
	{"0x0c00000000", CLARITY_TUPLE, "(tuple 0 fields)"},
	{"0x0c00000001" "0161" "03", CLARITY_TUPLE, "(tuple 1 field)"},
	{"0x0c00000002" "0161" "03" "0162" "01" U128_5, CLARITY_TUPLE, "(tuple 2 fields)"},
	{"0x0c00000001" "09" "73697a652d3e3f3d2a" "09", CLARITY_TUPLE, "(tuple 1 field)"},
	/* strings */
	{"0x0d00000000", CLARITY_STRING_ASCII, "string-ascii \"\""},
	{"0x0d00000005" "68656c6c6f", CLARITY_STRING_ASCII, "string-ascii \"hello\""},
	{"0x0d00000005" "61097c220a", CLARITY_STRING_ASCII, "string-ascii \"a????\""},
	{"0x0d00000004" "0c0d7e20", CLARITY_STRING_ASCII, "string-ascii \"??~ \""},
	{"0x0e00000006" "68c3a96c6c6f", CLARITY_STRING_UTF8, "string-utf8 \"h?llo\""},
	{"0x0e00000000", CLARITY_STRING_UTF8, "string-utf8 \"\""},
	{"0x0e0000000b" "e282ac" "f09f9880" "ed9fbf" "00", CLARITY_STRING_UTF8,
	 "string-utf8 \"????\""},
	{"0x0e00000004" "f48fbfbf", CLARITY_STRING_UTF8, "string-utf8 \"?\""},
};

static void test_decode_every_type(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		clarity_value *v = NULL;
		char err[160] = "";
		char desc[128];

		if (clarity_decode_hex(good_cases[i].hex, &v, err, sizeof err) != 0)
			fail_msg("case %zu (%s): %s", i, good_cases[i].hex, err);
		assert_non_null(v);
		assert_int_equal(v->type, good_cases[i].type);
		clarity_describe(v, desc, sizeof desc);
		if (strcmp(desc, good_cases[i].described) != 0)
			fail_msg("case %zu: described as '%s', expected '%s'", i, desc,
				 good_cases[i].described);
		clarity_free(v);
	}
}

static void test_registry_key(void **state)
{
	clarity_value *v = NULL;
	uint8_t *key = NULL;
	size_t keylen = 0;
	char err[128];

	(void)state;
	assert_int_equal(sbtc_hex_decode(KEY, &key, &keylen, err, sizeof err), 0);
	assert_int_equal(clarity_decode_hex("0x0200000021" KEY, &v, err, sizeof err), 0);
	assert_int_equal(v->type, CLARITY_BUFFER);
	assert_int_equal(v->len, 33);
	assert_memory_equal(v->bytes, key, 33);
	clarity_free(v);
	free(key);

	/* Before the first rotation: one byte 0x00. */
	assert_int_equal(clarity_decode_hex("0x020000000100", &v, err, sizeof err), 0);
	assert_int_equal(v->type, CLARITY_BUFFER);
	assert_int_equal(v->len, 1);
	assert_int_equal(v->bytes[0], 0);
	clarity_free(v);

	/* (ok (some (buff 33))): the inner values are reachable. */
	assert_int_equal(clarity_decode_hex("0x070a0200000021" KEY, &v, err, sizeof err), 0);
	assert_int_equal(v->count, 1);
	assert_int_equal(v->items[0]->type, CLARITY_SOME);
	assert_int_equal(v->items[0]->items[0]->type, CLARITY_BUFFER);
	assert_int_equal(v->items[0]->items[0]->len, 33);
	assert_int_equal(v->items[0]->items[0]->bytes[0], 0x03);
	clarity_free(v);
}

static void test_decoded_fields(void **state)
{
	clarity_value *v = NULL;
	char err[128];
	static const uint8_t hash[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	static const uint8_t five[16] = {[15] = 5};

	(void)state;
	assert_int_equal(clarity_decode_hex("0x0614" HASH20 "0d" SBTC_REGISTRY, &v, err, sizeof err), 0);
	assert_int_equal(v->version, 0x14);
	assert_memory_equal(v->hash160, hash, 20);
	assert_string_equal(v->contract_name, "sbtc-registry");
	clarity_free(v);

	assert_int_equal(clarity_decode_hex("0x0c00000002" "0161" "03" "0162" "01" U128_5, &v, err,
					    sizeof err),
			 0);
	assert_int_equal(v->count, 2);
	assert_string_equal(v->names[0], "a");
	assert_string_equal(v->names[1], "b");
	assert_int_equal(v->items[0]->type, CLARITY_TRUE);
	assert_int_equal(v->items[1]->type, CLARITY_UINT);
	assert_memory_equal(v->items[1]->int128, five, 16);
	clarity_free(v);

	assert_int_equal(clarity_decode_hex("0x0d00000005" "68656c6c6f", &v, err, sizeof err), 0);
	assert_int_equal(v->len, 5);
	assert_string_equal((const char *)v->bytes, "hello");
	clarity_free(v);

	assert_int_equal(clarity_decode_hex("0x0b00000003" "03" "04" "09", &v, err, sizeof err), 0);
	assert_int_equal(v->count, 3);
	assert_int_equal(v->items[0]->type, CLARITY_TRUE);
	assert_int_equal(v->items[1]->type, CLARITY_FALSE);
	assert_int_equal(v->items[2]->type, CLARITY_NONE);
	clarity_free(v);
}

struct bad_case {
	const char *hex;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	/* empty, hex errors */
	{"", "empty input: expected a type byte at offset 0"},
	{"0x", "empty input: expected a type byte at offset 0"},
	{"0x020", "odd number of hex digits (3)"},
	{"0x02zz", "invalid hex digit 'z' at offset 4"},
	/* type bytes */
	{"0x11", "unknown type byte 0x11 at offset 0"},
	{"0x0f", "unknown type byte 0x0f at offset 0"},
	{"0xff", "unknown type byte 0xff at offset 0"},
	{"0x0b0000000111", "unknown type byte 0x11 at offset 5"},
	{"0x07" "10", "unknown type byte 0x10 at offset 1"},
	/* lengths beyond the input */
	{"0x0200000021" "000102030405060708090a0b",
	 "truncated: buffer declares 33 bytes but 12 remain at offset 5"},
	{"0x02000000", "truncated: buffer length needs 4 bytes but 3 remain at offset 1"},
	{"0x02ffffffff00", "truncated: buffer declares 4294967295 bytes but 1 remain at offset 5"},
	{"0x0d00000005" "6869", "truncated: string-ascii declares 5 bytes but 2 remain at offset 5"},
	{"0x0e00000003" "68", "truncated: string-utf8 declares 3 bytes but 1 remain at offset 5"},
	{"0x0100", "truncated: uint needs 16 bytes but 1 remain at offset 1"},
	{"0x00", "truncated: int needs 16 bytes but 0 remain at offset 1"},
	{"0x0516", "truncated: principal needs 21 bytes but 1 remain at offset 1"},
	{"0x0616" HASH20, "truncated: contract name length needs 1 byte but 0 remain at offset 22"},
	{"0x0616" HASH20 "0561",
	 "truncated: contract name declares 5 bytes but 1 remain at offset 23"},
	{"0x0a", "truncated: expected a type byte at offset 1"},
	/* huge counts with tiny input: refused before allocating */
	{"0x0bffffffff09", "truncated: list declares 4294967295 items but only 1 bytes remain at offset 5"},
	{"0x0b00000002" "09", "truncated: list declares 2 items but only 1 bytes remain at offset 5"},
	{"0x0cffffffff016103", "truncated: tuple declares 4294967295 fields but only 3 bytes remain at offset 5"},
	{"0x0c00000002016103", "truncated: tuple declares 2 fields but only 3 bytes remain at offset 5"},
	{"0x0c00000001" "00" "0303", "tuple field name length 0 at offset 5, expected 1..128"},
	{"0x0c00000001" "05" "6103", "truncated: tuple field name declares 5 bytes but 2 remain at offset 6"},
	{"0x0c00000001" "01", "truncated: tuple declares 1 fields but only 1 bytes remain at offset 5"},
	/* trailing bytes */
	{"0x0300", "1 trailing bytes after the value at offset 1"},
	{"0x020000000100ffff", "2 trailing bytes after the value at offset 6"},
	{"0x09" "09", "1 trailing bytes after the value at offset 1"},
	/* strings */
	{"0x0d00000003" "610762", "string-ascii has byte 0x07 at offset 6, expected printable ASCII"},
	{"0x0d00000001" "00", "string-ascii has byte 0x00 at offset 5, expected printable ASCII"},
	{"0x0d00000001" "0b", "string-ascii has byte 0x0b at offset 5, expected printable ASCII"},
	{"0x0d00000001" "7f", "string-ascii has byte 0x7f at offset 5, expected printable ASCII"},
	{"0x0d00000002" "c3a9", "string-ascii has byte 0xc3 at offset 5, expected printable ASCII"},
	{"0x0e00000001" "ff", "string-utf8 has invalid UTF-8 (byte 0xff) at offset 5"},
	{"0x0e00000002" "c0af", "string-utf8 has invalid UTF-8 (byte 0xc0) at offset 5"},
	{"0x0e00000003" "e08080", "string-utf8 has invalid UTF-8 (byte 0xe0) at offset 5"},
	{"0x0e00000004" "61eda080", "string-utf8 has invalid UTF-8 (byte 0xed) at offset 6"},
	{"0x0e00000004" "f4908080", "string-utf8 has invalid UTF-8 (byte 0xf4) at offset 5"},
	{"0x0e00000002" "e282", "string-utf8 has invalid UTF-8 (byte 0xe2) at offset 5"},
	{"0x0e00000002" "8061", "string-utf8 has invalid UTF-8 (byte 0x80) at offset 5"},
	{"0x0e00000003" "c36161", "string-utf8 has invalid UTF-8 (byte 0xc3) at offset 5"},
	/* names */
	{"0x0616" HASH20 "00", "contract name length 0 at offset 22, expected 1..128"},
	{"0x0616" HASH20 "81", "contract name length 129 at offset 22, expected 1..128"},
	{"0x0616" HASH20 "03612062", "contract name has byte 0x20 at offset 24, expected [A-Za-z0-9_-]"},
	{"0x0616" HASH20 "012e", "contract name has byte 0x2e at offset 23, expected [A-Za-z0-9_-]"},
	{"0x0c00000001" "81" "6103", "tuple field name length 129 at offset 5, expected 1..128"},
	{"0x0c00000001" "0261200303", "tuple field name has byte 0x20 at offset 7"},
	{"0x0c00000002" "016103" "016204" "016103", "3 trailing bytes after the value at offset 11"},
	{"0x0c00000003" "016103" "016204" "016109", "tuple at offset 0 has the field name 'a' twice"},
	{"0x0b00000001" "0c00000002" "01780301780304",
	 "tuple at offset 5 has the field name 'x' twice"},
};

static void test_decode_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		clarity_value *v = (clarity_value *)&v; /* must be reset to NULL */
		char err[160] = "";

		if (clarity_decode_hex(bad_cases[i].hex, &v, err, sizeof err) != -1)
			fail_msg("case %zu (%s) was accepted", i, bad_cases[i].hex);
		assert_null(v);
		if (strcmp(err, bad_cases[i].message) != 0)
			fail_msg("case %zu (%s): '%s', expected '%s'", i, bad_cases[i].hex, err,
				 bad_cases[i].message);
	}
}

/* Valid values used for the truncation and trailing-byte loops. */
static const char *const whole_values[] = {
	"0x0200000021" KEY,
	"0x020000000100",
	"0x01" U128_1,
	"0x0614" HASH20 "0d" SBTC_REGISTRY,
	"0x070a0200000021" KEY,
	"0x0b00000003" "03" "0a0d0000000161" "0c00000002" "0161" "03" "0162" "0e0000000368c3a9",
	"0x0c00000002" "0161" "0b0000000209" "0516" HASH20 "0162" "08" "01" U128_1003,
	"0x0e00000006" "68c3a96c6c6f",
};

static void test_truncated_everywhere(void **state)
{
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof whole_values / sizeof whole_values[0]; i++) {
		uint8_t *bytes = NULL;
		size_t len = 0;
		char err[160];
		clarity_value *v = NULL;

		assert_int_equal(sbtc_hex_decode(whole_values[i], &bytes, &len, err, sizeof err), 0);
		assert_int_equal(clarity_decode(bytes, len, &v, err, sizeof err), 0);
		clarity_free(v);
		for (cut = 0; cut < len; cut++) {
			v = (clarity_value *)&v;
			err[0] = '\0';
			if (clarity_decode(bytes, cut, &v, err, sizeof err) != -1)
				fail_msg("value %zu cut to %zu bytes was accepted", i, cut);
			assert_null(v);
			if (strncmp(err, cut == 0 ? "empty input:" : "truncated: ", 11) != 0)
				fail_msg("value %zu cut to %zu bytes: '%s'", i, cut, err);
		}
		free(bytes);
	}
}

static void test_trailing_bytes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof whole_values / sizeof whole_values[0]; i++) {
		uint8_t *bytes = NULL;
		uint8_t *longer;
		size_t len = 0;
		char err[160], expect[160];
		clarity_value *v = NULL;

		assert_int_equal(sbtc_hex_decode(whole_values[i], &bytes, &len, err, sizeof err), 0);
		longer = malloc(len + 1);
		assert_non_null(longer);
		memcpy(longer, bytes, len);
		longer[len] = 0x03;
		assert_int_equal(clarity_decode(longer, len + 1, &v, err, sizeof err), -1);
		assert_null(v);
		snprintf(expect, sizeof expect, "1 trailing bytes after the value at offset %zu", len);
		assert_string_equal(err, expect);
		free(longer);
		free(bytes);
	}
}

/* Builds n nested wrappers of the given type byte around u1. */
static uint8_t *nested(uint8_t wrapper, size_t n, size_t *len)
{
	size_t per = wrapper == CLARITY_LIST ? 5 : 1;
	uint8_t *buf = malloc(n * per + 17);
	size_t i, o = 0;

	if (buf == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		buf[o++] = wrapper;
		if (wrapper == CLARITY_LIST) {
			memcpy(buf + o, "\x00\x00\x00\x01", 4);
			o += 4;
		}
	}
	buf[o++] = CLARITY_UINT;
	memset(buf + o, 0, 16);
	buf[o + 15] = 1;
	o += 16;
	*len = o;
	return buf;
}

static void test_depth(void **state)
{
	static const uint8_t wrappers[] = {CLARITY_SOME, CLARITY_OK, CLARITY_ERR, CLARITY_LIST};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof wrappers; i++) {
		size_t len = 0;
		uint8_t *buf;
		clarity_value *v = NULL;
		char err[160], expect[160];

		/* Exactly the limit is accepted. */
		buf = nested(wrappers[i], CLARITY_MAX_DEPTH, &len);
		assert_non_null(buf);
		if (clarity_decode(buf, len, &v, err, sizeof err) != 0)
			fail_msg("depth %d of 0x%02x refused: %s", CLARITY_MAX_DEPTH, wrappers[i], err);
		clarity_free(v);
		free(buf);

		/* One more is not, and the message points at the extra wrapper. */
		buf = nested(wrappers[i], CLARITY_MAX_DEPTH + 1, &len);
		assert_non_null(buf);
		assert_int_equal(clarity_decode(buf, len, &v, err, sizeof err), -1);
		assert_null(v);
		snprintf(expect, sizeof expect, "nesting deeper than %d at offset %d", CLARITY_MAX_DEPTH,
			 CLARITY_MAX_DEPTH * (wrappers[i] == CLARITY_LIST ? 5 : 1));
		assert_string_equal(err, expect);
		free(buf);

		/* Far deeper input fails the same way, without exhausting the stack. */
		buf = nested(wrappers[i], 100000, &len);
		assert_non_null(buf);
		assert_int_equal(clarity_decode(buf, len, &v, err, sizeof err), -1);
		assert_string_equal(err, expect);
		free(buf);
	}
}

static void test_size_and_count_limits(void **state)
{
	uint8_t *buf;
	size_t len;
	clarity_value *v = NULL;
	char err[160], expect[160];
	char *hex;

	(void)state;
	/* A list of 65535 nones fills the value budget exactly (the list is one value). */
	len = 5 + 65535;
	buf = malloc(CLARITY_MAX_SIZE + 1);
	assert_non_null(buf);
	memset(buf, CLARITY_NONE, CLARITY_MAX_SIZE + 1);
	buf[0] = CLARITY_LIST;
	memcpy(buf + 1, "\x00\x00\xff\xff", 4);
	assert_int_equal(clarity_decode(buf, len, &v, err, sizeof err), 0);
	assert_int_equal(v->count, 65535);
	clarity_free(v);

	/* One more item goes over it. */
	memcpy(buf + 1, "\x00\x01\x00\x00", 4);
	assert_int_equal(clarity_decode(buf, len + 1, &v, err, sizeof err), -1);
	assert_string_equal(err, "list declares 65536 items at offset 5, more than the limit of 65536 values");

	/* A buffer as large as allowed, and one byte more than allowed. */
	buf[0] = CLARITY_BUFFER;
	len = CLARITY_MAX_SIZE;
	buf[1] = (uint8_t)((len - 5) >> 24);
	buf[2] = (uint8_t)((len - 5) >> 16);
	buf[3] = (uint8_t)((len - 5) >> 8);
	buf[4] = (uint8_t)(len - 5);
	assert_int_equal(clarity_decode(buf, len, &v, err, sizeof err), 0);
	assert_int_equal(v->len, len - 5);
	clarity_free(v);
	assert_int_equal(clarity_decode(buf, len + 1, &v, err, sizeof err), -1);
	snprintf(expect, sizeof expect, "value of %zu bytes exceeds the limit of %u bytes", len + 1,
		 (unsigned)CLARITY_MAX_SIZE);
	assert_string_equal(err, expect);
	free(buf);

	/* Oversized hex text is refused before it is decoded. */
	hex = malloc(2 * CLARITY_MAX_SIZE + 5);
	assert_non_null(hex);
	memcpy(hex, "0x", 2);
	memset(hex + 2, '0', 2 * CLARITY_MAX_SIZE + 2);
	hex[2 * CLARITY_MAX_SIZE + 4] = '\0';
	assert_int_equal(clarity_decode_hex(hex, &v, err, sizeof err), -1);
	snprintf(expect, sizeof expect, "value of %u hex digits exceeds the limit of %u bytes",
		 2 * CLARITY_MAX_SIZE + 2, (unsigned)CLARITY_MAX_SIZE);
	assert_string_equal(err, expect);
	free(hex);
}

static void test_bad_arguments(void **state)
{
	clarity_value *v = NULL;
	char err[128];
	static const uint8_t t[] = {CLARITY_TRUE};

	(void)state;
	assert_int_equal(clarity_decode_hex(NULL, &v, err, sizeof err), -1);
	assert_int_equal(clarity_decode(NULL, 1, &v, err, sizeof err), -1);
	assert_int_equal(clarity_decode(t, 1, NULL, err, sizeof err), -1);
	/* No room for a message is fine. */
	assert_int_equal(clarity_decode_hex("0x11", &v, NULL, 0), -1);
	assert_int_equal(clarity_decode_hex("0x11", &v, err, 1), -1);
	assert_string_equal(err, "");
	clarity_free(NULL);
}

static void test_type_names(void **state)
{
	static const struct {
		clarity_type t;
		const char *name;
	} names[] = {
		{CLARITY_INT, "int"},
		{CLARITY_UINT, "uint"},
		{CLARITY_BUFFER, "buff"},
		{CLARITY_TRUE, "bool"},
		{CLARITY_FALSE, "bool"},
		{CLARITY_PRINCIPAL_STANDARD, "principal"},
		{CLARITY_PRINCIPAL_CONTRACT, "contract-principal"},
		{CLARITY_OK, "ok"},
		{CLARITY_ERR, "err"},
		{CLARITY_NONE, "none"},
		{CLARITY_SOME, "some"},
		{CLARITY_LIST, "list"},
		{CLARITY_TUPLE, "tuple"},
		{CLARITY_STRING_ASCII, "string-ascii"},
		{CLARITY_STRING_UTF8, "string-utf8"},
		{(clarity_type)0x20, "unknown"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_string_equal(clarity_type_name(names[i].t), names[i].name);
}

static void test_describe_small_buffers(void **state)
{
	clarity_value *v = NULL;
	char err[128];
	char buf[64];
	size_t n;

	(void)state;
	assert_int_equal(clarity_decode_hex("0x070a0200000021" KEY, &v, err, sizeof err), 0);
	clarity_describe(v, buf, sizeof buf);
	assert_string_equal(buf, "(ok (some (buff 33)))");

	/* Every size: never past dstlen, always terminated, a cut shown with "...". */
	for (n = 1; n < 30; n++) {
		memset(buf, 'Z', sizeof buf);
		clarity_describe(v, buf, n);
		assert_int_equal(buf[n], 'Z');
		assert_true(strlen(buf) == n - 1 || strlen(buf) == strlen("(ok (some (buff 33)))"));
		if (n <= strlen("(ok (some (buff 33)))") && n >= 4)
			assert_string_equal(buf + n - 4, "...");
	}
	memset(buf, 'Z', sizeof buf);
	clarity_describe(v, buf, 0);
	assert_int_equal(buf[0], 'Z');
	clarity_describe(v, buf, 10);
	assert_string_equal(buf, "(ok (s...");
	clarity_describe(v, NULL, 10);
	clarity_free(v);

	clarity_describe(NULL, buf, sizeof buf);
	assert_string_equal(buf, "?");

	/* Long strings are cut after 32 characters. */
	assert_int_equal(clarity_decode_hex("0x0d00000028"
					    "4142434445464748494a4b4c4d4e4f505152535455565758595a"
					    "6162636465666768696a6b6c6d6e",
					    &v, err, sizeof err),
			 0);
	clarity_describe(v, buf, sizeof buf);
	assert_string_equal(buf, "string-ascii \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef...\"");
	clarity_free(v);
}

/* Trees built by hand may be deeper than any decoded one: describe stays bounded and
 * free works without recursion. */
static void test_hand_built_deep_tree(void **state)
{
	clarity_value *root = NULL, *cur = NULL;
	size_t i;
	char buf[512];

	(void)state;
	for (i = 0; i < 100000; i++) {
		clarity_value *v = calloc(1, sizeof *v);
		assert_non_null(v);
		v->type = CLARITY_SOME;
		if (cur == NULL) {
			root = v;
		} else {
			cur->items = calloc(1, sizeof *cur->items);
			assert_non_null(cur->items);
			cur->items[0] = v;
			cur->count = 1;
		}
		cur = v;
	}
	cur->type = CLARITY_TRUE;
	clarity_describe(root, buf, sizeof buf);
	assert_int_equal(strncmp(buf, "(some (some ", 12), 0);
	assert_non_null(strstr(buf, "..."));
	clarity_free(root);

	/* A tuple with a missing item and its names. */
	root = calloc(1, sizeof *root);
	assert_non_null(root);
	root->type = CLARITY_TUPLE;
	root->count = 2;
	root->items = calloc(2, sizeof *root->items);
	root->names = calloc(2, sizeof *root->names);
	assert_non_null(root->items);
	assert_non_null(root->names);
	root->names[0] = malloc(2);
	root->names[1] = malloc(2);
	assert_non_null(root->names[0]);
	assert_non_null(root->names[1]);
	root->items[1] = calloc(1, sizeof *root->items[1]);
	assert_non_null(root->items[1]);
	root->items[1]->type = CLARITY_NONE;
	clarity_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_every_type),
		cmocka_unit_test(test_registry_key),
		cmocka_unit_test(test_decoded_fields),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_size_and_count_limits),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_describe_small_buffers),
		cmocka_unit_test(test_hand_built_deep_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
