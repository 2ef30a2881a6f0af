/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/quic.c: arbitrary bytes as a reply to the QUIC probe, read
 * with the fixed connection IDs the corpus was made with (so that the fuzzer reaches
 * the version list), and with IDs taken from the input's first bytes. Besides memory
 * errors it stops on broken promises: no version written past maxv, a count that is
 * not what the bytes hold, a missing or unterminated message, and a packet accepted
 * that is not a Version Negotiation for the IDs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"

/* The IDs of the probe that tests/fuzz/corpus/quic was answered with. */
static const sbtc_quic_ids FIXED = {
	.dcid = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08},
	.scid = {0xc1, 0x01, 0x5e, 0x3c, 0xa5, 0x11, 0x7e, 0x42},
};

#define MAXV 4

static void check(const uint8_t *data, size_t size, const sbtc_quic_ids *ids)
{
	uint32_t v[MAXV + 1];
	v[MAXV] = 0xdeadbeef;
	size_t nv = 12345;
	char err[160];
	memset(err, 'Z', sizeof err);
	int rc = sbtc_quic_vn_parse(data, size, ids, v, MAXV, &nv, err, sizeof err);
	if (v[MAXV] != 0xdeadbeef)
		abort();
	if (rc != 0) {
		if (rc != -1 || nv != 0 || memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
			abort();
		return;
	}
	/* Accepted: long header, version 0, IDs swapped, whole versions, none ours. */
	if (size < 7 + 2 * SBTC_QUIC_CID_LEN || !(data[0] & 0x80) || data[1] | data[2] | data[3] | data[4])
		abort();
	if (data[5] != SBTC_QUIC_CID_LEN || memcmp(data + 6, ids->scid, SBTC_QUIC_CID_LEN) != 0)
		abort();
	size_t s = 6 + SBTC_QUIC_CID_LEN;
	if (data[s] != SBTC_QUIC_CID_LEN || memcmp(data + s + 1, ids->dcid, SBTC_QUIC_CID_LEN) != 0)
		abort();
	size_t rest = size - (s + 1 + SBTC_QUIC_CID_LEN);
	if (rest == 0 || rest % 4 != 0 || nv != rest / 4)
		abort();
	for (size_t k = 0; k < nv && k < MAXV; k++)
		if (v[k] == SBTC_QUIC_PROBE_VERSION)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, &FIXED);
	if (size >= sizeof(sbtc_quic_ids)) {
		sbtc_quic_ids ids;
		memcpy(&ids, data, sizeof ids);
		check(data + sizeof ids, size - sizeof ids, &ids);
		/* The probe built with any IDs is 1200 bytes, our IDs in place. */
		uint8_t pkt[SBTC_QUIC_PROBE_LEN];
		if (sbtc_quic_probe_build(&ids, pkt, sizeof pkt) != SBTC_QUIC_PROBE_LEN ||
		    memcmp(pkt + 6, ids.dcid, SBTC_QUIC_CID_LEN) != 0 ||
		    memcmp(pkt + 7 + SBTC_QUIC_CID_LEN, ids.scid, SBTC_QUIC_CID_LEN) != 0)
			abort();
	}
	return 0;
}
