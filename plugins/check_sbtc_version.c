/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_version: do the sBTC signer, the Stacks node and Bitcoin Core run the newest
 * stable releases their projects published? The operators' guide asks to follow new
 * releases and patch promptly: this says, per component, how far behind it is and since
 * when, from GitHub's releases (cached, so that many hosts stay inside GitHub's limits). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bitcoin.h"
#include "cache.h"
#include "cli.h"
#include "deadline.h"
#include "github.h"
#include "http.h"
#include "human.h"
#include "output.h"
#include "prometheus_text.h"
#include "range.h"
#include "sanitize.h"
#include "signer_api.h"
#include "stacks.h"
#include "strbuf.h"
#include "version.h"

#define DEFAULT_WARNING "3d"
#define DEFAULT_CRITICAL "4w"
#define DEFAULT_CACHE_TTL "1h"
#define DEFAULT_CACHE_MAX_AGE "7d"
#define DEFAULT_CACHE_DIR_PREFIX "/var/tmp/check_sbtc_version-"

enum {
	OPT_SIGNER_URL = SBTC_OPT_PLUGIN_FIRST,
	OPT_METRICS_URL,
	OPT_SIGNER_VERSION,
	OPT_STACKS_VERSION,
	OPT_BITCOIN_VERSION,
	OPT_COMPONENT,
	OPT_REPO,
	OPT_GITHUB_API,
	OPT_GITHUB_CACERT,
	OPT_TOKEN_FILE,
	OPT_CACHE_DIR,
	OPT_CACHE_TTL,
	OPT_CACHE_MAX_AGE,
	OPT_BITCOIN_POLICY,
};

typedef enum { C_SIGNER = 0, C_STACKS, C_BITCOIN, NCOMP } comp_id;

static const struct {
	const char *name;  /* --component, perfdata prefix */
	const char *label; /* in messages */
	const char *repo;  /* default GitHub repository */
} COMP[NCOMP] = {
	{"signer", "signer", "stacks-sbtc/sbtc"},
	{"stacks", "Stacks node", "stacks-network/stacks-core"},
	{"bitcoin", "Bitcoin Core", "bitcoin/bitcoin"},
};

typedef struct {
	const char *signer_url, *metrics_url, *signer_version;
	const char *stacks_url, *stacks_version;
	const char *bitcoin_version;
	bool bitcoin_given;
	bool bitcoin_latest; /* --bitcoin-policy=latest: every newer release counts */
	bool wanted[NCOMP], any_wanted;
	const char *repo[NCOMP];
	const char *github_api, *github_cacert, *token_file, *cache_dir;
	double cache_ttl, cache_max_age;
	const char *warning_text, *critical_text;
	sbtc_thresholds thresholds;
	sbtc_http_opts http; /* the components' own endpoints */
	sbtc_bitcoin_conn bitcoin;
} config;

static const sbtc_option options[] = {
	{"signer-url", 0, SBTC_ARG_REQUIRED, "URL", OPT_SIGNER_URL,
	 "The signer's API (event_observer.bind, e.g. " SBTC_DEFAULT_SIGNER_URL "): the version is\n"
	 "/info build_info.git_revision, a release tag or a commit.", NULL},
	{"metrics-url", 0, SBTC_ARG_REQUIRED, "URL", OPT_METRICS_URL,
	 "The signer's Prometheus exporter instead (e.g. http://127.0.0.1:9184; a URL without\n"
	 "a path asks /metrics, as Prometheus does): the version is build_info's revision label.", NULL},
	{"signer-version", 0, SBTC_ARG_REQUIRED, "VERSION", OPT_SIGNER_VERSION,
	 "The signer's version as you know it (a tag such as v1.3.3, or a commit).", NULL},
	{"stacks-url", 'u', SBTC_ARG_REQUIRED, "URL", 'u',
	 "The Stacks node's RPC, e.g. " SBTC_DEFAULT_STACKS_URL " (used when --component stacks is\n"
	 "given alone): /v2/info server_version.", NULL},
	{"stacks-version", 0, SBTC_ARG_REQUIRED, "VERSION", OPT_STACKS_VERSION,
	 "The Stacks node's version as you know it (3.1.0.0.12).", NULL},
	{"bitcoin-version", 0, SBTC_ARG_REQUIRED, "VERSION", OPT_BITCOIN_VERSION,
	 "Bitcoin Core's version as you know it (28.1 or /Satoshi:28.1.0/). Bitcoin Core is\n"
	 "checked when this, its cookie or its user is given, or --component bitcoin.", NULL},
	{"bitcoin-policy", 0, SBTC_ARG_REQUIRED, "maintained|latest", OPT_BITCOIN_POLICY,
	 "maintained: Bitcoin Core on one of the newest three major versions is\n"
	 "judged against the newest point release of its own major, and an older major is\n"
	 "CRITICAL once the major that ended its maintenance is older than -w. latest: every\n"
	 "newer release counts, as for the other components.", "maintained"},
	{"component", 0, SBTC_ARG_REQUIRED, "NAME", OPT_COMPONENT,
	 "Check this component: signer, stacks or bitcoin (repeatable). Without it: every component\n"
	 "whose URL or version is given; a component named here without one uses its default URL.", NULL},
	{"repo", 0, SBTC_ARG_REQUIRED, "COMPONENT=OWNER/NAME", OPT_REPO,
	 "Where a component's releases are published (defaults: signer=stacks-sbtc/sbtc,\n"
	 "stacks=stacks-network/stacks-core, bitcoin=bitcoin/bitcoin).", NULL},
	{"github-api", 0, SBTC_ARG_REQUIRED, "URL", OPT_GITHUB_API,
	 "GitHub's API, or a mirror or GitHub Enterprise's /api/v3.", SBTC_GITHUB_API},
	{"github-cacert", 0, SBTC_ARG_REQUIRED, "FILE", OPT_GITHUB_CACERT,
	 "Verify the GitHub API's certificate against the CA certificates in FILE.", NULL},
	{"token-file", 0, SBTC_ARG_REQUIRED, "FILE", OPT_TOKEN_FILE,
	 "A file whose first line is a GitHub token (read-only access to public repositories is\n"
	 "enough). Without it: $GITHUB_TOKEN. Never give a token on the command line.", NULL},
	{"cache-dir", 0, SBTC_ARG_REQUIRED, "DIR", OPT_CACHE_DIR,
	 "Where GitHub's answers are kept (default " DEFAULT_CACHE_DIR_PREFIX "UID, created mode\n"
	 "0700; one that belongs to another user or that others may write to is not used).", NULL},
	{"cache-ttl", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_CACHE_TTL,
	 "How long an answer is used before GitHub is asked again. 0: always ask; the cache\n"
	 "then only stands in when GitHub cannot answer.", DEFAULT_CACHE_TTL},
	{"cache-max-age", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_CACHE_MAX_AGE,
	 "How old a cached answer may be and still stand in when GitHub is unreachable or\n"
	 "rate-limits.", DEFAULT_CACHE_MAX_AGE},
	{"warning", 'w', SBTC_ARG_REQUIRED, "DURATION", 'w',
	 "WARNING when a newer release came out more than this long ago (the default leaves a\n"
	 "few days to plan the upgrade). Both thresholds are ranges of durations (90s, 26h, 2d,\n"
	 "4w).", DEFAULT_WARNING},
	{"critical", 'c', SBTC_ARG_REQUIRED, "DURATION", 'c',
	 "CRITICAL when a newer release came out more than this long ago. A newer major version\n"
	 "is CRITICAL once it is past the warning time.", DEFAULT_CRITICAL},
};

static const sbtc_group_use groups[] = {
	{.group = &sbtc_bitcoin_group, .offset = offsetof(config, bitcoin), .before = "bitcoin-version"},
	{.group = &sbtc_http_tls_group, .offset = offsetof(config, http)},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_version",
	.check_label = "VERSION",
	.purpose =
		"Checks that the sBTC signer, the Stacks node and Bitcoin Core run the newest stable\n"
		"release their projects published on GitHub, and says how far behind each is and since\n"
		"when. A signer built from source reports a commit: GitHub's compare API then says how\n"
		"that commit relates to the newest release.",
	.usage = "[-u URL | --stacks-version V] [--component NAME]\n"
		 "  [--signer-url URL | --metrics-url URL | --signer-version V]\n"
		 "  [--bitcoin-url URL --bitcoin-cookie FILE | --bitcoin-version V]\n"
		 "  [--bitcoin-policy maintained|latest] [--repo COMPONENT=OWNER/NAME]\n"
		 "  [--github-api URL] [--token-file FILE] [--cache-dir DIR]\n"
		 "  [--cache-ttl DURATION] [-w DURATION] [-c DURATION] [-t SECONDS[:STATE]] [-v]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.groups = groups,
	.ngroups = sizeof groups / sizeof groups[0],
	.notes =
		"States, per component (the worst decides):\n"
		"  OK        it runs the newest stable release, or a newer one (a release candidate, a\n"
		"            commit ahead of it), or a newer release is younger than -w.\n"
		"  WARNING   a newer release came out more than -w ago (default " DEFAULT_WARNING "); the signer\n"
		"            reports a revision that names no release (\"main\" in the official v1.0.1\n"
		"            and v1.0.2 images, \"\" in images built without GIT_COMMIT): give\n"
		"            --signer-version.\n"
		"  CRITICAL  a newer release came out more than -c ago (default " DEFAULT_CRITICAL "), or a newer major\n"
		"            version more than -w ago; the component is unreachable or answers with an\n"
		"            error.\n"
		"  UNKNOWN   bad arguments; a version string that cannot be read; GitHub cannot be\n"
		"            asked (unreachable, rate limit) and the cache holds no usable answer; the\n"
		"            deadline.\n"
		"\"Since\" is when the first release newer than the running one was published.\n"
		"Drafts, prereleases and tags that are not versions (test_x, 0.0.0-test) are ignored.\n"
		"A signer tag with a build suffix (v1.0.3-epoch32) is ordered as its base (v1.0.3).\n"
		"\n"
		"Bitcoin Core maintains its newest three major versions with point releases. With\n"
		"--bitcoin-policy=maintained (the default) a node on one of them is judged against the\n"
		"newest point release of its own major only (-w and -c as above; 28.1 is current while\n"
		"28.1 is 28.x's newest, whatever 29.x and 30.x publish); a major older than those three\n"
		"is CRITICAL once the major that ended its maintenance came out more than -w ago. The\n"
		"Stacks node keeps the rule above: its new major versions are hard forks.\n"
		"\n"
		"Perfdata per component: <component>_releases_behind (count), <component>_behind (s,\n"
		"since the first newer release), time (s). For Bitcoin Core under the maintained\n"
		"policy they count its own major's point releases; an unmaintained major's _behind is\n"
		"at least the time since its maintenance ended.\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_version --signer-url http://127.0.0.1:8801 \\\n"
		"      -u http://127.0.0.1:20443 --bitcoin-url http://127.0.0.1:8332 \\\n"
		"      --bitcoin-cookie /var/lib/bitcoind/.cookie\n"
		"  GITHUB_TOKEN=... check_sbtc_version --metrics-url http://10.0.0.5:9184 \\\n"
		"      -w 7d -c 30d",
	.default_timeout = 10,
};

static int set_component(config *cfg, comp_id id)
{
	cfg->wanted[id] = true;
	return 0;
}

static int find_component(const char *name)
{
	for (int i = 0; i < NCOMP; i++)
		if (strcmp(name, COMP[i].name) == 0)
			return i;
	return -1;
}

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case OPT_SIGNER_URL: cfg->signer_url = arg; return sbtc_url_check(arg, "--signer-url", err, errlen);
	case OPT_METRICS_URL: cfg->metrics_url = arg; return sbtc_url_check(arg, "--metrics-url", err, errlen);
	case OPT_SIGNER_VERSION: cfg->signer_version = arg; return 0;
	case 'u': cfg->stacks_url = arg; return sbtc_url_check(arg, "--stacks-url", err, errlen);
	case OPT_STACKS_VERSION: cfg->stacks_version = arg; return 0;
	case OPT_BITCOIN_VERSION: cfg->bitcoin_version = arg; return 0;
	case OPT_BITCOIN_POLICY:
		if (strcmp(arg, "maintained") == 0 || strcmp(arg, "latest") == 0) {
			cfg->bitcoin_latest = strcmp(arg, "latest") == 0;
			return 0;
		} else {
			char *clean = sbtc_sanitize(arg, 40);
			snprintf(err, errlen, "invalid --bitcoin-policy '%s': maintained or latest", clean);
			free(clean);
			return -1;
		}
	case OPT_COMPONENT: {
		int id = find_component(arg);
		if (id < 0) {
			char *clean = sbtc_sanitize(arg, 40);
			snprintf(err, errlen, "unknown --component '%s' (signer, stacks or bitcoin)", clean);
			free(clean);
			return -1;
		}
		cfg->any_wanted = true;
		return set_component(cfg, (comp_id)id);
	}
	case OPT_REPO: {
		const char *eq = strchr(arg, '=');
		char name[16];
		int id = -1;
		if (eq != NULL && (size_t)(eq - arg) < sizeof name) {
			memcpy(name, arg, (size_t)(eq - arg));
			name[eq - arg] = '\0';
			id = find_component(name);
		}
		if (id < 0 || !sbtc_github_repo_valid(eq + 1)) {
			char *clean = sbtc_sanitize(arg, 80);
			snprintf(err, errlen, "invalid --repo '%s': expected COMPONENT=OWNER/NAME, e.g. "
				 "signer=stacks-sbtc/sbtc", clean);
			free(clean);
			return -1;
		}
		cfg->repo[id] = eq + 1;
		return 0;
	}
	case OPT_GITHUB_API: cfg->github_api = arg; return sbtc_url_check(arg, "--github-api", err, errlen);
	case OPT_GITHUB_CACERT: cfg->github_cacert = arg; return 0;
	case OPT_TOKEN_FILE: cfg->token_file = arg; return 0;
	case OPT_CACHE_DIR: cfg->cache_dir = arg; return 0;
	case OPT_CACHE_TTL: return sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &cfg->cache_ttl, err, errlen);
	case OPT_CACHE_MAX_AGE:
		return sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &cfg->cache_max_age, err, errlen);
	case 'w': cfg->warning_text = arg; return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->thresholds.warning, err, errlen);
	case 'c': cfg->critical_text = arg; return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->thresholds.critical, err, errlen);
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* ---- configuration ------------------------------------------------------------------ */

/* The defaults, as values (the option table shows them as text). */
static void config_init(config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->cache_ttl = 3600;            /* DEFAULT_CACHE_TTL */
	cfg->cache_max_age = 7 * 86400.0; /* DEFAULT_CACHE_MAX_AGE */
	cfg->thresholds.warning = (sbtc_range){.set = true, .end = 3 * 86400.0};   /* DEFAULT_WARNING */
	cfg->thresholds.critical = (sbtc_range){.set = true, .end = 28 * 86400.0}; /* DEFAULT_CRITICAL */
}

/* What the command line leaves to be worked out: which components are checked (those
 * named, else those whose source was given). */
static void config_finish(config *cfg, const sbtc_common_opts *common)
{
	cfg->http.verbose = common->verbose;
	cfg->bitcoin.http = cfg->http;
	/* Credentials select Bitcoin Core (its RPC needs them); a URL alone only says where,
	 * so that a definition passing the default URL selects nothing. */
	cfg->bitcoin_given = cfg->bitcoin.cookie_file || cfg->bitcoin.user || cfg->bitcoin.password_file;
	if (!cfg->any_wanted) {
		cfg->wanted[C_SIGNER] = cfg->signer_url || cfg->metrics_url || cfg->signer_version;
		cfg->wanted[C_STACKS] = cfg->stacks_url || cfg->stacks_version;
		cfg->wanted[C_BITCOIN] = cfg->bitcoin_given || cfg->bitcoin_version;
	}
	if (!cfg->wanted[C_SIGNER] && !cfg->wanted[C_STACKS] && !cfg->wanted[C_BITCOIN])
		sbtc_usage_error(&info, "nothing to check: give --signer-url, --metrics-url or --signer-version, "
				 "--stacks-url or --stacks-version, --bitcoin-cookie, --bitcoin-user or --bitcoin-version "
				 "(or --component)");
}

/* ---- measurement: what each component runs, and what its project released ---------- */

typedef struct {
	char raw[200];      /* the version text as the component reported it (sanitised) */
	char source[300];   /* where it came from, for messages */
	bool is_commit;
	bool no_release;    /* a revision that names no release: "" or a branch ("main") */
	char commit[41];    /* when is_commit: the commit id to ask GitHub about */
	sbtc_version v;
} running_version;

typedef struct {
	comp_id id;
	const config *cfg;
	const sbtc_github *gh;
	const char *given;     /* --COMPONENT-version, or NULL */
	sbtc_http_opts http;   /* the component's endpoint: cfg->http with its peer named */
	/* what the component runs */
	union {
		sbtc_signer_info signer;
		sbtc_prom_build_info metrics;
		sbtc_stacks_info stacks;
		sbtc_bitcoin_netinfo bitcoin;
	} answer;
	sbtc_outcome run_oc;
	running_version rv;
	/* what its project released */
	const char *repo;
	sbtc_github_releases all;
	sbtc_github_source rel_src;
	sbtc_outcome rel_oc;
	/* a commit: how it relates to the newest release (chained after both above) */
	bool compare_started;
	sbtc_github_compare cmp;
	sbtc_github_source cmp_src;
	sbtc_outcome cmp_oc;
} component;

typedef struct {
	char *token;
	sbtc_cache cache;
	char cache_err[SBTC_FETCH_MSG_MAX]; /* why the cache directory is not used; "" when it is */
	sbtc_github gh;
	component c[NCOMP];
} measurement;

static void copy_clean(char *dst, size_t dstlen, const char *text)
{
	char *clean = sbtc_sanitize(text, dstlen - 1);
	snprintf(dst, dstlen, "%s", clean);
	free(clean);
}

/* The version inside what a component reported (rv->raw); BAD_ANSWER when there is none. */
static void read_version(component *c)
{
	running_version *rv = &c->rv;
	comp_id id = c->id;
	int rc;
	char why[400];
	/* "" and "main" as official images and builds without GIT_COMMIT report them
	 * (stacks-sbtc/sbtc signer/build.rs, set_up_build_info()). */
	if (id == C_SIGNER && c->given == NULL && sbtc_version_is_branch_name(rv->raw)) {
		rv->no_release = true;
		return;
	}
	if (id == C_SIGNER && sbtc_version_is_commit(rv->raw)) {
		rv->is_commit = true;
		sbtc_strlcpy(rv->commit, rv->raw, sizeof rv->commit); /* is_commit: at most 40 */
		return;
	}
	/* A source build's `git describe` (v1.3.3-5-gabc1234): its commit says more. */
	if (id == C_SIGNER && sbtc_version_git_describe(rv->raw, rv->commit, sizeof rv->commit)) {
		rv->is_commit = true;
		return;
	}
	if (id == C_STACKS && c->given == NULL)
		rc = sbtc_version_from_stacks_server(rv->raw, &rv->v, why, sizeof why);
	else if (id == C_BITCOIN && rv->raw[0] == '/')
		rc = sbtc_version_from_bitcoin_subversion(rv->raw, &rv->v, why, sizeof why);
	else if (id == C_SIGNER) /* special builds: v1.0.3-epoch32 */
		rc = sbtc_version_parse_suffixed(rv->raw, &rv->v, why, sizeof why);
	else
		rc = sbtc_version_parse(rv->raw, &rv->v, why, sizeof why);
	if (rc != 0 && c->given != NULL)
		sbtc_outcome_set(&c->run_oc, SBTC_FETCH_BAD_ANSWER, "%s: %s", rv->source, why);
	else if (rc != 0)
		sbtc_outcome_set(&c->run_oc, SBTC_FETCH_BAD_ANSWER, "%s reports a version I cannot read: %s", rv->source,
				 why);
}

typedef struct {
	sbtc_version v;
	const sbtc_github_release *r;
} candidate;

typedef struct {
	candidate *c;       /* stable releases of the running version's kind */
	size_t n;
	size_t ignored;     /* drafts, prereleases, tags that are not versions */
	const candidate *newest;
} release_set;

static void select_releases(const sbtc_github_releases *all, bool signer_prefix, release_set *out)
{
	memset(out, 0, sizeof *out);
	out->c = sbtc_xcalloc(all->n + 1, sizeof *out->c);
	for (size_t i = 0; i < all->n; i++) {
		const sbtc_github_release *r = &all->v[i];
		sbtc_version v;
		if (r->draft || r->prerelease || sbtc_version_parse(r->tag, &v, NULL, 0) != 0 ||
		    v.pre != SBTC_PRE_NONE || v.signer_prefix != signer_prefix) {
			out->ignored++;
			continue;
		}
		out->c[out->n].v = v;
		out->c[out->n].r = r;
		if (out->newest == NULL || sbtc_version_cmp(&v, &out->newest->v) > 0)
			out->newest = &out->c[out->n];
		out->n++;
	}
}

/* A commit, once both its version and the release list are known: GitHub's compare says
 * where it stands against the newest release. */
static void compare_if_commit(sbtc_acq *a, component *c)
{
	if (c->compare_started || !c->run_oc.done || c->run_oc.status != SBTC_FETCH_OK || !c->rv.is_commit ||
	    !c->rel_oc.done || c->rel_oc.status != SBTC_FETCH_OK)
		return;
	release_set rs;
	select_releases(&c->all, false, &rs);
	if (rs.newest != NULL) {
		c->compare_started = true;
		sbtc_github_compare_start(a, c->gh, c->repo, rs.newest->r->tag, c->rv.commit, &c->cmp, &c->cmp_src,
					  &c->cmp_oc, NULL, NULL);
	}
	free(rs.c);
}

/* The version text in a component's answer; BAD_ANSWER when it holds none. */
static void take_reported(component *c)
{
	if (c->id == C_SIGNER && c->cfg->metrics_url != NULL)
		copy_clean(c->rv.raw, sizeof c->rv.raw, c->answer.metrics.revision);
	else if (c->id == C_SIGNER && !c->answer.signer.has_git_revision)
		sbtc_outcome_set(&c->run_oc, SBTC_FETCH_BAD_ANSWER, "%s: /info has no build_info.git_revision",
				 c->rv.source);
	else
		snprintf(c->rv.raw, sizeof c->rv.raw, "%s",
			 c->id == C_SIGNER  ? c->answer.signer.git_revision
			 : c->id == C_STACKS ? c->answer.stacks.server_version
					     : c->answer.bitcoin.subversion);
}

static void running_read(sbtc_acq *a, void *ctx)
{
	component *c = ctx;
	if (c->run_oc.status == SBTC_FETCH_OK && c->given == NULL)
		take_reported(c);
	if (c->run_oc.status == SBTC_FETCH_OK)
		read_version(c);
	compare_if_commit(a, c);
}

static void releases_read(sbtc_acq *a, void *ctx)
{
	compare_if_commit(a, ctx);
}

/* Names where the running version comes from and starts asking. */
static void start_running(sbtc_acq *a, component *c)
{
	const config *cfg = c->cfg;
	const char *url = NULL, *what;
	if (c->given != NULL) {
		copy_clean(c->rv.raw, sizeof c->rv.raw, c->given);
		snprintf(c->rv.source, sizeof c->rv.source, "--%s-version", COMP[c->id].name);
		sbtc_outcome_set(&c->run_oc, SBTC_FETCH_OK, "%s", "");
		running_read(a, c);
		return;
	}
	if (c->id == C_SIGNER && cfg->metrics_url != NULL)
		url = cfg->metrics_url, what = "signer's metrics exporter";
	else if (c->id == C_SIGNER)
		url = cfg->signer_url ? cfg->signer_url : SBTC_DEFAULT_SIGNER_URL, what = "signer API";
	else if (c->id == C_STACKS)
		url = cfg->stacks_url ? cfg->stacks_url : SBTC_DEFAULT_STACKS_URL, what = "Stacks node";
	else
		url = cfg->bitcoin.url ? cfg->bitcoin.url : SBTC_DEFAULT_BITCOIN_URL, what = "Bitcoin Core";
	char *origin = sbtc_url_origin(url);
	snprintf(c->rv.source, sizeof c->rv.source, "%s %s", what, origin);
	free(origin);
	if (c->id == C_SIGNER && cfg->metrics_url != NULL) {
		c->http.peer = c->rv.source;
		sbtc_prom_build_info_start(a, url, &c->http, &c->answer.metrics, &c->run_oc, running_read, c);
	} else if (c->id == C_SIGNER) {
		sbtc_signer_info_start(a, url, &c->http, &c->answer.signer, &c->run_oc, running_read, c);
	} else if (c->id == C_STACKS) {
		sbtc_stacks_info_start(a, url, "Stacks node", &c->http, &c->answer.stacks, &c->run_oc, running_read, c);
	} else {
		sbtc_bitcoin_netinfo_start(a, &cfg->bitcoin, &c->answer.bitcoin, &c->run_oc, running_read, c);
	}
}

/* Asks every wanted component what it runs and GitHub what each project released, all at
 * once; a commit's compare follows its release list. */
static void measure(const config *cfg, measurement *m)
{
	char err[SBTC_FETCH_MSG_MAX];
	memset(m, 0, sizeof *m);
	if (sbtc_github_token(cfg->token_file, &m->token, err, sizeof err) != 0)
		sbtc_die(SBTC_UNKNOWN, "%s", err);
	/* The cache: a directory that cannot be trusted is left alone and said so. */
	char *default_dir = sbtc_xasprintf(DEFAULT_CACHE_DIR_PREFIX "%ju", (uintmax_t)geteuid());
	if (sbtc_cache_open(&m->cache, cfg->cache_dir ? cfg->cache_dir : default_dir, err, sizeof err) != 0)
		snprintf(m->cache_err, sizeof m->cache_err, "%s", err);
	free(default_dir);
	m->gh = (sbtc_github){
		.api = cfg->github_api ? cfg->github_api : SBTC_GITHUB_API,
		.token = m->token,
		.http = {.verbose = cfg->http.verbose, .cacert = cfg->github_cacert},
		.cache = &m->cache,
		.ttl = cfg->cache_ttl,
		.max_age = cfg->cache_max_age,
	};
	const char *given[NCOMP] = {cfg->signer_version, cfg->stacks_version, cfg->bitcoin_version};
	sbtc_acq *a = sbtc_acq_new();
	for (int id = 0; id < NCOMP; id++) {
		component *c = &m->c[id];
		*c = (component){.id = (comp_id)id, .cfg = cfg, .gh = &m->gh, .given = given[id], .http = cfg->http,
				 .repo = cfg->repo[id] ? cfg->repo[id] : COMP[id].repo};
		if (!cfg->wanted[id])
			continue;
		sbtc_github_releases_start(a, &m->gh, c->repo, &c->all, &c->rel_src, &c->rel_oc, releases_read, c);
		start_running(a, c);
	}
	sbtc_acq_run(a);
	sbtc_acq_free(a);
}

static void measurement_free(measurement *m)
{
	for (int id = 0; id < NCOMP; id++)
		sbtc_github_releases_free(&m->c[id].all);
	sbtc_cache_close(&m->cache);
	if (m->token != NULL) {
		memset(m->token, 0, strlen(m->token));
		free(m->token);
	}
}

/* ---- evaluation --------------------------------------------------------------------- */

/* "12 days ago", "1 day ago", "5h 3m ago". */
static char *ago(double seconds, char *dst, size_t dstlen)
{
	if (!(seconds > 0))
		seconds = 0;
	if (seconds >= 2 * 86400.0)
		snprintf(dst, dstlen, "%.0f days ago", floor(seconds / 86400));
	else if (seconds >= 86400.0)
		snprintf(dst, dstlen, "1 day ago");
	else {
		char d[32];
		snprintf(dst, dstlen, "%s ago", sbtc_format_duration(seconds, d, sizeof d));
	}
	return dst;
}

static void published_text(const sbtc_github_release *r, time_t now, char *dst, size_t dstlen)
{
	char a[48];
	if (r->published < 0)
		snprintf(dst, dstlen, "publication date unknown");
	else
		snprintf(dst, dstlen, "published %s", ago(difftime(now, r->published), a, sizeof a));
}

/* The -w value as the user wrote it (cleaned), for "within the grace of -w 3d". */
static const char *grace_text(const config *cfg)
{
	static char buf[40];
	char *clean = sbtc_sanitize(cfg->warning_text ? cfg->warning_text : DEFAULT_WARNING, sizeof buf - 1);
	snprintf(buf, sizeof buf, "%s", clean);
	free(clean);
	return buf;
}

typedef struct {
	sbtc_state state;
	double releases_behind; /* NaN: not known (a commit behind the newest release) */
	double behind;          /* seconds since the first newer release; NaN when unknown */
} verdict;

/* The running version for messages: a suffixed tag says how it is ordered. */
static void shown_version(const sbtc_version *v, char *dst, size_t dstlen)
{
	if (v->suffix[0] == '\0') {
		snprintf(dst, dstlen, "%s", v->text);
		return;
	}
	size_t base = strlen(v->text) - strlen(v->suffix) - 1;
	snprintf(dst, dstlen, "%s (a -%s build, ordered as %.*s)", v->text, v->suffix, (int)base, v->text);
}

/* Judges a version against the releases: adds the text to r. scope, when not NULL, says
 * which releases rs holds ("28.x": one major). */
static verdict judge_version(const config *cfg, comp_id id, const running_version *rv, const release_set *rs,
			     size_t listed, time_t now, const char *scope, sbtc_strbuf *text)
{
	verdict out = {SBTC_OK, 0, 0};
	const candidate *newest = rs->newest;
	char *newest_tag = sbtc_sanitize(newest->r->tag, 60);
	char running[160], of[24] = "";
	shown_version(&rv->v, running, sizeof running);
	if (scope != NULL)
		snprintf(of, sizeof of, " of %s", scope);
	char pub[64];
	published_text(newest->r, now, pub, sizeof pub);
	size_t behind = 0;
	time_t since = -1, major_since = -1;
	const candidate *first = NULL;
	bool older_than_all = true;
	for (size_t i = 0; i < rs->n; i++) {
		const candidate *c = &rs->c[i];
		int cmp = sbtc_version_cmp(&c->v, &rv->v);
		if (cmp <= 0) {
			older_than_all = false;
			continue;
		}
		behind++;
		if (c->r->published >= 0 && (since < 0 || c->r->published < since)) {
			since = c->r->published;
			first = c;
		}
		if (c->v.part[0] > rv->v.part[0] && c->r->published >= 0 &&
		    (major_since < 0 || c->r->published < major_since))
			major_since = c->r->published;
	}
	out.releases_behind = (double)behind;
	if (behind == 0) {
		if (sbtc_version_cmp(&rv->v, &newest->v) == 0)
			sbtc_strbuf_printf(text, "%s %s is the newest release%s (%s)", COMP[id].label, running, of, pub);
		else
			sbtc_strbuf_printf(text, "%s %s is newer than the newest release%s %s (%s)", COMP[id].label,
					   running, of, newest_tag, pub);
		free(newest_tag);
		return out;
	}
	out.behind = since >= 0 ? fmax(0, difftime(now, since)) : NAN;
	sbtc_strbuf_printf(text, "%s %s, newest%s %s %s", COMP[id].label, running, of, newest_tag, pub);
	/* A full page of releases all newer than ours: older ones may be missing. */
	const char *at_least = older_than_all && listed >= SBTC_GITHUB_PER_PAGE ? "at least " : "";
	if (behind > 1 || *at_least) {
		sbtc_strbuf_printf(text, ", %s%zu releases behind", at_least, behind);
		if (first != NULL && first != newest) {
			char *ft = sbtc_sanitize(first->r->tag, 60);
			char a[48];
			sbtc_strbuf_printf(text, " since %s published %s", ft, ago(out.behind, a, sizeof a));
			free(ft);
		}
	}
	out.state = isnan(out.behind) ? SBTC_UNKNOWN : sbtc_thresholds_eval(&cfg->thresholds, out.behind);
	if (major_since >= 0) {
		double major_age = fmax(0, difftime(now, major_since));
		bool due = sbtc_range_alert(&cfg->thresholds.warning, major_age) ||
			   sbtc_range_alert(&cfg->thresholds.critical, major_age);
		sbtc_strbuf_printf(text, "; major version %u is behind %u", rv->v.part[0], newest->v.part[0]);
		if (due)
			out.state = SBTC_CRITICAL;
	}
	if (out.state == SBTC_OK)
		sbtc_strbuf_printf(text, " (within the grace of -w %s)", grace_text(cfg));
	if (isnan(out.behind))
		sbtc_strbuf_puts(text, "; GitHub gives no publication date");
	free(newest_tag);
	return out;
}

/* Bitcoin Core maintains its newest three major versions with point releases
 * (bitcoincore.org/en/lifecycle; REFERENCE.md section 5; sbtc's reference deployment
 * pins 28.1): under --bitcoin-policy=maintained a node on one of them is judged against
 * its own major's newest point release, and an older major is CRITICAL once the major
 * that ended its maintenance is older than -w. Releases before 22.0 were numbered 0.N.x:
 * their major is N. */
#define BITCOIN_MAINTAINED_MAJORS 3

static uint32_t bitcoin_major(const sbtc_version *v)
{
	return v->part[0] != 0 ? v->part[0] : v->part[1];
}

static void bitcoin_major_name(uint32_t major, char *dst, size_t dstlen)
{
	snprintf(dst, dstlen, major < 22 ? "0.%u.x" : "%u.x", major);
}

static int major_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x > y ? -1 : x < y ? 1 : 0;
}

static verdict judge_bitcoin_maintained(const config *cfg, const running_version *rv, const release_set *rs,
					size_t listed, time_t now, sbtc_strbuf *text)
{
	/* The majors that have a stable release, newest first, each once. */
	uint32_t *majors = sbtc_xcalloc(rs->n + 1, sizeof *majors);
	size_t nm = 0;
	for (size_t i = 0; i < rs->n; i++)
		majors[nm++] = bitcoin_major(&rs->c[i].v);
	qsort(majors, nm, sizeof *majors, major_desc);
	size_t u = 0;
	for (size_t i = 0; i < nm; i++)
		if (u == 0 || majors[u - 1] != majors[i])
			majors[u++] = majors[i];
	nm = u;

	uint32_t m = bitcoin_major(&rv->v);
	release_set mine = {.c = sbtc_xcalloc(rs->n + 1, sizeof *mine.c)};
	for (size_t i = 0; i < rs->n; i++) {
		if (bitcoin_major(&rs->c[i].v) != m)
			continue;
		mine.c[mine.n] = rs->c[i];
		if (mine.newest == NULL || sbtc_version_cmp(&rs->c[i].v, &mine.newest->v) > 0)
			mine.newest = &mine.c[mine.n];
		mine.n++;
	}
	verdict out;
	char scope[24];
	bitcoin_major_name(m, scope, sizeof scope);
	/* A major with no release listed (newer than every release, or too old to be on the
	 * page): every newer release counts. */
	out = mine.n == 0 ? judge_version(cfg, C_BITCOIN, rv, rs, listed, now, NULL, text)
			  : judge_version(cfg, C_BITCOIN, rv, &mine, listed, now, scope, text);
	size_t above = 0; /* majors newer than the running one */
	while (above < nm && majors[above] > m)
		above++;
	if (above < BITCOIN_MAINTAINED_MAJORS) {
		if (mine.n > 0 && rs->newest != NULL && bitcoin_major(&rs->newest->v) != m) {
			char *tag = sbtc_sanitize(rs->newest->r->tag, 60);
			sbtc_strbuf_printf(text, "; %s is maintained (newest release %s)", scope, tag);
			free(tag);
		}
		goto done;
	}
	/* Maintenance ended when the third major above it came out: its first release. */
	uint32_t ender = majors[above - BITCOIN_MAINTAINED_MAJORS];
	const candidate *end = NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const candidate *c = &rs->c[i];
		if (bitcoin_major(&c->v) == ender && c->r->published >= 0 &&
		    (end == NULL || c->r->published < end->r->published))
			end = c;
	}
	char maintained[80] = "";
	for (size_t i = 0; i < BITCOIN_MAINTAINED_MAJORS && i < nm; i++) {
		char name[24];
		bitcoin_major_name(majors[i], name, sizeof name);
		size_t l = strlen(maintained);
		snprintf(maintained + l, sizeof maintained - l, "%s%s", i ? ", " : "", name);
	}
	if (end == NULL) {
		sbtc_strbuf_printf(text, "; %s is no longer maintained (maintained: %s; GitHub gives no publication "
				   "date)", scope, maintained);
		out.state = SBTC_CRITICAL;
		goto done;
	}
	double age = fmax(0, difftime(now, end->r->published));
	char *tag = sbtc_sanitize(end->r->tag, 60), a[48];
	sbtc_strbuf_printf(text, "; %s is no longer maintained since %s published %s (maintained: %s)", scope, tag,
			   ago(age, a, sizeof a), maintained);
	free(tag);
	if (sbtc_range_alert(&cfg->thresholds.warning, age) || sbtc_range_alert(&cfg->thresholds.critical, age))
		out.state = SBTC_CRITICAL;
	else
		sbtc_strbuf_printf(text, ", within the grace of -w %s", grace_text(cfg));
	if (isnan(out.behind) || out.behind < age)
		out.behind = age;
done:
	free(mine.c);
	free(majors);
	return out;
}

/* A commit: GitHub's compare says where it stands against the newest release. */
static verdict judge_commit(const component *c, const release_set *rs, time_t now, sbtc_result *comp,
			    sbtc_strbuf *text)
{
	const config *cfg = c->cfg;
	const running_version *rv = &c->rv;
	comp_id id = c->id;
	verdict out = {SBTC_OK, 0, 0};
	const candidate *newest = rs->newest;
	char short_commit[13], pub[64];
	snprintf(short_commit, sizeof short_commit, "%.12s", rv->commit);
	char *tag = sbtc_sanitize(newest->r->tag, 60);
	published_text(newest->r, now, pub, sizeof pub);
	const sbtc_github_compare *cmp = &c->cmp;
	const sbtc_github_source *src = &c->cmp_src;
	if (c->cmp_oc.status != SBTC_FETCH_OK) {
		sbtc_strbuf_printf(text, "%s commit %s: cannot compare it with %s: %s", COMP[id].label, short_commit, tag,
				   c->cmp_oc.msg);
		out.state = c->cmp_oc.status == SBTC_FETCH_TIMEOUT ? sbtc_deadline_timeout_state() : SBTC_UNKNOWN;
		out.releases_behind = out.behind = NAN;
		free(tag);
		return out;
	}
	if (src->stale) {
		char d[32];
		sbtc_result_add(comp, SBTC_OK, "compare from the cache, %s old: %s",
				sbtc_format_duration(src->age, d, sizeof d), src->why);
	}
	if (src->note[0])
		sbtc_result_add(comp, SBTC_OK, "%s", src->note);
	switch (cmp->status) {
	case SBTC_COMPARE_IDENTICAL:
		sbtc_strbuf_printf(text, "%s commit %s is the newest release %s (%s)", COMP[id].label, short_commit, tag, pub);
		break;
	case SBTC_COMPARE_AHEAD:
		sbtc_strbuf_printf(text, "%s commit %s is %lld commits ahead of the newest release %s (%s)",
				   COMP[id].label, short_commit, (long long)cmp->ahead_by, tag, pub);
		break;
	case SBTC_COMPARE_BEHIND:
	case SBTC_COMPARE_DIVERGED:
		/* Which releases the commit predates is not known: the newest one's age is a
		 * lower bound of how long it has been behind. */
		out.releases_behind = NAN;
		out.behind = newest->r->published >= 0 ? fmax(0, difftime(now, newest->r->published)) : NAN;
		sbtc_strbuf_printf(text, "%s commit %s is %lld commits behind the newest release %s (%s)",
				   COMP[id].label, short_commit, (long long)cmp->behind_by, tag, pub);
		if (cmp->status == SBTC_COMPARE_DIVERGED)
			sbtc_strbuf_printf(text, " and has %lld commits of its own", (long long)cmp->ahead_by);
		out.state = isnan(out.behind) ? SBTC_UNKNOWN : sbtc_thresholds_eval(&cfg->thresholds, out.behind);
		if (out.state == SBTC_OK)
			sbtc_strbuf_printf(text, " (within the grace of -w %s)", grace_text(cfg));
		break;
	}
	free(tag);
	return out;
}

/* A signer whose revision names no release ("main" in the official v1.0.1 and v1.0.2
 * images, "" in images built without GIT_COMMIT; signer/build.rs): what it runs is not
 * known, so it cannot be said current. */
static verdict judge_no_release(comp_id id, const running_version *rv, const release_set *rs, time_t now,
				sbtc_strbuf *text)
{
	verdict out = {SBTC_WARNING, NAN, NAN};
	char *tag = sbtc_sanitize(rs->newest->r->tag, 60);
	char pub[64];
	published_text(rs->newest->r, now, pub, sizeof pub);
	sbtc_strbuf_printf(text, "%s revision '%s' does not name a release; pass --signer-version or use an official "
			   "image (newest release %s, %s)", COMP[id].label, rv->raw, tag, pub);
	free(tag);
	return out;
}

static void add_perf(sbtc_result *r, const config *cfg, comp_id id, double releases_behind, double behind)
{
	char label[64];
	snprintf(label, sizeof label, "%s_releases_behind", COMP[id].name);
	sbtc_perf_add_count(r, label, releases_behind, "releases", NULL, 0, NAN);
	snprintf(label, sizeof label, "%s_behind", COMP[id].name);
	sbtc_perf_add(r, label, isnan(behind) ? NAN : round(behind), "s", &cfg->thresholds, 0, NAN);
}

/* Where the release list came from, when that is worth saying. */
static void source_lines(sbtc_result *comp, const component *c, int verbose)
{
	const sbtc_github_source *src = &c->rel_src;
	char d[32];
	if (src->from_cache && src->stale)
		sbtc_result_add(comp, SBTC_OK, "releases of %s from the cache, %s old: %s", c->repo,
				sbtc_format_duration(src->age, d, sizeof d), src->why);
	else if (src->from_cache && verbose >= 1)
		sbtc_result_add(comp, SBTC_OK, "releases of %s from the cache, %s old", c->repo,
				sbtc_format_duration(src->age, d, sizeof d));
	if (src->note[0])
		sbtc_result_add(comp, SBTC_OK, "%s", src->note);
}

static void judge_component(sbtc_result *root, const component *c, int verbose, time_t now)
{
	const config *cfg = c->cfg;
	const running_version *rv = &c->rv;
	comp_id id = c->id;
	if (c->run_oc.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(c->run_oc.status), "%s", c->run_oc.msg), COMP[id].name);
		add_perf(root, cfg, id, NAN, NAN);
		return;
	}
	char revision[sizeof rv->raw + 16];
	snprintf(revision, sizeof revision, "revision '%s'", rv->raw);
	const char *shown = rv->no_release ? revision : rv->is_commit ? rv->raw : rv->v.text;
	if (c->rel_oc.status != SBTC_FETCH_OK) {
		sbtc_result *r = sbtc_result_set_id(sbtc_result_add(root, c->rel_oc.status == SBTC_FETCH_TIMEOUT ? sbtc_deadline_timeout_state()
											      : SBTC_UNKNOWN,
						 "%s %s: newest release of %s unknown: %s", COMP[id].label, shown, c->repo,
						 c->rel_oc.msg), COMP[id].name);
		if (c->rel_src.note[0])
			sbtc_result_add(r, SBTC_OK, "%s", c->rel_src.note);
		add_perf(root, cfg, id, NAN, NAN);
		return;
	}
	release_set rs;
	select_releases(&c->all, rv->is_commit ? false : rv->v.signer_prefix, &rs);
	sbtc_result *comp = sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s", COMP[id].label), COMP[id].name);
	source_lines(comp, c, verbose);
	if (rs.newest == NULL) {
		sbtc_result_set(comp, SBTC_UNKNOWN, "%s %s: %s lists no stable release (%zu releases, %zu drafts, "
				"prereleases or tags that are not versions)", COMP[id].label, shown, c->repo, c->all.n,
				rs.ignored);
		add_perf(root, cfg, id, NAN, NAN);
		free(rs.c);
		return;
	}
	sbtc_strbuf text = SBTC_STRBUF_INIT;
	verdict v;
	if (rv->no_release)
		v = judge_no_release(id, rv, &rs, now, &text);
	else if (rv->is_commit)
		v = judge_commit(c, &rs, now, comp, &text);
	else if (id == C_BITCOIN && !cfg->bitcoin_latest)
		v = judge_bitcoin_maintained(cfg, rv, &rs, c->all.n, now, &text);
	else
		v = judge_version(cfg, id, rv, &rs, c->all.n, now, NULL, &text);
	sbtc_result_set(comp, v.state, "%s", sbtc_strbuf_str(&text));
	sbtc_strbuf_free(&text);
	if (verbose >= 1 && rs.newest->r->html_url[0]) {
		char *url = sbtc_sanitize(rs.newest->r->html_url, 200);
		sbtc_result_add(comp, SBTC_OK, "newest release: %s", url);
		free(url);
	}
	if (verbose >= 2)
		sbtc_result_add(comp, SBTC_OK, "%s reported by %s; %zu stable releases of %s considered, %zu "
				"ignored", rv->raw, rv->source, rs.n, c->repo, rs.ignored);
	add_perf(root, cfg, id, v.releases_behind, v.behind);
	free(rs.c);
}

static void judge(sbtc_result *root, const config *cfg, const measurement *m, int verbose)
{
	if (m->cache_err[0])
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "%s: GitHub is asked at every run", m->cache_err), "cache");
	time_t now = time(NULL);
	for (int id = 0; id < NCOMP; id++)
		if (cfg->wanted[id])
			judge_component(root, &m->c[id], verbose, now);
	sbtc_perf_add_time(root);
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;
	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	config_finish(&cfg, &common);

	measurement m;
	measure(&cfg, &m);
	sbtc_result *root = sbtc_result_new();
	judge(root, &cfg, &m, common.verbose);
	measurement_free(&m);
	return sbtc_finish(root);
}
