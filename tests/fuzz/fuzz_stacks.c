/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the Stacks answers' parsers: any body as /v2/info
 * (lib/stacks.c), /v3/health, /v3/tenures/tip_metadata, or a Stacks reference's
 * /extended (lib/stacks_reference.c). The first byte's low two bits choose which; the
 * rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "json_field.h"
#include "stacks.h"
#include "stacks_reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	json_object *doc = NULL;
	char err[400];
	memset(err, 'Z', sizeof err);
	if (sbtc_json_parse((const char *)data + 1, size - 1, &doc, err, sizeof err) != 0) {
		fuzz_check_err(err, sizeof err);
		return 0;
	}
	memset(err, 'Z', sizeof err);
	int r;
	switch (sel & 3) {
	case 0: {
		sbtc_stacks_info in;
		r = sbtc_stacks_info_parse(doc, &in, err, sizeof err);
		if (r == 0) {
			fuzz_check_clean(in.server_version, sizeof in.server_version);
			if (in.stacks_tip_height < 0 || in.burn_block_height < 0)
				abort();
			if (!in.has_is_fully_synced && in.is_fully_synced)
				abort();
			size_t n = strnlen(in.tip_consensus_hash, sizeof in.tip_consensus_hash);
			if (n != 0 && (n != 40 || strspn(in.tip_consensus_hash, "0123456789abcdef") != 40))
				abort(); /* it goes into a URL path */
		}
		break;
	}
	case 1: {
		sbtc_stacks_health h;
		r = sbtc_stacks_health_parse(doc, &h, err, sizeof err);
		if (r == 0 && h.max_stacks_height_of_neighbors == 0 && !h.no_neighbour)
			abort();
		break;
	}
	case 2: {
		sbtc_stacks_tip_time t;
		r = sbtc_stacks_tip_time_parse(doc, &t, err, sizeof err);
		if ((t.timestamp < 0) != (t.chain_length < 0))
			abort();
		if (r != 0 && t.timestamp != -1)
			abort();
		break;
	}
	default: {
		int64_t h = -1;
		r = sbtc_stacks_reference_parse(doc, &h, err, sizeof err);
		if (r == 0 && h < 0)
			abort();
		break;
	}
	}
	if (r != 0)
		fuzz_check_err(err, sizeof err);
	json_object_put(doc);
	return 0;
}
