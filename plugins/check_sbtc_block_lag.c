/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_block_lag: do the signer's Bitcoin node, its Stacks node and the signer
 * itself keep up with the chain? Each link is measured against the next one up: Bitcoin
 * Core against its own headers (and a reference), the Stacks node's Bitcoin view against
 * Bitcoin Core (and its Stacks tip against a reference and its peers), the signer's tips
 * against its nodes'. A signer stuck while its nodes advance is what no generic check sees. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acquire.h"
#include "bitcoin.h"
#include "cache.h"
#include "cli.h"
#include "deadline.h"
#include "esplora.h"
#include "http.h"
#include "human.h"
#include "output.h"
#include "pg.h"
#include "range.h"
#include "sanitize.h"
#include "signer_api.h"
#include "stacks.h"
#include "stacks_reference.h"
#include "state.h"
#include "statedir.h"
#include "strbuf.h"

/* The defaults as the help text shows them; config_init() holds their values.
 * Mainnet: a Bitcoin node one block behind for seconds is normal, three is not; Nakamoto
 * Stacks blocks come every few seconds and public APIs trail by a few. */
#define DEFAULT_BTC_WARNING "1"
#define DEFAULT_BTC_CRITICAL "2"
#define DEFAULT_STX_WARNING "10"
#define DEFAULT_STX_CRITICAL "30"
/* An hour between Bitcoin blocks happens a few times a week; three hours almost never. */
#define DEFAULT_TIP_AGE_WARNING "90m"
#define DEFAULT_TIP_AGE_CRITICAL "3h"
/* A Stacks block comes every few seconds in Nakamoto; none for half an hour is a stall. */
#define DEFAULT_STX_TIP_AGE_WARNING "30m"
#define DEFAULT_STX_TIP_AGE_CRITICAL "2h"
#define DEFAULT_STATE_DIR_PREFIX "/var/tmp/check_sbtc_block_lag-"

enum {
	OPT_SIGNER_URL = SBTC_OPT_PLUGIN_FIRST,
	OPT_BITCOIN_REFERENCE,
	OPT_BITCOIN_REFERENCE_RPC,
	OPT_BITCOIN_REFERENCE_COOKIE,
	OPT_BITCOIN_REFERENCE_USER,
	OPT_BITCOIN_REFERENCE_PASSWORD_FILE,
	OPT_STACKS_REFERENCE,
	OPT_TIP_AGE_WARNING,
	OPT_TIP_AGE_CRITICAL,
	OPT_BITCOIN_WARNING,
	OPT_BITCOIN_CRITICAL,
	OPT_STACKS_WARNING,
	OPT_STACKS_CRITICAL,
	OPT_SIGNER_WARNING,
	OPT_SIGNER_CRITICAL,
	OPT_NETWORK,
	OPT_STACKS_NO_PEERS_STATE,
	OPT_STACKS_TIP_AGE_WARNING,
	OPT_STACKS_TIP_AGE_CRITICAL,
	OPT_STATE_DIR,
};

/* Which sub-check a lag belongs to (for --bitcoin-warning and friends), and in which
 * blocks it is counted (for the defaults). */
typedef enum { SRC_BITCOIN, SRC_STACKS, SRC_SIGNER, SRC_COUNT } source;
typedef enum { BLOCKS_BTC, BLOCKS_STX } block_kind;

typedef struct {
	bool bitcoin_on, stacks_on, signer_on;
	sbtc_bitcoin_conn bitcoin;
	sbtc_bitcoin_conn bitcoin_ref_rpc;
	const char *bitcoin_ref;
	const char *stacks_url;
	const char *stacks_ref;
	const char *signer_url;
	const char *dbconn;
	bool signer_url_given;
	sbtc_range lag_w, lag_c;                  /* -w/-c; .set false when not given */
	sbtc_range src_w[SRC_COUNT], src_c[SRC_COUNT];
	sbtc_thresholds lag_default[2];           /* by block_kind */
	sbtc_thresholds tip_age;
	sbtc_thresholds stx_tip_age;
	sbtc_state no_peers_state;                /* a Stacks node that knows no neighbour */
	sbtc_network network;
	const char *state_dir;                    /* NULL: the default, per user */
	sbtc_http_opts http;
	int verbose;
} config;

/* The reference Bitcoin Core: a connection of its own, whose credentials need its URL. */
static const sbtc_option reference_rpc_options[] = {
	{"bitcoin-reference-rpc", 0, SBTC_ARG_REQUIRED, "URL", OPT_BITCOIN_REFERENCE_RPC,
	 "A second Bitcoin Core as the reference (its chain must match), with the two options below.", NULL},
	{"bitcoin-reference-cookie", 0, SBTC_ARG_REQUIRED, "FILE", OPT_BITCOIN_REFERENCE_COOKIE,
	 "Cookie file of the reference Bitcoin Core.", NULL},
	{"bitcoin-reference-user", 0, SBTC_ARG_REQUIRED, "USER", OPT_BITCOIN_REFERENCE_USER,
	 "RPC user of the reference Bitcoin Core (with --bitcoin-reference-password-file).", NULL},
	{"bitcoin-reference-password-file", 0, SBTC_ARG_REQUIRED, "FILE", OPT_BITCOIN_REFERENCE_PASSWORD_FILE,
	 "File whose first line is the reference Bitcoin Core's RPC password.", NULL},
};

static int reference_rpc_option(void *settings, int key, const char *arg, char *err, size_t errlen)
{
	sbtc_bitcoin_conn *c = settings;
	switch (key) {
	case OPT_BITCOIN_REFERENCE_RPC:
		c->url = arg;
		return sbtc_url_check(arg, "--bitcoin-reference-rpc", err, errlen);
	case OPT_BITCOIN_REFERENCE_COOKIE: c->cookie_file = arg; return 0;
	case OPT_BITCOIN_REFERENCE_USER: c->user = arg; return 0;
	case OPT_BITCOIN_REFERENCE_PASSWORD_FILE: c->password_file = arg; return 0;
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

static int reference_rpc_finish(void *settings, char *err, size_t errlen)
{
	const sbtc_bitcoin_conn *c = settings;
	if (c->url == NULL && sbtc_bitcoin_conn_given(c)) {
		snprintf(err, errlen, "--bitcoin-reference-cookie/-user/-password-file need --bitcoin-reference-rpc");
		return -1;
	}
	return 0;
}

static const sbtc_option_group reference_rpc_group = {
	.options = reference_rpc_options,
	.noptions = sizeof reference_rpc_options / sizeof reference_rpc_options[0],
	.handle = reference_rpc_option,
	.finish = reference_rpc_finish,
};

static const sbtc_option options[] = {
	{"bitcoin-reference", 0, SBTC_ARG_REQUIRED, "URL", OPT_BITCOIN_REFERENCE,
	 "An Esplora-style API (GET .../api/blocks/tip/height, e.g. https://mempool.space): Bitcoin\n"
	 "Core's lag behind it counts as a lag.", NULL},
	{"stacks-url", 'u', SBTC_ARG_REQUIRED, "URL", 'u',
	 "The Stacks node's RPC.", SBTC_DEFAULT_STACKS_URL},
	{"stacks-reference", 0, SBTC_ARG_REQUIRED, "URL", OPT_STACKS_REFERENCE,
	 "A Hiro-style API (GET /extended, e.g. https://api.hiro.so) or another Stacks node\n"
	 "(GET /v2/info): the Stacks node's lag behind it counts as a lag.", NULL},
	{"signer-url", 0, SBTC_ARG_REQUIRED, "URL", OPT_SIGNER_URL,
	 "The signer's API: its Bitcoin and Stacks tips against its nodes' tips.",
	 SBTC_DEFAULT_SIGNER_URL},
	{"dbconn", 'd', SBTC_ARG_REQUIRED, "CONNINFO", 'd',
	 "The signer's database (libpq conninfo or URI; passwords in ~/.pgpass or a service file):\n"
	 "the tip of sbtc_signer.bitcoin_blocks against Bitcoin Core, and how long ago the signer\n"
	 "last recorded a block. Instead of, or beside, --signer-url.", NULL},
	{"warning", 'w', SBTC_ARG_REQUIRED, "RANGE", 'w',
	 "Lag in blocks that is a WARNING, for every lag (defaults: " DEFAULT_BTC_WARNING
	 " Bitcoin block, " DEFAULT_STX_WARNING " Stacks blocks).", NULL},
	{"critical", 'c', SBTC_ARG_REQUIRED, "RANGE", 'c',
	 "Lag in blocks that is CRITICAL, for every lag (defaults: " DEFAULT_BTC_CRITICAL
	 " Bitcoin blocks, " DEFAULT_STX_CRITICAL " Stacks blocks).", NULL},
	{"bitcoin-warning", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_BITCOIN_WARNING,
	 "-w for Bitcoin Core's lags only.", NULL},
	{"bitcoin-critical", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_BITCOIN_CRITICAL,
	 "-c for Bitcoin Core's lags only.", NULL},
	{"stacks-warning", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_STACKS_WARNING,
	 "-w for the Stacks node's lags only.", NULL},
	{"stacks-critical", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_STACKS_CRITICAL,
	 "-c for the Stacks node's lags only.", NULL},
	{"signer-warning", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_SIGNER_WARNING,
	 "-w for the signer's lags only.", NULL},
	{"signer-critical", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_SIGNER_CRITICAL,
	 "-c for the signer's lags only.", NULL},
	{"tip-age-warning", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_TIP_AGE_WARNING,
	 "Age of Bitcoin Core's best block (its header time) that is a WARNING; also how long ago\n"
	 "the signer's database last recorded a block.", DEFAULT_TIP_AGE_WARNING},
	{"tip-age-critical", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_TIP_AGE_CRITICAL,
	 "The same, CRITICAL.", DEFAULT_TIP_AGE_CRITICAL},
	{"stacks-tip-age-warning", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_STACKS_TIP_AGE_WARNING,
	 "Age of the Stacks node's tip that is a WARNING: the tip block's timestamp where the\n"
	 "node serves /v3/tenures/tip_metadata (3.3.0.0.4+), else how long its height has not\n"
	 "changed, kept between runs in --state-dir.", DEFAULT_STX_TIP_AGE_WARNING},
	{"stacks-tip-age-critical", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_STACKS_TIP_AGE_CRITICAL,
	 "The same, CRITICAL.", DEFAULT_STX_TIP_AGE_CRITICAL},
	{"stacks-no-peers-state", 0, SBTC_ARG_REQUIRED, "STATE", OPT_STACKS_NO_PEERS_STATE,
	 "State when the Stacks node knows no neighbour, so its tip cannot be compared with its\n"
	 "peers': ok, warning or critical.", "warning"},
	{"state-dir", 0, SBTC_ARG_REQUIRED, "DIR", OPT_STATE_DIR,
	 "Where the Stacks height is kept between runs (default " DEFAULT_STATE_DIR_PREFIX "UID;\n"
	 "created 0700; refused when it is a symbolic link, another user's, or writable by others).", NULL},
	{"network", 0, SBTC_ARG_REQUIRED, "NETWORK", OPT_NETWORK,
	 "mainnet or testnet: the chain every source must be on (Bitcoin Core's chain main, or a\n"
	 "test chain; the Stacks node's network_id 1, or 0x80000000; the signer's network).",
	 "mainnet"},
};

static const sbtc_group_use groups[] = {
	{.group = &sbtc_bitcoin_group, .offset = offsetof(config, bitcoin), .before = "bitcoin-reference"},
	{.group = &reference_rpc_group, .offset = offsetof(config, bitcoin_ref_rpc), .before = "stacks-url"},
	{.group = &sbtc_http_tls_group, .offset = offsetof(config, http)},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_block_lag",
	.check_label = "BLOCK_LAG",
	.purpose =
		"Checks that the signer's Bitcoin node, its Stacks node and the signer itself keep up\n"
		"with the chain: Bitcoin Core against its headers, its best block's age and an optional\n"
		"reference; the Stacks node's Bitcoin height against Bitcoin Core, its Stacks height\n"
		"against a reference and its peers, and its tip's age; the signer's tips against its\n"
		"nodes' tips. Every source must be on the chain of --network.",
	.usage = "[--bitcoin-url URL] [-u URL] [--signer-url URL]\n"
		 "  [--bitcoin-cookie FILE | --bitcoin-user USER --bitcoin-password-file FILE]\n"
		 "  [-d CONNINFO] [--bitcoin-reference URL] [--stacks-reference URL]\n"
		 "  [-w RANGE] [-c RANGE] [--tip-age-warning DURATION]\n"
		 "  [--tip-age-critical DURATION] [--stacks-tip-age-warning DURATION]\n"
		 "  [--stacks-tip-age-critical DURATION] [--stacks-no-peers-state STATE]\n"
		 "  [--state-dir DIR] [--network NETWORK] [--insecure] [--cacert FILE]\n"
		 "  [-t SECONDS[:STATE]] [-v] [--output-format FORMAT]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.groups = groups,
	.ngroups = sizeof groups / sizeof groups[0],
	.notes =
		"Sources: the check asks the sources named by their options (--bitcoin-*, --stacks-*,\n"
		"--signer-url, --dbconn); with none of them it asks all three at their default URLs.\n"
		"Lags below zero (a node ahead of its reference) count as 0.\n"
		"\n"
		"States:\n"
		"  OK        every lag and age within their thresholds. A node without /v3/health\n"
		"            (before 3.1.0.0.13) is not compared with its peers, and the first run\n"
		"            that keeps the Stacks height has no tip age yet: both are said, no alarm.\n"
		"  WARNING   a lag or age past its warning threshold; Bitcoin Core reports warnings;\n"
		"            the Stacks node is not fully synced; the Stacks node has no neighbours\n"
		"            (/v3/health: 200 with no neighbour from 3.2.0.0.2, 500 on 3.1.0.0.13 to\n"
		"            3.2.0.0.1), so its tip cannot be compared (--stacks-no-peers-state);\n"
		"            the signer reports no node tip.\n"
		"  CRITICAL  a lag or age past its critical threshold; initial block download; a\n"
		"            source on another chain than --network, or the sources on different\n"
		"            chains; the signer has recorded no block; a source (or reference) is\n"
		"            unreachable, refuses the credentials or answers with an error.\n"
		"  UNKNOWN   bad arguments, an answer that cannot be decoded (for that source; the\n"
		"            others still report), a --state-dir that cannot be used safely, the\n"
		"            deadline (or the state given with -t).\n"
		"\n"
		"Perfdata: bitcoin_height, bitcoin_headers, bitcoin_lag, bitcoin_tip_age (s),\n"
		"bitcoin_reference_height, bitcoin_reference_lag, stacks_height, stacks_burn_height,\n"
		"stacks_burn_lag, stacks_reference_height, stacks_reference_lag, stacks_peer_lag,\n"
		"stacks_tip_age (s),\n"
		"signer_bitcoin_height, signer_bitcoin_lag, signer_stacks_height, signer_stacks_lag,\n"
		"signer_last_block_age (s), bitcoin_time, stacks_time, signer_time (s), time (s).\n"
		"\n"
		"Stacks tip age: the tip block's timestamp from GET /v3/tenures/tip_metadata (3.3.0.0.4+);\n"
		"on older nodes the time since the tip height last changed, kept between runs in one\n"
		"file per node URL under --state-dir (the first run has no age).\n"
		"\n"
		"With --dbconn the role needs only SELECT on sbtc_signer.bitcoin_blocks (contrib/sql/).\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_block_lag --bitcoin-cookie /var/lib/bitcoind/.cookie \\\n"
		"      -u http://127.0.0.1:20443 --signer-url http://127.0.0.1:8801\n"
		"  check_sbtc_block_lag --extra-opts=block_lag@/etc/nagios/sbtc.ini \\\n"
		"      --bitcoin-reference https://mempool.space \\\n"
		"      --stacks-reference https://api.hiro.so",
	.default_timeout = 10,
};

static int range_opt(const char *arg, sbtc_range *r, char *err, size_t errlen)
{
	return sbtc_range_parse(arg, SBTC_UNIT_NONE, r, err, errlen);
}

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case 'u':
		cfg->stacks_on = true;
		cfg->stacks_url = arg;
		return sbtc_url_check(arg, "--stacks-url", err, errlen);
	case OPT_STACKS_REFERENCE:
		cfg->stacks_on = true;
		cfg->stacks_ref = arg;
		return sbtc_url_check(arg, "--stacks-reference", err, errlen);
	case OPT_SIGNER_URL:
		cfg->signer_on = cfg->signer_url_given = true;
		cfg->signer_url = arg;
		return sbtc_url_check(arg, "--signer-url", err, errlen);
	case 'd': cfg->signer_on = true; cfg->dbconn = arg; return 0;
	case OPT_BITCOIN_REFERENCE:
		cfg->bitcoin_on = true;
		cfg->bitcoin_ref = arg;
		return sbtc_url_check(arg, "--bitcoin-reference", err, errlen);
	case 'w': return range_opt(arg, &cfg->lag_w, err, errlen);
	case 'c': return range_opt(arg, &cfg->lag_c, err, errlen);
	case OPT_BITCOIN_WARNING: return range_opt(arg, &cfg->src_w[SRC_BITCOIN], err, errlen);
	case OPT_BITCOIN_CRITICAL: return range_opt(arg, &cfg->src_c[SRC_BITCOIN], err, errlen);
	case OPT_STACKS_WARNING: return range_opt(arg, &cfg->src_w[SRC_STACKS], err, errlen);
	case OPT_STACKS_CRITICAL: return range_opt(arg, &cfg->src_c[SRC_STACKS], err, errlen);
	case OPT_SIGNER_WARNING: return range_opt(arg, &cfg->src_w[SRC_SIGNER], err, errlen);
	case OPT_SIGNER_CRITICAL: return range_opt(arg, &cfg->src_c[SRC_SIGNER], err, errlen);
	case OPT_TIP_AGE_WARNING:
		return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->tip_age.warning, err, errlen);
	case OPT_TIP_AGE_CRITICAL:
		return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->tip_age.critical, err, errlen);
	case OPT_STACKS_TIP_AGE_WARNING:
		return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->stx_tip_age.warning, err, errlen);
	case OPT_STACKS_TIP_AGE_CRITICAL:
		return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->stx_tip_age.critical, err, errlen);
	case OPT_STACKS_NO_PEERS_STATE: {
		int st = sbtc_state_parse(arg);
		if (st < 0 || st == SBTC_UNKNOWN) {
			snprintf(err, errlen, "invalid --stacks-no-peers-state '%.40s': expected ok, warning or critical", arg);
			return -1;
		}
		cfg->no_peers_state = (sbtc_state)st;
		return 0;
	}
	case OPT_STATE_DIR:
		cfg->state_dir = arg;
		return 0;
	case OPT_NETWORK: return sbtc_network_parse(arg, "--network", &cfg->network, err, errlen);
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* -- Configuration --------------------------------------------------------------------- */

/* The range "N" (0 to N). */
static sbtc_range upto(double n)
{
	return (sbtc_range){.set = true, .end = n};
}

static void config_init(config *cfg)
{
	*cfg = (config){
		.stacks_url = SBTC_DEFAULT_STACKS_URL,
		.signer_url = SBTC_DEFAULT_SIGNER_URL,
		.no_peers_state = SBTC_WARNING,
		.network = SBTC_NETWORK_MAINNET,
		.lag_default = {[BLOCKS_BTC] = {upto(1), upto(2)}, [BLOCKS_STX] = {upto(10), upto(30)}},
		.tip_age = {upto(90 * 60), upto(3 * 3600)},
		.stx_tip_age = {upto(30 * 60), upto(2 * 3600)},
	};
}

/* What the command line leaves to settle: the sources asked (those whose options were
 * given, else all three), and the options every request shares. */
static void config_finish(config *cfg, const sbtc_common_opts *common)
{
	if (sbtc_bitcoin_conn_given(&cfg->bitcoin) || cfg->bitcoin_ref_rpc.url != NULL)
		cfg->bitcoin_on = true;
	if (!cfg->bitcoin_on && !cfg->stacks_on && !cfg->signer_on)
		cfg->bitcoin_on = cfg->stacks_on = cfg->signer_on = cfg->signer_url_given = true;
	cfg->http.verbose = common->verbose;
	cfg->verbose = common->verbose;
	cfg->bitcoin.http = cfg->http;
	cfg->bitcoin_ref_rpc.http = cfg->http;
}

/* -- Measurement: every source asked at once ------------------------------------------- */

/* How long ago the Stacks tip height last changed, from the entry kept between runs. */
typedef struct {
	bool done;
	int r;               /* the cache's answer: 1 an entry, 0 none, -1 unreadable */
	bool same;           /* the kept height is this run's */
	time_t since;        /* when the kept height was first seen */
	bool failed;         /* the directory or the new entry could not be written */
	char where[220];     /* the directory, sanitised */
	char err[700];
} height_memory;

typedef struct {
	const config *cfg;
	/* Bitcoin Core and its references */
	sbtc_outcome btc_oc, esplora_oc, ref_rpc_oc;
	sbtc_bitcoin_chaininfo btc, ref_rpc;
	int64_t esplora_height;
	/* the Stacks node (the tip's time after /v2/info) and its reference */
	sbtc_outcome stx_oc, health_oc, tip_oc, sref_oc;
	sbtc_stacks_info stx;
	sbtc_stacks_health health;
	sbtc_stacks_tip_time tip;
	sbtc_stacks_reference sref;
	height_memory memory;
	/* the signer: its API, its database */
	sbtc_outcome signer_oc, db_oc, db_query_oc;
	sbtc_signer_info signer;
	sbtc_pg_session *db;
	PGresult *db_res;
	/* when each source's last answer came, from the start (the *_time perfdata) */
	double started, time[SRC_COUNT];
} measured;

/* Notes when one of a source's answers came (its *_time perfdata is the last one's). */
static void note_time(measured *m, source src)
{
	double t = sbtc_now_monotonic() - m->started;
	if (t > m->time[src])
		m->time[src] = t;
}

static void bitcoin_done(sbtc_acq *a, void *ctx)
{
	(void)a;
	note_time(ctx, SRC_BITCOIN);
}

static void signer_done(sbtc_acq *a, void *ctx)
{
	(void)a;
	note_time(ctx, SRC_SIGNER);
}

static void stacks_done(sbtc_acq *a, void *ctx)
{
	(void)a;
	note_time(ctx, SRC_STACKS);
}

/* The next link after /v2/info: the tip's block header, by its tenure's consensus hash
 * (GET /v3/tenures/tip_metadata, 3.3.0.0.4+). */
static void stacks_info_done(sbtc_acq *a, void *ctx)
{
	measured *m = ctx;
	note_time(m, SRC_STACKS);
	if (m->stx_oc.status == SBTC_FETCH_OK && m->stx.tip_consensus_hash[0] != '\0')
		sbtc_stacks_tip_time_start(a, m->cfg->stacks_url, "Stacks node", &m->cfg->http, m->stx.tip_consensus_hash,
					   &m->tip, &m->tip_oc, stacks_done, m);
}

static const char tip_sql[] =
	"SELECT block_height, "
	"(SELECT EXTRACT(EPOCH FROM now() - max(created_at)) FROM sbtc_signer.bitcoin_blocks) "
	"FROM sbtc_signer.bitcoin_blocks ORDER BY block_height DESC, block_hash DESC LIMIT 1";

static void db_connected(sbtc_acq *a, void *ctx)
{
	measured *m = ctx;
	(void)a;
	note_time(m, SRC_SIGNER);
}

/* Whether the tip's age comes from the height kept between runs: the node has no
 * tip_metadata (404, before 3.3.0.0.4), its tip is an Epoch 2 block (no timestamp), or
 * the call did not answer. An answer that cannot be decoded is reported instead. */
static bool tip_age_by_height(const measured *m)
{
	if (!m->stx_oc.done || m->stx_oc.status != SBTC_FETCH_OK)
		return false;
	if (!m->tip_oc.done) /* no consensus hash in /v2/info: not asked */
		return true;
	if (m->tip_oc.status == SBTC_FETCH_OK)
		return m->tip.timestamp < 0;
	return m->tip_oc.status != SBTC_FETCH_BAD_ANSWER;
}

/* The Stacks height kept between runs, read and replaced (where the tip has no
 * timestamp). The entries are the cache's files (lib/cache.c): written to a temporary
 * name and renamed, opened with O_NOFOLLOW, refused when foreign or writable by others. */
static void remember_height(const config *cfg, int64_t height, height_memory *hm)
{
	char *dir = cfg->state_dir ? sbtc_xstrdup(cfg->state_dir) : sbtc_statedir_default(DEFAULT_STATE_DIR_PREFIX);
	char *where = sbtc_sanitize(dir, sizeof hm->where - 1);
	sbtc_strlcpy(hm->where, where, sizeof hm->where);
	free(where);
	hm->done = true;
	int fd = sbtc_statedir_open(dir, "state directory", hm->err, sizeof hm->err);
	if (fd < 0) {
		hm->failed = true;
		free(dir);
		return;
	}
	sbtc_cache state = {.dir = dir, .fd = fd};
	char *key = sbtc_xasprintf("stacks-tip-height %s", cfg->stacks_url);
	char *body = NULL, text[32];
	size_t len;
	time_t now = time(NULL);
	snprintf(text, sizeof text, "%lld", (long long)height);
	hm->r = sbtc_cache_get(&state, key, &body, &len, &hm->since, hm->err, sizeof hm->err);
	hm->same = hm->r == 1 && strcmp(body, text) == 0;
	if (!hm->same && sbtc_cache_put(&state, key, text, strlen(text), now, hm->err, sizeof hm->err) != 0)
		hm->failed = true;
	free(body);
	free(key);
	sbtc_cache_close(&state);
}

/* Asks every source named at once, each chain's next link from its then, all under the
 * one deadline, and fills m. */
static void measure(const config *cfg, measured *m)
{
	*m = (measured){.cfg = cfg, .started = sbtc_now_monotonic()};
	sbtc_acq *a = sbtc_acq_new();
	if (cfg->bitcoin_on) {
		sbtc_bitcoin_chaininfo_start(a, &cfg->bitcoin, &m->btc, &m->btc_oc, bitcoin_done, m);
		if (cfg->bitcoin_ref != NULL)
			sbtc_esplora_tip_start(a, cfg->bitcoin_ref, &cfg->http, &m->esplora_height, &m->esplora_oc,
					       bitcoin_done, m);
		if (cfg->bitcoin_ref_rpc.url != NULL)
			sbtc_bitcoin_chaininfo_start(a, &cfg->bitcoin_ref_rpc, &m->ref_rpc, &m->ref_rpc_oc, bitcoin_done, m);
	}
	if (cfg->stacks_on) {
		sbtc_stacks_info_start(a, cfg->stacks_url, "Stacks node", &cfg->http, &m->stx, &m->stx_oc,
				       stacks_info_done, m);
		sbtc_stacks_health_start(a, cfg->stacks_url, "Stacks node", &cfg->http, &m->health, &m->health_oc,
					 stacks_done, m);
		if (cfg->stacks_ref != NULL)
			sbtc_stacks_reference_start(a, cfg->stacks_ref, &cfg->http, &m->sref, &m->sref_oc, stacks_done, m);
	}
	if (cfg->signer_on && cfg->signer_url_given)
		sbtc_signer_info_start(a, cfg->signer_url, &cfg->http, &m->signer, &m->signer_oc, signer_done, m);
	if (cfg->signer_on && cfg->dbconn != NULL) {
		m->db = sbtc_acq_pg_connect(a, cfg->dbconn, info.progname, &m->db_oc, db_connected, m);
		sbtc_acq_pg_query(m->db, tip_sql, 0, NULL, &m->db_res, &m->db_query_oc, signer_done, m);
	}
	sbtc_acq_run(a);
	sbtc_acq_free(a); /* the database session with it */
	m->db = NULL;
	/* Without the tip's own timestamp, its age comes from the height kept between runs. */
	if (tip_age_by_height(m))
		remember_height(cfg, m->stx.stacks_tip_height, &m->memory);
}

static void measured_free(measured *m)
{
	sbtc_bitcoin_chaininfo_free(&m->btc);
	sbtc_bitcoin_chaininfo_free(&m->ref_rpc);
	PQclear(m->db_res);
}

/* -- Judgement: each link against the earlier ones ------------------------------------- */

/* The thresholds of one lag: the sub-check's own, else -w/-c, else the default for the
 * kind of block it counts. */
static sbtc_thresholds lag_thresholds(const config *cfg, source src, block_kind kind)
{
	sbtc_thresholds t = cfg->lag_default[kind];
	if (cfg->src_w[src].set)
		t.warning = cfg->src_w[src];
	else if (cfg->lag_w.set)
		t.warning = cfg->lag_w;
	if (cfg->src_c[src].set)
		t.critical = cfg->src_c[src];
	else if (cfg->lag_c.set)
		t.critical = cfg->lag_c;
	return t;
}

/* A lag as evaluated: a source ahead of its reference is not behind. */
static int64_t lag_of(int64_t reference, int64_t height)
{
	return reference > height ? reference - height : 0;
}

/* Adds the sub-result and the perfdata of one lag; returns its state. */
static sbtc_state add_lag(sbtc_result *root, const config *cfg, source src, block_kind kind, const char *label,
			  int64_t reference, int64_t height, const char *what)
{
	sbtc_thresholds t = lag_thresholds(cfg, src, kind);
	int64_t lag = lag_of(reference, height);
	sbtc_state s = sbtc_thresholds_eval(&t, (double)lag);
	const char *unit = kind == BLOCKS_BTC ? "Bitcoin" : "Stacks";
	if (lag > 0)
		sbtc_result_set_id(sbtc_result_add(root, s, "%s: %lld %s block%s behind (%lld of %lld)", what, (long long)lag, unit,
				lag == 1 ? "" : "s", (long long)height, (long long)reference), label);
	else if (height > reference)
		sbtc_result_set_id(sbtc_result_add(root, s, "%s: %lld ahead (%lld, reference %lld)", what,
				(long long)(height - reference), (long long)height, (long long)reference), label);
	else
		sbtc_result_set_id(sbtc_result_add(root, s, "%s: level at %lld", what, (long long)height), label);
	sbtc_perf_add_count(root, label, (double)lag, "blocks", &t, 0, NAN);
	return s;
}

/* Bitcoin chains: "main" (Bitcoin Core), "bitcoin"/"mainnet" (the signer's names) are
 * mainnet; test, testnet4, signet and regtest are not. -1 when the name is unknown. */
static int chain_is_mainnet(const char *chain)
{
	if (strcmp(chain, "main") == 0 || strcmp(chain, "bitcoin") == 0 || strcmp(chain, "mainnet") == 0)
		return 1;
	if (strcmp(chain, "test") == 0 || strcmp(chain, "testnet") == 0 || strcmp(chain, "testnet3") == 0 ||
	    strcmp(chain, "testnet4") == 0 || strcmp(chain, "signet") == 0 || strcmp(chain, "regtest") == 0)
		return 0;
	return -1;
}

static int network_id_is_mainnet(int64_t id)
{
	if (id == 1)
		return 1;
	if (id == 0x80000000LL)
		return 0;
	return -1;
}

static const char *mainnet_word(int m)
{
	return m ? "mainnet" : "a test network";
}

/* A source on another chain than --network: a CRITICAL naming both, and true. is_main is
 * what chain_is_mainnet or network_id_is_mainnet said (-1, unknown: not judged). */
static bool wrong_network(sbtc_result *root, const config *cfg, const char *who, int is_main, const char *detail)
{
	if (is_main < 0 || is_main == (cfg->network == SBTC_NETWORK_MAINNET))
		return false;
	sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "wrong chain: %s is on %s (%s), expected %s (--network %s)", who,
			mainnet_word(is_main), detail, mainnet_word(cfg->network == SBTC_NETWORK_MAINNET),
			sbtc_network_name(cfg->network)), "chain");
	return true;
}

static char *peer_name(const char *role, const char *url)
{
	char *origin = sbtc_url_origin(url);
	char *p = sbtc_xasprintf("%s %s", role, origin);
	free(origin);
	return p;
}

static void perf_time(sbtc_result *root, const char *label, double seconds)
{
	sbtc_perf_add(root, label, round(seconds * 1e6) / 1e6, "s", NULL, 0, NAN);
}

/* A failed exchange: its own line, in the state its ending earns. true when it failed. */
static bool failed(sbtc_result *root, const sbtc_outcome *oc, const char *id)
{
	if (oc->status == SBTC_FETCH_OK)
		return false;
	sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(oc->status), "%s", oc->msg), id);
	return true;
}

/* Judgement reads what was measured and the names of the sources. */
typedef struct {
	const config *cfg;
	const measured *m;
	char *bitcoin_peer, *stacks_peer;
	bool have_bitcoin, have_stacks;
	bool have_signer_btc, have_signer_stx;
	int64_t signer_btc, signer_stx;
} judgement;

/* -- Bitcoin ------------------------------------------------------------------------- */

static void judge_bitcoin(sbtc_result *root, judgement *j)
{
	const config *cfg = j->cfg;
	const measured *m = j->m;
	const char *peer = j->bitcoin_peer;
	char age[32];
	if (!failed(root, &m->btc_oc, "bitcoin_node")) {
		j->have_bitcoin = true;
		const sbtc_bitcoin_chaininfo *ci = &m->btc;
		char what[240], detail[80];
		snprintf(detail, sizeof detail, "chain %.*s", (int)sizeof ci->chain, ci->chain);
		wrong_network(root, cfg, peer, chain_is_mainnet(ci->chain), detail);
		snprintf(what, sizeof what, "%s (%.*s) against its headers", peer, (int)sizeof ci->chain, ci->chain);
		/* During initial block download the lag and the age follow from it: they are shown
		 * under it, so that the status line names the cause. */
		sbtc_result *at = root;
		if (ci->initialblockdownload)
			at = sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL,
					     "%s is in initial block download: height %lld of %lld headers, %.1f%% verified",
					     peer, (long long)ci->blocks, (long long)ci->headers,
					     ci->verificationprogress * 100.0), "bitcoin_sync");
		add_lag(at, cfg, SRC_BITCOIN, BLOCKS_BTC, "bitcoin_lag", ci->headers, ci->blocks, what);
		if (ci->time >= 0) {
			double a = difftime(time(NULL), (time_t)ci->time);
			if (a < 0)
				a = 0; /* header times may run ahead of this host's clock */
			sbtc_state s = sbtc_thresholds_eval(&cfg->tip_age, a);
			sbtc_format_duration(a, age, sizeof age);
			sbtc_result_set_id(sbtc_result_add(at, s, "%s: best block %lld is %s old", peer, (long long)ci->blocks, age), "bitcoin_tip_age");
			sbtc_perf_add(root, "bitcoin_tip_age", round(a), "s", &cfg->tip_age, 0, NAN);
		} else {
			sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s does not report its best block's time (before 24.0)", peer), "bitcoin_tip_age");
		}
		if (ci->warnings[0] != '\0')
			sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s warns: %s", peer, ci->warnings), "bitcoin_warnings");
		sbtc_perf_add_count(root, "bitcoin_height", (double)ci->blocks, "blocks", NULL, 0, NAN);
		sbtc_perf_add_count(root, "bitcoin_headers", (double)ci->headers, "headers", NULL, 0, NAN);
	}

	/* The references: an Esplora API, or a second Bitcoin Core whose chain must match. */
	if (cfg->bitcoin_ref != NULL && !failed(root, &m->esplora_oc, "bitcoin_reference")) {
		sbtc_perf_add_count(root, "bitcoin_reference_height", (double)m->esplora_height, "blocks", NULL, 0, NAN);
		if (j->have_bitcoin) {
			char *rp = peer_name("Bitcoin reference", cfg->bitcoin_ref);
			char what[400];
			snprintf(what, sizeof what, "%s against %s", peer, rp);
			add_lag(root, cfg, SRC_BITCOIN, BLOCKS_BTC, "bitcoin_reference_lag", m->esplora_height, m->btc.blocks,
				what);
			free(rp);
		}
	}
	if (cfg->bitcoin_ref_rpc.url != NULL && !failed(root, &m->ref_rpc_oc, "bitcoin_reference")) {
		const sbtc_bitcoin_chaininfo *ref = &m->ref_rpc;
		char *rp = peer_name("reference Bitcoin Core", cfg->bitcoin_ref_rpc.url);
		sbtc_perf_add_count(root, "bitcoin_reference_height", (double)ref->blocks, "blocks", NULL, 0, NAN);
		if (j->have_bitcoin && strcmp(ref->chain, m->btc.chain) != 0) {
			sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "chain mismatch: %s is on %s, %s on %s", peer, m->btc.chain, rp,
					ref->chain), "chain");
		} else if (j->have_bitcoin) {
			char what[400];
			snprintf(what, sizeof what, "%s against %s", peer, rp);
			add_lag(root, cfg, SRC_BITCOIN, BLOCKS_BTC, "bitcoin_reference_lag", ref->blocks, m->btc.blocks, what);
		}
		free(rp);
	}
	perf_time(root, "bitcoin_time", m->time[SRC_BITCOIN]);
}

/* -- Stacks -------------------------------------------------------------------------- */

/* The Stacks node against its peers: GET /v3/health (stackslib/src/net/api/gethealth.rs). */
static void judge_stacks_peers(sbtc_result *root, const config *cfg, const measured *m, const char *peer)
{
	const sbtc_stacks_health *h = &m->health;
	sbtc_fetch_status st = m->health_oc.status;
	if (st == SBTC_FETCH_OK && h->no_neighbour) {
		/* From 3.2.0.0.2: 200 with no neighbour (address null, height 0), which is no
		 * evidence that the node is level with anyone. */
		sbtc_result_set_id(sbtc_result_add(root, cfg->no_peers_state,
				"Stacks node has no neighbours: its tip cannot be compared (%s at %lld; /v3/health "
				"knows no neighbour)",
				peer, (long long)h->node_stacks_tip_height), "stacks_peer_lag");
	} else if (st == SBTC_FETCH_OK) {
		sbtc_thresholds t = lag_thresholds(cfg, SRC_STACKS, BLOCKS_STX);
		int64_t lag = h->difference_from_max_peer > 0 ? h->difference_from_max_peer : 0;
		sbtc_state s = sbtc_thresholds_eval(&t, (double)lag);
		if (lag > 0)
			sbtc_result_set_id(sbtc_result_add(root, s, "%s against its peers: %lld Stacks block%s behind (%lld of %lld)", peer,
					(long long)lag, lag == 1 ? "" : "s", (long long)h->node_stacks_tip_height,
					(long long)h->max_stacks_height_of_neighbors), "stacks_peer_lag");
		else
			sbtc_result_set_id(sbtc_result_add(root, s, "%s against its peers: level at %lld", peer,
					(long long)h->node_stacks_tip_height), "stacks_peer_lag");
		sbtc_perf_add_count(root, "stacks_peer_lag", (double)lag, "blocks", &t, 0, NAN);
	} else if (st == SBTC_FETCH_ERROR && h->http_status == 500) {
		/* 3.1.0.0.13 to 3.2.0.0.1 answer 500 when they know no neighbour to compare with. */
		sbtc_result_set_id(sbtc_result_add(root, cfg->no_peers_state, "Stacks node has no neighbours: its tip cannot be compared (%s)",
				m->health_oc.msg), "stacks_peer_lag");
	} else if (st == SBTC_FETCH_ERROR && h->http_status == 404) {
		/* Nodes before 3.1.0.0.13 have no /v3/health: nothing to judge. */
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "no peer comparison: %s has no /v3/health (before 3.1.0.0.13)", peer), "stacks_peer_lag");
	} else if (st == SBTC_FETCH_ERROR) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "no peer comparison: %s", m->health_oc.msg), "stacks_peer_lag");
	} else {
		failed(root, &m->health_oc, "stacks_peer_lag");
	}
}

/* One Stacks tip age, evaluated, with its perfdata: "<peer>: Stacks tip <before><age><after>". */
static void add_stx_tip_age(sbtc_result *root, const config *cfg, double age, const char *peer, const char *before,
			    const char *after)
{
	char text[32];
	if (age < 0)
		age = 0; /* a block time ahead of this host's clock */
	sbtc_state s = sbtc_thresholds_eval(&cfg->stx_tip_age, age);
	sbtc_format_duration(age, text, sizeof text);
	sbtc_result_set_id(sbtc_result_add(root, s, "%s: Stacks tip %s%s%s", peer, before, text, after), "stacks_tip_age");
	sbtc_perf_add(root, "stacks_tip_age", round(age), "s", &cfg->stx_tip_age, 0, NAN);
}

/* The age of the tip by its height kept between runs: the time since the height last
 * changed. */
static void judge_tip_age_by_height(sbtc_result *root, const config *cfg, const char *peer, int64_t height,
				    const height_memory *hm)
{
	if (hm->same) {
		char how[80];
		snprintf(how, sizeof how, "%lld has not changed for ", (long long)height);
		add_stx_tip_age(root, cfg, difftime(time(NULL), hm->since), peer, how, "");
	} else if (hm->failed) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "no Stacks tip age for %s: %s (--state-dir)", peer, hm->err), "stacks_tip_age");
	} else if (hm->r == 1) {
		/* It moved between the last run and this one: the age starts again. */
		sbtc_state s = sbtc_thresholds_eval(&cfg->stx_tip_age, 0);
		sbtc_result_set_id(sbtc_result_add(root, s, "%s: Stacks tip moved to %lld since the last run", peer, (long long)height), "stacks_tip_age");
		sbtc_perf_add(root, "stacks_tip_age", 0, "s", &cfg->stx_tip_age, 0, NAN);
	} else {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK,
				"%s: no Stacks tip age yet: height %lld recorded in %s; later runs measure how long it "
				"stays%s%s",
				peer, (long long)height, hm->where, hm->r < 0 ? "; " : "", hm->r < 0 ? hm->err : ""), "stacks_tip_age");
	}
}

/* How long ago the Stacks tip moved: the tip block's own timestamp where the node serves
 * it (GET /v3/tenures/tip_metadata, 3.3.0.0.4+), else the height kept between runs. */
static void judge_stacks_tip_age(sbtc_result *root, const config *cfg, const measured *m, const char *peer)
{
	const sbtc_outcome *oc = &m->tip_oc;
	if (!tip_age_by_height(m)) {
		if (!failed(root, oc, "stacks_tip_age")) {
			char how[80];
			snprintf(how, sizeof how, "block %lld is ", (long long)m->tip.chain_length);
			add_stx_tip_age(root, cfg, difftime(time(NULL), (time_t)m->tip.timestamp), peer, how, " old");
		}
		return;
	}
	/* 404 before 3.3.0.0.4, an Epoch 2 header, or no answer: the height method. */
	if (oc->done && cfg->verbose > 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "no Stacks tip timestamp: %s",
				oc->status == SBTC_FETCH_OK ? "an Epoch 2 block header" : oc->msg), "stacks_tip_age");
	judge_tip_age_by_height(root, cfg, peer, m->stx.stacks_tip_height, &m->memory);
}

static void judge_stacks_reference(sbtc_result *root, const config *cfg, const measured *m, const char *peer,
				   int stx_main)
{
	if (failed(root, &m->sref_oc, "stacks_reference"))
		return;
	const sbtc_stacks_reference *r = &m->sref;
	int ref_main = r->has_network ? network_id_is_mainnet(r->network_id) : -1;
	char *rp = peer_name("Stacks reference", cfg->stacks_ref);
	if (ref_main >= 0 && stx_main >= 0 && ref_main != stx_main) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "chain mismatch: %s is on %s, %s on %s", peer, mainnet_word(stx_main),
				rp, mainnet_word(ref_main)), "chain");
	} else {
		char what[400];
		snprintf(what, sizeof what, "%s against %s", peer, rp);
		sbtc_perf_add_count(root, "stacks_reference_height", (double)r->height, "blocks", NULL, 0, NAN);
		add_lag(root, cfg, SRC_STACKS, BLOCKS_STX, "stacks_reference_lag", r->height, m->stx.stacks_tip_height, what);
	}
	free(rp);
}

static void judge_stacks(sbtc_result *root, judgement *j)
{
	const config *cfg = j->cfg;
	const measured *m = j->m;
	const char *peer = j->stacks_peer;
	if (failed(root, &m->stx_oc, "stacks_node")) {
		perf_time(root, "stacks_time", m->time[SRC_STACKS]);
		return;
	}
	j->have_stacks = true;
	const sbtc_stacks_info *si = &m->stx;
	sbtc_perf_add_count(root, "stacks_height", (double)si->stacks_tip_height, "blocks", NULL, 0, NAN);
	sbtc_perf_add_count(root, "stacks_burn_height", (double)si->burn_block_height, "blocks", NULL, 0, NAN);

	int stx_main = network_id_is_mainnet(si->network_id);
	int btc_main = j->have_bitcoin ? chain_is_mainnet(m->btc.chain) : -1;
	char detail[80];
	snprintf(detail, sizeof detail, "network_id 0x%llx", (unsigned long long)si->network_id);
	wrong_network(root, cfg, peer, stx_main, detail);
	if (stx_main >= 0 && btc_main >= 0 && stx_main != btc_main) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL,
				"chain mismatch: %s is on %s (network_id 0x%llx), %s on %s (%s): the lag is meaningless",
				peer, mainnet_word(stx_main), (unsigned long long)si->network_id, j->bitcoin_peer,
				mainnet_word(btc_main), m->btc.chain), "chain");
	} else if (j->have_bitcoin) {
		char what[400];
		snprintf(what, sizeof what, "%s's Bitcoin view against %s", peer, j->bitcoin_peer);
		add_lag(root, cfg, SRC_STACKS, BLOCKS_BTC, "stacks_burn_lag", m->btc.blocks, si->burn_block_height, what);
	} else {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s: Stacks height %lld, Bitcoin height %lld", peer,
				(long long)si->stacks_tip_height, (long long)si->burn_block_height), "stacks_node");
	}
	if (si->has_is_fully_synced && !si->is_fully_synced)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s is not fully synced (is_fully_synced false) at Stacks height %lld",
				peer, (long long)si->stacks_tip_height), "stacks_sync");
	judge_stacks_peers(root, cfg, m, peer);
	judge_stacks_tip_age(root, cfg, m, peer);
	if (cfg->stacks_ref != NULL)
		judge_stacks_reference(root, cfg, m, peer, stx_main);
	perf_time(root, "stacks_time", m->time[SRC_STACKS]);
}

/* -- The signer ---------------------------------------------------------------------- */

/* One of the signer's tips against its node: the node as this check measured it, else as
 * the signer itself reports it. */
static void signer_tip_lag(sbtc_result *root, judgement *j, const char *peer, block_kind kind,
			   const sbtc_signer_tip *signer_tip, const sbtc_signer_tip *node_tip, bool have_measured,
			   int64_t measured_height, const char *measured_peer)
{
	const char *chain = kind == BLOCKS_BTC ? "Bitcoin" : "Stacks";
	const char *hl = kind == BLOCKS_BTC ? "signer_bitcoin_height" : "signer_stacks_height";
	const char *ll = kind == BLOCKS_BTC ? "signer_bitcoin_lag" : "signer_stacks_lag";
	if (!node_tip->known)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s reports no %s node tip: it cannot reach its %s node", peer, chain,
				chain), ll);
	if (!signer_tip->known) {
		sbtc_result_set_id(sbtc_result_add(root, kind == BLOCKS_BTC ? SBTC_CRITICAL : SBTC_WARNING,
				"%s has no %s tip: it has recorded no %s block", peer, chain, chain), ll);
		return;
	}
	sbtc_perf_add_count(root, hl, (double)signer_tip->height, "blocks", NULL, 0, NAN);
	if (kind == BLOCKS_BTC) {
		j->have_signer_btc = true;
		j->signer_btc = signer_tip->height;
	} else {
		j->have_signer_stx = true;
		j->signer_stx = signer_tip->height;
	}
	char what[400];
	if (have_measured) {
		snprintf(what, sizeof what, "%s's %s tip against %s", peer, chain, measured_peer);
		add_lag(root, j->cfg, SRC_SIGNER, kind, ll, measured_height, signer_tip->height, what);
	} else if (node_tip->known) {
		snprintf(what, sizeof what, "%s's %s tip against its node's", peer, chain);
		add_lag(root, j->cfg, SRC_SIGNER, kind, ll, node_tip->height, signer_tip->height, what);
	}
}

static void judge_signer_api(sbtc_result *root, judgement *j)
{
	const measured *m = j->m;
	if (failed(root, &m->signer_oc, "signer_api"))
		return;
	const sbtc_signer_info *si = &m->signer;
	char *peer = peer_name("signer", j->cfg->signer_url);
	/* The signer's own node on another chain than the one measured here. */
	int sc = si->bitcoin_node_chain[0] ? chain_is_mainnet(si->bitcoin_node_chain) : -1;
	if (sc < 0 && si->network[0])
		sc = chain_is_mainnet(si->network);
	int bc = j->have_bitcoin ? chain_is_mainnet(m->btc.chain) : -1;
	char detail[120];
	snprintf(detail, sizeof detail, "%s %.*s", si->bitcoin_node_chain[0] ? "Bitcoin chain" : "network",
		 (int)sizeof si->network, si->bitcoin_node_chain[0] ? si->bitcoin_node_chain : si->network);
	wrong_network(root, j->cfg, peer, sc, detail);
	if (sc >= 0 && bc >= 0 && sc != bc)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "chain mismatch: %s is on %s, %s on %s (%s)", peer, mainnet_word(sc),
				j->bitcoin_peer, mainnet_word(bc), m->btc.chain), "chain");
	else
		signer_tip_lag(root, j, peer, BLOCKS_BTC, &si->bitcoin_signer_tip, &si->bitcoin_node_tip, j->have_bitcoin,
			       j->have_bitcoin ? m->btc.blocks : 0, j->bitcoin_peer);
	signer_tip_lag(root, j, peer, BLOCKS_STX, &si->stacks_signer_tip, &si->stacks_node_tip, j->have_stacks,
		       j->have_stacks ? m->stx.stacks_tip_height : 0, j->stacks_peer);
	free(peer);
}

static void judge_signer_db(sbtc_result *root, judgement *j)
{
	const measured *m = j->m;
	const config *cfg = j->cfg;
	char age[32];
	if (failed(root, &m->db_oc, "signer_database"))
		return;
	if (m->db_query_oc.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(m->db_query_oc.status), "signer database %s: %s", m->db_oc.msg,
				m->db_query_oc.msg), "signer_database");
		return;
	}
	if (PQntuples(m->db_res) == 0) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "signer database %s has recorded no Bitcoin block", m->db_oc.msg), "signer_database");
		return;
	}
	long long height = strtoll(PQgetvalue(m->db_res, 0, 0), NULL, 10);
	double a = strtod(PQgetvalue(m->db_res, 0, 1), NULL);
	if (a < 0)
		a = 0;
	sbtc_perf_add_count(root, "signer_bitcoin_height", (double)height, "blocks", NULL, 0, NAN);
	j->have_signer_btc = true;
	j->signer_btc = height;
	if (j->have_bitcoin) {
		char what[400];
		snprintf(what, sizeof what, "signer database %.200s against %s", m->db_oc.msg, j->bitcoin_peer);
		add_lag(root, cfg, SRC_SIGNER, BLOCKS_BTC, "signer_bitcoin_lag", m->btc.blocks, height, what);
	}
	sbtc_state s = sbtc_thresholds_eval(&cfg->tip_age, a);
	sbtc_format_duration(a, age, sizeof age);
	sbtc_result_set_id(sbtc_result_add(root, s, "signer database %s: tip %lld, last block recorded %s ago", m->db_oc.msg, height, age), "signer_last_block_age");
	sbtc_perf_add(root, "signer_last_block_age", round(a), "s", &cfg->tip_age, 0, NAN);
}

/* Every source's lines and perfdata, each link against the earlier ones (Bitcoin Core
 * first), and the status line for a run that ends OK. */
static void judge(sbtc_result *root, const config *cfg, const measured *m, judgement *j)
{
	const char *btc_url = cfg->bitcoin.url ? cfg->bitcoin.url : SBTC_DEFAULT_BITCOIN_URL;
	*j = (judgement){.cfg = cfg, .m = m};
	j->bitcoin_peer = peer_name("Bitcoin Core", btc_url);
	j->stacks_peer = peer_name("Stacks node", cfg->stacks_url);
	if (cfg->bitcoin_on)
		judge_bitcoin(root, j);
	if (cfg->stacks_on)
		judge_stacks(root, j);
	if (cfg->signer_on && cfg->signer_url_given)
		judge_signer_api(root, j);
	if (cfg->signer_on && cfg->dbconn != NULL)
		judge_signer_db(root, j);
	if (cfg->signer_on)
		perf_time(root, "signer_time", m->time[SRC_SIGNER]);
	free(j->bitcoin_peer);
	free(j->stacks_peer);
}

/* The status line when all is well: the heights, one source after the other. */
static void ok_summary(sbtc_result *root, const judgement *j)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	if (j->have_bitcoin)
		sbtc_strbuf_printf(&b, "Bitcoin Core at %lld (%s)", (long long)j->m->btc.blocks, j->m->btc.chain);
	if (j->have_stacks)
		sbtc_strbuf_printf(&b, "%sStacks node at %lld (Bitcoin %lld)", b.len ? ", " : "",
				   (long long)j->m->stx.stacks_tip_height, (long long)j->m->stx.burn_block_height);
	if (j->have_signer_btc || j->have_signer_stx) {
		sbtc_strbuf_printf(&b, "%ssigner at", b.len ? ", " : "");
		if (j->have_signer_btc)
			sbtc_strbuf_printf(&b, " Bitcoin %lld", (long long)j->signer_btc);
		if (j->have_signer_stx)
			sbtc_strbuf_printf(&b, "%s Stacks %lld", j->have_signer_btc ? "," : "", (long long)j->signer_stx);
	}
	sbtc_strbuf_printf(&b, "%sno source lags", b.len ? "; " : "");
	sbtc_result_set_ok_summary(root, "%s", sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;
	measured m;
	judgement j;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	config_finish(&cfg, &common);

	measure(&cfg, &m);

	sbtc_result *root = sbtc_result_new();
	judge(root, &cfg, &m, &j);
	sbtc_perf_add_time(root);
	ok_summary(root, &j);
	measured_free(&m);
	return sbtc_finish(root);
}
