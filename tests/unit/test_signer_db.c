/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/signer_db.c without a server: a session that cannot connect ends
 * every part with the connect's outcome, calls then once, and leaves the facts at their
 * "nothing known" values. The queries themselves run on a real PostgreSQL in
 * tests/integration/test_signer_db.py and test_monitoring_role.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "acquire.h"
#include "deadline.h"
#include "signer_db.h"

static void ended(sbtc_acq *a, void *ctx)
{
	(void)a;
	++*(int *)ctx;
}

static void run_against(const char *conninfo, sbtc_fetch_status want, const char *msg)
{
	sbtc_deadline_start(20, SBTC_UNKNOWN);
	sbtc_acq *a = sbtc_acq_new();
	sbtc_outcome coc;
	sbtc_signer_db_query q = {.deposit_age = 21600, .withdrawal_blocks = 12, .dkg_window = 10, .peer_window = 3600};
	q.public_key[0] = 0x02;
	sbtc_signer_db_facts f;
	memset(&f, 0x5a, sizeof f); /* whatever was there before */
	int ends = 0;
	sbtc_pg_session *s = sbtc_acq_pg_connect(a, conninfo, "test_signer_db", &coc, NULL, NULL);
	sbtc_signer_db_start(s, &q, &f, ended, &ends);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	assert_int_equal(ends, 1);
	const sbtc_outcome *parts[] = {&f.alive_oc, &f.set_oc, &f.peers_oc, &f.dkg_oc, &f.deposits_oc, &f.withdrawals_oc};
	static const char *const names[] = {"the signer's sessions: ", "the signer set: ", "the dialed peers: ",
					    "the DKG shares: ", "the deposits: ", "the withdrawals: "};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		assert_true(parts[i]->done);
		assert_memory_equal(parts[i]->msg, names[i], strlen(names[i]));
		assert_int_equal(parts[i]->status, want);
		if (strstr(parts[i]->msg, msg) == NULL)
			fail_msg("part %zu: \"%s\" lacks \"%s\"", i, parts[i]->msg, msg);
	}
	assert_false(f.set_found);
	assert_null(f.set_keys);
	assert_int_equal(f.nset, 0);
	assert_int_equal(f.threshold, -1);
	assert_int_equal(f.bitcoin_tip, -1);
	assert_int_equal(f.oldest_unverified_blocks, -1);
	assert_int_equal(f.oldest_withdrawal_blocks, -1);
	assert_true(isnan(f.oldest_deposit_age));
	assert_int_equal(f.signer_sessions + f.peers_dialed + f.stuck_deposits + f.stuck_withdrawals, 0);
	assert_int_equal(f.ndeposit_names + f.nwithdrawal_names, 0);
	sbtc_signer_db_facts_free(&f);
	sbtc_signer_db_facts_free(&f); /* twice is harmless */
}

static void test_refused(void **unused)
{
	(void)unused;
	/* port 1 on loopback: nothing listens there */
	run_against("host=127.0.0.1 port=1 dbname=signer connect_timeout=5", SBTC_FETCH_UNREACHABLE, "127.0.0.1");
}

static void test_unusable_conninfo(void **unused)
{
	(void)unused;
	run_against("host=127.0.0.1 port=1 no_such_option=1", SBTC_FETCH_USAGE, "no_such_option");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_unusable_conninfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
