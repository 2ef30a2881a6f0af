/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The route is GET /blocks/tip/height of Blockstream/esplora's API.md, served by
 * Blockstream/electrs (src/rest.rs) as the height in plain text. */
#include "esplora.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_get.h"
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

/* A bare integer is a JSON document too: sbtc_http_get_json judges the status, an empty
 * answer and garbage; the parser then allows nothing but the digits. */
static int tip_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_esplora_tip_parse(ans->resp.body, ans->resp.len, out, err, errlen);
}

void sbtc_esplora_tip_start(sbtc_acq *a, const char *base, const sbtc_http_opts *o, int64_t *height,
			    sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	char *url = sbtc_esplora_tip_url(base);
	char *origin = sbtc_url_origin(base);
	char *peer = sbtc_xasprintf("Bitcoin reference %s", origin);
	free(origin);
	sbtc_json_get_req req = {.url = url, .peer = peer, .what = "/blocks/tip/height", .o = o,
				 .max_body = SBTC_ESPLORA_MAX_BODY, .parse = tip_parser, .out = height};
	sbtc_json_get_parsed(a, &req, oc, then, ctx);
	free(peer);
	free(url);
}
