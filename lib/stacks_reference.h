/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A public reference for the Stacks height: a Hiro-style API (GET /extended, its
 * chain_tip.block_height; e.g. https://api.hiro.so), or, where /extended is not found,
 * another Stacks node (GET /v2/info, whose network_id is then known too). */
#ifndef SBTC_STACKS_REFERENCE_H
#define SBTC_STACKS_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acquire.h"
#include "stacks.h"

typedef struct {
	int64_t height;      /* the reference's Stacks tip height */
	bool has_network;    /* true when it came from /v2/info */
	int64_t network_id;  /* /v2/info's network_id */
} sbtc_stacks_reference;

/* /extended's document -> *height (chain_tip.block_height, not negative): 0, or -1 with
 * a message. */
int sbtc_stacks_reference_parse(json_object *doc, int64_t *height, char *err, size_t errlen);

/* GET /extended, then GET /v2/info where that answers 404, started into an acquisition:
 * fills *out and *oc, then calls then. Messages name the reference as "Stacks reference
 * <origin>" (with the path where the transport speaks). */
void sbtc_stacks_reference_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o,
				 sbtc_stacks_reference *out, sbtc_outcome *oc, sbtc_then then, void *ctx);

#endif
