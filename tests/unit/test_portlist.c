/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/portlist.c: port lists and ranges, and the service names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "portlist.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct list_case {
	const char *text;
	size_t count;
	const char *formatted; /* NULL: the parse must fail */
};

static void test_parse_and_format(void **unused)
{
	static const struct list_case cases[] = {
		{"22,4122", 2, "22,4122"},
		{" 22 , 4122 ", 2, "22,4122"},
		{"4122,22,22", 2, "22,4122"},
		{"1-65535", 65535, "1-65535"},
		{"all", 65535, "1-65535"},
		{"1-1024,8000-8100", 1024 + 101, "1-1024,8000-8100"},
		{"5-7,6-9", 5, "5-9"},
		{"10,11,12,20", 4, "10-12,20"},
		{"65535", 1, "65535"},
		{"1", 1, "1"},
		{"100-100", 1, "100"},
		{" 8000 - 8002 ", 3, "8000-8002"},
		{"none", 0, "none"},
		{" none ", 0, "none"},
		/* refused: empty is not "none" (an empty --require would drop the P2P port) */
		{"", 0, NULL},
		{"   ", 0, NULL},
		{"0", 0, NULL},
		{"65536", 0, NULL},
		{"123456", 0, NULL},
		{"22,", 0, NULL},
		{",22", 0, NULL},
		{"22,,4122", 0, NULL},
		{"x", 0, NULL},
		{"22x", 0, NULL},
		{"-5", 0, NULL},
		{"5-", 0, NULL},
		{"10-5", 0, NULL},
		{"1-2-3", 0, NULL},
		{"+22", 0, NULL},
		{"0x16", 0, NULL},
		{"22.0", 0, NULL},
		{"none,22", 0, NULL},
	};
	(void)unused;
	sbtc_portset *s = malloc(sizeof *s);
	assert_non_null(s);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char err[300] = "";
		int rc = sbtc_portset_parse(s, cases[i].text, "--ports", err, sizeof err);
		if (cases[i].formatted == NULL) {
			if (rc != -1)
				fail_msg("'%s' was accepted", cases[i].text);
			if (strstr(err, "invalid --ports '") == NULL)
				fail_msg("'%s': message '%s' does not name the option", cases[i].text, err);
			assert_int_equal(s->count, 0);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", cases[i].text, err);
		if (s->count != cases[i].count)
			fail_msg("'%s': %zu ports, expected %zu", cases[i].text, s->count, cases[i].count);
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_portset_format(s, &b);
		if (strcmp(sbtc_strbuf_str(&b), cases[i].formatted) != 0)
			fail_msg("'%s' formats as '%s', expected '%s'", cases[i].text, sbtc_strbuf_str(&b),
				 cases[i].formatted);
		sbtc_strbuf_free(&b);
	}
	free(s);
}

static void test_messages(void **unused)
{
	(void)unused;
	sbtc_portset *s = malloc(sizeof *s);
	assert_non_null(s);
	char err[300];
	assert_int_equal(sbtc_portset_parse(s, "22,x", "--allow", err, sizeof err), -1);
	assert_string_equal(err, "invalid --allow '22,x': 'x' is not a port (1-65535)");
	assert_int_equal(sbtc_portset_parse(s, "100-10", "--ports", err, sizeof err), -1);
	assert_string_equal(err, "invalid --ports '100-10': range '100-10' ends before it starts");
	assert_int_equal(sbtc_portset_parse(s, "1-70000", "--ports", err, sizeof err), -1);
	assert_string_equal(err, "invalid --ports '1-70000': '1-70000' is not a port range (N-M, ports 1-65535)");
	/* a failed parse leaves an empty set, not half of the list */
	assert_int_equal(sbtc_portset_parse(s, "22,4122,bad", "--ports", err, sizeof err), -1);
	assert_int_equal(s->count, 0);
	assert_false(sbtc_portset_has(s, 22));
	free(s);
}

static void test_membership_and_next(void **unused)
{
	(void)unused;
	sbtc_portset *s = malloc(sizeof *s);
	assert_non_null(s);
	char err[300];
	assert_int_equal(sbtc_portset_parse(s, "1,7,8,4122,65535", "--ports", err, sizeof err), 0);
	assert_true(sbtc_portset_has(s, 1));
	assert_true(sbtc_portset_has(s, 65535));
	assert_false(sbtc_portset_has(s, 0));
	assert_false(sbtc_portset_has(s, 65536));
	assert_false(sbtc_portset_has(s, 2));
	unsigned seen[8], n = 0;
	for (unsigned p = sbtc_portset_next(s, 1); p != 0 && n < 8; p = p < 65535 ? sbtc_portset_next(s, p + 1) : 0)
		seen[n++] = p;
	assert_int_equal(n, 5);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 7);
	assert_int_equal(seen[2], 8);
	assert_int_equal(seen[3], 4122);
	assert_int_equal(seen[4], 65535);
	assert_int_equal(sbtc_portset_next(s, 0), 1);
	assert_int_equal(sbtc_portset_next(s, 4123), 65535);
	/* adding twice or out of range changes nothing */
	sbtc_portset_add(s, 7);
	sbtc_portset_add(s, 0);
	sbtc_portset_add(s, 70000);
	assert_int_equal(s->count, 5);
	sbtc_portset_clear(s);
	assert_int_equal(s->count, 0);
	assert_int_equal(sbtc_portset_next(s, 1), 0);
	free(s);
}

/* SBTC_PORTSET_FOREACH visits every member once, in order, up to 65535. */
static void test_foreach(void **unused)
{
	(void)unused;
	static sbtc_portset s;
	char err[200];
	unsigned seen[8], n = 0;
	assert_int_equal(sbtc_portset_parse(&s, "1,22,8000-8002,65534-65535", "--ports", err, sizeof err), 0);
	SBTC_PORTSET_FOREACH(p, &s) {
		assert_true(n < 8);
		seen[n++] = p;
	}
	static const unsigned want[] = {1, 22, 8000, 8001, 8002, 65534, 65535};
	assert_int_equal(n, sizeof want / sizeof want[0]);
	assert_memory_equal(seen, want, sizeof want);
	assert_int_equal(sbtc_portset_next(&s, 65536), 0);
	sbtc_portset_clear(&s);
	SBTC_PORTSET_FOREACH(p, &s)
		fail_msg("the empty set has member %u", p);

	/* Ranges built by code: ports outside 1-65535 are left out, as parse leaves them. */
	sbtc_portset_add_range(&s, 0, 3);
	sbtc_portset_add_range(&s, 65534, 70000);
	sbtc_portset_add_range(&s, 9, 8);
	assert_int_equal(s.count, 5);
	assert_true(sbtc_portset_has(&s, 1) && sbtc_portset_has(&s, 3) && sbtc_portset_has(&s, 65535));
	assert_false(sbtc_portset_has(&s, 0) || sbtc_portset_has(&s, 8) || sbtc_portset_has(&s, 9));
}

static void test_services(void **unused)
{
	(void)unused;
	/* REFERENCE.md section 2 */
	assert_string_equal(sbtc_port_service(4122, true), "signer P2P");
	assert_string_equal(sbtc_port_service(4122, false), "signer P2P (QUIC)");
	assert_string_equal(sbtc_port_service(22, true), "SSH");
	assert_string_equal(sbtc_port_service(8801, true), "signer API");
	assert_string_equal(sbtc_port_service(9184, true), "signer metrics");
	assert_string_equal(sbtc_port_service(5432, true), "PostgreSQL");
	assert_string_equal(sbtc_port_service(8332, true), "Bitcoin RPC");
	assert_string_equal(sbtc_port_service(8333, true), "Bitcoin P2P");
	/* published by sbtc's docker/mainnet compose file for Bitcoin Core's onion service */
	assert_string_equal(sbtc_port_service(8334, true), "Bitcoin onion bind");
	assert_null(sbtc_port_service(8334, false));
	assert_string_equal(sbtc_port_service(28332, true), "Bitcoin ZMQ");
	assert_string_equal(sbtc_port_service(20443, true), "Stacks RPC");
	assert_string_equal(sbtc_port_service(20444, true), "Stacks P2P");
	assert_string_equal(sbtc_port_service(9153, true), "Stacks metrics");
	assert_string_equal(sbtc_port_service(3032, true), "blocklist client");
	assert_null(sbtc_port_service(5432, false));
	assert_null(sbtc_port_service(40000, true));
	assert_null(sbtc_port_service(0, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_membership_and_next),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_services),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
