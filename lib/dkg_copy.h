/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rows of sbtc_signer.dkg_shares read out of a COPY block in COPY text format (plain
 * SQL from pg_dump, or pg_restore's output), one line at a time, in memory that does
 * not grow with the number of rows: only what a verdict (lib/dkg.h) needs is kept, the
 * newest share, the newest verified share, the newest and the newest verified share of
 * each key asked about (the registry's, the live database's), and the counts. */
#ifndef SBTC_DKG_COPY_H
#define SBTC_DKG_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decompress.h"
#include "dkg.h"

#define SBTC_DKG_COPY_MAX_KEYS 4

typedef struct {
	uint8_t key[SBTC_AGGREGATE_KEY_LEN];
	bool has_newest, has_verified;
	sbtc_dkg_share newest, newest_verified;
} sbtc_dkg_copy_want;

typedef struct {
	int state; /* 0 looking for the COPY, 1 inside it, 2 after its "\." */
	bool failed; /* an error was met (err): further lines are ignored */
	int col_key, col_status, col_created, ncols;
	size_t line_no;
	bool inserts; /* INSERT statements for the table were seen (pg_dump --inserts) */
	bool has_status;
	size_t malformed;
	sbtc_dkg_counts counts; /* newest_verified unused */
	bool has_newest, has_verified;
	sbtc_dkg_share newest, newest_verified;
	size_t nwant;
	sbtc_dkg_copy_want want[SBTC_DKG_COPY_MAX_KEYS];
	sbtc_dkg_shares *out;
	char err[256];
} sbtc_dkg_copy;

/* out receives the summary at sbtc_dkg_copy_finish (zeroed now). */
void sbtc_dkg_copy_init(sbtc_dkg_copy *c, sbtc_dkg_shares *out);
/* Keeps the rows of this key too (before the first line; duplicates are ignored).
 * Returns false when SBTC_DKG_COPY_MAX_KEYS keys are asked about already. */
bool sbtc_dkg_copy_want_key(sbtc_dkg_copy *c, const uint8_t key[SBTC_AGGREGATE_KEY_LEN]);
/* Feeds one line (without its newline). Returns 0, or -1 with c->err set when the
 * block is malformed (a COPY header without aggregate_key, for one). */
int sbtc_dkg_copy_line(sbtc_dkg_copy *c, const char *line, size_t len);
/* The same for a line of a stream of which only the start may have been kept (overlong):
 * a row cut so is an error. Once an error was met, lines are ignored. */
int sbtc_dkg_copy_feed(sbtc_dkg_copy *c, const char *line, size_t len, bool overlong);
/* How much of the next line a reader must keep: a whole row inside the block (up to a
 * limit), only the start of any other line. */
size_t sbtc_dkg_copy_line_cap(const sbtc_dkg_copy *c);
/* After the last line: 0 when a complete block was read (*out is its summary, newest
 * first: sbtc_dkg_count gives the counts of every row), 1 when there was no block, 2
 * when the table came as INSERT statements instead (not read), -1 when it was cut short
 * or an error was met (c->err). */
int sbtc_dkg_copy_finish(sbtc_dkg_copy *c);

/* Reads a stream of SQL text (pg_restore's output, or a plain dump read again) for the
 * block, keeping the rows of the nkeys keys as well; to its end, or with until_block_end
 * only up to the end of the block. Returns 0 / 1 / 2 / -1 as sbtc_dkg_copy_finish, err
 * set on -1; a read failure is -1. */
int sbtc_dkg_copy_src(sbtc_src *src, const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN], size_t nkeys,
		      bool until_block_end, sbtc_dkg_shares *out, char *err, size_t errlen);
/* Whether a summary read without asking about key (the newest and the newest verified
 * share only) already holds every row a verdict on key looks at: key is that of the
 * newest verified share, or, before migration 0012, of the newest share. */
bool sbtc_dkg_copy_answers(const sbtc_dkg_shares *s, const uint8_t key[SBTC_AGGREGATE_KEY_LEN]);

/* "2026-11-23 05:31:04.123456+00" (ISO, as pg_dump writes timestamptz) -> Unix time. */
int sbtc_parse_timestamptz(const char *text, size_t len, double *out);

#endif
