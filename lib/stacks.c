/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "stacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "json_field.h"
#include "json_get.h"
#include "sanitize.h"
#include "strbuf.h"

/* c32 (Crockford base32) digits as used by Stacks addresses. */
static const char c32_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int sbtc_principal_check(const char *text, const char *what, char *err, size_t errlen)
{
	size_t n = strlen(text);
	/* 'S', a version digit, then the c32 of a 20-byte hash and a 4-byte checksum. */
	if (n < 28 || n > 41 || text[0] != 'S') {
		snprintf(err, errlen, "invalid %s '%.60s': expected a Stacks address such as SM3VDXK3...", what,
			 text);
		return -1;
	}
	for (size_t i = 1; i < n; i++)
		if (strchr(c32_alphabet, text[i]) == NULL) {
			snprintf(err, errlen, "invalid %s '%.60s': character '%c' is not used in Stacks addresses",
				 what, text, text[i]);
			return -1;
		}
	return 0;
}

int sbtc_contract_id_parse(const char *text, sbtc_contract_id *out, char *err, size_t errlen)
{
	const char *dot = strchr(text, '.');
	if (dot == NULL || (size_t)(dot - text) >= sizeof out->address) {
		snprintf(err, errlen, "invalid contract '%.80s': expected ADDRESS.NAME, e.g. %s", text,
			 SBTC_MAINNET_REGISTRY);
		return -1;
	}
	memcpy(out->address, text, (size_t)(dot - text));
	out->address[dot - text] = '\0';
	if (sbtc_principal_check(out->address, "contract address", err, errlen) != 0)
		return -1;
	const char *name = dot + 1;
	size_t nl = strlen(name);
	/* Clarity contract names: a letter, then letters, digits, '-' or '_'. */
	bool ok = nl >= 1 && nl < sizeof out->name &&
		  ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
	for (size_t i = 0; ok && i < nl; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		     c == '_';
	}
	if (!ok) {
		snprintf(err, errlen, "invalid contract name '%.80s': a letter, then letters, digits, '-' or '_'",
			 name);
		return -1;
	}
	memcpy(out->name, name, nl + 1);
	return 0;
}

static void percent_encode(sbtc_strbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			sbtc_strbuf_putc(b, (char)*p);
		else
			sbtc_strbuf_printf(b, "%%%02X", *p);
	}
}

typedef struct {
	sbtc_http_opts ho;
	char *peer, *url, *body, *function;
	sbtc_json_answer ans;
	clarity_value **out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} call_read_job;

/* The call-read answer: {"okay":true,"result":"0x..."} or {"okay":false,"cause":"..."}
 * (stackslib/src/net/api/callreadonly.rs, CallReadOnlyResponse). */
static void call_read_judge(call_read_job *j)
{
	char inner[400];
	json_object *doc = j->ans.doc;
	bool okay;
	const char *result;
	if (j->oc->status != SBTC_FETCH_OK)
		return;
	if (sbtc_json_get_bool(doc, "okay", &okay, inner, sizeof inner) != 0) {
		sbtc_outcome_set(j->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected call-read answer: %s", j->peer, inner);
	} else if (!okay) {
		const char *cause = NULL;
		if (sbtc_json_get_string_opt(doc, "cause", SBTC_JSON_ABSENT_OK, &cause, inner, sizeof inner) < 0)
			cause = NULL;
		char *clean = sbtc_sanitize(cause ? cause : "no cause given", SBTC_REMOTE_TEXT_MAX);
		sbtc_outcome_set(j->oc, SBTC_FETCH_ERROR, "%s refused call-read %s: %s", j->peer, j->function, clean);
		free(clean);
	} else if (sbtc_json_get_string(doc, "result", &result, inner, sizeof inner) != 0) {
		sbtc_outcome_set(j->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected call-read answer: %s", j->peer, inner);
	} else if (clarity_decode_hex(result, j->out, inner, sizeof inner) != 0) {
		sbtc_outcome_set(j->oc, SBTC_FETCH_BAD_ANSWER, "%s: cannot decode the Clarity value of %s: %s", j->peer,
				 j->function, inner);
	}
}

static void call_read_done(sbtc_acq *a, void *ctx)
{
	call_read_job *j = ctx;
	call_read_judge(j);
	sbtc_json_answer_free(&j->ans);
	free(j->peer);
	free(j->url);
	free(j->body);
	free(j->function);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

void sbtc_stacks_call_read_start(sbtc_acq *a, const char *node_url, const char *role,
				 const sbtc_contract_id *contract, const char *function, const char *sender,
				 const sbtc_http_opts *o, clarity_value **out, sbtc_outcome *oc, sbtc_then then,
				 void *ctx)
{
	call_read_job *j = sbtc_xcalloc(1, sizeof *j);
	sbtc_strbuf path = SBTC_STRBUF_INIT;
	*out = NULL;
	sbtc_strbuf_puts(&path, "v2/contracts/call-read/");
	percent_encode(&path, contract->address);
	sbtc_strbuf_putc(&path, '/');
	percent_encode(&path, contract->name);
	sbtc_strbuf_putc(&path, '/');
	percent_encode(&path, function);
	j->url = sbtc_url_join(node_url, sbtc_strbuf_str(&path));
	sbtc_strbuf_free(&path);
	char *origin = sbtc_url_origin(node_url);
	j->peer = sbtc_xasprintf("%s %s", role, origin);
	free(origin);
	j->ho = *o;
	j->ho.peer = j->peer;
	j->function = sbtc_xstrdup(function);
	j->out = out;
	j->oc = oc;
	j->then = then;
	j->ctx = ctx;

	json_object *req = json_object_new_object();
	json_object_object_add(req, "sender", json_object_new_string(sender));
	json_object_object_add(req, "arguments", json_object_new_array());
	j->body = sbtc_xstrdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	sbtc_http_post_json(a, j->url, j->body, &j->ho, 0, &j->ans, oc, call_read_done, j);
}

int sbtc_stacks_info_parse(json_object *doc, sbtc_stacks_info *out, char *err, size_t errlen)
{
	const char *ver, *ch = NULL;
	int r, rc;
	memset(out, 0, sizeof *out);
	/* stackslib/src/net/api/getinfo.rs, RPCPeerInfoData */
	if (sbtc_json_get_int64(doc, "stacks_tip_height", &out->stacks_tip_height, err, errlen) != 0 ||
	    sbtc_json_get_int64(doc, "burn_block_height", &out->burn_block_height, err, errlen) != 0 ||
	    sbtc_json_get_int64(doc, "network_id", &out->network_id, err, errlen) != 0 ||
	    sbtc_json_get_string(doc, "server_version", &ver, err, errlen) != 0 ||
	    (r = sbtc_json_get_bool_opt(doc, "is_fully_synced", SBTC_JSON_ABSENT_OK, &out->is_fully_synced, err,
					errlen)) < 0 ||
	    (rc = sbtc_json_get_string_opt(doc, "stacks_tip_consensus_hash", SBTC_JSON_ABSENT_OK, &ch, err,
					   errlen)) < 0)
		return -1;
	if (out->stacks_tip_height < 0 || out->burn_block_height < 0) {
		snprintf(err, errlen, "negative height");
		return -1;
	}
	out->has_is_fully_synced = r == 0;
	if (r != 0)
		out->is_fully_synced = false;
	/* Kept only when it is what the tip_metadata path accepts: 40 lower-case hex digits. */
	if (rc == 0 && strlen(ch) == 40 && strspn(ch, "0123456789abcdef") == 40)
		memcpy(out->tip_consensus_hash, ch, 41);
	char *clean = sbtc_sanitize(ver, sizeof out->server_version - 1);
	sbtc_strlcpy(out->server_version, clean, sizeof out->server_version);
	free(clean);
	return 0;
}

int sbtc_stacks_health_parse(json_object *doc, sbtc_stacks_health *out, char *err, size_t errlen)
{
	const char *addr = NULL;
	int ra;
	memset(out, 0, sizeof *out);
	out->http_status = 200;
	if (sbtc_json_get_int64(doc, "difference_from_max_peer", &out->difference_from_max_peer, err, errlen) != 0 ||
	    sbtc_json_get_int64(doc, "max_stacks_height_of_neighbors", &out->max_stacks_height_of_neighbors, err,
				errlen) != 0 ||
	    sbtc_json_get_int64(doc, "node_stacks_tip_height", &out->node_stacks_tip_height, err, errlen) != 0 ||
	    (ra = sbtc_json_get_string_opt(doc, "max_stacks_neighbor_address", SBTC_JSON_ABSENT_OK, &addr, err,
					   errlen)) < 0)
		return -1;
	/* gethealth.rs answers (None, 0) for the neighbour when it knows none. The address
	 * exists from 3.2.0.0.2; before that a height of 0 says the same. */
	out->no_neighbour = out->max_stacks_height_of_neighbors == 0 ||
			    (ra == 1 && json_object_object_get_ex(doc, "max_stacks_neighbor_address", NULL));
	return 0;
}

int sbtc_stacks_tip_time_parse(json_object *doc, sbtc_stacks_tip_time *out, char *err, size_t errlen)
{
	json_object *header;
	out->timestamp = out->chain_length = -1;
	out->http_status = 200;
	/* StacksBlockHeaderTypes is serialised by serde as an externally tagged enum
	 * (stackslib/src/chainstate/stacks/db/mod.rs): {"Nakamoto":{...}} or {"Epoch2":{...}}. */
	int rn = sbtc_json_get_object_opt(doc, "anchored_header.Nakamoto", SBTC_JSON_MISSING_OK, &header, err, errlen);
	if (rn == 0) {
		int64_t ts, len;
		if (sbtc_json_get_int64(header, "timestamp", &ts, err, errlen) != 0 ||
		    sbtc_json_get_int64(header, "chain_length", &len, err, errlen) != 0)
			return -1;
		if (ts < 0 || len < 0) {
			snprintf(err, errlen, "negative timestamp or height");
			return -1;
		}
		out->timestamp = ts;
		out->chain_length = len;
		return 0;
	}
	if (rn < 0)
		return -1;
	if (sbtc_json_get_object(doc, "anchored_header.Epoch2", &header, err, errlen) != 0) {
		snprintf(err, errlen, "anchored_header is neither Nakamoto nor Epoch2");
		return -1;
	}
	return 0;
}

/* -- The exchanges ---------------------------------------------------------------------- */

/* GET path (no leading '/') on node_url, its answer parsed into out. A node is asked
 * several things at once, so the transport's messages name the path too. */
static void node_get_start(sbtc_acq *a, const char *node_url, const char *role, const char *path,
			   const sbtc_http_opts *o, sbtc_answer_parser parse, void *out, long *http_status,
			   sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	char *origin = sbtc_url_origin(node_url);
	char *peer = sbtc_xasprintf("%s %s", role, origin);
	char *asked = sbtc_xasprintf("%s %s/%s", role, origin, path);
	char *what = sbtc_xasprintf("/%s", path);
	char *url = sbtc_url_join(node_url, path);
	free(origin);
	sbtc_json_get_req req = {.url = url, .peer = peer, .asked = asked, .what = what, .o = o, .parse = parse,
				 .out = out, .http_status = http_status};
	sbtc_json_get_parsed(a, &req, oc, then, ctx);
	free(url);
	free(what);
	free(asked);
	free(peer);
}

static int info_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_info_parse(ans->doc, out, err, errlen);
}

static int health_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_health_parse(ans->doc, out, err, errlen);
}

static int tip_time_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_tip_time_parse(ans->doc, out, err, errlen);
}

void sbtc_stacks_info_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_http_opts *o,
			    sbtc_stacks_info *out, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	node_get_start(a, node_url, role, "v2/info", o, info_parser, out, NULL, oc, then, ctx);
}

void sbtc_stacks_health_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_http_opts *o,
			      sbtc_stacks_health *out, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	node_get_start(a, node_url, role, "v3/health", o, health_parser, out, &out->http_status, oc, then, ctx);
}

void sbtc_stacks_tip_time_start(sbtc_acq *a, const char *node_url, const char *role, const sbtc_http_opts *o,
				const char *consensus_hash, sbtc_stacks_tip_time *out, sbtc_outcome *oc,
				sbtc_then then, void *ctx)
{
	out->timestamp = out->chain_length = -1;
	out->http_status = 0;
	char *path = sbtc_xasprintf("v3/tenures/tip_metadata/%s", consensus_hash);
	node_get_start(a, node_url, role, path, o, tip_time_parser, out, &out->http_status, oc, then, ctx);
	free(path);
}

int sbtc_network_parse(const char *text, const char *what, sbtc_network *out, char *err, size_t errlen)
{
	if (strcasecmp(text, "mainnet") == 0) {
		*out = SBTC_NETWORK_MAINNET;
		return 0;
	}
	if (strcasecmp(text, "testnet") == 0) {
		*out = SBTC_NETWORK_TESTNET;
		return 0;
	}
	char *clean = sbtc_sanitize(text, 40);
	snprintf(err, errlen, "invalid %s '%s': expected mainnet or testnet", what, clean);
	free(clean);
	return -1;
}

const char *sbtc_network_name(sbtc_network n)
{
	return n == SBTC_NETWORK_TESTNET ? "testnet" : "mainnet";
}

const char *sbtc_network_registry(sbtc_network n)
{
	return n == SBTC_NETWORK_TESTNET ? SBTC_TESTNET_REGISTRY : SBTC_MAINNET_REGISTRY;
}
