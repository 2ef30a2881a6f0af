/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "stacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "json_field.h"
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

/* A short, safe excerpt of an error body for a message. */
static char *body_excerpt(const sbtc_http_response *r)
{
	if (r->len == 0)
		return sbtc_xstrdup("empty body");
	return sbtc_sanitize(r->body, 160);
}

sbtc_fetch_status sbtc_stacks_call_read(const char *node_url, const char *role,
					const sbtc_contract_id *contract,
					const char *function, const char *sender,
					const sbtc_http_opts *o, clarity_value **out, char *err,
					size_t errlen)
{
	sbtc_strbuf path = SBTC_STRBUF_INIT;
	char inner[400];
	sbtc_http_response resp;
	sbtc_fetch_status st;
	json_object *doc = NULL;

	*out = NULL;
	sbtc_strbuf_puts(&path, "v2/contracts/call-read/");
	percent_encode(&path, contract->address);
	sbtc_strbuf_putc(&path, '/');
	percent_encode(&path, contract->name);
	sbtc_strbuf_putc(&path, '/');
	percent_encode(&path, function);
	char *url = sbtc_url_join(node_url, sbtc_strbuf_str(&path));
	sbtc_strbuf_free(&path);
	char *origin = sbtc_url_origin(node_url);
	char *masked = sbtc_xasprintf("%s %s", role, origin);
	free(origin);
	sbtc_http_opts ho = *o;
	ho.peer = masked;

	json_object *req = json_object_new_object();
	json_object_object_add(req, "sender", json_object_new_string(sender));
	json_object_object_add(req, "arguments", json_object_new_array());
	const char *body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);

	st = sbtc_http_request("POST", url, "application/json", body, &ho, &resp, err, errlen);
	json_object_put(req);
	free(url);
	if (st != SBTC_FETCH_OK)
		goto out;

	if (resp.status != 200) {
		char *ex = body_excerpt(&resp);
		snprintf(err, errlen, "%s answered HTTP %ld to call-read %s: %s", masked,
			 resp.status, function, ex);
		free(ex);
		st = SBTC_FETCH_ERROR;
		goto out_resp;
	}
	if (sbtc_json_parse(resp.body, resp.len, &doc, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "%s: call-read answer is %s", masked, inner);
		st = SBTC_FETCH_BAD_ANSWER;
		goto out_resp;
	}
	bool okay;
	if (sbtc_json_get_bool(doc, "okay", &okay, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "%s: unexpected call-read answer: %s", masked, inner);
		st = SBTC_FETCH_BAD_ANSWER;
		goto out_doc;
	}
	if (!okay) {
		const char *cause = NULL;
		if (sbtc_json_get_string_opt(doc, "cause", SBTC_JSON_ABSENT_OK, &cause, inner, sizeof inner) < 0)
			cause = NULL;
		char *clean = sbtc_sanitize(cause ? cause : "no cause given", SBTC_REMOTE_TEXT_MAX);
		snprintf(err, errlen, "%s refused call-read %s: %s", masked, function, clean);
		free(clean);
		st = SBTC_FETCH_ERROR;
		goto out_doc;
	}
	const char *result;
	if (sbtc_json_get_string(doc, "result", &result, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "%s: unexpected call-read answer: %s", masked, inner);
		st = SBTC_FETCH_BAD_ANSWER;
		goto out_doc;
	}
	if (clarity_decode_hex(result, out, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "%s: cannot decode the Clarity value of %s: %s", masked,
			 function, inner);
		st = SBTC_FETCH_BAD_ANSWER;
		goto out_doc;
	}
	st = SBTC_FETCH_OK;
out_doc:
	json_object_put(doc);
out_resp:
	sbtc_http_response_free(&resp);
out:
	free(masked);
	return st;
}

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

sbtc_fetch_status sbtc_registry_aggregate_key(const char *node_url, const char *role,
					      const sbtc_contract_id *registry,
					      const char *sender, const sbtc_http_opts *o,
					      sbtc_registry_key *out, char *err, size_t errlen)
{
	clarity_value *v = NULL;
	char inner[500];
	sbtc_fetch_status st = sbtc_stacks_call_read(node_url, role, registry, "get-current-aggregate-pubkey",
						     sender, o, &v, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	st = sbtc_registry_key_from_value(v, out, inner, sizeof inner);
	clarity_free(v);
	if (st != SBTC_FETCH_OK) {
		char *origin = sbtc_url_origin(node_url);
		snprintf(err, errlen, "%s %s: %s", role, origin, inner);
		free(origin);
	}
	return st;
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

/* Interprets one answer document into a start function's output. */
typedef int (*node_parser)(json_object *doc, void *out, char *err, size_t errlen);

/* One GET on a node in flight. */
typedef struct {
	char *peer;             /* "Stacks node http://127.0.0.1:20443" */
	char *what;             /* "/v2/info", for messages */
	char *asked;            /* "Stacks node http://127.0.0.1:20443/v2/info": a node is asked
				 * several things at once, so the transport's messages say which */
	sbtc_http_opts ho;
	sbtc_json_answer ans;
	sbtc_outcome http_oc;
	node_parser parse;
	void *out;
	long *http_status;      /* where the status of an ERROR answer goes, or NULL */
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} node_get;

static void node_get_done(sbtc_acq *a, void *arg)
{
	node_get *g = arg;
	char inner[400];
	if (g->http_oc.status != SBTC_FETCH_OK) {
		/* get_json keeps the status of a non-200 answer: /v3/health's 404 and 500 mean
		 * something (see sbtc_stacks_health). */
		if (g->http_status != NULL)
			*g->http_status = g->http_oc.status == SBTC_FETCH_ERROR ? g->ans.resp.status : 0;
		sbtc_outcome_set(g->oc, g->http_oc.status, "%s", g->http_oc.msg);
	} else if (g->parse(g->ans.doc, g->out, inner, sizeof inner) != 0) {
		sbtc_outcome_set(g->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected %s answer: %s", g->peer, g->what, inner);
	} else {
		sbtc_outcome_set(g->oc, SBTC_FETCH_OK, "%s", "");
	}
	sbtc_then then = g->then;
	void *ctx = g->ctx;
	sbtc_json_answer_free(&g->ans);
	free(g->asked);
	free(g->what);
	free(g->peer);
	free(g);
	if (then != NULL)
		then(a, ctx);
}

/* GET path (no leading '/') on node_url, its answer parsed into out. */
static void node_get_start(sbtc_acq *a, const char *node_url, const char *role, const char *path,
			   const sbtc_http_opts *o, node_parser parse, void *out, long *http_status, sbtc_outcome *oc,
			   sbtc_then then, void *ctx)
{
	node_get *g = sbtc_xcalloc(1, sizeof *g);
	char *origin = sbtc_url_origin(node_url);
	g->peer = sbtc_xasprintf("%s %s", role, origin);
	g->what = sbtc_xasprintf("/%s", path);
	g->asked = sbtc_xasprintf("%s %s/%s", role, origin, path);
	free(origin);
	g->ho = *o;
	g->ho.peer = g->asked;
	g->parse = parse;
	g->out = out;
	g->http_status = http_status;
	g->oc = oc;
	g->then = then;
	g->ctx = ctx;
	memset(oc, 0, sizeof *oc);
	char *url = sbtc_url_join(node_url, path);
	sbtc_http_get_json(a, url, &g->ho, 0, &g->ans, &g->http_oc, node_get_done, g);
	free(url);
}

static int info_parser(json_object *doc, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_info_parse(doc, out, err, errlen);
}

static int health_parser(json_object *doc, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_health_parse(doc, out, err, errlen);
}

static int tip_time_parser(json_object *doc, void *out, char *err, size_t errlen)
{
	return sbtc_stacks_tip_time_parse(doc, out, err, errlen);
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

sbtc_fetch_status sbtc_stacks_info_get(const char *node_url, const char *role, const sbtc_http_opts *o,
				       sbtc_stacks_info *out, char *err, size_t errlen)
{
	sbtc_outcome oc;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_stacks_info_start(a, node_url, role, o, out, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	sbtc_strlcpy(err, oc.msg, errlen);
	return oc.status;
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
