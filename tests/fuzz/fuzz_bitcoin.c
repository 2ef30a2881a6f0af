/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/bitcoin.c: any body, under any of the HTTP statuses Bitcoin
 * Core uses, as the answer to getblockchaininfo and to getnetworkinfo, through
 * sbtc_bitcoin_call and lib/http.c (with libcurl replaced by fake_curl.c). The first byte
 * chooses the status, the method and how the body is cut into pieces (high nibble 0:
 * whole, else pieces of 2^nibble bytes); the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin.h"
#include "fake_curl.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 500, 404, 401, 403, 502};
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	fake_curl_answer(statuses[sel & 7], data + 1, size - 1, (sel >> 4) ? (size_t)1 << (sel >> 4) : size);

	sbtc_bitcoin_conn c;
	memset(&c, 0, sizeof c);
	c.url = "http://127.0.0.1:8332/";
	char err[400];
	memset(err, 'Z', sizeof err);
	if (sel & 8) {
		sbtc_bitcoin_netinfo ni;
		sbtc_fetch_status st = sbtc_bitcoin_netinfo_get(&c, &ni, err, sizeof err);
		if (st == SBTC_FETCH_OK)
			fuzz_check_clean(ni.subversion, sizeof ni.subversion);
		else
			fuzz_check_err(err, sizeof err);
	} else {
		sbtc_bitcoin_chaininfo ci;
		sbtc_fetch_status st = sbtc_bitcoin_chaininfo_get(&c, &ci, err, sizeof err);
		if (st == SBTC_FETCH_OK) {
			fuzz_check_clean(ci.chain, sizeof ci.chain);
			fuzz_check_clean(ci.bestblockhash, sizeof ci.bestblockhash);
			if (ci.warnings == NULL || ci.blocks < 0 || ci.headers < 0)
				abort();
			fuzz_check_clean(ci.warnings, strlen(ci.warnings) + 1);
			if (statuses[sel & 7] != 200)
				abort(); /* an answer under an error status is never taken */
		} else {
			fuzz_check_err(err, sizeof err);
		}
		sbtc_bitcoin_chaininfo_free(&ci);
	}
	return 0;
}
