/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Stacks node's RPC as the checks use it: read-only contract calls, and the sBTC
 * registries and networks (the registry's key itself: registry.h). */
#ifndef SBTC_STACKS_H
#define SBTC_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clarity.h"
#include "acquire.h"
#include "http.h"

/* The sBTC registries (REFERENCE: the deployers of stacks-sbtc/sbtc's contracts). */
#define SBTC_MAINNET_REGISTRY "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-registry"
#define SBTC_TESTNET_REGISTRY "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70.sbtc-registry"

/* The network a signer serves: it picks the registry and the chains its nodes must be on. */
typedef enum { SBTC_NETWORK_MAINNET, SBTC_NETWORK_TESTNET } sbtc_network;

/* "mainnet" or "testnet" (any case): 0, or -1 with a message naming what (e.g. --network). */
int sbtc_network_parse(const char *text, const char *what, sbtc_network *out, char *err, size_t errlen);
/* "mainnet" / "testnet". */
const char *sbtc_network_name(sbtc_network n);
/* The network's sBTC registry, "ADDRESS.sbtc-registry". */
const char *sbtc_network_registry(sbtc_network n);
#define SBTC_DEFAULT_STACKS_URL "http://127.0.0.1:20443"

typedef struct {
	char address[48]; /* c32check address, e.g. SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4 */
	char name[129];   /* contract name, e.g. sbtc-registry */
} sbtc_contract_id;

/* "ADDRESS.NAME" -> parts; 0 or -1 with a message. */
int sbtc_contract_id_parse(const char *text, sbtc_contract_id *out, char *err, size_t errlen);

/* A standard principal (c32 address): 0 or -1 with a message. */
int sbtc_principal_check(const char *text, const char *what, char *err, size_t errlen);

/* POST /v2/contracts/call-read/ADDRESS/NAME/FUNCTION with no arguments. Messages name
 * the node as role and origin ("Stacks node http://127.0.0.1:20443"). On success the
 * decoded result is in *out (clarity_free it). A node that refuses, fails (HTTP error,
 * okay:false) gives UNREACHABLE/ERROR; an answer that is not the documented shape gives
 * BAD_ANSWER; each with a message naming the node and what was wrong (the HTTP
 * failures worded by sbtc_http_post_json). */
void sbtc_stacks_call_read_start(sbtc_acq *a, const char *node_url, const char *role,
				 const sbtc_contract_id *contract, const char *function, const char *sender,
				 const sbtc_http_opts *o, clarity_value **out, sbtc_outcome *oc, sbtc_then then,
				 void *ctx);

/* GET /v2/info: what block_lag and version read of it. */
typedef struct {
	int64_t stacks_tip_height;
	int64_t burn_block_height;  /* the Bitcoin height the node has processed */
	int64_t network_id;         /* 1 mainnet, 0x80000000 testnet */
	bool has_is_fully_synced;
	bool is_fully_synced;
	char server_version[200];   /* sanitised */
	char tip_consensus_hash[41]; /* stacks_tip_consensus_hash (40 hex digits), "" when absent */
} sbtc_stacks_info;

/* /v2/info's document -> *out (stackslib/src/net/api/getinfo.rs): 0, or -1 with a
 * message ("field 'network_id' missing", "negative height"). */
int sbtc_stacks_info_parse(json_object *doc, sbtc_stacks_info *out, char *err, size_t errlen);

/* GET /v3/health (3.1.0.0.13+; stackslib/src/net/api/gethealth.rs). A non-200 answer is
 * ERROR with its status in http_status: 404 on nodes before 3.1.0.0.13, 500 on 3.1.0.0.13
 * to 3.2.0.0.1 when the node knows no neighbour. */
typedef struct {
	int64_t difference_from_max_peer;
	int64_t max_stacks_height_of_neighbors;
	int64_t node_stacks_tip_height;
	/* From 3.2.0.0.2 the node always answers 200: with no neighbour (highest_stacks_neighbor
	 * None) max_stacks_neighbor_address is null and max_stacks_height_of_neighbors 0. */
	bool no_neighbour;
	long http_status; /* the status of a non-200 answer, else 200 (0: no answer) */
} sbtc_stacks_health;

/* /v3/health's document -> *out: 0, or -1 with a message. */
int sbtc_stacks_health_parse(json_object *doc, sbtc_stacks_health *out, char *err, size_t errlen);

/* GET /v3/tenures/tip_metadata/{consensus_hash} (3.3.0.0.4+;
 * stackslib/src/net/api/get_tenure_tip_meta.rs): the highest known block header of the
 * tenure, {"anchored_header":{"Nakamoto":{...,"timestamp":N,...}},"burn_view":...}:
 * timestamp (Unix seconds) and chain_length, or -1 for both when the header is an Epoch 2
 * one (no timestamp). A non-200 answer (404 on older nodes and for a tenure without
 * blocks) is ERROR with its status in http_status (else 200; 0: no answer). */
typedef struct {
	int64_t timestamp;
	int64_t chain_length;
	long http_status;
} sbtc_stacks_tip_time;

/* tip_metadata's document -> *out: 0, or -1 with a message. */
int sbtc_stacks_tip_time_parse(json_object *doc, sbtc_stacks_tip_time *out, char *err, size_t errlen);

/* The three, started into an acquisition (acquire.h): each fills *out and *oc, then
 * calls then. Messages name the node as role, origin and path ("Stacks node
 * http://127.0.0.1:20443/v2/info answered HTTP 503: ..."); a non-200, empty or non-JSON
 * answer is worded by sbtc_http_get_json, a document of another shape is BAD_ANSWER
 * ("Stacks node http://127.0.0.1:20443: unexpected /v2/info answer: ..."). */
void sbtc_stacks_info_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_http_opts *o,
			    sbtc_stacks_info *out, sbtc_outcome *oc, sbtc_then then, void *ctx);
void sbtc_stacks_health_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_http_opts *o,
			      sbtc_stacks_health *out, sbtc_outcome *oc, sbtc_then then,
			      void *ctx);
void sbtc_stacks_tip_time_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_http_opts *o,
				const char *consensus_hash, sbtc_stacks_tip_time *out, sbtc_outcome *oc,
				sbtc_then then, void *ctx);

#endif
