/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signer's Prometheus exporter as check_sbtc_signer reads it: peers_connected and the
 * counters of signing work (signer/src/metrics.rs, v1.1.0 and later), and the error rates
 * between two runs, kept in a state file. The exporter's counters start again at zero
 * when the signer restarts: a counter lower than last time is a reset, never a negative
 * rate. */
#ifndef SBTC_SIGNER_METRICS_H
#define SBTC_SIGNER_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "acquire.h"
#include "http.h"

/* One family of counters summed over its label sets: all samples, and those that count a
 * failure (sign_requests_total{status!="success"}, signing_rounds_completed_total of a
 * failed round, transactions_submitted_total{status="failure"}). found false: the
 * exporter publishes no such sample. */
typedef struct {
	bool found;
	double total;
	double failed;
} sbtc_signer_counter;

typedef struct {
	double peers_connected; /* NaN when not published (before v1.1.0) */
	sbtc_signer_counter sign_requests;
	sbtc_signer_counter signing_rounds;
	sbtc_signer_counter transactions;
} sbtc_signer_metrics;

/* Reads the exposition text (NUL-terminated); metric names may carry the exporter's
 * namespace prefix as it publishes them. Returns false with a message in err when the
 * text is not the exposition format. */
bool sbtc_signer_metrics_parse(const char *body, sbtc_signer_metrics *out, char *err, size_t errlen);

/* Scrapes url (as sbtc_prom_scrape_url) into an acquisition: OK with out filled;
 * "PEER answered HTTP N: ..." or the transport's status otherwise. */
void sbtc_signer_metrics_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_signer_metrics *out,
			       sbtc_outcome *oc, sbtc_then then, void *ctx);

/* The change of one counter family since the previous run. */
typedef struct {
	bool known;      /* false: no previous run (or the family is new): no rate yet */
	bool reset;      /* a counter went down: the signer restarted; counted from zero */
	double total;    /* samples in the window */
	double failed;
	double ratio;    /* failed / total; 0 when total is 0 */
	double window;   /* seconds since the previous run */
} sbtc_signer_rate;

typedef struct {
	sbtc_signer_rate sign_requests, signing_rounds, transactions;
} sbtc_signer_rates;

/* What a run keeps for the next: the counters and the DKG failed-share count. */
typedef struct {
	const sbtc_signer_metrics *metrics; /* NULL: not scraped this run (the old values are kept) */
	long long failed_shares;            /* -1: not read this run (the old value is kept) */
} sbtc_signer_state_now;

/* Reads the previous run's values from the state file name in the state directory dirfd
 * (sbtc_statedir_open), computes the rates against now->metrics at time t, gives the
 * previous failed-share count (-1 when unknown), and replaces the file with this run's
 * values (written to a temporary file in the directory, then renamed; never through a
 * symbolic link). A missing file: rates unknown, file written. A file that is not the
 * format (garbage, truncated, from the future) counts as missing and is replaced. 0, or
 * -1 with a message (the file cannot be read or written: the rates are unknown then). */
int sbtc_signer_state_update(int dirfd, const char *name, const sbtc_signer_state_now *now, double t,
			     sbtc_signer_rates *out, long long *prev_failed_shares, char *err, size_t errlen);

#endif
