/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signers as the chain sees them: the sBTC registry's current signer set, signature
 * threshold and signers' principal (read-only get-current-signer-data, a tuple; where a
 * registry lacks it, get-current-signer-set and get-current-signer-principal; stacks-sbtc/sbtc
 * contracts/contracts/sbtc-registry.clar), and the STX balance of that principal, which
 * pays the fees of the signers' Stacks transactions (GET /v2/accounts/{principal}?proof=0,
 * stackslib/src/net/api/getaccount.rs). */
#ifndef SBTC_SIGNER_CHAIN_H
#define SBTC_SIGNER_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "acquire.h"
#include "c32.h"
#include "clarity.h"
#include "registry.h"
#include "stacks.h"

/* A registry's set holds at most 128 keys (its list type: (list 128 (buff 33))). */
#define SBTC_SIGNER_SET_MAX 128

typedef struct {
	bool has_set;
	uint8_t keys[SBTC_SIGNER_SET_MAX][SBTC_AGGREGATE_KEY_LEN];
	size_t nkeys;
	bool has_threshold;
	int64_t threshold;
	bool has_principal;
	char principal[SBTC_C32_ADDRESS_MAX]; /* c32check address of a standard principal */
	bool fallback;                        /* read through the two single functions */
} sbtc_signer_chain;

/* The tuple of get-current-signer-data (also inside (ok ...)/(some ...)):
 * current-signer-set (list of 33-byte compressed keys), current-signature-threshold (uint),
 * current-signer-principal (a standard principal). OK, ERROR for (err ...), BAD_ANSWER with
 * a message naming the field and what was wrong. Fields other than these are ignored. */
sbtc_fetch_status sbtc_signer_data_from_value(const clarity_value *v, sbtc_signer_chain *out, char *err,
					      size_t errlen);
/* get-current-signer-set alone: the list. */
sbtc_fetch_status sbtc_signer_set_from_value(const clarity_value *v, sbtc_signer_chain *out, char *err,
					     size_t errlen);
/* get-current-signer-principal alone: the principal. */
sbtc_fetch_status sbtc_signer_principal_from_value(const clarity_value *v, sbtc_signer_chain *out, char *err,
						   size_t errlen);

/* Asks the registry for its signer data; a node that does not know the function
 * (UndefinedFunction) is asked the two single functions instead. Messages name the node
 * as role and origin. */
void sbtc_signer_chain_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_contract_id *registry,
			     const char *sender, const sbtc_http_opts *o, sbtc_signer_chain *out, sbtc_outcome *oc,
			     sbtc_then then, void *ctx);

/* True when key is one of the set's. */
bool sbtc_signer_chain_member(const sbtc_signer_chain *c, const uint8_t key[SBTC_AGGREGATE_KEY_LEN]);

typedef struct {
	double balance_ustx; /* µSTX (a u128 on chain: exact below 2^53) */
	int64_t nonce;
} sbtc_stacks_account;

/* The document of /v2/accounts: "balance" a hex string of at most 32 digits ("0x" prefix),
 * "nonce" a number. 0, or -1 with a message. */
int sbtc_stacks_account_parse(json_object *doc, sbtc_stacks_account *out, char *err, size_t errlen);

void sbtc_stacks_account_start(sbtc_acq *a, const char *node_url, const char *role, const char *principal,
			       const sbtc_http_opts *o, sbtc_stacks_account *out, sbtc_outcome *oc, sbtc_then then,
			       void *ctx);

#endif
