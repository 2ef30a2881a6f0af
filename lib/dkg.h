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
#include "cli.h"
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

/* Reads every share from a connection made by sbtc_pg_connect. A database without the
 * table is ERROR ("is this the signer's database?"); one without dkg_shares_status is
 * loaded with has_status false. */
sbtc_fetch_status sbtc_dkg_load(PGconn *conn, sbtc_dkg_shares *out, char *err, size_t errlen);
/* The same on a session of an acquisition (statements queue until it is connected; a
 * failed connect fails the load with its outcome). then is called once the load ends. */
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

/* The options of every check that asks the registry for its key and judges shares. */
#define SBTC_DEFAULT_ROTATION_GRACE "6h"
enum { SBTC_OPT_CONTRACT = 0x1a0, SBTC_OPT_SENDER, SBTC_OPT_ROTATION_GRACE, SBTC_OPT_NETWORK };
#define SBTC_REGISTRY_OPTIONS                                                                          \
	{"network", 0, SBTC_ARG_REQUIRED, "NETWORK", SBTC_OPT_NETWORK,                                  \
	 "mainnet or testnet: picks the sBTC registry of that network (testnet\n"                      \
	 SBTC_TESTNET_REGISTRY ").", "mainnet"},                                                       \
	{"contract", 0, SBTC_ARG_REQUIRED, "ADDRESS.NAME", SBTC_OPT_CONTRACT,                          \
	 "The sBTC registry contract, whatever --network says (default: --network's,\n"                \
	 SBTC_MAINNET_REGISTRY " on mainnet).", NULL},                                                 \
	{"sender", 0, SBTC_ARG_REQUIRED, "PRINCIPAL", SBTC_OPT_SENDER,                                 \
	 "Sender of the read-only call (default: the contract's address).", NULL},                    \
	{"rotation-grace", 0, SBTC_ARG_REQUIRED, "DURATION", SBTC_OPT_ROTATION_GRACE,                  \
	 "How long a newer verified share may wait for its key rotation to reach the chain\n"          \
	 "before WARNING becomes CRITICAL (90s, 45m, 6h, 2d).", SBTC_DEFAULT_ROTATION_GRACE}

typedef struct {
	sbtc_network network;
	const char *contract_text; /* NULL until finished: then --network's registry by default */
	const char *sender;       /* NULL until finished: then the contract's address by default */
	double rotation_grace;    /* seconds */
	sbtc_contract_id contract;
} sbtc_registry_opts;

/* Defaults: mainnet and SBTC_DEFAULT_ROTATION_GRACE. */
void sbtc_registry_opts_init(sbtc_registry_opts *o);
/* Handles the keys of SBTC_REGISTRY_OPTIONS: 1 when handled, 0 when not one of them,
 * -1 with a message for a bad value. */
int sbtc_registry_option(sbtc_registry_opts *o, int key, const char *arg, char *err, size_t errlen);
/* After parsing: picks --network's registry unless --contract names one, splits the
 * contract id and defaults the sender. 0 or -1 with a message. */
int sbtc_registry_opts_finish(sbtc_registry_opts *o, char *err, size_t errlen);

#endif
