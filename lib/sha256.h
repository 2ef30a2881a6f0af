/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4), one-shot: what c32check addresses need for their checksum. */
#ifndef SBTC_SHA256_H
#define SBTC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SBTC_SHA256_LEN 32

void sbtc_sha256(const uint8_t *data, size_t len, uint8_t out[SBTC_SHA256_LEN]);

#endif
