/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sBTC signer's own API (signer.event_observer.bind, default 127.0.0.1:8801):
 * GET /info never fails and sends null for what the signer could not learn. */
#ifndef SBTC_SIGNER_API_H
#define SBTC_SIGNER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "acquire.h"
#include "http.h"

#define SBTC_DEFAULT_SIGNER_URL "http://127.0.0.1:8801"

typedef struct {
	bool known;        /* false when /info sent null */
	int64_t height;
	char hash[65];     /* hex as /info sends it; "" when null */
} sbtc_signer_tip;

typedef struct {
	sbtc_signer_tip bitcoin_signer_tip, bitcoin_node_tip;
	sbtc_signer_tip stacks_signer_tip, stacks_node_tip;
	bool has_stacks_node_bitcoin_height;
	int64_t stacks_node_bitcoin_height;
	char bitcoin_node_chain[16];     /* "" when null */
	char bitcoin_node_subversion[128];
	char stacks_node_version[160];
	char network[16];                /* config.network: "mainnet", "testnet", "regtest"; "" */
	bool has_git_revision;           /* build_info.git_revision is a string (maybe "") */
	char git_revision[64];           /* build_info.git_revision: "v1.3.3", a 40-hex commit, or
					  * "main" or "" (signer/build.rs; see sbtc_version_is_branch_name) */
	char rust_version[80];           /* the whole `rustc --version` line */
	char current_aggregate_key[67];  /* dkg.current_aggregate_key hex, "" when null */
	char contract_aggregate_key[67]; /* dkg.contract_aggregate_key hex, "" when null */
} sbtc_signer_info;

/* GET /info started into an acquisition (acquire.h): fills *out and *oc, then calls
 * then. Every string is sanitised. A non-200, empty or non-JSON answer is worded by
 * sbtc_http_get_json; a document of another shape is BAD_ANSWER. */
void sbtc_signer_info_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_signer_info *out,
			    sbtc_outcome *oc, sbtc_then then, void *ctx);

/* The parsing step alone (a body of len bytes): 0, or -1 with a message such as
 * "unexpected /info answer: field 'bitcoin' missing". For the tests and the fuzzer. */
int sbtc_signer_info_parse(const char *body, size_t len, sbtc_signer_info *out, char *err, size_t errlen);
/* The same from the parsed document (stacks-sbtc/sbtc signer/src/api/info.rs,
 * InfoResponse and the types under it). */
int sbtc_signer_info_from_json(json_object *doc, sbtc_signer_info *out, char *err, size_t errlen);

/* GET / started into an acquisition: the signer's liveness probe, an empty 200
 * (signer/src/api/status.rs). OK only for 200; another status is ERROR ("signer ORIGIN
 * answered HTTP 503: ..."), with the transport's own failures as sbtc_acq_http words them. */
void sbtc_signer_alive_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_outcome *oc,
			     sbtc_then then, void *ctx);

#endif
