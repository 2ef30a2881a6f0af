/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sBTC registry's current aggregate key: the read-only call
 * get-current-aggregate-pubkey (stacks-sbtc/sbtc contracts/contracts/sbtc-registry.clar),
 * what its answer means, and how a key is shown. */
#ifndef SBTC_REGISTRY_H
#define SBTC_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acquire.h"
#include "clarity.h"
#include "cli.h"
#include "http.h"
#include "stacks.h"

#define SBTC_AGGREGATE_KEY_LEN 33

typedef struct {
	bool has_key; /* false: the registry still holds its initial one-byte 0x00 */
	uint8_t key[SBTC_AGGREGATE_KEY_LEN];
} sbtc_registry_key;

/* Interprets the answer of get-current-aggregate-pubkey: a (buff 33) compressed key,
 * also inside (ok ...) or (some ...), or the initial 0x00. Anything else is BAD_ANSWER
 * ("expected (buff 33), got (buff 32)"); (err ...) is ERROR. */
sbtc_fetch_status sbtc_registry_key_from_value(const clarity_value *v, sbtc_registry_key *out,
					       char *err, size_t errlen);

/* Both steps: call get-current-aggregate-pubkey on the registry and interpret it, in an
 * acquisition. Messages name the node as role and origin. */
void sbtc_registry_aggregate_key_start(sbtc_acq *a, const char *node_url, const char *role,
				       const sbtc_contract_id *registry, const char *sender,
				       const sbtc_http_opts *o, sbtc_registry_key *out, sbtc_outcome *oc,
				       sbtc_then then, void *ctx);

/* "03d8c43448...0aa967": enough to tell keys apart on a status line. dst >= 24 bytes. */
char *sbtc_key_short(const uint8_t key[SBTC_AGGREGATE_KEY_LEN], char *dst, size_t dstlen);
/* The whole key in hex. dst >= 67 bytes. */
char *sbtc_key_hex(const uint8_t key[SBTC_AGGREGATE_KEY_LEN], char *dst, size_t dstlen);
/* The key as messages show it: short, or whole when verbose. */
char *sbtc_key_text(const uint8_t key[SBTC_AGGREGATE_KEY_LEN], int verbose, char *dst, size_t dstlen);

/* The options of every check that asks the registry for its key and judges shares:
 * --network, --contract, --sender, --rotation-grace; their settings: an
 * sbtc_registry_opts. Its finish picks --network's registry unless --contract names one,
 * splits the contract id and defaults the sender. */
#define SBTC_DEFAULT_ROTATION_GRACE "6h"
#define SBTC_DEFAULT_ROTATION_GRACE_SECONDS (6 * 3600.0)
enum { SBTC_OPT_CONTRACT = 0x1a0, SBTC_OPT_SENDER, SBTC_OPT_ROTATION_GRACE, SBTC_OPT_NETWORK };
extern const sbtc_option_group sbtc_registry_group;

typedef struct {
	sbtc_network network;
	const char *contract_text; /* NULL until finished: then --network's registry by default */
	const char *sender;       /* NULL until finished: then the contract's address by default */
	double rotation_grace;    /* seconds */
	sbtc_contract_id contract;
} sbtc_registry_opts;

#endif
