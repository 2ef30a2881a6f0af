/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The route is GET /blocks/tip/height of Blockstream/esplora's API.md, served by
 * Blockstream/electrs (src/rest.rs) as the height in plain text. */
#include "esplora.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "strbuf.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int sbtc_esplora_tip_parse(const char *body, size_t len, int64_t *height, char *err, size_t errlen)
{
	size_t i = 0;
	while (i < len && is_space(body[i]))
		i++;
	size_t d = i;
	int64_t v = 0;
	while (i < len && body[i] >= '0' && body[i] <= '9' && i - d < 10)
		v = v * 10 + (body[i++] - '0');
	size_t digits_end = i;
	while (i < len && is_space(body[i]))
		i++;
	if (digits_end == d || i != len) {
		sbtc_strbuf ex = SBTC_STRBUF_INIT;
		sbtc_sanitize_append(&ex, body, len, 80);
		snprintf(err, errlen, "the tip height is not a number: '%s'", sbtc_strbuf_str(&ex));
		sbtc_strbuf_free(&ex);
		return -1;
	}
	*height = v;
	return 0;
}

char *sbtc_esplora_tip_url(const char *base)
{
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	bool has_api = bl >= 4 && strncmp(base + bl - 4, "/api", 4) == 0;
	return sbtc_url_join(base, has_api ? "blocks/tip/height" : "api/blocks/tip/height");
}

/* One GET in flight. */
typedef struct {
	char *peer; /* "Bitcoin reference https://mempool.space" */
	sbtc_http_opts ho;
	sbtc_json_answer ans;
	sbtc_outcome http_oc;
	int64_t *height;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} tip_get;

static void tip_done(sbtc_acq *a, void *arg)
{
	tip_get *g = arg;
	char inner[300];
	const sbtc_http_response *r = &g->ans.resp;
	/* A bare integer is a JSON document too: sbtc_http_get_json judges the status, an
	 * empty answer and garbage; the parser then allows nothing but the digits. */
	if (g->http_oc.status != SBTC_FETCH_OK)
		sbtc_outcome_set(g->oc, g->http_oc.status, "%s", g->http_oc.msg);
	else if (sbtc_esplora_tip_parse(r->body, r->len, g->height, inner, sizeof inner) != 0)
		sbtc_outcome_set(g->oc, SBTC_FETCH_BAD_ANSWER, "%s: %s", g->peer, inner);
	else
		sbtc_outcome_set(g->oc, SBTC_FETCH_OK, "%s", "");
	sbtc_then then = g->then;
	void *ctx = g->ctx;
	sbtc_json_answer_free(&g->ans);
	free(g->peer);
	free(g);
	if (then != NULL)
		then(a, ctx);
}

void sbtc_esplora_tip_start(sbtc_acq *a, const char *base, const sbtc_http_opts *o, int64_t *height,
			    sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	tip_get *g = sbtc_xcalloc(1, sizeof *g);
	char *url = sbtc_esplora_tip_url(base);
	char *origin = sbtc_url_origin(base);
	g->peer = sbtc_xasprintf("Bitcoin reference %s", origin);
	free(origin);
	g->ho = *o;
	g->ho.peer = g->peer;
	g->ho.max_body = SBTC_ESPLORA_MAX_BODY;
	g->height = height;
	g->oc = oc;
	g->then = then;
	g->ctx = ctx;
	memset(oc, 0, sizeof *oc);
	sbtc_http_get_json(a, url, &g->ho, 0, &g->ans, &g->http_oc, tip_done, g);
	free(url);
}
