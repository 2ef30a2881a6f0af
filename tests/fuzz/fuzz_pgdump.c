/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/pgdump.c, lib/dkg_copy.c and lib/decompress.c: any bytes as
 * a backup file (recognition, the archive, tar and plain readers, the gzip/zstd/lz4
 * decoders), with the dkg_shares COPY reader on, and the same bytes read again as SQL
 * text asking about two keys (the second reading of a plain dump, pg_restore's output).
 *
 * An input may also be a template, so that the limits (lowered in the fuzz build to 64 TOC
 * entries, 66 tar members, 64 kB COPY rows: lib/pgdump.c) and long COPY blocks are
 * reachable from a small input:
 *   "SBTCREP" u32 count (little endian) u16 prefix_len u16 unit_len prefix unit suffix
 * expands to prefix, then unit repeated count times, then suffix (at most 256 kB, which keeps a run fast). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgdump.h"

#define MAGIC "SBTCREP"
#define MAX_EXPANDED (256u * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The template expanded into a new buffer, or NULL when data is not one. */
static uint8_t *expand(const uint8_t *data, size_t size, size_t *out_len)
{
	size_t m = sizeof MAGIC - 1;
	if (size < m + 8 || memcmp(data, MAGIC, m) != 0)
		return NULL;
	const uint8_t *p = data + m;
	uint32_t count = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	size_t plen = (size_t)p[4] | (size_t)p[5] << 8, ulen = (size_t)p[6] | (size_t)p[7] << 8;
	size_t rest = size - m - 8;
	if (plen > rest || ulen > rest - plen)
		return NULL;
	size_t slen = rest - plen - ulen;
	if (ulen == 0 || plen + slen >= MAX_EXPANDED)
		count = 0; /* nothing to repeat, or no room: no loop of a billion empty copies */
	else if (count > (MAX_EXPANDED - plen - slen) / ulen)
		count = (uint32_t)((MAX_EXPANDED - plen - slen) / ulen);
	size_t total = plen + (size_t)count * ulen + slen;
	uint8_t *buf = malloc(total + 1);
	if (buf == NULL)
		abort();
	const uint8_t *prefix = p + 8, *unit = prefix + plen, *suffix = unit + ulen;
	memcpy(buf, prefix, plen);
	size_t at = plen;
	for (uint32_t i = 0; i < count; i++, at += ulen)
		memcpy(buf + at, unit, ulen);
	memcpy(buf + at, suffix, slen);
	*out_len = total;
	return buf;
}

static void check_summary(const sbtc_dkg_shares *shares)
{
	sbtc_dkg_counts c;
	sbtc_dkg_count(shares, &c);
	/* Bounded whatever the input: the newest, the newest verified, two per key. */
	if (shares->n > 2 + 2 * SBTC_DKG_COPY_MAX_KEYS)
		abort();
	if (shares->n > 0 && c.total < 1)
		abort();
	for (size_t i = 0; i < shares->n; i++) {
		if (shares->v[i].key[0] != 0x02 && shares->v[i].key[0] != 0x03)
			abort();
		if (i > 0 && sbtc_dkg_share_cmp(&shares->v[i - 1], &shares->v[i]) > 0)
			abort(); /* newest first */
	}
	if (c.verified > c.total)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size;
	uint8_t *expanded = expand(data, size, &len);
	const uint8_t *in = expanded != NULL ? expanded : data;

	sbtc_dump_info d;
	sbtc_dkg_shares shares;
	bool found = false;
	char err[256] = "";
	sbtc_src *s = sbtc_src_mem(in, len, -1);
	sbtc_dump_examine_src(s, &d, &shares, &found, err, sizeof err);
	sbtc_src_free(s);
	/* A verdict is always given: whole, or a reason; never both. */
	if (d.whole == (d.problem[0] != '\0'))
		abort();
	if (memchr(d.problem, '\0', sizeof d.problem) == NULL)
		abort();
	if (d.beyond_limits && d.whole)
		abort();
	if (shares.summary || shares.n > 0)
		check_summary(&shares);
	sbtc_dkg_shares_free(&shares);

	/* Read again as SQL text, asking about the keys of the first two rows it may hold. */
	static const uint8_t keys[2][SBTC_AGGREGATE_KEY_LEN] = {{0x03, 0xd8}, {0x02, 0xaa}};
	s = sbtc_src_mem(in, len, -1);
	int r = sbtc_dkg_copy_src(s, keys, 2, (len & 1) != 0, &shares, err, sizeof err);
	sbtc_src_free(s);
	if (r == 0)
		check_summary(&shares);
	else if (shares.n != 0)
		abort();
	sbtc_dkg_shares_free(&shares);
	free(expanded);
	return 0;
}
