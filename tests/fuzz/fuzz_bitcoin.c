/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/bitcoin.c's parsers: any body, under any of the HTTP statuses
 * Bitcoin Core uses, as the JSON-RPC envelope (sbtc_bitcoin_reply_parse), then its result
 * as getblockchaininfo's or getnetworkinfo's. The first byte chooses the status (low
 * three bits) and the method (bit 3); the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin.h"
#include "fuzz_common.h"
#include "json_field.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 500, 404, 401, 403, 502};
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	long status = statuses[sel & 7];
	bool netinfo = sel & 8;
	const char *method = netinfo ? "getnetworkinfo" : "getblockchaininfo";
	json_object *doc = NULL, *res = NULL;
	char err[400];
	memset(err, 'Z', sizeof err);
	if (sbtc_json_parse((const char *)data + 1, size - 1, &doc, err, sizeof err) != 0) {
		fuzz_check_err(err, sizeof err);
		return 0;
	}
	memset(err, 'Z', sizeof err);
	sbtc_fetch_status st = sbtc_bitcoin_reply_parse("Bitcoin Core http://127.0.0.1:8332", method, status, doc, &res,
							err, sizeof err);
	json_object_put(doc);
	if (st != SBTC_FETCH_OK) {
		fuzz_check_err(err, sizeof err);
		if (res != NULL)
			abort();
		return 0;
	}
	if (status != 200 || res == NULL)
		abort(); /* an answer under an error status is never taken */
	memset(err, 'Z', sizeof err);
	if (netinfo) {
		sbtc_bitcoin_netinfo ni;
		if (sbtc_bitcoin_netinfo_parse(res, &ni, err, sizeof err) == 0)
			fuzz_check_clean(ni.subversion, sizeof ni.subversion);
		else
			fuzz_check_err(err, sizeof err);
	} else {
		sbtc_bitcoin_chaininfo ci;
		if (sbtc_bitcoin_chaininfo_parse(res, &ci, err, sizeof err) == 0) {
			fuzz_check_clean(ci.chain, sizeof ci.chain);
			fuzz_check_clean(ci.bestblockhash, sizeof ci.bestblockhash);
			if (ci.warnings == NULL || ci.blocks < 0 || ci.headers < 0 ||
			    !(ci.verificationprogress >= 0 && ci.verificationprogress <= 1))
				abort();
			fuzz_check_clean(ci.warnings, strlen(ci.warnings) + 1);
		} else {
			fuzz_check_err(err, sizeof err);
		}
		sbtc_bitcoin_chaininfo_free(&ci);
	}
	json_object_put(res);
	return 0;
}
