/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An Esplora-style API (Blockstream's esplora, mempool.space) as a Bitcoin reference:
 * GET <base>/api/blocks/tip/height answers the best block's height as a bare integer. */
#ifndef SBTC_ESPLORA_H
#define SBTC_ESPLORA_H

#include <stddef.h>
#include <stdint.h>

#include "acquire.h"

/* The largest answer taken: a height is a few digits. */
#define SBTC_ESPLORA_MAX_BODY 4096

/* The body of /blocks/tip/height: digits, optionally surrounded by whitespace, nothing
 * else (at most 10 digits). 0 with *height, or -1 with "the tip height is not a number:
 * '<start of the body>'". */
int sbtc_esplora_tip_parse(const char *body, size_t len, int64_t *height, char *err, size_t errlen);

/* <base>/api/blocks/tip/height, or <base>/blocks/tip/height where base already ends in
 * /api (malloc'd). */
char *sbtc_esplora_tip_url(const char *base);

/* GET the tip's height, started into an acquisition: fills *height and *oc, then calls
 * then. Messages name the API as "Bitcoin reference <origin>". */
void sbtc_esplora_tip_start(sbtc_acq *a, const char *base, const sbtc_http_opts *o, int64_t *height,
			    sbtc_outcome *oc, sbtc_then then, void *ctx);

#endif
