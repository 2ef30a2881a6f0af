/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "signer_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "strbuf.h"

/* Every statement runs in the session's one read-only transaction, where a failed
 * statement would fail every later one. So the catalog is asked first (it needs no
 * privilege on the signer's tables and cannot fail on an old schema), and a part whose
 * table or column is missing, or may not be read, ends with its own message without
 * sending its statement. Column lists follow stacks-sbtc/sbtc signer/migrations/ (the
 * same files in every release from v1.0.0 to v1.3.3; a release applies those of its
 * own and the earlier ones at start with --migrate-db). */

enum { PART_ALIVE, PART_SET, PART_PEERS, PART_DKG, PART_DEPOSITS, PART_WITHDRAWALS, PART_N };

/* A column a part reads, and the migration (and the first release shipping it) that
 * brought it. */
typedef struct {
	int part;
	const char *table;
	const char *column;
	const char *migration;
	const char *release;
} column_need;

static const column_need needs[] = {
	/* 0003__create_tables.sql; 0012__dkg_verification_extensions.sql */
	{PART_SET, "dkg_shares", "aggregate_key", "0003__create_tables", "v1.0.0"},
	{PART_SET, "dkg_shares", "created_at", "0003__create_tables", "v1.0.0"},
	{PART_SET, "dkg_shares", "signer_set_public_keys", "0003__create_tables", "v1.0.0"},
	{PART_SET, "dkg_shares", "signature_share_threshold", "0003__create_tables", "v1.0.0"},
	{PART_SET, "dkg_shares", "dkg_shares_status", "0012__dkg_verification_extensions", "v1.0.0"},
	/* 0019__p2p_peers.sql (created through the signer's search_path: sbtc_signer) */
	{PART_PEERS, "p2p_peers", "public_key", "0019__p2p_peers", "v1.1.0"},
	{PART_PEERS, "p2p_peers", "last_dialed_at", "0019__p2p_peers", "v1.1.0"},
	/* 0003__create_tables.sql; 0012__dkg_verification_extensions.sql */
	{PART_DKG, "bitcoin_blocks", "block_height", "0003__create_tables", "v1.0.0"},
	{PART_DKG, "dkg_shares", "dkg_shares_status", "0012__dkg_verification_extensions", "v1.0.0"},
	{PART_DKG, "dkg_shares", "started_at_bitcoin_block_height", "0012__dkg_verification_extensions", "v1.0.0"},
	/* 0003__create_tables.sql: deposit_requests, deposit_signers, bitcoin_tx_inputs */
	{PART_DEPOSITS, "deposit_requests", "txid", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_requests", "output_index", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_requests", "created_at", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_signers", "txid", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_signers", "output_index", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_signers", "signer_pub_key", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_signers", "can_accept", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "deposit_signers", "can_sign", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "bitcoin_tx_inputs", "prevout_txid", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "bitcoin_tx_inputs", "prevout_output_index", "0003__create_tables", "v1.0.0"},
	{PART_DEPOSITS, "bitcoin_tx_inputs", "prevout_type", "0003__create_tables", "v1.0.0"},
	/* 0003__create_tables.sql; bitcoin_block_height from 0013__consolidate_withdrawal_tables.sql */
	{PART_WITHDRAWALS, "withdrawal_requests", "request_id", "0003__create_tables", "v1.0.0"},
	{PART_WITHDRAWALS, "withdrawal_requests", "bitcoin_block_height", "0013__consolidate_withdrawal_tables",
	 "v1.0.0"},
	{PART_WITHDRAWALS, "withdrawal_accept_events", "request_id", "0003__create_tables", "v1.0.0"},
	{PART_WITHDRAWALS, "withdrawal_reject_events", "request_id", "0003__create_tables", "v1.0.0"},
	{PART_WITHDRAWALS, "bitcoin_blocks", "block_height", "0003__create_tables", "v1.0.0"},
};
#define NNEEDS (sizeof needs / sizeof needs[0])

/* For every column above (in order): the table exists, the column exists, this role may
 * read it; and whether the schema is there and usable, and who we are. Through
 * pg_class/pg_attribute by name, so that nothing here can fail on a missing relation or
 * a schema the role may not use. */
static char *catalog_sql(void)
{
	sbtc_strbuf sb = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&sb, "SELECT v.i, c.oid IS NOT NULL, a.attnum IS NOT NULL,"
			      " CASE WHEN a.attnum IS NOT NULL"
			      "  THEN has_column_privilege(c.oid, a.attnum, 'SELECT') ELSE false END,"
			      " n.oid IS NOT NULL,"
			      " CASE WHEN n.oid IS NOT NULL THEN has_schema_privilege(n.oid, 'USAGE') ELSE false END,"
			      " current_user"
			      " FROM (VALUES ");
	for (size_t i = 0; i < NNEEDS; i++)
		sbtc_strbuf_printf(&sb, "%s(%zu, '%s', '%s')", i ? ", " : "", i, needs[i].table, needs[i].column);
	sbtc_strbuf_puts(&sb, ") AS v(i, t, col)"
			      " LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'sbtc_signer'"
			      " LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = v.t"
			      "  AND c.relkind IN ('r', 'p', 'v')"
			      " LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = v.col"
			      "  AND a.attnum > 0 AND NOT a.attisdropped"
			      " ORDER BY v.i");
	return sbtc_strbuf_steal(&sb);
}

/* Alive: the signer's own sessions on this database (application_name is shown to
 * every role; pg_stat_activity, no table of the signer). */
static const char alive_sql[] =
	"SELECT count(*) FROM pg_catalog.pg_stat_activity"
	" WHERE application_name = 'sbtc-signer' AND datname = current_database() AND pid <> pg_backend_pid()";

/* The newest verified share's signer set and threshold (0003__create_tables.sql,
 * dkg_shares_status from 0012__dkg_verification_extensions.sql); the keys as hex in
 * their order, bounded; member: $1 is among all of them. */
static const char set_sql[] =
	"SELECT signature_share_threshold, cardinality(signer_set_public_keys),"
	" decode($1, 'hex') = ANY (signer_set_public_keys),"
	" array_to_string(ARRAY(SELECT encode(k, 'hex') FROM unnest(signer_set_public_keys[1:256])"
	"  WITH ORDINALITY AS u(k, o) ORDER BY o), ',')"
	" FROM sbtc_signer.dkg_shares WHERE dkg_shares_status = 'verified'"
	" ORDER BY created_at DESC, aggregate_key DESC LIMIT 1";

/* Peers dialed within the window (0019__p2p_peers.sql), this signer's own key aside. */
static const char peers_sql[] =
	"SELECT count(DISTINCT public_key) FROM sbtc_signer.p2p_peers"
	" WHERE last_dialed_at > now() - make_interval(secs => $2::float8) AND public_key <> decode($1, 'hex')";

/* The signer's Bitcoin tip (0003__create_tables.sql) and its DKG shares by status
 * (0012__dkg_verification_extensions.sql). An unverified share is about to be marked
 * failed once started_at_bitcoin_block_height + dkg_verification_window < tip
 * (signer/src/block_observer.rs, the verification window check). */
static const char dkg_sql[] =
	"WITH tip AS (SELECT max(block_height) AS h FROM sbtc_signer.bitcoin_blocks)"
	" SELECT (SELECT h FROM tip),"
	" count(*) FILTER (WHERE dkg_shares_status = 'failed'),"
	" count(*) FILTER (WHERE dkg_shares_status = 'unverified'"
	"  AND started_at_bitcoin_block_height + $1::bigint < (SELECT h FROM tip)),"
	" (SELECT h FROM tip) - min(started_at_bitcoin_block_height) FILTER (WHERE dkg_shares_status = 'unverified')"
	" FROM sbtc_signer.dkg_shares";

/* Deposits this signer voted to accept and can sign (deposit_signers), older than $2
 * seconds by the database's clock, that no sweep spends (bitcoin_tx_inputs with
 * prevout_type 'deposit'); all 0003__create_tables.sql. The count and the oldest age
 * over all, the oldest few named. */
static const char deposits_sql[] =
	"WITH stuck AS (SELECT r.txid, r.output_index, extract(epoch FROM now() - r.created_at)::float8 AS age"
	"  FROM sbtc_signer.deposit_requests r"
	"  JOIN sbtc_signer.deposit_signers s ON s.txid = r.txid AND s.output_index = r.output_index"
	"  WHERE s.signer_pub_key = decode($1, 'hex') AND s.can_accept AND s.can_sign"
	"  AND r.created_at < now() - make_interval(secs => $2::float8)"
	"  AND NOT EXISTS (SELECT 1 FROM sbtc_signer.bitcoin_tx_inputs i WHERE i.prevout_txid = r.txid"
	"   AND i.prevout_output_index = r.output_index AND i.prevout_type = 'deposit'))"
	" SELECT n.count, n.oldest, encode(o.txid, 'hex'), o.output_index"
	" FROM (SELECT count(*) AS count, max(age) AS oldest FROM stuck) n"
	" LEFT JOIN LATERAL (SELECT txid, output_index, age FROM stuck"
	"  ORDER BY age DESC, txid, output_index LIMIT $3::int) o ON true"
	" ORDER BY o.age DESC, o.txid, o.output_index";

/* Withdrawal requests (0003__create_tables.sql, bitcoin_block_height from
 * 0013__consolidate_withdrawal_tables.sql) with neither a withdrawal_accept_events nor a
 * withdrawal_reject_events row (0003), more than $1 Bitcoin blocks below the signer's tip.
 * A request seen in several Stacks forks counts once, from its earliest height. */
static const char withdrawals_sql[] =
	"WITH tip AS (SELECT max(block_height) AS h FROM sbtc_signer.bitcoin_blocks),"
	" stuck AS (SELECT w.request_id, (SELECT h FROM tip) - min(w.bitcoin_block_height) AS blocks"
	"  FROM sbtc_signer.withdrawal_requests w"
	"  WHERE NOT EXISTS (SELECT 1 FROM sbtc_signer.withdrawal_accept_events e WHERE e.request_id = w.request_id)"
	"  AND NOT EXISTS (SELECT 1 FROM sbtc_signer.withdrawal_reject_events e WHERE e.request_id = w.request_id)"
	"  GROUP BY w.request_id HAVING (SELECT h FROM tip) - min(w.bitcoin_block_height) > $1::bigint)"
	" SELECT n.count, n.oldest, o.request_id"
	" FROM (SELECT count(*) AS count, max(blocks) AS oldest FROM stuck) n"
	" LEFT JOIN LATERAL (SELECT request_id, blocks FROM stuck"
	"  ORDER BY blocks DESC, request_id LIMIT $2::int) o ON true"
	" ORDER BY o.blocks DESC, o.request_id";

typedef struct {
	sbtc_pg_session *s;
	sbtc_signer_db_query q;
	sbtc_signer_db_facts *out;
	char key_hex[2 * SBTC_AGGREGATE_KEY_LEN + 1];
	char num[3][32]; /* text parameters */
	char *catalog_text;
	PGresult *catalog, *res[PART_N];
	sbtc_outcome catalog_oc, oc[PART_N];
	int pending;
	sbtc_then then;
	void *ctx;
} job;

static sbtc_outcome *part_outcome(sbtc_signer_db_facts *f, int part)
{
	switch (part) {
	case PART_ALIVE: return &f->alive_oc;
	case PART_SET: return &f->set_oc;
	case PART_PEERS: return &f->peers_oc;
	case PART_DKG: return &f->dkg_oc;
	case PART_DEPOSITS: return &f->deposits_oc;
	default: return &f->withdrawals_oc;
	}
}

static const char *part_name(int part)
{
	switch (part) {
	case PART_ALIVE: return "the signer's sessions";
	case PART_SET: return "the signer set";
	case PART_PEERS: return "the dialed peers";
	case PART_DKG: return "the DKG shares";
	case PART_DEPOSITS: return "the deposits";
	default: return "the withdrawals";
	}
}

static long long to_ll(const PGresult *r, int row, int col, long long dflt)
{
	if (PQgetisnull(r, row, col))
		return dflt;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}


/* A txid as the signer stores it (internal byte order) in Bitcoin's display order. */
static void txid_display(const char *hex, char *dst, size_t dstlen)
{
	size_t n = strlen(hex);
	if (n != 64 || dstlen < 65) {
		snprintf(dst, dstlen, "%.64s", hex);
		return;
	}
	for (size_t i = 0; i < 32; i++) {
		dst[2 * i] = hex[62 - 2 * i];
		dst[2 * i + 1] = hex[63 - 2 * i];
	}
	dst[64] = '\0';
}

/* Reads a part's rows into the facts; the outcome turns BAD_ANSWER on a shape that
 * cannot be. */
static void read_part(job *j, int part, const PGresult *r)
{
	sbtc_signer_db_facts *f = j->out;
	int rows = PQntuples(r);
	switch (part) {
	case PART_ALIVE:
		f->signer_sessions = rows > 0 ? (size_t)to_ll(r, 0, 0, 0) : 0;
		break;
	case PART_SET: {
		f->set_found = rows > 0;
		if (!f->set_found)
			break;
		f->threshold = to_ll(r, 0, 0, -1);
		f->member = !PQgetisnull(r, 0, 2) && strcmp(PQgetvalue(r, 0, 2), "t") == 0;
		const char *list = PQgetisnull(r, 0, 3) ? "" : PQgetvalue(r, 0, 3);
		size_t cap = 1;
		for (const char *p = list; *p; p++)
			cap += *p == ',';
		f->set_keys = sbtc_xcalloc(cap, sizeof *f->set_keys);
		char hex[2 * SBTC_AGGREGATE_KEY_LEN + 2];
		for (const char *p = list; *p;) {
			size_t n = strcspn(p, ",");
			if (n < sizeof hex) {
				memcpy(hex, p, n);
				hex[n] = '\0';
				if (sbtc_hex_decode_exact(hex, f->set_keys[f->nset], SBTC_AGGREGATE_KEY_LEN))
					f->nset++;
			}
			p += n;
			if (*p == ',')
				p++;
		}
		break;
	}
	case PART_PEERS:
		f->peers_dialed = rows > 0 ? (size_t)to_ll(r, 0, 0, 0) : 0;
		break;
	case PART_DKG:
		if (rows < 1)
			break;
		f->bitcoin_tip = to_ll(r, 0, 0, -1);
		f->failed_shares = (size_t)to_ll(r, 0, 1, 0);
		f->stuck_unverified = (size_t)to_ll(r, 0, 2, 0);
		f->oldest_unverified_blocks = to_ll(r, 0, 3, -1);
		break;
	case PART_DEPOSITS:
		if (rows < 1)
			break;
		f->stuck_deposits = (size_t)to_ll(r, 0, 0, 0);
		f->oldest_deposit_age = PQgetisnull(r, 0, 1) ? NAN : strtod(PQgetvalue(r, 0, 1), NULL);
		for (int i = 0; i < rows && f->ndeposit_names < SBTC_SIGNER_DB_NAMED; i++) {
			if (PQgetisnull(r, i, 2))
				continue;
			char txid[80];
			txid_display(PQgetvalue(r, i, 2), txid, sizeof txid);
			snprintf(f->deposit_names[f->ndeposit_names++], sizeof f->deposit_names[0], "%.64s:%d", txid,
				 (int)to_ll(r, i, 3, 0)); /* output_index is an INTEGER */
		}
		break;
	case PART_WITHDRAWALS:
		if (rows < 1)
			break;
		f->stuck_withdrawals = (size_t)to_ll(r, 0, 0, 0);
		f->oldest_withdrawal_blocks = to_ll(r, 0, 1, -1);
		for (int i = 0; i < rows && f->nwithdrawal_names < SBTC_SIGNER_DB_NAMED; i++)
			if (!PQgetisnull(r, i, 2))
				snprintf(f->withdrawal_names[f->nwithdrawal_names++], sizeof f->withdrawal_names[0],
					 "%lld", to_ll(r, i, 2, 0));
		break;
	}
}

static void part_end(sbtc_acq *a, job *j)
{
	if (--j->pending > 0)
		return;
	free(j->catalog_text);
	PQclear(j->catalog);
	for (int p = 0; p < PART_N; p++)
		PQclear(j->res[p]);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

/* One part's statement ended: its own outcome, its own facts. */
static void part_done(sbtc_acq *a, job *j, int part)
{
	sbtc_outcome *oc = part_outcome(j->out, part);
	if (j->oc[part].status == SBTC_FETCH_OK)
		read_part(j, part, j->res[part]);
	*oc = j->oc[part];
	if (oc->status != SBTC_FETCH_OK)
		sbtc_outcome_set(oc, oc->status, "%s: %s", part_name(part), j->oc[part].msg);
	part_end(a, j);
}

#define PART_THEN(name, part)                                                                                    \
	static void name(sbtc_acq *a, void *ctx) { part_done(a, ctx, part); }
PART_THEN(alive_done, PART_ALIVE)
PART_THEN(set_done, PART_SET)
PART_THEN(peers_done, PART_PEERS)
PART_THEN(dkg_done, PART_DKG)
PART_THEN(deposits_done, PART_DEPOSITS)
PART_THEN(withdrawals_done, PART_WITHDRAWALS)

/* Why a part cannot be read, from the catalog's rows (NULL: it can). The message names
 * the first missing table or column and the migration and release that brought it, or
 * the GRANT the role lacks (every column of the part it may not read). */
static bool part_blocked(const job *j, int part, char *msg, size_t msglen)
{
	const PGresult *r = j->catalog;
	int rows = PQntuples(r);
	const char *user = rows > 0 ? PQgetvalue(r, 0, 6) : "this role";
	if (rows > 0 && strcmp(PQgetvalue(r, 0, 4), "t") != 0) {
		snprintf(msg, msglen, "schema sbtc_signer does not exist (is this the signer's database?)");
		return true;
	}
	if (rows > 0 && strcmp(PQgetvalue(r, 0, 5), "t") != 0) {
		snprintf(msg, msglen, "role %s may not use schema sbtc_signer: GRANT USAGE ON SCHEMA sbtc_signer TO %s "
				      "(contrib/sql/monitoring-role.sql)", user, user);
		return true;
	}
	for (int i = 0; i < rows && (size_t)i < NNEEDS; i++) {
		const column_need *n = &needs[i];
		if (n->part != part)
			continue;
		bool table = strcmp(PQgetvalue(r, i, 1), "t") == 0, column = strcmp(PQgetvalue(r, i, 2), "t") == 0;
		if (!table) {
			snprintf(msg, msglen, "sbtc_signer.%s does not exist: a signer before %s (migration %s)", n->table,
				 n->release, n->migration);
			return true;
		}
		if (!column) {
			snprintf(msg, msglen, "column sbtc_signer.%s.%s does not exist: a signer before %s (migration %s)",
				 n->table, n->column, n->release, n->migration);
			return true;
		}
	}
	/* Privileges, table by table, in the order the part needs them. */
	for (int i = 0; i < rows && (size_t)i < NNEEDS; i++) {
		if (needs[i].part != part || strcmp(PQgetvalue(r, i, 3), "t") == 0)
			continue;
		sbtc_strbuf cols = SBTC_STRBUF_INIT;
		for (int k = i; k < rows && (size_t)k < NNEEDS; k++)
			if (needs[k].part == part && strcmp(needs[k].table, needs[i].table) == 0 &&
			    strcmp(PQgetvalue(r, k, 3), "t") != 0)
				sbtc_strbuf_printf(&cols, "%s%s", cols.len ? ", " : "", needs[k].column);
		snprintf(msg, msglen, "role %s may not read sbtc_signer.%s: GRANT SELECT (%s) ON sbtc_signer.%s TO %s "
				      "(contrib/sql/monitoring-role.sql)",
			 user, needs[i].table, sbtc_strbuf_str(&cols), needs[i].table, user);
		sbtc_strbuf_free(&cols);
		return true;
	}
	return false;
}

static void catalog_read(sbtc_acq *a, void *ctx)
{
	job *j = ctx;
	static const sbtc_then thens[PART_N] = {alive_done, set_done, peers_done, dkg_done, deposits_done,
						 withdrawals_done};
	const char *key = j->key_hex;
	const char *set_params[] = {key};
	const char *peers_params[] = {key, j->num[0]};
	const char *dkg_params[] = {j->num[1]};
	char wblocks[32], named[16];
	snprintf(wblocks, sizeof wblocks, "%lld", (long long)j->q.withdrawal_blocks);
	snprintf(named, sizeof named, "%d", SBTC_SIGNER_DB_NAMED);
	const char *deposit_params[] = {key, j->num[2], named};
	const char *withdrawal_params[] = {wblocks, named};
	static const char *const sqls[PART_N] = {alive_sql, set_sql, peers_sql, dkg_sql, deposits_sql, withdrawals_sql};
	const char *const *params[PART_N] = {NULL, set_params, peers_params, dkg_params, deposit_params,
					     withdrawal_params};
	static const int nparams[PART_N] = {0, 1, 2, 1, 3, 2};

	/* A failed catalog statement (the connect's failure, the deadline) is every part's
	 * outcome; the alive part needs no table of the signer's, so no catalog row. */
	j->pending = PART_N;
	for (int p = 0; p < PART_N; p++) {
		sbtc_outcome *oc = part_outcome(j->out, p);
		char why[SBTC_FETCH_MSG_MAX];
		if (j->catalog_oc.status != SBTC_FETCH_OK) {
			sbtc_outcome_set(oc, j->catalog_oc.status, "%s: %s", part_name(p), j->catalog_oc.msg);
			j->pending--;
			continue;
		}
		if (p != PART_ALIVE && part_blocked(j, p, why, sizeof why)) {
			sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "%s: %s", part_name(p), why);
			j->pending--;
			continue;
		}
		sbtc_acq_pg_query(j->s, sqls[p], nparams[p], params[p], &j->res[p], &j->oc[p], thens[p], j);
	}
	if (j->pending == 0) {
		j->pending = 1;
		part_end(a, j);
	}
}

void sbtc_signer_db_start(sbtc_pg_session *s, const sbtc_signer_db_query *q, sbtc_signer_db_facts *out,
			  sbtc_then then, void *ctx)
{
	job *j = sbtc_xcalloc(1, sizeof *j);
	memset(out, 0, sizeof *out);
	out->bitcoin_tip = -1;
	out->threshold = -1;
	out->oldest_unverified_blocks = -1;
	out->oldest_deposit_age = NAN;
	out->oldest_withdrawal_blocks = -1;
	j->s = s;
	j->q = *q;
	j->out = out;
	j->then = then;
	j->ctx = ctx;
	sbtc_hex_encode(q->public_key, SBTC_AGGREGATE_KEY_LEN, j->key_hex);
	snprintf(j->num[0], sizeof j->num[0], "%.17g", q->peer_window);
	snprintf(j->num[1], sizeof j->num[1], "%lld", (long long)q->dkg_window);
	snprintf(j->num[2], sizeof j->num[2], "%.17g", q->deposit_age);
	j->catalog_text = catalog_sql();
	sbtc_acq_pg_query(s, j->catalog_text, 0, NULL, &j->catalog, &j->catalog_oc, catalog_read, j);
}

void sbtc_signer_db_facts_free(sbtc_signer_db_facts *f)
{
	free(f->set_keys);
	f->set_keys = NULL;
	f->nset = 0;
}
