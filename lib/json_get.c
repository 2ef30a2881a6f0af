/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json_get.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* One GET in flight. */
typedef struct {
	char *peer, *asked, *what;
	sbtc_http_opts ho;
	sbtc_json_answer ans;
	sbtc_outcome http_oc;
	sbtc_answer_parser parse;
	void *out;
	long *http_status;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} json_get;

static void json_get_done(sbtc_acq *a, void *arg)
{
	json_get *g = arg;
	char inner[400];
	if (g->http_oc.status != SBTC_FETCH_OK) {
		/* get_json keeps the status of a non-200 answer: some mean something (a node's
		 * /v3/health answers 404 before 3.1.0.0.13). */
		if (g->http_status != NULL)
			*g->http_status = g->http_oc.status == SBTC_FETCH_ERROR ? g->ans.resp.status : 0;
		sbtc_outcome_set(g->oc, g->http_oc.status, "%s", g->http_oc.msg);
	} else if (g->parse(&g->ans, g->out, inner, sizeof inner) != 0) {
		sbtc_outcome_set(g->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected %s answer: %s", g->peer, g->what, inner);
	} else {
		sbtc_outcome_set(g->oc, SBTC_FETCH_OK, "%s", "");
	}
	sbtc_then then = g->then;
	void *ctx = g->ctx;
	sbtc_json_answer_free(&g->ans);
	free(g->what);
	free(g->asked);
	free(g->peer);
	sbtc_acq_done(a, g, then, ctx);
}

void sbtc_json_get_parsed(sbtc_acq *a, const sbtc_json_get_req *req, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	json_get *g = sbtc_xcalloc(1, sizeof *g);
	g->peer = sbtc_xstrdup(req->peer);
	g->asked = sbtc_xstrdup(req->asked != NULL ? req->asked : req->peer);
	g->what = sbtc_xstrdup(req->what);
	g->ho = *req->o;
	g->ho.peer = g->asked;
	if (req->max_body != 0)
		g->ho.max_body = req->max_body;
	g->parse = req->parse;
	g->out = req->out;
	g->http_status = req->http_status;
	g->oc = oc;
	g->then = then;
	g->ctx = ctx;
	memset(oc, 0, sizeof *oc);
	sbtc_http_get_json(a, req->url, &g->ho, 0, &g->ans, &g->http_oc, json_get_done, g);
}
