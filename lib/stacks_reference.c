/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /extended is the Hiro API's status route (hirosystems/stacks-blockchain-api,
 * src/api/routes/status.ts: chain_tip.block_height, chain_tip.burn_block_height). */
#include "stacks_reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_field.h"
#include "strbuf.h"

#define ROLE "Stacks reference"

int sbtc_stacks_reference_parse(json_object *doc, int64_t *height, char *err, size_t errlen)
{
	if (sbtc_json_get_int64(doc, "chain_tip.block_height", height, err, errlen) != 0)
		return -1;
	if (*height < 0) {
		snprintf(err, errlen, "negative height");
		return -1;
	}
	return 0;
}

/* One reference asked: /extended, then perhaps /v2/info. */
typedef struct {
	char *url;
	char *peer;   /* "Stacks reference https://api.hiro.so" */
	char *asked;  /* the same with /extended */
	sbtc_http_opts ho;
	sbtc_json_answer ans;
	sbtc_outcome step_oc;
	sbtc_stacks_info info;
	sbtc_stacks_reference *out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} ref_get;

static void ref_end(sbtc_acq *a, ref_get *g)
{
	sbtc_then then = g->then;
	void *ctx = g->ctx;
	sbtc_json_answer_free(&g->ans);
	free(g->asked);
	free(g->peer);
	free(g->url);
	free(g);
	if (then != NULL)
		then(a, ctx);
}

static void info_done(sbtc_acq *a, void *arg)
{
	ref_get *g = arg;
	if (g->step_oc.status == SBTC_FETCH_OK) {
		g->out->height = g->info.stacks_tip_height;
		g->out->network_id = g->info.network_id;
		g->out->has_network = true;
	}
	sbtc_outcome_set(g->oc, g->step_oc.status, "%s", g->step_oc.msg);
	ref_end(a, g);
}

static void extended_done(sbtc_acq *a, void *arg)
{
	ref_get *g = arg;
	char inner[300];
	if (g->step_oc.status == SBTC_FETCH_ERROR && g->ans.resp.status == 404) {
		/* Not a Hiro-style API: perhaps a node, the next link of the chain. */
		sbtc_stacks_info_start(a, g->url, ROLE, &g->ho, &g->info, &g->step_oc, info_done, g);
		return;
	}
	if (g->step_oc.status != SBTC_FETCH_OK)
		sbtc_outcome_set(g->oc, g->step_oc.status, "%s", g->step_oc.msg);
	else if (sbtc_stacks_reference_parse(g->ans.doc, &g->out->height, inner, sizeof inner) != 0)
		sbtc_outcome_set(g->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected /extended answer: %s", g->peer, inner);
	else
		sbtc_outcome_set(g->oc, SBTC_FETCH_OK, "%s", "");
	ref_end(a, g);
}

void sbtc_stacks_reference_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o,
				 sbtc_stacks_reference *out, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	ref_get *g = sbtc_xcalloc(1, sizeof *g);
	char *origin = sbtc_url_origin(url);
	g->url = sbtc_xstrdup(url);
	g->peer = sbtc_xasprintf(ROLE " %s", origin);
	g->asked = sbtc_xasprintf(ROLE " %s/extended", origin);
	free(origin);
	g->ho = *o;
	g->out = out;
	g->oc = oc;
	g->then = then;
	g->ctx = ctx;
	memset(out, 0, sizeof *out);
	memset(oc, 0, sizeof *oc);
	g->ho.peer = g->asked;
	char *full = sbtc_url_join(url, "extended");
	sbtc_http_get_json(a, full, &g->ho, 0, &g->ans, &g->step_oc, extended_done, g);
	free(full);
}
