/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two QUIC packets a port probe needs, and nothing of QUIC beyond them.
 *
 * The probe is a client Initial (long header) whose version is one of the reserved
 * 0x?a?a?a?a versions no endpoint implements (RFC 9000, section 15), padded to the 1200
 * bytes below which a server ignores an Initial (section 14.1). A QUIC endpoint answers
 * it with Version Negotiation (sections 6 and 17.2.1): a long header with version 0, our
 * source connection ID as its destination, our destination ID as its source, and a list
 * of 4-byte versions it supports. A reply that is all of that can come only from a QUIC
 * endpoint that read our packet; anything else (an echo, garbage) is not one. */
#ifndef SBTC_QUIC_H
#define SBTC_QUIC_H

#include <stddef.h>
#include <stdint.h>

#define SBTC_QUIC_PROBE_LEN 1200
#define SBTC_QUIC_CID_LEN 8
/* The reserved version the probe asks for (the 0x?a?a?a?a pattern). */
#define SBTC_QUIC_PROBE_VERSION 0x1a2a3a4aU

/* The connection IDs of one probe. */
typedef struct {
	uint8_t dcid[SBTC_QUIC_CID_LEN];
	uint8_t scid[SBTC_QUIC_CID_LEN];
} sbtc_quic_ids;

/* Fills ids with random bytes (getrandom). Returns 0, or -1 with a message. */
int sbtc_quic_ids_random(sbtc_quic_ids *ids, char *err, size_t errlen);

/* Writes the probe datagram for ids into buf (at least SBTC_QUIC_PROBE_LEN bytes).
 * Returns its length, SBTC_QUIC_PROBE_LEN, or 0 when buf is too small. */
size_t sbtc_quic_probe_build(const sbtc_quic_ids *ids, uint8_t *buf, size_t buflen);

/* Reads a datagram received in reply to the probe of ids. Returns 0 when it is a Version
 * Negotiation packet for our connection IDs, with *nversions the number of versions it
 * lists and the first maxv of them in versions (in the packet's order). Returns -1 when
 * it is not, with why it is not in err ("version 0x1a2a3a4a, not 0: not a Version
 * Negotiation packet"). */
int sbtc_quic_vn_parse(const uint8_t *pkt, size_t len, const sbtc_quic_ids *ids, uint32_t *versions,
		       size_t maxv, size_t *nversions, char *err, size_t errlen);

/* The name of a QUIC version ("QUIC v1", "QUIC draft-29"), or NULL for one the table
 * does not know (and for the reserved versions, which name nothing). */
const char *sbtc_quic_version_name(uint32_t version);

#endif
