/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "signer_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json_field.h"
#include "json_get.h"
#include "strbuf.h"

/* The value under any (ok ...)/(some ...) wrappers; NULL and ERROR for (err ...). */
static const clarity_value *unwrap(const clarity_value *v, const char *what, sbtc_fetch_status *st, char *err,
				   size_t errlen)
{
	char desc[120];
	while (v != NULL && (v->type == CLARITY_OK || v->type == CLARITY_SOME) && v->count == 1)
		v = v->items[0];
	*st = SBTC_FETCH_OK;
	if (v != NULL && v->type == CLARITY_ERR) {
		clarity_describe(v, desc, sizeof desc);
		snprintf(err, errlen, "the registry's %s returned an error: %s", what, desc);
		*st = SBTC_FETCH_ERROR;
		return NULL;
	}
	return v;
}

static sbtc_fetch_status bad(char *err, size_t errlen, const char *what, const char *expected,
			     const clarity_value *v)
{
	char desc[120];
	if (v != NULL)
		clarity_describe(v, desc, sizeof desc);
	snprintf(err, errlen, "%s: expected %s, got %s", what, expected, v != NULL ? desc : "nothing");
	return SBTC_FETCH_BAD_ANSWER;
}

static sbtc_fetch_status set_from(const clarity_value *list, const char *what, sbtc_signer_chain *out, char *err,
				  size_t errlen)
{
	if (list == NULL || list->type != CLARITY_LIST)
		return bad(err, errlen, what, "(list (buff 33))", list);
	if (list->count > SBTC_SIGNER_SET_MAX) {
		snprintf(err, errlen, "%s: %zu keys, more than the registry's limit of %d", what, list->count,
			 SBTC_SIGNER_SET_MAX);
		return SBTC_FETCH_BAD_ANSWER;
	}
	for (size_t i = 0; i < list->count; i++) {
		const clarity_value *k = list->items[i];
		if (k->type != CLARITY_BUFFER || k->len != SBTC_AGGREGATE_KEY_LEN ||
		    (k->bytes[0] != 0x02 && k->bytes[0] != 0x03)) {
			char desc[120];
			clarity_describe(k, desc, sizeof desc);
			snprintf(err, errlen, "%s: item %zu is %s, not a 33-byte compressed public key", what, i, desc);
			return SBTC_FETCH_BAD_ANSWER;
		}
		memcpy(out->keys[i], k->bytes, SBTC_AGGREGATE_KEY_LEN);
	}
	out->nkeys = list->count;
	out->has_set = true;
	return SBTC_FETCH_OK;
}

static sbtc_fetch_status principal_from(const clarity_value *p, const char *what, sbtc_signer_chain *out,
					char *err, size_t errlen)
{
	if (p == NULL || p->type != CLARITY_PRINCIPAL_STANDARD)
		return bad(err, errlen, what, "a standard principal", p);
	if (sbtc_c32_address(p->version, p->hash160, out->principal) != 0) {
		snprintf(err, errlen, "%s: principal version %u has no address", what, p->version);
		return SBTC_FETCH_BAD_ANSWER;
	}
	out->has_principal = true;
	return SBTC_FETCH_OK;
}

static const clarity_value *field(const clarity_value *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->names[i], name) == 0)
			return t->items[i];
	return NULL;
}

sbtc_fetch_status sbtc_signer_data_from_value(const clarity_value *v, sbtc_signer_chain *out, char *err,
					      size_t errlen)
{
	sbtc_fetch_status st;
	memset(out, 0, sizeof *out);
	const clarity_value *t = unwrap(v, "get-current-signer-data", &st, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	if (t == NULL || t->type != CLARITY_TUPLE)
		return bad(err, errlen, "get-current-signer-data", "a tuple", t);
	static const char *const names[] = {"current-signer-set", "current-signature-threshold",
					    "current-signer-principal"};
	for (size_t i = 0; i < 3; i++)
		if (field(t, names[i]) == NULL) {
			snprintf(err, errlen, "get-current-signer-data: field %s missing", names[i]);
			return SBTC_FETCH_BAD_ANSWER;
		}
	st = set_from(field(t, names[0]), "current-signer-set", out, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	const clarity_value *th = field(t, names[1]);
	if (th->type != CLARITY_UINT)
		return bad(err, errlen, "current-signature-threshold", "a uint", th);
	for (size_t i = 0; i < 8; i++)
		if (th->int128[i] != 0) {
			snprintf(err, errlen, "current-signature-threshold is out of range");
			return SBTC_FETCH_BAD_ANSWER;
		}
	uint64_t n = 0;
	for (size_t i = 8; i < 16; i++)
		n = n << 8 | th->int128[i];
	if (n > SBTC_SIGNER_SET_MAX) {
		snprintf(err, errlen, "current-signature-threshold %llu is more than %d signers", (unsigned long long)n,
			 SBTC_SIGNER_SET_MAX);
		return SBTC_FETCH_BAD_ANSWER;
	}
	out->threshold = (int64_t)n;
	out->has_threshold = true;
	return principal_from(field(t, names[2]), "current-signer-principal", out, err, errlen);
}

sbtc_fetch_status sbtc_signer_set_from_value(const clarity_value *v, sbtc_signer_chain *out, char *err,
					     size_t errlen)
{
	sbtc_fetch_status st;
	const clarity_value *l = unwrap(v, "get-current-signer-set", &st, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	return set_from(l, "get-current-signer-set", out, err, errlen);
}

sbtc_fetch_status sbtc_signer_principal_from_value(const clarity_value *v, sbtc_signer_chain *out, char *err,
						   size_t errlen)
{
	sbtc_fetch_status st;
	const clarity_value *p = unwrap(v, "get-current-signer-principal", &st, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	return principal_from(p, "get-current-signer-principal", out, err, errlen);
}

bool sbtc_signer_chain_member(const sbtc_signer_chain *c, const uint8_t key[SBTC_AGGREGATE_KEY_LEN])
{
	for (size_t i = 0; c->has_set && i < c->nkeys; i++)
		if (memcmp(c->keys[i], key, SBTC_AGGREGATE_KEY_LEN) == 0)
			return true;
	return false;
}

/* ---- the calls ---- */

typedef struct {
	char *node_url, *peer, *role, *sender;
	sbtc_contract_id registry;
	sbtc_http_opts o;
	clarity_value *data, *set, *principal;
	sbtc_outcome set_oc, principal_oc;
	int pending;
	sbtc_signer_chain *out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} chain_job;

static void chain_end(sbtc_acq *a, chain_job *j)
{
	clarity_free(j->data);
	clarity_free(j->set);
	clarity_free(j->principal);
	free(j->node_url);
	free(j->peer);
	free(j->role);
	free(j->sender);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

/* Both single functions answered: the set first, then the principal; the first failure
 * is the outcome. */
static void fallback_done(sbtc_acq *a, void *ctx)
{
	chain_job *j = ctx;
	char inner[500];
	if (--j->pending > 0)
		return;
	sbtc_fetch_status st;
	if (j->set_oc.status != SBTC_FETCH_OK) {
		*j->oc = j->set_oc;
	} else if ((st = sbtc_signer_set_from_value(j->set, j->out, inner, sizeof inner)) != SBTC_FETCH_OK) {
		sbtc_outcome_set(j->oc, st, "%s: %s", j->peer, inner);
	} else if (j->principal_oc.status != SBTC_FETCH_OK) {
		*j->oc = j->principal_oc;
	} else if ((st = sbtc_signer_principal_from_value(j->principal, j->out, inner, sizeof inner)) !=
		   SBTC_FETCH_OK) {
		sbtc_outcome_set(j->oc, st, "%s: %s", j->peer, inner);
	} else {
		sbtc_outcome_set(j->oc, SBTC_FETCH_OK, "%s", "");
	}
	j->out->fallback = true;
	chain_end(a, j);
}

static void data_done(sbtc_acq *a, void *ctx)
{
	chain_job *j = ctx;
	char inner[500];
	if (j->oc->status == SBTC_FETCH_ERROR && strstr(j->oc->msg, "UndefinedFunction") != NULL) {
		/* A registry without get-current-signer-data: the two functions instead. */
		j->pending = 2;
		sbtc_stacks_call_read_start(a, j->node_url, j->role, &j->registry, "get-current-signer-set", j->sender,
					    &j->o, &j->set, &j->set_oc, fallback_done, j);
		sbtc_stacks_call_read_start(a, j->node_url, j->role, &j->registry, "get-current-signer-principal",
					    j->sender, &j->o, &j->principal, &j->principal_oc, fallback_done, j);
		return;
	}
	if (j->oc->status == SBTC_FETCH_OK) {
		sbtc_fetch_status st = sbtc_signer_data_from_value(j->data, j->out, inner, sizeof inner);
		if (st != SBTC_FETCH_OK)
			sbtc_outcome_set(j->oc, st, "%s: %s", j->peer, inner);
	}
	chain_end(a, j);
}

void sbtc_signer_chain_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_contract_id *registry,
			     const char *sender, const sbtc_http_opts *o, sbtc_signer_chain *out, sbtc_outcome *oc,
			     sbtc_then then, void *ctx)
{
	chain_job *j = sbtc_xcalloc(1, sizeof *j);
	char *origin = sbtc_url_origin(node_url);
	j->peer = sbtc_xasprintf("%s %s", role, origin);
	free(origin);
	j->node_url = sbtc_xstrdup(node_url);
	j->role = sbtc_xstrdup(role);
	j->sender = sbtc_xstrdup(sender);
	j->registry = *registry;
	j->o = *o;
	j->out = out;
	j->oc = oc;
	j->then = then;
	j->ctx = ctx;
	memset(out, 0, sizeof *out);
	sbtc_stacks_call_read_start(a, node_url, role, registry, "get-current-signer-data", sender, o, &j->data, oc,
				    data_done, j);
}

/* ---- the account ---- */

int sbtc_stacks_account_parse(json_object *doc, sbtc_stacks_account *out, char *err, size_t errlen)
{
	const char *b;
	memset(out, 0, sizeof *out);
	if (sbtc_json_get_string(doc, "balance", &b, err, errlen) != 0 ||
	    sbtc_json_get_int64(doc, "nonce", &out->nonce, err, errlen) != 0)
		return -1;
	const char *h = (b[0] == '0' && (b[1] == 'x' || b[1] == 'X')) ? b + 2 : b;
	size_t n = strlen(h);
	if (n == 0 || n > 32) {
		snprintf(err, errlen, "field 'balance' is not a hex number of at most 32 digits");
		return -1;
	}
	double v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = sbtc_hex_digit((unsigned char)h[i]);
		if (d < 0) {
			snprintf(err, errlen, "field 'balance' is not a hex number of at most 32 digits");
			return -1;
		}
		v = v * 16 + d;
	}
	if (out->nonce < 0) {
		snprintf(err, errlen, "field 'nonce' is negative");
		return -1;
	}
	out->balance_ustx = v;
	return 0;
}

static int account_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_account_parse(ans->doc, out, err, errlen);
}

void sbtc_stacks_account_start(sbtc_acq *a, const char *node_url, const char *role, const char *principal,
			       const sbtc_http_opts *o, sbtc_stacks_account *out, sbtc_outcome *oc, sbtc_then then,
			       void *ctx)
{
	memset(out, 0, sizeof *out);
	char *origin = sbtc_url_origin(node_url);
	char *peer = sbtc_xasprintf("%s %s", role, origin);
	char *asked = sbtc_xasprintf("%s %s/v2/accounts", role, origin);
	char *path = sbtc_xasprintf("v2/accounts/%s?proof=0", principal);
	char *full = sbtc_url_join(node_url, path);
	free(origin);
	sbtc_json_get_req req = {.url = full, .peer = peer, .asked = asked, .what = "/v2/accounts", .o = o,
				 .parse = account_parser, .out = out};
	sbtc_json_get_parsed(a, &req, oc, then, ctx);
	free(full);
	free(path);
	free(asked);
	free(peer);
}
