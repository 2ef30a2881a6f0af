/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/stacks.c's node answers: any body, under a few HTTP statuses,
 * as /v2/info and as /v3/health, through lib/http.c (with libcurl replaced by
 * fake_curl.c). The first byte chooses the status, the path and how the body is cut into
 * pieces (high nibble 0: whole, else pieces of 2^nibble bytes); the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_curl.h"
#include "fuzz_common.h"
#include "stacks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 200, 404, 500, 503, 301};
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	long status = statuses[sel & 7];
	fake_curl_answer(status, data + 1, size - 1, (sel >> 4) ? (size_t)1 << (sel >> 4) : size);

	sbtc_http_opts o;
	memset(&o, 0, sizeof o);
	char err[400];
	memset(err, 'Z', sizeof err);
	sbtc_fetch_status st;
	if (sel & 8) {
		sbtc_stacks_health h;
		st = sbtc_stacks_health_get("http://127.0.0.1:20443", "Stacks node", &o, &h, err, sizeof err);
	} else {
		sbtc_stacks_info in;
		st = sbtc_stacks_info_get("http://127.0.0.1:20443", "Stacks node", &o, &in, err, sizeof err);
		if (st == SBTC_FETCH_OK) {
			fuzz_check_clean(in.server_version, sizeof in.server_version);
			if (in.stacks_tip_height < 0 || in.burn_block_height < 0)
				abort();
			if (!in.has_is_fully_synced && in.is_fully_synced)
				abort();
		}
	}
	if (st == SBTC_FETCH_OK) {
		if (status != 200)
			abort(); /* an answer under an error status is never taken */
	} else {
		fuzz_check_err(err, sizeof err);
	}
	return 0;
}
