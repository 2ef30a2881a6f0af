/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus' text exposition format, as far as the version check reads it: the
 * revision label of a build_info sample (the signer's exporter publishes
 * NAMESPACE_build_info{app="signer",revision="<commit>",...} 1), and the scrape that
 * fetches it. */
#ifndef SBTC_PROMETHEUS_TEXT_H
#define SBTC_PROMETHEUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "acquire.h"

/* The value of label in the label set [labels, end) of a sample (the text between the
 * braces of name{a="x",b="y"}), with the format's escapes (\\, \", \n) undone, cut to
 * fit dst. False when the label is absent or the set is malformed. dstlen >= 1. */
bool sbtc_prom_label(const char *labels, const char *end, const char *label, char *dst, size_t dstlen);

/* The revision label of build_info (or NAMESPACE_build_info) in a NUL-terminated text
 * body; with several such samples, the one labelled app="signer", else the first.
 * True with dst set (cut to fit), false when there is none. dstlen >= 1. */
bool sbtc_prom_build_info_revision(const char *body, char *dst, size_t dstlen);

/* The exporter's URL as a Prometheus scrape config takes it: a target without a path is
 * scraped at /metrics (Prometheus' default metrics_path); a URL with a path, even "/", is
 * used as given. malloc'd. */
char *sbtc_prom_scrape_url(const char *url);

/* Largest exposition read (the signer's is a few kB; a shared exporter's far more). */
#define SBTC_PROM_MAX_BODY (4u << 20)

/* The judgement of a scrape's answer (resp is the whole answer, whatever its HTTP
 * status; peer names the exporter in messages): fills out and sets oc. */
typedef sbtc_fetch_status (*sbtc_prom_judge)(const sbtc_http_response *resp, const char *peer, void *out,
					     sbtc_outcome *oc);

/* Scrapes url (as sbtc_prom_scrape_url) into an acquisition and has judge read the
 * answer into out; a transport failure ends oc with the transport's status. PEER is
 * o->peer, else the URL's origin. o (whose max_body is raised to SBTC_PROM_MAX_BODY) is
 * copied. */
void sbtc_prom_scrape_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_prom_judge judge,
			    void *out, sbtc_outcome *oc, sbtc_then then, void *ctx);

/* The exporter's build_info revision. */
typedef struct {
	char revision[128]; /* as published (not sanitised); "" until read */
} sbtc_prom_build_info;

/* Scrapes url (as sbtc_prom_scrape_url) into an acquisition: OK with out->revision set;
 * ERROR "PEER answered HTTP N: <start of the body>"; BAD_ANSWER "PEER has no build_info
 * metric with a revision label"; or the transport's status. PEER is o->peer, else the
 * URL's origin. o (whose max_body is raised to SBTC_PROM_MAX_BODY) is copied. */
void sbtc_prom_build_info_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_prom_build_info *out,
				sbtc_outcome *oc, sbtc_then then, void *ctx);

/* The judgement of a scrape's answer alone (for the tests): as above. */
sbtc_fetch_status sbtc_prom_build_info_answer(const sbtc_http_response *resp, const char *peer,
					       sbtc_prom_build_info *out, sbtc_outcome *oc);

#endif
