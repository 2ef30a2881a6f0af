/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the URL functions of lib/http.c: masking credentials, origins, joining
 * paths and checking what an option accepts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct pair {
	const char *in;
	const char *out;
};

static void test_mask(void **unused)
{
	static const struct pair cases[] = {
		{"http://127.0.0.1:20443", "http://127.0.0.1:20443"},
		{"http://127.0.0.1:20443/v2/info", "http://127.0.0.1:20443/v2/info"},
		{"", ""},
		/* user:password masked, user alone kept */
		{"http://user:pass@host:1/p", "http://user:***@host:1/p"},
		{"https://user:pass@host", "https://user:***@host"},
		{"http://user@host/p", "http://***@host/p"}, /* a lone user is often a token */
		{"http://:pass@host", "http://:***@host"},
		{"http://user:@host", "http://user:***@host"},
		{"http://u:p:q@host", "http://u:***@host"},
		/* the last '@' of the authority ends the user info */
		{"http://u:p@ss@host/", "http://u:***@host/"},
		{"http://u@x:p@host/", "http://u@x:***@host/"},
		/* '@' after the authority is no credential */
		{"http://host/path@x", "http://host/path@x"},
		{"http://host/a:b@c", "http://host/a:b@c"},
		{"http://host?u=a:b@c", "http://host?u=a:b@c"},
		{"http://host#a:b@c", "http://host#a:b@c"},
		/* but a URL inside a parameter is masked as well */
		{"http://host/p?next=http://u:pw@other/", "http://host/p?next=http://u:***@other/"},
		{"http://host/p?a=1&next=https://u@other/x#f", "http://host/p?a=1&next=https://***@other/x#f"},
		/* without a scheme the authority starts at the beginning */
		{"user:pass@host:5432", "user:***@host:5432"},
		{"host/p?next=http://u:pw@other/", "host/p?next=http://u:***@other/"},
		/* secrets in the query */
		{"https://host/api?token=abc&x=1", "https://host/api?token=***&x=1"},
		{"https://host/api?x=1&access_token=abc", "https://host/api?x=1&access_token=***"},
		{"https://host/api?ACCESS_TOKEN=abc", "https://host/api?ACCESS_TOKEN=***"},
		{"https://host/api?api_key=a&apikey=b&key=c&password=d", "https://host/api?api_key=***&apikey=***&key=***&password=***"},
		{"https://host/api?client_secret=s;refresh_token=t", "https://host/api?client_secret=***;refresh_token=***"},
		{"https://host/api?token=", "https://host/api?token=***"},
		{"https://host/api?token", "https://host/api?token"},
		{"https://host/api?tokens=1&page=2", "https://host/api?tokens=1&page=2"},
		{"https://host/api?&&token=a&&", "https://host/api?&&token=***&&"},
		{"https://host/api?q=token=x", "https://host/api?q=token=x"},
		/* fragments: kept, and masked the same way (OAuth puts tokens there) */
		{"https://host/p?a=1#top", "https://host/p?a=1#top"},
		{"https://host/p?token=x#top", "https://host/p?token=***#top"},
		{"https://host/p?a=1#token=x", "https://host/p?a=1#token=***"},
		{"https://host/cb#access_token=x&state=y", "https://host/cb#access_token=***&state=y"},
		{"https://host/p#frag?token=x", "https://host/p#frag?token=***"},
		/* both */
		{"https://u:p@host:8443/x?token=t#f", "https://u:***@host:8443/x?token=***#f"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *got = sbtc_url_mask(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("mask(\"%s\") = \"%s\", expected \"%s\"", cases[i].in, got, cases[i].out);
		free(got);
	}
}

static void test_origin(void **unused)
{
	static const struct pair cases[] = {
		{"http://127.0.0.1:20443", "http://127.0.0.1:20443"},
		{"http://127.0.0.1:20443/v2/info?x=1", "http://127.0.0.1:20443"},
		{"https://api.hiro.so/", "https://api.hiro.so"},
		{"https://api.hiro.so?x", "https://api.hiro.so"},
		{"https://api.hiro.so#f", "https://api.hiro.so"},
		{"https://u:p@host:8443/x?token=t", "https://u:***@host:8443"},
		{"http://u@host/x", "http://***@host"},
		{"http://[::1]:20443/v2", "http://[::1]:20443"},
		{"host:1234/path", "host:1234"},
		{"", ""},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *got = sbtc_url_origin(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("origin(\"%s\") = \"%s\", expected \"%s\"", cases[i].in, got, cases[i].out);
		free(got);
	}
}

static void test_join(void **unused)
{
	static const struct {
		const char *base, *path, *out;
	} cases[] = {
		{"http://h", "/v2/info", "http://h/v2/info"},
		{"http://h/", "v2/info", "http://h/v2/info"},
		{"http://h/", "/v2/info", "http://h/v2/info"},
		{"http://h", "v2/info", "http://h/v2/info"},
		{"http://h//", "//v2", "http://h/v2"},
		{"http://h/api", "v2", "http://h/api/v2"},
		{"http://h/api/", "/v2/", "http://h/api/v2/"},
		{"http://h", "", "http://h/"},
		{"http://h/", "/", "http://h/"},
		{"", "x", "/x"},
		{"http://h:20443", "/v2/contracts/call-read/SP000.sbtc-registry/get-current-aggregate-pubkey",
		 "http://h:20443/v2/contracts/call-read/SP000.sbtc-registry/get-current-aggregate-pubkey"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *got = sbtc_url_join(cases[i].base, cases[i].path);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("join(\"%s\", \"%s\") = \"%s\", expected \"%s\"", cases[i].base, cases[i].path, got,
				 cases[i].out);
		free(got);
	}
}

#define EXPECTED " expected http://HOST[:PORT][/PATH] or https://..."
#define BLANK "invalid --url: it contains a blank or control character"

static void test_check(void **unused)
{
	static const char *const good[] = {
		"http://h",
		"https://h:1/p",
		"HTTP://H",
		"Https://api.hiro.so/",
		"http://127.0.0.1:20443",
		"http://[::1]:20443/",
		"http://u:p@h/",
		"http://@h",
		"http://h?x=1",
		"http://h#f",
		"https://h/p%20q",
	};
	static const struct pair bad[] = {
		{"ftp://h", "invalid --url 'ftp://h':" EXPECTED},
		{"ftp://u:secret@h/", "invalid --url 'ftp://u:***@h/':" EXPECTED},
		{"http://", "invalid --url 'http://':" EXPECTED},
		{"https://", "invalid --url 'https://':" EXPECTED},
		{"http:///path", "invalid --url 'http:///path':" EXPECTED},
		{"http://:80", "invalid --url 'http://:80':" EXPECTED},
		{"http://?x", "invalid --url 'http://?x':" EXPECTED},
		{"http://#f", "invalid --url 'http://#f':" EXPECTED},
		{"http://user@", "invalid --url 'http://***@':" EXPECTED},
		{"http://u:secret@/x", "invalid --url 'http://u:***@/x':" EXPECTED},
		{"http://u:secret@:80", "invalid --url 'http://u:***@:80':" EXPECTED},
		{"127.0.0.1:20443", "invalid --url '127.0.0.1:20443':" EXPECTED},
		{"http:/h", "invalid --url 'http:/h':" EXPECTED},
		{"", "invalid --url '':" EXPECTED},
		/* blanks and controls, wherever they are */
		{" http://h", BLANK},
		{"http://h ", BLANK},
		{"http://h p", BLANK},
		{"http://h\n", BLANK},
		{"http://h/\tx", BLANK},
		{"http://h/\x7f", BLANK},
		{"http://h/\x1b[0m", BLANK},
		{"ftp://h x", BLANK},
		{"http://b\xc3\xbc" "cher.de",
		 "invalid --url: it contains a byte that is not ASCII (write the host in punycode and escape the "
		 "path with %XX)"},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(good); i++) {
		char err[256] = "";
		if (sbtc_url_check(good[i], "--url", err, sizeof err) != 0)
			fail_msg("url_check(\"%s\") refused: %s", good[i], err);
	}
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		char err[256] = "";
		int rc = sbtc_url_check(bad[i].in, "--url", err, sizeof err);
		if (rc != -1 || strcmp(err, bad[i].out) != 0)
			fail_msg("url_check(\"%s\") = %d \"%s\", expected -1 \"%s\"", bad[i].in, rc, err, bad[i].out);
	}
	/* A long URL is cut in the message. */
	char longurl[600] = "ftp://";
	memset(longurl + 6, 'a', sizeof longurl - 7);
	longurl[sizeof longurl - 1] = '\0';
	char err[512];
	assert_int_equal(sbtc_url_check(longurl, "--url", err, sizeof err), -1);
	assert_true(strlen(err) < 200);
	assert_non_null(strstr(err, "...':"));
}

/* ---- credentials reflected by a peer -------------------------------------------------- */

static void expect_redact(const char *text, const char *url, const sbtc_http_opts *o, const char *want)
{
	size_t len = 0;
	char *got = sbtc_http_redact(text, strlen(text), url, o, &len);
	if (strcmp(got, want) != 0 || len != strlen(want))
		fail_msg("\"%s\"\nexpected \"%s\"", got, want);
	free(got);
}

static void test_redact(void **unused)
{
	(void)unused;
	sbtc_http_opts basic = {.userpwd = "monitor:s3cret-pw"};
	/* base64("monitor:s3cret-pw") = bW9uaXRvcjpzM2NyZXQtcHc= */
	expect_redact("Authorization: Basic bW9uaXRvcjpzM2NyZXQtcHc=\r\nHost: x", "http://h/", &basic,
		      "Authorization: ***\r\nHost: x");
	/* reflected in JSON, in any case: the document stays JSON */
	expect_redact("{\"headers\":{\"authorization\":\"Basic bW9uaXRvcjpzM2NyZXQtcHc=\",\"a\":1}}",
		      "http://h/", &basic, "{\"headers\":{\"authorization\":\"***\",\"a\":1}}");
	/* the Base64 alone, without its padding, the password and user:password */
	expect_redact("echo bW9uaXRvcjpzM2NyZXQtcHc end", "http://h/", &basic, "echo *** end");
	expect_redact("user monitor:s3cret-pw, pw s3cret-pw", "http://h/", &basic, "user ***, pw ***");
	/* Proxy-Authorization and Cookie */
	expect_redact("Proxy-Authorization: Basic Zm9v\nCookie: a=b; c=d\nok", "http://h/", &basic,
		      "Proxy-Authorization: ***\nCookie: ***\nok");
	/* the token of a bearer, and of an extra header */
	sbtc_http_opts bearer = {.bearer = "ghp_0123456789abcdef"};
	expect_redact("bad token ghp_0123456789abcdef", "https://api/", &bearer, "bad token ***");
	static const char *const hdrs[] = {"Authorization: token tok-98765", NULL};
	sbtc_http_opts header = {.headers = hdrs};
	expect_redact("got tok-98765", "https://api/", &header, "got ***");
	/* credentials in the URL, percent-encoded or not */
	sbtc_http_opts none = {0};
	expect_redact("pw p@ss/w and dXNlcjpwQHNzL3c=", "http://user:p%40ss%2Fw@h/", &none, "pw *** and ***");
	/* a request without credentials: the answer as it came */
	expect_redact("Authorization: Basic abc", "http://h/", &none, "Authorization: Basic abc");
	/* bytes after a NUL are kept */
	size_t len = 0;
	char *got = sbtc_http_redact("a\0s3cret-pw", 11, "http://h/", &basic, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "a\0***", 5);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
