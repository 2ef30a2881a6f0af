/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "signer_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_field.h"
#include "json_get.h"
#include "sanitize.h"
#include "strbuf.h"

/* An optional string member: sanitised into dst, "" when null or absent. -1 on a wrong type. */
static int opt_string(json_object *doc, const char *path, char *dst, size_t dstlen, char *err, size_t errlen)
{
	const char *s = NULL;
	dst[0] = '\0';
	int r = sbtc_json_get_string_opt(doc, path, SBTC_JSON_ABSENT_OK, &s, err, errlen);
	if (r < 0)
		return -1;
	if (r == 0) {
		char *clean = sbtc_sanitize(s, dstlen - 1);
		sbtc_strlcpy(dst, clean, dstlen);
		free(clean);
	}
	return 0;
}

/* {"block_hash": ..., "block_height": N} or null. */
static int opt_tip(json_object *doc, const char *path, sbtc_signer_tip *tip, char *err, size_t errlen)
{
	json_object *o = NULL;
	memset(tip, 0, sizeof *tip);
	int r = sbtc_json_get_object_opt(doc, path, SBTC_JSON_ABSENT_OK, &o, err, errlen);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	char *hpath = sbtc_xasprintf("%s.block_height", path);
	char *hashpath = sbtc_xasprintf("%s.block_hash", path);
	int rc = -1;
	if (sbtc_json_get_int64(doc, hpath, &tip->height, err, errlen) != 0)
		goto out;
	if (tip->height < 0) {
		snprintf(err, errlen, "field '%s' is negative", hpath);
		goto out;
	}
	if (opt_string(doc, hashpath, tip->hash, sizeof tip->hash, err, errlen) != 0)
		goto out;
	tip->known = true;
	rc = 0;
out:
	free(hpath);
	free(hashpath);
	return rc;
}

int sbtc_signer_info_from_json(json_object *doc, sbtc_signer_info *out, char *err, size_t errlen)
{
	char inner[300];
	memset(out, 0, sizeof *out);
	json_object *tmp;
	int64_t h = 0;
	int r = 1;
	/* The two blocks every version sends; the rest may be null or absent. */
	if (sbtc_json_get_object(doc, "bitcoin", &tmp, inner, sizeof inner) != 0 ||
	    sbtc_json_get_object(doc, "stacks", &tmp, inner, sizeof inner) != 0 ||
	    opt_tip(doc, "bitcoin.signer_tip", &out->bitcoin_signer_tip, inner, sizeof inner) != 0 ||
	    opt_tip(doc, "bitcoin.node_tip", &out->bitcoin_node_tip, inner, sizeof inner) != 0 ||
	    opt_tip(doc, "stacks.signer_tip", &out->stacks_signer_tip, inner, sizeof inner) != 0 ||
	    opt_tip(doc, "stacks.node_tip", &out->stacks_node_tip, inner, sizeof inner) != 0 ||
	    (r = sbtc_json_get_int64_opt(doc, "stacks.node_bitcoin_block_height", SBTC_JSON_ABSENT_OK, &h, inner,
					 sizeof inner)) < 0 ||
	    opt_string(doc, "bitcoin.node_chain", out->bitcoin_node_chain, sizeof out->bitcoin_node_chain, inner,
		       sizeof inner) != 0 ||
	    opt_string(doc, "bitcoin.node_subversion", out->bitcoin_node_subversion,
		       sizeof out->bitcoin_node_subversion, inner, sizeof inner) != 0 ||
	    opt_string(doc, "stacks.node_version", out->stacks_node_version, sizeof out->stacks_node_version,
		       inner, sizeof inner) != 0 ||
	    opt_string(doc, "config.network", out->network, sizeof out->network, inner, sizeof inner) != 0 ||
	    opt_string(doc, "build_info.git_revision", out->git_revision, sizeof out->git_revision, inner,
		       sizeof inner) != 0 ||
	    opt_string(doc, "build_info.rust_version", out->rust_version, sizeof out->rust_version, inner,
		       sizeof inner) != 0 ||
	    opt_string(doc, "dkg.current_aggregate_key", out->current_aggregate_key,
		       sizeof out->current_aggregate_key, inner, sizeof inner) != 0 ||
	    opt_string(doc, "dkg.contract_aggregate_key", out->contract_aggregate_key,
		       sizeof out->contract_aggregate_key, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "%s", inner);
		return -1;
	}
	const char *rev = NULL;
	out->has_git_revision = sbtc_json_get_string_opt(doc, "build_info.git_revision", SBTC_JSON_ABSENT_OK, &rev,
							 inner, sizeof inner) == 0;
	if (r == 0) {
		out->has_stacks_node_bitcoin_height = true;
		out->stacks_node_bitcoin_height = h;
	}
	return 0;
}

int sbtc_signer_info_parse(const char *body, size_t len, sbtc_signer_info *out, char *err, size_t errlen)
{
	char inner[300];
	json_object *doc = NULL;
	memset(out, 0, sizeof *out);
	if (sbtc_json_parse(body, len, &doc, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "/info answer is %s", inner);
		return -1;
	}
	int r = sbtc_signer_info_from_json(doc, out, inner, sizeof inner);
	if (r != 0)
		snprintf(err, errlen, "unexpected /info answer: %s", inner);
	json_object_put(doc);
	return r;
}

static int info_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_signer_info_from_json(ans->doc, out, err, errlen);
}

void sbtc_signer_info_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_signer_info *out,
			    sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	if (url == NULL)
		url = SBTC_DEFAULT_SIGNER_URL;
	char *origin = sbtc_url_origin(url);
	char *peer = sbtc_xasprintf("signer %s", origin);
	char *asked = sbtc_xasprintf("signer %s/info", origin);
	char *full = sbtc_url_join(url, "info");
	free(origin);
	sbtc_json_get_req req = {.url = full, .peer = peer, .asked = asked, .what = "/info", .o = o,
				 .parse = info_parser, .out = out};
	sbtc_json_get_parsed(a, &req, oc, then, ctx);
	free(full);
	free(asked);
	free(peer);
}

typedef struct {
	sbtc_http_response resp;
	sbtc_http_opts o;
	char *peer;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} alive_job;

static void alive_done(sbtc_acq *a, void *ctx)
{
	alive_job *j = ctx;
	if (j->oc->status == SBTC_FETCH_OK && j->resp.status != 200)
		sbtc_http_status_error(j->oc, j->peer, &j->resp);
	sbtc_http_response_free(&j->resp);
	free(j->peer);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

void sbtc_signer_alive_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_outcome *oc,
			     sbtc_then then, void *ctx)
{
	alive_job *j = sbtc_xcalloc(1, sizeof *j);
	if (url == NULL)
		url = SBTC_DEFAULT_SIGNER_URL;
	char *origin = sbtc_url_origin(url);
	j->peer = sbtc_xasprintf("signer %s", origin);
	free(origin);
	j->o = *o;
	j->o.peer = j->peer;
	j->oc = oc;
	j->then = then;
	j->ctx = ctx;
	char *full = sbtc_url_join(url, "");
	sbtc_http_req req = {.method = "GET", .url = full, .opts = &j->o};
	sbtc_acq_http(a, &req, &j->resp, oc, alive_done, j);
	free(full);
}
