/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "range.h"
#include "strbuf.h"

sbtc_fetch_status sbtc_registry_key_from_value(const clarity_value *v, sbtc_registry_key *out,
					       char *err, size_t errlen)
{
	char desc[120];
	const clarity_value *inner = v;
	memset(out, 0, sizeof *out);
	/* The function returns a bare buffer; tolerate (ok ...) and (some ...) wrappers. */
	while (inner != NULL && (inner->type == CLARITY_OK || inner->type == CLARITY_SOME) && inner->count == 1)
		inner = inner->items[0];
	if (inner != NULL && inner->type == CLARITY_ERR) {
		clarity_describe(v, desc, sizeof desc);
		snprintf(err, errlen, "the registry returned an error: %s", desc);
		return SBTC_FETCH_ERROR;
	}
	if (inner == NULL || inner->type != CLARITY_BUFFER) {
		clarity_describe(v, desc, sizeof desc);
		snprintf(err, errlen, "expected (buff 33) from the registry, got %s", desc);
		return SBTC_FETCH_BAD_ANSWER;
	}
	if (inner->len == 1 && inner->bytes[0] == 0x00) {
		out->has_key = false;
		return SBTC_FETCH_OK;
	}
	if (inner->len != SBTC_AGGREGATE_KEY_LEN) {
		snprintf(err, errlen, "expected a 33-byte aggregate key from the registry, got (buff %zu)",
			 inner->len);
		return SBTC_FETCH_BAD_ANSWER;
	}
	if (inner->bytes[0] != 0x02 && inner->bytes[0] != 0x03) {
		snprintf(err, errlen,
			 "the registry's 33-byte value starts with 0x%02x, not 0x02 or 0x03: not a compressed public key",
			 inner->bytes[0]);
		return SBTC_FETCH_BAD_ANSWER;
	}
	out->has_key = true;
	memcpy(out->key, inner->bytes, SBTC_AGGREGATE_KEY_LEN);
	return SBTC_FETCH_OK;
}

typedef struct {
	clarity_value *v;
	char *peer;
	sbtc_registry_key *out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} key_job;

static void key_done(sbtc_acq *a, void *ctx)
{
	key_job *j = ctx;
	char inner[500];
	memset(j->out, 0, sizeof *j->out);
	if (j->oc->status == SBTC_FETCH_OK) {
		sbtc_fetch_status st = sbtc_registry_key_from_value(j->v, j->out, inner, sizeof inner);
		if (st != SBTC_FETCH_OK)
			sbtc_outcome_set(j->oc, st, "%s: %s", j->peer, inner);
	}
	clarity_free(j->v);
	free(j->peer);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

void sbtc_registry_aggregate_key_start(sbtc_acq *a, const char *node_url, const char *role,
				       const sbtc_contract_id *registry, const char *sender,
				       const sbtc_http_opts *o, sbtc_registry_key *out, sbtc_outcome *oc,
				       sbtc_then then, void *ctx)
{
	key_job *j = sbtc_xcalloc(1, sizeof *j);
	char *origin = sbtc_url_origin(node_url);
	j->peer = sbtc_xasprintf("%s %s", role, origin);
	free(origin);
	j->out = out;
	j->oc = oc;
	j->then = then;
	j->ctx = ctx;
	memset(out, 0, sizeof *out);
	sbtc_stacks_call_read_start(a, node_url, role, registry, "get-current-aggregate-pubkey", sender, o, &j->v, oc,
				    key_done, j);
}

char *sbtc_key_hex(const uint8_t key[SBTC_AGGREGATE_KEY_LEN], char *dst, size_t dstlen)
{
	char full[2 * SBTC_AGGREGATE_KEY_LEN + 1];
	sbtc_hex_encode(key, SBTC_AGGREGATE_KEY_LEN, full);
	sbtc_strlcpy(dst, full, dstlen);
	return dst;
}

char *sbtc_key_short(const uint8_t key[SBTC_AGGREGATE_KEY_LEN], char *dst, size_t dstlen)
{
	char full[2 * SBTC_AGGREGATE_KEY_LEN + 1];
	sbtc_hex_encode(key, SBTC_AGGREGATE_KEY_LEN, full);
	snprintf(dst, dstlen, "%.10s...%s", full, full + 2 * SBTC_AGGREGATE_KEY_LEN - 6);
	return dst;
}

char *sbtc_key_text(const uint8_t key[SBTC_AGGREGATE_KEY_LEN], int verbose, char *dst, size_t dstlen)
{
	return verbose > 0 ? sbtc_key_hex(key, dst, dstlen) : sbtc_key_short(key, dst, dstlen);
}

static const sbtc_option registry_options[] = {
	{"network", 0, SBTC_ARG_REQUIRED, "NETWORK", SBTC_OPT_NETWORK,
	 "mainnet or testnet: picks the sBTC registry of that network (testnet\n"
	 SBTC_TESTNET_REGISTRY ").", "mainnet"},
	{"contract", 0, SBTC_ARG_REQUIRED, "ADDRESS.NAME", SBTC_OPT_CONTRACT,
	 "The sBTC registry contract, whatever --network says (default: --network's,\n"
	 SBTC_MAINNET_REGISTRY " on mainnet).", NULL},
	{"sender", 0, SBTC_ARG_REQUIRED, "PRINCIPAL", SBTC_OPT_SENDER,
	 "Sender of the read-only call (default: the contract's address).", NULL},
	{"rotation-grace", 0, SBTC_ARG_REQUIRED, "DURATION", SBTC_OPT_ROTATION_GRACE,
	 "How long a newer verified share may wait for its key rotation to reach the chain\n"
	 "before WARNING becomes CRITICAL (90s, 45m, 6h, 2d).", SBTC_DEFAULT_ROTATION_GRACE},
};

static void registry_opts_init(void *settings)
{
	sbtc_registry_opts *o = settings;
	memset(o, 0, sizeof *o);
	o->network = SBTC_NETWORK_MAINNET;
	o->rotation_grace = SBTC_DEFAULT_ROTATION_GRACE_SECONDS;
}

static int registry_option(void *settings, int key, const char *arg, char *err, size_t errlen)
{
	sbtc_registry_opts *o = settings;
	switch (key) {
	case SBTC_OPT_CONTRACT:
		o->contract_text = arg;
		return 0;
	case SBTC_OPT_NETWORK:
		return sbtc_network_parse(arg, "--network", &o->network, err, errlen);
	case SBTC_OPT_SENDER:
		o->sender = arg;
		return sbtc_principal_check(arg, "--sender", err, errlen);
	case SBTC_OPT_ROTATION_GRACE:
		return sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &o->rotation_grace, err, errlen);
	}
	snprintf(err, errlen, "unhandled registry option");
	return -1;
}

static int registry_opts_finish(void *settings, char *err, size_t errlen)
{
	sbtc_registry_opts *o = settings;
	if (o->contract_text == NULL)
		o->contract_text = sbtc_network_registry(o->network);
	if (sbtc_contract_id_parse(o->contract_text, &o->contract, err, errlen) != 0)
		return -1;
	if (o->sender == NULL)
		o->sender = o->contract.address;
	return 0;
}

const sbtc_option_group sbtc_registry_group = {
	.options = registry_options,
	.noptions = sizeof registry_options / sizeof registry_options[0],
	.init = registry_opts_init,
	.handle = registry_option,
	.finish = registry_opts_finish,
};
