/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the signer's own database says about the signer at work (check_sbtc_signer):
 * whether the signer holds a session, the signer set and threshold of the newest verified
 * DKG share, the peers it dialed, DKG shares stuck unverified, deposits and withdrawals
 * nothing has decided. Each part is its own statement with its own outcome, so that one
 * that fails (a table an older release lacks, a column the monitoring role may not read)
 * leaves the others judged. Tables and columns: stacks-sbtc/sbtc signer/migrations/. */
#ifndef SBTC_SIGNER_DB_H
#define SBTC_SIGNER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acquire.h"
#include "fetch.h"
#include "registry.h"

/* How many stuck items are named in the output (the counts cover all). */
#define SBTC_SIGNER_DB_NAMED 5

/* What to look for. */
typedef struct {
	/* This signer's public key (33 bytes, compressed): deposits are counted where this
	 * signer voted can_accept and can_sign. */
	uint8_t public_key[SBTC_AGGREGATE_KEY_LEN];
	double deposit_age;          /* seconds: a deposit older than this without a sweep is stuck */
	int64_t withdrawal_blocks;   /* Bitcoin blocks: a request older than this, undecided, is stuck */
	int64_t dkg_window;          /* dkg_verification_window, Bitcoin blocks */
	double peer_window;          /* seconds: p2p_peers dialed within this count as peers (3600) */
} sbtc_signer_db_query;

/* Every part: done/status/msg in its outcome (PENDING when never asked: UNKNOWN). */
typedef struct {
	/* pg_stat_activity rows with application_name 'sbtc-signer'. */
	sbtc_outcome alive_oc;
	size_t signer_sessions;

	/* The newest verified dkg_shares row: its signer_set_public_keys and
	 * signature_share_threshold. found false: no verified share. */
	sbtc_outcome set_oc;
	bool set_found;
	uint8_t (*set_keys)[SBTC_AGGREGATE_KEY_LEN]; /* malloc'd, nset of them */
	size_t nset;
	int64_t threshold;
	bool member; /* public_key is in the set */

	/* sbtc_signer.p2p_peers (migration 0019): distinct peers dialed within peer_window.
	 * A database without the table: status ERROR with a message that says so. */
	sbtc_outcome peers_oc;
	size_t peers_dialed;

	/* The signer's Bitcoin tip (the highest block it stored) and DKG hygiene. */
	sbtc_outcome dkg_oc;
	int64_t bitcoin_tip;          /* -1 when the signer stored no block */
	size_t failed_shares;         /* dkg_shares_status 'failed' */
	size_t stuck_unverified;      /* unverified with started_at_bitcoin_block_height + window < tip */
	int64_t oldest_unverified_blocks; /* blocks since the oldest unverified share started; -1 none */

	/* Deposits this signer can sign, older than deposit_age, with no sweep input. */
	sbtc_outcome deposits_oc;
	size_t stuck_deposits;
	double oldest_deposit_age;    /* seconds; NaN when none */
	char deposit_names[SBTC_SIGNER_DB_NAMED][80]; /* "txid:vout", oldest first */
	size_t ndeposit_names;

	/* Withdrawal requests older than withdrawal_blocks with no accept or reject event. */
	sbtc_outcome withdrawals_oc;
	size_t stuck_withdrawals;
	int64_t oldest_withdrawal_blocks; /* -1 when none */
	char withdrawal_names[SBTC_SIGNER_DB_NAMED][32]; /* request ids, oldest first */
	size_t nwithdrawal_names;
} sbtc_signer_db_facts;

/* Queues every statement on a session of an acquisition (they wait until it is
 * connected; a failed connect fails each part with its outcome). then is called once,
 * when every part ended. q is copied. */
void sbtc_signer_db_start(sbtc_pg_session *s, const sbtc_signer_db_query *q, sbtc_signer_db_facts *out,
			  sbtc_then then, void *ctx);

void sbtc_signer_db_facts_free(sbtc_signer_db_facts *f);

#endif
