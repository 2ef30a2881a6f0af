/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/bitcoin.c: the cookie, the warnings in both shapes, the shared
 * options, and the credential errors that must never show a secret. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bitcoin.h"
#include "json_field.h"

static void test_cookie_parse(void **unused)
{
	(void)unused;
	char err[200];
	char *up = sbtc_bitcoin_cookie_parse("__cookie__:abc123", err, sizeof err);
	assert_non_null(up);
	assert_string_equal(up, "__cookie__:abc123");
	free(up);
	/* a password may itself hold ':' */
	up = sbtc_bitcoin_cookie_parse("__cookie__:a:b", err, sizeof err);
	assert_string_equal(up, "__cookie__:a:b");
	free(up);
	static const char *const bad[] = {"", "nocolon", ":pw", "__cookie__:"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(sbtc_bitcoin_cookie_parse(bad[i], err, sizeof err));
		assert_non_null(strstr(err, "USER:PASSWORD"));
		/* the message never repeats the file's line */
		if (strcmp(bad[i], "nocolon") == 0 || strcmp(bad[i], ":pw") == 0)
			assert_null(strstr(err, bad[i]));
	}
}

static char *join(const char *json)
{
	json_object *o = NULL;
	char err[200], *out = NULL;
	if (json != NULL)
		assert_int_equal(sbtc_json_parse(json, strlen(json), &o, err, sizeof err), 0);
	int r = sbtc_bitcoin_warnings_join(o, &out, err, sizeof err);
	json_object_put(o);
	if (r != 0) {
		assert_null(out);
		return NULL;
	}
	return out;
}

static void test_warnings(void **unused)
{
	(void)unused;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{NULL, ""},
		{"\"\"", ""},
		{"[]", ""},
		{"\"This is a pre-release test build\"", "This is a pre-release test build"},
		{"[\"one\"]", "one"},
		{"[\"one\",\"two\"]", "one; two"},
		{"[\"\",\"two\",\"  \"]", "two"},
		{"\"a | b\\nc\"", "a / b c"},
		{"[\"x\\u0007y\",\"p|q\"]", "x y; p/q"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = join(cases[i].in);
		if (out == NULL || strcmp(out, cases[i].out) != 0)
			fail_msg("warnings %s -> \"%s\", expected \"%s\"", cases[i].in ? cases[i].in : "(absent)",
				 out ? out : "(error)", cases[i].out);
		free(out);
	}
	assert_null(join("42"));
	assert_null(join("{\"a\":1}"));
	assert_null(join("[\"ok\", 3]"));
	/* an endless warning is cut */
	char big[5000];
	big[0] = '"';
	memset(big + 1, 'w', sizeof big - 3);
	big[sizeof big - 2] = '"';
	big[sizeof big - 1] = '\0';
	char *out = join(big);
	assert_non_null(out);
	assert_true(strlen(out) <= 200);
	free(out);
}

static void test_option(void **unused)
{
	(void)unused;
	sbtc_bitcoin_conn c;
	char err[300];
	memset(&c, 0, sizeof c);
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_URL, "http://127.0.0.1:8332", err, sizeof err), 1);
	assert_string_equal(c.url, "http://127.0.0.1:8332");
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_URL, "127.0.0.1:8332", err, sizeof err), -1);
	assert_non_null(strstr(err, "--bitcoin-url"));
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_COOKIE, "/c", err, sizeof err), 1);
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_USER, "u", err, sizeof err), 1);
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_PASSWORD_FILE, "/p", err, sizeof err), 1);
	assert_string_equal(c.cookie_file, "/c");
	assert_string_equal(c.user, "u");
	assert_string_equal(c.password_file, "/p");
	assert_int_equal(sbtc_bitcoin_option(&c, 'w', "1", err, sizeof err), 0);
}

/* The call started into an acquisition of its own, run to its end. */
static sbtc_fetch_status call(const sbtc_bitcoin_conn *c, const char *method, const char *params, json_object **res,
			      char *err, size_t errlen)
{
	sbtc_outcome oc;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_bitcoin_call_start(a, c, method, params, res, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	assert_true(oc.done);
	snprintf(err, errlen, "%s", oc.msg);
	return oc.status;
}

/* Credential problems end before any request (the URL points nowhere that answers). */
static void test_credential_errors(void **unused)
{
	(void)unused;
	char dir[] = "/tmp/sbtc-test-bitcoin-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof path, "%s/.cookie", dir);
	sbtc_bitcoin_conn c;
	memset(&c, 0, sizeof c);
	c.url = "http://127.0.0.1:9";
	json_object *res = NULL;
	char err[SBTC_FETCH_MSG_MAX];

	c.cookie_file = path; /* missing */
	assert_int_equal(call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "cannot read the cookie file"));
	assert_null(res);

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("secretwithoutcolon\n", f);
	fclose(f);
	assert_int_equal(call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "not a Bitcoin Core cookie"));
	assert_null(strstr(err, "secretwithoutcolon"));

	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "is empty"));

	c.cookie_file = NULL;
	c.user = "monitor";
	assert_int_equal(call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "--bitcoin-user needs --bitcoin-password-file"));
	c.user = NULL;
	c.password_file = path;
	assert_int_equal(call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "needs --bitcoin-user"));

	c.password_file = NULL;
	assert_int_equal(call(&c, "getblockchaininfo", "{\"not\":\"an array\"}", &res, err, sizeof err),
			 SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "not a JSON array"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static json_object *doc_of(const char *json)
{
	json_object *o = NULL;
	char err[200];
	assert_int_equal(sbtc_json_parse(json, strlen(json), &o, err, sizeof err), 0);
	return o;
}

/* The JSON-RPC envelope under each status Bitcoin Core uses (src/httprpc.cpp). */
static void test_reply_parse(void **unused)
{
	(void)unused;
	static const struct {
		long status;
		const char *body;
		sbtc_fetch_status st;
		const char *msg; /* expected substring, or NULL */
	} cases[] = {
		{200, "{\"result\":{\"a\":1},\"error\":null,\"id\":\"sbtc\"}", SBTC_FETCH_OK, NULL},
		{200, "{\"result\":0,\"id\":\"sbtc\"}", SBTC_FETCH_OK, NULL},
		{500, "{\"result\":null,\"error\":{\"code\":-28,\"message\":\"Loading block index\u2026\"},\"id\":1}",
		 SBTC_FETCH_ERROR, "BC: getblockchaininfo failed: code -28: Loading block index"},
		{404, "{\"result\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}", SBTC_FETCH_ERROR,
		 "code -32601: Method not found"},
		{500, "{\"result\":null,\"error\":{\"code\":\"x\"}}", SBTC_FETCH_ERROR, "code 0: no message"},
		{200, "{\"error\":null,\"id\":1}", SBTC_FETCH_BAD_ANSWER, "has no result"},
		{200, "{\"result\":null,\"error\":null}", SBTC_FETCH_BAD_ANSWER, "has no result"},
		{200, "{\"result\":1,\"error\":[1]}", SBTC_FETCH_BAD_ANSWER, "unexpected answer to getblockchaininfo"},
		{502, "{\"result\":1}", SBTC_FETCH_ERROR, "answered HTTP 502 to getblockchaininfo without an error object"},
		{200, "[1,2]", SBTC_FETCH_BAD_ANSWER, "not a JSON-RPC object"},
		{500, "42", SBTC_FETCH_ERROR, "not a JSON-RPC object"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_object *doc = doc_of(cases[i].body), *res = NULL;
		char err[300] = "";
		sbtc_fetch_status st = sbtc_bitcoin_reply_parse("BC", "getblockchaininfo", cases[i].status, doc, &res, err,
								sizeof err);
		if (st != cases[i].st)
			fail_msg("case %zu: status %d, expected %d (%s)", i, st, cases[i].st, err);
		if (st == SBTC_FETCH_OK)
			assert_non_null(res);
		else
			assert_null(res);
		if (cases[i].msg != NULL && strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].msg);
		json_object_put(res);
		json_object_put(doc);
	}
}

#define CHAININFO_OK \
	"{\"chain\":\"main\",\"blocks\":880000,\"headers\":880001,\"bestblockhash\":\"00ab\",\"time\":1700000000," \
	"\"mediantime\":1699999000,\"verificationprogress\":0.9999,\"initialblockdownload\":false,\"pruned\":false,"

static void test_chaininfo_parse(void **unused)
{
	(void)unused;
	static const struct {
		const char *json;
		const char *msg; /* NULL: accepted */
	} cases[] = {
		{CHAININFO_OK "\"warnings\":\"\"}", NULL},
		{CHAININFO_OK "\"warnings\":[\"a\",\"b\"]}", NULL},
		/* before 24.0: no time */
		{"{\"chain\":\"test\",\"blocks\":1,\"headers\":1,\"bestblockhash\":\"00\",\"initialblockdownload\":true}", NULL},
		{"{\"chain\":\"main\",\"headers\":1,\"bestblockhash\":\"00\",\"initialblockdownload\":true}",
		 "field 'blocks' missing"},
		{"{\"chain\":\"main\",\"blocks\":-1,\"headers\":1,\"bestblockhash\":\"00\",\"initialblockdownload\":true}",
		 "negative height"},
		{"{\"chain\":\"main\",\"blocks\":1,\"headers\":1,\"bestblockhash\":\"00\",\"initialblockdownload\":true,"
		 "\"verificationprogress\":1.5}",
		 "not a fraction"},
		{CHAININFO_OK "\"warnings\":7}", "neither a string nor an array"},
		{"{\"chain\":5}", "chain"},
		{"[]", "expected an object"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_object *doc = doc_of(cases[i].json);
		sbtc_bitcoin_chaininfo ci;
		char err[300] = "";
		int r = sbtc_bitcoin_chaininfo_parse(doc, &ci, err, sizeof err);
		if (cases[i].msg == NULL) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, err);
			assert_non_null(ci.warnings);
		} else {
			assert_int_equal(r, -1);
			if (strstr(err, cases[i].msg) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].msg);
		}
		sbtc_bitcoin_chaininfo_free(&ci);
		json_object_put(doc);
	}
	json_object *doc = doc_of(CHAININFO_OK "\"warnings\":[\"a|b\",\"\",\"c\"]}");
	sbtc_bitcoin_chaininfo ci;
	char err[300];
	assert_int_equal(sbtc_bitcoin_chaininfo_parse(doc, &ci, err, sizeof err), 0);
	assert_string_equal(ci.chain, "main");
	assert_int_equal(ci.blocks, 880000);
	assert_int_equal(ci.headers, 880001);
	assert_int_equal(ci.time, 1700000000);
	assert_string_equal(ci.warnings, "a/b; c");
	sbtc_bitcoin_chaininfo_free(&ci);
	json_object_put(doc);
	doc = doc_of("{\"chain\":\"main\",\"blocks\":1,\"headers\":1,\"bestblockhash\":\"00\",\"initialblockdownload\":false}");
	assert_int_equal(sbtc_bitcoin_chaininfo_parse(doc, &ci, err, sizeof err), 0);
	assert_int_equal(ci.time, -1);
	assert_string_equal(ci.warnings, "");
	sbtc_bitcoin_chaininfo_free(&ci);
	json_object_put(doc);
}

static void test_netinfo_parse(void **unused)
{
	(void)unused;
	sbtc_bitcoin_netinfo ni;
	char err[300];
	json_object *doc = doc_of("{\"version\":280100,\"subversion\":\"/Satoshi:28.1.0/\\n|x\",\"connections\":10}");
	assert_int_equal(sbtc_bitcoin_netinfo_parse(doc, &ni, err, sizeof err), 0);
	assert_int_equal(ni.version, 280100);
	assert_string_equal(ni.subversion, "/Satoshi:28.1.0/ /x");
	assert_int_equal(ni.connections, 10);
	json_object_put(doc);
	doc = doc_of("{\"subversion\":\"/Satoshi:28.1.0/\"}");
	assert_int_equal(sbtc_bitcoin_netinfo_parse(doc, &ni, err, sizeof err), -1);
	assert_non_null(strstr(err, "field 'version' missing"));
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_parse),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_credential_errors),
		cmocka_unit_test(test_reply_parse),
		cmocka_unit_test(test_chaininfo_parse),
		cmocka_unit_test(test_netinfo_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
