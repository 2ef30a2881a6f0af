/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "c32.h"

#include <string.h>

#include "sha256.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The big-endian number in data as base-32 digits, most significant first, with one '0'
 * for each leading zero byte (c32.rs, c32_encode). dst has room for 2 * len + 1. */
static void c32_encode(const uint8_t *data, size_t len, char *dst)
{
	uint8_t num[32];
	char rev[64];
	size_t nd = 0, zeros = 0;
	memcpy(num, data, len);
	while (zeros < len && data[zeros] == 0)
		zeros++;
	/* Repeated division by 32 of the whole number. */
	for (;;) {
		size_t first = 0;
		while (first < len && num[first] == 0)
			first++;
		if (first == len)
			break;
		unsigned rem = 0;
		for (size_t i = first; i < len; i++) {
			unsigned cur = rem * 256 + num[i];
			num[i] = (uint8_t)(cur / 32);
			rem = cur % 32;
		}
		rev[nd++] = alphabet[rem];
	}
	size_t o = 0;
	for (size_t i = 0; i < zeros; i++)
		dst[o++] = '0';
	while (nd > 0)
		dst[o++] = rev[--nd];
	dst[o] = '\0';
}

int sbtc_c32_address(uint8_t version, const uint8_t hash160[20], char dst[SBTC_C32_ADDRESS_MAX])
{
	uint8_t buf[21], d1[SBTC_SHA256_LEN], d2[SBTC_SHA256_LEN], data[24];
	if (version >= 32)
		return -1;
	buf[0] = version;
	memcpy(buf + 1, hash160, 20);
	sbtc_sha256(buf, sizeof buf, d1);
	sbtc_sha256(d1, sizeof d1, d2);
	memcpy(data, hash160, 20);
	memcpy(data + 20, d2, 4);
	dst[0] = 'S';
	dst[1] = alphabet[version];
	c32_encode(data, sizeof data, dst + 2);
	return 0;
}
