/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/pg.c: no password of a conninfo reaches a message, whatever libpq
 * quotes of it. Needs no server: parse failures and bad ports fail before connecting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_mask_table(void **unused)
{
	static const struct {
		const char *msg, *conninfo, *password, *want;
	} cases[] = {
		/* URI user info, as libpq echoes a URI it cannot parse */
		{"invalid URI: \"postgresql://mon:S3cret@[::1\"", "postgresql://mon:S3cret@[::1", NULL,
		 "invalid URI: \"postgresql://mon:***@[::1\""},
		/* an invalid %-escape in the password: libpq quotes the raw token */
		{"invalid percent-encoded token: \"S3c%zzret\"", "postgresql://mon:S3c%zzret@db/x", NULL,
		 "invalid percent-encoded token: \"***\""},
		/* a raw '/' in the password: libpq reads "S3c" as the port */
		{"invalid port number: \"S3c\"", "postgresql://mon:S3c/ret@db/x", NULL,
		 "invalid port number: \"***\""},
		/* decoded copies too */
		{"password authentication failed (pw S3c ret)", "postgresql://mon:S3c%20ret@db/x", NULL,
		 "password authentication failed (pw ***)"},
		/* keyword/value: quoted with escapes, unquoted, blanks around '=' */
		{"x 'a b\\'c' y", "host=db password = 'a b\\'c'", NULL, "x *** y"},
		{"got a b'c here", "host=db password = 'a b\\'c'", NULL, "got *** here"},
		{"conninfo \"host=db password=S3cret\"", "host=db password=S3cret", NULL,
		 "conninfo \"host=db password=***\""},
		{"PASSWORD = 'x y' end", NULL, NULL, "PASSWORD = *** end"},
		/* the URI's query parameter */
		{"bad \"S3cret\"", "postgresql://db/x?password=S3cret&sslmode=disable", NULL, "bad \"***\""},
		/* the connection's password (from .pgpass or PGPASSWORD) */
		{"echo hunter2", NULL, "hunter2", "echo ***"},
		/* nothing to mask */
		{"invalid connection option \"hots\"", "host=x password=S3cret hots=y", NULL,
		 "invalid connection option \"hots\""},
		{"could not connect to \"db\"", "host=db", NULL, "could not connect to \"db\""},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *got = sbtc_pg_mask(cases[i].msg, cases[i].conninfo, cases[i].password);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\"\nexpected \"%s\"", i, got, cases[i].want);
		free(got);
	}
}

/* sbtc_pg_connect on a conninfo that fails before any connection. */
static void expect_connect_error(const char *conninfo, const char *want, const char *secret)
{
	char err[512] = "";
	sbtc_fetch_status st = SBTC_FETCH_OK;
	PGconn *c = sbtc_pg_connect(conninfo, "test_pg", &st, err, sizeof err);
	assert_null(c);
	if (strstr(err, secret) != NULL || strstr(err, want) == NULL)
		fail_msg("%s: \"%s\", expected \"%s\" and no \"%s\"", conninfo, err, want, secret);
}

static void test_connect_messages(void **unused)
{
	(void)unused;
	expect_connect_error("postgresql://mon:S3cret@[::1",
			     "invalid --dbconn: end of string reached when looking for matching \"]\"", "S3cret");
	expect_connect_error("postgresql://mon:S3c%zzret@127.0.0.1/db",
			     "invalid --dbconn: invalid percent-encoded token", "zz");
	expect_connect_error("postgresql://mon:S3c/ret@127.0.0.1/db", "cannot connect to the database", "S3c");
	/* A password without its keyword: libpq's quote of it is not shown. */
	expect_connect_error("host=127.0.0.1 hunter2", "invalid --dbconn: missing \"=\" after (not shown)",
			     "hunter2");
	/* A key as written is shown. */
	expect_connect_error("host=127.0.0.1 password=hunter2 hots=x",
			     "invalid --dbconn: invalid connection option \"hots\"", "hunter2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_table),
		cmocka_unit_test(test_connect_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
