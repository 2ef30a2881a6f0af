/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "signer_metrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "prometheus_text.h"
#include "strbuf.h"

/* ---- The exposition text ---------------------------------------------------------- */

/* The families as stacks-sbtc/sbtc signer/src/metrics.rs names them (enum Metrics,
 * strum snake_case; the same names in every tag from v1.0.0 to v1.3.3, peers_connected
 * from v1.1.0), with the global label app="signer" (setup_metrics(), crate::PACKAGE_NAME)
 * and no namespace prefix. Which samples count a failure follows the labels upstream
 * sets (signer/src/metrics.rs and signer/src/transaction_coordinator.rs, v1.3.3):
 *   sign_requests_total             status "success", else an error kind ("failed",
 *                                   "failure", "invalid-sighash", ...): failed unless success
 *   signing_rounds_completed_total  Stacks rounds carry status "success"/"failure"; the
 *                                   Bitcoin sweep rounds carry no status (counted on
 *                                   success only): failed when a status is not success
 *   transactions_submitted_total    status "success"/"failure": failed when "failure" */
enum { FAM_PEERS, FAM_SIGN_REQUESTS, FAM_SIGNING_ROUNDS, FAM_TRANSACTIONS, FAM_N };

static const char *const family_name[FAM_N] = {
	"peers_connected", "sign_requests_total", "signing_rounds_completed_total", "transactions_submitted_total",
};

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* The family a metric name belongs to: the name itself, or NAMESPACE_name. -1: none. */
static int family_of(const char *name, size_t nl)
{
	for (int f = 0; f < FAM_N; f++) {
		size_t fl = strlen(family_name[f]);
		if (nl == fl && memcmp(name, family_name[f], fl) == 0)
			return f;
		if (nl > fl + 1 && name[nl - fl - 1] == '_' && memcmp(name + nl - fl, family_name[f], fl) == 0)
			return f;
	}
	return -1;
}

/* The closing brace of a label set that opens at p (after '{'), quotes respected;
 * NULL when the line ends first. */
static const char *label_set_end(const char *p, const char *end)
{
	bool quoted = false;
	for (; p < end; p++) {
		if (quoted) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				quoted = false;
		} else if (*p == '"') {
			quoted = true;
		} else if (*p == '}') {
			return p;
		}
	}
	return NULL;
}

static sbtc_signer_counter *counter_of(sbtc_signer_metrics *m, int f)
{
	switch (f) {
	case FAM_SIGN_REQUESTS: return &m->sign_requests;
	case FAM_SIGNING_ROUNDS: return &m->signing_rounds;
	case FAM_TRANSACTIONS: return &m->transactions;
	}
	return NULL;
}

static bool counts_failure(int f, bool has_status, const char *status)
{
	if (f == FAM_TRANSACTIONS)
		return has_status && strcmp(status, "failure") == 0;
	return has_status && strcmp(status, "success") != 0;
}

/* One sample line [line, end): false with a message when it is not one. */
static bool read_sample(const char *line, const char *end, size_t lineno, sbtc_signer_metrics *out, char *err,
			size_t errlen)
{
	const char *p = line;
	if (!is_name_start(*p)) {
		snprintf(err, errlen, "line %zu is not a sample (a metric name must start it)", lineno);
		return false;
	}
	while (p < end && is_name_char(*p))
		p++;
	size_t nl = (size_t)(p - line);
	const char *labels = NULL, *lend = NULL;
	if (p < end && *p == '{') {
		labels = p + 1;
		lend = label_set_end(labels, end);
		if (lend == NULL) {
			snprintf(err, errlen, "line %zu has a label set that does not end", lineno);
			return false;
		}
		p = lend + 1;
	}
	if (p >= end || (*p != ' ' && *p != '\t')) {
		snprintf(err, errlen, "line %zu has no value after the metric name", lineno);
		return false;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	char num[64];
	size_t vl = 0;
	while (p + vl < end && p[vl] != ' ' && p[vl] != '\t')
		vl++;
	if (vl == 0 || vl >= sizeof num) {
		snprintf(err, errlen, "line %zu has no value a number", lineno);
		return false;
	}
	memcpy(num, p, vl);
	num[vl] = '\0';
	char *stop;
	errno = 0;
	double v = strtod(num, &stop);
	if (stop == num || *stop != '\0') {
		snprintf(err, errlen, "line %zu has a value that is not a number", lineno);
		return false;
	}
	p += vl;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end) { /* a timestamp: an integer of milliseconds */
		const char *q = p;
		if (*q == '-')
			q++;
		if (q >= end)
			q = p;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (q == p || q != end) {
			snprintf(err, errlen, "line %zu has more than a value and a timestamp", lineno);
			return false;
		}
	}

	int f = family_of(line, nl);
	if (f < 0)
		return true;
	char app[64], status[64];
	if (labels != NULL && sbtc_prom_label(labels, lend, "app", app, sizeof app) && strcmp(app, "signer") != 0)
		return true; /* another application's series in a shared exporter */
	if (f == FAM_PEERS) {
		out->peers_connected = v;
		return true;
	}
	if (!isfinite(v) || v < 0) {
		snprintf(err, errlen, "line %zu: counter %s has the value %s, not a count", lineno, family_name[f],
			 isnan(v) ? "NaN" : (v < 0 ? "below zero" : "infinite"));
		return false;
	}
	bool has_status = labels != NULL && sbtc_prom_label(labels, lend, "status", status, sizeof status);
	sbtc_signer_counter *c = counter_of(out, f);
	c->found = true;
	c->total += v;
	if (counts_failure(f, has_status, status))
		c->failed += v;
	return true;
}

bool sbtc_signer_metrics_parse(const char *body, sbtc_signer_metrics *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->peers_connected = NAN;
	if (errlen > 0)
		err[0] = '\0';
	size_t lineno = 0;
	for (const char *line = body; line != NULL && *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *next = eol ? eol + 1 : NULL;
		lineno++;
		if (end > line && end[-1] == '\r')
			end--;
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		if (line < end && *line != '#' && !read_sample(line, end, lineno, out, err, errlen)) {
			sbtc_signer_metrics keep_nothing;
			memset(&keep_nothing, 0, sizeof keep_nothing);
			keep_nothing.peers_connected = NAN;
			*out = keep_nothing;
			return false;
		}
		line = next;
	}
	return true;
}

/* ---- The scrape ------------------------------------------------------------------- */

static sbtc_fetch_status metrics_judge(const sbtc_http_response *resp, const char *peer, void *outp,
				       sbtc_outcome *oc)
{
	sbtc_signer_metrics *out = outp;
	char why[160];
	if (resp->status != 200)
		return sbtc_http_status_error(oc, peer, resp);
	if (resp->body == NULL || !sbtc_signer_metrics_parse(resp->body, out, why, sizeof why))
		return sbtc_outcome_set(oc, SBTC_FETCH_BAD_ANSWER,
					"%s sent an answer that is not the Prometheus text format: %s", peer,
					resp->body == NULL ? "an empty answer" : why);
	return sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
}

void sbtc_signer_metrics_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_signer_metrics *out,
			       sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	out->peers_connected = NAN;
	sbtc_prom_scrape_start(a, url, o, metrics_judge, out, oc, then, ctx);
}

/* ---- The state kept between runs -------------------------------------------------- */

/* The file (a cache entry of lib/cache.c in the state directory: written to a temporary
 * name, fsync'd and renamed, opened with O_NOFOLLOW, a regular file of this user only,
 * its length recorded so that a cut file reads as corrupt):
 *     sbtc-signer-state 1
 *     failed_shares 3
 *     sign_requests <time> <total> <failed>
 *     signing_rounds <time> <total> <failed>
 *     transactions <time> <total> <failed>
 *     end
 * failed_shares and each family line only when known. A later format version, a time
 * ahead of the run's clock, or anything else counts as no file. */
#define STATE_MAGIC "sbtc-signer-state 1"
/* Clocks of two runs on one host differ by less than this; a file further ahead is not
 * from a past run. */
#define STATE_FUTURE_SLACK 300.0
#define STATE_FAMILIES 3

static const char *const state_family[STATE_FAMILIES] = {"sign_requests", "signing_rounds", "transactions"};

typedef struct {
	bool known;
	double time, total, failed;
} kept_counter;

typedef struct {
	long long failed_shares; /* -1: unknown */
	kept_counter c[STATE_FAMILIES];
} kept_state;

static bool parse_number(const char *s, double *out)
{
	char *stop;
	if (*s == '\0')
		return false;
	errno = 0;
	double v = strtod(s, &stop);
	if (*stop != '\0' || errno != 0 || !isfinite(v) || v < 0)
		return false;
	*out = v;
	return true;
}

/* Parses the body; false when it is not the format (or from the future). */
static bool state_parse(char *body, double now, kept_state *st)
{
	memset(st, 0, sizeof *st);
	st->failed_shares = -1;
	char *save = NULL;
	char *line = strtok_r(body, "\n", &save);
	if (line == NULL || strcmp(line, STATE_MAGIC) != 0)
		return false;
	bool ended = false;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		if (ended)
			return false;
		if (strcmp(line, "end") == 0) {
			ended = true;
			continue;
		}
		char key[32], a[64], b[64], c[64], extra[2];
		int n = sscanf(line, "%31s %63s %63s %63s %1s", key, a, b, c, extra);
		if (n == 2 && strcmp(key, "failed_shares") == 0) {
			double v;
			if (!parse_number(a, &v) || v > 1e15 || v != floor(v))
				return false;
			st->failed_shares = (long long)v;
			continue;
		}
		int f = -1;
		for (int i = 0; i < STATE_FAMILIES; i++)
			if (strcmp(key, state_family[i]) == 0)
				f = i;
		kept_counter *k = f >= 0 ? &st->c[f] : NULL;
		if (k == NULL || n != 4 || k->known || !parse_number(a, &k->time) || !parse_number(b, &k->total) ||
		    !parse_number(c, &k->failed) || k->failed > k->total)
			return false;
		if (k->time > now + STATE_FUTURE_SLACK)
			return false;
		k->known = true;
	}
	return ended;
}

static const sbtc_signer_counter *now_counter(const sbtc_signer_metrics *m, int f)
{
	switch (f) {
	case 0: return &m->sign_requests;
	case 1: return &m->signing_rounds;
	default: return &m->transactions;
	}
}

static sbtc_signer_rate *rate_of(sbtc_signer_rates *r, int f)
{
	switch (f) {
	case 0: return &r->sign_requests;
	case 1: return &r->signing_rounds;
	default: return &r->transactions;
	}
}

/* The change of one family between the kept values and now. A reset (the signer
 * restarted and its exporter counts from zero again) shows as the successes or the
 * failures going down: then the window counts from zero, and the new values are the
 * increase. */
static void rate_compute(const kept_counter *k, const sbtc_signer_counter *c, double t, sbtc_signer_rate *r)
{
	memset(r, 0, sizeof *r);
	if (!k->known || !c->found || t - k->time <= 0)
		return;
	r->known = true;
	r->window = t - k->time;
	double ok_now = c->total - c->failed, ok_before = k->total - k->failed;
	if (c->failed < k->failed || ok_now < ok_before) {
		r->reset = true;
		r->total = c->total;
		r->failed = c->failed;
	} else {
		r->total = c->total - k->total;
		r->failed = c->failed - k->failed;
	}
	r->ratio = r->total > 0 ? r->failed / r->total : 0;
}

int sbtc_signer_state_update(int dirfd, const char *name, const sbtc_signer_state_now *now, double t,
			     sbtc_signer_rates *out, long long *prev_failed_shares, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	*prev_failed_shares = -1;
	if (errlen > 0)
		err[0] = '\0';
	/* The state directory's descriptor, reached as the cache reaches its entries. */
	sbtc_cache store = {.dir = (char *)"state directory", .fd = dirfd};
	char *body = NULL, why[400];
	size_t len = 0;
	time_t stored;
	kept_state old;
	memset(&old, 0, sizeof old);
	old.failed_shares = -1;
	int got = sbtc_cache_get(&store, name, &body, &len, &stored, why, sizeof why);
	if (got != 1 || strlen(body) != len || !state_parse(body, t, &old)) {
		/* missing, unusable, garbage, cut or from the future: as if there were none */
		memset(&old, 0, sizeof old);
		old.failed_shares = -1;
	}
	free(body);

	*prev_failed_shares = old.failed_shares;
	kept_state next = old;
	if (now->failed_shares >= 0)
		next.failed_shares = now->failed_shares;
	for (int f = 0; f < STATE_FAMILIES; f++) {
		if (now->metrics == NULL)
			continue; /* not scraped: the old values stay */
		const sbtc_signer_counter *c = now_counter(now->metrics, f);
		rate_compute(&old.c[f], c, t, rate_of(out, f));
		next.c[f] = (kept_counter){.known = c->found, .time = t, .total = c->total, .failed = c->failed};
	}

	sbtc_strbuf sb = {0};
	sbtc_strbuf_printf(&sb, "%s\n", STATE_MAGIC);
	if (next.failed_shares >= 0)
		sbtc_strbuf_printf(&sb, "failed_shares %lld\n", next.failed_shares);
	for (int f = 0; f < STATE_FAMILIES; f++)
		if (next.c[f].known)
			sbtc_strbuf_printf(&sb, "%s %.17g %.17g %.17g\n", state_family[f], next.c[f].time,
					    next.c[f].total, next.c[f].failed);
	sbtc_strbuf_printf(&sb, "end\n");
	int rc = 0;
	if (sbtc_cache_put(&store, name, sbtc_strbuf_str(&sb), strlen(sbtc_strbuf_str(&sb)), (time_t)t, why, sizeof why) != 0) {
		snprintf(err, errlen, "the signer's state is not kept: %s", why);
		memset(out, 0, sizeof *out);
		*prev_failed_shares = -1;
		rc = -1;
	}
	sbtc_strbuf_free(&sb);
	return rc;
}
