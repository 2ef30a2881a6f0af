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
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_URL, "http://127.0.0.1:8332", err, sizeof err), 0);
	assert_string_equal(c.url, "http://127.0.0.1:8332");
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_URL, "127.0.0.1:8332", err, sizeof err), -1);
	assert_non_null(strstr(err, "--bitcoin-url"));
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_COOKIE, "/c", err, sizeof err), 0);
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_USER, "u", err, sizeof err), 0);
	assert_int_equal(sbtc_bitcoin_option(&c, SBTC_OPT_BITCOIN_PASSWORD_FILE, "/p", err, sizeof err), 0);
	assert_string_equal(c.cookie_file, "/c");
	assert_string_equal(c.user, "u");
	assert_string_equal(c.password_file, "/p");
	assert_int_equal(sbtc_bitcoin_option(&c, 'w', "1", err, sizeof err), -1);
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
	char err[600];

	c.cookie_file = path; /* missing */
	assert_int_equal(sbtc_bitcoin_call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "cannot read the cookie file"));
	assert_null(res);

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("secretwithoutcolon\n", f);
	fclose(f);
	assert_int_equal(sbtc_bitcoin_call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "not a Bitcoin Core cookie"));
	assert_null(strstr(err, "secretwithoutcolon"));

	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(sbtc_bitcoin_call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "is empty"));

	c.cookie_file = NULL;
	c.user = "monitor";
	assert_int_equal(sbtc_bitcoin_call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "--bitcoin-user needs --bitcoin-password-file"));
	c.user = NULL;
	c.password_file = path;
	assert_int_equal(sbtc_bitcoin_call(&c, "getblockchaininfo", NULL, &res, err, sizeof err), SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "needs --bitcoin-user"));

	c.password_file = NULL;
	assert_int_equal(sbtc_bitcoin_call(&c, "getblockchaininfo", "{\"not\":\"an array\"}", &res, err, sizeof err),
			 SBTC_FETCH_USAGE);
	assert_non_null(strstr(err, "not a JSON array"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_parse),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_credential_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
