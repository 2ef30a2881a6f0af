/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/json_field.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_field.h"

/* Shaped like the signer's /info, with one field of every kind. */
static const char doc_text[] =
	"{\n"
	" \"bitcoin\": {\"signer_tip\": {\"block_height\": 870000, \"block_hash\": \"00ab\"},\n"
	"             \"node_tip\": null},\n"
	" \"stacks\": {\"signer_tip\": null},\n"
	" \"version\": \"0.1.0\",\n"
	" \"ratio\": 0.5, \"whole\": 2.0, \"expo\": 1e3, \"frac\": 1.5, \"huge\": 1e300,\n"
	" \"e15\": 1e15, \"e17\": 1e17, \"m63\": -9223372036854775808.0,\n"
	" \"ok\": true, \"off\": false,\n"
	" \"items\": [{\"name\": \"x\"}, {\"name\": null}],\n"
	" \"nan\": NaN, \"inf\": -Infinity,\n"
	" \"big\": 9223372036854775808,\n"
	" \"bigger\": 18446744073709551616,\n"
	" \"umax\": 18446744073709551615,\n"
	" \"below\": -9223372036854775809,\n"
	" \"min\": -9223372036854775808,\n"
	" \"max\": 9223372036854775807,\n"
	" \"neg\": -3,\n"
	" \"nul\": \"a\\u0000b\",\n"
	" \"digits\": \"99999999999999999999999\",\n"
	" \"0\": \"zero\"\n"
	"}\n";

static int setup_doc(void **state)
{
	json_object *doc = NULL;
	char err[160];

	if (sbtc_json_parse(doc_text, strlen(doc_text), &doc, err, sizeof err) != 0) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	*state = doc;
	return 0;
}

static int teardown_doc(void **state)
{
	json_object_put(*state);
	return 0;
}

/* ---- parsing ---- */

struct parse_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	const char *message; /* NULL: must parse */
};

static const struct parse_case parse_cases[] = {
	{"{\"a\":1}", 0, NULL},
	{"  \r\n\t{\"a\":1}  \n", 0, NULL},
	{"[]", 0, NULL},
	{"42", 0, NULL},
	{"4217", 2, NULL}, /* not NUL-terminated at len: reads "42" */
	{"\"s\"", 0, NULL},
	{"true", 0, NULL},
	{"", 0, "empty body instead of JSON"},
	{" \r\n\t ", 0, "empty body instead of JSON"},
	{"{\"a\":1} x", 0, "not JSON: unexpected character at offset 8"},
	{"{\"a\":1}{\"b\":2}", 0, "not JSON: unexpected character at offset 7"},
	{"{\"a\":1}\0", 8, "not JSON: unexpected data after the value at offset 7"},
	{"{\"a\":1}\n\0 ", 10, "not JSON: unexpected data after the value at offset 8"},
	{"[1,\0 2]", 7, "not JSON: unexpected end of data at offset 3"},
	{"\0{}", 3, "not JSON: unexpected end of data at offset 0"},
	{"42 x", 0, "not JSON: unexpected character at offset 3"},
	{"{\"a\":", 0, "not JSON: unexpected end of data at offset 5"},
	{"<html><body>502 Bad Gateway</body></html>", 0, "not JSON: unexpected character at offset 0"},
	{"[1,]", 0, "not JSON: unexpected character at offset 3"},
	{"{\"a\":1,}", 0, "not JSON: unexpected character at offset 7"},
	{"'a'", 0, "not JSON: unexpected character at offset 0"},
	{"/* c */ 1", 0, "not JSON: unexpected character at offset 0"},
	{"[1 2]", 0, "not JSON: array value separator ',' expected at offset 3"},
	{"nul", 0, "not JSON: unexpected end of data at offset 3"},
};

static void test_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		json_object *o = (json_object *)&o;
		char err[160] = "";
		int rc = sbtc_json_parse(c->text, len, &o, err, sizeof err);

		if (c->message == NULL) {
			if (rc != 0)
				fail_msg("case %zu (%s) refused: %s", i, c->text, err);
			assert_non_null(o);
			json_object_put(o);
		} else {
			if (rc != -1)
				fail_msg("case %zu (%s) accepted", i, c->text);
			assert_null(o);
			if (strcmp(err, c->message) != 0)
				fail_msg("case %zu: '%s', expected '%s'", i, err, c->message);
		}
	}
}

static void test_parse_null_and_args(void **state)
{
	json_object *o = (json_object *)&o;
	char err[160];
	int64_t v = 7;

	(void)state;
	/* A body of null is JSON; lookups then say so. */
	assert_int_equal(sbtc_json_parse("null", 4, &o, err, sizeof err), 0);
	assert_null(o);
	assert_int_equal(sbtc_json_get_int64(o, "a", &v, err, sizeof err), -1);
	assert_string_equal(err, "the document is null");
	assert_int_equal(sbtc_json_get_int64_opt(o, "a", SBTC_JSON_NULL_OK, &v, err, sizeof err), 1);
	assert_int_equal(v, 7);

	assert_int_equal(sbtc_json_parse(NULL, 0, &o, err, sizeof err), -1);
	assert_string_equal(err, "empty body instead of JSON");
	assert_int_equal(sbtc_json_parse("1", 1, NULL, err, sizeof err), -1);
	assert_int_equal(sbtc_json_parse("x", 1, &o, NULL, 0), -1);
}

static void test_parse_depth(void **state)
{
	char *text;
	size_t n;
	json_object *o = NULL;
	char err[160], expect[160];

	(void)state;
	text = malloc((size_t)2 * 100000);
	assert_non_null(text);

	/* Arrays: the limit is accepted, one more is refused. */
	n = SBTC_JSON_MAX_DEPTH;
	memset(text, '[', n);
	memset(text + n, ']', n);
	assert_int_equal(sbtc_json_parse(text, 2 * n, &o, err, sizeof err), 0);
	json_object_put(o);
	n++;
	memset(text, '[', n);
	memset(text + n, ']', n);
	assert_int_equal(sbtc_json_parse(text, 2 * n, &o, err, sizeof err), -1);
	snprintf(expect, sizeof expect, "not JSON: nesting too deep at offset %d", SBTC_JSON_MAX_DEPTH);
	assert_string_equal(err, expect);

	/* Very deep input is refused quickly. */
	n = 100000;
	memset(text, '[', n);
	memset(text + n, ']', n);
	assert_int_equal(sbtc_json_parse(text, 2 * n, &o, err, sizeof err), -1);
	assert_string_equal(err, expect);
	free(text);
}

static void test_parse_deep_objects_and_lookup(void **state)
{
	/* 60 nested {"a": ...} around 5, and the matching path. */
	char text[60 * 6 + 2 + 60 + 1];
	char path[60 * 2];
	size_t i, o = 0;
	json_object *doc = NULL;
	char err[160];
	int64_t v = 0;

	(void)state;
	for (i = 0; i < 60; i++) {
		memcpy(text + o, "{\"a\": ", 6);
		o += 6;
		path[2 * i] = 'a';
		path[2 * i + 1] = '.';
	}
	path[2 * 60 - 1] = '\0';
	text[o++] = '5';
	for (i = 0; i < 60; i++)
		text[o++] = '}';
	assert_int_equal(sbtc_json_parse(text, o, &doc, err, sizeof err), 0);
	assert_int_equal(sbtc_json_get_int64(doc, path, &v, err, sizeof err), 0);
	assert_int_equal(v, 5);
	json_object_put(doc);
}

/* ---- oversized integers ---- */

static void test_integer_range(void **state)
{
	json_object *doc = *state;
	char err[160];
	int64_t v;
	double d;
	const char *s;

	assert_int_equal(sbtc_json_get_int64(doc, "max", &v, err, sizeof err), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(sbtc_json_get_int64(doc, "min", &v, err, sizeof err), 0);
	assert_true(v == INT64_MIN);

	v = 42;
	assert_int_equal(sbtc_json_get_int64(doc, "big", &v, err, sizeof err), -1);
	assert_string_equal(err, "field 'big' is 9223372036854775808, out of range for a 64-bit integer");
	assert_int_equal(sbtc_json_get_int64(doc, "umax", &v, err, sizeof err), -1);
	assert_string_equal(err, "field 'umax' is 18446744073709551615, out of range for a 64-bit integer");
	assert_int_equal(sbtc_json_get_int64(doc, "bigger", &v, err, sizeof err), -1);
	assert_string_equal(err, "field 'bigger' is 18446744073709551616, out of range for a 64-bit integer");
	assert_int_equal(sbtc_json_get_int64(doc, "below", &v, err, sizeof err), -1);
	assert_string_equal(err, "field 'below' is -9223372036854775809, out of range for a 64-bit integer");
	assert_int_equal(sbtc_json_get_int64(doc, "huge", &v, err, sizeof err), -1);
	assert_string_equal(err, "field 'huge' is 1e300, out of range for a 64-bit integer");
	assert_int_equal(v, 42);

	/* As doubles they keep their real value rather than json-c's clamped one. */
	assert_int_equal(sbtc_json_get_double(doc, "bigger", &d, err, sizeof err), 0);
	assert_true(d == 18446744073709551616.0);
	assert_int_equal(sbtc_json_get_double(doc, "below", &d, err, sizeof err), 0);
	assert_true(d == -9223372036854775809.0);
	assert_int_equal(sbtc_json_get_double(doc, "big", &d, err, sizeof err), 0);
	assert_true(d == 9223372036854775808.0);

	/* Digits inside strings are left alone. */
	assert_int_equal(sbtc_json_get_string(doc, "digits", &s, err, sizeof err), 0);
	assert_string_equal(s, "99999999999999999999999");
}

static void test_big_integers_in_context(void **state)
{
	static const char text[] =
		"{\"s\":\"a\\\"1\\\\\",\"n\":-99999999999999999999,"
		"\"l\":[1,184467440737095516160,-0,2],\"k\":\"-99999999999999999999\"}";
	json_object *doc = NULL;
	char err[160];
	int64_t v = 0;
	const char *s;

	(void)state;
	assert_int_equal(sbtc_json_parse(text, strlen(text), &doc, err, sizeof err), 0);
	assert_int_equal(sbtc_json_get_string(doc, "s", &s, err, sizeof err), 0);
	assert_string_equal(s, "a\"1\\");
	assert_int_equal(sbtc_json_get_int64(doc, "n", &v, err, sizeof err), -1);
	assert_string_equal(err, "field 'n' is -99999999999999999999, out of range for a 64-bit integer");
	assert_int_equal(sbtc_json_get_int64(doc, "l.1", &v, err, sizeof err), -1);
	assert_string_equal(err,
			    "field 'l.1' is 184467440737095516160, out of range for a 64-bit integer");
	assert_int_equal(sbtc_json_get_int64(doc, "l.3", &v, err, sizeof err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sbtc_json_get_int64(doc, "l.2", &v, err, sizeof err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sbtc_json_get_string(doc, "k", &s, err, sizeof err), 0);
	assert_string_equal(s, "-99999999999999999999");
	json_object_put(doc);
}

/* ---- typed lookups ---- */

enum getter { G_OBJECT, G_ARRAY, G_STRING, G_INT64, G_DOUBLE, G_BOOL };

struct lookup_case {
	enum getter g;
	const char *path;
	const char *message; /* NULL: must succeed */
};

static const struct lookup_case lookup_cases[] = {
	/* present */
	{G_INT64, "bitcoin.signer_tip.block_height", NULL},
	{G_STRING, "bitcoin.signer_tip.block_hash", NULL},
	{G_OBJECT, "bitcoin", NULL},
	{G_OBJECT, "bitcoin.signer_tip", NULL},
	{G_OBJECT, "", NULL},
	{G_ARRAY, "items", NULL},
	{G_OBJECT, "items.0", NULL},
	{G_STRING, "items.0.name", NULL},
	{G_STRING, "0", NULL},
	{G_INT64, "whole", NULL},
	{G_INT64, "expo", NULL},
	{G_INT64, "e15", NULL},
	{G_DOUBLE, "ratio", NULL},
	{G_DOUBLE, "neg", NULL},
	{G_DOUBLE, "huge", NULL},
	{G_BOOL, "ok", NULL},
	{G_BOOL, "off", NULL},
	/* missing at each level */
	{G_INT64, "nope", "field 'nope' missing"},
	{G_INT64, "nope.signer_tip.block_height",
	 "field 'nope' (in 'nope.signer_tip.block_height') missing"},
	{G_INT64, "bitcoin.nope.block_height",
	 "field 'bitcoin.nope' (in 'bitcoin.nope.block_height') missing"},
	{G_INT64, "bitcoin.signer_tip.nope", "field 'bitcoin.signer_tip.nope' missing"},
	{G_STRING, "items.2.name", "field 'items.2' (in 'items.2.name') missing"},
	{G_STRING, "items.999999999.name", "field 'items.999999999' (in 'items.999999999.name') missing"},
	/* null, at the end and on the way */
	{G_INT64, "bitcoin.node_tip", "field 'bitcoin.node_tip' is null"},
	{G_OBJECT, "bitcoin.node_tip", "field 'bitcoin.node_tip' is null"},
	{G_STRING, "items.1.name", "field 'items.1.name' is null"},
	{G_INT64, "stacks.signer_tip.block_height",
	 "field 'stacks.signer_tip' (in 'stacks.signer_tip.block_height') is null"},
	/* wrong container on the way */
	{G_STRING, "items.x", "field 'items' (in 'items.x') is an array, expected an object"},
	{G_STRING, "items.-1", "field 'items' (in 'items.-1') is an array, expected an object"},
	{G_STRING, "items.1234567890", "field 'items' (in 'items.1234567890') is an array, expected an object"},
	{G_STRING, "version.x", "field 'version' (in 'version.x') is a string, expected an object"},
	{G_STRING, "version.0",
	 "field 'version' (in 'version.0') is a string, expected an object or an array"},
	{G_STRING, "neg.x", "field 'neg' (in 'neg.x') is an integer, expected an object"},
	{G_STRING, "ok.x.y", "field 'ok' (in 'ok.x.y') is a boolean, expected an object"},
	/* wrong type at the end, for every getter */
	{G_INT64, "version", "field 'version' is a string, expected an integer"},
	{G_INT64, "frac", "field 'frac' is 1.5, expected an integer"},
	{G_INT64, "ratio", "field 'ratio' is 0.5, expected an integer"},
	{G_INT64, "ok", "field 'ok' is a boolean, expected an integer"},
	{G_INT64, "bitcoin", "field 'bitcoin' is an object, expected an integer"},
	{G_INT64, "items", "field 'items' is an array, expected an integer"},
	{G_INT64, "nan", "field 'nan' is NaN, expected an integer"},
	{G_INT64, "inf", "field 'inf' is -Infinity, out of range for a 64-bit integer"},
	{G_INT64, "e17", "field 'e17' is 1e17, not exact beyond 2^53 unless written as an integer"},
	{G_INT64, "m63", "field 'm63' is -9223372036854775808, out of range for a 64-bit integer"},
	{G_DOUBLE, "version", "field 'version' is a string, expected a number"},
	{G_DOUBLE, "ok", "field 'ok' is a boolean, expected a number"},
	{G_DOUBLE, "items", "field 'items' is an array, expected a number"},
	{G_DOUBLE, "nan", "field 'nan' is NaN, expected a finite number"},
	{G_DOUBLE, "inf", "field 'inf' is -Infinity, expected a finite number"},
	{G_BOOL, "version", "field 'version' is a string, expected a boolean"},
	{G_BOOL, "neg", "field 'neg' is an integer, expected a boolean"},
	{G_BOOL, "bitcoin", "field 'bitcoin' is an object, expected a boolean"},
	{G_STRING, "neg", "field 'neg' is an integer, expected a string"},
	{G_STRING, "ratio", "field 'ratio' is a number, expected a string"},
	{G_STRING, "ok", "field 'ok' is a boolean, expected a string"},
	{G_STRING, "items", "field 'items' is an array, expected a string"},
	{G_STRING, "nul", "field 'nul' contains a NUL character"},
	{G_OBJECT, "version", "field 'version' is a string, expected an object"},
	{G_OBJECT, "items", "field 'items' is an array, expected an object"},
	{G_ARRAY, "bitcoin", "field 'bitcoin' is an object, expected an array"},
	{G_ARRAY, "neg", "field 'neg' is an integer, expected an array"},
	/* bad paths are the caller's mistake */
	{G_INT64, ".a", "internal error: invalid field path '.a'"},
	{G_INT64, "a.", "internal error: invalid field path 'a.'"},
	{G_INT64, "bitcoin..signer_tip", "internal error: invalid field path 'bitcoin..signer_tip'"},
};

/* Calls one getter with flags; stores whether the output was written. */
static int call(enum getter g, json_object *doc, const char *path, unsigned flags, char *err,
		size_t errlen, int *written)
{
	json_object *o = (json_object *)&o;
	const char *s = (const char *)&s;
	int64_t i = INT64_C(-77);
	double d = -77.5;
	bool b = true;
	int rc = -2;

	switch (g) {
	case G_OBJECT:
		rc = sbtc_json_get_object_opt(doc, path, flags, &o, err, errlen);
		*written = o != (json_object *)&o;
		break;
	case G_ARRAY:
		rc = sbtc_json_get_array_opt(doc, path, flags, &o, err, errlen);
		*written = o != (json_object *)&o;
		break;
	case G_STRING:
		rc = sbtc_json_get_string_opt(doc, path, flags, &s, err, errlen);
		*written = s != (const char *)&s;
		break;
	case G_INT64:
		rc = sbtc_json_get_int64_opt(doc, path, flags, &i, err, errlen);
		*written = i != INT64_C(-77);
		break;
	case G_DOUBLE:
		rc = sbtc_json_get_double_opt(doc, path, flags, &d, err, errlen);
		*written = d != -77.5;
		break;
	case G_BOOL:
		rc = sbtc_json_get_bool_opt(doc, path, flags, &b, err, errlen);
		*written = 1;
		break;
	}
	return rc;
}

/* The plain getters, for the cases where flags are 0. */
static int call_plain(enum getter g, json_object *doc, const char *path, char *err, size_t errlen)
{
	json_object *o;
	const char *s;
	int64_t i;
	double d;
	bool b;

	switch (g) {
	case G_OBJECT:
		return sbtc_json_get_object(doc, path, &o, err, errlen);
	case G_ARRAY:
		return sbtc_json_get_array(doc, path, &o, err, errlen);
	case G_STRING:
		return sbtc_json_get_string(doc, path, &s, err, errlen);
	case G_INT64:
		return sbtc_json_get_int64(doc, path, &i, err, errlen);
	case G_DOUBLE:
		return sbtc_json_get_double(doc, path, &d, err, errlen);
	case G_BOOL:
		return sbtc_json_get_bool(doc, path, &b, err, errlen);
	}
	return -2;
}

static void test_lookups(void **state)
{
	json_object *doc = *state;
	size_t i;

	for (i = 0; i < sizeof lookup_cases / sizeof lookup_cases[0]; i++) {
		const struct lookup_case *c = &lookup_cases[i];
		char err[200] = "";
		int written = 0;
		int rc = call(c->g, doc, c->path, 0, err, sizeof err, &written);
		int rc_plain = call_plain(c->g, doc, c->path, err, sizeof err);

		assert_int_equal(rc, rc_plain);
		if (c->message == NULL) {
			if (rc != 0)
				fail_msg("case %zu (%s) failed: %s", i, c->path, err);
			assert_true(written);
		} else {
			if (rc != -1)
				fail_msg("case %zu (%s) returned %d", i, c->path, rc);
			if (c->g != G_BOOL)
				assert_false(written);
			if (strcmp(err, c->message) != 0)
				fail_msg("case %zu: '%s', expected '%s'", i, err, c->message);
		}
	}
}

static void test_values(void **state)
{
	json_object *doc = *state;
	char err[160];
	int64_t v = 0;
	double d = 0;
	bool b = false;
	const char *s = NULL;
	json_object *o = NULL;

	assert_int_equal(sbtc_json_get_int64(doc, "bitcoin.signer_tip.block_height", &v, err, sizeof err), 0);
	assert_int_equal(v, 870000);
	assert_int_equal(sbtc_json_get_int64(doc, "neg", &v, err, sizeof err), 0);
	assert_int_equal(v, -3);
	assert_int_equal(sbtc_json_get_int64(doc, "whole", &v, err, sizeof err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sbtc_json_get_int64(doc, "expo", &v, err, sizeof err), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(sbtc_json_get_double(doc, "ratio", &d, err, sizeof err), 0);
	assert_true(d == 0.5);
	assert_int_equal(sbtc_json_get_double(doc, "bitcoin.signer_tip.block_height", &d, err, sizeof err), 0);
	assert_true(d == 870000.0);
	assert_int_equal(sbtc_json_get_bool(doc, "ok", &b, err, sizeof err), 0);
	assert_true(b);
	assert_int_equal(sbtc_json_get_bool(doc, "off", &b, err, sizeof err), 0);
	assert_false(b);
	assert_int_equal(sbtc_json_get_string(doc, "version", &s, err, sizeof err), 0);
	assert_string_equal(s, "0.1.0");
	assert_int_equal(sbtc_json_get_string(doc, "items.0.name", &s, err, sizeof err), 0);
	assert_string_equal(s, "x");
	assert_int_equal(sbtc_json_get_string(doc, "0", &s, err, sizeof err), 0);
	assert_string_equal(s, "zero");
	assert_int_equal(sbtc_json_get_array(doc, "items", &o, err, sizeof err), 0);
	assert_int_equal(json_object_array_length(o), 2);
	assert_int_equal(sbtc_json_get_object(doc, "", &o, err, sizeof err), 0);
	assert_ptr_equal(o, doc);
}

struct opt_case {
	enum getter g;
	const char *path;
	unsigned flags;
	int rc;
	const char *message; /* for rc 1 and -1 */
};

static const struct opt_case opt_cases[] = {
	{G_INT64, "bitcoin.node_tip", SBTC_JSON_NULL_OK, 1, "field 'bitcoin.node_tip' is null"},
	{G_OBJECT, "bitcoin.node_tip", SBTC_JSON_NULL_OK, 1, "field 'bitcoin.node_tip' is null"},
	{G_ARRAY, "bitcoin.node_tip", SBTC_JSON_ABSENT_OK, 1, "field 'bitcoin.node_tip' is null"},
	{G_STRING, "items.1.name", SBTC_JSON_NULL_OK, 1, "field 'items.1.name' is null"},
	{G_DOUBLE, "bitcoin.node_tip", SBTC_JSON_ABSENT_OK, 1, "field 'bitcoin.node_tip' is null"},
	{G_BOOL, "bitcoin.node_tip", SBTC_JSON_NULL_OK, 1, "field 'bitcoin.node_tip' is null"},
	{G_INT64, "stacks.signer_tip.block_height", SBTC_JSON_NULL_OK, 1,
	 "field 'stacks.signer_tip' (in 'stacks.signer_tip.block_height') is null"},
	{G_INT64, "bitcoin.node_tip", SBTC_JSON_MISSING_OK, -1, "field 'bitcoin.node_tip' is null"},
	{G_INT64, "nope", SBTC_JSON_NULL_OK, -1, "field 'nope' missing"},
	{G_INT64, "nope", SBTC_JSON_MISSING_OK, 1, "field 'nope' missing"},
	{G_INT64, "bitcoin.nope.block_height", SBTC_JSON_MISSING_OK, 1,
	 "field 'bitcoin.nope' (in 'bitcoin.nope.block_height') missing"},
	{G_STRING, "items.5.name", SBTC_JSON_ABSENT_OK, 1, "field 'items.5' (in 'items.5.name') missing"},
	/* a wrong type is never "absent" */
	{G_INT64, "version", SBTC_JSON_ABSENT_OK, -1, "field 'version' is a string, expected an integer"},
	{G_INT64, "version.x", SBTC_JSON_ABSENT_OK, -1,
	 "field 'version' (in 'version.x') is a string, expected an object"},
	{G_INT64, "big", SBTC_JSON_ABSENT_OK, -1,
	 "field 'big' is 9223372036854775808, out of range for a 64-bit integer"},
	/* present values come back as usual */
	{G_INT64, "bitcoin.signer_tip.block_height", SBTC_JSON_ABSENT_OK, 0, NULL},
	{G_BOOL, "ok", SBTC_JSON_ABSENT_OK, 0, NULL},
	{G_STRING, "version", SBTC_JSON_NULL_OK, 0, NULL},
};

static void test_optional(void **state)
{
	json_object *doc = *state;
	size_t i;

	for (i = 0; i < sizeof opt_cases / sizeof opt_cases[0]; i++) {
		const struct opt_case *c = &opt_cases[i];
		char err[200] = "";
		int written = 0;
		int rc = call(c->g, doc, c->path, c->flags, err, sizeof err, &written);

		if (rc != c->rc)
			fail_msg("case %zu (%s): returned %d, expected %d (%s)", i, c->path, rc, c->rc,
				 err);
		if (c->rc == 0) {
			assert_true(written);
			continue;
		}
		if (c->g != G_BOOL)
			assert_false(written);
		if (strcmp(err, c->message) != 0)
			fail_msg("case %zu: '%s', expected '%s'", i, err, c->message);
	}
}

static void test_root_not_object(void **state)
{
	json_object *doc = NULL;
	char err[160];
	const char *s;
	json_object *o;

	(void)state;
	assert_int_equal(sbtc_json_parse("[{\"a\":\"b\"}]", 11, &doc, err, sizeof err), 0);
	assert_int_equal(sbtc_json_get_object(doc, "", &o, err, sizeof err), -1);
	assert_string_equal(err, "the document is an array, expected an object");
	assert_int_equal(sbtc_json_get_string(doc, "a", &s, err, sizeof err), -1);
	assert_string_equal(err, "the document is an array, expected an object");
	assert_int_equal(sbtc_json_get_string(doc, "0.a", &s, err, sizeof err), 0);
	assert_string_equal(s, "b");
	assert_int_equal(sbtc_json_get_string(doc, NULL, &s, err, sizeof err), -1);
	assert_string_equal(err, "internal error: no field path");
	json_object_put(doc);
}

static void test_small_error_buffer(void **state)
{
	json_object *doc = *state;
	char err[12];
	int64_t v;

	memset(err, 'Z', sizeof err);
	assert_int_equal(sbtc_json_get_int64(doc, "bitcoin.signer_tip.nope", &v, err, 10), -1);
	assert_string_equal(err, "field 'bi");
	assert_int_equal(err[10], 'Z');
	assert_int_equal(sbtc_json_get_int64(doc, "nope", &v, NULL, 0), -1);
	assert_int_equal(sbtc_json_get_int64_opt(doc, "nope", SBTC_JSON_MISSING_OK, &v, NULL, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_null_and_args),
		cmocka_unit_test(test_parse_depth),
		cmocka_unit_test(test_parse_deep_objects_and_lookup),
		cmocka_unit_test_setup_teardown(test_integer_range, setup_doc, teardown_doc),
		cmocka_unit_test(test_big_integers_in_context),
		cmocka_unit_test_setup_teardown(test_lookups, setup_doc, teardown_doc),
		cmocka_unit_test_setup_teardown(test_values, setup_doc, teardown_doc),
		cmocka_unit_test_setup_teardown(test_optional, setup_doc, teardown_doc),
		cmocka_unit_test(test_root_not_object),
		cmocka_unit_test_setup_teardown(test_small_error_buffer, setup_doc, teardown_doc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
