/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
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
	sbtc_then then = j->then;
	void *then_ctx = j->ctx;
	free(j->peer);
	free(j);
	if (then != NULL)
		then(a, then_ctx);
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

sbtc_fetch_status sbtc_registry_aggregate_key(const char *node_url, const char *role,
					      const sbtc_contract_id *registry,
					      const char *sender, const sbtc_http_opts *o,
					      sbtc_registry_key *out, char *err, size_t errlen)
{
	sbtc_acq *a = sbtc_acq_new();
	sbtc_outcome oc;
	sbtc_registry_aggregate_key_start(a, node_url, role, registry, sender, o, out, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	snprintf(err, errlen, "%s", oc.msg);
	return oc.status;
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
