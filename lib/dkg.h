/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signer's DKG shares (sbtc_signer.dkg_shares) and the verdict the operators' guide
 * asks for: is the registry's current aggregate key the newest verified share this
 * database (or backup) holds? Loading is separate from judging, so that a backup read
 * from a dump file is judged by the same code as a live database. */
#ifndef SBTC_DKG_H
#define SBTC_DKG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acquire.h"
#include "http.h"
#include "output.h"
#include "registry.h"
#include "stacks.h"

/* What a schema without dkg_shares_status means. Migration 0012__dkg_verification_extensions
 * added it, and every signer release ships it (v1.0.0 already applies 0001 to 0014 at start
 * with --migrate-db; stacks-sbtc/sbtc signer/migrations/): such a database is from a
 * pre-mainnet signer (0.0.9-rc6 or older) or its migrations never ran. */
#define SBTC_DKG_PRE0012_WHY                                                                    \
	"predates migration 0012 (a pre-mainnet signer, 0.0.9-rc6 or older, or migrations that never " \
	"ran: every release since v1.0.0 applies 0001 to 0014)"
#define SBTC_DKG_PRE0012_FIX "start the signer with --migrate-db"

typedef enum {
	SBTC_SHARE_UNVERIFIED = 0,
	SBTC_SHARE_VERIFIED,
	SBTC_SHARE_FAILED,
	SBTC_SHARE_NO_STATUS /* a database from before migration 0012 */
} sbtc_share_status;

typedef struct {
	uint8_t key[SBTC_AGGREGATE_KEY_LEN];
	sbtc_share_status status;
	double created_at; /* Unix time */
} sbtc_dkg_share;

typedef struct {
	size_t total; /* shares (well-formed rows) */
	size_t verified, unverified, failed, no_status;
	const sbtc_dkg_share *newest_verified; /* NULL when none */
} sbtc_dkg_counts;

typedef struct {
	sbtc_dkg_share *v; /* newest first */
	size_t n;
	bool has_status;   /* false: schema before migration 0012 */
	double now;        /* the clock the ages are measured against (the database's) */
	size_t malformed;  /* rows whose aggregate_key is not a 33-byte compressed key */
	/* A summary (a backup read as a stream, lib/dkg_copy.h): v holds only the rows a
	 * verdict needs, in order, and totals counts every share read. */
	bool summary;
	sbtc_dkg_counts totals; /* its newest_verified is unused */
} sbtc_dkg_shares;

/* "verified", "unverified", "failed", "(no status)". */
const char *sbtc_share_status_name(sbtc_share_status s);

/* Parses the enum's text; -1 when unknown. */
int sbtc_share_status_parse(const char *text);

/* Reads every share on a session of an acquisition (statements queue until it is
 * connected; a failed connect fails the load with its outcome); then is called once the
 * load ends. A database without the table is ERROR ("is this the signer's database?");
 * one without dkg_shares_status is loaded with has_status false. */
void sbtc_dkg_load_start(sbtc_pg_session *s, sbtc_dkg_shares *out, sbtc_outcome *oc, sbtc_then then, void *ctx);

/* Sorts newest first (created_at, then key, both descending, so the order is total). */
void sbtc_dkg_sort(sbtc_dkg_shares *s);
/* That order: negative when a comes before (is newer than) b. */
int sbtc_dkg_share_cmp(const sbtc_dkg_share *a, const sbtc_dkg_share *b);

void sbtc_dkg_shares_free(sbtc_dkg_shares *s);

/* Counts the shares (a summary: its totals) and finds the newest verified one. */
void sbtc_dkg_count(const sbtc_dkg_shares *s, sbtc_dkg_counts *c);

/* Judges the registry's key against the shares and adds the verdict as a sub-result of
 * parent (returned). where names the shares' origin ("the database", "the backup").
 * rotation_grace: seconds a pending rotation is a WARNING before it is CRITICAL. */
sbtc_result *sbtc_dkg_verdict(sbtc_result *parent, const sbtc_dkg_shares *s,
			      const sbtc_registry_key *onchain, double rotation_grace,
			      const char *where, int verbose);

#endif
