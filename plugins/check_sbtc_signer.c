/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_signer: is the signer doing its job? Alive (its API answers, it holds a
 * database session), in the registry's signer set, connected to enough peers to sign,
 * DKG shares verified in time, no deposit or withdrawal stuck, few signing errors, fees
 * paid for, Emily reachable. Each from the source that knows it: the signer's API, its
 * database, its Prometheus exporter, the registry on chain, Emily. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acquire.h"
#include "cli.h"
#include "deadline.h"
#include "emily.h"
#include "hex.h"
#include "http.h"
#include "human.h"
#include "output.h"
#include "range.h"
#include "registry.h"
#include "sha256.h"
#include "signer_api.h"
#include "signer_chain.h"
#include "signer_db.h"
#include "signer_metrics.h"
#include "stacks.h"
#include "statedir.h"
#include "strbuf.h"

#define DEFAULT_STATE_DIR_PREFIX "/var/tmp/check_sbtc_signer-"
#define DEFAULT_DEPOSIT_AGE "6h"
#define DEFAULT_WITHDRAWAL_BLOCKS "12"
#define DEFAULT_DKG_WINDOW "10"
/* Fees: every Stacks transaction of the signers costs at most stacks_fees_max_ustx
 * (default 1,500,000 µSTX = 1.5 STX). At about 15 transactions a day (deposits and
 * withdrawals completed, key rotations), a day costs at most 22.5 STX: 150 STX lasts a
 * week, 45 STX two days. */
#define DEFAULT_FEE_WARNING "150"
#define DEFAULT_FEE_CRITICAL "45"
#define DEFAULT_ERRORS_WARNING "10"
#define DEFAULT_ERRORS_CRITICAL "50"
#define PEER_WINDOW_SECONDS 3600.0

enum {
	OPT_SIGNER_URL = SBTC_OPT_PLUGIN_FIRST,
	OPT_ONLY,
	OPT_SKIP,
	OPT_STATE_DIR,
	OPT_DEPOSIT_AGE,
	OPT_WITHDRAWAL_BLOCKS,
	OPT_DKG_WINDOW,
	OPT_FEE_WARNING,
	OPT_FEE_CRITICAL,
	OPT_ERRORS_WARNING,
	OPT_ERRORS_CRITICAL,
	OPT_EMILY_URL_FILE,
};

/* The sub-checks, by their stable ids. */
typedef enum {
	SC_ALIVE, SC_SIGNER_SET, SC_THRESHOLD, SC_PEERS, SC_DKG, SC_DEPOSITS, SC_WITHDRAWALS,
	SC_SIGNING_ERRORS, SC_FEES, SC_EMILY, SC_COUNT
} subcheck;

static const char *const sc_names[SC_COUNT] = {
	"alive", "signer_set", "threshold", "peers", "dkg", "deposits", "withdrawals",
	"signing_errors", "fees", "emily",
};

typedef struct {
	unsigned selected;        /* bit per subcheck */
	bool only_given, skip_given;
	bool have_key;
	uint8_t key[SBTC_AGGREGATE_KEY_LEN];
	const char *signer_url, *metrics_url, *stacks_url, *dbconn, *emily_file, *state_dir;
	double deposit_age;
	int64_t withdrawal_blocks, dkg_window;
	sbtc_range peers_w, peers_c; /* .set false unless -w/-c */
	sbtc_thresholds errors;      /* percent of failed work */
	sbtc_thresholds fees;        /* STX */
	sbtc_registry_opts registry;
	sbtc_http_opts http;
	int verbose;
} config;

static bool on(const config *cfg, subcheck s)
{
	return (cfg->selected >> s) & 1u;
}

static const sbtc_option options[] = {
	{"public-key", 'k', SBTC_ARG_REQUIRED, "HEX", 'k',
	 "This signer's public key: 33 bytes compressed, in hex (66 digits starting 02 or 03), as\n"
	 "the signer logs it and the registry holds it. Never the private key. Needed by\n"
	 "signer_set and deposits.", NULL},
	{"signer-url", 0, SBTC_ARG_REQUIRED, "URL", OPT_SIGNER_URL,
	 "The signer's API (signer.event_observer.bind): GET / must answer 200.", SBTC_DEFAULT_SIGNER_URL},
	{"dbconn", 'd', SBTC_ARG_REQUIRED, "CONNINFO", 'd',
	 "The signer's database: a libpq conninfo string or URI (passwords in ~/.pgpass,\n"
	 "PGPASSFILE or a service file, not here). Without it the database is not queried: the\n"
	 "set is judged from the chain alone, peers from the exporter, and dkg, deposits and\n"
	 "withdrawals are not queried.", NULL},
	{"metrics-url", 'm', SBTC_ARG_REQUIRED, "URL", 'm',
	 "The signer's Prometheus exporter (signer.prometheus_exporter_endpoint, e.g.\n"
	 "http://127.0.0.1:9184/metrics): peers_connected (v1.1.0+) and the signing counters.\n"
	 "Without it peers come from the database and signing_errors is not queried.", NULL},
	{"stacks-url", 'u', SBTC_ARG_REQUIRED, "URL", 'u',
	 "The Stacks node's RPC: the registry's signer set, threshold and principal, and the\n"
	 "principal's STX balance.", SBTC_DEFAULT_STACKS_URL},
	{"emily-url-file", 0, SBTC_ARG_REQUIRED, "FILE", OPT_EMILY_URL_FILE,
	 "A file whose first line is the signer's Emily endpoint (emily.endpoints), API key\n"
	 "included (http://KEY@host:port). It must not be readable by others; the URL is never\n"
	 "printed (messages name the host). Without it emily is not queried.", NULL},
	{"only", 0, SBTC_ARG_REQUIRED, "LIST", OPT_ONLY,
	 "Judge only these sub-checks (comma-separated): alive, signer_set, threshold, peers, dkg,\n"
	 "deposits, withdrawals, signing_errors, fees, emily. Like the include/exclude lists of\n"
	 "the official check_disk, so that each can be its own service with its own\n"
	 "notification policy.", NULL},
	{"skip", 0, SBTC_ARG_REQUIRED, "LIST", OPT_SKIP,
	 "Judge all sub-checks but these (the names of --only).", NULL},
	{"warning", 'w', SBTC_ARG_REQUIRED, "RANGE", 'w',
	 "Connected peers that are a WARNING (default: fewer than the signature threshold: one\n"
	 "lost peer from being unable to sign).", NULL},
	{"critical", 'c', SBTC_ARG_REQUIRED, "RANGE", 'c',
	 "Connected peers that are CRITICAL (default: fewer than the signature threshold minus\n"
	 "one: with its own signature the signer cannot reach the threshold).", NULL},
	{"deposit-age", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_DEPOSIT_AGE,
	 "A deposit this signer voted to accept and can sign, with no sweep after this long,\n"
	 "is stuck (WARNING).", DEFAULT_DEPOSIT_AGE},
	{"withdrawal-blocks", 0, SBTC_ARG_REQUIRED, "BLOCKS", OPT_WITHDRAWAL_BLOCKS,
	 "A withdrawal request older than this many Bitcoin blocks with neither an accept nor\n"
	 "a reject event is stuck (WARNING).", DEFAULT_WITHDRAWAL_BLOCKS},
	{"dkg-window", 0, SBTC_ARG_REQUIRED, "BLOCKS", OPT_DKG_WINDOW,
	 "The signer's dkg_verification_window: a DKG share unverified for more Bitcoin blocks\n"
	 "than this is stuck (WARNING).", DEFAULT_DKG_WINDOW},
	{"errors-warning", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_ERRORS_WARNING,
	 "Percentage of failed sign requests, signing rounds or submitted transactions since\n"
	 "the previous run that is a WARNING.", DEFAULT_ERRORS_WARNING},
	{"errors-critical", 0, SBTC_ARG_REQUIRED, "RANGE", OPT_ERRORS_CRITICAL,
	 "The same, CRITICAL.", DEFAULT_ERRORS_CRITICAL},
	{"fee-balance-warning", 0, SBTC_ARG_REQUIRED, "STX", OPT_FEE_WARNING,
	 "STX balance of the signers' principal below which it is a WARNING: 150 STX is about a\n"
	 "week of fees at 1.5 STX per transaction (stacks_fees_max_ustx as the signer ships it)\n"
	 "and about 15 transactions a day.", DEFAULT_FEE_WARNING},
	{"fee-balance-critical", 0, SBTC_ARG_REQUIRED, "STX", OPT_FEE_CRITICAL,
	 "The same, CRITICAL: about two days of fees at that rate.", DEFAULT_FEE_CRITICAL},
	{"state-dir", 0, SBTC_ARG_REQUIRED, "DIR", OPT_STATE_DIR,
	 "Where the exporter's counters and the failed-share count are kept between runs\n"
	 "(default " DEFAULT_STATE_DIR_PREFIX "UID; created 0700; refused when it is a symbolic\n"
	 "link, another user's, or writable by others).", NULL},
};

static const sbtc_group_use groups[] = {
	{.group = &sbtc_registry_group, .offset = offsetof(config, registry), .before = "emily-url-file"},
	{.group = &sbtc_http_tls_group, .offset = offsetof(config, http)},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_signer",
	.check_label = "SIGNER",
	.purpose =
		"Checks that the sBTC signer is at work: its API answers and it holds a database\n"
		"session; its public key is in the registry's current signer set (and in the newest\n"
		"verified DKG share's); it is connected to enough peers to sign; no DKG share stays\n"
		"unverified and no failed share appeared; no deposit or withdrawal is stuck; few of\n"
		"its signing attempts fail; the signers' principal can pay its fees; Emily answers.",
	.usage = "-k HEX [--signer-url URL] [-d CONNINFO] [-m URL]\n"
		 "  [-u URL] [--emily-url-file FILE] [--only LIST | --skip LIST] [-w RANGE]\n"
		 "  [-c RANGE]\n"
		 "  [--deposit-age DURATION] [--withdrawal-blocks BLOCKS] [--dkg-window BLOCKS]\n"
		 "  [--errors-warning RANGE] [--errors-critical RANGE]\n"
		 "  [--fee-balance-warning STX] [--fee-balance-critical STX] [--state-dir DIR]\n"
		 "  [--network NETWORK] [--contract ADDRESS.NAME] [--insecure] [--cacert FILE]\n"
		 "  [-t SECONDS[:STATE]] [-v] [--output-format FORMAT]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.groups = groups,
	.ngroups = sizeof groups / sizeof groups[0],
	.notes =
		"Sub-checks (ids for --only, --skip and the Prometheus output) and their sources:\n"
		"  alive           GET / on the signer's API; its session in pg_stat_activity\n"
		"                  (application_name sbtc-signer)\n"
		"  signer_set      the registry (get-current-signer-data); the newest verified share\n"
		"  threshold       the registry's signature threshold against the share's\n"
		"  peers           peers_connected on the exporter, else sbtc_signer.p2p_peers\n"
		"                  dialed within the last hour\n"
		"  dkg             shares unverified past --dkg-window; the failed count grew\n"
		"  deposits        accepted, signable deposits not swept after --deposit-age\n"
		"  withdrawals     requests undecided after --withdrawal-blocks\n"
		"  signing_errors  failed sign requests, rounds and transactions since the last run\n"
		"  fees            the STX balance of the signers' principal\n"
		"  emily           GET /health on Emily\n"
		"A source that is not given is not queried (said, not judged); the others are still\n"
		"judged.\n"
		"\n"
		"States:\n"
		"  OK        every sub-check judged is fine.\n"
		"  WARNING   fewer peers than the signature threshold; the chain's and the newest\n"
		"            share's thresholds differ; a DKG share stuck unverified, or more failed\n"
		"            shares than at the last run; a deposit or withdrawal stuck; a signing\n"
		"            error rate past --errors-warning; the fee balance below\n"
		"            --fee-balance-warning.\n"
		"  CRITICAL  the API does not answer 200; no signer session in the database; the key\n"
		"            is not in the signer set (the signer will not sign), or no verified share\n"
		"            exists; too few peers to sign; past a critical threshold; a source is\n"
		"            unreachable or answers with an error.\n"
		"  UNKNOWN   bad arguments, an answer that cannot be decoded, a state file or Emily URL\n"
		"            file that cannot be used, the deadline (or the state given with -t).\n"
		"\n"
		"Perfdata: signer_sessions, signer_set_size, signature_threshold, peers, failed_shares,\n"
		"stuck_unverified_shares, stuck_deposits, oldest_stuck_deposit_age (s),\n"
		"stuck_withdrawals, oldest_stuck_withdrawal_blocks, sign_request_errors (%),\n"
		"signing_round_errors (%), transaction_errors (%), fee_balance (STX), time (s).\n"
		"\n"
		"The database role needs the columns listed in contrib/sql/monitoring-role.sql.\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_signer -k 02a1...e9 -d 'service=sbtc-signer' \\\n"
		"      -m http://127.0.0.1:9184/metrics --emily-url-file /etc/nagios/emily.url\n"
		"  check_sbtc_signer -k 02a1...e9 --only fees,signer_set -u http://127.0.0.1:20443",
	.default_timeout = 10,
};

static int parse_key(config *cfg, const char *arg, char *err, size_t errlen)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	char inner[200];
	if (sbtc_hex_decode(arg, &bytes, &len, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "invalid --public-key: %s", inner);
		return -1;
	}
	int rc = -1;
	if (len == 32)
		snprintf(err, errlen, "invalid --public-key: a 32-byte x-only key; give the 33-byte compressed key "
				      "(02 or 03 followed by the 32 bytes)");
	else if (len == 65)
		snprintf(err, errlen, "invalid --public-key: an uncompressed 65-byte key; give its 33-byte compressed "
				      "form (02 or 03 followed by the x coordinate)");
	else if (len != SBTC_AGGREGATE_KEY_LEN)
		snprintf(err, errlen, "invalid --public-key: %zu bytes; a compressed public key has 33", len);
	else if (bytes[0] != 0x02 && bytes[0] != 0x03)
		snprintf(err, errlen, "invalid --public-key: starts with 0x%02x; a compressed public key starts with "
				      "02 or 03", bytes[0]);
	else {
		memcpy(cfg->key, bytes, SBTC_AGGREGATE_KEY_LEN);
		cfg->have_key = true;
		rc = 0;
	}
	free(bytes);
	return rc;
}

/* "alive,peers" -> bits; -1 with a message naming the unknown id. */
static int parse_list(const char *arg, const char *what, unsigned *bits, char *err, size_t errlen)
{
	*bits = 0;
	const char *p = arg;
	for (;;) {
		size_t n = strcspn(p, ",");
		int found = -1;
		for (int i = 0; i < SC_COUNT; i++)
			if (strlen(sc_names[i]) == n && strncmp(p, sc_names[i], n) == 0)
				found = i;
		if (found < 0) {
			snprintf(err, errlen, "%s: unknown sub-check '%.*s' (known: alive, signer_set, threshold, peers, "
					      "dkg, deposits, withdrawals, signing_errors, fees, emily)",
				 what, (int)(n > 40 ? 40 : n), p);
			return -1;
		}
		*bits |= 1u << found;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int parse_blocks(const char *arg, const char *what, int64_t *out, char *err, size_t errlen)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end != '\0' || v < 1 || v > 1000000) {
		snprintf(err, errlen, "invalid %s '%.40s': expected a number of blocks from 1 to 1000000", what, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* "150" STX -> the range "150:" (alert below it). */
static int parse_stx(const char *arg, const char *what, sbtc_range *r, char *err, size_t errlen)
{
	double v;
	char inner[200], text[64];
	if (sbtc_quantity_parse(arg, SBTC_UNIT_NONE, &v, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "invalid %s: %s", what, inner);
		return -1;
	}
	snprintf(text, sizeof text, "%.6f:", v);
	return sbtc_range_parse(text, SBTC_UNIT_NONE, r, err, errlen);
}

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	unsigned bits;
	switch (key) {
	case 'k': return parse_key(cfg, arg, err, errlen);
	case OPT_SIGNER_URL: cfg->signer_url = arg; return sbtc_url_check(arg, "--signer-url", err, errlen);
	case 'm': cfg->metrics_url = arg; return sbtc_url_check(arg, "--metrics-url", err, errlen);
	case 'u': cfg->stacks_url = arg; return sbtc_url_check(arg, "--stacks-url", err, errlen);
	case 'd': cfg->dbconn = arg; return 0;
	case OPT_EMILY_URL_FILE: cfg->emily_file = arg; return 0;
	case OPT_STATE_DIR: cfg->state_dir = arg; return 0;
	case OPT_ONLY:
	case OPT_SKIP:
		if (parse_list(arg, key == OPT_ONLY ? "--only" : "--skip", &bits, err, errlen) != 0)
			return -1;
		if (key == OPT_ONLY) {
			cfg->only_given = true;
			cfg->selected = bits;
		} else {
			cfg->skip_given = true;
			cfg->selected &= ~bits;
		}
		if (cfg->only_given && cfg->skip_given) {
			snprintf(err, errlen, "--only and --skip exclude each other");
			return -1;
		}
		return 0;
	case 'w': return sbtc_range_parse(arg, SBTC_UNIT_NONE, &cfg->peers_w, err, errlen);
	case 'c': return sbtc_range_parse(arg, SBTC_UNIT_NONE, &cfg->peers_c, err, errlen);
	case OPT_DEPOSIT_AGE: return sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &cfg->deposit_age, err, errlen);
	case OPT_WITHDRAWAL_BLOCKS: return parse_blocks(arg, "--withdrawal-blocks", &cfg->withdrawal_blocks, err, errlen);
	case OPT_DKG_WINDOW: return parse_blocks(arg, "--dkg-window", &cfg->dkg_window, err, errlen);
	case OPT_ERRORS_WARNING: return sbtc_range_parse(arg, SBTC_UNIT_NONE, &cfg->errors.warning, err, errlen);
	case OPT_ERRORS_CRITICAL: return sbtc_range_parse(arg, SBTC_UNIT_NONE, &cfg->errors.critical, err, errlen);
	case OPT_FEE_WARNING: return parse_stx(arg, "--fee-balance-warning", &cfg->fees.warning, err, errlen);
	case OPT_FEE_CRITICAL: return parse_stx(arg, "--fee-balance-critical", &cfg->fees.critical, err, errlen);
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

static void config_init(config *cfg)
{
	char err[200];
	memset(cfg, 0, sizeof *cfg);
	cfg->selected = (1u << SC_COUNT) - 1;
	cfg->signer_url = SBTC_DEFAULT_SIGNER_URL;
	cfg->stacks_url = SBTC_DEFAULT_STACKS_URL;
	cfg->deposit_age = 6 * 3600.0;
	cfg->withdrawal_blocks = 12;
	cfg->dkg_window = 10;
	if (sbtc_range_parse(DEFAULT_ERRORS_WARNING, SBTC_UNIT_NONE, &cfg->errors.warning, err, sizeof err) != 0 ||
	    sbtc_range_parse(DEFAULT_ERRORS_CRITICAL, SBTC_UNIT_NONE, &cfg->errors.critical, err, sizeof err) != 0 ||
	    parse_stx(DEFAULT_FEE_WARNING, "default", &cfg->fees.warning, err, sizeof err) != 0 ||
	    parse_stx(DEFAULT_FEE_CRITICAL, "default", &cfg->fees.critical, err, sizeof err) != 0)
		sbtc_die(SBTC_UNKNOWN, "internal error: %s", err);
}

static void config_finish(config *cfg, const sbtc_common_opts *common)
{
	cfg->verbose = common->verbose;
	cfg->http.verbose = common->verbose;
	if (cfg->selected == 0)
		sbtc_usage_error(&info, "no sub-check left to judge");
	if (!cfg->have_key && (on(cfg, SC_SIGNER_SET) || (on(cfg, SC_DEPOSITS) && cfg->dbconn != NULL)))
		sbtc_usage_error(&info, "--public-key is required for signer_set and deposits (or --skip them)");
}

/* ---- measure: every source asked at once ---- */

typedef struct {
	bool asked_alive, asked_chain, asked_account, asked_metrics, asked_db, asked_emily;
	sbtc_outcome alive_oc;
	sbtc_signer_chain chain;
	sbtc_outcome chain_oc;
	sbtc_stacks_account account;
	sbtc_outcome account_oc;
	sbtc_signer_metrics metrics;
	sbtc_outcome metrics_oc;
	sbtc_outcome connect_oc;
	sbtc_signer_db_facts db;
	sbtc_emily_endpoint emily;
	sbtc_emily_health emily_health;
	sbtc_outcome emily_oc;
	/* between runs */
	bool state_used;
	int state_rc;
	char state_err[400];
	sbtc_signer_rates rates;
	long long prev_failed;
	const config *cfg;
	sbtc_acq *acq;
} measurement;

/* The chain's answer names the principal whose balance pays the fees. */
static void chain_then(sbtc_acq *a, void *ctx)
{
	measurement *m = ctx;
	if (!on(m->cfg, SC_FEES))
		return;
	if (m->chain_oc.status != SBTC_FETCH_OK) {
		m->account_oc = m->chain_oc;
		return;
	}
	if (!m->chain.has_principal) {
		sbtc_outcome_set(&m->account_oc, SBTC_FETCH_BAD_ANSWER, "the registry named no signers' principal");
		return;
	}
	m->asked_account = true;
	sbtc_stacks_account_start(a, m->cfg->stacks_url, "Stacks node", m->chain.principal, &m->cfg->http, &m->account,
				  &m->account_oc, NULL, NULL);
}

static bool wants_db(const config *cfg)
{
	return cfg->dbconn != NULL &&
	       (on(cfg, SC_ALIVE) || on(cfg, SC_SIGNER_SET) || on(cfg, SC_THRESHOLD) ||
		(on(cfg, SC_PEERS) && cfg->metrics_url == NULL) || on(cfg, SC_DKG) || on(cfg, SC_DEPOSITS) ||
		on(cfg, SC_WITHDRAWALS));
}

/* The state file of this signer: one per exporter and database, named by a digest. */
static void state_name(const config *cfg, char *dst, size_t dstlen)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	uint8_t d[SBTC_SHA256_LEN];
	char hex[2 * SBTC_SHA256_LEN + 1];
	sbtc_strbuf_printf(&b, "%s\n%s", cfg->metrics_url ? cfg->metrics_url : "",
			   cfg->dbconn ? cfg->dbconn : "");
	sbtc_sha256((const uint8_t *)sbtc_strbuf_str(&b), b.len, d);
	sbtc_strbuf_free(&b);
	sbtc_hex_encode(d, 8, hex);
	snprintf(dst, dstlen, "signer-%.16s.state", hex);
}

static void keep_state(const config *cfg, measurement *m)
{
	bool metrics = m->asked_metrics && m->metrics_oc.status == SBTC_FETCH_OK && on(cfg, SC_SIGNING_ERRORS);
	bool shares = m->asked_db && m->db.dkg_oc.status == SBTC_FETCH_OK && on(cfg, SC_DKG);
	m->prev_failed = -1;
	if (!metrics && !shares)
		return;
	m->state_used = true;
	char *dir = cfg->state_dir ? sbtc_xstrdup(cfg->state_dir) : sbtc_statedir_default(DEFAULT_STATE_DIR_PREFIX);
	int fd = sbtc_statedir_open(dir, "state directory", m->state_err, sizeof m->state_err);
	free(dir);
	if (fd < 0) {
		m->state_rc = -1;
		return;
	}
	char name[64];
	state_name(cfg, name, sizeof name);
	sbtc_signer_state_now now = {.metrics = metrics ? &m->metrics : NULL,
				     .failed_shares = shares ? (long long)m->db.failed_shares : -1};
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		sbtc_die(SBTC_UNKNOWN, "cannot read the clock");
	m->state_rc = sbtc_signer_state_update(fd, name, &now, (double)ts.tv_sec + ts.tv_nsec / 1e9, &m->rates,
					       &m->prev_failed,
					       m->state_err, sizeof m->state_err);
	close(fd);
}

static void measure(const config *cfg, measurement *m)
{
	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	sbtc_acq *a = sbtc_acq_new();
	if (on(cfg, SC_ALIVE)) {
		m->asked_alive = true;
		sbtc_signer_alive_start(a, cfg->signer_url, &cfg->http, &m->alive_oc, NULL, NULL);
	}
	if (on(cfg, SC_SIGNER_SET) || on(cfg, SC_THRESHOLD) || on(cfg, SC_FEES) || on(cfg, SC_PEERS)) {
		m->asked_chain = true;
		sbtc_signer_chain_start(a, cfg->stacks_url, "Stacks node", &cfg->registry.contract, cfg->registry.sender,
					&cfg->http, &m->chain, &m->chain_oc, chain_then, m);
	}
	if (cfg->metrics_url != NULL && (on(cfg, SC_PEERS) || on(cfg, SC_SIGNING_ERRORS))) {
		m->asked_metrics = true;
		sbtc_signer_metrics_start(a, cfg->metrics_url, &cfg->http, &m->metrics, &m->metrics_oc, NULL, NULL);
	}
	if (wants_db(cfg)) {
		m->asked_db = true;
		sbtc_signer_db_query q = {.deposit_age = cfg->deposit_age, .withdrawal_blocks = cfg->withdrawal_blocks,
					  .dkg_window = cfg->dkg_window, .peer_window = PEER_WINDOW_SECONDS};
		memcpy(q.public_key, cfg->key, sizeof q.public_key);
		sbtc_pg_session *s = sbtc_acq_pg_connect(a, cfg->dbconn, info.progname, &m->connect_oc, NULL, NULL);
		sbtc_signer_db_start(s, &q, &m->db, NULL, NULL);
	}
	if (on(cfg, SC_EMILY) && cfg->emily_file != NULL) {
		m->asked_emily = true;
		char err[SBTC_FETCH_MSG_MAX - 8];
		if (sbtc_emily_endpoint_read(cfg->emily_file, &m->emily, err, sizeof err) != 0)
			sbtc_outcome_set(&m->emily_oc, SBTC_FETCH_USAGE, "%s", err);
		else
			sbtc_emily_health_start(a, &m->emily, &cfg->http, &m->emily_health, &m->emily_oc, NULL, NULL);
	}
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	keep_state(cfg, m);
}

static void measurement_free(measurement *m)
{
	if (m->asked_db)
		sbtc_signer_db_facts_free(&m->db);
	sbtc_emily_endpoint_free(&m->emily);
}

/* ---- judge ---- */

/* A sub-result with its id. */
#define add(root, s, st, ...) sbtc_result_set_id(sbtc_result_add((root), (st), __VA_ARGS__), sc_names[(s)])

/* A source's failure as the sub-check's state. */
static sbtc_result *failed(sbtc_result *root, subcheck s, const char *what, const sbtc_outcome *oc)
{
	return add(root, s, sbtc_fetch_state(oc->status), "%s: %s", what,
		   oc->msg[0] ? oc->msg : "source did not answer");
}

static void not_queried(sbtc_result *root, const char *what, const char *why)
{
	sbtc_result_add(root, SBTC_OK, "%s: not queried (%s)", what, why);
}

static bool db_ok(const measurement *m, const sbtc_outcome *part)
{
	return m->asked_db && m->connect_oc.status == SBTC_FETCH_OK && part->status == SBTC_FETCH_OK;
}

/* The outcome that explains a database part: the connection's, else the part's. */
static const sbtc_outcome *db_outcome(const measurement *m, const sbtc_outcome *part)
{
	return m->connect_oc.status != SBTC_FETCH_OK ? &m->connect_oc : part;
}

static void judge_alive(sbtc_result *root, const config *cfg, const measurement *m)
{
	char *origin = sbtc_url_origin(cfg->signer_url);
	if (m->alive_oc.status == SBTC_FETCH_OK)
		add(root, SC_ALIVE, SBTC_OK, "signer API %s answers", origin);
	else
		failed(root, SC_ALIVE, "alive", &m->alive_oc);
	free(origin);
	if (!m->asked_db)
		return;
	if (!db_ok(m, &m->db.alive_oc)) {
		failed(root, SC_ALIVE, "signer's database session", db_outcome(m, &m->db.alive_oc));
		return;
	}
	if (m->db.signer_sessions == 0)
		add(root, SC_ALIVE, SBTC_CRITICAL,
		    "no session of the signer in database %s (pg_stat_activity, application_name sbtc-signer)",
		    m->connect_oc.msg);
	else
		add(root, SC_ALIVE, SBTC_OK, "the signer holds %zu session%s in database %s", m->db.signer_sessions,
		    m->db.signer_sessions == 1 ? "" : "s", m->connect_oc.msg);
	sbtc_perf_add_count(root, "signer_sessions", (double)m->db.signer_sessions, "sessions", NULL, 0, NAN);
}

static void judge_set(sbtc_result *root, const config *cfg, const measurement *m)
{
	char k[80];
	sbtc_key_text(cfg->key, cfg->verbose, k, sizeof k);
	if (m->chain_oc.status != SBTC_FETCH_OK) {
		failed(root, SC_SIGNER_SET, "signer set", &m->chain_oc);
	} else {
		if (sbtc_signer_chain_member(&m->chain, cfg->key))
			add(root, SC_SIGNER_SET, SBTC_OK, "key %s is in the registry's signer set of %zu", k,
			    m->chain.nkeys);
		else
			add(root, SC_SIGNER_SET, SBTC_CRITICAL,
			    "key %s is not in the registry's current signer set of %zu: the signer will not sign", k,
			    m->chain.nkeys);
		sbtc_perf_add_count(root, "signer_set_size", (double)m->chain.nkeys, "keys", NULL, 0, NAN);
	}
	if (!m->asked_db)
		return;
	if (!db_ok(m, &m->db.set_oc)) {
		failed(root, SC_SIGNER_SET, "signer set of the newest verified share", db_outcome(m, &m->db.set_oc));
	} else if (!m->db.set_found) {
		add(root, SC_SIGNER_SET, SBTC_CRITICAL, "no verified DKG share in database %s: the signer cannot sign",
		    m->connect_oc.msg);
	} else if (!m->db.member) {
		add(root, SC_SIGNER_SET, SBTC_CRITICAL,
		    "key %s is not in the signer set of the newest verified DKG share (%zu keys)", k, m->db.nset);
	} else {
		add(root, SC_SIGNER_SET, SBTC_OK, "key %s is in the signer set of the newest verified DKG share", k);
	}
}

/* The threshold the signer must reach: the chain's, else the newest share's; -1. */
static int64_t known_threshold(const measurement *m)
{
	if (m->asked_chain && m->chain_oc.status == SBTC_FETCH_OK && m->chain.has_threshold)
		return m->chain.threshold;
	if (db_ok(m, &m->db.set_oc) && m->db.set_found)
		return m->db.threshold;
	return -1;
}

static void judge_threshold(sbtc_result *root, const measurement *m)
{
	bool chain = m->chain_oc.status == SBTC_FETCH_OK && m->chain.has_threshold;
	bool db = db_ok(m, &m->db.set_oc) && m->db.set_found;
	if (chain && db && m->chain.threshold != m->db.threshold) {
		add(root, SC_THRESHOLD, SBTC_WARNING,
		    "signature threshold differs: %lld on chain, %lld in the newest verified share",
		    (long long)m->chain.threshold, (long long)m->db.threshold);
	} else if (chain) {
		add(root, SC_THRESHOLD, SBTC_OK, "signature threshold %lld of %zu", (long long)m->chain.threshold,
		    m->chain.nkeys);
	} else if (db) {
		add(root, SC_THRESHOLD, SBTC_OK, "signature threshold %lld of %zu (newest verified share; %s)",
		    (long long)m->db.threshold, m->db.nset,
		    m->chain_oc.status == SBTC_FETCH_OK ? "the registry names none" : "the registry did not answer");
	} else if (m->chain_oc.status != SBTC_FETCH_OK) {
		failed(root, SC_THRESHOLD, "signature threshold", &m->chain_oc);
		return;
	} else {
		add(root, SC_THRESHOLD, SBTC_UNKNOWN,
		    "signature threshold unknown: the registry answered through get-current-signer-set, which "
		    "has none, and no verified share was read");
		return;
	}
	int64_t t = chain ? m->chain.threshold : m->db.threshold;
	sbtc_perf_add_count(root, "signature_threshold", (double)t, "signers", NULL, 0, NAN);
}

static void judge_peers(sbtc_result *root, const config *cfg, const measurement *m)
{
	double peers = NAN;
	const char *from = NULL;
	if (m->asked_metrics && m->metrics_oc.status == SBTC_FETCH_OK && !isnan(m->metrics.peers_connected)) {
		peers = m->metrics.peers_connected;
		from = "connected (exporter)";
	} else if (db_ok(m, &m->db.peers_oc) && cfg->metrics_url == NULL) {
		peers = (double)m->db.peers_dialed;
		from = "dialed within the last hour (database)";
	}
	if (isnan(peers)) {
		if (m->asked_metrics && m->metrics_oc.status != SBTC_FETCH_OK)
			failed(root, SC_PEERS, "peers", &m->metrics_oc);
		else if (m->asked_metrics)
			add(root, SC_PEERS, SBTC_UNKNOWN,
			    "peers: the exporter publishes no peers_connected (a signer before v1.1.0, or no peer "
			    "event yet)");
		else if (m->asked_db)
			failed(root, SC_PEERS, "peers", db_outcome(m, &m->db.peers_oc));
		else
			not_queried(root, "peers", "no --metrics-url or --dbconn");
		return;
	}
	sbtc_thresholds t = {.warning = cfg->peers_w, .critical = cfg->peers_c};
	int64_t th = known_threshold(m);
	char text[64], err[200];
	if (!t.critical.set && th > 0) {
		snprintf(text, sizeof text, "%lld:", (long long)(th - 1));
		(void)sbtc_range_parse(text, SBTC_UNIT_NONE, &t.critical, err, sizeof err);
	}
	if (!t.warning.set && th > 0) {
		snprintf(text, sizeof text, "%lld:", (long long)th);
		(void)sbtc_range_parse(text, SBTC_UNIT_NONE, &t.warning, err, sizeof err);
	}
	if (!t.warning.set && !t.critical.set) {
		add(root, SC_PEERS, SBTC_UNKNOWN,
		    "%.0f peers %s; no signature threshold known to judge them by (give -w/-c)", peers, from);
	} else {
		sbtc_state st = sbtc_thresholds_eval(&t, peers);
		if (st == SBTC_CRITICAL && th > 0 && !cfg->peers_c.set)
			add(root, SC_PEERS, st, "%.0f peers %s: fewer than the %lld the signer needs to reach the "
						"signature threshold of %lld", peers, from, (long long)(th - 1), (long long)th);
		else
			add(root, SC_PEERS, st, "%.0f peers %s", peers, from);
	}
	sbtc_perf_add_count(root, "peers", peers, "peers", &t, 0, NAN);
}

static void judge_dkg(sbtc_result *root, const config *cfg, const measurement *m)
{
	if (!m->asked_db) {
		not_queried(root, "dkg", "no --dbconn");
		return;
	}
	const sbtc_signer_db_facts *d = &m->db;
	if (!db_ok(m, &d->dkg_oc)) {
		failed(root, SC_DKG, "dkg", db_outcome(m, &d->dkg_oc));
		return;
	}
	if (d->stuck_unverified > 0)
		add(root, SC_DKG, SBTC_WARNING,
		    "%zu DKG share%s unverified for more than %lld Bitcoin blocks (oldest started %lld blocks ago): "
		    "verification stuck",
		    d->stuck_unverified, d->stuck_unverified == 1 ? "" : "s", (long long)cfg->dkg_window,
		    (long long)d->oldest_unverified_blocks);
	if (m->prev_failed >= 0 && (long long)d->failed_shares > m->prev_failed)
		add(root, SC_DKG, SBTC_WARNING, "failed DKG shares grew from %lld to %zu since the last run",
		    m->prev_failed, d->failed_shares);
	if (d->stuck_unverified == 0 && !(m->prev_failed >= 0 && (long long)d->failed_shares > m->prev_failed))
		add(root, SC_DKG, SBTC_OK, "no DKG share stuck unverified; %zu failed", d->failed_shares);
	sbtc_perf_add_count(root, "failed_shares", (double)d->failed_shares, "shares", NULL, 0, NAN);
	sbtc_perf_add_count(root, "stuck_unverified_shares", (double)d->stuck_unverified, "shares", NULL, 0, NAN);
}

static void judge_deposits(sbtc_result *root, const config *cfg, const measurement *m)
{
	char age[32];
	if (!m->asked_db) {
		not_queried(root, "deposits", "no --dbconn");
		return;
	}
	const sbtc_signer_db_facts *d = &m->db;
	if (!db_ok(m, &d->deposits_oc)) {
		failed(root, SC_DEPOSITS, "deposits", db_outcome(m, &d->deposits_oc));
		return;
	}
	sbtc_format_duration(cfg->deposit_age, age, sizeof age);
	if (d->stuck_deposits > 0) {
		char oldest[32];
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		for (size_t i = 0; i < d->ndeposit_names; i++)
			sbtc_strbuf_printf(&b, "%s%s", i ? ", " : "", d->deposit_names[i]);
		sbtc_format_duration(d->oldest_deposit_age, oldest, sizeof oldest);
		add(root, SC_DEPOSITS, SBTC_WARNING,
		    "%zu deposit%s accepted and signable but not swept after %s (oldest %s): %s%s", d->stuck_deposits,
		    d->stuck_deposits == 1 ? "" : "s", age, oldest, sbtc_strbuf_str(&b),
		    d->stuck_deposits > d->ndeposit_names ? ", ..." : "");
		sbtc_strbuf_free(&b);
		sbtc_perf_add(root, "oldest_stuck_deposit_age", round(d->oldest_deposit_age), "s", NULL, 0, NAN);
	} else {
		add(root, SC_DEPOSITS, SBTC_OK, "no deposit stuck for more than %s", age);
	}
	sbtc_perf_add_count(root, "stuck_deposits", (double)d->stuck_deposits, "deposits", NULL, 0, NAN);
}

static void judge_withdrawals(sbtc_result *root, const config *cfg, const measurement *m)
{
	if (!m->asked_db) {
		not_queried(root, "withdrawals", "no --dbconn");
		return;
	}
	const sbtc_signer_db_facts *d = &m->db;
	if (!db_ok(m, &d->withdrawals_oc)) {
		failed(root, SC_WITHDRAWALS, "withdrawals", db_outcome(m, &d->withdrawals_oc));
		return;
	}
	if (d->stuck_withdrawals > 0) {
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		for (size_t i = 0; i < d->nwithdrawal_names; i++)
			sbtc_strbuf_printf(&b, "%s%s", i ? ", " : "", d->withdrawal_names[i]);
		add(root, SC_WITHDRAWALS, SBTC_WARNING,
		    "%zu withdrawal request%s undecided after %lld Bitcoin blocks (oldest %lld blocks): %s%s",
		    d->stuck_withdrawals, d->stuck_withdrawals == 1 ? "" : "s", (long long)cfg->withdrawal_blocks,
		    (long long)d->oldest_withdrawal_blocks, sbtc_strbuf_str(&b),
		    d->stuck_withdrawals > d->nwithdrawal_names ? ", ..." : "");
		sbtc_strbuf_free(&b);
		sbtc_perf_add_count(root, "oldest_stuck_withdrawal_blocks", (double)d->oldest_withdrawal_blocks,
				    "blocks", NULL, 0, NAN);
	} else {
		add(root, SC_WITHDRAWALS, SBTC_OK, "no withdrawal request undecided after %lld Bitcoin blocks",
		    (long long)cfg->withdrawal_blocks);
	}
	sbtc_perf_add_count(root, "stuck_withdrawals", (double)d->stuck_withdrawals, "withdrawals", NULL, 0, NAN);
}

static void judge_rate(sbtc_result *root, const config *cfg, const char *label, const char *what,
		       const sbtc_signer_counter *c, const sbtc_signer_rate *r, bool *judged)
{
	if (!c->found || !r->known)
		return;
	*judged = true;
	double pct = r->ratio * 100.0;
	sbtc_state st = sbtc_thresholds_eval(&cfg->errors, pct);
	char win[32];
	sbtc_format_duration(r->window, win, sizeof win);
	add(root, SC_SIGNING_ERRORS, st, "%.0f of %.0f %s failed in the last %s (%.1f%%)%s", r->failed, r->total, what,
	    win, pct, r->reset ? "; the counters were reset (the signer restarted) and count from zero" : "");
	sbtc_perf_add(root, label, round(pct * 100) / 100, "%", &cfg->errors, 0, 100);
}

static void judge_errors(sbtc_result *root, const config *cfg, const measurement *m)
{
	if (!m->asked_metrics) {
		not_queried(root, "signing errors", "no --metrics-url");
		return;
	}
	if (m->metrics_oc.status != SBTC_FETCH_OK) {
		failed(root, SC_SIGNING_ERRORS, "signing errors", &m->metrics_oc);
		return;
	}
	if (m->state_rc != 0) {
		add(root, SC_SIGNING_ERRORS, SBTC_UNKNOWN, "signing errors: %s", m->state_err);
		return;
	}
	bool judged = false;
	judge_rate(root, cfg, "sign_request_errors", "sign requests", &m->metrics.sign_requests,
		   &m->rates.sign_requests, &judged);
	judge_rate(root, cfg, "signing_round_errors", "signing rounds", &m->metrics.signing_rounds,
		   &m->rates.signing_rounds, &judged);
	judge_rate(root, cfg, "transaction_errors", "submitted transactions", &m->metrics.transactions,
		   &m->rates.transactions, &judged);
	if (!judged)
		sbtc_result_add(root, SBTC_OK, "signing errors: no rate yet (the counters are kept for the next run)");
}

static void judge_fees(sbtc_result *root, const config *cfg, const measurement *m)
{
	if (m->account_oc.status != SBTC_FETCH_OK) {
		failed(root, SC_FEES, "fee balance", &m->account_oc);
		return;
	}
	double stx = m->account.balance_ustx / 1e6;
	sbtc_state st = sbtc_thresholds_eval(&cfg->fees, stx);
	add(root, SC_FEES, st, "the signers' principal %s holds %.2f STX for fees", m->chain.principal, stx);
	sbtc_perf_add_count(root, "fee_balance", stx, "stx", &cfg->fees, 0, NAN);
}

static void judge_emily(sbtc_result *root, const measurement *m)
{
	if (!m->asked_emily) {
		not_queried(root, "emily", "no --emily-url-file");
		return;
	}
	if (m->emily_oc.status != SBTC_FETCH_OK) {
		failed(root, SC_EMILY, "emily", &m->emily_oc);
		return;
	}
	if (m->emily_health.version[0])
		add(root, SC_EMILY, SBTC_OK, "Emily %s answers (version %s)", m->emily.host, m->emily_health.version);
	else
		add(root, SC_EMILY, SBTC_OK, "Emily %s answers", m->emily.host);
}

/* The status line when all is well: what was measured. */
static void ok_summary(sbtc_result *root, const config *cfg, const measurement *m)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&b, on(cfg, SC_ALIVE) ? "signer alive" : "signer");
	if (on(cfg, SC_SIGNER_SET) && m->chain_oc.status == SBTC_FETCH_OK)
		sbtc_strbuf_printf(&b, ", in the signer set of %zu", m->chain.nkeys);
	int64_t th = known_threshold(m);
	if (th > 0 && (on(cfg, SC_THRESHOLD) || on(cfg, SC_PEERS)))
		sbtc_strbuf_printf(&b, " (threshold %lld)", (long long)th);
	for (size_t i = 0; i < sbtc_result_nperf(root); i++) {
		const sbtc_perf *p = sbtc_result_perf(root, i);
		if (strcmp(p->label, "peers") == 0)
			sbtc_strbuf_printf(&b, ", %.0f peers", p->value);
		else if (strcmp(p->label, "fee_balance") == 0)
			sbtc_strbuf_printf(&b, ", %.2f STX for fees", p->value);
	}
	if ((on(cfg, SC_DEPOSITS) || on(cfg, SC_WITHDRAWALS)) && m->asked_db)
		sbtc_strbuf_puts(&b, ", nothing stuck");
	/* One sub-check asked (--only), or nothing above measured: the first line says it best. */
	if (sbtc_result_nchildren(root) > 0 && (sbtc_result_nchildren(root) == 1 || strcmp(sbtc_strbuf_str(&b), "signer") == 0))
		sbtc_result_set_ok_summary(root, "%s", sbtc_result_text(sbtc_result_child(root, 0)));
	else
		sbtc_result_set_ok_summary(root, "%s", sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
}

static sbtc_result *judge(const config *cfg, const measurement *m)
{
	sbtc_result *root = sbtc_result_new();
	if (on(cfg, SC_ALIVE))
		judge_alive(root, cfg, m);
	if (on(cfg, SC_SIGNER_SET))
		judge_set(root, cfg, m);
	if (on(cfg, SC_THRESHOLD))
		judge_threshold(root, m);
	if (on(cfg, SC_PEERS))
		judge_peers(root, cfg, m);
	if (on(cfg, SC_DKG))
		judge_dkg(root, cfg, m);
	if (on(cfg, SC_DEPOSITS))
		judge_deposits(root, cfg, m);
	if (on(cfg, SC_WITHDRAWALS))
		judge_withdrawals(root, cfg, m);
	if (on(cfg, SC_SIGNING_ERRORS))
		judge_errors(root, cfg, m);
	if (on(cfg, SC_FEES))
		judge_fees(root, cfg, m);
	if (on(cfg, SC_EMILY))
		judge_emily(root, m);
	sbtc_perf_add_time(root);
	ok_summary(root, cfg, m);
	return root;
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;
	measurement m;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	config_finish(&cfg, &common);

	measure(&cfg, &m);
	sbtc_result *root = judge(&cfg, &m);
	measurement_free(&m);
	return sbtc_finish(root);
}
