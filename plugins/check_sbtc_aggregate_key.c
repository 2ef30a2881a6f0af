/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_aggregate_key: does this signer database (or a restored backup of it) hold
 * the key that the sBTC registry holds on chain? The operators' guide's backup-integrity
 * verification, made a check: the newest verified DKG share in sbtc_signer.dkg_shares
 * must be the registry's current aggregate key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquire.h"
#include "cli.h"
#include "deadline.h"
#include "dkg.h"
#include "http.h"
#include "human.h"
#include "output.h"
#include "pg.h"
#include "range.h"
#include "registry.h"
#include "stacks.h"

typedef struct {
	const char *dbconn;
	const char *stacks_url;
	const char *reference_url;
	sbtc_registry_opts registry;
	sbtc_http_opts http;
} config;

static const sbtc_option options[] = {
	{"dbconn", 'd', SBTC_ARG_REQUIRED, "CONNINFO", 'd',
	 "The signer's database: a libpq conninfo string or URI, such as the signer's own\n"
	 "db_endpoint (\"host=127.0.0.1 dbname=signer user=sbtc_monitor\"). Put the password in\n"
	 "~/.pgpass, PGPASSFILE or a service file (service=NAME), not here: command lines are\n"
	 "visible to every user. Without it: libpq's environment (PGHOST, PGDATABASE, ...).", NULL},
	{"stacks-url", 'u', SBTC_ARG_REQUIRED, "URL", 'u',
	 "The Stacks node's RPC.", SBTC_DEFAULT_STACKS_URL},
	{"reference-url", 'r', SBTC_ARG_REQUIRED, "URL", 'r',
	 "A second, independent Stacks node or API (for example a public one) that must report\n"
	 "the same key; a disagreement is CRITICAL.", NULL},
};

static const sbtc_group_use groups[] = {
	{.group = &sbtc_registry_group, .offset = offsetof(config, registry)},
	{.group = &sbtc_http_tls_group, .offset = offsetof(config, http)},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_aggregate_key",
	.check_label = "AGGREGATE_KEY",
	.purpose =
		"Checks that the signer's database holds the key the sBTC registry holds on chain:\n"
		"the newest verified share in sbtc_signer.dkg_shares must be the registry's current\n"
		"aggregate key. Pointed at a database restored from a backup, it verifies that backup.",
	.usage = "[-d CONNINFO] [-u URL] [-r URL]\n"
		 "  [--network NETWORK] [--contract ADDRESS.NAME] [--rotation-grace DURATION]\n"
		 "  [--insecure] [--cacert FILE] [-t SECONDS[:STATE]] [-v]\n"
		 "  [--output-format FORMAT]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.groups = groups,
	.ngroups = sizeof groups / sizeof groups[0],
	.notes =
		"States:\n"
		"  OK        the on-chain key is the newest verified share.\n"
		"  WARNING   a newer verified share exists and the rotation to it is pending (within\n"
		"            --rotation-grace); the registry holds no key yet; the database predates\n"
		"            migration 0012, so its shares carry no verification status: a pre-mainnet\n"
		"            signer's database (0.0.9-rc6 or older; every release since v1.0.0 applies\n"
		"            migrations 0001 to 0014) or one whose migrations never ran (start the\n"
		"            signer with --migrate-db).\n"
		"  CRITICAL  the on-chain key is not a verified share of this database (absent, or only\n"
		"            unverified/failed): this database cannot sign for it; no verified share at\n"
		"            all; a pending rotation older than --rotation-grace; the reference node\n"
		"            disagrees; the database or a node is unreachable or answers with an error.\n"
		"  UNKNOWN   bad arguments, an answer that cannot be decoded, the deadline (or the\n"
		"            state given with -t SECONDS:STATE).\n"
		"\n"
		"Perfdata: verified_shares, unverified_shares, failed_shares, newest_verified_age (s),\n"
		"time (s).\n"
		"\n"
		"The database role needs only SELECT on sbtc_signer.dkg_shares (contrib/sql/).\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_aggregate_key -d 'service=sbtc-signer' -u http://127.0.0.1:20443\n"
		"  check_sbtc_aggregate_key -d 'host=restore-test dbname=signer' \\\n"
		"      -r https://api.hiro.so",
	.default_timeout = 10,
};

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case 'd': cfg->dbconn = arg; return 0;
	case 'u': cfg->stacks_url = arg; return sbtc_url_check(arg, "--stacks-url", err, errlen);
	case 'r': cfg->reference_url = arg; return sbtc_url_check(arg, "--reference-url", err, errlen);
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* ---- measure: every source asked at once, plain structs filled ---- */

typedef struct {
	const char *url, *role;
	sbtc_registry_key key;
	sbtc_outcome oc;
} node_view;

typedef struct {
	node_view node, reference;
	bool asked_reference;
	sbtc_outcome connect_oc, load_oc;
	sbtc_pg_session *session;
	sbtc_dkg_shares shares;   /* loaded when load_oc is OK */
} measurement;

/* The node, the reference node and the database in one acquisition: the node's call
 * runs while the database connects. */
static void measure(const config *cfg, measurement *m)
{
	memset(m, 0, sizeof *m);
	sbtc_acq *a = sbtc_acq_new();
	m->node.url = cfg->stacks_url;
	m->node.role = "Stacks node";
	sbtc_registry_aggregate_key_start(a, m->node.url, m->node.role, &cfg->registry.contract, cfg->registry.sender,
					  &cfg->http, &m->node.key, &m->node.oc, NULL, NULL);
	if (cfg->reference_url != NULL) {
		m->asked_reference = true;
		m->reference.url = cfg->reference_url;
		m->reference.role = "reference node";
		sbtc_registry_aggregate_key_start(a, m->reference.url, m->reference.role, &cfg->registry.contract,
						  cfg->registry.sender, &cfg->http, &m->reference.key, &m->reference.oc,
						  NULL, NULL);
	}
	m->session = sbtc_acq_pg_connect(a, cfg->dbconn, info.progname, &m->connect_oc, NULL, NULL);
	sbtc_dkg_load_start(m->session, &m->shares, &m->load_oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	m->session = NULL;
}

/* ---- judge: the sub-results, in the order the sources are named ---- */

/* One node's line; true when it answered usably. */
static bool judge_node(sbtc_result *root, const config *cfg, const node_view *n, int verbose)
{
	char k[80];
	const char *id = strcmp(n->role, "reference node") == 0 ? "reference_node" : "stacks_node";
	if (n->oc.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(n->oc.status), "%s", n->oc.msg), id);
		return false;
	}
	char *masked = sbtc_url_origin(n->url);
	if (n->key.has_key)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s %s: registry %s.%s holds key %s", n->role, masked,
				cfg->registry.contract.address, cfg->registry.contract.name,
				sbtc_key_text(n->key.key, verbose, k, sizeof k)), id);
	else
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s %s: registry %s.%s holds no key yet", n->role, masked,
				cfg->registry.contract.address, cfg->registry.contract.name), id);
	free(masked);
	return true;
}

static void compare_reference(sbtc_result *root, const config *cfg, const sbtc_registry_key *primary,
			      const sbtc_registry_key *ref, int verbose)
{
	char a[80] = "none", b[80] = "none";
	bool same = primary->has_key == ref->has_key &&
		    (!primary->has_key || memcmp(primary->key, ref->key, SBTC_AGGREGATE_KEY_LEN) == 0);
	if (same)
		return;
	if (primary->has_key)
		sbtc_key_text(primary->key, verbose, a, sizeof a);
	if (ref->has_key)
		sbtc_key_text(ref->key, verbose, b, sizeof b);
	char *m1 = sbtc_url_origin(cfg->stacks_url), *m2 = sbtc_url_origin(cfg->reference_url);
	sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL,
			"nodes disagree on the registry's key: %s reports %s, reference %s reports %s", m1, a, m2,
			b), "node_agreement");
	free(m1);
	free(m2);
}

/* The database's line and perfdata; true when shares were read. */
static bool judge_shares(sbtc_result *root, const measurement *m)
{
	char age[32];
	const sbtc_dkg_shares *shares = &m->shares;
	if (m->connect_oc.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(m->connect_oc.status), "%s", m->connect_oc.msg), "database");
		return false;
	}
	if (m->load_oc.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(m->load_oc.status), "database %s: %s", m->connect_oc.msg, m->load_oc.msg), "database");
		return false;
	}
	sbtc_dkg_counts c;
	sbtc_dkg_count(shares, &c);
	sbtc_result *r;
	if (!shares->has_status) {
		r = sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING,
				    "database %s " SBTC_DKG_PRE0012_WHY ": its %zu shares carry no verification status; "
				    SBTC_DKG_PRE0012_FIX,
				    m->connect_oc.msg, shares->n), "shares");
	} else if (c.newest_verified != NULL) {
		sbtc_format_duration(shares->now - c.newest_verified->created_at, age, sizeof age);
		r = sbtc_result_set_id(sbtc_result_add(root, SBTC_OK,
				    "database %s: %zu verified, %zu unverified, %zu failed shares; newest verified "
				    "created %s ago",
				    m->connect_oc.msg, c.verified, c.unverified, c.failed, age), "shares");
	} else {
		r = sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "database %s: %zu verified, %zu unverified, %zu failed shares",
				    m->connect_oc.msg, c.verified, c.unverified, c.failed), "shares");
	}
	if (shares->malformed > 0)
		sbtc_result_add(r, SBTC_WARNING, "%zu rows with an aggregate_key that is not a 33-byte compressed "
				"key were ignored", shares->malformed);

	if (shares->has_status) {
		sbtc_perf_add_count(root, "verified_shares", (double)c.verified, "shares", NULL, 0, NAN);
		sbtc_perf_add_count(root, "unverified_shares", (double)c.unverified, "shares", NULL, 0, NAN);
		sbtc_perf_add_count(root, "failed_shares", (double)c.failed, "shares", NULL, 0, NAN);
	} else {
		sbtc_perf_add_count(root, "shares", (double)shares->n, "shares", NULL, 0, NAN);
	}
	if (c.newest_verified != NULL)
		sbtc_perf_add(root, "newest_verified_age", round(shares->now - c.newest_verified->created_at),
			      "s", NULL, NAN, NAN);
	return true;
}

/* Every line, then the verdict, which leads the status line whenever it is the worst news. */
static sbtc_result *judge(const config *cfg, const measurement *m, int verbose)
{
	sbtc_result *root = sbtc_result_new();
	bool have_onchain = judge_node(root, cfg, &m->node, verbose);
	if (m->asked_reference && judge_node(root, cfg, &m->reference, verbose) && have_onchain)
		compare_reference(root, cfg, &m->node.key, &m->reference.key, verbose);
	bool have_shares = judge_shares(root, m);
	if (have_onchain && have_shares) {
		sbtc_result *verdict = sbtc_result_set_id(sbtc_dkg_verdict(root, &m->shares, &m->node.key,
									     cfg->registry.rotation_grace, "the database",
									     verbose),
							  "key");
		if (sbtc_result_state(verdict) == sbtc_result_state(root))
			sbtc_result_set_summary(root, "%s", sbtc_result_text(verdict));
	}
	sbtc_perf_add_time(root);
	return root;
}

static void config_init(config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->stacks_url = SBTC_DEFAULT_STACKS_URL;
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;
	measurement m;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	cfg.http.verbose = common.verbose;

	measure(&cfg, &m);
	sbtc_result *root = judge(&cfg, &m, common.verbose);
	sbtc_dkg_shares_free(&m.shares);
	return sbtc_finish(root);
}
