/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A test driver for lib/signer_db.c and lib/signer_metrics.c on real services
 * (tests/integration/test_signer_db.py): runs sbtc_signer_db_start on a database, and
 * optionally scrapes an exporter and updates a state file, in one acquisition, and
 * prints every fact as "part.name value" lines. Not installed.
 *
 *   signer_db_probe CONNINFO PUBKEY_HEX [--deposit-age S] [--withdrawal-blocks N]
 *                   [--dkg-window N] [--peer-window S] [--timeout S]
 *                   [--metrics URL [--state-dir DIR]]
 * CONNINFO "-" asks no database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acquire.h"
#include "deadline.h"
#include "hex.h"
#include "signer_db.h"
#include "signer_metrics.h"
#include "statedir.h"

static void print_oc(const char *part, const sbtc_outcome *oc)
{
	static const char *const names[] = {"PENDING", "OK", "UNREACHABLE", "ERROR", "BAD_ANSWER", "TIMEOUT", "USAGE"};
	printf("%s.status %s\n%s.msg %s\n", part, names[oc->status], part, oc->msg);
}

static void print_facts(const sbtc_signer_db_facts *f)
{
	print_oc("alive", &f->alive_oc);
	printf("alive.sessions %zu\n", f->signer_sessions);
	print_oc("set", &f->set_oc);
	printf("set.found %d\nset.nset %zu\nset.threshold %lld\nset.member %d\n", f->set_found, f->nset,
	       (long long)f->threshold, f->member);
	for (size_t i = 0; i < f->nset; i++) {
		char hex[2 * SBTC_AGGREGATE_KEY_LEN + 1];
		printf("set.key %s\n", sbtc_hex_encode(f->set_keys[i], SBTC_AGGREGATE_KEY_LEN, hex));
	}
	print_oc("peers", &f->peers_oc);
	printf("peers.dialed %zu\n", f->peers_dialed);
	print_oc("dkg", &f->dkg_oc);
	printf("dkg.tip %lld\ndkg.failed %zu\ndkg.stuck %zu\ndkg.oldest %lld\n", (long long)f->bitcoin_tip,
	       f->failed_shares, f->stuck_unverified, (long long)f->oldest_unverified_blocks);
	print_oc("deposits", &f->deposits_oc);
	printf("deposits.stuck %zu\n", f->stuck_deposits);
	if (isnan(f->oldest_deposit_age))
		printf("deposits.oldest nan\n");
	else
		printf("deposits.oldest %.3f\n", f->oldest_deposit_age);
	for (size_t i = 0; i < f->ndeposit_names; i++)
		printf("deposits.name %s\n", f->deposit_names[i]);
	print_oc("withdrawals", &f->withdrawals_oc);
	printf("withdrawals.stuck %zu\nwithdrawals.oldest %lld\n", f->stuck_withdrawals,
	       (long long)f->oldest_withdrawal_blocks);
	for (size_t i = 0; i < f->nwithdrawal_names; i++)
		printf("withdrawals.name %s\n", f->withdrawal_names[i]);
}

static void print_rate(const char *name, const sbtc_signer_rate *r)
{
	printf("rate.%s %d %d %.17g %.17g %.17g %.17g\n", name, r->known, r->reset, r->total, r->failed, r->ratio,
	       r->window);
}

static void ended(sbtc_acq *a, void *ctx)
{
	(void)a;
	++*(int *)ctx;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s CONNINFO PUBKEY_HEX [options]\n", argv[0]);
		return 3;
	}
	sbtc_signer_db_query q = {.deposit_age = 6 * 3600, .withdrawal_blocks = 12, .dkg_window = 10,
				  .peer_window = 3600};
	const char *metrics = NULL, *state_dir = NULL;
	double timeout = 10;
	uint8_t *key = NULL;
	size_t klen = 0;
	char err[400];
	if (sbtc_hex_decode(argv[2], &key, &klen, err, sizeof err) != 0 || klen != SBTC_AGGREGATE_KEY_LEN) {
		fprintf(stderr, "bad key: %s\n", err);
		return 3;
	}
	memcpy(q.public_key, key, klen);
	free(key);
	for (int i = 3; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (strcmp(o, "--deposit-age") == 0)
			q.deposit_age = strtod(v, NULL);
		else if (strcmp(o, "--withdrawal-blocks") == 0)
			q.withdrawal_blocks = strtoll(v, NULL, 10);
		else if (strcmp(o, "--dkg-window") == 0)
			q.dkg_window = strtoll(v, NULL, 10);
		else if (strcmp(o, "--peer-window") == 0)
			q.peer_window = strtod(v, NULL);
		else if (strcmp(o, "--timeout") == 0)
			timeout = strtod(v, NULL);
		else if (strcmp(o, "--metrics") == 0)
			metrics = v;
		else if (strcmp(o, "--state-dir") == 0)
			state_dir = v;
		else {
			fprintf(stderr, "unknown option %s\n", o);
			return 3;
		}
	}
	sbtc_deadline_start(timeout, SBTC_UNKNOWN);
	sbtc_acq *a = sbtc_acq_new();
	sbtc_signer_db_facts facts;
	sbtc_outcome conn_oc, metrics_oc = {0};
	sbtc_signer_metrics m;
	sbtc_http_opts ho = {0};
	int ends = 0;
	bool db = strcmp(argv[1], "-") != 0;
	if (db) {
		sbtc_pg_session *s = sbtc_acq_pg_connect(a, argv[1], "signer_db_probe", &conn_oc, NULL, NULL);
		sbtc_signer_db_start(s, &q, &facts, ended, &ends);
	}
	if (metrics != NULL)
		sbtc_signer_metrics_start(a, metrics, &ho, &m, &metrics_oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	if (db) {
		printf("db.ends %d\n", ends);
		print_facts(&facts);
		sbtc_signer_db_facts_free(&facts);
	}
	if (metrics != NULL) {
		print_oc("metrics", &metrics_oc);
		if (metrics_oc.status == SBTC_FETCH_OK) {
			printf("metrics.peers %.17g\n", m.peers_connected);
			printf("metrics.sign_requests %d %.17g %.17g\n", m.sign_requests.found, m.sign_requests.total,
			       m.sign_requests.failed);
			printf("metrics.signing_rounds %d %.17g %.17g\n", m.signing_rounds.found, m.signing_rounds.total,
			       m.signing_rounds.failed);
			printf("metrics.transactions %d %.17g %.17g\n", m.transactions.found, m.transactions.total,
			       m.transactions.failed);
		}
		if (state_dir != NULL) {
			int fd = sbtc_statedir_open(state_dir, "state directory", err, sizeof err);
			if (fd < 0) {
				printf("state.error %s\n", err);
			} else {
				sbtc_signer_rates r;
				long long prev;
				sbtc_signer_state_now now = {
					.metrics = metrics_oc.status == SBTC_FETCH_OK ? &m : NULL,
					.failed_shares = db && facts.dkg_oc.status == SBTC_FETCH_OK
								 ? (long long)facts.failed_shares
								 : -1};
				struct timespec ts;
				if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
					return 3;
				double t = (double)ts.tv_sec + ts.tv_nsec / 1e9;
				if (sbtc_signer_state_update(fd, "signer-state", &now, t, &r, &prev,
							     err, sizeof err) != 0)
					printf("state.error %s\n", err);
				printf("state.prev_failed_shares %lld\n", prev);
				print_rate("sign_requests", &r.sign_requests);
				print_rate("signing_rounds", &r.signing_rounds);
				print_rate("transactions", &r.transactions);
				close(fd);
			}
		}
	}
	return 0;
}
