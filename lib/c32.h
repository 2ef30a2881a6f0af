/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stacks addresses: c32check, the Crockford base-32 text of a version byte, a 20-byte
 * hash and a 4-byte checksum (the first bytes of the double SHA-256 of version and hash),
 * as stacks-core's stacks-common/src/address/c32.rs writes them. The checks need it to
 * name a principal that a Clarity value carries as bytes (the signers' principal of the
 * registry) in a node's URL. */
#ifndef SBTC_C32_H
#define SBTC_C32_H

#include <stddef.h>
#include <stdint.h>

/* 'S', the version digit, the data: at most 1 + 1 + 39 characters, and the NUL. */
#define SBTC_C32_ADDRESS_MAX 42

/* The address of a standard principal (version < 32) into dst (SBTC_C32_ADDRESS_MAX
 * bytes): 0, or -1 for a version that has no c32 digit. */
int sbtc_c32_address(uint8_t version, const uint8_t hash160[20], char dst[SBTC_C32_ADDRESS_MAX]);

#endif
