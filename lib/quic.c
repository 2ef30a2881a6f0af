/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "quic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int sbtc_quic_ids_random(sbtc_quic_ids *ids, char *err, size_t errlen)
{
	uint8_t *p = (uint8_t *)ids;
	size_t got = 0;
	while (got < sizeof *ids) {
		ssize_t n = getrandom(p + got, sizeof *ids - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot draw random connection IDs: %s", strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

size_t sbtc_quic_probe_build(const sbtc_quic_ids *ids, uint8_t *buf, size_t buflen)
{
	if (buflen < SBTC_QUIC_PROBE_LEN)
		return 0;
	memset(buf, 0, SBTC_QUIC_PROBE_LEN);
	size_t i = 0;
	/* Long header (0x80), fixed bit (0x40), type Initial (0), a 1-byte packet number. */
	buf[i++] = 0xc0;
	put32(buf + i, SBTC_QUIC_PROBE_VERSION);
	i += 4;
	buf[i++] = SBTC_QUIC_CID_LEN;
	memcpy(buf + i, ids->dcid, SBTC_QUIC_CID_LEN);
	i += SBTC_QUIC_CID_LEN;
	buf[i++] = SBTC_QUIC_CID_LEN;
	memcpy(buf + i, ids->scid, SBTC_QUIC_CID_LEN);
	i += SBTC_QUIC_CID_LEN;
	/* Token length 0, then the Length of the rest (packet number and payload) as a
	 * 2-byte variable-length integer (RFC 9000, section 16), so that the Initial's
	 * header is whole; the zero bytes after it are PADDING frames. */
	buf[i++] = 0x00;
	size_t rest = SBTC_QUIC_PROBE_LEN - i - 2;
	buf[i++] = (uint8_t)(0x40 | (rest >> 8));
	buf[i++] = (uint8_t)(rest & 0xff);
	return SBTC_QUIC_PROBE_LEN;
}

int sbtc_quic_vn_parse(const uint8_t *pkt, size_t len, const sbtc_quic_ids *ids, uint32_t *versions,
		       size_t maxv, size_t *nversions, char *err, size_t errlen)
{
	*nversions = 0;
	/* First byte, version, DCID length (RFC 9000, section 17.2.1). */
	if (len < 6) {
		snprintf(err, errlen, "%zu bytes, too short for a QUIC long header", len);
		return -1;
	}
	if (!(pkt[0] & 0x80)) {
		snprintf(err, errlen, "first byte 0x%02x: not a QUIC long header", pkt[0]);
		return -1;
	}
	uint32_t version = get32(pkt + 1);
	if (version != 0) {
		snprintf(err, errlen, "version 0x%08x, not 0: not a Version Negotiation packet", version);
		return -1;
	}
	size_t i = 5;
	size_t dlen = pkt[i++];
	if (len - i < dlen + 1) {
		snprintf(err, errlen, "Version Negotiation cut short in its connection IDs (%zu bytes)", len);
		return -1;
	}
	/* Our source ID comes back as the destination, our destination ID as the source. */
	if (dlen != SBTC_QUIC_CID_LEN || memcmp(pkt + i, ids->scid, SBTC_QUIC_CID_LEN) != 0) {
		snprintf(err, errlen, "Version Negotiation for another connection (destination ID differs)");
		return -1;
	}
	i += dlen;
	size_t slen = pkt[i++];
	if (len - i < slen) {
		snprintf(err, errlen, "Version Negotiation cut short in its connection IDs (%zu bytes)", len);
		return -1;
	}
	if (slen != SBTC_QUIC_CID_LEN || memcmp(pkt + i, ids->dcid, SBTC_QUIC_CID_LEN) != 0) {
		snprintf(err, errlen, "Version Negotiation for another connection (source ID differs)");
		return -1;
	}
	i += slen;
	size_t left = len - i;
	if (left == 0) {
		snprintf(err, errlen, "Version Negotiation that lists no version");
		return -1;
	}
	if (left % 4 != 0) {
		snprintf(err, errlen, "Version Negotiation with %zu bytes of versions, not a multiple of 4", left);
		return -1;
	}
	/* A list that holds the version we asked for is not a real answer to it (RFC 9000,
	 * section 6.2: the client discards such a packet). */
	for (size_t k = 0; k < left / 4; k++) {
		if (get32(pkt + i + 4 * k) == SBTC_QUIC_PROBE_VERSION) {
			snprintf(err, errlen, "Version Negotiation that lists the version asked for (0x%08x)",
				 SBTC_QUIC_PROBE_VERSION);
			return -1;
		}
	}
	for (size_t k = 0; k < left / 4; k++)
		if (k < maxv)
			versions[k] = get32(pkt + i + 4 * k);
	*nversions = left / 4;
	return 0;
}

const char *sbtc_quic_version_name(uint32_t version)
{
	switch (version) {
	case 0x00000001U: return "QUIC v1"; /* RFC 9000 */
	case 0x6b3343cfU: return "QUIC v2"; /* RFC 9369 */
	}
	/* IETF drafts: 0xff0000NN is draft-NN (RFC 9000, section 15). */
	static const char *const drafts[] = {"QUIC draft-27", "QUIC draft-28", "QUIC draft-29",
					     "QUIC draft-30", "QUIC draft-31", "QUIC draft-32"};
	if (version >= 0xff00001bU && version <= 0xff000020U)
		return drafts[version - 0xff00001bU];
	return NULL;
}
